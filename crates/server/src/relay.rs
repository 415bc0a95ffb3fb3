//! The live channel after a handoff: agent replies to the widget, customer messages to the
//! agent.
//!
//! The database is the source of truth. Every message (and every "agent joined" / "closed"
//! event) is a row of `messages` with an increasing `seq`, written before anyone is told.
//! Telling is a *wake-up*, not a payload: `Relay::publish` broadcasts only the handoff id, and
//! each open stream then reads the rows after the last `seq` it sent. So a stream that lags,
//! reconnects (`Last-Event-ID`) or runs on another instance never misses or repeats a message;
//! and fanning out across instances only needs the wake-ups carried between them — a Postgres
//! `LISTEN/NOTIFY` task that calls `Relay::publish` on `NOTIFY` is all a multi-instance
//! deployment adds (see `Relay::publish`).
//!
//! `pump` is the whole streaming loop, generic over where wake-ups come from (`Stream`),
//! where frames go (`Sink`) and where rows are read (`Log`), so it is tested with channels.
use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::header::{HeaderName, CACHE_CONTROL};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tokio::sync::broadcast;

use crate::db::Db;
use crate::error::ApiError;
use crate::extract::AppJson;
use crate::state::AppState;

/// Rows read per query while catching up.
const PAGE: i64 = 200;
/// A comment line this often keeps proxies from closing an idle stream and notices
/// disconnected clients.
pub const KEEPALIVE: Duration = Duration::from_secs(15);
/// Longest message accepted on the live channel (same as a transcript turn).
pub const MAX_TEXT_CHARS: usize = 4000;

/// "Something new for this handoff": the only thing the relay broadcasts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The handoff whose log grew.
    pub handoff_id: String,
}

/// Wakes live streams when a handoff's message log grows.
#[derive(Clone, Debug)]
pub struct Relay {
    notes: broadcast::Sender<Note>,
}

impl Default for Relay {
    fn default() -> Self {
        Relay::new()
    }
}

impl Relay {
    /// A relay for this process.
    pub fn new() -> Relay {
        let (notes, _) = broadcast::channel(1024);
        Relay { notes }
    }

    /// Wakes every stream of `handoff_id` in this process. Call after the row is committed.
    /// A multi-instance deployment also sends the id to its peers (Postgres `NOTIFY`) and
    /// calls this on each one when it arrives; nothing else changes.
    pub fn publish(&self, handoff_id: &str) {
        // No subscriber is fine: there is simply nobody watching live.
        let _ = self.notes.send(Note {
            handoff_id: handoff_id.to_owned(),
        });
    }

    /// Wake-ups from now on, as a stream (lag becomes `Wake::Lagged`, which means "re-read").
    pub fn subscribe(&self) -> impl Stream<Item = Wake> + Send + Unpin + 'static {
        let rx = self.notes.subscribe();
        Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            match rx.recv().await {
                Ok(note) => Some((Wake::For(note.handoff_id), rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => Some((Wake::Lagged, rx)),
                Err(broadcast::error::RecvError::Closed) => None,
            }
        }))
    }
}

/// Why a stream should look at the log again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wake {
    /// This handoff's log grew.
    For(String),
    /// Wake-ups were dropped; any log may have grown.
    Lagged,
}

/// What a `messages` row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The customer wrote (after handoff).
    Customer,
    /// The agent wrote.
    Agent,
    /// An agent claimed the conversation.
    AgentJoined,
    /// The agent closed the conversation.
    Closed,
}

impl Kind {
    /// `(role, text)` as stored: system events keep their name in `text`.
    fn stored(self, text: &str) -> (&'static str, &str) {
        match self {
            Kind::Customer => ("customer", text),
            Kind::Agent => ("agent", text),
            Kind::AgentJoined => ("system", "agent_joined"),
            Kind::Closed => ("system", "closed"),
        }
    }

    fn from_stored(role: &str, text: &str) -> Option<Kind> {
        match (role, text) {
            ("customer", _) => Some(Kind::Customer),
            ("agent", _) => Some(Kind::Agent),
            ("system", "agent_joined") => Some(Kind::AgentJoined),
            ("system", "closed") => Some(Kind::Closed),
            _ => None,
        }
    }
}

/// One row of a handoff's live log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LiveRow {
    /// Increasing position (also the SSE event id).
    pub seq: i64,
    /// What it is.
    pub kind: Kind,
    /// Message text (empty for events).
    pub text: String,
    /// Server time, Unix ms.
    pub at: i64,
    /// The agent's display name, for agent rows and events.
    pub agent: Option<String>,
}

