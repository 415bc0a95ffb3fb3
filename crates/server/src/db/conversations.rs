//! Conversations, their event log and CSAT: the dashboard's denominators.
use serde::Deserialize;

use super::Db;

/// A conversation the widget started.
#[derive(Debug)]
pub struct NewConversation<'a> {
    /// Site id.
    pub site: &'a str,
    /// Widget conversation id.
    pub id: &'a str,
    /// Widget clock, Unix ms.
    pub started_at: i64,
    /// Server clock, Unix ms.
    pub received_at: i64,
    /// Page URL.
    pub page_url: &'a str,
    /// Page title.
    pub page_title: &'a str,
    /// Locale.
    pub locale: &'a str,
}

/// The kinds of event the widget logs (`docs/api.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The customer sent a message.
    CustomerMessage,
    /// The bot's answer was shown.
    BotAnswer,
    /// The engine withheld a weak answer.
    Withheld,
    /// 👍 / 👎 on an answer.
    Feedback,
    /// The conversation ended without a human.
    Resolved,
}

impl EventKind {
    /// Stable stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::CustomerMessage => "customer_message",
            EventKind::BotAnswer => "bot_answer",
            EventKind::Withheld => "withheld",
            EventKind::Feedback => "feedback",
            EventKind::Resolved => "resolved",
        }
    }
}

/// One logged event.
#[derive(Debug)]
pub struct NewEvent<'a> {
    /// Site id.
    pub site: &'a str,
    /// Conversation id.
    pub conversation_id: &'a str,
    /// What happened.
    pub kind: EventKind,
    /// Widget clock.
    pub at: i64,
    /// Server clock.
    pub received_at: i64,
    /// Optional JSON detail.
    pub detail: Option<String>,
}

impl Db {
    /// Records a conversation start; `false` when it was already recorded.
    pub async fn start_conversation(&self, c: &NewConversation<'_>) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO conversations (site, id, started_at, received_at, page_url, page_title, \
             locale) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (site, id) DO NOTHING",
        )
        .bind(c.site)
        .bind(c.id)
        .bind(c.started_at)
        .bind(c.received_at)
        .bind(c.page_url)
        .bind(c.page_title)
        .bind(c.locale)
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Appends an event; the conversation row is created if the start was lost.
    pub async fn log_event(&self, e: &NewEvent<'_>) -> Result<(), sqlx::Error> {
        let mut tx = self.write().begin().await?;
        let resolved = i64::from(e.kind == EventKind::Resolved);
        sqlx::query(
            "INSERT INTO conversations (site, id, started_at, received_at, resolved) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site, id) DO UPDATE \
             SET resolved = CASE WHEN excluded.resolved = 1 THEN 1 ELSE conversations.resolved END",
        )
        .bind(e.site)
        .bind(e.conversation_id)
        .bind(e.at)
        .bind(e.received_at)
        .bind(resolved)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO conversation_events (site, conversation_id, kind, at, received_at, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.site)
        .bind(e.conversation_id)
        .bind(e.kind.as_str())
        .bind(e.at)
        .bind(e.received_at)
        .bind(e.detail.as_deref())
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// Records (or replaces) the CSAT rating of a conversation.
    pub async fn record_csat(
        &self,
        site: &str,
        conversation_id: &str,
        rating: i64,
        escalated: bool,
        at: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO csat (site, conversation_id, rating, escalated, at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site, conversation_id) DO UPDATE \
             SET rating = excluded.rating, escalated = excluded.escalated, at = excluded.at",
        )
        .bind(site)
        .bind(conversation_id)
        .bind(rating)
        .bind(i64::from(escalated))
        .bind(at)
        .execute(self.write())
        .await
        .map(|_| ())
    }
}
