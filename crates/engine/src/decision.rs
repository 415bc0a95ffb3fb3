use serde::{Deserialize, Serialize};

use crate::route::Route;

/// Why the bot must stop: the five escalation triggers of Baton's design.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The customer asked for a person, in words or with the "Talk to a person" button.
    HumanRequest,
    /// The bot answered twice and the customer is still stating the same problem.
    Restatement,
    /// The bot's candidate answer was weak or ungrounded; it was withheld.
    LowConfidence,
    /// The customer is angry or exasperated, in one message or as a falling trend.
    Frustration,
    /// Policy forbids the bot to handle this (large refund, closure, fraud, legal…).
    HighRisk,
}

/// A character range (in Unicode scalar values, not bytes) inside one turn's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// First character, inclusive.
    pub start: u32,
    /// Last character, exclusive.
    pub end: u32,
}

/// What an agent (or a test) needs to see exactly why a trigger fired.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Index of the turn in the transcript (customer and bot turns counted together).
    pub turn: u32,
    /// The part of that turn's text that matched, when a span is meaningful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Stable identifier of the rule or model that fired, e.g. `human_request.ask_person`.
    pub rule: String,
    /// Score behind the decision (confidence, sentiment, similarity), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

/// One fired trigger with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Which trigger fired.
    pub trigger: Trigger,
    /// Where and why.
    pub evidence: Evidence,
}

/// What the caller must do after feeding an event to a `Conversation`.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Carry on: show the bot's candidate answer (if the event was one) and keep chatting.
    Continue,
    /// Suggest a human once, for a softer signal. Never returned twice in a conversation.
    Offer {
        /// The soft signal behind the offer.
        reason: Reason,
    },
    /// Stop the bot now and hand over; any candidate answer in this event is withheld.
    Escalate {
        /// Every trigger that fired on this event, strongest first.
        reasons: Vec<Reason>,
        /// Queue and priority picked by the routing rules.
        route: Route,
    },
    /// A human owns the conversation: the bot must stay silent (no talking over the human).
    Silent,
}
