//! Test harness: a real `baton serve` process, a bundle builder and a webhook sink.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton_engine::{BundleMeta, Candidate, Conversation, Customer, Decision, Millis, Page, Policy};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// Identity secret of the test site.
pub const SECRET: &str = "test-identity-secret-0123456789";
/// The test site's id.
pub const SITE: &str = "testshop";
/// An origin the test site allows (port wildcard).
pub const GOOD_ORIGIN: &str = "http://127.0.0.1:5173";

/// A running `baton serve`; killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its temp dir (config, data); kept for restarts.
    pub dir: Arc<tempfile::TempDir>,
    /// `--database` when the suite runs on Postgres (kept for restarts).
    pub database: Option<String>,
}

/// The storage backend the suite runs on: `BATON_TEST_DB=postgres` runs every test against a
/// fresh database on a throwaway Postgres (`pg.rs`); anything else (the default) on SQLite.
pub fn test_database() -> Option<String> {
    match std::env::var("BATON_TEST_DB").as_deref() {
        Ok("postgres") => Some(
            crate::pg::fresh_database()
                .expect("BATON_TEST_DB=postgres but Postgres is not installed here"),
        ),
        _ => None,
    }
}

/// Options for the test site.
#[derive(Default, Clone)]
pub struct SiteOptions {
    /// `[[webhooks]]` entries as TOML text.
    pub webhooks: String,
    /// Extra top-level TOML (e.g. `[crm]`).
    pub extra: String,
}

