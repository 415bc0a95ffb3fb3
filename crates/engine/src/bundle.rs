//! `baton.handoff/v1`: everything a human needs so they never ask the customer to repeat.
//!
//! Versioning: v1 only ever grows by optional fields. A breaking change is a new
//! `HandoffV2` beside this one.
//!
//! Three jobs live here: the wire types, the builder (`Conversation::bundle`, which redacts
//! every text on the way in) and the checks the server runs before trusting a bundle
//! (`HandoffV1::from_json`, `HandoffV1::validate`), each error naming the offending field.
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::conversation::{Conversation, Phase, Role, Turn};
use crate::decision::{Reason, Span, Trigger};
use crate::detect::Topic;
use crate::policy::Policy;
use crate::redact::{self, Edit};
use crate::route::{Route, RouteInput};
use crate::time::Millis;

/// The value of `HandoffV1::schema`.
pub const SCHEMA_VERSION: &str = "baton.handoff/v1";

/// The handoff bundle posted by the widget to `POST /v1/handoffs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(title = "baton.handoff/v1"))]
#[serde(deny_unknown_fields)]
pub struct HandoffV1 {
    /// Always `baton.handoff/v1`.
    #[cfg_attr(feature = "schema", schemars(extend("const" = "baton.handoff/v1")))]
    pub schema: String,
    /// Idempotency key: a UUIDv7 made by the caller. The same id is stored once.
    #[cfg_attr(
        feature = "schema",
        schemars(regex(
            pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
        ))
    )]
    pub id: String,
    /// Site id from the embed tag (`data-site`).
    #[cfg_attr(
        feature = "schema",
        schemars(regex(pattern = r"^[A-Za-z0-9_.-]{1,64}$"))
    )]
    pub site: String,
    /// The widget's conversation id; a conversation escalates at most once.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 128)))]
    pub conversation_id: String,
    /// When the engine escalated (Unix milliseconds, caller's clock).
    #[cfg_attr(feature = "schema", schemars(with = "u64"))]
    pub created_at: Millis,
    /// Every trigger that fired, strongest first, with evidence.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Vec<schema::Reason>", length(min = 1, max = 16))
    )]
    pub reasons: Vec<Reason>,
    /// Queue and priority picked by the routing rules.
    pub route: Route,
    /// The whole conversation so far, secrets redacted.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 200)))]
    pub transcript: Vec<TranscriptEntry>,
    /// Who the customer is, as far as the widget knows.
    pub customer: Customer,
    /// What the bot tried and how it went.
    #[cfg_attr(feature = "schema", schemars(length(max = 200)))]
    pub attempts: Vec<Attempt>,
    /// One deterministic paragraph for the agent.
    #[cfg_attr(feature = "schema", schemars(length(max = 2000)))]
    pub summary: String,
    /// Sentiment of each customer turn, -1 (furious) to 1 (delighted).
    #[cfg_attr(feature = "schema", schemars(length(max = 200)))]
    pub sentiment: Vec<SentimentPoint>,
    /// The page the customer was on.
    pub page: Page,
    /// Which engine and policy produced the decision.
    pub engine: EngineInfo,
    /// What the conversation is about (drives routing and the summary).
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "schema::Topic"))]
    pub topic: Topic,
    /// The largest money amount the customer mentioned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
}

/// A money amount the customer mentioned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Amount {
    /// The number, e.g. `1240.0` for "$1,240".
    #[cfg_attr(feature = "schema", schemars(range(min = 0.0)))]
    pub value: f64,
    /// ISO 4217 code when the text named or implied one (`$` is read as the site currency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[A-Z]{3}$")))]
    pub currency: Option<String>,
    /// Transcript index of the turn that mentioned it.
    pub turn: u32,
}

/// A customer action that is not a typed message, recorded in the transcript so the server
/// can replay it (`verify`): a button press changes decisions exactly like a message does.
///
/// In the transcript such an entry has role `customer`, `event` set, and `marker()` as its
/// text (so an agent reading plain text still sees what happened). A `Conversation` that
/// records these as customer turns with that text gets them carried into the bundle as-is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerEvent {
    /// Pressed "Talk to a person" (or the developer called `Baton('handoff')`).
    HumanButton,
    /// Rated the last bot answer 👍.
    Helpful,
    /// Rated the last bot answer 👎.
    NotHelpful,
}

impl CustomerEvent {
    /// The transcript text standing for this event.
    pub const fn marker(self) -> &'static str {
        match self {
            CustomerEvent::HumanButton => "[pressed “Talk to a person”]",
            CustomerEvent::Helpful => "[rated the answer: helpful]",
            CustomerEvent::NotHelpful => "[rated the answer: not helpful]",
        }
    }

    /// The event whose marker is exactly `text`.
    pub fn from_marker(text: &str) -> Option<Self> {
        [Self::HumanButton, Self::Helpful, Self::NotHelpful]
            .into_iter()
            .find(|e| e.marker() == text)
    }
}

