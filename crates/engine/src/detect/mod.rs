//! Detectors: each is a pure function of the turn, the history and the policy, returning
//! a `Reason` with evidence when it fires.
use serde::{Deserialize, Serialize};

use crate::conversation::Turn;
use crate::decision::Reason;
use crate::policy::Policy;

/// What a conversation is about, for routing and the summary.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Charges, invoices, refunds, payment methods.
    Billing,
    /// Errors, integrations, bugs, how the product works.
    Technical,
    /// Login, password, profile, ownership, closure.
    Account,
    /// Delivery, tracking, returns logistics.
    Shipping,
    /// Anything else.
    #[default]
    General,
}

/// The per-message labels `baton classify` prints.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Labels {
    /// Evidence of a request for a human, if any.
    pub human_request: Option<Reason>,
    /// Evidence of a high-risk request, if any.
    pub high_risk: Option<Reason>,
    /// Evidence of frustration, if any.
    pub frustration: Option<Reason>,
}

/// Read-only view of the conversation so far, for detectors that look back.
pub(crate) struct History<'a> {
    turns: &'a [Turn],
}

impl<'a> History<'a> {
    pub(crate) fn new(turns: &'a [Turn]) -> Self {
        History { turns }
    }

    #[allow(dead_code)] // used by the detectors as they land
    pub(crate) fn turns(&self) -> &'a [Turn] {
        self.turns
    }
}

/// Labels one message on its own, as `baton classify` does (turn 0, no history).
pub fn classify(_text: &str, _policy: &Policy) -> Labels {
    Labels::default()
}

/// Whether two customer messages state the same problem (the restatement detector).
pub fn same_problem(_a: &str, _b: &str) -> bool {
    false
}

/// Every trigger that fires on customer turn `turn`.
pub(crate) fn customer_turn(_turn: u32, _history: &History<'_>, _policy: &Policy) -> Vec<Reason> {
    Vec::new()
}

/// Every trigger that fires on the bot candidate at `turn` (the confidence gate).
pub(crate) fn bot_turn(_turn: u32, _history: &History<'_>, _policy: &Policy) -> Vec<Reason> {
    Vec::new()
}
