//! The outbox: every request that must reach the server (the handoff bundle above all) is
//! queued here first and retried with exponential backoff and jitter until the server
//! acknowledges it — across network failures and page reloads (the queue is persisted in
//! `localStorage` by `storage.rs`). The server is idempotent on the bundle id, which travels
//! as `Idempotency-Key`, so a retry after a lost answer never makes a second ticket; a
//! customer message after handoff travels with its entry key the same way, so a retry is
//! stored and relayed to the agent once.
//!
//! This module is pure: time is passed in and jitter comes from a seeded RNG, so the retry
//! schedule is unit-tested without a browser or a clock.
use baton_engine::Millis;
use serde::{Deserialize, Serialize};

use crate::ids::Rng;

/// First retry delay.
const BASE_MS: u64 = 1_000;
/// Longest delay between two attempts.
const CAP_MS: u64 = 60_000;

/// What a queued request is, so the app knows what an acknowledgement means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `POST /v1/conversations`.
    Conversation,
    /// `POST /v1/conversations/{id}/events`.
    Event,
    /// `POST /v1/handoffs` — the answer carries the live-channel token.
    Handoff,
    /// `POST /v1/conversations/{id}/messages` after handoff.
    Message,
    /// `POST /v1/csat`.
    Csat,
}

/// One request waiting for an acknowledgement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Unique within the outbox; for a handoff, the bundle id. Sent as `Idempotency-Key`
    /// for the kinds the server deduplicates (see `idempotency_key`).
    pub key: String,
    /// What it is.
    pub kind: Kind,
    /// Absolute or endpoint-relative URL.
    pub url: String,
    /// JSON body.
    pub body: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Not before this time.
    pub next_at: Millis,
    /// True while a request is on the wire (not persisted: a reload means it was lost).
    #[serde(skip)]
    pub in_flight: bool,
}

impl Entry {
    /// The `Idempotency-Key` header to send: the key, for the requests the server stores
    /// once per key (bundles and customer messages; the rest are harmless to repeat).
    /// Derived from the kind rather than stored, so entries persisted by an older build
    /// get it too.
    pub fn idempotency_key(&self) -> Option<&str> {
        matches!(self.kind, Kind::Handoff | Kind::Message).then_some(self.key.as_str())
    }
}

/// How one attempt ended, from the HTTP status (`None` = network error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// 2xx: done, drop it.
    Acked,
    /// Network error, 408, 429 or 5xx: try again later.
    Retry,
    /// Another 4xx: the server will never accept it; drop it rather than retry forever.
    Rejected,
}

impl Delivery {
    /// Classifies an HTTP status.
    pub fn from_status(status: Option<u16>) -> Delivery {
        match status {
            Some(200..=299) => Delivery::Acked,
            Some(408 | 425 | 429) | Some(500..) | None => Delivery::Retry,
            Some(_) => Delivery::Rejected,
        }
    }
}

/// Equal jitter: half of `BASE_MS · 2^attempts` (at most `cap`) fixed, half random.
fn jittered(attempts: u32, cap: u64, rng: &mut Rng) -> u64 {
    let exp = BASE_MS.saturating_mul(1u64 << attempts.min(16)).min(cap);
    exp / 2 + rng.below(exp / 2 + 1)
}

/// When to reopen the live channel after it failed (server gone, restarted, or an older
/// one without the endpoint). The widget closes the browser's `EventSource` on its first
/// error — left alone it retries every few seconds forever, each attempt a console error —
/// and reopens it on this schedule instead (resuming with `?after=`), so a long outage costs
/// a handful of lines, not hundreds, and the customer is told once it looks lasting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconnect {
    failures: u32,
}

impl Reconnect {
    /// Failures in a row after which the customer sees that live chat is unavailable.
    pub const UNAVAILABLE_AFTER: u32 = 3;
    /// Longest wait between two attempts.
    pub const CAP_MS: u64 = 300_000;

    /// The stream opened: back to a clean slate.
    pub fn opened(&mut self) {
        self.failures = 0;
    }

    /// The stream failed; returns how long to wait before reopening it.
    pub fn failed(&mut self, rng: &mut Rng) -> u64 {
        let wait = jittered(self.failures, Self::CAP_MS, rng);
        self.failures = self.failures.saturating_add(1);
        wait
    }

    /// True once the failures look lasting rather than a blip.
    pub fn unavailable(&self) -> bool {
        self.failures >= Self::UNAVAILABLE_AFTER
    }
}

/// The queue, in FIFO order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    entries: Vec<Entry>,
    rng: Rng,
}

impl Outbox {
    /// An empty outbox whose jitter comes from `seed`.
    pub fn new(seed: u64) -> Self {
        Outbox {
            entries: Vec::new(),
            rng: Rng::seeded(seed),
        }
    }

    /// Queues a request, due at once. A key already queued is not queued twice.
    pub fn push(&mut self, now: Millis, kind: Kind, key: String, url: String, body: String) {
        if self.entries.iter().any(|e| e.key == key) {
            return;
        }
        self.entries.push(Entry {
            key,
            kind,
            url,
            body,
            attempts: 0,
            next_at: now,
            in_flight: false,
        });
    }

