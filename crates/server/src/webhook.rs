//! Webhooks: payloads in helpdesk (whole bundle) and Slack incoming-webhook format, delivered
//! by a background task with retries, exponential backoff and a dead-letter table.
//!
//! Ingest only writes rows to `webhook_deliveries` inside the handoff's own transaction (so a
//! handoff and its deliveries are stored together or not at all) and pokes the worker; the
//! worker never runs on the request path, so a dead webhook target cannot slow ingest.
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use baton_engine::HandoffV1;
use futures_util::future::join_all;
use tokio::sync::watch;

use crate::config::{Site, WebhookKind};
use crate::db::{Delivery, NewDelivery};
use crate::state::AppState;

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claim lasts before another instance may retry the delivery.
const LEASE_MS: i64 = 60_000;
/// Deliveries claimed per round.
const BATCH: i64 = 32;
/// Longest wait between two attempts.
const MAX_BACKOFF_MS: i64 = 15 * 60 * 1000;

/// The deliveries a new handoff triggers (webhooks filtered by queue).
pub fn deliveries_for(site: &Site, bundle: &HandoffV1, now: i64) -> Vec<NewDelivery> {
    site.webhooks
        .iter()
        .filter(|w| w.queues.is_empty() || w.queues.contains(&bundle.route.queue))
        .map(|w| NewDelivery {
            handoff_id: bundle.id.clone(),
            site: site.id.clone(),
            webhook: w.name.clone(),
            kind: w.kind.as_str().to_owned(),
            url: w.url.clone(),
            payload: payload(w.kind, site, bundle),
            max_attempts: i64::from(w.max_attempts),
            now,
        })
        .collect()
}

/// The request body for one webhook kind.
pub fn payload(kind: WebhookKind, site: &Site, bundle: &HandoffV1) -> String {
    let value = match kind {
        WebhookKind::Helpdesk => serde_json::json!({
            "event": "handoff.queued",
            "site": site.id,
            "handoff": bundle,
        }),
        WebhookKind::Slack => {
            let reasons: Vec<String> = bundle
                .reasons
                .iter()
                .filter_map(|r| serde_json::to_value(r.trigger).ok())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            let who = bundle
                .customer
                .name
                .as_deref()
                .or(bundle.customer.email.as_deref())
                .unwrap_or("A customer");
            let priority = serde_json::to_value(bundle.route.priority)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let text = format!(
                "*{}* needs a person ({}), queue *{}*, priority *{}*{}\n>{}",
                slack_escape(who),
                slack_escape(&reasons.join(", ")),
                slack_escape(&bundle.route.queue),
                priority,
                if bundle.customer.verified {
                    ", verified customer"
                } else {
                    ""
                },
                slack_escape(&bundle.summary).replace('\n', "\n>"),
            );
            serde_json::json!({ "text": text })
        }
    };
    value.to_string()
}

/// Slack treats `<…>` as links and mentions (`<!channel>`): customer text must not ping.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Delay before attempt `attempts + 1`: 2 s, 4 s, 8 s … capped at 15 minutes.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 20) as u32;
    (1000i64 << (exp + 1)).min(MAX_BACKOFF_MS)
}

/// Runs until `shutdown` flips to true, delivering whatever is due.
pub async fn run_worker(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let now = state.clock.now().0 as i64;
        let claimed = match state.db.claim_deliveries(now, LEASE_MS, BATCH).await {
            Ok(c) => c,
            Err(err) => {
                tracing::warn!("webhook worker: cannot claim deliveries: {err}");
                Vec::new()
            }
        };
        let full_batch = claimed.len() as i64 == BATCH;
        join_all(claimed.into_iter().map(|d| attempt(&state, d))).await;
        if full_batch {
            continue;
        }
        let wait = match state.db.next_delivery_due().await {
            Ok(Some(due)) => {
                Duration::from_millis((due - state.clock.now().0 as i64).clamp(10, 60_000) as u64)
            }
            Ok(None) => Duration::from_secs(60),
            Err(_) => Duration::from_secs(5),
        };
        tokio::select! {
            _ = state.webhook_wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
    }
}

async fn attempt(state: &AppState, d: Delivery) {
    let result = state
        .http
        .post(&d.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", format!("{}:{}", d.handoff_id, d.webhook))
        .timeout(ATTEMPT_TIMEOUT)
        .body(d.payload.clone())
        .send()
        .await;
    let error = match result {
        Ok(r) if r.status().is_success() => None,
        Ok(r) => Some(format!("HTTP {}", r.status())),
        Err(e) => Some(if e.is_timeout() {
            "timed out".to_owned()
        } else if e.is_connect() {
            "connection failed".to_owned()
        } else {
            e.to_string()
        }),
    };
    let now = state.clock.now().0 as i64;
    let m = &state.metrics;
    let stored = match error {
        None => {
            m.webhook_delivered.fetch_add(1, Relaxed);
            state.db.delivery_done(d.id).await
        }
        Some(error) if d.attempts + 1 >= d.max_attempts => {
            m.webhook_dead.fetch_add(1, Relaxed);
            tracing::warn!(webhook = %d.webhook, handoff = %d.handoff_id, "dead-lettered: {error}");
            state.db.delivery_dead(&d, &error, now).await
        }
        Some(error) => {
            m.webhook_failed.fetch_add(1, Relaxed);
            state
                .db
                .delivery_failed(d.id, &error, now + backoff_ms(d.attempts))
                .await
        }
    };
    if let Err(err) = stored {
        // The lease expires and the delivery is retried: at-least-once, never lost.
        tracing::warn!(
            "webhook worker: cannot record outcome of delivery {}: {err}",
            d.id
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(0), 2000);
        assert_eq!(backoff_ms(1), 4000);
        assert_eq!(backoff_ms(3), 16000);
        assert_eq!(backoff_ms(30), MAX_BACKOFF_MS);
    }

    #[test]
    fn slack_text_cannot_mention() {
        assert_eq!(slack_escape("<!channel> & co"), "&lt;!channel&gt; &amp; co");
    }
}
