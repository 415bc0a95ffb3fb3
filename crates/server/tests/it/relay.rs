//! The live relay over real HTTP: agent replies reach the widget's SSE stream, customer
//! messages reach the console's stream, reconnects resume, bad tokens are refused.
use std::time::Duration;

use serde_json::{json, Value};

use crate::console::{new_handoff, start, Agent, ADA};
use crate::util::{code, post_json, Server};

/// A minimal Server-Sent Events reader over a streaming response.
struct Sse {
    resp: reqwest::Response,
    buf: String,
}

/// One event: (id, name, data).
type Ev = (String, String, Value);

impl Sse {
    async fn open(req: reqwest::RequestBuilder) -> Sse {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Sse {
            resp,
            buf: String::new(),
        }
    }

    /// The next named event, within 10 s.
    async fn next(&mut self) -> Ev {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Some(end) = self.buf.find("\n\n") {
                    let frame: String = self.buf.drain(..end + 2).collect();
                    let (mut id, mut name, mut data) =
                        (String::new(), String::new(), String::new());
                    for line in frame.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            id = v.trim().to_owned();
                        } else if let Some(v) = line.strip_prefix("event:") {
                            name = v.trim().to_owned();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push_str(v.trim_start());
                        }
                    }
                    if !name.is_empty() {
                        return (id, name, serde_json::from_str(&data).unwrap());
                    }
                    continue;
                }
                let chunk = self.resp.chunk().await.unwrap().expect("stream ended");
                self.buf.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .expect("no SSE event within 10 s")
    }
}

async fn customer_post(s: &Server, cid: &str, token: &str, text: &str) -> (u16, Value) {
    let (status, _, body) = post_json(
        &reqwest::Client::new(),
        &s.url(&format!("/v1/conversations/{cid}/messages")),
        &json!({"token": token, "text": text}),
        None,
    )
    .await;
    (status, body)
}

fn customer_live(s: &Server, cid: &str, token: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new().get(s.url(&format!("/v1/conversations/{cid}/live?token={token}")))
}

#[tokio::test]
async fn the_widget_stream_receives_the_join_the_reply_and_the_close() {
    let s = start();
    let (id, cid, _, token) = new_handoff(&s).await;
    let mut widget = Sse::open(customer_live(&s, &cid, &token)).await;

    let mut ada = Agent::new(&s);
    ada.login(ADA.0, ADA.1).await;
    let path = format!("/console/handoffs/{id}");
    let csrf = ada.get(&path).await.csrf();
    ada.post(&format!("{path}/claim"), &[("csrf", &csrf)]).await;
    let (_, name, data) = widget.next().await;
    assert_eq!(name, "agent_joined");
    assert_eq!(data["agent"], "Ada");

    ada.post(
        &format!("{path}/reply"),
        &[
            ("csrf", &csrf),
            ("text", "Hi, this is Ada — I have your order here."),
        ],
    )
    .await;
    let (first_id, name, data) = widget.next().await;
    assert_eq!(name, "message");
    assert_eq!(data["role"], "agent");
    assert_eq!(data["text"], "Hi, this is Ada — I have your order here.");
    assert!(data["at"].is_i64());
    assert!(data.get("agent").is_none(), "the contract's fields only");

    // The customer's own message is not echoed back to the widget.
    assert_eq!(
        customer_post(&s, &cid, &token, "great, thanks").await.0,
        202
    );
    ada.post(
        &format!("{path}/reply"),
        &[("csrf", &csrf), ("text", "Second")],
    )
    .await;
    let (_, _, data) = widget.next().await;
    assert_eq!(data["text"], "Second");

    // A reconnect with Last-Event-ID resumes right after the last event seen.
    let mut again =
        Sse::open(customer_live(&s, &cid, &token).header("Last-Event-ID", first_id.as_str())).await;
    let (_, name, data) = again.next().await;
    assert_eq!(
        (name.as_str(), &data["text"]),
        ("message", &json!("Second"))
    );

    // A reloaded page cannot set Last-Event-ID on its new EventSource: `?after=` does the
    // same, and the header (sent by the browser's own reconnects) wins over it.
    let url = |after: &str| {
        reqwest::Client::new().get(s.url(&format!(
            "/v1/conversations/{cid}/live?token={token}&after={after}"
        )))
    };
    let mut reloaded = Sse::open(url(&first_id)).await;
    assert_eq!(reloaded.next().await.2["text"], "Second");
    let mut from_start = Sse::open(url("0")).await;
    let seen: Vec<String> = [
        from_start.next().await,
        from_start.next().await,
        from_start.next().await,
    ]
    .into_iter()
    .map(|(_, name, data)| format!("{name} {}", data["text"].as_str().unwrap_or("")))
    .collect();
    assert_eq!(
        seen,
        [
            "agent_joined ",
            "message Hi, this is Ada — I have your order here.",
            "message Second"
        ],
        "everything after 0, the customer's own message excepted"
    );
    let mut both = Sse::open(url("0").header("Last-Event-ID", first_id.as_str())).await;
    assert_eq!(both.next().await.2["text"], "Second");

    ada.post(
        &format!("{path}/close"),
        &[("csrf", &csrf), ("repeat", "yes")],
    )
    .await;
    assert_eq!(widget.next().await.1, "closed");

    // A fresh connection (a reloaded page) gets the current state, not old messages.
    let mut fresh = Sse::open(customer_live(&s, &cid, &token)).await;
    assert_eq!(fresh.next().await.1, "agent_joined");
    assert_eq!(fresh.next().await.1, "closed");
}