fn write_site(dir: &Path, opts: &SiteOptions) -> PathBuf {
    let customers = json!({"customers": [{
        "id": "cus_1",
        "email": "ada@example.com",
        "name": "Ada",
        "account_status": "active",
        "attributes": {"plan": "gold"},
        "orders": [{"id": "ORD-1", "total": 120.0}]
    }]});
    std::fs::write(dir.join("customers.json"), customers.to_string()).unwrap();
    let kb = json!({"articles": [
        {"id": "returns", "title": "Returns", "body": "60 days.", "tags": ["returns"]},
        {"id": "shipping", "title": "Shipping", "body": "3-5 days.", "url": "https://x.example/s", "tags": []}
    ]});
    std::fs::write(dir.join("kb.json"), kb.to_string()).unwrap();
    let toml = format!(
        r#"
id = "{SITE}"
name = "Test Shop"
greeting = "Hello from the test shop"
allowed_origins = ["http://127.0.0.1:*", "https://shop.example"]
identity_secret = "{SECRET}"
kb = "kb.json"
customers = "customers.json"

[policy]
refund_threshold = 100
currency = "USD"
confidence_threshold = 0.6

{webhooks}

{extra}
"#,
        webhooks = opts.webhooks,
        extra = opts.extra,
    );
    let path = dir.join("site.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

impl Server {
    /// Starts a server for the default test site.
    pub fn start() -> Server {
        Server::start_with(SiteOptions::default())
    }

    /// Starts a server with site options.
    pub fn start_with(opts: SiteOptions) -> Server {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let config = write_site(dir.path(), &opts);
        Server::spawn(dir, &config, &[])
    }

    /// Starts a server for the test site on `database` (several servers may share one).
    pub fn start_on(opts: SiteOptions, database: Option<String>) -> Server {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let config = write_site(dir.path(), &opts);
        Server::spawn_on(dir, &config, &[], database)
    }

    /// Sends SIGKILL (an instance dying mid-request) and reaps it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts a server with the shipped demo config (`crates/server/demo/site.toml`).
    pub fn start_demo() -> Server {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/site.toml");
        Server::spawn(dir, &config, &[])
    }

    /// Starts a server with extra `baton serve` arguments.
    pub fn start_args(args: &[&str]) -> Server {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let config = write_site(dir.path(), &SiteOptions::default());
        Server::spawn(dir, &config, args)
    }

    fn spawn(dir: Arc<tempfile::TempDir>, config: &Path, args: &[&str]) -> Server {
        let database = if args.contains(&"--database") {
            None
        } else {
            test_database()
        };
        Server::spawn_on(dir, config, args, database)
    }

    /// Starts `baton serve` with an explicit `--database` (None: SQLite under the data dir).
    pub fn spawn_on(
        dir: Arc<tempfile::TempDir>,
        config: &Path,
        args: &[&str],
        database: Option<String>,
    ) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(args)
            .args(database.iter().flat_map(|url| ["--database", url.as_str()]))
            .env("BATON_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("server printed nothing").unwrap();
        let base = first
            .strip_prefix("baton listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            base,
            dir,
            database,
        }
    }

    /// Stops this server (SIGKILL) and starts a new one on the same data dir and config.
    pub fn restart(mut self) -> Server {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = self.dir.clone();
        let config = dir.path().join("site.toml");
        Server::spawn_on(dir, &config, &[], self.database.clone())
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.child.wait().unwrap();
        std::mem::forget(self);
        status
    }

    /// The URL of this server's database (SQLite file or Postgres), for tests that look
    /// inside it.
    pub fn db_url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| baton_server::db::Db::sqlite_url(&self.dir.path().join("data")))
    }

    /// Full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A counter or gauge value from `/metrics`.
    pub async fn metric(&self, line_prefix: &str) -> f64 {
        let text = reqwest::get(self.url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| {
                l.strip_prefix(line_prefix)
                    .map(|v| v.trim().parse::<f64>().unwrap())
            })
            .unwrap_or_else(|| panic!("no metric {line_prefix} in:\n{text}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh UUID-shaped id (bundle ids must be UUIDs; conversation ids may be too).
pub fn new_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:08x}-{:04x}-7{:03x}-8{:03x}-{:012x}",
        (nanos >> 32) as u32,
        (nanos >> 16) as u16,
        nanos & 0xfff,
        n & 0xfff,
        (u64::from(std::process::id()) << 24) ^ n
    )
}

/// The `user_hash` a site's backend would compute.
pub fn user_hash(secret: &str, id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A valid bundle built by the engine itself, exactly as the widget builds one: a customer
/// whose tent pole broke asks how to get a new one, then presses "Talk to a person".
pub fn bundle(id: &str, conversation_id: &str) -> Value {
    let mut c = Conversation::new(Policy::default());
    let t0 = 1_764_000_000_000u64;
    c.customer_message(Millis(t0), "My tent pole snapped on the first trip");
    c.bot_candidate(
        Millis(t0 + 1_000),
        Candidate {
            text: "Sorry to hear that! Our lifetime warranty covers defects.".into(),
            confidence: 0.82,
            grounded: Some(true),
            sources: vec!["kb:warranty".into()],
        },
    );
    c.customer_message(Millis(t0 + 5_000), "ok, and how do I get a new one?");
    let decision = c.button(Millis(t0 + 9_000));
    assert!(
        matches!(decision, Decision::Escalate { .. }),
        "the button always escalates: {decision:?}"
    );
    let b = c.bundle(BundleMeta {
        id: id.to_owned(),
        created_at: Millis(t0 + 9_000),
        site: SITE.to_owned(),
        conversation_id: conversation_id.to_owned(),
        page: Page {
            url: "https://shop.example/tents/alpine-2".into(),
            title: "Alpine 2 tent".into(),
            locale: "en".into(),
        },
        customer: Customer::default(),
    });
    serde_json::to_value(b).unwrap()
}

/// POSTs JSON with an optional Origin; returns status, headers and body as JSON.
pub async fn post_json(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    origin: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = client.post(url).json(body);
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    let resp = req.send().await.unwrap();
    decode(resp).await
}

/// POSTs raw bytes with a content type.
pub async fn post_raw(url: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, _, body) = decode(resp).await;
    (status, body)
}

/// Status, headers and JSON body (Null when the body is empty).
pub async fn decode(resp: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
    };
    (status, headers, body)
}

/// The `error.code` of an error body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

/// A tiny HTTP receiver for webhooks: records bodies, answers with `status`.
pub struct Sink {
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
    /// Bodies received, in order.
    pub received: Arc<Mutex<Vec<Value>>>,
}

impl Sink {
    /// Starts a sink answering every request with `status`.
    pub async fn start(status: u16) -> Sink {
        let received = Arc::new(Mutex::new(Vec::new()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let store = received.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: axum::body::Bytes| {
                let store = store.clone();
                async move {
                    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    store.lock().unwrap().push(value);
                    axum::http::StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Sink { url, received }
    }

    /// Waits (bounded) until at least `n` bodies arrived; returns them.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.received.lock().unwrap().clone();
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A fake CRM: `GET /customers/{id}` answers `record` after `delay`. Returns the hook URL
/// (with `{id}`) and a counter of lookups.
pub async fn slow_crm(record: Value, delay: Duration) -> (String, Arc<Mutex<u32>>) {
    let hits = Arc::new(Mutex::new(0u32));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/customers/{{id}}", listener.local_addr().unwrap());
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/customers/{id}",
        axum::routing::get(move || {
            let (record, counter) = (record.clone(), counter.clone());
            async move {
                *counter.lock().unwrap() += 1;
                tokio::time::sleep(delay).await;
                axum::Json(record)
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}