/// One turn of the transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TranscriptEntry {
    /// Who spoke.
    #[cfg_attr(feature = "schema", schemars(with = "schema::Role"))]
    pub role: Role,
    /// What they said (redacted).
    #[cfg_attr(feature = "schema", schemars(length(max = 4000)))]
    pub text: String,
    /// When (Unix milliseconds).
    #[cfg_attr(feature = "schema", schemars(with = "u64"))]
    pub at: Millis,
    /// Responder confidence, for bot turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0.0, max = 1.0)))]
    pub confidence: Option<f32>,
    /// Whether the bot's answer was backed by the knowledge base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounded: Option<bool>,
    /// Knowledge-base sources behind a bot answer, e.g. `kb:shipping-times`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "schema", schemars(length(max = 16)))]
    pub sources: Vec<String>,
    /// True when the engine withheld this candidate answer from the customer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
    /// Set when this entry is a customer action rather than typed text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<CustomerEvent>,
}

/// The customer as the widget knows them; the server enriches it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl Customer {
    /// The customer's tier: the `plan` attribute, as routing rules match it.
    pub fn tier(&self) -> Option<&str> {
        self.attributes.get("plan").and_then(|v| v.as_str())
    }

    /// The customer's lifetime value: the `value` attribute, a number or a numeric string.
    pub fn value(&self) -> Option<f64> {
        let v = self.attributes.get("value")?;
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .filter(|x: &f64| x.is_finite())
    }
}

impl RouteInput {
    /// Adds what routing needs to know about the customer (tier and value).
    pub fn with_customer(mut self, customer: &Customer) -> Self {
        self.tier = customer.tier().map(str::to_owned);
        self.customer_value = customer.value();
        self
    }
}

/// What kind of thing the bot tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Attempt {
    /// Index of the bot turn in the transcript.
    pub turn: u32,
    /// What kind of attempt.
    pub kind: AttemptKind,
    /// The article or action, e.g. `kb:shipping-times`.
    pub source: Option<String>,
    /// Responder confidence.
    #[cfg_attr(feature = "schema", schemars(range(min = 0.0, max = 1.0)))]
    pub confidence: Option<f32>,
    /// How it went.
    pub outcome: AttemptOutcome,
}

/// Sentiment of one customer turn.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SentimentPoint {
    /// Index of the customer turn in the transcript.
    pub turn: u32,
    /// -1 (furious) to 1 (delighted).
    #[cfg_attr(feature = "schema", schemars(range(min = -1.0, max = 1.0)))]
    pub score: f32,
}

/// Where the customer was.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Page {
    /// Page URL.
    #[cfg_attr(feature = "schema", schemars(length(max = 2048)))]
    pub url: String,
    /// Page title.
    #[cfg_attr(feature = "schema", schemars(length(max = 512)))]
    pub title: String,
    /// BCP 47 locale of the page or widget, e.g. `en`, `pt-BR`.
    #[cfg_attr(feature = "schema", schemars(length(max = 35)))]
    pub locale: String,
}

/// Which engine and policy made the decision, so the server can re-derive it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EngineInfo {
    /// `baton-engine` version.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 64)))]
    pub version: String,
    /// Hash of the policy in force (hex), so a mismatch can be explained.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 64)))]
    pub config_hash: String,
}

impl EngineInfo {
    /// This engine's version and the hash of `policy`.
    pub fn current(policy: &Policy) -> Self {
        EngineInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            config_hash: policy.config_hash(),
        }
    }
}

/// What the caller knows that the engine does not: ids, clock, page and customer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BundleMeta {
    /// The bundle id: a UUIDv7 made by the caller (the engine draws no random numbers).
    pub id: String,
    /// When the bundle is made (Unix milliseconds, caller's clock).
    pub created_at: Millis,
    /// Site id.
    pub site: String,
    /// The widget's conversation id.
    pub conversation_id: String,
    /// The page the customer is on.
    pub page: Page,
    /// The customer as the widget knows them.
    pub customer: Customer,
}

impl BundleMeta {
    /// The meta of an existing bundle, to rebuild it from a replay (`verify`).
    pub fn of(bundle: &HandoffV1) -> Self {
        BundleMeta {
            id: bundle.id.clone(),
            created_at: bundle.created_at,
            site: bundle.site.clone(),
            conversation_id: bundle.conversation_id.clone(),
            page: bundle.page.clone(),
            customer: bundle.customer.clone(),
        }
    }
}

