//! Hostile input over real HTTP: the bad-request corpus (`tests/corpus/manifest.json`) replayed
//! against `baton serve` with the demo config, and a seeded byte-mutation fuzzer on bundle
//! bodies. Every bad request must get its documented 4xx and a JSON error body; none may get a
//! 5xx, hang or take the server down, and nothing bad may be stored.
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::util::Server;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

#[derive(Deserialize)]
struct Manifest {
    base: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    generate: Option<Generate>,
    method: String,
    path: String,
    content_type: Option<String>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
    status: u16,
    code: String,
    why: String,
}

#[derive(Deserialize)]
struct Generate {
    kind: String,
    #[serde(default)]
    bytes: usize,
    #[serde(default)]
    depth: usize,
    #[serde(default)]
    chunked: bool,
}

fn load_manifest() -> Manifest {
    let text = std::fs::read_to_string(corpus_dir().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Builds a body too big (or too deep) to keep in git.
fn generate(g: &Generate, base: &[u8]) -> Vec<u8> {
    match g.kind.as_str() {
        "json_string" => {
            let mut v = Vec::with_capacity(g.bytes + 2);
            v.push(b'"');
            v.resize(g.bytes + 1, b'a');
            v.push(b'"');
            v
        }
        "whitespace" => vec![b' '; g.bytes],
        "deep_array" => {
            let mut v = vec![b'['; g.depth];
            v.extend(std::iter::repeat_n(b']', g.depth));
            v
        }
        "deep_object" => {
            let mut v = "{\"a\":".repeat(g.depth).into_bytes();
            v.extend(b"1");
            v.extend(std::iter::repeat_n(b'}', g.depth));
            v
        }
        "deep_schema" => {
            let mut v = b"{\"schema\":".to_vec();
            v.extend(std::iter::repeat_n(b'[', g.depth));
            v.extend(std::iter::repeat_n(b']', g.depth));
            v.push(b'}');
            v
        }
        "deep_attributes" => {
            let mut bundle: Value = serde_json::from_slice(base).unwrap();
            let nested = "[".repeat(g.depth) + &"]".repeat(g.depth);
            bundle["customer"]["attributes"]["x"] = Value::String("PLACEHOLDER".into());
            let text = bundle.to_string().replace("\"PLACEHOLDER\"", &nested);
            text.into_bytes()
        }
        other => panic!("unknown generator {other}"),
    }
}

/// Sends one case; returns status, content type and body.
async fn send(
    client: &reqwest::Client,
    s: &Server,
    case: &Case,
    body: Vec<u8>,
) -> (u16, String, Vec<u8>) {
    if let Some(g) = &case.generate {
        // Raw HTTP for the generated (big, deep) bodies: reqwest gives up on a body the
        // server refused early instead of reading the 413. `chunked`: no Content-Length, so
        // the limit must hold while streaming, not only on the header.
        let mut headers = vec![];
        if let Some(ct) = &case.content_type {
            headers.push(("Content-Type", ct.as_str()));
        }
        let parts = body.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
        let (status, text) = crate::faults::raw_post(
            &s.base,
            &case.path,
            &headers,
            parts,
            g.chunked,
            Duration::ZERO,
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let json = text
            .find('{')
            .zip(text.rfind('}'))
            .map(|(a, b)| text.as_bytes()[a..=b].to_vec())
            .unwrap_or_default();
        return (status, "application/json".into(), json);
    }
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).unwrap();
    let mut req = client.request(method, s.url(&case.path));
    if let Some(ct) = &case.content_type {
        req = req.header(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_bytes(ct.as_bytes()).unwrap(),
        );
    }
    for (k, v) in &case.headers {
        req = req.header(k, v);
    }
    let resp = req
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = resp.bytes().await.unwrap_or_default().to_vec();
    (status, ct, bytes)
}

/// The outcome of one case, for the summary printed at the end.
struct Outcome {
    name: String,
    status: u16,
    code: String,
}

#[tokio::test]
async fn the_bad_request_corpus_gets_clear_4xx_json_errors() {
    let manifest = load_manifest();
    let dir = corpus_dir();
    let base = std::fs::read(dir.join(&manifest.base)).unwrap();

    // Every file in the corpus is in the manifest, so nothing is silently skipped.
    let listed: std::collections::BTreeSet<String> = manifest
        .cases
        .iter()
        .filter_map(|c| c.file.clone())
        .chain([
            manifest.base.clone(),
            "manifest.json".into(),
            "gen.py".into(),
        ])
        .collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(listed.contains(&name), "{name} is not in manifest.json");
    }

    let s = Server::start_demo();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut failures = Vec::new();
    let mut outcomes = Vec::new();
    for case in &manifest.cases {
        let body = match (&case.file, &case.generate) {
            (Some(f), None) => std::fs::read(dir.join(f)).unwrap(),
            (None, Some(g)) => generate(g, &base),
            _ => panic!("{}: needs exactly one of file / generate", case.name),
        };
        let (status, ct, bytes) = send(&client, &s, case, body).await;
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = json["error"]["code"]
            .as_str()
            .unwrap_or("<no JSON error>")
            .to_owned();
        let message = json["error"]["message"].as_str().unwrap_or_default();
        if status != case.status
            || code != case.code
            || message.is_empty()
            || !ct.starts_with("application/json")
        {
            failures.push(format!(
                "{} ({}): want {} {}, got {status} {code} [{ct}] {}",
                case.name,
                case.why,
                case.status,
                case.code,
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            ));
        }
        outcomes.push(Outcome {
            name: case.name.clone(),
            status,
            code,
        });
    }
    let server_errors: Vec<&Outcome> = outcomes.iter().filter(|o| o.status >= 500).collect();
    let mut tally = std::collections::BTreeMap::new();
    for o in &outcomes {
        *tally.entry(format!("{} {}", o.status, o.code)).or_insert(0) += 1;
    }
    eprintln!(
        "hostile corpus: {} requests, {} as expected, {} server errors; outcomes {tally:?}",
        outcomes.len(),
        outcomes.len() - failures.len(),
        server_errors.len()
    );
    assert!(
        server_errors.is_empty(),
        "5xx: {:?}",
        server_errors.iter().map(|o| &o.name).collect::<Vec<_>>()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Still up, nothing stored, and the unmodified base bundle (the control) is accepted.
    let health = client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(s.metric("baton_handoffs_stored ").await, 0.0);
    let resp = client
        .post(s.url("/v1/handoffs"))
        .header("Content-Type", "application/json")
        .body(base)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201, "{:?}", resp.text().await);
    assert_eq!(s.metric("baton_handoffs_stored ").await, 1.0);
}

/// A small deterministic PRNG (xorshift64*): the fuzzer must replay the same bodies each run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mutates the valid base bundle: flip, insert, delete or duplicate bytes, or splice in
/// structural characters and multi-byte sequences.
fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    const SPLICE: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b"\\",
        b",",
        b":",
        b"null",
        b"-0",
        b"1e999",
        b"\\u0000",
        b"\\ud800",
        b"\xff",
        b"\xc3",
        b"\xe2\x80\xae",
        b"\x00",
        b"\x07",
        b"<script>",
        b"9999999999999999999999",
        b"true",
    ];
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len());
        match rng.below(5) {
            0 => v[at] ^= 1 << rng.below(8),
            1 => {
                v.remove(at);
            }
            2 => {
                let s = SPLICE[rng.below(SPLICE.len())];
                v.splice(at..at, s.iter().copied());
            }
            3 => v.truncate(at),
            _ => {
                let end = (at + 1 + rng.below(64)).min(v.len());
                let chunk = v[at..end].to_vec();
                v.splice(at..at, chunk);
            }
        }
        if v.is_empty() {
            break;
        }
    }
    v
}

