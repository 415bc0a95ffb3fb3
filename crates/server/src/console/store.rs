//! The console's queries (portable SQL: `$N` binds, integers and text only).
use baton_engine::{HandoffV1, Reason, Trigger};
use serde::Deserialize;
use sqlx::Row;

use crate::db::Db;

/// Open work in one queue.
#[derive(Clone, Debug, Default)]
pub struct QueueCount {
    /// Site id.
    pub site: String,
    /// Queue name.
    pub queue: String,
    /// Waiting for an agent.
    pub queued: i64,
    /// Being worked.
    pub claimed: i64,
    /// Closed since the start of today (UTC).
    pub closed_today: i64,
    /// When the longest-waiting queued handoff arrived.
    pub oldest_queued_at: Option<i64>,
}

/// Counts per `(site, queue)` over every queue that has or had work, sorted by site, queue.
pub async fn queue_counts(db: &Db, today_start: i64) -> Result<Vec<QueueCount>, sqlx::Error> {
    let mut out: Vec<QueueCount> = Vec::new();
    let entry = |out: &mut Vec<QueueCount>, site: String, queue: String| -> usize {
        match out.iter().position(|q| q.site == site && q.queue == queue) {
            Some(i) => i,
            None => {
                out.push(QueueCount {
                    site,
                    queue,
                    ..QueueCount::default()
                });
                out.len() - 1
            }
        }
    };
    let open = sqlx::query(
        "SELECT site, queue, status, COUNT(*), MIN(received_at) FROM handoffs \
         WHERE status <> 'closed' GROUP BY site, queue, status",
    )
    .fetch_all(db.read())
    .await?;
    for r in open {
        let i = entry(&mut out, r.try_get(0)?, r.try_get(1)?);
        let status: String = r.try_get(2)?;
        let n: i64 = r.try_get(3)?;
        if status == "queued" {
            out[i].queued = n;
            out[i].oldest_queued_at = r.try_get(4)?;
        } else {
            out[i].claimed += n;
        }
    }
    let closed = sqlx::query(
        "SELECT site, queue, COUNT(*) FROM handoffs WHERE status = 'closed' AND closed_at >= $1 \
         GROUP BY site, queue",
    )
    .bind(today_start)
    .fetch_all(db.read())
    .await?;
    for r in closed {
        let i = entry(&mut out, r.try_get(0)?, r.try_get(1)?);
        out[i].closed_today = r.try_get(2)?;
    }
    out.sort_by(|a, b| (&a.site, &a.queue).cmp(&(&b.site, &b.queue)));
    Ok(out)
}

/// One line of a queue page.
#[derive(Clone, Debug)]
pub struct QueueItem {
    /// Handoff id.
    pub id: String,
    /// Server receive time.
    pub received_at: i64,
    /// Priority name.
    pub priority: String,
    /// queued | claimed.
    pub status: String,
    /// Deterministic summary.
    pub summary: String,
    /// Trusted triggers.
    pub triggers: Vec<Trigger>,
    /// Triggers the widget reported (shown, marked unconfirmed, when none was re-derived).
    pub claimed: Vec<Trigger>,
    /// Who claimed it.
    pub agent: Option<String>,
    /// Customer display name or email, if known.
    pub customer: Option<String>,
    /// Whether the identity was verified.
    pub verified: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CustomerPeek {
    customer: NamePeek,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NamePeek {
    name: Option<String>,
    email: Option<String>,
}

/// Open handoffs of a queue: waiting first (most urgent, then oldest), then in progress.
pub async fn queue_items(db: &Db, site: &str, queue: &str) -> Result<Vec<QueueItem>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT h.id, h.received_at, h.priority, h.status, h.summary, h.triggers, a.name, \
         h.customer_verified, h.bundle, h.claimed_triggers FROM handoffs h LEFT JOIN agents a ON a.id = h.agent_id \
         WHERE h.site = $1 AND h.queue = $2 AND h.status <> 'closed' \
         ORDER BY CASE WHEN h.status = 'queued' THEN 0 ELSE 1 END, h.priority_rank DESC, \
         h.received_at ASC LIMIT 200",
    )
    .bind(site)
    .bind(queue)
    .fetch_all(db.read())
    .await?;
    rows.into_iter()
        .map(|r| {
            let triggers: String = r.try_get(5)?;
            let bundle: String = r.try_get(8)?;
            let claimed: String = r.try_get(9)?;
            let peek: CustomerPeek = serde_json::from_str(&bundle).unwrap_or_default();
            Ok(QueueItem {
                id: r.try_get(0)?,
                received_at: r.try_get(1)?,
                priority: r.try_get(2)?,
                status: r.try_get(3)?,
                summary: r.try_get(4)?,
                triggers: serde_json::from_str(&triggers).unwrap_or_default(),
                claimed: serde_json::from_str(&claimed).unwrap_or_default(),
                agent: r.try_get(6)?,
                customer: peek.customer.name.or(peek.customer.email),
                verified: r.try_get::<i64, _>(7)? == 1,
            })
        })
        .collect()
}