impl Conversation {
    /// Builds the handoff bundle for this conversation, normally right after a `Decision::
    /// Escalate` (a conversation that has not escalated yields a bundle with no reasons, which
    /// `validate` rejects). Every text is redacted on the way in and evidence spans are moved
    /// to match; the summary is derived from the finished bundle. Deterministic: the same
    /// conversation and meta give the same bundle, byte for byte.
    ///
    /// `meta.customer` is laid over what `identify` told the conversation (fields given in
    /// `meta` win); `verified` is always false here, only the server sets it.
    pub fn bundle(&self, meta: BundleMeta) -> HandoffV1 {
        let turns = self.transcript();
        let claimed: &[Reason] = match self.phase() {
            Phase::Escalated { reasons, .. } => reasons,
            _ => &[],
        };
        let inserts = unrecorded_events(turns, claimed, self.phase());
        // Original turn index → transcript index, once the marker entries are in.
        let new_index =
            |i: u32| i + inserts.iter().filter(|m| m.before <= i as usize).count() as u32;

        let mut transcript = Vec::with_capacity(turns.len() + inserts.len());
        let mut edits: Vec<Vec<Edit>> = Vec::with_capacity(turns.len() + inserts.len());
        let mut pending = inserts.iter().peekable();
        for (i, turn) in turns.iter().enumerate() {
            while let Some(m) = pending.next_if(|m| m.before == i) {
                transcript.push(event_entry(m.event, m.at));
                edits.push(Vec::new());
            }
            let (entry, e) = entry_of(turn);
            transcript.push(entry);
            edits.push(e);
        }
        for m in pending {
            transcript.push(event_entry(m.event, m.at));
            edits.push(Vec::new());
        }

        let reasons: Vec<Reason> = claimed
            .iter()
            .map(|r| {
                let mut r = r.clone();
                let marker = inserts
                    .iter()
                    .find(|m| m.reason == Some(r.evidence.clone()));
                let t = match marker {
                    Some(m) => new_index(m.before as u32) - 1,
                    None => new_index(r.evidence.turn),
                };
                r.evidence.turn = t;
                if let (Some(span), Some(e), Some(entry)) = (
                    r.evidence.span,
                    edits.get(t as usize),
                    transcript.get(t as usize),
                ) {
                    // Clamped too: a text cut at `MAX_TEXT_CHARS` must not leave a span past it.
                    let len = entry.text.chars().count() as u32;
                    let end = redact::map_pos(e, span.end, true).min(len);
                    r.evidence.span = Some(Span {
                        start: redact::map_pos(e, span.start, false).min(end),
                        end,
                    });
                }
                r
            })
            .collect();

        let attempts = self
            .attempts()
            .iter()
            .map(|a| Attempt {
                turn: new_index(a.turn),
                ..a.clone()
            })
            .collect();
        let sentiment = self
            .sentiment()
            .iter()
            .map(|p| SentimentPoint {
                turn: new_index(p.turn),
                score: if p.score.is_finite() {
                    p.score.clamp(-1.0, 1.0)
                } else {
                    0.0
                },
            })
            .collect();
        let amount = self
            .largest_amount()
            .filter(|v| v.is_finite())
            .map(|value| {
                // The first customer turn that mentions it, for the agent to find.
                let turn = turns
                    .iter()
                    .position(|t| {
                        t.role == Role::Customer
                            && crate::detect::largest_amount(&t.text) == Some(value)
                    })
                    .map_or(0, |i| new_index(i as u32));
                Amount {
                    value: value.max(0.0),
                    currency: None,
                    turn,
                }
            });

        let mut customer = self.customer().clone();
        let m = meta.customer;
        customer.id = m.id.or(customer.id);
        customer.email = m.email.or(customer.email);
        customer.name = m.name.or(customer.name);
        customer.user_hash = m.user_hash.or(customer.user_hash);
        customer.attributes.extend(m.attributes);
        customer.orders = m.orders;
        customer.account_status = m.account_status;
        customer.prior_tickets = m.prior_tickets;
        customer.verified = false;

        let input = self
            .route_input(reasons.iter().map(|r| r.trigger).collect())
            .with_customer(&customer);
        let route = self.policy().routing.route(&input);

        let mut bundle = HandoffV1 {
            schema: SCHEMA_VERSION.to_owned(),
            id: meta.id,
            site: meta.site,
            conversation_id: meta.conversation_id,
            created_at: meta.created_at,
            reasons,
            route,
            transcript,
            customer,
            attempts,
            summary: String::new(),
            sentiment,
            page: meta.page,
            engine: EngineInfo::current(self.policy()),
            topic: self.topic(),
            amount,
        };
        bundle.redact();
        bundle.summary = crate::summary::summarize(&bundle);
        bundle
    }
}

/// A customer action the conversation decided on but did not keep as a turn, to be shown in
/// the transcript as a marker entry before original turn `before`.
struct Marker {
    before: usize,
    event: CustomerEvent,
    at: Millis,
    /// The escalation reason this action caused; its evidence will point at the marker.
    reason: Option<crate::decision::Evidence>,
}

