//! Bounded load generator for `POST /v1/handoffs` (run by `cargo xtask bench`).
//!
//! With no `--url` it starts `baton serve` in-process on 127.0.0.1:0 with a fresh SQLite file
//! in a temp dir (the server on its own 2-thread runtime, the client on one thread), sends
//! `--count` distinct engine-built bundles from `--concurrency` connections, stops at
//! `--seconds` whatever happens, then checks that the database holds exactly one row per
//! acknowledged bundle. With `--url` it targets a running server, loopback only.
//!
//! Several instances: `--postgres` starts a throwaway Postgres (initdb in a temp dir, fsync on;
//! `tests/it/pg.rs`) and `--instances N` starts N servers on it, each on its own 2-thread
//! runtime and connection pool, requests going round-robin — what a load balancer in front of
//! N `baton serve` processes does. `--database postgres://…` uses an existing database.
//!
//! ```text
//! cargo run --release -p baton-server --example loadgen -- [--count 20000] [--concurrency 32]
//!     [--seconds 60] [--dup-every 0] [--url http://127.0.0.1:8080 --site demo]
//!     [--postgres [--async-commit] | --database postgres://…] [--instances 2]
//! ```
//! Prints one human line and one JSON line (`{"handoffs_per_s",…}`) for scripts.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The throwaway Postgres of the integration tests, shared so both start it the same way.
#[path = "../tests/it/pg.rs"]
mod pg;
use baton_engine::{BundleMeta, Candidate, Conversation, Customer, Decision, Millis, Page, Policy};

struct Args {
    url: Option<String>,
    site: String,
    count: u64,
    concurrency: usize,
    seconds: u64,
    dup_every: u64,
    database: Option<String>,
    postgres: bool,
    instances: usize,
    async_commit: bool,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        url: None,
        site: "bench".into(),
        count: 20_000,
        concurrency: 32,
        seconds: 60,
        dup_every: 0,
        database: None,
        postgres: false,
        instances: 1,
        async_commit: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = Some(value()?),
            "--site" => a.site = value()?,
            "--count" => a.count = value()?.parse()?,
            "--concurrency" => a.concurrency = value()?.parse()?,
            "--seconds" => a.seconds = value()?.parse()?,
            "--dup-every" => a.dup_every = value()?.parse()?,
            "--database" => a.database = Some(value()?),
            "--postgres" => a.postgres = true,
            "--instances" => a.instances = value()?.parse()?,
            "--async-commit" => a.async_commit = true,
            "--bench" => {} // passed by `cargo bench` harnesses; ignored
            other => bail!("unknown flag {other}"),
        }
    }
    if a.instances == 0 || (a.instances > 1 && a.database.is_none() && !a.postgres) {
        bail!("--instances N > 1 needs a shared database: --postgres or --database postgres://…");
    }
    if a.count == 0 || a.concurrency == 0 || a.seconds == 0 {
        bail!("--count, --concurrency and --seconds must be positive");
    }
    if let Some(url) = &a.url {
        let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"];
        if !loopback.iter().any(|p| url.starts_with(p)) {
            bail!("--url must be a loopback address (http://127.0.0.1:PORT)");
        }
    }
    Ok(a)
}