/// The re-derived reasons stored with a handoff (`verification` column).
#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct StoredVerification {
    /// Claimed and re-derived.
    pub matched: Vec<Reason>,
    /// Claimed by the widget only.
    pub missing: Vec<Reason>,
    /// Re-derived only.
    pub unexpected: Vec<Reason>,
}

/// Everything the handoff view shows.
#[derive(Debug)]
pub struct Detail {
    /// Handoff id.
    pub id: String,
    /// Site.
    pub site: String,
    /// Server receive time.
    pub received_at: i64,
    /// The enriched bundle.
    pub bundle: HandoffV1,
    /// Queue.
    pub queue: String,
    /// Priority name.
    pub priority: String,
    /// Routing rule.
    pub rule: String,
    /// queued | claimed | closed.
    pub status: String,
    /// Who claimed it.
    pub agent_id: Option<i64>,
    /// Their name.
    pub agent_name: Option<String>,
    /// When it was claimed.
    pub claimed_at: Option<i64>,
    /// When it was closed.
    pub closed_at: Option<i64>,
    /// The close answer: 1 = never asked the customer to repeat.
    pub clean_handoff: Option<i64>,
    /// Re-derived reasons.
    pub verification: StoredVerification,
}

/// One handoff with everything the view needs.
pub async fn detail(db: &Db, id: &str) -> Result<Option<Detail>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT h.id, h.site, h.received_at, h.bundle, h.queue, h.priority, h.rule, h.status, \
         h.agent_id, a.name, h.claimed_at, h.closed_at, h.clean_handoff, h.verification \
         FROM handoffs h LEFT JOIN agents a ON a.id = h.agent_id WHERE h.id = $1",
    )
    .bind(id)
    .fetch_optional(db.read())
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let bundle: String = r.try_get(3)?;
    let bundle: HandoffV1 = serde_json::from_str(&bundle)
        .map_err(|e| sqlx::Error::Decode(format!("stored bundle: {e}").into()))?;
    let verification: String = r.try_get(13)?;
    Ok(Some(Detail {
        id: r.try_get(0)?,
        site: r.try_get(1)?,
        received_at: r.try_get(2)?,
        bundle,
        queue: r.try_get(4)?,
        priority: r.try_get(5)?,
        rule: r.try_get(6)?,
        status: r.try_get(7)?,
        agent_id: r.try_get(8)?,
        agent_name: r.try_get(9)?,
        claimed_at: r.try_get(10)?,
        closed_at: r.try_get(11)?,
        clean_handoff: r.try_get(12)?,
        verification: serde_json::from_str(&verification).unwrap_or_default(),
    }))
}

/// Claims a queued handoff for `agent_id`; false when it was not queued any more.
pub async fn claim(db: &Db, id: &str, agent_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE handoffs SET status = 'claimed', agent_id = $1, claimed_at = $2 \
         WHERE id = $3 AND status = 'queued'",
    )
    .bind(agent_id)
    .bind(now)
    .bind(id)
    .execute(db.write())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes a handoff claimed by `agent_id` with the clean-handoff answer; false when it was
/// not theirs or not open.
pub async fn close(
    db: &Db,
    id: &str,
    agent_id: i64,
    clean: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE handoffs SET status = 'closed', closed_at = $1, clean_handoff = $2 \
         WHERE id = $3 AND status = 'claimed' AND agent_id = $4",
    )
    .bind(now)
    .bind(i64::from(clean))
    .bind(id)
    .bind(agent_id)
    .execute(db.write())
    .await?;
    Ok(done.rows_affected() == 1)
}
