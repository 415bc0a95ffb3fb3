//! HTTP (fetch) and the live channel (Server-Sent Events). Only this module and `storage.rs`
//! talk to the outside world; nothing here decides anything.
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{EventSource, Headers, MessageEvent, Request, RequestInit, Response};

/// Why a request did not produce a usable answer.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum TransportError {
    /// No answer at all (offline, DNS, CORS, connection refused).
    #[error("network error: {0}")]
    Network(String),
    /// A non-2xx answer.
    #[error("HTTP {0}")]
    Status(u16),
    /// A 2xx answer whose body is not what the contract says.
    #[error("unexpected body: {0}")]
    Body(String),
}

fn js_err(e: JsValue) -> TransportError {
    TransportError::Network(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// Sends a request; returns status and body text. A 4xx/5xx is an answer, not an error.
pub(crate) async fn request(
    method: &str,
    url: &str,
    body: Option<&str>,
    idempotency_key: Option<&str>,
) -> Result<(u16, String), TransportError> {
    let window = web_sys::window().ok_or_else(|| TransportError::Network("no window".into()))?;
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new().map_err(js_err)?;
    headers.set("Accept", "application/json").map_err(js_err)?;
    if let Some(body) = body {
        headers
            .set("Content-Type", "application/json")
            .map_err(js_err)?;
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(key) = idempotency_key {
        headers.set("Idempotency-Key", key).map_err(js_err)?;
    }
    init.set_headers(&headers);
    let req = Request::new_with_str_and_init(url, &init).map_err(js_err)?;
    let resp: Response = JsFuture::from(window.fetch_with_request(&req))
        .await
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    let status = resp.status();
    let text = JsFuture::from(resp.text().map_err(js_err)?)
        .await
        .map_err(js_err)?
        .as_string()
        .unwrap_or_default();
    Ok((status, text))
}

/// GETs and decodes JSON.
pub(crate) async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, TransportError> {
    let (status, text) = request("GET", url, None, None).await?;
    if !(200..300).contains(&status) {
        return Err(TransportError::Status(status));
    }
    serde_json::from_str(&text).map_err(|e| TransportError::Body(e.to_string()))
}

/// POSTs JSON and decodes the JSON answer.
pub(crate) async fn post_json<T: DeserializeOwned>(
    url: &str,
    body: &str,
) -> Result<T, TransportError> {
    let (status, text) = request("POST", url, Some(body), None).await?;
    if !(200..300).contains(&status) {
        return Err(TransportError::Status(status));
    }
    serde_json::from_str(&text).map_err(|e| TransportError::Body(e.to_string()))
}

/// The `error.code` of an API error answer (`{"error":{"code":…}}`), e.g. `already_escalated`.
/// (Read through `serde_json::Value`, whose parser the widget carries anyway: no new code.)
pub(crate) fn error_code(body: &str) -> Option<String> {
    let answer: serde_json::Value = serde_json::from_str(body).ok()?;
    Some(answer.get("error")?.get("code")?.as_str()?.to_owned())
}

/// What the live channel says.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum LiveEvent {
    /// A human took the conversation.
    AgentJoined {
        /// Their display name.
        agent: String,
    },
    /// The human wrote.
    Message {
        /// The text.
        text: String,
    },
    /// The conversation was closed by the agent.
    Closed,
}

#[derive(Deserialize)]
struct JoinedData {
    #[serde(default)]
    agent: String,
}

#[derive(Deserialize)]
struct MessageData {
    text: String,
}

/// Parses one SSE event of the live channel by its name and data.
pub(crate) fn parse_live(event: &str, data: &str) -> Option<LiveEvent> {
    match event {
        "agent_joined" => serde_json::from_str::<JoinedData>(data)
            .ok()
            .map(|d| LiveEvent::AgentJoined { agent: d.agent }),
        "message" => serde_json::from_str::<MessageData>(data)
            .ok()
            .map(|d| LiveEvent::Message { text: d.text }),
        "closed" => Some(LiveEvent::Closed),
        _ => None,
    }
}

/// An open live channel; dropping it closes the connection.
pub(crate) struct Live {
    source: EventSource,
    _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
    _signals: [Closure<dyn FnMut()>; 2],
}

impl Drop for Live {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Opens `GET …/live?token=` as an EventSource. `on_event` gets each event with its SSE id
/// (the server's sequence number); `on_up(true)` says the stream opened, `on_up(false)` that
/// it failed — then it is already closed (no browser retry loop) and the caller reopens it
/// when it sees fit.
pub(crate) fn live(
    url: &str,
    on_event: impl Fn(Option<u64>, LiveEvent) + 'static,
    on_up: impl Fn(bool) + 'static,
) -> Result<Live, TransportError> {
    let source = EventSource::new(url).map_err(js_err)?;
    let on_up = std::rc::Rc::new(on_up);
    let up = on_up.clone();
    let opened = Closure::<dyn FnMut()>::new(move || up(true));
    let failing = source.clone();
    let failed = Closure::<dyn FnMut()>::new(move || {
        failing.close();
        on_up(false);
    });
    for (name, f) in [("open", &opened), ("error", &failed)] {
        source
            .add_event_listener_with_callback(name, f.as_ref().unchecked_ref())
            .map_err(js_err)?;
    }
    let on_event = std::rc::Rc::new(on_event);
    let mut handlers = Vec::new();
    for name in ["agent_joined", "message", "closed"] {
        let on_event = on_event.clone();
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data().as_string().unwrap_or_default();
            if let Some(e) = parse_live(name, &data) {
                on_event(ev.last_event_id().trim().parse().ok(), e);
            }
        });
        source
            .add_event_listener_with_callback(name, handler.as_ref().unchecked_ref())
            .map_err(js_err)?;
        handlers.push(handler);
    }
    Ok(Live {
        source,
        _handlers: handlers,
        _signals: [opened, failed],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_read_from_the_contracts_error_shape() {
        let body = r#"{"error":{"code":"already_escalated","message":"by handoff `x`"}}"#;
        assert_eq!(error_code(body).as_deref(), Some("already_escalated"));
        assert_eq!(error_code("<html>502</html>"), None);
        assert_eq!(error_code(r#"{"code":"x"}"#), None);
    }

    #[test]
    fn live_events_parse_per_contract() {
        assert_eq!(
            parse_live("agent_joined", r#"{"agent":"Alex"}"#),
            Some(LiveEvent::AgentJoined {
                agent: "Alex".into()
            })
        );
        assert_eq!(
            parse_live("message", r#"{"role":"agent","text":"Hi","at":1}"#),
            Some(LiveEvent::Message { text: "Hi".into() })
        );
        assert_eq!(parse_live("closed", "{}"), Some(LiveEvent::Closed));
        assert_eq!(parse_live("message", "garbage"), None);
        assert_eq!(parse_live("ping", "{}"), None);
    }
}