/// One realistic bundle built by the engine, with placeholders for the ids.
fn template(site: &str) -> Result<String> {
    let mut c = Conversation::new(Policy::default());
    let t0 = 1_764_000_000_000u64;
    c.customer_message(
        Millis(t0),
        "Hi, my order NW-48213 hasn't arrived and tracking hasn't moved in a week",
    );
    c.bot_candidate(
        Millis(t0 + 1_000),
        Candidate {
            text: "Tracking can take up to 24 hours to update. If it has not moved for 5 business days, we open a trace with the carrier.".into(),
            confidence: 0.81,
            grounded: Some(true),
            sources: vec!["kb:order-tracking".into()],
        },
    );
    c.customer_message(
        Millis(t0 + 8_000),
        "It's been 7 days already. Can you check what's going on?",
    );
    c.bot_candidate(
        Millis(t0 + 9_000),
        Candidate {
            text: "You can find tracking in Account > Orders.".into(),
            confidence: 0.55,
            grounded: Some(true),
            sources: vec!["kb:order-tracking".into()],
        },
    );
    let d = c.button(Millis(t0 + 15_000));
    if !matches!(d, Decision::Escalate { .. } | Decision::Silent) {
        bail!("engine did not escalate the template conversation: {d:?}");
    }
    let b = c.bundle(BundleMeta {
        id: "00000000-0000-7000-8000-00000000b1d0".into(),
        created_at: Millis(t0 + 15_000),
        site: site.into(),
        conversation_id: "CONVERSATION_PLACEHOLDER".into(),
        page: Page {
            url: "https://northwind.example/account/orders".into(),
            title: "Your orders".into(),
            locale: "en".into(),
        },
        customer: Customer {
            email: Some("maya@example.com".into()),
            name: Some("Maya".into()),
            ..Customer::default()
        },
    });
    b.validate().context("template bundle")?;
    Ok(serde_json::to_string(&b)?)
}

fn uuid_for(n: u64, run: u64) -> String {
    format!(
        "{:08x}-{:04x}-7{:03x}-8{:03x}-{:012x}",
        (run >> 16) as u32,
        run as u16,
        (n >> 48) & 0xfff,
        (n >> 36) & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

struct Outcome {
    latencies_us: Vec<u32>,
    created: u64,
    duplicate: u64,
    other_status: u64,
    errors: u64,
}

async fn drive(bases: &[String], template: Arc<String>, a: &Args) -> Result<(Outcome, f64)> {
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as u64;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency)
        .tcp_nodelay(true)
        .build()?;
    let urls: Arc<Vec<String>> =
        Arc::new(bases.iter().map(|b| format!("{b}/v1/handoffs")).collect());
    let next = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.concurrency {
        let (client, urls, next, template) =
            (client.clone(), urls.clone(), next.clone(), template.clone());
        let (count, dup_every) = (a.count, a.dup_every);
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome {
                latencies_us: Vec::new(),
                created: 0,
                duplicate: 0,
                other_status: 0,
                errors: 0,
            };
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count || Instant::now() >= deadline {
                    return out;
                }
                // Every `dup_every`-th request re-sends the previous bundle (an outbox retry).
                let k = if dup_every > 0 && n % dup_every == dup_every - 1 {
                    n - 1
                } else {
                    n
                };
                let id = uuid_for(k, run);
                let body = template
                    .replacen("00000000-0000-7000-8000-00000000b1d0", &id, 1)
                    .replacen("CONVERSATION_PLACEHOLDER", &format!("conv-{id}"), 1);
                // Round-robin over the instances, like a load balancer.
                let url = &urls[(n % urls.len() as u64) as usize];
                let t = Instant::now();
                let sent = client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("idempotency-key", &id)
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let _ = r.bytes().await;
                        out.latencies_us
                            .push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        match status {
                            201 => out.created += 1,
                            200 => out.duplicate += 1,
                            _ => out.other_status += 1,
                        }
                    }
                    Err(_) => out.errors += 1,
                }
            }
        }));
    }
    let mut all = Outcome {
        latencies_us: Vec::new(),
        created: 0,
        duplicate: 0,
        other_status: 0,
        errors: 0,
    };
    for t in tasks {
        let o = t.await?;
        all.latencies_us.extend(o.latencies_us);
        all.created += o.created;
        all.duplicate += o.duplicate;
        all.other_status += o.other_status;
        all.errors += o.errors;
    }
    Ok((all, started.elapsed().as_secs_f64()))
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

async fn stored(base: &str) -> Result<u64> {
    let text = reqwest::get(format!("{base}/metrics"))
        .await?
        .text()
        .await?;
    text.lines()
        .find_map(|l| l.strip_prefix("baton_handoffs_stored "))
        .context("no baton_handoffs_stored in /metrics")?
        .trim()
        .parse()
        .context("baton_handoffs_stored")
}

