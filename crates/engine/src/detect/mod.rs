//! Detectors: each is a pure function of the turn, the history and the policy, returning
//! a `Reason` with evidence when it fires.
use serde::{Deserialize, Serialize};

use crate::conversation::Turn;
use crate::decision::{Reason, Trigger};
use crate::policy::Policy;

pub(crate) mod amount;
mod confidence;
pub(crate) mod frustration;
pub(crate) mod high_risk;
pub(crate) mod human_request;
#[cfg(test)]
mod labelled_messages;
pub(crate) mod restatement;
pub(crate) mod topic;

pub(crate) use restatement::Relation;

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
pub fn classify(text: &str, policy: &Policy) -> Labels {
    let a = crate::normalize::Analysis::new(text);
    Labels {
        human_request: human_request::detect(&a, 0),
        high_risk: high_risk::detect(&a, 0, policy.refund_threshold),
        frustration: frustration::detect(&a, 0),
    }
}

/// Whether two customer messages state the same problem (the restatement detector):
/// the same problem in other words is `true`; a different request that shares most of
/// its words ("cancel my order" / "change my order") is `false`.
pub fn same_problem(a: &str, b: &str) -> bool {
    restatement::same_problem(a, b)
}

/// Largest money amount stated in one message, in the text's own units.
pub(crate) fn largest_amount(text: &str) -> Option<f64> {
    let text = hide_masked_digits(text);
    amount::largest(&crate::normalize::Analysis::new(&text)).map(|m| m.value)
}

/// The last digits a redaction mask keeps (`[card •••• 1111]`, `[IBAN ••00]`) are there for
/// the agent, not for detectors: read as numbers they would become a refund amount ("refund
/// to [card •••• 4000]"). They turn into `•` here, one character for one, so evidence spans
/// still point into the stored text. Client and server both see the redacted text, so both
/// read it the same way.
fn hide_masked_digits(text: &str) -> std::borrow::Cow<'_, str> {
    const MASKS: [&str; 2] = ["[card •", "[IBAN •"];
    if !MASKS.iter().any(|m| text.contains(m)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some((at, m)) = MASKS
        .iter()
        .filter_map(|m| rest.find(m).map(|at| (at, *m)))
        .min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at + m.len()]);
        rest = &rest[at + m.len()..];
        let end = rest.find(']').unwrap_or(rest.len());
        out.extend(
            rest[..end]
                .chars()
                .map(|c| if c.is_ascii_digit() { '•' } else { c }),
        );
        rest = &rest[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Frustration evidence at or under this score (about 5 anger points on the frustration
/// detector's scale: several cues, not one word read as sarcasm) stands even when the
/// customer also says the answer worked.
const STRONG_ANGER: f32 = -0.72;

/// The customer says the last answer worked, and nothing in the message says it failed.
fn content_with_answer(cues: restatement::Cues) -> bool {
    use restatement::Cues;
    cues.has(Cues::RESOLVED)
        && !cues.has(Cues::FAILED)
        && !cues.has(Cues::AGAIN)
        && !cues.has(Cues::REBUTTAL)
}

/// Sentiment at or under which a message reads as anger.
const ANGER: f32 = -0.5;
/// Sentiment at or under which a message reads as irritation (a mild sign).
const IRRITATION: f32 = -0.15;
/// Customer sentiments remembered for the trend rule.
const MOOD_WINDOW: usize = 4;

/// What the detectors that look back remember of one conversation. Small by design
/// (one open problem, a few sentiment scores): it is part of every conversation's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Memory {
    /// The customer's open problem, for restatement.
    pub(crate) threads: restatement::Threads,
    /// Sentiment of the last customer turns, oldest first.
    mood: Vec<f32>,
}

/// What one customer turn amounts to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CustomerVerdict {
    /// Triggers that fired, strongest first: escalate if not empty.
    pub(crate) reasons: Vec<Reason>,
    /// A softer signal worth offering a human for (once), when nothing fired.
    pub(crate) soft: Option<Reason>,
    /// Sentiment of this turn.
    pub(crate) sentiment: f32,
    /// How the turn relates to the open problem.
    pub(crate) relation: Relation,
    /// Topic of this message alone.
    pub(crate) topic: Topic,
    /// Largest money amount stated in this message.
    pub(crate) amount: Option<f64>,
}

