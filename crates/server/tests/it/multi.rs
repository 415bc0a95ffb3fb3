//! Several `baton serve` instances on one Postgres: nothing lost or stored twice when one dies
//! mid-run, idempotency across instances, and live messages crossing instances. Each test
//! prints a SKIPPED line and passes only where the Postgres binaries are not installed.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use sqlx::Row;

use crate::pg;
use crate::util::{bundle, new_id, post_json, Server, Sink, SiteOptions};

const AGENT_EMAIL: &str = "sam@testshop.example";
const AGENT_PASSWORD: &str = "correct horse battery staple";

fn site_with_agent() -> SiteOptions {
    SiteOptions {
        extra: format!(
            "[[agents]]\nemail = \"{AGENT_EMAIL}\"\nname = \"Sam\"\npassword = \"{AGENT_PASSWORD}\"\nqueues = [\"*\"]\n"
        ),
        ..SiteOptions::default()
    }
}

async fn pg_pool(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .unwrap()
}

/// Posts until some instance acknowledges, like the widget's outbox: a transport error or a
/// 5xx moves on to the next instance. Returns (status, body, attempts).
async fn post_until_acked(
    client: &reqwest::Client,
    bases: &[String],
    first: usize,
    b: &Value,
) -> (u16, Value, u32) {
    let mut attempts = 0;
    for i in 0..40 {
        let base = &bases[(first + i) % bases.len()];
        attempts += 1;
        let sent = client
            .post(format!("{base}/v1/handoffs"))
            .json(b)
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        if let Ok(resp) = sent {
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            if status == 200 || status == 201 {
                return (status, body, attempts);
            }
            assert!(status >= 500, "client error {status}: {body}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("bundle {} never acknowledged", b["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_one_killed_mid_run_lose_and_duplicate_nothing() {
    let Some(url) = pg::fresh_database() else {
        return;
    };
    let a = Server::start_on(SiteOptions::default(), Some(url.clone()));
    let b = Server::start_on(SiteOptions::default(), Some(url.clone()));
    let bases = Arc::new(vec![a.base.clone(), b.base.clone()]);
    let client = reqwest::Client::new();
    const N: usize = 600;
    let bundles: Vec<Value> = (0..N).map(|_| bundle(&new_id(), &new_id())).collect();
    let acked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Once a third is acknowledged, posters take no new bundle until A is dead, so the
    // kill always leaves work that is first sent to A (on a fast machine the whole run
    // could otherwise finish before the SIGKILL lands, and the test would prove nothing).
    let killed = Arc::new(std::sync::atomic::AtomicBool::new(false));

    // 24 posters, bundle i first goes to instance i % 2 (round-robin).
    let queue = Arc::new(std::sync::Mutex::new((0..N).collect::<Vec<_>>()));
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let (client, bases, queue, bundles, acked, killed) = (
            client.clone(),
            bases.clone(),
            queue.clone(),
            bundles.clone(),
            acked.clone(),
            killed.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                while acked.load(std::sync::atomic::Ordering::Relaxed) >= N / 3
                    && !killed.load(std::sync::atomic::Ordering::Relaxed)
                {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let Some(i) = queue.lock().unwrap().pop() else {
                    return out;
                };
                let (status, body, attempts) =
                    post_until_acked(&client, &bases, i % 2, &bundles[i]).await;
                acked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                out.push((i, status, body, attempts));
            }
        }));
    }
    // Kill A once about a third is in, while requests to it are in flight.
    while acked.load(std::sync::atomic::Ordering::Relaxed) < N / 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.kill();
    killed.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut results = Vec::new();
    for t in tasks {
        results.extend(t.await.unwrap());
    }
    assert_eq!(results.len(), N, "every bundle acknowledged");
    let retried = results.iter().filter(|r| r.3 > 1).count();
    assert!(
        retried > 0,
        "the kill hit no request: the test proved nothing"
    );

    // The database holds exactly the posted ids, once each, one per conversation.
    let pool = pg_pool(&url).await;
    let rows = sqlx::query("SELECT id, conversation_id, response FROM handoffs")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), N, "no lost and no extra rows");
    let stored: HashMap<String, (String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<String, _>(0),
                (r.get::<String, _>(1), r.get::<String, _>(2)),
            )
        })
        .collect();
    let posted: HashSet<String> = bundles
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored.keys().cloned().collect::<HashSet<_>>(), posted);
    let conversations: HashSet<&String> = stored.values().map(|(c, _)| c).collect();
    assert_eq!(conversations.len(), N);
    // Every answer the client got is the stored one (a retry after the kill that found its
    // bundle already committed was answered 200 with the first 201 body).
    for (i, status, body, _) in &results {
        let id = bundles[*i]["id"].as_str().unwrap();
        let stored_response: Value = serde_json::from_str(&stored[id].1).unwrap();
        assert_eq!(body, &stored_response, "answer for {id} (status {status})");
    }
    let created = results.iter().filter(|r| r.1 == 201).count();
    println!(
        "two instances: {N} bundles, A killed after {} acks; {retried} retried, {created} × 201, {} × 200",
        N / 3,
        N - created
    );
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_duplicates_across_instances_are_stored_once() {
    let Some(url) = pg::fresh_database() else {
        return;
    };
    let a = Server::start_on(SiteOptions::default(), Some(url.clone()));
    let b = Server::start_on(SiteOptions::default(), Some(url.clone()));
    let client = reqwest::Client::new();
    let bundles: Vec<Value> = (0..8).map(|_| bundle(&new_id(), &new_id())).collect();
    let mut tasks = Vec::new();
    for bd in &bundles {
        for k in 0..12 {
            let base = if k % 2 == 0 { &a.base } else { &b.base };
            let (c, url, bd) = (client.clone(), format!("{base}/v1/handoffs"), bd.clone());
            tasks.push(tokio::spawn(async move {
                let (status, _, body) = post_json(&c, &url, &bd, None).await;
                (bd["id"].as_str().unwrap().to_owned(), status, body)
            }));
        }
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    for bd in &bundles {
        let id = bd["id"].as_str().unwrap();
        let mine: Vec<_> = results.iter().filter(|r| r.0 == id).collect();
        assert_eq!(
            mine.iter().filter(|r| r.1 == 201).count(),
            1,
            "one 201 for {id}"
        );
        assert_eq!(mine.iter().filter(|r| r.1 == 200).count(), 11);
        assert!(mine.iter().all(|r| r.2 == mine[0].2), "identical answers");
    }
    assert_eq!(b.metric("baton_handoffs_stored ").await, 8.0);
    assert_eq!(a.metric("baton_handoffs_stored ").await, 8.0);
}

/// Cookie `name` from a response's `Set-Cookie` headers.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

/// The first `name="csrf" value="…"` of a page.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\"").expect("a csrf field");
    let rest = &html[at..];
    let v = rest.find("value=\"").expect("csrf value") + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

/// Logs the test agent in on `base`; returns the session cookie value.
async fn login(client: &reqwest::Client, base: &str) -> String {
    let form = client
        .get(format!("{base}/console/login"))
        .send()
        .await
        .unwrap();
    let login_cookie = set_cookie(&form, "baton_login").expect("login csrf cookie");
    let csrf = csrf_of(&form.text().await.unwrap());
    let resp = client
        .post(format!("{base}/console/login"))
        .header("Cookie", format!("baton_login={login_cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", AGENT_EMAIL),
            ("password", AGENT_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303, "login");
    set_cookie(&resp, "baton_session").expect("session cookie")
}

/// Reads an SSE response until `needle` appears (bounded); returns everything read.
async fn read_until(resp: &mut reqwest::Response, needle: &str, within: Duration) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + within;
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, resp.chunk()).await;
        match chunk {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            _ => break,
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_messages_cross_instances_both_ways() {
    let Some(url) = pg::fresh_database() else {
        return;
    };
    let a = Server::start_on(site_with_agent(), Some(url.clone()));
    let b = Server::start_on(site_with_agent(), Some(url.clone()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // The widget hands off through A and opens its live channel on A.
    let conv = new_id();
    let bd = bundle(&new_id(), &conv);
    let id = bd["id"].as_str().unwrap().to_owned();
    let (status, _, created) = post_json(&client, &a.url("/v1/handoffs"), &bd, None).await;
    assert_eq!(status, 201, "{created}");
    let token = created["customer_token"].as_str().unwrap().to_owned();
    let mut customer = client
        .get(a.url(&format!("/v1/conversations/{conv}/live?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(customer.status().as_u16(), 200);

    // The agent works on B: logs in, opens the live view, claims, replies.
    let session = login(&client, &b.base).await;
    let cookie = format!("baton_session={session}");
    // Sessions live in the database: the login on B is valid on A too.
    let on_a = client
        .get(a.url("/console"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(on_a.status().as_u16(), 200, "B's session on A");
    let page = client
        .get(b.url(&format!("/console/handoffs/{id}")))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let csrf = csrf_of(&page.text().await.unwrap());
    let mut agent = client
        .get(b.url(&format!("/console/handoffs/{id}/live")))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(agent.status().as_u16(), 200);
    let claim = client
        .post(b.url(&format!("/console/handoffs/{id}/claim")))
        .header("Cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(claim.status().as_u16(), 303, "claim");
    let joined = read_until(&mut customer, "agent_joined", Duration::from_secs(5)).await;
    assert!(
        joined.contains("agent_joined"),
        "customer on A saw: {joined}"
    );

    let reply = client
        .post(b.url(&format!("/console/handoffs/{id}/reply")))
        .header("Cookie", &cookie)
        .header("Accept", "application/json")
        .form(&[
            ("csrf", csrf.as_str()),
            ("text", "Sam here, sending a new pole today"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 202, "reply");
    let got = read_until(&mut customer, "sending a new pole", Duration::from_secs(5)).await;
    assert!(
        got.contains("sending a new pole"),
        "customer on A saw: {got}"
    );

    // The customer writes through A; the agent's stream on B shows it.
    let (status, _, body) = post_json(
        &client,
        &a.url(&format!("/v1/conversations/{conv}/messages")),
        &serde_json::json!({ "token": token, "text": "thanks, the blue one please" }),
        None,
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let got = read_until(&mut agent, "the blue one", Duration::from_secs(5)).await;
    assert!(got.contains("the blue one"), "agent on B saw: {got}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_webhook_workers_on_one_outbox_deliver_each_handoff_once() {
    let Some(url) = pg::fresh_database() else {
        return;
    };
    let sink = Sink::start(200).await;
    let opts = SiteOptions {
        webhooks: format!(
            "[[webhooks]]\nname = \"desk\"\nkind = \"helpdesk\"\nurl = \"{}\"\n",
            sink.url
        ),
        ..SiteOptions::default()
    };
    let a = Server::start_on(opts.clone(), Some(url.clone()));
    let b = Server::start_on(opts, Some(url.clone()));
    let client = reqwest::Client::new();
    const N: usize = 60;
    let mut tasks = Vec::new();
    for i in 0..N {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let (c, u) = (client.clone(), format!("{base}/v1/handoffs"));
        tasks.push(tokio::spawn(async move {
            let bd = bundle(&new_id(), &new_id());
            let (status, _, _) = post_json(&c, &u, &bd, None).await;
            assert_eq!(status, 201);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    sink.wait_for(N, Duration::from_secs(20)).await;
    // Both workers poll the same outbox: give a double claim time to show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = sink.received.lock().unwrap().clone();
    let ids: HashSet<String> = got
        .iter()
        .map(|v| v["handoff"]["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(got.len(), N, "each handoff delivered exactly once");
    assert_eq!(ids.len(), N);
    let pool = pg_pool(&url).await;
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(pending, 0, "outbox drained");
}
