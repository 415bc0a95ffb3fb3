//! Faults: nothing acknowledged is lost and nothing is stored twice when `baton serve` is
//! killed with SIGKILL again and again under load, when the network between client and
//! server drops, delays and resets connections, when storage is locked by another process,
//! and when the server is stopped gracefully with requests in flight. Migrations run safely
//! twice. All traffic is to 127.0.0.1; every loop is bounded in count and time.
//!
//! `cargo xtask soak` runs `kill_loop` with `BATON_SOAK_BUNDLES=5000` (and more kills); the
//! defaults here keep `cargo xtask test` well under a minute.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Row;

use crate::proxy::{Mix, Proxy};
use crate::util::{bundle, new_id, Server, SiteOptions};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What a client saw, summed over all bundles.
#[derive(Default)]
struct Tally {
    /// First answer was 201.
    created: AtomicU64,
    /// Acknowledged with 200: the bundle had been stored but its first answer was lost.
    replayed: AtomicU64,
    /// Attempts that failed in transport (refused, reset, timed out).
    transport_errors: AtomicU64,
    /// Attempts answered with a 5xx (503 while storage was busy, …).
    server_errors: AtomicU64,
    /// Attempts in total.
    attempts: AtomicU64,
}

/// Posts `body` until a server acknowledges it (200/201), like the widget's outbox: transport
/// errors and 5xx are retried with capped backoff; a 4xx is a bug in the test or the server.
/// Bounded by `deadline`.
async fn post_until_acked(
    client: &reqwest::Client,
    base: &RwLock<String>,
    id: &str,
    body: &[u8],
    tally: &Tally,
    deadline: Instant,
) -> u16 {
    let mut backoff = Duration::from_millis(10);
    loop {
        assert!(Instant::now() < deadline, "bundle {id} never acknowledged");
        tally.attempts.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}/v1/handoffs", base.read().unwrap());
        let sent = client
            .post(url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", id)
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let text = resp.text().await;
                match (status, text) {
                    (200 | 201, Ok(text)) => {
                        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        if v["id"] == id {
                            let counter = if status == 201 {
                                &tally.created
                            } else {
                                &tally.replayed
                            };
                            counter.fetch_add(1, Ordering::Relaxed);
                            return status;
                        }
                        // A body cut off mid-way: not an acknowledgement.
                        tally.transport_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    (200 | 201, Err(_)) => {
                        tally.transport_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    (s, text) if s >= 500 || s == 408 => {
                        let _ = text;
                        tally.server_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    (s, text) => panic!("bundle {id}: client error {s}: {text:?}"),
                }
            }
            Err(_) => {
                tally.transport_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_millis(250));
    }
}

/// A raw HTTP/1.1 POST over one connection, for what reqwest (without its `stream` feature)
/// cannot do: a body sent in parts with pauses, or chunked without a length. `parts` are
/// written in order with `pause` between them; write errors after the server has answered
/// early (413) are expected and ignored. Returns the status and the body text.
pub(crate) async fn raw_post(
    base: &str,
    path: &str,
    headers: &[(&str, &str)],
    parts: Vec<Vec<u8>>,
    chunked: bool,
    pause: Duration,
) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.strip_prefix("http://").unwrap_or(base);
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if chunked {
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
    } else {
        let len: usize = parts.iter().map(Vec::len).sum();
        head.push_str(&format!("Content-Length: {len}\r\n\r\n"));
    }
    stream.write_all(head.as_bytes()).await?;
    // Read while writing: a server that answers early (413) and closes must not have its
    // answer lost to the reset that our unsent remainder would cause.
    let (mut rd, mut wr) = stream.into_split();
    let reader = tokio::spawn(async move {
        let mut answer = Vec::new();
        // A reset after a complete answer still leaves the answer in `answer`.
        let _ = rd.read_to_end(&mut answer).await;
        answer
    });
    let n = parts.len();
    for (i, part) in parts.into_iter().enumerate() {
        let sent = if chunked {
            let mut framed = format!("{:x}\r\n", part.len()).into_bytes();
            framed.extend(part);
            framed.extend(b"\r\n");
            if i + 1 == n {
                framed.extend(b"0\r\n\r\n");
            }
            wr.write_all(&framed).await
        } else {
            wr.write_all(&part).await
        };
        if sent.is_err() || reader.is_finished() {
            break;
        }
        if i + 1 < n && !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
    let answer = reader.await.map_err(std::io::Error::other)?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no HTTP answer: {text:?}")))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// `n` distinct bundles (each its own conversation), serialized once.
fn bundles(n: usize) -> Vec<(String, Vec<u8>)> {
    (0..n)
        .map(|_| {
            let id = new_id();
            let body = bundle(&id, &new_id()).to_string().into_bytes();
            (id, body)
        })
        .collect()
}

/// Every handoff id in the database behind `s`, and the number of rows.
async fn stored_ids(db_url: &str) -> (BTreeSet<String>, i64, i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db_url).await.unwrap();
    let rows = sqlx::query("SELECT id FROM handoffs")
        .fetch_all(&pool)
        .await
        .unwrap();
    let ids: BTreeSet<String> = rows.iter().map(|r| r.get::<String, _>(0)).collect();
    let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM handoffs")
        .fetch_one(&pool)
        .await
        .unwrap();
    let escalated: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM conversations WHERE escalated = 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    (ids, count, escalated)
}

/// Checks exactly-once storage and prints the figures of one scenario.
async fn check_exactly_once(
    scenario: &str,
    db_url: &str,
    sent: &[(String, Vec<u8>)],
    acked: &BTreeSet<String>,
    tally: &Tally,
    extra: &str,
) {
    let (ids, rows, escalated) = stored_ids(db_url).await;
    let sent_ids: BTreeSet<String> = sent.iter().map(|(id, _)| id.clone()).collect();
    let lost = sent_ids.difference(&ids).count();
    let lost_acked = acked.difference(&ids).count();
    let duplicated = rows as usize - ids.len();
    let strangers = ids.difference(&sent_ids).count();
    eprintln!(
        "FAULTS {scenario}: sent {} acked {} stored {} lost {lost} (acked-then-lost {lost_acked}) \
         duplicated {duplicated} | 201 {} 200-after-lost-ack {} attempts {} transport-errors {} \
         5xx {} {extra}",
        sent.len(),
        acked.len(),
        rows,
        tally.created.load(Ordering::Relaxed),
        tally.replayed.load(Ordering::Relaxed),
        tally.attempts.load(Ordering::Relaxed),
        tally.transport_errors.load(Ordering::Relaxed),
        tally.server_errors.load(Ordering::Relaxed),
    );
    assert_eq!(
        acked.len(),
        sent.len(),
        "{scenario}: every bundle acknowledged"
    );
    assert_eq!(lost_acked, 0, "{scenario}: acknowledged bundles lost");
    assert_eq!(lost, 0, "{scenario}: bundles lost");
    assert_eq!(duplicated, 0, "{scenario}: duplicates");
    assert_eq!(strangers, 0, "{scenario}: rows nobody sent");
    assert_eq!(rows as usize, sent.len(), "{scenario}: one row per handoff");
    assert_eq!(
        escalated as usize,
        sent.len(),
        "{scenario}: one escalated conversation each"
    );
}

/// Runs `clients` workers over `work`, each posting until acknowledged; returns acked ids.
async fn drive(
    work: Arc<Vec<(String, Vec<u8>)>>,
    clients: usize,
    base: Arc<RwLock<String>>,
    tally: Arc<Tally>,
    done: Arc<AtomicUsize>,
    budget: Duration,
) -> BTreeSet<String> {
    let next = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let deadline = Instant::now() + budget;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (work, base, tally, done, next, acked) = (
            work.clone(),
            base.clone(),
            tally.clone(),
            done.clone(),
            next.clone(),
            acked.clone(),
        );
        tasks.push(tokio::spawn(async move {
            // No connection reuse: every attempt is a new connection, so a kill or a proxy
            // fault hits requests, not just idle sockets.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((id, body)) = work.get(i) else {
                    return;
                };
                post_until_acked(&client, &base, id, body, &tally, deadline).await;
                acked.lock().unwrap().insert(id.clone());
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    acked
}

/// SIGKILL the server `kills` times, spread evenly over the run, while clients keep posting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_loop_loses_and_duplicates_nothing() {
    let n = env_usize("BATON_SOAK_BUNDLES", 600);
    let kills = env_usize("BATON_SOAK_KILLS", 6);
    let clients = env_usize("BATON_SOAK_CLIENTS", 8);
    let budget = Duration::from_secs(env_usize("BATON_SOAK_SECONDS", 50) as u64);
    let work = Arc::new(bundles(n));

    let server = Server::start_with(SiteOptions::default());
    let db_url = server.db_url();
    let base = Arc::new(RwLock::new(server.base.clone()));
    let server = Arc::new(Mutex::new(Some(server)));
    let tally = Arc::new(Tally::default());
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();

    let killer = {
        let (server, base, done) = (server.clone(), base.clone(), done.clone());
        tokio::spawn(async move {
            let mut killed = 0;
            while killed < kills && Instant::now() < started + budget {
                let at = (killed + 1) * n / (kills + 1);
                if done.load(Ordering::Relaxed) < at {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
                let s = server.clone();
                let new_base = tokio::task::spawn_blocking(move || {
                    let mut slot = s.lock().unwrap();
                    let old = slot.take().unwrap();
                    let fresh = old.restart();
                    let b = fresh.base.clone();
                    *slot = Some(fresh);
                    b
                })
                .await
                .unwrap();
                *base.write().unwrap() = new_base;
                killed += 1;
            }
            killed
        })
    };
    let acked = drive(work.clone(), clients, base, tally.clone(), done, budget).await;
    let killed = killer.await.unwrap();
    let elapsed = started.elapsed();
    check_exactly_once(
        "sigkill",
        &db_url,
        &work,
        &acked,
        &tally,
        &format!(
            "| SIGKILLs {killed} clients {clients} in {:.1} s",
            elapsed.as_secs_f64()
        ),
    )
    .await;
    assert_eq!(killed, kills, "every planned kill happened");
    drop(server);
}

/// A proxy between clients and server drops, delays and resets connections — including
/// resets after the server stored the bundle, so the client must retry a bundle that is
/// already stored and get the stored answer back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_flaps_lose_and_duplicate_nothing() {
    let n = env_usize("BATON_FLAP_BUNDLES", 300);
    let work = Arc::new(bundles(n));
    let server = Server::start();
    let upstream = server
        .base
        .strip_prefix("http://")
        .unwrap()
        .parse()
        .unwrap();
    let proxy = Proxy::start(
        upstream,
        Mix {
            delay: 15,
            drop: 15,
            reset: 20,
        },
        0x5eed,
    )
    .await;
    let base = Arc::new(RwLock::new(proxy.base.clone()));
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let acked = drive(
        work.clone(),
        6,
        base,
        tally.clone(),
        Arc::new(AtomicUsize::new(0)),
        Duration::from_secs(50),
    )
    .await;
    let counts = proxy.counts();
    check_exactly_once(
        "network-flaps",
        &server.db_url(),
        &work,
        &acked,
        &tally,
        &format!(
            "| proxy connections {counts:?} in {:.1} s",
            started.elapsed().as_secs_f64()
        ),
    )
    .await;
    // The scenario must actually have exercised the lost-answer path.
    assert!(
        tally.replayed.load(Ordering::Relaxed) > 0,
        "no acknowledgement was ever lost: the proxy did not reset after a request"
    );
}

/// Another process holds SQLite's write lock: ingest answers 503 `unavailable` with
/// `Retry-After` (not 500, not a hang past the request timeout), reads keep working, and the
/// same bundle is stored once when storage comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_storage_answers_503_then_recovers() {
    let server = Server::start();
    if server.database.is_some() {
        eprintln!("SKIPPED locked_storage_answers_503_then_recovers: SQLite only");
        return;
    }
    let client = reqwest::Client::new();
    let post = |b: Vec<u8>| {
        client
            .post(server.url("/v1/handoffs"))
            .header("Content-Type", "application/json")
            .body(b)
            .send()
    };
    let first = bundle(&new_id(), &new_id()).to_string().into_bytes();
    assert_eq!(post(first).await.unwrap().status().as_u16(), 201);

    // Hold the write lock from a second connection, as a backup tool or a stuck process would.
    use sqlx::Connection;
    let mut locker = sqlx::SqliteConnection::connect(&server.db_url())
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut locker)
        .await
        .unwrap();
    sqlx::query("INSERT INTO settings (key, value) VALUES ('hardening_lock', 'x')")
        .execute(&mut locker)
        .await
        .unwrap();

    let blocked = bundle(&new_id(), &new_id()).to_string().into_bytes();
    let t = Instant::now();
    let resp = post(blocked.clone()).await.unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp.headers().get("retry-after").cloned();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    eprintln!(
        "FAULTS locked-storage: answered {status} {} after {:.1} s",
        body["error"]["code"],
        t.elapsed().as_secs_f64()
    );
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(retry_after.is_some(), "503 carries Retry-After");
    // Reads still answer while writes are blocked.
    let health = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);

    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    locker.close().await.unwrap();
    let resp = post(blocked.clone()).await.unwrap();
    assert_eq!(resp.status().as_u16(), 201, "stored once storage is back");
    assert_eq!(post(blocked).await.unwrap().status().as_u16(), 200);
    assert_eq!(server.metric("baton_handoffs_stored ").await, 2.0);
}

