//! The server's customer store: what enrichment adds to a verified customer.
use sqlx::Row;

use super::Db;
use crate::config::CustomerRecord;

impl Db {
    /// Inserts or refreshes a customer record (site config seed, CRM import).
    pub async fn upsert_customer(
        &self,
        site: &str,
        c: &CustomerRecord,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let attributes = serde_json::to_string(&c.attributes).unwrap_or_else(|_| "{}".into());
        let orders = serde_json::to_string(&c.orders).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO customers (site, id, email, name, account_status, attributes, orders, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (site, id) DO UPDATE \
             SET email = excluded.email, name = excluded.name, \
             account_status = excluded.account_status, attributes = excluded.attributes, \
             orders = excluded.orders, updated_at = excluded.updated_at",
        )
        .bind(site)
        .bind(&c.id)
        .bind(c.email.as_deref())
        .bind(c.name.as_deref())
        .bind(c.account_status.as_deref())
        .bind(attributes)
        .bind(orders)
        .bind(now)
        .execute(self.write())
        .await
        .map(|_| ())
    }

    /// A customer record by the site's customer id.
    pub async fn customer(
        &self,
        site: &str,
        id: &str,
    ) -> Result<Option<CustomerRecord>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, email, name, account_status, attributes, orders FROM customers \
             WHERE site = $1 AND id = $2",
        )
        .bind(site)
        .bind(id)
        .fetch_optional(self.read())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let attributes: String = r.try_get(4)?;
        let orders: String = r.try_get(5)?;
        Ok(Some(CustomerRecord {
            id: r.try_get(0)?,
            email: r.try_get(1)?,
            name: r.try_get(2)?,
            account_status: r.try_get(3)?,
            attributes: serde_json::from_str(&attributes)
                .map_err(|e| sqlx::Error::Decode(e.into()))?,
            orders: serde_json::from_str(&orders).map_err(|e| sqlx::Error::Decode(e.into()))?,
        }))
    }
}