fn main() -> Result<()> {
    let a = parse_args()?;
    let template = Arc::new(template(&a.site)?);

    // The servers under test: in-process, each on its own 2-thread runtime, unless --url.
    let mut _dir = None;
    let mut _cluster = None;
    let mut servers = Vec::new();
    let mut backend = "external";
    let bases: Vec<String> = match &a.url {
        Some(url) => vec![url.trim_end_matches('/').to_owned()],
        None => {
            let dir = tempfile::tempdir()?;
            let config = dir.path().join("site.toml");
            std::fs::write(
                &config,
                format!(
                    "id = \"{}\"\nname = \"Bench\"\nallowed_origins = [\"http://127.0.0.1:*\"]\n",
                    a.site
                ),
            )?;
            let database = match (&a.database, a.postgres) {
                (Some(url), _) => Some(url.clone()),
                (None, true) => {
                    let cluster = pg::Cluster::start(true).map_err(anyhow::Error::msg)?;
                    let mut url = cluster.create_database().map_err(anyhow::Error::msg)?;
                    if a.async_commit {
                        // Commit without waiting for the WAL flush: like SQLite's WAL with
                        // synchronous=NORMAL, survives a baton crash, not a power loss.
                        url.push_str("?options=-c%20synchronous_commit%3Doff");
                    }
                    _cluster = Some(cluster);
                    Some(url)
                }
                (None, false) => None,
            };
            backend = if database.is_some() {
                "postgres"
            } else {
                "sqlite"
            };
            let mut bases = Vec::new();
            for _ in 0..a.instances {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                let r = rt.block_on(baton_server::serve::start(
                    baton_server::serve::ServeOptions {
                        configs: vec![config.clone()],
                        data_dir: dir.path().join("data"),
                        host: "127.0.0.1".into(),
                        port: 0,
                        database: database.clone(),
                        demo_page: None,
                        pkg_dir: None,
                    },
                ))?;
                bases.push(format!("http://{}", r.addr()));
                servers.push((rt, r));
            }
            _dir = Some(dir);
            bases
        }
    };

    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut out, secs) = client_rt.block_on(drive(&bases, template, &a))?;
    let stored_rows = client_rt.block_on(stored(&bases[0]))?;
    out.latencies_us.sort_unstable();
    let answered = out.latencies_us.len() as f64;
    let rate = answered / secs;
    let (p50, p99, max) = (
        percentile(&out.latencies_us, 0.50),
        percentile(&out.latencies_us, 0.99),
        percentile(&out.latencies_us, 1.0),
    );
    println!(
        "loadgen ({backend}, {} instance(s)): {answered} answered in {secs:.2}s = {rate:.0} handoffs/s; p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms; \
         201: {}, 200 (duplicate): {}, other status: {}, transport errors: {}; stored rows: {stored_rows}",
        bases.len(), out.created, out.duplicate, out.other_status, out.errors
    );
    println!(
        "{}",
        serde_json::json!({
            "handoffs_per_s": rate, "p50_ms": p50, "p99_ms": p99, "max_ms": max,
            "answered": answered, "seconds": secs, "created": out.created,
            "duplicates": out.duplicate, "other_status": out.other_status,
            "errors": out.errors, "stored": stored_rows, "concurrency": a.concurrency,
            "backend": backend, "instances": bases.len(),
        })
    );

    for (rt, r) in servers {
        rt.block_on(r.stop())?;
    }
    if a.url.is_none() && stored_rows != out.created {
        bail!(
            "stored {stored_rows} rows for {} acknowledged new bundles",
            out.created
        );
    }
    if out.other_status > 0 || out.errors > 0 {
        bail!(
            "{} bad statuses, {} transport errors",
            out.other_status,
            out.errors
        );
    }
    Ok(())
}
