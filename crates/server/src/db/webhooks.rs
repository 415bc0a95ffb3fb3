//! The webhook outbox: deliveries written with the handoff, claimed by a background task.
use sqlx::{Any, Row, Transaction};

use super::{Backend, Db};

/// A delivery to enqueue with a new handoff.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// Handoff id.
    pub handoff_id: String,
    /// Site id.
    pub site: String,
    /// Webhook name from the config.
    pub webhook: String,
    /// Payload format (`helpdesk` | `slack`).
    pub kind: String,
    /// Target URL.
    pub url: String,
    /// Request body.
    pub payload: String,
    /// Attempts before dead-lettering.
    pub max_attempts: i64,
    /// First attempt time (Unix ms).
    pub now: i64,
}

/// A claimed delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Row id.
    pub id: i64,
    /// Handoff id.
    pub handoff_id: String,
    /// Site id.
    pub site: String,
    /// Webhook name.
    pub webhook: String,
    /// Payload format.
    pub kind: String,
    /// Target URL.
    pub url: String,
    /// Request body.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// Attempts allowed in total.
    pub max_attempts: i64,
}

pub(super) async fn insert_delivery(
    tx: &mut Transaction<'static, Any>,
    d: &NewDelivery,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (handoff_id, site, webhook, kind, url, payload, \
         max_attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
         ON CONFLICT (handoff_id, webhook) DO NOTHING",
    )
    .bind(&d.handoff_id)
    .bind(&d.site)
    .bind(&d.webhook)
    .bind(&d.kind)
    .bind(&d.url)
    .bind(&d.payload)
    .bind(d.max_attempts)
    .bind(d.now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Db {
    /// Claims up to `limit` due deliveries for `lease_ms`; an instance that dies mid-delivery
    /// loses its claim when the lease runs out and another instance retries.
    pub async fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>, sqlx::Error> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET locked_until = $1 WHERE id IN (SELECT id FROM \
             webhook_deliveries WHERE next_attempt_at <= $2 AND locked_until <= $2 \
             ORDER BY next_attempt_at LIMIT $3{lock}) RETURNING id, handoff_id, site, webhook, \
             kind, url, payload, attempts, max_attempts"
        );
        let rows = sqlx::query(&sql)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(self.write())
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Delivery {
                    id: r.try_get(0)?,
                    handoff_id: r.try_get(1)?,
                    site: r.try_get(2)?,
                    webhook: r.try_get(3)?,
                    kind: r.try_get(4)?,
                    url: r.try_get(5)?,
                    payload: r.try_get(6)?,
                    attempts: r.try_get(7)?,
                    max_attempts: r.try_get(8)?,
                })
            })
            .collect()
    }

    /// The earliest time a delivery is due, so the worker sleeps exactly until then.
    pub async fn next_delivery_due(&self) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT MIN(CASE WHEN locked_until > next_attempt_at THEN locked_until \
             ELSE next_attempt_at END) FROM webhook_deliveries",
        )
        .fetch_one(self.read())
        .await
    }

    /// A delivery succeeded: it leaves the outbox.
    pub async fn delivery_done(&self, id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM webhook_deliveries WHERE id = $1")
            .bind(id)
            .execute(self.write())
            .await
            .map(|_| ())
    }

    /// A delivery failed; retry at `next_attempt_at`.
    pub async fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $2, \
             next_attempt_at = $3, locked_until = 0 WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(next_attempt_at)
        .execute(self.write())
        .await
        .map(|_| ())
    }

    /// A delivery failed for the last time: move it to the dead-letter table.
    pub async fn delivery_dead(
        &self,
        d: &Delivery,
        error: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO webhook_dead_letters (handoff_id, site, webhook, kind, url, payload, \
             attempts, last_error, created_at, failed_at) \
             SELECT handoff_id, site, webhook, kind, url, payload, attempts + 1, $2, created_at, $3 \
             FROM webhook_deliveries WHERE id = $1",
        )
        .bind(d.id)
        .bind(error)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE id = $1")
            .bind(d.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Deliveries waiting and dead-lettered, for `/metrics`.
    pub async fn delivery_counts(&self) -> Result<(i64, i64), sqlx::Error> {
        let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries")
            .fetch_one(self.read())
            .await?;
        let dead: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_dead_letters")
            .fetch_one(self.read())
            .await?;
        Ok((pending, dead))
    }
}