/// Who a stream is for: the customer never sees their own messages echoed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The widget.
    Customer,
    /// The console.
    Agent,
}

/// One frame for a live client.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// A named event with a JSON payload and the row's `seq` as id.
    Event {
        /// `seq` of the row.
        id: i64,
        /// SSE event name.
        name: &'static str,
        /// JSON data.
        data: String,
    },
    /// Nothing new; keeps the connection alive.
    KeepAlive,
}

impl Frame {
    /// The frame a row becomes for `audience`, if they see it.
    pub fn for_row(row: &LiveRow, audience: Audience) -> Option<Frame> {
        let (name, data) = match (row.kind, audience) {
            (Kind::Customer, Audience::Customer) => return None,
            (Kind::Customer | Kind::Agent, _) => {
                let role = if row.kind == Kind::Customer {
                    "customer"
                } else {
                    "agent"
                };
                let data = match audience {
                    Audience::Customer => serde_json::json!({
                        "role": role, "text": row.text, "at": row.at,
                    }),
                    Audience::Agent => serde_json::json!({
                        "role": role, "text": row.text, "at": row.at, "agent": row.agent,
                    }),
                };
                ("message", data)
            }
            (Kind::AgentJoined, _) => (
                "agent_joined",
                serde_json::json!({ "agent": row.agent.clone().unwrap_or_default() }),
            ),
            (Kind::Closed, _) => ("closed", serde_json::json!({})),
        };
        Some(Frame::Event {
            id: row.seq,
            name,
            data: data.to_string(),
        })
    }

    fn into_sse(self) -> Event {
        match self {
            Frame::Event { id, name, data } => {
                Event::default().id(id.to_string()).event(name).data(data)
            }
            Frame::KeepAlive => Event::default().comment("keep-alive"),
        }
    }
}

/// Where `pump` reads rows.
pub trait Log: Send + Sync {
    /// Rows of `handoff_id` with `seq > after`, oldest first, at most `limit`.
    fn after(
        &self,
        handoff_id: &str,
        after: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<LiveRow>, sqlx::Error>> + Send;
}

impl Log for Db {
    async fn after(
        &self,
        handoff_id: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<LiveRow>, sqlx::Error> {
        rows_after(self, handoff_id, after, limit).await
    }
}

/// How a stream ended.
#[derive(Debug, thiserror::Error)]
pub enum PumpError<E> {
    /// The client went away (or the sink failed).
    #[error("sink closed")]
    Sink(E),
    /// Reading the log failed; the client reconnects and resumes from its last id.
    #[error("reading the message log: {0}")]
    Log(#[from] sqlx::Error),
}

/// Streams `handoff_id`'s rows after `after` to `sink`, then every new row as `wakes`
/// announce it, with a keep-alive frame after `keepalive` of silence. Ends when the sink
/// fails (client gone) or the wake-ups end (server shutting down).
pub async fn pump<L, W, S>(
    log: &L,
    mut wakes: W,
    handoff_id: &str,
    audience: Audience,
    mut after: i64,
    keepalive: Duration,
    mut sink: S,
) -> Result<(), PumpError<S::Error>>
where
    L: Log,
    W: Stream<Item = Wake> + Unpin,
    S: Sink<Frame> + Unpin,
{
    loop {
        loop {
            let rows = log.after(handoff_id, after, PAGE).await?;
            let full = rows.len() as i64 == PAGE;
            for row in &rows {
                after = row.seq;
                if let Some(frame) = Frame::for_row(row, audience) {
                    sink.feed(frame).await.map_err(PumpError::Sink)?;
                }
            }
            sink.flush().await.map_err(PumpError::Sink)?;
            if !full {
                break;
            }
        }
        loop {
            tokio::select! {
                wake = wakes.next() => match wake {
                    None => return Ok(()),
                    Some(Wake::For(id)) if id != handoff_id => continue,
                    Some(_) => break,
                },
                () = tokio::time::sleep(keepalive) => {
                    sink.send(Frame::KeepAlive).await.map_err(PumpError::Sink)?;
                }
            }
        }
    }
}

/// Appends a row to a handoff's log; returns its `seq`. Callers `publish` after this.
pub async fn append(
    db: &Db,
    handoff: &HandoffRef,
    kind: Kind,
    agent_id: Option<i64>,
    text: &str,
    at: i64,
) -> Result<i64, sqlx::Error> {
    let (role, text) = kind.stored(text);
    sqlx::query_scalar(
        "INSERT INTO messages (site, conversation_id, handoff_id, role, agent_id, text, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
    )
    .bind(&handoff.site)
    .bind(&handoff.conversation_id)
    .bind(&handoff.id)
    .bind(role)
    .bind(agent_id)
    .bind(text)
    .bind(at)
    .fetch_one(db.write())
    .await
}

/// Longest `Idempotency-Key` kept for a customer message.
pub const MAX_CLIENT_KEY: usize = 128;

/// Appends a customer message once per `client_key` (the widget outbox's retry key):
/// `Some(seq)` when stored now, `None` when that key was stored before.
pub async fn append_customer(
    db: &Db,
    handoff: &HandoffRef,
    text: &str,
    at: i64,
    client_key: Option<&str>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO messages (site, conversation_id, handoff_id, role, text, at, client_key) \
         VALUES ($1, $2, $3, 'customer', $4, $5, $6) \
         ON CONFLICT (handoff_id, client_key) DO NOTHING RETURNING seq",
    )
    .bind(&handoff.site)
    .bind(&handoff.conversation_id)
    .bind(&handoff.id)
    .bind(text)
    .bind(at)
    .bind(client_key)
    .fetch_optional(db.write())
    .await
}

/// Rows of a handoff's log after `after`.
pub async fn rows_after(
    db: &Db,
    handoff_id: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<LiveRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT m.seq, m.role, m.text, m.at, a.name FROM messages m \
         LEFT JOIN agents a ON a.id = m.agent_id \
         WHERE m.handoff_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3",
    )
    .bind(handoff_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db.read())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let role: String = r.try_get(1)?;
        let text: String = r.try_get(2)?;
        let Some(kind) = Kind::from_stored(&role, &text) else {
            continue;
        };
        let text = if matches!(kind, Kind::Customer | Kind::Agent) {
            text
        } else {
            String::new()
        };
        out.push(LiveRow {
            seq: r.try_get(0)?,
            kind,
            text,
            at: r.try_get(3)?,
            agent: r.try_get(4)?,
        });
    }
    Ok(out)
}