/// Button presses and 👎 ratings that caused the escalation but are not turns of their own
/// (their evidence points at the turn before them). Giving them a transcript entry lets the
/// agent see them and lets `verify` replay them. Presses already recorded as marker turns
/// are left alone.
fn unrecorded_events(turns: &[Turn], reasons: &[Reason], phase: &Phase) -> Vec<Marker> {
    let at = match phase {
        Phase::Escalated { at, .. } => *at,
        _ => turns.last().map_or(Millis(0), |t| t.at),
    };
    let mut out: Vec<Marker> = reasons
        .iter()
        .filter_map(|r| {
            let ev = &r.evidence;
            let pointed = turns.get(ev.turn as usize);
            let event = if r.trigger == Trigger::HumanRequest && ev.rule.ends_with(".button") {
                CustomerEvent::HumanButton
            } else if r.trigger == Trigger::Restatement
                && pointed.is_some_and(|t| t.role == Role::Bot)
            {
                // A restatement whose evidence is a bot turn came from a 👎 on that answer.
                CustomerEvent::NotHelpful
            } else {
                return None;
            };
            if pointed.is_some_and(|t| event_of(t) == Some(event)) {
                return None;
            }
            let before = if turns.is_empty() {
                0
            } else {
                ev.turn as usize + 1
            };
            Some(Marker {
                before,
                event,
                at,
                reason: Some(ev.clone()),
            })
        })
        .collect();
    out.sort_by_key(|m| m.before);
    out
}

fn event_of(turn: &Turn) -> Option<CustomerEvent> {
    if matches!(turn.role, Role::Customer | Role::System) {
        CustomerEvent::from_marker(&turn.text)
    } else {
        None
    }
}

fn event_entry(event: CustomerEvent, at: Millis) -> TranscriptEntry {
    TranscriptEntry {
        role: Role::Customer,
        text: event.marker().to_owned(),
        at,
        confidence: None,
        grounded: None,
        sources: Vec::new(),
        withheld: false,
        event: Some(event),
    }
}

fn entry_of(turn: &Turn) -> (TranscriptEntry, Vec<Edit>) {
    let event = event_of(turn);
    let (text, edits) = if event.is_some() {
        (turn.text.clone(), Vec::new())
    } else {
        let (text, edits) = redact::redact_mapped(&turn.text);
        (truncate_chars(text, MAX_TEXT_CHARS), edits)
    };
    let candidate = turn.candidate.as_ref();
    let entry = TranscriptEntry {
        role: if event.is_some() {
            Role::Customer
        } else {
            turn.role
        },
        text,
        at: turn.at,
        confidence: candidate.map(|c| {
            if c.confidence.is_finite() {
                c.confidence.clamp(0.0, 1.0)
            } else {
                0.0
            }
        }),
        grounded: candidate.and_then(|c| c.grounded),
        sources: candidate
            .map(|c| c.sources.iter().take(MAX_SOURCES).cloned().collect())
            .unwrap_or_default(),
        withheld: turn.withheld,
        event,
    };
    (entry, edits)
}

fn truncate_chars(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max) {
        text.truncate(cut);
    }
    text
}

/// Size limits of a v1 bundle, checked by `validate` and mirrored in the JSON Schema.
pub mod limits {
    /// Largest accepted request body, in bytes.
    pub const MAX_BYTES: usize = 256 * 1024;
    /// Most transcript entries.
    pub const MAX_TURNS: usize = 200;
    /// Longest transcript text, in characters.
    pub const MAX_TEXT_CHARS: usize = 4000;
    /// Most reasons.
    pub const MAX_REASONS: usize = 16;
    /// Most knowledge-base sources on one entry.
    pub const MAX_SOURCES: usize = 16;
    /// Longest summary, in characters.
    pub const MAX_SUMMARY_CHARS: usize = 2000;
    /// Longest conversation id, in characters.
    pub const MAX_ID_CHARS: usize = 128;
    /// Longest short text field (names, emails, rule names, sources), in characters.
    pub const MAX_SHORT_CHARS: usize = 256;
    /// Most customer attributes, orders or prior tickets.
    pub const MAX_RECORDS: usize = 100;
}
use limits::*;

/// A bundle the server must refuse, naming the field (`transcript[3].text`).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct BundleError {
    /// JSON path of the offending field, e.g. `reasons[0].evidence.turn`; `$` for the
    /// whole body.
    pub path: String,
    /// What is wrong with it.
    pub kind: BundleErrorKind,
}