/// SIGTERM while requests are still uploading: the server stops accepting, finishes every
/// in-flight request with its normal answer, exits 0, and every answered bundle is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_drains_in_flight_requests() {
    const IN_FLIGHT: usize = 6;
    let server = Server::start();
    let dir = server.dir.clone();
    let database = server.database.clone();
    let base = server.base.clone();
    let work = bundles(IN_FLIGHT);
    let mut requests = Vec::new();
    for (id, body) in &work {
        // Half the body now, the rest after the SIGTERM has arrived.
        let (a, b) = body.split_at(body.len() / 2);
        let (a, b, id, base) = (a.to_vec(), b.to_vec(), id.clone(), base.clone());
        requests.push(tokio::spawn(async move {
            raw_post(
                &base,
                "/v1/handoffs",
                &[
                    ("Content-Type", "application/json"),
                    ("Idempotency-Key", &id),
                ],
                vec![a, b],
                false,
                Duration::from_millis(1200),
            )
            .await
        }));
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let stopping = tokio::task::spawn_blocking(move || server.terminate());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // New connections are refused while the old ones drain.
    let late = reqwest::Client::new()
        .get(format!("{base}/healthz"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    let mut answered = BTreeMap::new();
    for r in requests {
        let status = match r.await.unwrap() {
            Ok((status, _)) => status.to_string(),
            Err(e) => format!("transport error: {e}"),
        };
        *answered.entry(status).or_insert(0) += 1;
    }
    let exit = stopping.await.unwrap();
    eprintln!(
        "FAULTS graceful-shutdown: {IN_FLIGHT} in flight → {answered:?}; exit {exit:?}; late request refused: {}",
        late.is_err()
    );
    assert_eq!(answered.get("201"), Some(&IN_FLIGHT), "{answered:?}");
    assert!(exit.success(), "{exit:?}");
    assert!(late.is_err(), "a new request after SIGTERM was served");

    let config = dir.path().join("site.toml");
    let again = Server::spawn_on(dir, &config, &[], database);
    let (ids, rows, _) = stored_ids(&again.db_url()).await;
    assert_eq!(rows as usize, IN_FLIGHT);
    assert!(work.iter().all(|(id, _)| ids.contains(id)));
}

/// Migrations run at every start: twice in a row, and twice at once on one fresh SQLite file,
/// each applies every migration exactly once and leaves a working database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_safe_to_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    let url = baton_server::db::Db::sqlite_url(dir.path());
    let (a, b) = tokio::join!(
        baton_server::db::Db::connect(&url),
        baton_server::db::Db::connect(&url)
    );
    let (a, b) = (
        a.unwrap_or_else(|e| panic!("first concurrent start: {e}")),
        b.unwrap_or_else(|e| panic!("second concurrent start: {e}")),
    );
    a.close().await;
    b.close().await;
    let c = baton_server::db::Db::connect(&url).await.unwrap();
    c.close().await;

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let rows = sqlx::query(
        "SELECT version, CAST(COUNT(*) AS BIGINT), CAST(MIN(success) AS BIGINT) \
         FROM _sqlx_migrations GROUP BY version",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count();
    assert_eq!(rows.len(), files, "one row per migration file");
    for r in &rows {
        let (version, count, success): (i64, i64, i64) = (r.get(0), r.get(1), r.get(2));
        assert_eq!((count, success), (1, 1), "migration {version}");
    }
    pool.close().await;

    // Two real servers on one data dir, started one after the other, both serve.
    let s = Server::start();
    let dir = s.dir.clone();
    let s = s.restart();
    let s2 = Server::spawn_on(
        dir.clone(),
        &dir.path().join("site.toml"),
        &[],
        s.database.clone(),
    );
    for srv in [&s, &s2] {
        let health = reqwest::get(srv.url("/healthz")).await.unwrap();
        assert_eq!(health.status().as_u16(), 200);
    }
}