/// The highest `seq` of a handoff's log (0 when empty).
pub async fn last_seq(db: &Db, handoff_id: &str) -> Result<i64, sqlx::Error> {
    let seq: Option<i64> =
        sqlx::query_scalar("SELECT MAX(seq) FROM messages WHERE handoff_id = $1")
            .bind(handoff_id)
            .fetch_one(db.read())
            .await?;
    Ok(seq.unwrap_or(0))
}

/// The handoff a live request is about.
#[derive(Clone, Debug)]
pub struct HandoffRef {
    /// Handoff (bundle) id.
    pub id: String,
    /// Site.
    pub site: String,
    /// Conversation id.
    pub conversation_id: String,
    /// queued | claimed | closed.
    pub status: String,
}

/// The handoff of `conversation_id` that `token` belongs to. Conversation ids are unique
/// per site only; the token (bound to one handoff id) picks the right one.
async fn handoff_for_token(
    state: &AppState,
    conversation_id: &str,
    token: &str,
) -> Result<HandoffRef, ApiError> {
    if token.is_empty() || conversation_id.len() > 64 {
        return Err(ApiError::InvalidToken);
    }
    let rows = sqlx::query(
        "SELECT id, site, conversation_id, status FROM handoffs WHERE conversation_id = $1",
    )
    .bind(conversation_id)
    .fetch_all(state.db.read())
    .await?;
    for r in rows {
        let id: String = r.try_get(0)?;
        if state.tokens.check(&id, token) {
            return Ok(HandoffRef {
                id,
                site: r.try_get(1)?,
                conversation_id: r.try_get(2)?,
                status: r.try_get(3)?,
            });
        }
    }
    Err(ApiError::InvalidToken)
}

/// `?token=…&after=…` of the live stream. `after` is `Last-Event-ID` for a client that
/// cannot set headers on its first request (a browser `EventSource` opened after a page
/// reload): it resumes after that event instead of getting only the current state.
#[derive(Deserialize)]
pub(crate) struct LiveQuery {
    #[serde(default)]
    token: String,
    #[serde(default)]
    after: Option<i64>,
}