#[tokio::test]
async fn mutated_bundles_never_get_a_server_error() {
    const CASES: usize = 400;
    let base = std::fs::read(corpus_dir().join("base-bundle.json")).unwrap();
    let s = Server::start_demo();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    let mut accepted = 0;
    for i in 0..CASES {
        let body = mutate(&mut rng, &base);
        let resp = client
            .post(s.url("/v1/handoffs"))
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("case {i}: {e}"));
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap();
        let json: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "case {i}: status {status}, body not JSON: {:?}",
                String::from_utf8_lossy(&bytes)
            )
        });
        assert!(
            status < 500,
            "case {i}: {status} {json} for body {:?}",
            String::from_utf8_lossy(&body)
        );
        if status == 201 || status == 200 {
            accepted += 1;
        } else {
            assert!(
                json["error"]["code"].is_string() && json["error"]["message"].is_string(),
                "case {i}: {status} without an error body: {json}"
            );
        }
        *tally
            .entry(format!(
                "{status} {}",
                json["error"]["code"].as_str().unwrap_or("ok")
            ))
            .or_default() += 1;
    }
    eprintln!("fuzz: {CASES} mutated bundles, {accepted} accepted, outcomes {tally:?}");
    let health = client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

fn limited_site(toml: &str) -> crate::util::SiteOptions {
    crate::util::SiteOptions {
        extra: format!("[limits]\n{toml}\n"),
        ..crate::util::SiteOptions::default()
    }
}