/// What is wrong with a bundle field.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BundleErrorKind {
    /// Not JSON, or not the v1 shape (unknown field, wrong type, missing field).
    #[error("{0}")]
    Malformed(String),
    /// The body is over `limits::MAX_BYTES`.
    #[error("larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// `schema` is not `baton.handoff/v1`.
    #[error("unsupported schema version `{0}`, expected `baton.handoff/v1`")]
    UnsupportedVersion(String),
    /// A required value is empty.
    #[error("must not be empty")]
    Empty,
    /// A text is over its limit.
    #[error("longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A list is over its limit.
    #[error("more than {max} items")]
    TooMany {
        /// The limit.
        max: usize,
    },
    /// `id` is not a UUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hex).
    #[error("not a UUID")]
    NotUuid,
    /// An id has characters outside `A-Z a-z 0-9 _ . -`.
    #[error("only letters, digits, `_`, `.` and `-` are allowed")]
    BadChars,
    /// A number outside its range, or a turn index past the transcript.
    #[error("out of range: {0}")]
    OutOfRange(&'static str),
}

fn err(path: impl Into<String>, kind: BundleErrorKind) -> BundleError {
    BundleError {
        path: path.into(),
        kind,
    }
}

#[derive(Deserialize)]
struct Peek {
    #[serde(default)]
    schema: Option<serde_json::Value>,
}

impl HandoffV1 {
    /// Parses and validates a request body: size, shape (with the JSON path of the first bad
    /// field), version, then `validate`. What the server calls on `POST /v1/handoffs`.
    pub fn from_json(body: &[u8]) -> Result<HandoffV1, BundleError> {
        if body.len() > MAX_BYTES {
            return Err(err("$", BundleErrorKind::TooLarge { max: MAX_BYTES }));
        }
        let mut de = serde_json::Deserializer::from_slice(body);
        let bundle: HandoffV1 = match serde_path_to_error::deserialize(&mut de) {
            Ok(b) => b,
            Err(e) => {
                // A future version has another shape: say so rather than "unknown field".
                if let Ok(Peek {
                    schema: Some(serde_json::Value::String(s)),
                }) = serde_json::from_slice::<Peek>(body)
                {
                    if s != SCHEMA_VERSION {
                        return Err(err("schema", BundleErrorKind::UnsupportedVersion(s)));
                    }
                }
                let path = e.path().to_string();
                let path = if path == "." || path.is_empty() {
                    "$".to_owned()
                } else {
                    path
                };
                return Err(err(
                    path,
                    BundleErrorKind::Malformed(e.into_inner().to_string()),
                ));
            }
        };
        de.end()
            .map_err(|e| err("$", BundleErrorKind::Malformed(e.to_string())))?;
        bundle.validate()?;
        Ok(bundle)
    }

    /// Checks everything serde cannot: version, id formats, limits, ranges and that every
    /// turn index points into the transcript. The first problem is reported.
    pub fn validate(&self) -> Result<(), BundleError> {
        use BundleErrorKind::*;
        if self.schema != SCHEMA_VERSION {
            return Err(err("schema", UnsupportedVersion(self.schema.clone())));
        }
        if !is_uuid(&self.id) {
            return Err(err("id", NotUuid));
        }
        ident("site", &self.site, 64)?;
        text("conversation_id", &self.conversation_id, MAX_ID_CHARS, true)?;

        let n = self.transcript.len();
        if n == 0 {
            return Err(err("transcript", Empty));
        }
        if n > MAX_TURNS {
            return Err(err("transcript", TooMany { max: MAX_TURNS }));
        }
        for (i, e) in self.transcript.iter().enumerate() {
            let p = |f: &str| format!("transcript[{i}].{f}");
            text(p("text"), &e.text, MAX_TEXT_CHARS, false)?;
            if let Some(c) = e.confidence {
                unit(p("confidence"), c, 0.0)?;
            }
            if e.sources.len() > MAX_SOURCES {
                return Err(err(p("sources"), TooMany { max: MAX_SOURCES }));
            }
            for (k, s) in e.sources.iter().enumerate() {
                text(p(&format!("sources[{k}]")), s, MAX_SHORT_CHARS, true)?;
            }
        }
        let turn = |path: String, t: u32| {
            if (t as usize) < n {
                Ok(())
            } else {
                Err(err(path, OutOfRange("not a transcript index")))
            }
        };

        if self.reasons.is_empty() {
            return Err(err("reasons", Empty));
        }
        if self.reasons.len() > MAX_REASONS {
            return Err(err("reasons", TooMany { max: MAX_REASONS }));
        }
        for (i, r) in self.reasons.iter().enumerate() {
            let p = |f: &str| format!("reasons[{i}].evidence.{f}");
            let ev = &r.evidence;
            turn(p("turn"), ev.turn)?;
            text(p("rule"), &ev.rule, MAX_SHORT_CHARS, true)?;
            if let Some(s) = ev.score {
                if !s.is_finite() {
                    return Err(err(p("score"), OutOfRange("must be a finite number")));
                }
            }
            if let Some(span) = ev.span {
                let len = self.transcript[ev.turn as usize].text.chars().count() as u32;
                if span.start > span.end || span.end > len {
                    return Err(err(p("span"), OutOfRange("not inside the turn's text")));
                }
            }
        }

        ident("route.queue", &self.route.queue, 64)?;
        text("route.rule", &self.route.rule, MAX_SHORT_CHARS, true)?;

        if self.attempts.len() > MAX_TURNS {
            return Err(err("attempts", TooMany { max: MAX_TURNS }));
        }
        for (i, a) in self.attempts.iter().enumerate() {
            turn(format!("attempts[{i}].turn"), a.turn)?;
            if let Some(c) = a.confidence {
                unit(format!("attempts[{i}].confidence"), c, 0.0)?;
            }
            if let Some(s) = &a.source {
                text(format!("attempts[{i}].source"), s, MAX_SHORT_CHARS, true)?;
            }
        }
        if self.sentiment.len() > MAX_TURNS {
            return Err(err("sentiment", TooMany { max: MAX_TURNS }));
        }
        for (i, s) in self.sentiment.iter().enumerate() {
            turn(format!("sentiment[{i}].turn"), s.turn)?;
            unit(format!("sentiment[{i}].score"), s.score, -1.0)?;
        }
        text("summary", &self.summary, MAX_SUMMARY_CHARS, false)?;

        let c = &self.customer;
        for (field, v) in [
            ("customer.id", &c.id),
            ("customer.email", &c.email),
            ("customer.name", &c.name),
            ("customer.user_hash", &c.user_hash),
            ("customer.account_status", &c.account_status),
        ] {
            if let Some(v) = v {
                text(field, v, MAX_SHORT_CHARS, false)?;
            }
        }
        for (field, len) in [
            ("customer.attributes", c.attributes.len()),
            ("customer.orders", c.orders.len()),
            ("customer.prior_tickets", c.prior_tickets.len()),
        ] {
            if len > MAX_RECORDS {
                return Err(err(field, TooMany { max: MAX_RECORDS }));
            }
        }

        text("page.url", &self.page.url, 2048, false)?;
        text("page.title", &self.page.title, 512, false)?;
        text("page.locale", &self.page.locale, 35, false)?;
        text("engine.version", &self.engine.version, 64, true)?;
        text("engine.config_hash", &self.engine.config_hash, 64, true)?;
        if let Some(a) = &self.amount {
            if !a.value.is_finite() || a.value < 0.0 {
                return Err(err(
                    "amount.value",
                    OutOfRange("must be a non-negative number"),
                ));
            }
            turn("amount.turn".into(), a.turn)?;
        }
        Ok(())
    }

