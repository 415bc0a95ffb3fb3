//! `baton.handoff/v1`: everything a human needs so they never ask the customer to repeat.
//!
//! Versioning: v1 only ever grows by optional fields. A breaking change is a new
//! `HandoffV2` beside this one.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::conversation::Role;
use crate::decision::Reason;
use crate::route::Route;
use crate::time::Millis;

/// The value of `HandoffV1::schema`.
pub const SCHEMA_VERSION: &str = "baton.handoff/v1";

/// The handoff bundle posted by the widget to `POST /v1/handoffs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffV1 {
    /// Always `baton.handoff/v1`.
    pub schema: String,
    /// Idempotency key: a UUIDv7 made by the caller. The same id is stored once.
    pub id: String,
    /// Site id from the embed tag (`data-site`).
    pub site: String,
    /// The widget's conversation id; a conversation escalates at most once.
    pub conversation_id: String,
    /// When the engine escalated (Unix milliseconds, caller's clock).
    pub created_at: Millis,
    /// Every trigger that fired, strongest first, with evidence.
    pub reasons: Vec<Reason>,
    /// Queue and priority picked by the routing rules.
    pub route: Route,
    /// The whole conversation so far, secrets redacted.
    pub transcript: Vec<TranscriptEntry>,
    /// Who the customer is, as far as the widget knows.
    pub customer: Customer,
    /// What the bot tried and how it went.
    pub attempts: Vec<Attempt>,
    /// One deterministic paragraph for the agent.
    pub summary: String,
    /// Sentiment of each customer turn, -1 (furious) to 1 (delighted).
    pub sentiment: Vec<SentimentPoint>,
    /// The page the customer was on.
    pub page: Page,
    /// Which engine and policy produced the decision.
    pub engine: EngineInfo,
}

/// One turn of the transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptEntry {
    /// Who spoke.
    pub role: Role,
    /// What they said (redacted).
    pub text: String,
    /// When (Unix milliseconds).
    pub at: Millis,
    /// Responder confidence, for bot turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// Whether the bot's answer was backed by the knowledge base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounded: Option<bool>,
    /// Knowledge-base sources behind a bot answer, e.g. `kb:shipping-times`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// True when the engine withheld this candidate answer from the customer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

/// The customer as the widget knows them; the server enriches it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Customer {
    /// The site's own customer id (from `Baton('identify', {id})`).
    pub id: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// HMAC-SHA256 of `id` with the site secret, computed by the site's backend.
    pub user_hash: Option<String>,
    /// Set by the server only: whether `user_hash` checked out. Browsers cannot set it.
    pub verified: bool,
    /// Free-form attributes (`plan`, `value`, …).
    pub attributes: BTreeMap<String, serde_json::Value>,
    /// Orders, filled by the server from its store or the site's CRM.
    pub orders: Vec<serde_json::Value>,
    /// Account status, filled by the server.
    pub account_status: Option<String>,
    /// Earlier tickets (earlier handoffs), filled by the server.
    pub prior_tickets: Vec<serde_json::Value>,
}

/// What kind of thing the bot tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptKind {
    /// Answered from a knowledge-base article.
    KbArticle,
    /// Performed an action.
    Action,
    /// Asked the customer to clarify.
    Clarification,
}

/// How an attempt went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// Shown; the customer moved on to something else.
    Helped,
    /// The customer said it did not help (👎, "that didn't help", restated the problem).
    DidNotHelp,
    /// Withheld by the confidence gate, never shown.
    Withheld,
    /// Shown; no signal either way yet.
    Unknown,
}

/// One thing the bot tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attempt {
    /// Index of the bot turn in the transcript.
    pub turn: u32,
    /// What kind of attempt.
    pub kind: AttemptKind,
    /// The article or action, e.g. `kb:shipping-times`.
    pub source: Option<String>,
    /// Responder confidence.
    pub confidence: Option<f32>,
    /// How it went.
    pub outcome: AttemptOutcome,
}

/// Sentiment of one customer turn.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentPoint {
    /// Index of the customer turn in the transcript.
    pub turn: u32,
    /// -1 (furious) to 1 (delighted).
    pub score: f32,
}

/// Where the customer was.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Page {
    /// Page URL.
    pub url: String,
    /// Page title.
    pub title: String,
    /// BCP 47 locale of the page or widget, e.g. `en`, `pt-BR`.
    pub locale: String,
}

/// Which engine and policy made the decision, so the server can re-derive it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineInfo {
    /// `baton-engine` version.
    pub version: String,
    /// Hash of the policy in force (hex), so a mismatch can be explained.
    pub config_hash: String,
}
