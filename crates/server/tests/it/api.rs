//! `POST /v1/handoffs` and the widget support endpoints over real HTTP.
use std::time::Duration;

use serde_json::{json, Value};

use crate::util::{
    bundle, code, decode, new_id, post_json, post_raw, user_hash, Server, Sink, SiteOptions,
    GOOD_ORIGIN, SECRET, SITE,
};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post_bundle(s: &Server, b: &Value) -> (u16, reqwest::header::HeaderMap, Value) {
    post_json(&client(), &s.url("/v1/handoffs"), b, None).await
}

#[tokio::test]
async fn handoff_is_created_then_replayed_identically() {
    let s = Server::start();
    let b = bundle(&new_id(), &new_id());
    let (status, _, first) = post_bundle(&s, &b).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["id"], b["id"]);
    assert_eq!(first["status"], "queued");
    assert!(first["route"]["queue"].is_string());
    assert!(first["customer_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 40));
    let (status, _, second) = post_bundle(&s, &b).await;
    assert_eq!(status, 200);
    assert_eq!(first, second);
    assert_eq!(s.metric("baton_handoffs_stored ").await, 1.0);
}

#[tokio::test]
async fn concurrent_duplicates_are_stored_once() {
    let s = Server::start();
    let c = client();
    let url = s.url("/v1/handoffs");
    let mut bundles = Vec::new();
    for _ in 0..5 {
        bundles.push(bundle(&new_id(), &new_id()));
    }
    // 5 bundles × 16 concurrent copies each, all in flight at once.
    let mut tasks = Vec::new();
    for b in &bundles {
        for _ in 0..16 {
            let (c, url, b) = (c.clone(), url.clone(), b.clone());
            tasks.push(tokio::spawn(async move {
                let (status, _, body) = post_json(&c, &url, &b, None).await;
                (b["id"].as_str().unwrap().to_owned(), status, body)
            }));
        }
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    for b in &bundles {
        let id = b["id"].as_str().unwrap();
        let mine: Vec<_> = results.iter().filter(|r| r.0 == id).collect();
        assert_eq!(
            mine.iter().filter(|r| r.1 == 201).count(),
            1,
            "exactly one 201 for {id}"
        );
        assert_eq!(mine.iter().filter(|r| r.1 == 200).count(), 15);
        assert!(mine.iter().all(|r| r.2 == mine[0].2), "identical answers");
    }
    assert_eq!(s.metric("baton_handoffs_stored ").await, 5.0);
}

#[tokio::test]
async fn same_id_with_other_content_is_a_conflict() {
    let s = Server::start();
    let id = new_id();
    let conv = new_id();
    let (status, _, _) = post_bundle(&s, &bundle(&id, &conv)).await;
    assert_eq!(status, 201);
    let mut other = bundle(&id, &conv);
    other["summary"] = json!("something else entirely");
    let (status, _, body) = post_bundle(&s, &other).await;
    assert_eq!((status, code(&body)), (409, "idempotency_conflict"));
    assert!(body.get("customer_token").is_none());
}

#[tokio::test]
async fn a_conversation_escalates_once() {
    let s = Server::start();
    let conv = new_id();
    let first = bundle(&new_id(), &conv);
    assert_eq!(post_bundle(&s, &first).await.0, 201);
    let (status, _, body) = post_bundle(&s, &bundle(&new_id(), &conv)).await;
    assert_eq!((status, code(&body)), (409, "already_escalated"));
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(first["id"].as_str().unwrap()));
}

#[tokio::test]
async fn idempotency_key_must_match_bundle_id() {
    let s = Server::start();
    let b = bundle(&new_id(), &new_id());
    let resp = client()
        .post(s.url("/v1/handoffs"))
        .header("Idempotency-Key", "something-else")
        .json(&b)
        .send()
        .await
        .unwrap();
    let (status, _, body) = decode(resp).await;
    assert_eq!((status, code(&body)), (400, "idempotency_key_mismatch"));
    let resp = client()
        .post(s.url("/v1/handoffs"))
        .header("Idempotency-Key", b["id"].as_str().unwrap())
        .json(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}

#[tokio::test]
async fn unknown_site_and_disallowed_origin_are_forbidden() {
    let s = Server::start();
    let mut b = bundle(&new_id(), &new_id());
    b["site"] = json!("othershop");
    let (status, _, body) = post_bundle(&s, &b).await;
    assert_eq!((status, code(&body)), (403, "unknown_site"));

    let b = bundle(&new_id(), &new_id());
    for origin in [
        "https://evil.example",
        "http://127.0.0.2:5173",
        "https://127.0.0.1:5173",
        "https://shop.example.evil.example",
        "https://shop.example:8443",
        "null",
    ] {
        let (status, _, body) =
            post_json(&client(), &s.url("/v1/handoffs"), &b, Some(origin)).await;
        assert_eq!(
            (status, code(&body)),
            (403, "origin_not_allowed"),
            "{origin}"
        );
    }
    let (status, _, body) = decode(
        client()
            .get(s.url(&format!("/v1/sites/{SITE}/config")))
            .header("Origin", "https://evil.example")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code(&body)), (403, "origin_not_allowed"));
    // Nothing refused was stored.
    assert_eq!(s.metric("baton_handoffs_stored ").await, 0.0);
}

#[tokio::test]
async fn allowed_origins_get_cors() {
    let s = Server::start();
    let b = bundle(&new_id(), &new_id());
    let (status, headers, _) =
        post_json(&client(), &s.url("/v1/handoffs"), &b, Some(GOOD_ORIGIN)).await;
    assert_eq!(status, 201);
    assert_eq!(headers["access-control-allow-origin"], GOOD_ORIGIN);
    let b = bundle(&new_id(), &new_id());
    let (status, _, _) = post_json(
        &client(),
        &s.url("/v1/handoffs"),
        &b,
        Some("https://shop.example"),
    )
    .await;
    assert_eq!(status, 201);

    let preflight = client()
        .request(reqwest::Method::OPTIONS, s.url("/v1/handoffs"))
        .header("Origin", GOOD_ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,idempotency-key",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], GOOD_ORIGIN);
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allowed.contains("idempotency-key") && allowed.contains("content-type"));

    let preflight = client()
        .request(reqwest::Method::OPTIONS, s.url("/v1/handoffs"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(preflight
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn malformed_bodies_get_clear_errors() {
    let s = Server::start();
    let url = s.url("/v1/handoffs");
    let good = bundle(&new_id(), &new_id());
    let text = good.to_string();

    let (status, body) = post_raw(&url, "application/json", b"{\"schema\":".to_vec()).await;
    assert_eq!((status, code(&body)), (400, "bad_json"));
    let (status, body) = post_raw(&url, "application/json", text[..text.len() / 2].into()).await;
    assert_eq!((status, code(&body)), (400, "bad_json"));
    let (status, body) = post_raw(&url, "application/json", vec![0xff, 0xfe, b'{']).await;
    assert_eq!((status, code(&body)), (400, "bad_json"));
    let (status, body) = post_raw(&url, "application/json", format!("{text} x").into()).await;
    assert_eq!((status, code(&body)), (400, "bad_json"));
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let (status, body) = post_raw(&url, "application/json", deep.into()).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post_raw(&url, "text/plain", text.clone().into()).await;
    assert_eq!((status, code(&body)), (415, "unsupported_media_type"));
    let (status, body) = post_raw(&url, "application/json", vec![b' '; 300 * 1024]).await;
    assert_eq!((status, code(&body)), (413, "payload_too_large"));

    type Case = (fn(&mut Value), &'static str, &'static str);
    let cases: Vec<Case> = vec![
        (
            |b| b["transcript"][1]["text"] = json!(42),
            "invalid_bundle",
            "transcript[1].text",
        ),
        (
            |b| drop(b.as_object_mut().unwrap().remove("summary")),
            "invalid_bundle",
            "summary",
        ),
        (|b| b["surprise"] = json!(1), "invalid_bundle", "surprise"),
        (
            |b| b["reasons"][0]["trigger"] = json!("boredom"),
            "invalid_bundle",
            "reasons[0].trigger",
        ),
        (
            |b| b["transcript"][2]["text"] = json!("x".repeat(4001)),
            "invalid_bundle",
            "transcript[2].text: longer than 4000",
        ),
        (
            |b| b["transcript"][0]["text"] = json!("bell\u{7}"),
            "invalid_bundle",
            "transcript[0].text: contains control",
        ),
        (
            |b| b["transcript"] = json!([]),
            "invalid_bundle",
            "transcript: must not be empty",
        ),
        (
            |b| {
                let turn = b["transcript"][0].clone();
                b["transcript"] = json!(vec![turn; 201]);
            },
            "invalid_bundle",
            "transcript: more than 200",
        ),
        (
            |b| b["transcript"][1]["confidence"] = json!(7.5),
            "invalid_bundle",
            "transcript[1].confidence",
        ),
        (
            |b| b["id"] = json!("has spaces/and slashes"),
            "invalid_bundle",
            "id:",
        ),
        (|b| b["id"] = json!(""), "invalid_bundle", "id: not a UUID"),
        (
            |b| b["conversation_id"] = json!("c\u{0}"),
            "invalid_bundle",
            "conversation_id",
        ),
        (
            |b| b["reasons"][0]["evidence"]["turn"] = json!(99),
            "invalid_bundle",
            "reasons[0].evidence.turn",
        ),
        (
            |b| b["customer"]["name"] = json!("n".repeat(300)),
            "invalid_bundle",
            "customer.name",
        ),
        (
            |b| b["page"]["url"] = json!("u".repeat(3000)),
            "invalid_bundle",
            "page.url",
        ),
        (
            |b| b["schema"] = json!("baton.handoff/v2"),
            "unsupported_version",
            "baton.handoff/v2",
        ),
        (
            |b| {
                b["schema"] = json!("baton.handoff/v9");
                b["new_v9_field"] = json!(true);
            },
            "unsupported_version",
            "v9",
        ),
    ];
    for (mutate, want_code, want_message) in cases {
        let mut b = good.clone();
        mutate(&mut b);
        let (status, _, body) = post_bundle(&s, &b).await;
        assert_eq!(
            (status, code(&body)),
            (400, want_code),
            "{want_message}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(want_message),
            "{message:?} should mention {want_message:?}"
        );
    }
    assert_eq!(s.metric("baton_handoffs_stored ").await, 0.0);
}

fn webhook_site(url: &str, max_attempts: u32) -> SiteOptions {
    SiteOptions {
        webhooks: format!(
            "[[webhooks]]\nname = \"desk\"\nkind = \"helpdesk\"\nurl = \"{url}\"\nmax_attempts = {max_attempts}\n"
        ),
        ..SiteOptions::default()
    }
}

#[tokio::test]
async fn verified_identity_is_enriched_forged_one_is_not() {
    let sink = Sink::start(200).await;
    let s = Server::start_with(webhook_site(&sink.url, 3));

    let mut good = bundle(&new_id(), &new_id());
    good["customer"]["id"] = json!("cus_1");
    good["customer"]["user_hash"] = json!(user_hash(SECRET, "cus_1"));
    assert_eq!(post_bundle(&s, &good).await.0, 201);

    let mut forged = bundle(&new_id(), &new_id());
    forged["customer"]["id"] = json!("cus_1");
    forged["customer"]["user_hash"] = json!(user_hash("some-other-secret-value", "cus_1"));
    // A browser cannot set server-only fields either.
    forged["customer"]["verified"] = json!(true);
    forged["customer"]["orders"] = json!([{"id": "FAKE"}]);
    forged["customer"]["account_status"] = json!("vip");
    assert_eq!(post_bundle(&s, &forged).await.0, 201);

    let mut replayed = bundle(&new_id(), &new_id());
    replayed["customer"]["id"] = json!("cus_2");
    replayed["customer"]["user_hash"] = json!(user_hash(SECRET, "cus_1")); // cus_1's hash
    assert_eq!(post_bundle(&s, &replayed).await.0, 201);

    let got = sink.wait_for(3, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 3, "three deliveries");
    let by_id = |id: &Value| {
        got.iter()
            .find(|p| p["handoff"]["id"] == *id)
            .unwrap_or_else(|| panic!("no delivery for {id}"))["handoff"]["customer"]
            .clone()
    };
    let c = by_id(&good["id"]);
    assert_eq!(c["verified"], true);
    assert_eq!(c["account_status"], "active");
    assert_eq!(c["orders"][0]["id"], "ORD-1");
    assert_eq!(c["email"], "ada@example.com");
    assert!(c.get("user_hash").is_none_or(Value::is_null));

    for id in [&forged["id"], &replayed["id"]] {
        let c = by_id(id);
        assert_eq!(c["verified"], false, "{c}");
        assert_eq!(c["orders"], json!([]), "{c}");
        assert!(c["account_status"].is_null(), "{c}");
        assert_eq!(c["prior_tickets"], json!([]), "{c}");
    }
    assert_eq!(
        s.metric("baton_identity_total{result=\"forged\"}").await,
        2.0
    );
    assert_eq!(
        s.metric("baton_identity_total{result=\"verified\"}").await,
        1.0
    );

    // The second verified handoff of cus_1 lists the first as a prior ticket.
    let mut again = bundle(&new_id(), &new_id());
    again["customer"]["id"] = json!("cus_1");
    again["customer"]["user_hash"] = json!(user_hash(SECRET, "cus_1"));
    assert_eq!(post_bundle(&s, &again).await.0, 201);
    let got = sink.wait_for(4, Duration::from_secs(10)).await;
    let c = got
        .iter()
        .find(|p| p["handoff"]["id"] == again["id"])
        .unwrap()["handoff"]["customer"]
        .clone();
    assert_eq!(c["prior_tickets"].as_array().unwrap().len(), 1, "{c}");
    assert_eq!(c["prior_tickets"][0]["id"], good["id"]);
}

#[tokio::test]
async fn failing_webhook_is_dead_lettered_without_blocking_ingest() {
    let sink = Sink::start(500).await;
    let s = Server::start_with(webhook_site(&sink.url, 2));
    let started = std::time::Instant::now();
    for _ in 0..3 {
        let b = bundle(&new_id(), &new_id());
        assert_eq!(post_bundle(&s, &b).await.0, 201);
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "ingest did not wait for webhooks"
    );
    // 2 attempts each (the retry comes ~2 s after the first failure), then dead letters.
    let got = sink.wait_for(6, Duration::from_secs(15)).await;
    assert_eq!(got.len(), 6);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while s.metric("baton_webhook_dead_letters ").await < 3.0
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(s.metric("baton_webhook_dead_letters ").await, 3.0);
    assert_eq!(s.metric("baton_webhook_pending ").await, 0.0);
}

#[tokio::test]
async fn site_config_and_kb() {
    let s = Server::start();
    let (status, headers, body) = decode(
        client()
            .get(s.url(&format!("/v1/sites/{SITE}/config")))
            .header("Origin", GOOD_ORIGIN)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["access-control-allow-origin"], GOOD_ORIGIN);
    assert_eq!(body["site"], SITE);
    assert_eq!(body["name"], "Test Shop");
    assert_eq!(body["greeting"], "Hello from the test shop");
    assert_eq!(body["policy"]["refund_threshold"], 100.0);
    assert_eq!(body["policy"]["confidence_threshold"], 0.6);
    let (status, _, body) = decode(
        client()
            .get(s.url(&format!("/v1/sites/{SITE}/kb")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["articles"].as_array().unwrap().len(), 2);
    assert_eq!(body["articles"][1]["url"], "https://x.example/s");
    let (status, _, body) = decode(
        client()
            .get(s.url("/v1/sites/nope/kb"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code(&body)), (403, "unknown_site"));
}

#[tokio::test]
async fn conversations_events_and_csat() {
    let s = Server::start();
    let c = client();
    let conv = new_id();
    let start = json!({"site": SITE, "conversation_id": conv, "started_at": 1_764_000_000_000u64,
                       "page": {"url": "https://shop.example/", "title": "Shop", "locale": "en"}});
    let url = s.url("/v1/conversations");
    let (status, _, first) = post_json(&c, &url, &start, Some(GOOD_ORIGIN)).await;
    assert_eq!(status, 201);
    assert_eq!(first, json!({"conversation_id": conv}));
    let (status, _, again) = post_json(&c, &url, &start, Some(GOOD_ORIGIN)).await;
    assert_eq!((status, &again), (200, &first));

    let events = s.url(&format!("/v1/conversations/{conv}/events"));
    for kind in [
        "customer_message",
        "bot_answer",
        "withheld",
        "feedback",
        "resolved",
    ] {
        let e = json!({"site": SITE, "kind": kind, "at": 1_764_000_001_000u64, "detail": {"n": 1}});
        let (status, _, body) = post_json(&c, &events, &e, None).await;
        assert_eq!(status, 202, "{kind}: {body}");
    }
    let bad = json!({"site": SITE, "kind": "party", "at": 1});
    let (status, _, body) = post_json(&c, &events, &bad, None).await;
    assert_eq!((status, code(&body)), (400, "invalid_body"));
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("kind"));

    let csat = s.url("/v1/csat");
    let (status, _, _) = post_json(
        &c,
        &csat,
        &json!({"site": SITE, "conversation_id": conv, "rating": 5}),
        None,
    )
    .await;
    assert_eq!(status, 201);
    let (status, _, body) = post_json(
        &c,
        &csat,
        &json!({"site": SITE, "conversation_id": conv, "rating": 6}),
        None,
    )
    .await;
    assert_eq!((status, code(&body)), (400, "invalid_body"));

    // An escalated conversation is rated only with its customer token.
    let hconv = new_id();
    let (_, _, accepted) = post_bundle(&s, &bundle(&new_id(), &hconv)).await;
    let token = accepted["customer_token"].as_str().unwrap();
    let rate =
        |t: Option<&str>| json!({"site": SITE, "conversation_id": hconv, "rating": 2, "token": t});
    let (status, _, body) = post_json(&c, &csat, &rate(None), None).await;
    assert_eq!((status, code(&body)), (403, "invalid_token"));
    let (status, _, body) = post_json(&c, &csat, &rate(Some("forged-token")), None).await;
    assert_eq!((status, code(&body)), (403, "invalid_token"));
    let (status, _, _) = post_json(&c, &csat, &rate(Some(token)), None).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn pkg_files_have_wasm_mime_cache_and_cors() {
    let pkg = tempfile::tempdir().unwrap();
    std::fs::write(pkg.path().join("baton.js"), "console.log('hi')").unwrap();
    std::fs::write(pkg.path().join("baton_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let page = pkg.path().join("index.html");
    std::fs::write(&page, "<!doctype html><title>Shop</title>").unwrap();
    let s = Server::start_args(&[
        "--pkg-dir",
        pkg.path().to_str().unwrap(),
        "--demo-page",
        page.to_str().unwrap(),
    ]);
    let wasm = reqwest::get(s.url("/pkg/baton_bg.wasm")).await.unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["access-control-allow-origin"], "*");
    assert!(wasm.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let js = reqwest::get(s.url("/pkg/baton.js")).await.unwrap();
    assert!(js.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    let missing = reqwest::get(s.url("/pkg/nope.js")).await.unwrap();
    assert_eq!(missing.status(), 404);
    let home = reqwest::get(s.url("/")).await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(home.text().await.unwrap().contains("<title>Shop</title>"));
}

#[tokio::test]
async fn unknown_routes_answer_json_404() {
    let s = Server::start();
    let (status, _, body) = decode(reqwest::get(s.url("/v2/nothing")).await.unwrap()).await;
    assert_eq!((status, code(&body)), (404, "not_found"));
}

#[tokio::test]
async fn handoffs_survive_a_kill_and_keep_their_answer() {
    let s = Server::start();
    let b = bundle(&new_id(), &new_id());
    let (status, _, first) = post_bundle(&s, &b).await;
    assert_eq!(status, 201);
    let s = s.restart();
    let (status, _, again) = post_bundle(&s, &b).await;
    assert_eq!(status, 200);
    assert_eq!(
        first, again,
        "same token after restart: the key lives in the database"
    );
    assert_eq!(s.metric("baton_handoffs_stored ").await, 1.0);
}

#[tokio::test]
async fn sigterm_exits_cleanly() {
    let s = Server::start();
    assert_eq!(post_bundle(&s, &bundle(&new_id(), &new_id())).await.0, 201);
    let status = s.terminate();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn the_engine_example_bundle_is_accepted_by_the_demo_config() {
    let s = Server::start_demo();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../engine/examples/bundle.json"
    );
    let example: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (status, _, body) = post_json(
        &client(),
        &s.url("/v1/handoffs"),
        &example,
        Some("http://127.0.0.1:8080"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["id"], example["id"]);
}

#[tokio::test]
async fn reasons_are_rederived_and_mismatches_recorded() {
    let s = Server::start();
    // An honest bundle: the replay finds exactly what it claims.
    assert_eq!(post_bundle(&s, &bundle(&new_id(), &new_id())).await.0, 201);
    assert_eq!(s.metric("baton_reasons_mismatch_total ").await, 0.0);
    // A doctored one claims a trigger nothing in the transcript supports: still queued (the
    // customer gets a human), but the mismatch is recorded.
    let mut doctored = bundle(&new_id(), &new_id());
    doctored["reasons"][0]["trigger"] = json!("high_risk");
    assert_eq!(post_bundle(&s, &doctored).await.0, 201);
    assert_eq!(s.metric("baton_reasons_mismatch_total ").await, 1.0);
}

#[tokio::test]
async fn secrets_the_browser_missed_are_redacted_before_storage() {
    let sink = Sink::start(200).await;
    let s = Server::start_with(webhook_site(&sink.url, 3));
    let mut b = bundle(&new_id(), &new_id());
    b["transcript"][2]["text"] = json!("my card is 4111 1111 1111 1111, refund it please");
    assert_eq!(post_bundle(&s, &b).await.0, 201);
    let got = sink.wait_for(1, Duration::from_secs(10)).await;
    let text = got[0]["handoff"]["transcript"][2]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!text.contains("4111 1111 1111 1111"), "{text}");
    assert!(
        text.contains("1111"),
        "last digits kept for the agent: {text}"
    );
    assert_eq!(s.metric("baton_redacted_on_server_total ").await, 1.0);
}

#[tokio::test]
async fn retention_purges_texts_but_keeps_counts_and_idempotency() {
    let s = Server::start();
    let b = bundle(&new_id(), &new_id());
    let (status, _, first) = post_bundle(&s, &b).await;
    assert_eq!(status, 201);
    let db = baton_server::db::Db::connect(&s.db_url()).await.unwrap();
    let id = b["id"].as_str().unwrap();
    let before = db.handoff(id).await.unwrap().unwrap();
    assert!(before.bundle.contains("tent pole"));
    // Nothing is older than a cutoff in the past.
    let none = db.purge_before(SITE, 1).await.unwrap();
    assert_eq!(none.handoffs, 0);
    let far_future = i64::MAX / 2;
    let purged = db.purge_before(SITE, far_future).await.unwrap();
    assert_eq!(purged.handoffs, 1);
    let after = db.handoff(id).await.unwrap().unwrap();
    assert_eq!(after.bundle, baton_server::db::PURGED_BUNDLE);
    assert!(!after.bundle.contains("tent pole"));
    // Still counted, still idempotent.
    assert_eq!(s.metric("baton_handoffs_stored ").await, 1.0);
    let (status, _, again) = post_bundle(&s, &b).await;
    assert_eq!((status, again), (200, first));
    db.close().await;
}

fn verified_bundle() -> Value {
    let mut b = bundle(&new_id(), &new_id());
    b["customer"]["id"] = json!("cus_1");
    b["customer"]["user_hash"] = json!(user_hash(SECRET, "cus_1"));
    b
}

#[tokio::test]
async fn crm_hook_enriches_and_a_slow_crm_never_fails_a_handoff() {
    let sink = Sink::start(200).await;
    let record = json!({"account_status": "on_hold", "attributes": {"ltv": 999}});
    let (fast, hits) = crate::util::slow_crm(record.clone(), Duration::ZERO).await;
    let mut opts = webhook_site(&sink.url, 3);
    opts.extra = format!("[crm]\nurl = \"{fast}\"\ntimeout_ms = 2000\n");
    let s = Server::start_with(opts);
    let b = verified_bundle();
    assert_eq!(post_bundle(&s, &b).await.0, 201);
    let got = sink.wait_for(1, Duration::from_secs(10)).await;
    let c = &got[0]["handoff"]["customer"];
    assert_eq!(c["account_status"], "on_hold", "{c}");
    assert_eq!(c["attributes"]["ltv"], 999);
    assert_eq!(c["orders"][0]["id"], "ORD-1", "store orders kept: {c}");
    // An unverified customer never reaches the CRM.
    let mut anon = bundle(&new_id(), &new_id());
    anon["customer"]["id"] = json!("cus_1");
    assert_eq!(post_bundle(&s, &anon).await.0, 201);
    assert_eq!(*hits.lock().unwrap(), 1);
    drop(s);

    let (slow, _) = crate::util::slow_crm(record, Duration::from_secs(5)).await;
    let s = Server::start_with(SiteOptions {
        extra: format!("[crm]\nurl = \"{slow}\"\ntimeout_ms = 300\n"),
        ..SiteOptions::default()
    });
    let started = std::time::Instant::now();
    assert_eq!(post_bundle(&s, &verified_bundle()).await.0, 201);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.metric("baton_crm_errors_total ").await, 1.0);
}

#[tokio::test]
async fn sigterm_drains_in_flight_requests() {
    let (crm, hits) = crate::util::slow_crm(json!({}), Duration::from_millis(1500)).await;
    let s = Server::start_with(SiteOptions {
        extra: format!("[crm]\nurl = \"{crm}\"\ntimeout_ms = 5000\n"),
        ..SiteOptions::default()
    });
    let url = s.url("/v1/handoffs");
    let b = verified_bundle();
    let request = tokio::spawn(async move { post_json(&client(), &url, &b, None).await });
    // Wait (bounded) until the request is inside the server, held up by the CRM.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while *hits.lock().unwrap() == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(*hits.lock().unwrap(), 1, "request reached the CRM");
    let exit = tokio::task::spawn_blocking(move || s.terminate())
        .await
        .unwrap();
    let (status, _, body) = request.await.unwrap();
    assert_eq!(
        status, 201,
        "in-flight handoff answered during shutdown: {body}"
    );
    assert!(exit.success(), "{exit:?}");
}