/// An SSE response fed by `pump` running in its own task.
pub fn sse_response(
    state: &AppState,
    handoff_id: String,
    audience: Audience,
    after: i64,
    preface: Vec<Frame>,
) -> Response {
    // Subscribe before reading, so a row written in between is still announced.
    let wakes = state.relay.subscribe();
    let (mut tx, rx) = futures_channel::mpsc::channel::<Frame>(16);
    let db = state.db.clone();
    tokio::spawn(async move {
        for frame in preface {
            if tx.feed(frame).await.is_err() {
                return;
            }
        }
        if let Err(PumpError::Log(e)) =
            pump(&db, wakes, &handoff_id, audience, after, KEEPALIVE, tx).await
        {
            tracing::warn!(handoff = %handoff_id, "live stream ended: {e}");
        }
    });
    let stream = rx.map(|f| Ok::<Event, Infallible>(f.into_sse()));
    let mut response = Sse::new(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
}

/// `Last-Event-ID` sent by a reconnecting `EventSource`.
pub fn last_event_id(headers: &HeaderMap) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .filter(|n: &i64| *n >= 0)
}

/// `GET /v1/conversations/{id}/live?token=…` — the widget's live channel.
///
/// A fresh connection gets the current state (`agent_joined` when claimed, `closed` when
/// closed) and then everything new; the widget keeps earlier messages itself. A reconnect
/// (`Last-Event-ID`, or `?after=` from a reloaded page) resumes exactly after the last event
/// it saw; the header wins, being what the browser sends on its own reconnects.
pub(crate) async fn customer_live(
    State(state): State<AppState>,
    Path(conversation_id): Path<String>,
    Query(query): Query<LiveQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let handoff = handoff_for_token(&state, &conversation_id, &query.token).await?;
    crate::api::site_for(&state, &handoff.site, &headers)?;
    let resume = last_event_id(&headers).or(query.after.filter(|n| *n >= 0));
    let (after, preface) = match resume {
        Some(after) => (after, Vec::new()),
        None => {
            let rows = rows_after(&state.db, &handoff.id, 0, i64::MAX).await?;
            let after = rows.last().map_or(0, |r| r.seq);
            let joined = rows.iter().rev().find(|r| r.kind == Kind::AgentJoined);
            let closed = rows.iter().rev().find(|r| r.kind == Kind::Closed);
            let preface = joined
                .into_iter()
                .chain(closed)
                .filter_map(|r| Frame::for_row(r, Audience::Customer))
                .collect();
            (after, preface)
        }
    };
    Ok(sse_response(
        &state,
        handoff.id,
        Audience::Customer,
        after,
        preface,
    ))
}

/// `POST /v1/conversations/{id}/messages` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomerMessage {
    token: String,
    text: String,
}

/// Checks a live message's text: not blank, not too long, no control characters.
pub fn check_text(text: &str) -> Result<&str, ApiError> {
    let trimmed = text.trim();
    let invalid = |message: &str| ApiError::InvalidBody {
        path: "text".into(),
        message: message.into(),
    };
    if trimmed.is_empty() {
        return Err(invalid("must not be empty"));
    }
    if trimmed.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid("longer than 4000 characters"));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(invalid("contains control characters"));
    }
    Ok(trimmed)
}

