//! Retention: what customers wrote is deleted after the site's `retention.transcript_days`.
//!
//! Counts survive (conversation rows, handoff rows with queue, status and times feed the
//! dashboard); texts do not: the bundle and summary of an old handoff are blanked, its live
//! messages, event details, webhook payloads and dead letters are deleted.
use super::Db;

/// What one purge removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Handoffs whose bundle was blanked.
    pub handoffs: u64,
    /// Live messages deleted.
    pub messages: u64,
    /// Event rows deleted.
    pub events: u64,
    /// Webhook deliveries and dead letters deleted.
    pub deliveries: u64,
}

/// The bundle text of a purged handoff.
pub const PURGED_BUNDLE: &str = r#"{"purged":true}"#;

impl Db {
    /// Purges `site`'s texts received before `cutoff` (Unix ms).
    pub async fn purge_before(&self, site: &str, cutoff: i64) -> Result<Purged, sqlx::Error> {
        let mut tx = self.write().begin().await?;
        let handoffs = sqlx::query(
            "UPDATE handoffs SET bundle = $3, summary = '', verification = '{}', \
             customer_id = NULL WHERE site = $1 AND received_at < $2 AND bundle <> $3",
        )
        .bind(site)
        .bind(cutoff)
        .bind(PURGED_BUNDLE)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let messages = sqlx::query("DELETE FROM messages WHERE site = $1 AND at < $2")
            .bind(site)
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let events =
            sqlx::query("DELETE FROM conversation_events WHERE site = $1 AND received_at < $2")
                .bind(site)
                .bind(cutoff)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        let mut deliveries =
            sqlx::query("DELETE FROM webhook_dead_letters WHERE site = $1 AND failed_at < $2")
                .bind(site)
                .bind(cutoff)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        deliveries +=
            sqlx::query("DELETE FROM webhook_deliveries WHERE site = $1 AND created_at < $2")
                .bind(site)
                .bind(cutoff)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        Ok(Purged {
            handoffs,
            messages,
            events,
            deliveries,
        })
    }
}
