//! What the server checks in a bundle before trusting any of it, and how it routes.
//!
//! Shape, limits and version are the engine's (`HandoffV1::validate`); the server adds one
//! rule of its own (no control characters in free text — they have no place in a chat and
//! some storage engines reject NUL). Reasons are re-derived with `baton_engine::verify`
//! (a replay of the transcript under the site's policy, button presses included): the server
//! routes only on triggers the replay found. A disagreement is recorded, never rejected — the
//! customer still gets a human.
use baton_engine::{
    BundleError, BundleErrorKind, Customer, HandoffV1, Policy, RouteInput, RoutingRules, Trigger,
    Verification,
};

use crate::error::ApiError;

/// Maps the engine's validation error onto the API's codes.
pub fn bundle_error(e: BundleError) -> ApiError {
    match e.kind {
        BundleErrorKind::UnsupportedVersion(v) => {
            ApiError::UnsupportedVersion(v.chars().take(64).collect())
        }
        BundleErrorKind::TooLarge { .. } => ApiError::PayloadTooLarge,
        kind => ApiError::InvalidBundle {
            path: e.path,
            message: kind.to_string(),
        },
    }
}

fn no_controls(path: &str, value: &str) -> Result<(), ApiError> {
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ApiError::InvalidBundle {
            path: path.to_owned(),
            message: "contains control characters".into(),
        });
    }
    Ok(())
}

/// The engine's validation plus the server's own text rule.
pub fn check(b: &HandoffV1) -> Result<(), ApiError> {
    b.validate().map_err(bundle_error)?;
    for (i, t) in b.transcript.iter().enumerate() {
        no_controls(&format!("transcript[{i}].text"), &t.text)?;
    }
    no_controls("summary", &b.summary)?;
    no_controls("conversation_id", &b.conversation_id)?;
    let c = &b.customer;
    for (path, v) in [
        ("customer.id", &c.id),
        ("customer.email", &c.email),
        ("customer.name", &c.name),
        ("customer.user_hash", &c.user_hash),
    ] {
        if let Some(v) = v {
            no_controls(path, v)?;
        }
    }
    no_controls("page.url", &b.page.url)?;
    no_controls("page.title", &b.page.title)?;
    Ok(())
}

/// Redacts card numbers and IBANs in the free text `HandoffV1::redact` leaves alone — the
/// page title and URL (a checkout URL may carry `?card=…`), the customer's email and every
/// string inside `customer.attributes` — so that nothing a browser or a forger sends puts a
/// secret into storage. Returns how many texts changed.
pub fn redact_rest(b: &mut HandoffV1) -> usize {
    fn value(v: &mut serde_json::Value) -> usize {
        match v {
            serde_json::Value::String(s) => text(s),
            serde_json::Value::Array(items) => items.iter_mut().map(value).sum(),
            serde_json::Value::Object(map) => map.values_mut().map(value).sum(),
            _ => 0,
        }
    }
    let mut changed = text(&mut b.page.title) + text(&mut b.page.url);
    if let Some(email) = &mut b.customer.email {
        changed += text(email);
    }
    changed += b.customer.attributes.values_mut().map(value).sum::<usize>();
    let keys: Vec<String> = b.customer.attributes.keys().cloned().collect();
    for key in keys {
        let mut new = key.clone();
        if text(&mut new) > 0 {
            if let Some(v) = b.customer.attributes.remove(&key) {
                b.customer.attributes.insert(new, v);
                changed += 1;
            }
        }
    }
    changed
}

/// Redacts one text in place; 1 if it changed.
pub fn text(s: &mut String) -> usize {
    match baton_engine::redact(s) {
        std::borrow::Cow::Owned(r) => {
            *s = r;
            1
        }
        std::borrow::Cow::Borrowed(_) => 0,
    }
}

/// Triggers the server vouches for: every reason the replay found, claimed or not.
pub fn trusted_triggers(v: &Verification) -> Vec<Trigger> {
    let mut t: Vec<Trigger> = v
        .matched
        .iter()
        .chain(&v.unexpected)
        .map(|r| r.trigger)
        .collect();
    t.sort();
    t.dedup();
    t
}

/// Picks the route from the replayed conversation and the *verified* customer only: an
/// unverified `plan: enterprise` must not jump the queue.
pub fn route_input(
    b: &HandoffV1,
    policy: &Policy,
    triggers: Vec<Trigger>,
    customer: &Customer,
) -> RouteInput {
    let conversation = baton_engine::replay(b, policy);
    let vouched = if customer.verified {
        customer.clone()
    } else {
        Customer::default()
    };
    conversation.route_input(triggers).with_customer(&vouched)
}

/// Parses a routing file (`[default]` plus `[[rules]]`).
pub fn routing_from_toml(text: &str) -> Result<RoutingRules, String> {
    RoutingRules::from_toml(text).map_err(|e| e.to_string())
}