    /// Redacts card numbers and IBANs in every free text of the bundle (transcript, summary,
    /// customer record strings); returns how many texts changed. The builder calls it, and the
    /// server calls it again because a browser is not trusted to have done so.
    pub fn redact(&mut self) -> usize {
        fn fix(s: &mut String) -> usize {
            match redact::redact(s) {
                std::borrow::Cow::Owned(r) => {
                    *s = r;
                    1
                }
                std::borrow::Cow::Borrowed(_) => 0,
            }
        }
        let mut changed = 0;
        for e in &mut self.transcript {
            if e.event.is_none() {
                changed += fix(&mut e.text);
            }
        }
        changed += fix(&mut self.summary);
        for s in [&mut self.customer.name, &mut self.customer.account_status]
            .into_iter()
            .flatten()
        {
            changed += fix(s);
        }
        changed
    }
}

fn text(path: impl Into<String>, s: &str, max: usize, required: bool) -> Result<(), BundleError> {
    if required && s.is_empty() {
        return Err(err(path, BundleErrorKind::Empty));
    }
    // Cheap upper bound first: a string of at most `max` bytes has at most `max` chars.
    if s.len() > max && s.chars().count() > max {
        return Err(err(path, BundleErrorKind::TooLong { max }));
    }
    Ok(())
}

fn ident(path: &str, s: &str, max: usize) -> Result<(), BundleError> {
    text(path, s, max, true)?;
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        Ok(())
    } else {
        Err(err(path, BundleErrorKind::BadChars))
    }
}

fn unit(path: String, v: f32, min: f32) -> Result<(), BundleError> {
    if v.is_finite() && (min..=1.0).contains(&v) {
        Ok(())
    } else if min < 0.0 {
        Err(err(
            path,
            BundleErrorKind::OutOfRange("must be between -1 and 1"),
        ))
    } else {
        Err(err(
            path,
            BundleErrorKind::OutOfRange("must be between 0 and 1"),
        ))
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex, either case.
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

impl fmt::Display for CustomerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.marker())
    }
}

/// Schema-only mirrors of types defined in files this module does not own (their serde shape
/// is copied here). `tests/schema.rs` validates a real serialized bundle against the schema
/// and round-trips it, so a mirror that drifts from the real type fails the build.
#[cfg(feature = "schema")]
mod schema {
    #![allow(dead_code, unreachable_pub)]
    use schemars::JsonSchema;