#[tokio::test]
async fn the_console_stream_receives_customer_messages_and_they_persist() {
    let s = start();
    let (id, cid, _, token) = new_handoff(&s).await;
    let mut ada = Agent::new(&s);
    ada.login(ADA.0, ADA.1).await;
    let path = format!("/console/handoffs/{id}");
    let mut console = Sse::open(ada.request(&format!("{path}/live?after=0"))).await;

    let (status, body) = customer_post(&s, &cid, &token, "It was due Monday, order ORD-1").await;
    assert_eq!(status, 202, "{body}");
    let (_, name, data) = console.next().await;
    assert_eq!(name, "message");
    assert_eq!(data["role"], "customer");
    assert_eq!(data["text"], "It was due Monday, order ORD-1");

    // Card numbers are redacted on the server even if the widget missed them.
    customer_post(&s, &cid, &token, "my card is 4111 1111 1111 1111").await;
    let (_, _, data) = console.next().await;
    assert!(
        !data["text"]
            .as_str()
            .unwrap()
            .contains("4111 1111 1111 1111"),
        "{data}"
    );

    // An outbox retry (same Idempotency-Key) is stored and relayed once.
    let url = s.url(&format!("/v1/conversations/{cid}/messages"));
    for _ in 0..3 {
        let resp = reqwest::Client::new()
            .post(&url)
            .header("Idempotency-Key", format!("msg:{cid}:7"))
            .json(&json!({"token": token, "text": "retried once"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
    }
    customer_post(&s, &cid, &token, "after the retries").await;
    let (_, _, data) = console.next().await;
    assert_eq!(data["text"], "retried once");
    let (_, _, data) = console.next().await;
    assert_eq!(data["text"], "after the retries", "no duplicate in between");

    // A reload restores the conversation from the database.
    let view = ada.get(&path).await;
    assert_eq!(view.body.matches("retried once").count(), 1);
    assert!(view.body.contains("It was due Monday, order ORD-1"));
    assert!(!view.body.contains("4111 1111 1111 1111"));
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let s = start();
    let (_, cid, _, token) = new_handoff(&s).await;
    let (_, other_cid, _, other_token) = new_handoff(&s).await;
    for (conv, tok) in [
        (cid.as_str(), "not-a-token"),
        (cid.as_str(), ""),
        (cid.as_str(), other_token.as_str()),
        (other_cid.as_str(), token.as_str()),
        ("no-such-conversation", token.as_str()),
    ] {
        let resp = customer_live(&s, conv, tok).send().await.unwrap();
        assert_eq!(resp.status(), 403, "live {conv} {tok}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(code(&body), "invalid_token");
        let (status, body) = customer_post(&s, conv, tok, "hello").await;
        assert_eq!(status, 403, "post {conv} {tok}");
        assert_eq!(code(&body), "invalid_token");
    }
    let (status, body) = customer_post(&s, &cid, &token, " \n ").await;
    assert_eq!((status, code(&body)), (400, "invalid_body"));
    let (status, _) = customer_post(&s, &cid, &token, &"x".repeat(4001)).await;
    assert_eq!(status, 400);
    // A disallowed origin is refused even with the right token.
    let resp = customer_live(&s, &cid, &token)
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}
