//! The `Conversation` state machine: events in (time passed in), `Decision`s out.
use serde::{Deserialize, Serialize};

use crate::decision::{Decision, Evidence, Reason, Trigger};
use crate::detect::{self, History};
use crate::policy::Policy;
use crate::route::RouteInput;
use crate::time::Millis;

/// Who spoke a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The visitor.
    Customer,
    /// The bot (the responder's answer).
    Bot,
    /// A human agent, after handoff.
    Agent,
    /// A notice from Baton itself ("Connecting you to a person…").
    System,
}

/// One turn as the engine saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Turn {
    /// Who spoke.
    pub role: Role,
    /// What was said.
    pub text: String,
    /// When.
    pub at: Millis,
    /// For bot turns: the candidate's details.
    pub candidate: Option<Candidate>,
    /// For bot turns: whether the engine withheld it.
    pub withheld: bool,
}

/// A responder's candidate answer, before the engine lets it through.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The answer text.
    pub text: String,
    /// Responder confidence, 0 to 1.
    pub confidence: f32,
    /// Whether it is backed by the knowledge base; `None` for small talk that needs no facts.
    #[serde(default)]
    pub grounded: Option<bool>,
    /// Knowledge-base sources, e.g. `kb:shipping-times`.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// The customer's verdict on the last bot answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    /// 👍
    Helpful,
    /// 👎
    NotHelpful,
}

/// Where the conversation stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// The bot is answering.
    Bot,
    /// A human was suggested once; the bot still answers.
    Offered {
        /// Why it was suggested.
        reason: Reason,
    },
    /// Handed over; waiting for a human. The bot is silent from here on.
    Escalated {
        /// Why.
        reasons: Vec<Reason>,
        /// When.
        at: Millis,
    },
}

/// One support conversation as the engine tracks it.
#[derive(Clone, Debug)]
pub struct Conversation {
    policy: Policy,
    turns: Vec<Turn>,
    phase: Phase,
}

impl Conversation {
    /// A new conversation under `policy`.
    pub fn new(policy: Policy) -> Self {
        Conversation {
            policy,
            turns: Vec::new(),
            phase: Phase::Bot,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Every turn so far, withheld candidates included.
    pub fn transcript(&self) -> &[Turn] {
        &self.turns
    }

    /// Where the conversation stands.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The customer sent a message.
    pub fn customer_message(&mut self, now: Millis, text: &str) -> Decision {
        self.push(Role::Customer, now, text.to_owned(), None);
        if self.is_escalated() {
            return Decision::Silent;
        }
        let turn = self.turns.len() as u32 - 1;
        let history = History::new(&self.turns);
        let reasons = detect::customer_turn(turn, &history, &self.policy);
        self.decide(now, reasons)
    }

    /// The responder proposes an answer; `Continue` means show it, `Escalate` means withhold it.
    pub fn bot_candidate(&mut self, now: Millis, candidate: Candidate) -> Decision {
        let text = candidate.text.clone();
        self.push(Role::Bot, now, text, Some(candidate));
        if self.is_escalated() {
            if let Some(last) = self.turns.last_mut() {
                last.withheld = true;
            }
            return Decision::Silent;
        }
        let turn = self.turns.len() as u32 - 1;
        let history = History::new(&self.turns);
        let reasons = detect::bot_turn(turn, &history, &self.policy);
        let decision = self.decide(now, reasons);
        if matches!(decision, Decision::Escalate { .. }) {
            if let Some(last) = self.turns.last_mut() {
                last.withheld = true;
            }
        }
        decision
    }

    /// The customer rated the last bot answer.
    pub fn feedback(&mut self, now: Millis, _feedback: Feedback) -> Decision {
        if self.is_escalated() {
            return Decision::Silent;
        }
        self.decide(now, Vec::new())
    }

    /// The customer pressed "Talk to a person": always escalates, never argued with.
    pub fn button(&mut self, now: Millis) -> Decision {
        if self.is_escalated() {
            return Decision::Silent;
        }
        let turn = self.turns.len().saturating_sub(1) as u32;
        let reason = Reason {
            trigger: Trigger::HumanRequest,
            evidence: Evidence {
                turn,
                span: None,
                rule: "human_request.button".into(),
                score: None,
            },
        };
        self.decide(now, vec![reason])
    }

    fn is_escalated(&self) -> bool {
        matches!(self.phase, Phase::Escalated { .. })
    }

    fn push(&mut self, role: Role, at: Millis, text: String, candidate: Option<Candidate>) {
        self.turns.push(Turn {
            role,
            text,
            at,
            candidate,
            withheld: false,
        });
    }

    fn decide(&mut self, now: Millis, reasons: Vec<Reason>) -> Decision {
        if reasons.is_empty() {
            return Decision::Continue;
        }
        let input = RouteInput {
            triggers: reasons.iter().map(|r| r.trigger).collect(),
            ..RouteInput::default()
        };
        let route = self.policy.routing.route(&input);
        self.phase = Phase::Escalated {
            reasons: reasons.clone(),
            at: now,
        };
        Decision::Escalate { reasons, route }
    }
}
