//! Handoff rows: stored once per bundle id, once per conversation.
use sqlx::{Any, AnyPool, Row, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::webhooks::{insert_delivery, NewDelivery};
use super::Db;

/// Everything stored for a new handoff.
#[derive(Debug, Clone)]
pub struct NewHandoff {
    /// Bundle id (idempotency key).
    pub id: String,
    /// Site id.
    pub site: String,
    /// The widget's conversation id.
    pub conversation_id: String,
    /// Widget clock, Unix ms.
    pub created_at: i64,
    /// Server clock, Unix ms.
    pub received_at: i64,
    /// SHA-256 (hex) of the bundle as received.
    pub body_hash: String,
    /// The enriched bundle JSON.
    pub bundle: String,
    /// Routed queue.
    pub queue: String,
    /// Routed priority (snake_case name).
    pub priority: String,
    /// 0 low … 3 urgent.
    pub priority_rank: i64,
    /// Matching rule name.
    pub rule: String,
    /// JSON array of trusted triggers.
    pub triggers: String,
    /// JSON array of claimed triggers.
    pub claimed_triggers: String,
    /// Claimed and derived agree.
    pub reasons_match: bool,
    /// JSON verification report.
    pub verification: String,
    /// Customer id, if any.
    pub customer_id: Option<String>,
    /// Whether `user_hash` checked out.
    pub customer_verified: bool,
    /// The bundle summary.
    pub summary: String,
    /// The 201 response body.
    pub response: String,
    /// Page the conversation ran on (for the implicit conversation row).
    pub page_url: String,
    /// Page title.
    pub page_title: String,
    /// Page locale.
    pub locale: String,
}

/// What happened to an insert.
#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    /// Stored now.
    New,
    /// This id was stored before: its body hash and response.
    Duplicate {
        /// SHA-256 of the first bundle.
        body_hash: String,
        /// The first answer, verbatim.
        response: String,
    },
    /// Another bundle already escalated this conversation; its id.
    ConversationTaken(String),
}

/// A stored handoff as the console and webhooks see it.
#[derive(Debug, Clone)]
pub struct HandoffRow {
    /// Bundle id.
    pub id: String,
    /// Site.
    pub site: String,
    /// Conversation id.
    pub conversation_id: String,
    /// Server receive time.
    pub received_at: i64,
    /// Enriched bundle JSON.
    pub bundle: String,
    /// Queue.
    pub queue: String,
    /// Priority name.
    pub priority: String,
    /// queued | claimed | closed.
    pub status: String,
}

/// An earlier handoff of the same customer, as shown in `customer.prior_tickets`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PriorTicket {
    /// Handoff id.
    pub id: String,
    /// When it was received (Unix ms).
    pub at: i64,
    /// Queue it went to.
    pub queue: String,
    /// queued | claimed | closed.
    pub status: String,
    /// Its summary.
    pub summary: String,
}

/// How many queued handoffs one transaction may carry.
const BATCH: usize = 128;

/// One handoff waiting for the writer task.
pub(super) struct Job {
    handoff: NewHandoff,
    deliveries: Vec<NewDelivery>,
    reply: oneshot::Sender<Result<Inserted, sqlx::Error>>,
}

/// The writer task: group commit. Handoffs that arrive while a transaction runs are written
/// together in the next one, so under load each handoff costs a few statements, not a
/// transaction (and, on SQLite, not a turn on the single write connection each). A failed
/// batch is retried one handoff at a time, so every caller gets its own, true outcome.
pub(super) async fn run_writer(pool: AnyPool, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        match write_batch(&pool, &batch).await {
            Ok(inserted) => {
                for (job, new) in batch.drain(..).zip(inserted) {
                    let result = if new {
                        Ok(Inserted::New)
                    } else {
                        existing(&pool, &job.handoff).await
                    };
                    let _ = job.reply.send(result);
                }
            }
            // Storage itself is unavailable (locked, read-only, full): one-by-one retries
            // would each wait out the busy timeout again, so a batch of 128 would hold its
            // last caller for minutes. Everyone gets the 503 now and their client retries.
            Err(err) if super::is_unavailable(&err) => {
                let cause = err.to_string();
                for job in batch.drain(..) {
                    let again = sqlx::Error::Io(std::io::Error::other(cause.clone()));
                    let _ = job.reply.send(Err(again));
                }
            }
            Err(_) => {
                for job in batch.drain(..) {
                    let result = write_one(&pool, &job).await;
                    let _ = job.reply.send(result);
                }
            }
        }
    }
}

async fn write_batch(pool: &AnyPool, jobs: &[Job]) -> Result<Vec<bool>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut inserted = Vec::with_capacity(jobs.len());
    for job in jobs {
        inserted.push(insert_in(&mut tx, &job.handoff, &job.deliveries).await?);
    }
    tx.commit().await?;
    Ok(inserted)
}

async fn write_one(pool: &AnyPool, job: &Job) -> Result<Inserted, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let new = insert_in(&mut tx, &job.handoff, &job.deliveries).await?;
    tx.commit().await?;
    if new {
        Ok(Inserted::New)
    } else {
        existing(pool, &job.handoff).await
    }
}

