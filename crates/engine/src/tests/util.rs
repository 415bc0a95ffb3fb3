//! `Script`: feeds a conversation turn by turn on a virtual clock (our quinn `Pair`).
//!
//! Every event advances `now` by one second, as `baton replay` does, so a script's
//! decisions are a pure function of its events. [`Script::replay`] runs a script twice on
//! fresh conversations and insists on identical decisions, which is how determinism is
//! tested rather than hoped for.
use crate::conversation::{Candidate, Conversation, Feedback};
use crate::decision::{Decision, Trigger};
use crate::policy::Policy;
use crate::time::Millis;

/// One event of a script.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Ev {
    /// The customer says something.
    Customer(String),
    /// The responder proposes an answer: text, confidence, grounded.
    Bot(String, f32, Option<bool>),
    /// 👍 or 👎 on the last answer.
    Feedback(Feedback),
    /// "Talk to a person".
    Button,
}

/// A customer message event.
pub(crate) fn c(text: &str) -> Ev {
    Ev::Customer(text.to_owned())
}

/// A grounded bot answer with comfortable confidence.
pub(crate) fn b(text: &str) -> Ev {
    Ev::Bot(text.to_owned(), 0.8, Some(true))
}

/// A conversation driven by a script on a virtual clock.
pub(crate) struct Script {
    pub(crate) conv: Conversation,
    now: Millis,
}

impl Script {
    pub(crate) fn new(policy: Policy) -> Script {
        Script {
            conv: Conversation::new(policy),
            now: Millis(0),
        }
    }

    /// Feeds one event; time moves on by a second afterwards.
    pub(crate) fn step(&mut self, ev: &Ev) -> Decision {
        let now = self.now;
        self.now = Millis(now.0 + 1000);
        match ev {
            Ev::Customer(text) => self.conv.customer_message(now, text),
            Ev::Bot(text, confidence, grounded) => self.conv.bot_candidate(
                now,
                Candidate {
                    text: text.clone(),
                    confidence: *confidence,
                    grounded: *grounded,
                    sources: if grounded == &Some(true) {
                        vec!["kb:test".to_owned()]
                    } else {
                        Vec::new()
                    },
                },
            ),
            Ev::Feedback(f) => self.conv.feedback(now, *f),
            Ev::Button => self.conv.button(now),
        }
    }

    /// Runs `events` on a fresh conversation; returns every decision.
    pub(crate) fn run(policy: &Policy, events: &[Ev]) -> (Script, Vec<Decision>) {
        let mut script = Script::new(policy.clone());
        let decisions = events.iter().map(|e| script.step(e)).collect();
        (script, decisions)
    }

    /// Runs `events` twice on fresh conversations and checks the decisions agree.
    pub(crate) fn replay(policy: &Policy, events: &[Ev]) -> Vec<Decision> {
        let (_, first) = Script::run(policy, events);
        let (_, second) = Script::run(policy, events);
        assert_eq!(first, second, "same events, different decisions");
        first
    }
}

/// Index of the first escalation and its triggers.
pub(crate) fn first_escalation(decisions: &[Decision]) -> Option<(usize, Vec<Trigger>)> {
    decisions.iter().enumerate().find_map(|(i, d)| match d {
        Decision::Escalate { reasons, .. } => {
            Some((i, reasons.iter().map(|r| r.trigger).collect()))
        }
        _ => None,
    })
}
