//! Live events across instances: Postgres `LISTEN/NOTIFY` carries every instance's wake-ups
//! to its peers when several `baton serve` share one database.
//!
//! Each instance keeps its in-process channels (`Relay` wake-ups for live conversations,
//! `AppState::events` for the console's queue views) and this task bridges them:
//!
//! - **out**: it subscribes to both local channels and sends what it sees as one `NOTIFY` on
//!   [`CHANNEL`], tagged with this instance's random id, batching whatever is pending into one
//!   payload so a burst of handoffs costs one round trip, not one each;
//! - **in**: it `LISTEN`s on a connection of its own and re-publishes a peer's events locally
//!   (its own come back too, and are skipped by the tag).
//!
//! A re-published event is seen again by the out side (it is a subscriber of the same local
//! channel); [`Echoes`] counts what was injected so it is not sent back — otherwise two
//! instances would bounce every event forever.
//!
//! Wake-ups are hints: the message log and the queues live in the database and every live
//! stream re-reads it (see `relay`), so a notification lost while the listener reconnects
//! costs at most a delay. After a reconnect the task wakes every conversation that had a
//! message recently, which covers the gap.
use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use tokio::sync::{broadcast, watch};

use crate::relay::{Relay, Wake};
use crate::state::{AppState, ServerEvent};

/// The `LISTEN/NOTIFY` channel every instance uses.
pub const CHANNEL: &str = "baton_events";
/// Postgres refuses payloads of 8000 bytes or more; stay well below.
const MAX_PAYLOAD: usize = 7000;
/// After a listener reconnect, conversations with a message this recent are woken.
const CATCH_UP_MS: i64 = 120_000;

/// Why the bridge could not start.
#[derive(Debug, thiserror::Error)]
pub enum FanoutError {
    /// Connecting or `LISTEN` failed.
    #[error("live fan-out (LISTEN/NOTIFY): {0}")]
    Sqlx(#[from] sqlx::Error),
    /// No randomness for the instance id.
    #[error("live fan-out: no randomness for the instance id")]
    Rng,
}

/// One event as it travels between instances.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wire {
    /// A handoff's message log grew (`Relay::publish`).
    Relay(String),
    /// A handoff was stored (`ServerEvent::HandoffQueued`).
    Queued {
        /// Site id.
        site: String,
        /// Handoff id.
        id: String,
        /// Conversation id.
        conversation_id: String,
        /// Queue.
        queue: String,
    },
}

impl Wire {
    fn from_event(event: &ServerEvent) -> Wire {
        match event {
            ServerEvent::HandoffQueued {
                site,
                id,
                conversation_id,
                queue,
            } => Wire::Queued {
                site: site.clone(),
                id: id.clone(),
                conversation_id: conversation_id.clone(),
                queue: queue.clone(),
            },
        }
    }

    /// The key echo suppression counts by (relay ids repeat; handoff ids do not).
    fn key(&self) -> String {
        match self {
            Wire::Relay(id) => format!("r:{id}"),
            Wire::Queued { id, .. } => format!("q:{id}"),
        }
    }
}

/// One `NOTIFY` payload: who sent it and what happened.
#[derive(Debug, Serialize, Deserialize)]
struct Batch {
    /// Sending instance.
    from: String,
    /// Events, oldest first.
    events: Vec<Wire>,
}

/// Events this instance injected from peers and has not yet seen come back on its own
/// subscriptions: those must not be forwarded again.
#[derive(Debug, Default)]
pub struct Echoes {
    pending: HashMap<String, u32>,
}

impl Echoes {
    /// Most distinct keys remembered; a subscriber that lagged never sees some echoes, so the
    /// map is cleared rather than left to grow (at worst a few events travel twice, which
    /// costs a redundant re-read, not a wrong answer).
    const MAX: usize = 10_000;

    /// Notes that `wire` is about to be injected locally.
    pub fn injected(&mut self, wire: &Wire) {
        if self.pending.len() >= Self::MAX {
            self.pending.clear();
        }
        *self.pending.entry(wire.key()).or_default() += 1;
    }

    /// Whether a locally seen event is our own injection coming back (and forgets it).
    pub fn is_echo(&mut self, wire: &Wire) -> bool {
        let key = wire.key();
        match self.pending.get_mut(&key) {
            Some(n) if *n > 1 => {
                *n -= 1;
                true
            }
            Some(_) => {
                self.pending.remove(&key);
                true
            }
            None => false,
        }
    }
}

/// Splits events into payloads below `MAX_PAYLOAD` bytes each.
fn payloads(from: &str, events: Vec<Wire>) -> Vec<String> {
    let mut out = Vec::new();
    let mut batch = Batch {
        from: from.to_owned(),
        events: Vec::new(),
    };
    let mut size = from.len() + 32;
    for event in events {
        let len = serde_json::to_string(&event).map_or(0, |s| s.len() + 1);
        if !batch.events.is_empty() && size + len > MAX_PAYLOAD {
            out.extend(serde_json::to_string(&batch).ok());
            batch.events.clear();
            size = from.len() + 32;
        }
        if len + from.len() + 32 > MAX_PAYLOAD {
            // Ids are short; an event this large is not ours to send.
            continue;
        }
        size += len;
        batch.events.push(event);
    }
    if !batch.events.is_empty() {
        out.extend(serde_json::to_string(&batch).ok());
    }
    out
}