async fn post_fresh(client: &reqwest::Client, s: &Server) -> (u16, Option<String>, Value) {
    let b = crate::util::bundle(&crate::util::new_id(), &crate::util::new_id());
    let resp = client
        .post(s.url("/v1/handoffs"))
        .json(&b)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, retry, resp.json().await.unwrap_or(Value::Null))
}

/// One address may send a burst of handoffs, then gets 429 `rate_limited` with `Retry-After`
/// (the outbox retries later); nothing over the limit is stored.
#[tokio::test]
async fn ingest_is_rate_limited_per_address() {
    let s = Server::start_with(limited_site(
        "handoffs_per_minute_per_address = 5\nlimit_loopback = true",
    ));
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(post_fresh(&client, &s).await);
    }
    let ok = statuses.iter().filter(|(st, _, _)| *st == 201).count();
    let limited: Vec<_> = statuses.iter().filter(|(st, _, _)| *st == 429).collect();
    eprintln!(
        "rate limit per address: 8 posts → {ok} stored, {} refused",
        limited.len()
    );
    assert_eq!(ok, 5, "{statuses:?}");
    assert_eq!(limited.len(), 3);
    for (_, retry, body) in limited {
        assert_eq!(body["error"]["code"], "rate_limited", "{body}");
        let secs: u64 = retry.as_deref().unwrap_or("0").parse().unwrap();
        assert!((1..=60).contains(&secs), "Retry-After {secs}");
    }
    assert_eq!(s.metric("baton_handoffs_stored ").await, 5.0);
}

/// The site-wide limit holds whatever the address; loopback is exempt from the per-address
/// limit by default (same-host proxies, load tests) but not from the site's.
#[tokio::test]
async fn ingest_is_rate_limited_per_site() {
    let s = Server::start_with(limited_site(
        "handoffs_per_minute_per_address = 1\nhandoffs_per_minute = 4",
    ));
    let client = reqwest::Client::new();
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(post_fresh(&client, &s).await.0);
    }
    assert_eq!(codes, [201, 201, 201, 201, 429, 429]);
}

/// Every secret in `text`'s digit/letter stream: the raw forms a scan of the database file
/// must never find.
const PAN: &str = "4111 1111 1111 1111";
const PAN_DIGITS: &str = "4111111111111111";
const IBAN: &str = "DE89 3704 0044 0532 0130 00";
const IBAN_COMPACT: &str = "DE89370400440532013000";

/// A bundle with card numbers and IBANs in every free-text field a browser (or a forger
/// skipping the browser) controls is stored without them: the server re-redacts, and the
/// SQLite file itself (database and write-ahead log) is scanned for the raw numbers.
#[tokio::test]
async fn card_numbers_and_ibans_never_reach_the_database_file() {
    let s = Server::start();
    if s.database.is_some() {
        eprintln!("SKIPPED card_numbers_and_ibans_never_reach_the_database_file: SQLite only");
        return;
    }
    let mut b = crate::util::bundle(&crate::util::new_id(), &crate::util::new_id());
    let secret = format!("card {PAN} / {PAN_DIGITS}, iban {IBAN} / {IBAN_COMPACT}");
    b["transcript"][0]["text"] = Value::String(format!("my {secret}"));
    b["transcript"][2]["text"] = Value::String(format!("again: {secret}"));
    b["summary"] = Value::String(format!("Customer gave {secret}"));
    b["customer"]["name"] = Value::String(format!("Dana {PAN_DIGITS}"));
    b["customer"]["attributes"] = serde_json::json!({ "note": secret, "card": PAN_DIGITS });
    b["page"]["title"] = Value::String(format!("Checkout {PAN}"));
    b["page"]["url"] = Value::String(format!(
        "https://shop.example/pay?card={PAN_DIGITS}&iban={IBAN_COMPACT}"
    ));
    let client = reqwest::Client::new();
    let resp = client
        .post(s.url("/v1/handoffs"))
        .json(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    // Start a conversation whose page carries the numbers too (the dashboard's log).
    let start = serde_json::json!({"site": crate::util::SITE, "conversation_id": "c-pan", "started_at": 1,
        "page": {"url": format!("https://shop.example/?card={PAN_DIGITS}"), "title": format!("t {IBAN}"), "locale": "en"}});
    let resp = client
        .post(s.url("/v1/conversations"))
        .json(&start)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());

    let data = s.dir.path().join("data");
    let mut found = Vec::new();
    let mut scanned = 0;
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        scanned += bytes.len();
        for needle in [PAN, PAN_DIGITS, IBAN, IBAN_COMPACT, "4111-1111"] {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(format!("{}: {needle}", path.display()));
            }
        }
    }
    eprintln!("privacy: scanned {scanned} bytes of the data dir, raw secrets found: {found:?}");
    assert!(found.is_empty(), "secrets stored verbatim: {found:?}");
}