    /// Who spoke a turn.
    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        /// The visitor.
        Customer,
        /// The bot (the responder's answer).
        Bot,
        /// A human agent, after handoff.
        Agent,
        /// A notice from Baton itself.
        System,
    }

    /// Why the bot must stop.
    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Trigger {
        /// The customer asked for a person.
        HumanRequest,
        /// The customer restated the same problem after two answers.
        Restatement,
        /// The candidate answer was weak or ungrounded and was withheld.
        LowConfidence,
        /// The customer is angry or exasperated.
        Frustration,
        /// Policy forbids the bot to handle this.
        HighRisk,
    }

    /// What a conversation is about.
    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Topic {
        /// Charges, invoices, refunds, payment methods.
        Billing,
        /// Errors, integrations, bugs.
        Technical,
        /// Login, password, profile, ownership, closure.
        Account,
        /// Delivery, tracking, returns logistics.
        Shipping,
        /// Anything else.
        General,
    }

    /// A character range (Unicode scalar values) inside one turn's text.
    #[derive(JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Span {
        /// First character, inclusive.
        pub start: u32,
        /// Last character, exclusive.
        pub end: u32,
    }

    /// Why a trigger fired.
    #[derive(JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Evidence {
        /// Index of the turn in the transcript.
        pub turn: u32,
        /// The part of that turn's text that matched.
        #[serde(default)]
        pub span: Option<Span>,
        /// Stable identifier of the rule or model that fired.
        #[schemars(length(min = 1, max = 256))]
        pub rule: String,
        /// Score behind the decision, when there is one.
        #[serde(default)]
        pub score: Option<f32>,
    }

    /// One fired trigger with its evidence.
    #[derive(JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Reason {
        /// Which trigger fired.
        pub trigger: Trigger,
        /// Where and why.
        pub evidence: Evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Candidate;

    fn meta() -> BundleMeta {
        BundleMeta {
            id: "01a21305-4450-7c4e-9a1f-5d2e8b7c6a10".into(),
            created_at: Millis(5_000),
            site: "demo".into(),
            conversation_id: "c-1".into(),
            ..BundleMeta::default()
        }
    }

    fn answer(text: &str) -> Candidate {
        Candidate {
            text: text.into(),
            confidence: 0.9,
            grounded: Some(true),
            sources: vec!["kb:shipping-times".into()],
        }
    }

    #[test]
    fn a_button_press_becomes_a_transcript_entry_the_reason_points_at() {
        let mut conv = Conversation::new(Policy::default());
        let _ = conv.customer_message(Millis(1000), "where is my parcel");
        let _ = conv.bot_candidate(Millis(2000), answer("Orders ship in 3-5 days."));
        let _ = conv.button(Millis(3000));
        let _ = conv.customer_message(Millis(4000), "hello? anyone there");
        let b = conv.bundle(meta());
        let roles: Vec<_> = b.transcript.iter().map(|e| (e.role, e.event)).collect();
        assert_eq!(
            roles,
            [
                (Role::Customer, None),
                (Role::Bot, None),
                (Role::Customer, Some(CustomerEvent::HumanButton)),
                (Role::Customer, None),
            ]
        );
        assert_eq!(b.transcript[2].at, Millis(3000));
        assert_eq!(b.reasons.len(), 1);
        assert_eq!(b.reasons[0].evidence.turn, 2);
        assert_eq!(b.validate(), Ok(()));
        let v = crate::verify::verify(&b, &Policy::default());
        assert!(v.is_match(), "{v:#?}");
        // Sentiment and attempts follow the shifted indices.
        assert!(b
            .sentiment
            .iter()
            .all(|p| b.transcript[p.turn as usize].role == Role::Customer));
        assert!(b
            .attempts
            .iter()
            .all(|a| b.transcript[a.turn as usize].role == Role::Bot));
    }

    #[test]
    fn a_thumbs_down_that_escalates_is_replayed() {
        let mut conv = Conversation::new(Policy::default());
        let _ = conv.customer_message(Millis(1000), "my parcel never arrived");
        let _ = conv.bot_candidate(Millis(2000), answer("Orders ship in 3-5 days."));
        let _ = conv.feedback(Millis(3000), crate::conversation::Feedback::NotHelpful);
        let _ = conv.customer_message(
            Millis(4000),
            "it still has not arrived, where is my package",
        );
        let _ = conv.bot_candidate(Millis(5000), answer("You can track it under Orders."));
        let d = conv.feedback(Millis(6000), crate::conversation::Feedback::NotHelpful);
        assert!(
            matches!(d, crate::decision::Decision::Escalate { .. }),
            "{d:?}"
        );
        let b = conv.bundle(meta());
        let last = b.transcript.last().unwrap();
        assert_eq!(last.event, Some(CustomerEvent::NotHelpful));
        assert_eq!(b.reasons[0].evidence.turn as usize, b.transcript.len() - 1);
        assert_eq!(b.validate(), Ok(()));
        let v = crate::verify::verify(&b, &Policy::default());
        assert!(v.is_match(), "{v:#?}");
    }

    #[test]
    fn an_overlong_message_is_cut_and_its_evidence_stays_inside() {
        let mut conv = Conversation::new(Policy::default());
        let text = format!(
            "{} I want to talk to a human right now",
            "blah ".repeat(900)
        );
        let d = conv.customer_message(Millis(1000), &text);
        if !matches!(d, crate::decision::Decision::Escalate { .. }) {
            let _ = conv.button(Millis(2000));
        }
        let b = conv.bundle(meta());
        assert_eq!(b.transcript[0].text.chars().count(), limits::MAX_TEXT_CHARS);
        assert_eq!(b.validate(), Ok(()));
    }

    #[test]
    fn a_button_press_before_any_message_is_turn_zero() {
        let mut conv = Conversation::new(Policy::default());
        let _ = conv.button(Millis(10));
        let b = conv.bundle(meta());
        assert_eq!(b.transcript.len(), 1);
        assert_eq!(b.transcript[0].event, Some(CustomerEvent::HumanButton));
        assert_eq!(b.reasons[0].evidence.turn, 0);
        assert_eq!(b.validate(), Ok(()));
        assert!(crate::verify::verify(&b, &Policy::default()).is_match());
    }

    #[test]
    fn texts_are_redacted_and_the_build_is_deterministic() {
        let mut conv = Conversation::new(Policy::default());
        let _ = conv.customer_message(Millis(1000), "my card 4111-1111-1111-1111 was declined");
        let _ = conv.button(Millis(2000));
        let a = serde_json::to_string(&conv.bundle(meta())).unwrap();
        let b = serde_json::to_string(&conv.bundle(meta())).unwrap();
        assert_eq!(a, b);
        assert!(a.contains("my card [card •••• 1111] was declined"), "{a}");
        assert!(!a.contains("4111-1111"));
    }

    fn body(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
        let mut conv = Conversation::new(Policy::default());
        let _ = conv.customer_message(Millis(1000), "hi");
        let _ = conv.button(Millis(2000));
        let mut v = serde_json::to_value(conv.bundle(meta())).unwrap();
        edit(&mut v);
        serde_json::to_vec(&v).unwrap()
    }

    fn rejected(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        match HandoffV1::from_json(&body(edit)) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert!(HandoffV1::from_json(&body(|_| {})).is_ok());
        assert_eq!(
            rejected(|v| v["transcript"][0]["text"] = "x".repeat(4001).into()),
            "transcript[0].text: longer than 4000 characters"
        );
        assert_eq!(
            rejected(|v| v["reasons"][0]["evidence"]["turn"] = 9.into()),
            "reasons[0].evidence.turn: out of range: not a transcript index"
        );
        assert_eq!(rejected(|v| v["id"] = "abc".into()), "id: not a UUID");
        assert_eq!(
            rejected(|v| v["site"] = "de mo".into()),
            "site: only letters, digits, `_`, `.` and `-` are allowed"
        );
        let unknown = rejected(|v| v["transcript"][0]["colour"] = "red".into());
        assert!(unknown.contains("unknown field `colour`"), "{unknown}");
        assert!(rejected(|v| v["route"]["priority"] = 3.into()).starts_with("route.priority: "));
        assert_eq!(
            rejected(|v| {
                v["schema"] = "baton.handoff/v2".into();
                v["new_field"] = true.into();
            }),
            "schema: unsupported schema version `baton.handoff/v2`, expected `baton.handoff/v1`"
        );
        assert_eq!(
            rejected(|v| v["sentiment"] = serde_json::json!([{"turn": 0, "score": -2.0}])),
            "sentiment[0].score: out of range: must be between -1 and 1"
        );
        let huge = vec![b' '; limits::MAX_BYTES + 1];
        assert_eq!(
            HandoffV1::from_json(&huge).unwrap_err().kind,
            BundleErrorKind::TooLarge {
                max: limits::MAX_BYTES
            }
        );
        assert_eq!(HandoffV1::from_json(b"42").unwrap_err().path, "$");
        assert!(HandoffV1::from_json(b"{\"schema\":1}")
            .unwrap_err()
            .to_string()
            .starts_with("schema: invalid type"));
    }

    #[test]
    fn the_server_redacts_what_a_browser_left_in() {
        let mut b: HandoffV1 = serde_json::from_slice(&body(|v| {
            v["transcript"][0]["text"] = "IBAN GB82 WEST 1234 5698 7654 32".into()
        }))
        .unwrap();
        assert!(crate::redact::contains_secret(&b.transcript[0].text));
        assert_eq!(b.redact(), 1);
        assert_eq!(b.transcript[0].text, "IBAN [IBAN ••32]");
    }
}