/// `POST /v1/conversations/{id}/messages` — a customer message after handoff: stored
/// (card numbers and IBANs redacted again here), then relayed live to the agent. `202`.
/// With an `Idempotency-Key` header, a retry of the same message is stored and relayed once.
pub(crate) async fn customer_message(
    State(state): State<AppState>,
    Path(conversation_id): Path<String>,
    headers: HeaderMap,
    AppJson(body): AppJson<CustomerMessage>,
) -> Result<StatusCode, ApiError> {
    let handoff = handoff_for_token(&state, &conversation_id, &body.token).await?;
    crate::api::site_for(&state, &handoff.site, &headers)?;
    let text = check_text(&body.text)?;
    let text = baton_engine::redact(text);
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => match v.to_str().map(str::trim) {
            Ok(k) if !k.is_empty() && k.len() <= MAX_CLIENT_KEY => Some(k.to_owned()),
            _ => {
                return Err(ApiError::InvalidBody {
                    path: "Idempotency-Key".into(),
                    message: "must be 1-128 visible ASCII characters".into(),
                })
            }
        },
    };
    let now = state.clock.now().0 as i64;
    if append_customer(&state.db, &handoff, &text, now, key.as_deref())
        .await?
        .is_some()
    {
        state.relay.publish(&handoff.id);
    }
    Ok(StatusCode::ACCEPTED)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A log in memory, shared with the test.
    #[derive(Default)]
    struct MemLog(Mutex<Vec<(String, LiveRow)>>);

    impl MemLog {
        fn push(&self, handoff: &str, kind: Kind, text: &str) {
            let mut rows = self.0.lock().unwrap_or_else(|e| e.into_inner());
            let seq = rows.len() as i64 + 1;
            rows.push((
                handoff.to_owned(),
                LiveRow {
                    seq,
                    kind,
                    text: text.to_owned(),
                    at: seq * 10,
                    agent: Some("Alex".into()),
                },
            ));
        }
    }

    impl Log for MemLog {
        async fn after(
            &self,
            handoff_id: &str,
            after: i64,
            limit: i64,
        ) -> Result<Vec<LiveRow>, sqlx::Error> {
            let rows = self.0.lock().unwrap_or_else(|e| e.into_inner());
            Ok(rows
                .iter()
                .filter(|(h, r)| h == handoff_id && r.seq > after)
                .take(limit as usize)
                .map(|(_, r)| r.clone())
                .collect())
        }
    }

    fn names(frames: &[Frame]) -> Vec<(i64, &'static str)> {
        frames
            .iter()
            .filter_map(|f| match f {
                Frame::Event { id, name, .. } => Some((*id, *name)),
                Frame::KeepAlive => None,
            })
            .collect()
    }

    #[tokio::test]
    async fn pump_catches_up_then_follows_wakes_and_skips_the_customers_echo() {
        let log = MemLog::default();
        log.push("h1", Kind::AgentJoined, "");
        log.push("h1", Kind::Customer, "hello");
        log.push("h2", Kind::Agent, "other conversation");
        let (wake_tx, wake_rx) = futures_channel::mpsc::unbounded::<Wake>();
        let (frame_tx, mut frame_rx) = futures_channel::mpsc::unbounded::<Frame>();
        let task = async {
            pump(
                &log,
                wake_rx,
                "h1",
                Audience::Customer,
                0,
                Duration::from_secs(3600),
                frame_tx,
            )
            .await
        };
        let driver = async {
            let first = frame_rx.next().await;
            log.push("h1", Kind::Agent, "Hi, Alex here");
            wake_tx.unbounded_send(Wake::For("h2".into())).ok();
            wake_tx.unbounded_send(Wake::For("h1".into())).ok();
            let second = frame_rx.next().await;
            log.push("h1", Kind::Closed, "");
            wake_tx.unbounded_send(Wake::Lagged).ok();
            let third = frame_rx.next().await;
            drop(wake_tx);
            [first, second, third]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
        };
        let (ended, frames) = tokio::join!(task, driver);
        assert!(ended.is_ok());
        assert_eq!(
            names(&frames),
            vec![(1, "agent_joined"), (4, "message"), (5, "closed")]
        );
        let Frame::Event { data, .. } = &frames[1] else {
            unreachable!("checked above")
        };
        let v: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
        assert_eq!(v["role"], "agent");
        assert_eq!(v["text"], "Hi, Alex here");
    }

    #[tokio::test]
    async fn pump_for_the_agent_includes_customer_messages_and_ends_with_the_sink() {
        let log = MemLog::default();
        log.push("h1", Kind::Customer, "still broken");
        let (_wake_tx, wake_rx) = futures_channel::mpsc::unbounded::<Wake>();
        let (frame_tx, mut frame_rx) = futures_channel::mpsc::channel::<Frame>(1);
        let task = pump(
            &log,
            wake_rx,
            "h1",
            Audience::Agent,
            0,
            Duration::from_millis(5),
            frame_tx,
        );
        let driver = async {
            let first = frame_rx.next().await;
            let keepalive = frame_rx.next().await;
            drop(frame_rx);
            (first, keepalive)
        };
        let (ended, (first, keepalive)) = tokio::join!(task, driver);
        assert!(matches!(ended, Err(PumpError::Sink(_))));
        assert!(matches!(
            first,
            Some(Frame::Event {
                name: "message",
                ..
            })
        ));
        assert_eq!(keepalive, Some(Frame::KeepAlive));
    }

    #[test]
    fn texts_are_checked() {
        assert!(check_text("  ").is_err());
        assert!(check_text("a\u{0}b").is_err());
        assert!(check_text(&"x".repeat(4001)).is_err());
        assert_eq!(check_text(" hi \n").ok(), Some("hi"));
    }
}