/// Every trigger that fires on customer turn `turn`: the per-message detectors
/// (human request, high risk, one-message frustration) plus the conversation-level ones
/// (restatement, the falling-trend frustration rule), strongest first.
pub(crate) fn customer_turn(
    turn: u32,
    history: &History<'_>,
    policy: &Policy,
    memory: &mut Memory,
) -> CustomerVerdict {
    let text = hide_masked_digits(history.turns().last().map_or("", |t| t.text.as_str()));
    let text = text.as_ref();
    let a = crate::normalize::Analysis::new(text);
    let mut reasons: Vec<Reason> = [
        human_request::detect(&a, turn),
        high_risk::detect(&a, turn, policy.refund_threshold),
        frustration::detect(&a, turn),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut score = frustration::sentiment(&a);
    let (relation, restated) = memory.threads.customer(turn, text);
    reasons.extend(restated);
    if content_with_answer(memory.threads.last_cues()) {
        // "Great.", "Perfect, I'll do that", "makes sense, this helped": a customer who
        // says the answer worked is not angry at the service; one weak cue (a word read
        // as sarcasm) does not outweigh that. Strong anger still fires.
        reasons.retain(|r| {
            r.trigger != Trigger::Frustration || r.evidence.score.is_some_and(|s| s <= STRONG_ANGER)
        });
        score = score.max(0.0);
    }
    let soft = mood(turn, score, memory, &mut reasons);
    sort_strongest_first(&mut reasons);
    CustomerVerdict {
        reasons,
        soft,
        sentiment: score,
        relation,
        topic: topic::topic(&a),
        amount: amount::largest(&a).map(|m| m.value),
    }
}

/// The falling-trend rule: calm → irritated → angry fires at the angry turn; a first mild
/// sign is only worth an offer. Returns the soft signal, pushes a fired reason.
fn mood(turn: u32, score: f32, memory: &mut Memory, reasons: &mut Vec<Reason>) -> Option<Reason> {
    let was_irritated = memory.mood.iter().any(|&s| s <= IRRITATION);
    if memory.mood.len() == MOOD_WINDOW {
        memory.mood.remove(0);
    }
    memory.mood.push(score);
    let already = reasons.iter().any(|r| r.trigger == Trigger::Frustration);
    let reason = |rule: &str| Reason {
        trigger: Trigger::Frustration,
        evidence: crate::decision::Evidence {
            turn,
            span: None,
            rule: rule.to_owned(),
            score: Some(score),
        },
    };
    if score <= ANGER && was_irritated && !already {
        reasons.push(reason("frustration.trend"));
        return None;
    }
    (score <= IRRITATION && score > ANGER).then(|| reason("frustration.mild"))
}

/// Orders reasons strongest first: a person asked for beats policy, which beats anger,
/// which beats a failing bot. Stable, so equal triggers keep detection order.
fn sort_strongest_first(reasons: &mut [Reason]) {
    let rank = |t: Trigger| match t {
        Trigger::HumanRequest => 0,
        Trigger::HighRisk => 1,
        Trigger::Frustration => 2,
        Trigger::Restatement => 3,
        Trigger::LowConfidence => 4,
    };
    reasons.sort_by_key(|r| rank(r.trigger));
}

/// Every trigger that fires on the bot candidate at `turn` (the confidence gate). A shown
/// answer that states facts counts as an attempt on the customer's open problem.
pub(crate) fn bot_turn(
    turn: u32,
    history: &History<'_>,
    policy: &Policy,
    memory: &mut Memory,
) -> Vec<Reason> {
    let Some(candidate) = history.turns().last().and_then(|t| t.candidate.as_ref()) else {
        return Vec::new();
    };
    if let Some(reason) = confidence::gate(turn, candidate, policy) {
        return vec![reason];
    }
    if candidate.grounded.is_some() {
        memory.threads.bot_answered();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_with_answer_table() {
        // (message, the customer says the answer worked and nothing failed)
        let table: &[(&str, bool)] = &[
            ("Perfect, I'll add it under Manage booking.", true),
            ("Great. Just to confirm, is the return free?", true),
            (
                "Génial, merci ! Dernière chose : le jeu est en français ?",
                true,
            ),
            (
                "Makes sense now, thank you. I hate reading bills but this helped.",
                true,
            ),
            (
                "Oh great, another 'check our FAQ' answer. Thanks for nothing.",
                false,
            ),
            ("Great, another useless answer.", false),
            ("Thanks, but it still doesn't work.", false),
            ("Perfect. Just perfect. Still no parcel.", false),
            ("my parcel hasn't arrived", false),
        ];
        for &(text, want) in table {
            let mut threads = restatement::Threads::default();
            threads.customer(0, text);
            assert_eq!(content_with_answer(threads.last_cues()), want, "{text:?}");
        }
    }
}