/// Starts the bridge for `state` on the Postgres database at `url`; runs until `shutdown`.
/// Fails if the first connection or `LISTEN` fails (the instance would be deaf otherwise).
pub async fn spawn(
    url: &str,
    state: &AppState,
    shutdown: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<()>, FanoutError> {
    let mut raw = [0u8; 8];
    getrandom::getrandom(&mut raw).map_err(|_| FanoutError::Rng)?;
    let instance = hex::encode(raw);
    // Two connections: one held by the listener, one for sending.
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await?;
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen(CHANNEL).await?;
    let bridge = Bridge {
        instance,
        pool,
        relay: state.relay.clone(),
        events: state.events.clone(),
        echoes: Echoes::default(),
    };
    Ok(tokio::spawn(bridge.run(listener, shutdown)))
}

struct Bridge {
    instance: String,
    pool: PgPool,
    relay: Relay,
    events: broadcast::Sender<ServerEvent>,
    echoes: Echoes,
}

impl Bridge {
    async fn run(mut self, mut listener: PgListener, mut shutdown: watch::Receiver<bool>) {
        let mut wakes = self.relay.subscribe();
        let mut events = self.events.subscribe();
        let mut outbox: Vec<Wire> = Vec::new();
        loop {
            tokio::select! {
                biased;
                _ = shutdown.changed() => return,
                got = listener.try_recv() => match got {
                    Ok(Some(n)) => self.inject(n.payload()),
                    Ok(None) => {
                        tracing::warn!("live fan-out: listener reconnected; waking recent conversations");
                        self.catch_up().await;
                    }
                    Err(e) => {
                        tracing::warn!("live fan-out: listener: {e}");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                },
                wake = wakes.next() => match wake {
                    Some(Wake::For(id)) => self.outgoing(Wire::Relay(id), &mut outbox),
                    // Lost some of our own wake-ups: peers re-read on their next one.
                    Some(Wake::Lagged) => {}
                    None => return,
                },
                event = events.recv() => match event {
                    Ok(e) => self.outgoing(Wire::from_event(&e), &mut outbox),
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            }
            if outbox.is_empty() {
                continue;
            }
            // Take everything else already waiting so a burst leaves in one payload.
            while let Some(Some(wake)) = futures_util::FutureExt::now_or_never(wakes.next()) {
                if let Wake::For(id) = wake {
                    self.outgoing(Wire::Relay(id), &mut outbox);
                }
            }
            while let Ok(e) = events.try_recv() {
                self.outgoing(Wire::from_event(&e), &mut outbox);
            }
            self.send(std::mem::take(&mut outbox)).await;
        }
    }

    fn outgoing(&mut self, wire: Wire, outbox: &mut Vec<Wire>) {
        if !self.echoes.is_echo(&wire) {
            outbox.push(wire);
        }
    }

    async fn send(&self, events: Vec<Wire>) {
        for payload in payloads(&self.instance, events) {
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(&payload)
                .execute(&self.pool)
                .await;
            if let Err(e) = sent {
                // Peers' streams still catch up on their next wake-up or reconnect.
                tracing::warn!("live fan-out: NOTIFY failed: {e}");
            }
        }
    }

    fn inject(&mut self, payload: &str) {
        let Ok(batch) = serde_json::from_str::<Batch>(payload) else {
            tracing::warn!("live fan-out: ignoring a malformed notification");
            return;
        };
        if batch.from == self.instance {
            return;
        }
        for wire in batch.events {
            self.echoes.injected(&wire);
            match wire {
                Wire::Relay(id) => self.relay.publish(&id),
                Wire::Queued {
                    site,
                    id,
                    conversation_id,
                    queue,
                } => {
                    // Never fails: this bridge is itself subscribed.
                    let _ = self.events.send(ServerEvent::HandoffQueued {
                        site,
                        id,
                        conversation_id,
                        queue,
                    });
                }
            }
        }
    }

    /// Wakes every conversation with a recent message: notifications sent while the
    /// listener was reconnecting are gone.
    async fn catch_up(&mut self) {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
            - CATCH_UP_MS;
        let ids: Result<Vec<String>, _> =
            sqlx::query_scalar("SELECT DISTINCT handoff_id FROM messages WHERE at >= $1")
                .bind(since)
                .fetch_all(&self.pool)
                .await;
        match ids {
            Ok(ids) => {
                for id in ids {
                    // Local only: every peer runs its own catch-up if it lost anything.
                    let wire = Wire::Relay(id);
                    self.echoes.injected(&wire);
                    if let Wire::Relay(id) = wire {
                        self.relay.publish(&id);
                    }
                }
            }
            Err(e) => tracing::warn!("live fan-out: catch-up query failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_are_counted_per_key() {
        let mut e = Echoes::default();
        let r = Wire::Relay("h1".into());
        e.injected(&r);
        e.injected(&r);
        assert!(e.is_echo(&r));
        assert!(e.is_echo(&r));
        assert!(!e.is_echo(&r), "a third, local, publish is forwarded");
        assert!(!e.is_echo(&Wire::Relay("h2".into())));
    }

    #[test]
    fn payloads_stay_below_the_postgres_limit_and_keep_every_event() {
        let events: Vec<Wire> = (0..500)
            .map(|i| Wire::Queued {
                site: "demo".into(),
                id: format!("0190f0aa-0000-7000-8000-{i:012}"),
                conversation_id: format!("conv-{i}"),
                queue: "billing".into(),
            })
            .collect();
        let out = payloads("abcd", events.clone());
        assert!(out.len() > 1);
        let mut back = Vec::new();
        for p in &out {
            assert!(p.len() < 8000, "{}", p.len());
            let b: Batch = serde_json::from_str(p).unwrap_or_else(|e| panic!("{e}: {p}"));
            assert_eq!(b.from, "abcd");
            back.extend(b.events);
        }
        assert_eq!(back, events);
    }
}
