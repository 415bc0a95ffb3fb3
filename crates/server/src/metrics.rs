//! `/metrics`: counters and a latency histogram in Prometheus text format, no dependencies.
//!
//! Counters are process-local atomics (each instance reports its own, as Prometheus expects);
//! queue and outbox sizes are read from the database at scrape time.
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Upper bounds (seconds) of the ingest latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Process-local counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Handoffs stored for the first time.
    pub handoffs_new: AtomicU64,
    /// Duplicate handoffs answered from the store.
    pub handoffs_duplicate: AtomicU64,
    /// Handoffs refused (4xx).
    pub handoffs_rejected: AtomicU64,
    /// Handoffs whose claimed reasons the engine did not re-derive exactly.
    pub reasons_mismatch: AtomicU64,
    /// Texts in which the server found and redacted a card number or IBAN the browser missed.
    pub redacted_on_server: AtomicU64,
    /// Handoffs with a verified identity.
    pub identity_verified: AtomicU64,
    /// Handoffs whose `user_hash` was present but wrong.
    pub identity_forged: AtomicU64,
    /// Conversations started.
    pub conversations_started: AtomicU64,
    /// Events logged.
    pub events: AtomicU64,
    /// CSAT ratings.
    pub csat: AtomicU64,
    /// Webhook deliveries that succeeded.
    pub webhook_delivered: AtomicU64,
    /// Webhook attempts that failed (will retry).
    pub webhook_failed: AtomicU64,
    /// Webhook deliveries given up (dead-lettered).
    pub webhook_dead: AtomicU64,
    /// CRM lookups that failed or timed out.
    pub crm_errors: AtomicU64,
    /// 5xx answers.
    pub server_errors: AtomicU64,
    ingest_buckets: [AtomicU64; BUCKETS.len()],
    ingest_count: AtomicU64,
    ingest_sum_us: AtomicU64,
}

/// Sizes read from the database at scrape time.
#[derive(Debug, Default)]
pub struct Gauges {
    /// Webhook deliveries waiting.
    pub webhook_pending: i64,
    /// Dead letters.
    pub webhook_dead_letters: i64,
    /// Handoffs stored.
    pub handoffs_stored: i64,
}

impl Metrics {
    /// Records one `POST /v1/handoffs` duration.
    pub fn observe_ingest(&self, seconds: f64) {
        for (bound, bucket) in BUCKETS.iter().zip(&self.ingest_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.ingest_count.fetch_add(1, Relaxed);
        self.ingest_sum_us
            .fetch_add((seconds * 1_000_000.0) as u64, Relaxed);
    }

    /// Renders everything in Prometheus text exposition format 0.0.4.
    pub fn render(&self, g: &Gauges) -> String {
        let mut out = String::with_capacity(4096);
        let mut counter = |name: &str, help: &str, labels: &[(&str, &AtomicU64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (label, value) in labels {
                let _ = writeln!(out, "{name}{label} {}", value.load(Relaxed));
            }
        };
        counter(
            "baton_handoffs_total",
            "Handoff bundles received, by outcome.",
            &[
                ("{result=\"stored\"}", &self.handoffs_new),
                ("{result=\"duplicate\"}", &self.handoffs_duplicate),
                ("{result=\"rejected\"}", &self.handoffs_rejected),
            ],
        );
        counter(
            "baton_reasons_mismatch_total",
            "Handoffs whose reported reasons the server did not re-derive exactly.",
            &[("", &self.reasons_mismatch)],
        );
        counter(
            "baton_redacted_on_server_total",
            "Bundle texts in which the server redacted a secret the browser had left.",
            &[("", &self.redacted_on_server)],
        );
        counter(
            "baton_identity_total",
            "Customer identities checked, by result.",
            &[
                ("{result=\"verified\"}", &self.identity_verified),
                ("{result=\"forged\"}", &self.identity_forged),
            ],
        );
        counter(
            "baton_conversations_started_total",
            "Conversations started (self-resolved included).",
            &[("", &self.conversations_started)],
        );
        counter(
            "baton_events_total",
            "Conversation events logged.",
            &[("", &self.events)],
        );
        counter(
            "baton_csat_total",
            "CSAT ratings received.",
            &[("", &self.csat)],
        );
        counter(
            "baton_webhook_attempts_total",
            "Webhook delivery attempts, by result.",
            &[
                ("{result=\"delivered\"}", &self.webhook_delivered),
                ("{result=\"failed\"}", &self.webhook_failed),
                ("{result=\"dead\"}", &self.webhook_dead),
            ],
        );
        counter(
            "baton_crm_errors_total",
            "CRM lookups that failed or timed out.",
            &[("", &self.crm_errors)],
        );
        counter(
            "baton_http_server_errors_total",
            "5xx answers.",
            &[("", &self.server_errors)],
        );

        let _ = writeln!(
            out,
            "# HELP baton_ingest_seconds Time to answer POST /v1/handoffs.\n# TYPE baton_ingest_seconds histogram"
        );
        for (bound, bucket) in BUCKETS.iter().zip(&self.ingest_buckets) {
            let _ = writeln!(
                out,
                "baton_ingest_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Relaxed)
            );
        }
        let count = self.ingest_count.load(Relaxed);
        let _ = writeln!(out, "baton_ingest_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "baton_ingest_seconds_sum {}",
            self.ingest_sum_us.load(Relaxed) as f64 / 1_000_000.0
        );
        let _ = writeln!(out, "baton_ingest_seconds_count {count}");

        let mut gauge = |name: &str, help: &str, value: i64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        gauge(
            "baton_handoffs_stored",
            "Handoffs in the database.",
            g.handoffs_stored,
        );
        gauge(
            "baton_webhook_pending",
            "Webhook deliveries waiting.",
            g.webhook_pending,
        );
        gauge(
            "baton_webhook_dead_letters",
            "Webhook deliveries given up.",
            g.webhook_dead_letters,
        );
        out
    }
}
