//! What the server checks in a bundle before trusting any of it: limits, then the reasons.
//!
//! Limits are server policy (sizes a browser cannot legitimately exceed). The reasons are
//! re-derived by replaying the transcript through `baton_engine::Conversation` under the
//! site's policy: the server routes only on what it re-derived itself, plus the "Talk to a
//! person" button (a press leaves no text to re-derive, and a customer asking for a human is
//! never argued with). A disagreement is recorded, not rejected: the customer still gets a human.
//!
//! Shim note: `baton-engine` is to grow `HandoffV1::validate()` and `verify()`; once they
//! land, `check_limits` and `rederive` become thin calls into them.
use std::collections::BTreeSet;

use baton_engine::{
    Candidate, Conversation, Decision, HandoffV1, Millis, Policy, Reason, Role, RouteInput,
    RoutingRules, Trigger, SCHEMA_VERSION,
};
use serde::Serialize;

use crate::error::ApiError;

/// Most turns a transcript may hold.
pub const MAX_TURNS: usize = 300;
/// Longest text of one turn, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

fn bad(path: impl Into<String>, message: impl Into<String>) -> ApiError {
    ApiError::InvalidBundle {
        path: path.into(),
        message: message.into(),
    }
}

/// Ids: short, printable, no separators that could smuggle anything into a log or a URL.
fn check_id(path: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.is_empty() {
        return Err(bad(path, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(bad(path, format!("longer than {max} characters")));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        return Err(bad(
            path,
            "may only contain letters, digits, `-`, `_`, `.`, `:`",
        ));
    }
    Ok(())
}

/// Free text: bounded, and no control characters other than tab and newlines.
fn check_text(path: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(bad(path, format!("longer than {max} characters")));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(bad(path, "contains control characters"));
    }
    Ok(())
}

fn check_unit(path: &str, value: Option<f32>, lo: f32) -> Result<(), ApiError> {
    match value {
        Some(v) if !(v.is_finite() && (lo..=1.0).contains(&v)) => {
            Err(bad(path, format!("must be a number from {lo} to 1")))
        }
        _ => Ok(()),
    }
}

/// Checks sizes, counts and ranges; the message names the first offending field.
pub fn check_limits(b: &HandoffV1) -> Result<(), ApiError> {
    if b.schema != SCHEMA_VERSION {
        return Err(ApiError::UnsupportedVersion(
            b.schema.chars().take(64).collect(),
        ));
    }
    check_id("id", &b.id, 64)?;
    check_id("site", &b.site, 64)?;
    check_id("conversation_id", &b.conversation_id, 64)?;
    if b.reasons.len() > 16 {
        return Err(bad("reasons", "more than 16 reasons"));
    }
    for (i, r) in b.reasons.iter().enumerate() {
        check_text(
            &format!("reasons[{i}].evidence.rule"),
            &r.evidence.rule,
            100,
        )?;
        check_unit(
            &format!("reasons[{i}].evidence.score"),
            r.evidence.score,
            -1.0,
        )?;
    }
    if b.transcript.is_empty() {
        return Err(bad("transcript", "must hold at least one turn"));
    }
    if b.transcript.len() > MAX_TURNS {
        return Err(bad("transcript", format!("more than {MAX_TURNS} turns")));
    }
    for (i, t) in b.transcript.iter().enumerate() {
        check_text(&format!("transcript[{i}].text"), &t.text, MAX_TEXT_CHARS)?;
        check_unit(&format!("transcript[{i}].confidence"), t.confidence, 0.0)?;
        if t.sources.len() > 20 {
            return Err(bad(
                format!("transcript[{i}].sources"),
                "more than 20 sources",
            ));
        }
        for (j, s) in t.sources.iter().enumerate() {
            check_text(&format!("transcript[{i}].sources[{j}]"), s, 200)?;
        }
    }
    if b.attempts.len() > MAX_TURNS {
        return Err(bad("attempts", format!("more than {MAX_TURNS} attempts")));
    }
    for (i, a) in b.attempts.iter().enumerate() {
        if let Some(s) = &a.source {
            check_text(&format!("attempts[{i}].source"), s, 200)?;
        }
        check_unit(&format!("attempts[{i}].confidence"), a.confidence, 0.0)?;
    }
    check_text("summary", &b.summary, MAX_TEXT_CHARS)?;
    if b.sentiment.len() > MAX_TURNS {
        return Err(bad("sentiment", format!("more than {MAX_TURNS} points")));
    }
    for (i, s) in b.sentiment.iter().enumerate() {
        check_unit(&format!("sentiment[{i}].score"), Some(s.score), -1.0)?;
    }
    let c = &b.customer;
    if let Some(id) = &c.id {
        check_text("customer.id", id, 200)?;
    }
    if let Some(v) = &c.email {
        check_text("customer.email", v, 320)?;
    }
    if let Some(v) = &c.name {
        check_text("customer.name", v, 200)?;
    }
    if let Some(v) = &c.user_hash {
        check_text("customer.user_hash", v, 128)?;
    }
    if c.attributes.len() > 50 {
        return Err(bad("customer.attributes", "more than 50 attributes"));
    }
    for (k, v) in &c.attributes {
        check_text(&format!("customer.attributes.{k}"), k, 100)?;
        if v.to_string().len() > 2000 {
            return Err(bad(
                format!("customer.attributes.{k}"),
                "longer than 2000 bytes",
            ));
        }
    }
    check_text("page.url", &b.page.url, 2048)?;
    check_text("page.title", &b.page.title, 500)?;
    check_text("page.locale", &b.page.locale, 35)?;
    check_text("engine.version", &b.engine.version, 32)?;
    check_text("engine.config_hash", &b.engine.config_hash, 128)?;
    Ok(())
}

/// The outcome of re-deriving a bundle's reasons.
#[derive(Debug, Serialize)]
pub struct Verification {
    /// Reasons the engine found replaying the transcript.
    pub derived: Vec<Reason>,
    /// Triggers the server trusts: derived ones plus a button press.
    pub trusted: Vec<Trigger>,
    /// Triggers the widget reported.
    pub claimed: Vec<Trigger>,
    /// Reported but not re-derived.
    pub missing: Vec<Trigger>,
    /// Re-derived but not reported.
    pub extra: Vec<Trigger>,
}

impl Verification {
    /// Whether the widget and the server agree.
    pub fn matches(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty()
    }
}

/// The rule name the engine gives a press of the "Talk to a person" button.
const BUTTON_RULE: &str = "human_request.button";

/// Replays the transcript under `policy` and compares the triggers with the claimed ones.
pub fn rederive(b: &HandoffV1, policy: &Policy) -> Verification {
    let mut conversation = Conversation::new(policy.clone());
    let mut derived = Vec::new();
    for t in &b.transcript {
        let now = Millis(t.at.0);
        let decision = match t.role {
            Role::Customer => conversation.customer_message(now, &t.text),
            Role::Bot => conversation.bot_candidate(
                now,
                Candidate {
                    text: t.text.clone(),
                    confidence: t.confidence.unwrap_or(1.0),
                    grounded: t.grounded,
                    sources: t.sources.clone(),
                },
            ),
            Role::Agent | Role::System => continue,
        };
        if let Decision::Escalate { reasons, .. } = decision {
            derived = reasons;
            break;
        }
    }
    let claimed: BTreeSet<Trigger> = b.reasons.iter().map(|r| r.trigger).collect();
    let mut trusted: BTreeSet<Trigger> = derived.iter().map(|r| r.trigger).collect();
    if b.reasons
        .iter()
        .any(|r| r.trigger == Trigger::HumanRequest && r.evidence.rule == BUTTON_RULE)
    {
        trusted.insert(Trigger::HumanRequest);
    }
    Verification {
        missing: claimed.difference(&trusted).copied().collect(),
        extra: trusted.difference(&claimed).copied().collect(),
        derived,
        trusted: trusted.into_iter().collect(),
        claimed: claimed.into_iter().collect(),
    }
}

/// The routing facts the server vouches for. Tier and customer value come only from a
/// verified identity (an unverified "plan: enterprise" must not jump the queue).
pub fn route_input(
    b: &HandoffV1,
    v: &Verification,
    verified_attributes: Option<&std::collections::BTreeMap<String, serde_json::Value>>,
) -> RouteInput {
    let sentiment = b
        .sentiment
        .iter()
        .map(|s| s.score)
        .fold(0.0f32, f32::min)
        .clamp(-1.0, 1.0);
    let tier = verified_attributes
        .and_then(|a| a.get("plan").or_else(|| a.get("tier")))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let customer_value = verified_attributes
        .and_then(|a| a.get("value").or_else(|| a.get("lifetime_value")))
        .and_then(|v| v.as_f64());
    RouteInput {
        triggers: v.trusted.clone(),
        tier,
        customer_value,
        sentiment,
        ..RouteInput::default()
    }
}

/// Parses a routing file. Shim: the engine's `RoutingRules::from_toml` (feature `toml`)
/// replaces this once it is released; the TOML → JSON value → serde path is equivalent.
pub fn routing_from_toml(text: &str) -> Result<RoutingRules, String> {
    let value: toml::Value = toml::from_str(text).map_err(|e| e.to_string())?;
    let json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    serde_json::from_value(json).map_err(|e| e.to_string())
}
