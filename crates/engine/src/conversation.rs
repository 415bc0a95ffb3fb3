//! The `Conversation` state machine: events in (time passed in), `Decision`s out.
use serde::{Deserialize, Serialize};

use crate::bundle::{
    Attempt, AttemptKind, AttemptOutcome, Customer, CustomerEvent, SentimentPoint,
};
use crate::decision::{Decision, Evidence, Reason, Trigger};
use crate::detect::{self, History, Memory, Relation, Topic};
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
///
/// Inputs are `handle`-style calls that take `now` from the caller (the engine owns no
/// clock); each returns the [`Decision`] the caller must act on. Getters expose what the
/// widget and the bundle need. Besides the transcript, the state is bounded: detectors
/// keep one open problem and a few sentiment scores, not a copy of the history.
#[derive(Clone, Debug)]
pub struct Conversation {
    policy: Policy,
    turns: Vec<Turn>,
    phase: Phase,
    memory: Memory,
    customer: Customer,
    /// Whether a human was already offered (never twice).
    offered: bool,
    attempts: Vec<Attempt>,
    sentiment: Vec<SentimentPoint>,
    topic: Topic,
    largest_amount: Option<f64>,
}

impl Conversation {
    /// A new conversation under `policy`.
    pub fn new(policy: Policy) -> Self {
        Conversation {
            policy,
            turns: Vec::new(),
            phase: Phase::Bot,
            memory: Memory::default(),
            customer: Customer::default(),
            offered: false,
            attempts: Vec::new(),
            sentiment: Vec::new(),
            topic: Topic::General,
            largest_amount: None,
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

    /// Why the conversation escalated (strongest first), or why a human was offered;
    /// empty while the bot is simply answering.
    pub fn reasons(&self) -> &[Reason] {
        match &self.phase {
            Phase::Bot => &[],
            Phase::Offered { reason } => std::slice::from_ref(reason),
            Phase::Escalated { reasons, .. } => reasons,
        }
    }

    /// What the bot tried and how each attempt went, in turn order.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// Sentiment of each customer turn, -1 (furious) to 1 (delighted).
    pub fn sentiment(&self) -> &[SentimentPoint] {
        &self.sentiment
    }

    /// The lowest customer sentiment so far (0 when the customer has not spoken).
    pub fn lowest_sentiment(&self) -> f32 {
        self.sentiment
            .iter()
            .map(|p| p.score)
            .fold(0.0f32, f32::min)
    }

    /// What the conversation is about: the first specific topic the customer raised.
    pub fn topic(&self) -> Topic {
        self.topic
    }

    /// The largest money amount the customer mentioned, in the text's own units.
    pub fn largest_amount(&self) -> Option<f64> {
        self.largest_amount
    }

    /// Who the customer is, as far as the site told the widget.
    pub fn customer(&self) -> &Customer {
        &self.customer
    }

    /// The customer's tier (`plan` attribute), for routing.
    pub fn tier(&self) -> Option<&str> {
        self.customer
            .attributes
            .get("plan")
            .and_then(|v| v.as_str())
    }

    /// The customer's value (`value` attribute, a number or a numeric string), for routing.
    pub fn customer_value(&self) -> Option<f64> {
        let v = self.customer.attributes.get("value")?;
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .filter(|x: &f64| x.is_finite())
    }

    /// The facts routing rules match on, as they stand now.
    pub fn route_input(&self, triggers: Vec<Trigger>) -> RouteInput {
        RouteInput {
            triggers,
            topic: self.topic,
            tier: self.tier().map(str::to_owned),
            customer_value: self.customer_value(),
            sentiment: self.lowest_sentiment(),
            amount: self.largest_amount,
        }
    }

    /// The site identified the customer (`Baton('identify', {...})`). Later calls merge:
    /// a field given again replaces the old value, attributes are merged key by key.
    /// The browser can never mark a customer verified; that is the server's job.
    pub fn identify(&mut self, customer: Customer) {
        let c = &mut self.customer;
        c.id = customer.id.or(c.id.take());
        c.email = customer.email.or(c.email.take());
        c.name = customer.name.or(c.name.take());
        c.user_hash = customer.user_hash.or(c.user_hash.take());
        c.attributes.extend(customer.attributes);
        c.verified = false;
    }

    /// The customer sent a message.
    ///
    /// Card numbers and IBANs are redacted before anything else sees the text: detectors
    /// then read exactly what the bundle will carry (so the server, which only gets redacted
    /// text, re-derives the same decisions), and no raw secret sits in engine state or in a
    /// saved snapshot of it.
    pub fn customer_message(&mut self, now: Millis, text: &str) -> Decision {
        let text = crate::redact::redact(text).into_owned();
        self.push(Role::Customer, now, text, None);
        if self.is_escalated() {
            return Decision::Silent;
        }
        let turn = self.last_index();
        let history = History::new(&self.turns);
        let verdict = detect::customer_turn(turn, &history, &self.policy, &mut self.memory);
        self.sentiment.push(SentimentPoint {
            turn,
            score: verdict.sentiment,
        });
        self.note_facts(verdict.topic, verdict.amount);
        self.settle_last_attempt(match verdict.relation {
            Relation::Restated => Some(AttemptOutcome::DidNotHelp),
            Relation::Moved => Some(AttemptOutcome::Helped),
            Relation::Opened | Relation::Continued => None,
        });
        if verdict.reasons.is_empty() {
            return match verdict.soft {
                Some(reason) => self.offer(reason),
                None => Decision::Continue,
            };
        }
        self.escalate(now, verdict.reasons)
    }

    /// The responder proposes an answer; `Continue` means show it, `Escalate` means withhold it.
    /// Its text is redacted on the way in, like a customer message.
    pub fn bot_candidate(&mut self, now: Millis, mut candidate: Candidate) -> Decision {
        if let std::borrow::Cow::Owned(clean) = crate::redact::redact(&candidate.text) {
            candidate.text = clean;
        }
        let text = candidate.text.clone();
        self.push(Role::Bot, now, text, Some(candidate));
        let turn = self.last_index();
        if self.is_escalated() {
            self.withhold_last();
            return Decision::Silent;
        }
        let history = History::new(&self.turns);
        let reasons = detect::bot_turn(turn, &history, &self.policy, &mut self.memory);
        self.record_attempt(turn, !reasons.is_empty());
        if reasons.is_empty() {
            return Decision::Continue;
        }
        self.withhold_last();
        self.escalate(now, reasons)
    }

    /// The customer rated the last bot answer. 👎 counts like "that didn't help": it may
    /// complete a restatement, and otherwise offers a human once.
    ///
    /// The rating is kept as a customer turn holding its [`CustomerEvent`] marker, so the
    /// bundle carries it and the server's replay takes the same decisions (a 👍 settles an
    /// attempt, a 👎 moves the restatement count even when nothing escalates yet).
    pub fn feedback(&mut self, now: Millis, feedback: Feedback) -> Decision {
        let event = match feedback {
            Feedback::Helpful => CustomerEvent::Helpful,
            Feedback::NotHelpful => CustomerEvent::NotHelpful,
        };
        self.push(Role::Customer, now, event.marker().to_owned(), None);
        if self.is_escalated() {
            return Decision::Silent;
        }
        let turn = self.last_index();
        match feedback {
            Feedback::Helpful => {
                self.settle_last_attempt(Some(AttemptOutcome::Helped));
                Decision::Continue
            }
            Feedback::NotHelpful => {
                self.settle_last_attempt(Some(AttemptOutcome::DidNotHelp));
                if let Some(reason) = self.memory.threads.not_helpful(turn) {
                    return self.escalate(now, vec![reason]);
                }
                self.offer(Reason {
                    trigger: Trigger::Restatement,
                    evidence: Evidence {
                        turn,
                        span: None,
                        rule: "restatement.thumbs_down".into(),
                        score: None,
                    },
                })
            }
        }
    }

    /// The customer pressed "Talk to a person": always escalates, never argued with.
    /// Kept as a customer turn holding the press's [`CustomerEvent`] marker, like a rating.
    pub fn button(&mut self, now: Millis) -> Decision {
        self.push(
            Role::Customer,
            now,
            CustomerEvent::HumanButton.marker().to_owned(),
            None,
        );
        if self.is_escalated() {
            return Decision::Silent;
        }
        let reason = Reason {
            trigger: Trigger::HumanRequest,
            evidence: Evidence {
                turn: self.last_index(),
                span: None,
                rule: "human_request.button".into(),
                score: None,
            },
        };
        self.escalate(now, vec![reason])
    }

    fn is_escalated(&self) -> bool {
        matches!(self.phase, Phase::Escalated { .. })
    }

    /// Index of the last turn (0 before any turn).
    fn last_index(&self) -> u32 {
        u32::try_from(self.turns.len().saturating_sub(1)).unwrap_or(u32::MAX)
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

    fn withhold_last(&mut self) {
        if let Some(last) = self.turns.last_mut() {
            last.withheld = true;
        }
    }

    /// Topic and amounts, kept as running summaries so no detector re-reads history.
    fn note_facts(&mut self, topic: Topic, amount: Option<f64>) {
        if self.topic == Topic::General {
            self.topic = topic;
        }
        if let Some(amount) = amount {
            if self.largest_amount.is_none_or(|a| amount > a) {
                self.largest_amount = Some(amount);
            }
        }
    }

    /// A bot turn that states facts (or was withheld) is an attempt; small talk is not.
    fn record_attempt(&mut self, turn: u32, withheld: bool) {
        let Some(candidate) = self.turns.last().and_then(|t| t.candidate.as_ref()) else {
            return;
        };
        if candidate.grounded.is_none() && !withheld {
            return;
        }
        let kind = if candidate.sources.is_empty() && candidate.text.trim_end().ends_with('?') {
            AttemptKind::Clarification
        } else {
            AttemptKind::KbArticle
        };
        self.attempts.push(Attempt {
            turn,
            kind,
            source: candidate.sources.first().cloned(),
            confidence: Some(candidate.confidence),
            outcome: if withheld {
                AttemptOutcome::Withheld
            } else {
                AttemptOutcome::Unknown
            },
        });
    }

    /// Sets the outcome of the last shown attempt if it is still unknown.
    fn settle_last_attempt(&mut self, outcome: Option<AttemptOutcome>) {
        let Some(outcome) = outcome else { return };
        if let Some(last) = self
            .attempts
            .iter_mut()
            .rev()
            .find(|a| a.outcome != AttemptOutcome::Withheld)
        {
            if last.outcome == AttemptOutcome::Unknown || outcome == AttemptOutcome::DidNotHelp {
                last.outcome = outcome;
            }
        }
    }

    /// Suggests a human, once per conversation; later soft signals just continue.
    fn offer(&mut self, reason: Reason) -> Decision {
        if self.offered {
            return Decision::Continue;
        }
        self.offered = true;
        self.phase = Phase::Offered {
            reason: reason.clone(),
        };
        Decision::Offer { reason }
    }

    fn escalate(&mut self, now: Millis, reasons: Vec<Reason>) -> Decision {
        let input = self.route_input(reasons.iter().map(|r| r.trigger).collect());
        let route = self.policy.routing.route(&input);
        self.phase = Phase::Escalated {
            reasons: reasons.clone(),
            at: now,
        };
        Decision::Escalate { reasons, route }
    }
}
