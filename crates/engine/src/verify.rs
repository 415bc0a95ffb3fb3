//! Server-side re-derivation: replay a bundle's transcript through a fresh `Conversation`
//! and compare the reasons the engine finds with the reasons the browser claimed.
//!
//! The server trusts no reason it has not re-derived. Replaying the transcript (customer
//! messages, button presses and ratings, bot candidates including withheld ones) under the
//! site's policy gives the engine's own decision; rebuilding a bundle from that replay puts
//! both sides through the same redaction and index mapping, so they compare like for like.
use crate::bundle::{BundleMeta, CustomerEvent, HandoffV1};
use crate::conversation::{Candidate, Conversation, Feedback, Role};
use crate::decision::{Decision, Reason, Trigger};
use crate::policy::Policy;
use crate::route::Route;

/// The outcome of re-deriving a bundle's reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct Verification {
    /// Claimed reasons the replay also found (same trigger at the same turn).
    pub matched: Vec<Reason>,
    /// Claimed by the bundle, not found by the replay.
    pub missing: Vec<Reason>,
    /// Found by the replay, not claimed by the bundle.
    pub unexpected: Vec<Reason>,
    /// The transcript index at which the replay escalated, if it did.
    pub escalated_at: Option<u32>,
    /// The route the server's rules pick for the replayed conversation and the bundle's
    /// customer, when the replay escalated.
    pub route: Option<Route>,
    /// Whether the bundle was made under the same policy (`engine.config_hash`).
    pub same_policy: bool,
}

impl Verification {
    /// True when every claimed reason was re-derived and nothing else was found.
    pub fn is_match(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }

    /// The triggers that disagree, claimed-but-missing first, for logs and metrics.
    pub fn mismatched_triggers(&self) -> Vec<Trigger> {
        self.missing
            .iter()
            .chain(&self.unexpected)
            .map(|r| r.trigger)
            .collect()
    }
}

/// Replays `bundle.transcript` under `policy` and compares the reasons.
///
/// Reasons are compared by trigger and turn: spans and scores may move slightly because the
/// server only ever sees redacted text, and they explain a decision rather than make it.
pub fn verify(bundle: &HandoffV1, policy: &Policy) -> Verification {
    let conv = replay(bundle, policy);
    let rebuilt = conv.bundle(BundleMeta::of(bundle));
    let escalated = matches!(conv.phase(), crate::conversation::Phase::Escalated { .. });
    let same =
        |a: &Reason, b: &Reason| a.trigger == b.trigger && a.evidence.turn == b.evidence.turn;
    let (matched, missing): (Vec<Reason>, Vec<Reason>) = bundle
        .reasons
        .iter()
        .cloned()
        .partition(|c| rebuilt.reasons.iter().any(|d| same(c, d)));
    let unexpected = rebuilt
        .reasons
        .iter()
        .filter(|d| !bundle.reasons.iter().any(|c| same(c, d)))
        .cloned()
        .collect();
    Verification {
        matched,
        missing,
        unexpected,
        escalated_at: rebuilt
            .reasons
            .iter()
            .map(|r| r.evidence.turn)
            .max()
            .filter(|_| escalated),
        route: escalated.then_some(rebuilt.route),
        same_policy: bundle.engine.config_hash == policy.config_hash(),
    }
}

/// Feeds the transcript to a fresh conversation, event by event, at the recorded times.
/// Agent and system notices are not engine input and are skipped.
pub fn replay(bundle: &HandoffV1, policy: &Policy) -> Conversation {
    let mut conv = Conversation::new(policy.clone());
    for e in &bundle.transcript {
        let _: Decision = match (e.role, e.event) {
            (_, Some(CustomerEvent::HumanButton)) => conv.button(e.at),
            (_, Some(CustomerEvent::Helpful)) => conv.feedback(e.at, Feedback::Helpful),
            (_, Some(CustomerEvent::NotHelpful)) => conv.feedback(e.at, Feedback::NotHelpful),
            (Role::Customer, None) => conv.customer_message(e.at, &e.text),
            (Role::Bot, None) => conv.bot_candidate(
                e.at,
                Candidate {
                    text: e.text.clone(),
                    // A bot entry without a confidence was shown as certain.
                    confidence: e.confidence.unwrap_or(1.0),
                    grounded: e.grounded,
                    sources: e.sources.clone(),
                },
            ),
            (Role::Agent | Role::System, None) => continue,
        };
    }
    conv
}