    /// Everything queued.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// True if nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True if a request of this kind is still waiting for its acknowledgement.
    pub fn has_pending(&self, kind: Kind) -> bool {
        self.entries.iter().any(|e| e.kind == kind)
    }

    /// Entries to send now, marked in flight. Messages keep their order: a later one is not
    /// sent while an earlier one is still waiting; nothing is sent after an unacknowledged
    /// conversation start, which everything later refers to.
    pub fn due(&mut self, now: Millis) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut earlier_message = false;
        for e in &mut self.entries {
            if e.kind == Kind::Message {
                if earlier_message {
                    continue;
                }
                earlier_message = true;
            }
            if !e.in_flight && e.next_at <= now {
                e.in_flight = true;
                out.push(e.clone());
            }
            if e.kind == Kind::Conversation {
                // The conversation must exist on the server before anything that refers to it.
                break;
            }
        }
        out
    }

    /// Records how an attempt ended; returns the delivery class.
    pub fn settle(&mut self, now: Millis, key: &str, status: Option<u16>) -> Delivery {
        let delivery = Delivery::from_status(status);
        match delivery {
            Delivery::Acked | Delivery::Rejected => self.entries.retain(|e| e.key != key),
            Delivery::Retry => {
                let delay = self.backoff_delay(key);
                if let Some(e) = self.entries.iter_mut().find(|e| e.key == key) {
                    e.in_flight = false;
                    e.attempts = e.attempts.saturating_add(1);
                    e.next_at = Millis(now.0.saturating_add(delay));
                }
            }
        }
        delivery
    }

    /// Makes every waiting entry due now (the browser came back online).
    pub fn retry_now(&mut self, now: Millis) {
        for e in &mut self.entries {
            if !e.in_flight {
                e.next_at = e.next_at.min(now);
            }
        }
    }

    /// When the next entry falls due (`None` if nothing waits or everything is in flight):
    /// the app sets a timer for it, like `poll_timeout` in quinn.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.entries
            .iter()
            .filter(|e| !e.in_flight)
            .map(|e| e.next_at)
            .min()
    }

    /// Equal jitter: half the exponential delay fixed, half random, capped at a minute.
    fn backoff_delay(&mut self, key: &str) -> u64 {
        let attempts = self
            .entries
            .iter()
            .find(|e| e.key == key)
            .map_or(0, |e| e.attempts);
        jittered(attempts, CAP_MS, &mut self.rng)
    }

    /// Restores a persisted outbox; anything unreadable is dropped rather than trusted.
    pub fn restore(json: &str, seed: u64) -> Outbox {
        match serde_json::from_str::<Outbox>(json) {
            Ok(mut o) => {
                o.rng = Rng::seeded(seed);
                o
            }
            Err(_) => Outbox::new(seed),
        }
    }

    /// Serializes for `localStorage`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox_with(kind: Kind, key: &str) -> Outbox {
        let mut o = Outbox::new(1);
        o.push(
            Millis(0),
            kind,
            key.into(),
            "/v1/handoffs".into(),
            "{}".into(),
        );
        o
    }

    #[test]
    fn new_entry_is_due_at_once_and_not_twice_while_in_flight() {
        let mut o = outbox_with(Kind::Handoff, "b1");
        let due = o.due(Millis(0));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].idempotency_key(), Some("b1"));
        assert!(o.due(Millis(0)).is_empty());
        assert_eq!(o.poll_timeout(), None);
    }

    #[test]
    fn bundles_and_messages_carry_their_key_as_idempotency_key() {
        let mut o = Outbox::new(1);
        for (kind, key) in [
            (Kind::Handoff, "b1"),
            (Kind::Message, "msg:c:5:1"),
            (Kind::Event, "ev:1"),
            (Kind::Csat, "csat:c"),
            (Kind::Conversation, "conv:c"),
        ] {
            o.push(Millis(0), kind, key.into(), "/x".into(), "{}".into());
        }
        let keys: Vec<_> = o
            .entries()
            .iter()
            .map(|e| e.idempotency_key().map(str::to_owned))
            .collect();
        assert_eq!(
            keys,
            [
                Some("b1".into()),
                Some("msg:c:5:1".into()),
                None,
                None,
                None
            ]
        );
        // An entry persisted by a build that stored an `idempotent` flag still restores.
        let old = r#"{"entries":[{"key":"msg:c:9","kind":"message","url":"/m","body":"{}",
            "idempotent":false,"attempts":2,"next_at":5}],"rng":1}"#;
        let restored = Outbox::restore(old, 1);
        assert_eq!(restored.entries()[0].idempotency_key(), Some("msg:c:9"));
    }

    #[test]
    fn same_key_is_queued_once() {
        let mut o = outbox_with(Kind::Handoff, "b1");
        o.push(
            Millis(5),
            Kind::Handoff,
            "b1".into(),
            "/x".into(),
            "{}".into(),
        );
        assert_eq!(o.entries().len(), 1);
    }

    #[test]
    fn ack_removes_reject_removes_failure_backs_off() {
        let mut o = outbox_with(Kind::Handoff, "b1");
        o.due(Millis(0));
        assert_eq!(o.settle(Millis(0), "b1", None), Delivery::Retry);
        let first = o.poll_timeout().unwrap().0;
        assert!((500..=1_000).contains(&first), "{first}");
        assert!(o.due(Millis(first - 1)).is_empty());
        assert_eq!(o.due(Millis(first)).len(), 1);
        assert_eq!(o.settle(Millis(first), "b1", Some(503)), Delivery::Retry);
        let second = o.poll_timeout().unwrap().0 - first;
        assert!((1_000..=2_000).contains(&second), "{second}");
        o.due(Millis(100_000));
        assert_eq!(o.settle(Millis(100_000), "b1", Some(201)), Delivery::Acked);
        assert!(o.is_empty());

        let mut o = outbox_with(Kind::Csat, "c");
        o.due(Millis(0));
        assert_eq!(o.settle(Millis(0), "c", Some(422)), Delivery::Rejected);
        assert!(o.is_empty());
    }

    #[test]
    fn backoff_is_capped_and_jittered_deterministically() {
        let run = |seed| {
            let mut o = Outbox::new(seed);
            o.push(
                Millis(0),
                Kind::Handoff,
                "b".into(),
                "/".into(),
                "{}".into(),
            );
            let mut now = 0;
            let mut delays = Vec::new();
            for _ in 0..12 {
                o.due(Millis(now));
                o.settle(Millis(now), "b", None);
                let next = o.poll_timeout().unwrap().0;
                delays.push(next - now);
                now = next;
            }
            delays
        };
        let a = run(9);
        assert_eq!(a, run(9));
        assert_ne!(a, run(10));
        assert!(a.iter().all(|d| *d <= CAP_MS));
        assert!(a[11] >= CAP_MS / 2);
    }

    #[test]
    fn live_reconnects_back_off_report_lasting_failure_and_reset_on_open() {
        let mut r = Reconnect::default();
        let mut rng = Rng::seeded(4);
        let waits: Vec<u64> = (0..12).map(|_| r.failed(&mut rng)).collect();
        assert!((500..=1_000).contains(&waits[0]), "{waits:?}");
        assert!((1_000..=2_000).contains(&waits[1]), "{waits:?}");
        assert!(waits.iter().all(|w| *w <= Reconnect::CAP_MS));
        assert!(waits[11] >= Reconnect::CAP_MS / 2, "{waits:?}");
        // An hour of outage is a few dozen attempts, not one every three seconds.
        let mut r2 = Reconnect::default();
        let (mut t, mut n) = (0, 0);
        while t < 3_600_000 {
            t += r2.failed(&mut rng);
            n += 1;
        }
        assert!(n < 30, "{n} attempts in an hour");
        assert!(r.unavailable());
        r.opened();
        assert!(!r.unavailable());
        r.failed(&mut rng);
        r.failed(&mut rng);
        assert!(!r.unavailable(), "two blips are not an outage");
        r.failed(&mut rng);
        assert!(r.unavailable());
    }

    #[test]
    fn messages_stay_in_order() {
        let mut o = Outbox::new(3);
        o.push(
            Millis(0),
            Kind::Message,
            "m1".into(),
            "/m".into(),
            "1".into(),
        );
        o.push(
            Millis(0),
            Kind::Message,
            "m2".into(),
            "/m".into(),
            "2".into(),
        );
        o.push(Millis(0), Kind::Csat, "c".into(), "/c".into(), "3".into());
        let keys: Vec<_> = o.due(Millis(0)).into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["m1", "c"]);
        o.settle(Millis(0), "m1", None);
        assert!(o.due(Millis(1)).is_empty(), "m2 must wait for m1");
        o.retry_now(Millis(1));
        assert_eq!(o.due(Millis(1)).len(), 1);
        o.settle(Millis(1), "m1", Some(202));
        let keys: Vec<_> = o.due(Millis(2)).into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["m2"]);
    }

    #[test]
    fn conversation_start_goes_first() {
        let mut o = Outbox::new(3);
        o.push(
            Millis(0),
            Kind::Conversation,
            "c".into(),
            "/c".into(),
            "{}".into(),
        );
        o.push(
            Millis(0),
            Kind::Handoff,
            "h".into(),
            "/h".into(),
            "{}".into(),
        );
        let keys: Vec<_> = o.due(Millis(0)).into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["c"]);
        assert!(
            o.due(Millis(0)).is_empty(),
            "handoff waits while the start is in flight"
        );
        o.settle(Millis(0), "c", Some(201));
        let keys: Vec<_> = o.due(Millis(0)).into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["h"]);
    }

    #[test]
    fn survives_a_reload_but_not_garbage() {
        let mut o = outbox_with(Kind::Handoff, "b1");
        o.due(Millis(0));
        let restored = Outbox::restore(&o.to_json(), 2);
        assert_eq!(restored.entries().len(), 1);
        assert!(
            !restored.entries()[0].in_flight,
            "a reload loses the request on the wire"
        );
        assert!(Outbox::restore("{not json", 2).is_empty());
    }
}