/// Inserts one handoff with its conversation row and deliveries; `false` when a unique key
/// (bundle id, or site + conversation) already holds a row and nothing was written.
async fn insert_in(
    tx: &mut Transaction<'static, Any>,
    h: &NewHandoff,
    deliveries: &[NewDelivery],
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO handoffs (id, site, conversation_id, created_at, received_at, body_hash, \
         bundle, queue, priority, priority_rank, rule, triggers, claimed_triggers, \
         reasons_match, verification, customer_id, customer_verified, summary, response) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19) ON CONFLICT DO NOTHING",
    )
    .bind(&h.id)
    .bind(&h.site)
    .bind(&h.conversation_id)
    .bind(h.created_at)
    .bind(h.received_at)
    .bind(&h.body_hash)
    .bind(&h.bundle)
    .bind(&h.queue)
    .bind(&h.priority)
    .bind(h.priority_rank)
    .bind(&h.rule)
    .bind(&h.triggers)
    .bind(&h.claimed_triggers)
    .bind(i64::from(h.reasons_match))
    .bind(&h.verification)
    .bind(h.customer_id.as_deref())
    .bind(i64::from(h.customer_verified))
    .bind(&h.summary)
    .bind(&h.response)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO conversations (site, id, started_at, received_at, page_url, page_title, \
         locale, escalated) VALUES ($1, $2, $3, $4, $5, $6, $7, 1) \
         ON CONFLICT (site, id) DO UPDATE SET escalated = 1",
    )
    .bind(&h.site)
    .bind(&h.conversation_id)
    .bind(h.created_at)
    .bind(h.received_at)
    .bind(&h.page_url)
    .bind(&h.page_title)
    .bind(&h.locale)
    .execute(&mut **tx)
    .await?;
    for d in deliveries {
        insert_delivery(tx, d).await?;
    }
    Ok(true)
}

/// After a conflict: the stored twin of the bundle id, or the handoff that took the
/// conversation. Reads through the write pool, which has seen the winning commit.
async fn existing(pool: &AnyPool, h: &NewHandoff) -> Result<Inserted, sqlx::Error> {
    if let Some(row) = sqlx::query("SELECT body_hash, response FROM handoffs WHERE id = $1")
        .bind(&h.id)
        .fetch_optional(pool)
        .await?
    {
        return Ok(Inserted::Duplicate {
            body_hash: row.try_get(0)?,
            response: row.try_get(1)?,
        });
    }
    let other: Option<String> =
        sqlx::query_scalar("SELECT id FROM handoffs WHERE site = $1 AND conversation_id = $2")
            .bind(&h.site)
            .bind(&h.conversation_id)
            .fetch_optional(pool)
            .await?;
    match other {
        Some(other) => Ok(Inserted::ConversationTaken(other)),
        // Neither key matches yet the insert conflicted: the row was deleted in between.
        // Not worth a special answer: a 5xx makes the outbox retry.
        None => Err(sqlx::Error::RowNotFound),
    }
}

impl Db {
    /// Stores a handoff and its webhook deliveries atomically (one transaction, possibly
    /// shared with other handoffs by the writer task), or reports why not.
    ///
    /// Concurrent duplicates are settled by the database's unique keys, not by this process:
    /// exactly one insert wins, every other one reads the winner's answer.
    pub async fn insert_handoff(
        &self,
        handoff: NewHandoff,
        deliveries: Vec<NewDelivery>,
    ) -> Result<Inserted, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            handoff,
            deliveries,
            reply,
        };
        if self.writer.send(job).await.is_err() {
            return Err(sqlx::Error::PoolClosed);
        }
        answer.await.unwrap_or(Err(sqlx::Error::PoolClosed))
    }

    /// The stored answer for a bundle id, if any (fast path for retries).
    pub async fn handoff_response(
        &self,
        id: &str,
    ) -> Result<Option<(String, String)>, sqlx::Error> {
        let row = sqlx::query("SELECT body_hash, response FROM handoffs WHERE id = $1")
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// One handoff by id.
    pub async fn handoff(&self, id: &str) -> Result<Option<HandoffRow>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, site, conversation_id, received_at, bundle, queue, priority, status \
             FROM handoffs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            Ok(HandoffRow {
                id: r.try_get(0)?,
                site: r.try_get(1)?,
                conversation_id: r.try_get(2)?,
                received_at: r.try_get(3)?,
                bundle: r.try_get(4)?,
                queue: r.try_get(5)?,
                priority: r.try_get(6)?,
                status: r.try_get(7)?,
            })
        })
        .transpose()
    }

    /// The handoff of a conversation, if it escalated.
    pub async fn handoff_id_for_conversation(
        &self,
        site: &str,
        conversation_id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT id FROM handoffs WHERE site = $1 AND conversation_id = $2")
            .bind(site)
            .bind(conversation_id)
            .fetch_optional(self.read())
            .await
    }

    /// The customer's earlier handoffs, newest first (their "prior tickets").
    pub async fn prior_tickets(
        &self,
        site: &str,
        customer_id: &str,
        limit: i64,
    ) -> Result<Vec<PriorTicket>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, received_at, queue, status, summary FROM handoffs \
             WHERE site = $1 AND customer_id = $2 AND customer_verified = 1 \
             ORDER BY received_at DESC LIMIT $3",
        )
        .bind(site)
        .bind(customer_id)
        .bind(limit)
        .fetch_all(self.read())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(PriorTicket {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    queue: r.try_get(2)?,
                    status: r.try_get(3)?,
                    summary: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Number of stored handoffs (tests, metrics).
    pub async fn count_handoffs(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM handoffs")
            .fetch_one(self.read())
            .await
    }
}
