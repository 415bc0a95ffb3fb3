//! `ChatSession`: the widget's model (the `Todos` of Leptos' todomvc). A plain struct that owns
//! the engine's `Conversation` and the visible transcript; the UI calls its methods and renders
//! what they return. It decides nothing itself — every decision is the engine's — and it does
//! no I/O: time comes in as `now`, requests go out as `Outcome`s for the app to perform.
use std::collections::BTreeMap;

use baton_engine::{
    BundleMeta, Candidate, Conversation, Customer, Decision, Feedback, HandoffV1, Millis, Page,
    Policy, Role, TranscriptEntry,
};
use serde::{Deserialize, Serialize};

use crate::embed::Identity;
use crate::ids::{uuid_v7, Rng};

/// Something Baton itself says, rendered in the UI language at paint time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// "Connecting you to a person…" — painted in the same frame as the escalation.
    Connecting,
    /// The engine suggests a person once (a soft signal).
    Offer,
    /// A human joined.
    AgentJoined {
        /// The agent's display name.
        agent: String,
    },
    /// The conversation is over.
    Ended,
}

/// What a line of the transcript shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// Words from the customer, the bot or an agent.
    Text {
        /// Who.
        role: Role,
        /// What (already redacted).
        text: String,
        /// KB sources of a bot answer.
        #[serde(default)]
        sources: Vec<String>,
        /// The customer's 👍/👎 on a bot answer.
        #[serde(default)]
        feedback: Option<Feedback>,
        /// A customer message to the agent not yet acknowledged by the server.
        #[serde(default)]
        pending: bool,
    },
    /// A Baton notice.
    Notice(Notice),
}

/// One visible line. Withheld answers are never turned into one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Stable within the session (keys the list, targets feedback).
    pub id: u32,
    /// When.
    pub at: Millis,
    /// What.
    pub body: Body,
}

impl Message {
    /// Changes whenever what the line shows changes (feedback given, delivery confirmed), so a
    /// keyed list re-renders exactly those lines.
    pub fn version(&self) -> (u32, bool, bool) {
        match &self.body {
            Body::Text {
                feedback, pending, ..
            } => (self.id, feedback.is_some(), *pending),
            Body::Notice(_) => (self.id, false, false),
        }
    }
}

/// Where the handoff stands, as honestly as the widget knows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handoff {
    /// The bot is answering.
    #[default]
    None,
    /// The bundle is in the outbox; `retrying` once an attempt has failed.
    Queued {
        /// The bundle id (idempotency key).
        bundle_id: String,
        /// An attempt failed; the outbox is backing off.
        retrying: bool,
    },
    /// The server stored the bundle; waiting for a human.
    Delivered {
        /// Token for the live channel.
        token: String,
    },
    /// A human is in the conversation.
    AgentJoined {
        /// Token for the live channel.
        token: String,
        /// The agent's name.
        agent: String,
    },
    /// Another tab (or device) of this conversation handed it over first (`409
    /// already_escalated`): a person has it. That tab holds the token and shares it through
    /// storage; until it arrives, messages wait here.
    Elsewhere,
    /// The server refused the bundle for good (a 4xx other than the above): nobody has the
    /// request. The button tries again with a fresh bundle.
    Failed,
}

impl Handoff {
    /// The live-channel token once the server has acknowledged the bundle.
    pub fn token(&self) -> Option<&str> {
        match self {
            Handoff::Delivered { token } | Handoff::AgentJoined { token, .. } => Some(token),
            _ => None,
        }
    }
}

/// What the app must do after a session method.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Ask the responder for a candidate answer to the customer's message, then call
    /// `candidate`.
    Ask(String),
    /// A message was added; nothing else to do.
    Show,
    /// The candidate was withheld (a human owns the conversation); nothing is shown.
    Withhold,
    /// Escalated: the notice is already in the transcript; queue this bundle in the outbox.
    Escalate(Box<HandoffV1>),
    /// After handoff: relay this (redacted) customer text to the agent.
    Relay {
        /// Message id, to mark delivered later.
        id: u32,
        /// The text.
        text: String,
    },
}

/// One input to the engine, logged so a reload can replay the conversation exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Customer { at: Millis, text: String },
    Candidate { at: Millis, candidate: Candidate },
    Feedback { at: Millis, feedback: Feedback },
    Button { at: Millis },
}

/// The persisted form (`localStorage`), replayed through a fresh engine on load.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    conversation_id: String,
    policy: Policy,
    events: Vec<Event>,
    messages: Vec<Message>,
    handoff: Handoff,
    identity: Identity,
    page: Page,
    #[serde(default)]
    ended: bool,
    #[serde(default)]
    rated: Option<u8>,
    #[serde(default)]
    started: bool,
    #[serde(default)]
    live_seq: Option<u64>,
    #[serde(default)]
    reason: Option<String>,
}

/// The customer's chat: engine state plus what the UI shows.
#[derive(Clone, Debug)]
pub struct ChatSession {
    site: String,
    conversation_id: String,
    conv: Conversation,
    events: Vec<Event>,
    messages: Vec<Message>,
    handoff: Handoff,
    identity: Identity,
    page: Page,
    ended: bool,
    rated: Option<u8>,
    started: bool,
    /// The id of the last live-channel event taken in (`None`: none seen by a build that
    /// counted, so the server is asked for the current state instead).
    live_seq: Option<u64>,
    /// Why the site handed over (`Baton('handoff', {reason})`), already redacted.
    reason: Option<String>,
    rng: Rng,
}

impl ChatSession {
    /// A fresh conversation.
    pub fn new(site: &str, policy: Policy, page: Page, now: Millis, seed: u64) -> Self {
        let mut rng = Rng::seeded(seed);
        ChatSession {
            site: site.to_owned(),
            conversation_id: uuid_v7(now, &mut rng),
            conv: Conversation::new(policy),
            events: Vec::new(),
            messages: Vec::new(),
            handoff: Handoff::None,
            identity: Identity::default(),
            page,
            ended: false,
            rated: None,
            started: false,
            live_seq: None,
            reason: None,
            rng,
        }
    }

    /// The conversation id.
    pub fn conversation_id(&self) -> &str {
        &self.conversation_id
    }

    /// What the UI shows, oldest first.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The handoff state.
    pub fn handoff(&self) -> &Handoff {
        &self.handoff
    }

    /// True once the conversation has ended (CSAT time).
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The customer's CSAT rating, once given.
    pub fn rated(&self) -> Option<u8> {
        self.rated
    }

    /// The page the conversation runs on.
    pub fn page(&self) -> &Page {
        &self.page
    }

    /// True once the engine handed over: the bot is silent from here on.
    pub fn escalated(&self) -> bool {
        !matches!(self.handoff, Handoff::None)
    }

    /// Whether "Talk to a person" would hand over now: not yet, or the last bundle was
    /// refused.
    pub fn can_hand_over(&self) -> bool {
        matches!(self.handoff, Handoff::None | Handoff::Failed) && !self.ended
    }

    /// The first customer message marks the conversation started (`POST /v1/conversations`);
    /// returns true exactly once.
    pub fn take_start(&mut self) -> bool {
        let first = !self.started && !self.events.is_empty();
        if first {
            self.started = true;
        }
        first
    }

    /// Runs under the site's policy (fetched after mount) if nothing has been said yet;
    /// a conversation never changes policy midway.
    pub fn adopt_policy(&mut self, policy: Policy) {
        if self.events.is_empty() {
            self.conv = Conversation::new(policy);
        }
    }

    /// `Baton('identify', …)`.
    pub fn identify(&mut self, identity: Identity) {
        self.identity = identity;
    }

    /// The customer sent `text`.
    pub fn send(&mut self, now: Millis, text: &str) -> Option<Outcome> {
        let text = redact(text.trim());
        if text.is_empty() || self.ended {
            return None;
        }
        let id = self.push(
            now,
            Body::Text {
                role: Role::Customer,
                text: text.clone(),
                sources: Vec::new(),
                feedback: None,
                pending: self.escalated(),
            },
        );
        self.events.push(Event::Customer {
            at: now,
            text: text.clone(),
        });
        let decision = self.conv.customer_message(now, &text);
        Some(match decision {
            Decision::Silent => Outcome::Relay { id, text },
            Decision::Continue => Outcome::Ask(text),
            Decision::Offer { .. } => {
                self.push(now, Body::Notice(Notice::Offer));
                Outcome::Ask(text)
            }
            Decision::Escalate { .. } => self.escalate(now),
        })
    }

    /// The responder proposed `candidate`; shown only if the engine lets it through.
    pub fn candidate(&mut self, now: Millis, candidate: Candidate) -> Outcome {
        if self.ended {
            return Outcome::Withhold;
        }
        self.events.push(Event::Candidate {
            at: now,
            candidate: candidate.clone(),
        });
        match self.conv.bot_candidate(now, candidate.clone()) {
            Decision::Silent => Outcome::Withhold,
            Decision::Escalate { .. } => self.escalate(now),
            d @ (Decision::Continue | Decision::Offer { .. }) => {
                self.push(
                    now,
                    Body::Text {
                        role: Role::Bot,
                        text: candidate.text,
                        sources: candidate.sources,
                        feedback: None,
                        pending: false,
                    },
                );
                if matches!(d, Decision::Offer { .. }) {
                    self.push(now, Body::Notice(Notice::Offer));
                }
                Outcome::Show
            }
        }
    }

    /// "Talk to a person" (or `Baton('handoff', {reason})`): always hands over, never argued
    /// with. The site's `reason` goes to the agent in the bundle.
    pub fn press_human(&mut self, now: Millis, reason: Option<&str>) -> Outcome {
        if !self.can_hand_over() {
            return Outcome::Withhold;
        }
        if let Some(r) = reason.map(|r| redact(r.trim())).filter(|r| !r.is_empty()) {
            self.reason = Some(r);
        }
        if self.handoff == Handoff::Failed {
            // The engine escalated already; the last bundle was refused. Try a fresh one.
            return self.escalate(now);
        }
        self.events.push(Event::Button { at: now });
        match self.conv.button(now) {
            Decision::Escalate { .. } => self.escalate(now),
            _ => Outcome::Withhold,
        }
    }

    /// 👍/👎 on the bot message `id`.
    pub fn feedback(&mut self, now: Millis, id: u32, verdict: Feedback) -> Outcome {
        if self.escalated() {
            return Outcome::Withhold;
        }
        let Some(Message {
            body:
                Body::Text {
                    role: Role::Bot,
                    feedback,
                    ..
                },
            ..
        }) = self.messages.iter_mut().find(|m| m.id == id)
        else {
            return Outcome::Withhold;
        };
        if feedback.is_some() {
            return Outcome::Withhold;
        }
        *feedback = Some(verdict);
        self.events.push(Event::Feedback {
            at: now,
            feedback: verdict,
        });
        match self.conv.feedback(now, verdict) {
            Decision::Escalate { .. } => self.escalate(now),
            Decision::Offer { .. } => {
                self.push(now, Body::Notice(Notice::Offer));
                Outcome::Show
            }
            _ => Outcome::Show,
        }
    }

    /// The outbox failed to deliver the bundle and is backing off: say so.
    pub fn handoff_retrying(&mut self) {
        if let Handoff::Queued { retrying, .. } = &mut self.handoff {
            *retrying = true;
        }
    }

    /// The server refused the bundle and retrying it cannot help: say so honestly.
    pub fn handoff_rejected(&mut self) {
        if matches!(self.handoff, Handoff::Queued { .. }) {
            self.handoff = Handoff::Failed;
        }
    }

    /// The server says another bundle of this conversation got there first: it is delivered,
    /// just not by us.
    pub fn handoff_taken(&mut self) {
        if matches!(self.handoff, Handoff::Queued { .. } | Handoff::Failed) {
            self.handoff = Handoff::Elsewhere;
        }
    }

    /// The server stored the bundle. Returns customer messages typed meanwhile, to relay now.
    pub fn handoff_delivered(&mut self, token: String) -> Vec<(u32, String)> {
        if self.handoff.token().is_none() {
            self.handoff = Handoff::Delivered { token };
            // A new handoff's live log starts empty: everything in it is news to us.
            self.live_seq.get_or_insert(0);
        }
        let escalated_at = self
            .messages
            .iter()
            .position(|m| m.body == Body::Notice(Notice::Connecting))
            .unwrap_or(self.messages.len());
        self.messages[escalated_at..]
            .iter()
            .filter_map(|m| match &m.body {
                Body::Text {
                    role: Role::Customer,
                    text,
                    pending: true,
                    ..
                } => Some((m.id, text.clone())),
                _ => None,
            })
            .collect()
    }

    /// The server acknowledged a relayed customer message.
    pub fn relayed(&mut self, id: u32) {
        if let Some(Message {
            body: Body::Text { pending, .. },
            ..
        }) = self.messages.iter_mut().find(|m| m.id == id)
        {
            *pending = false;
        }
    }

    /// The outbox key of customer message `id`, sent as its `Idempotency-Key`: the same for
    /// every retry of that message, so the server stores and relays it once. The send time
    /// is part of it because two tabs of one conversation can each number a message `id`
    /// before either sees the other's, and two different messages must never share a key.
    /// The message id stays last (`pump` reads it back to mark the line delivered).
    pub fn relay_key(&self, id: u32) -> String {
        let at = self
            .messages
            .iter()
            .find(|m| m.id == id)
            .map_or(0, |m| m.at.0);
        format!("msg:{}:{at}:{id}", self.conversation_id)
    }

    /// Where the live channel resumes (`?after=`): the last event id taken in, so a page
    /// reloaded while the agent wrote gets those messages, and nothing twice.
    pub fn live_after(&self) -> Option<u64> {
        self.live_seq
    }

    /// A live event with SSE id `seq` arrived: true if it is news. False for an event
    /// already taken in — replayed by a resume, or shown already by another tab of this
    /// conversation (see `app.rs`, storage sync).
    pub fn live_seen(&mut self, seq: Option<u64>) -> bool {
        match (seq, self.live_seq) {
            (Some(seq), Some(last)) if seq <= last => false,
            (Some(seq), _) => {
                self.live_seq = Some(seq);
                true
            }
            (None, _) => true,
        }
    }

    /// `event: agent_joined` on the live channel.
    pub fn agent_joined(&mut self, now: Millis, agent: &str) {
        let agent: String = agent.chars().take(60).collect();
        let token = self.handoff.token().map(str::to_owned);
        if let Some(token) = token {
            if matches!(&self.handoff, Handoff::AgentJoined { agent: a, .. } if *a == agent) {
                return;
            }
            self.handoff = Handoff::AgentJoined {
                token,
                agent: agent.clone(),
            };
            self.push(now, Body::Notice(Notice::AgentJoined { agent }));
        }
    }

    /// `event: message` on the live channel: the human speaks.
    pub fn agent_message(&mut self, now: Millis, text: &str) {
        self.push(
            now,
            Body::Text {
                role: Role::Agent,
                text: text.chars().take(4000).collect(),
                sources: Vec::new(),
                feedback: None,
                pending: false,
            },
        );
    }

    /// The conversation ended (the agent closed it, or the customer pressed "End chat").
    /// Returns true the first time.
    pub fn end(&mut self, now: Millis) -> bool {
        if self.ended {
            return false;
        }
        self.ended = true;
        self.push(now, Body::Notice(Notice::Ended));
        true
    }

    /// The customer's CSAT rating (1–5); returns it if accepted.
    pub fn rate(&mut self, rating: u8) -> Option<u8> {
        if !self.ended || self.rated.is_some() || !(1..=5).contains(&rating) {
            return None;
        }
        self.rated = Some(rating);
        self.rated
    }

    /// The visible history for a responder, oldest first.
    pub fn history(&self) -> Vec<crate::responder::HistoryLine> {
        self.messages
            .iter()
            .filter_map(|m| match &m.body {
                Body::Text { role, text, .. } => Some(crate::responder::HistoryLine {
                    role: *role,
                    text: text.clone(),
                }),
                Body::Notice(_) => None,
            })
            .collect()
    }

    fn push(&mut self, at: Millis, body: Body) -> u32 {
        let id = self.messages.last().map_or(0, |m| m.id + 1);
        self.messages.push(Message { id, at, body });
        id
    }

    fn escalate(&mut self, now: Millis) -> Outcome {
        self.push(now, Body::Notice(Notice::Connecting));
        let bundle = self.bundle(now);
        self.handoff = Handoff::Queued {
            bundle_id: bundle.id.clone(),
            retrying: false,
        };
        Outcome::Escalate(Box::new(bundle))
    }

    /// Everything the human needs. The engine builds the bundle (transcript, attempts,
    /// summary, sentiment, redaction) so the server can re-derive it bit for bit; the widget
    /// adds only what the engine cannot know: ids, time, page and customer.
    fn bundle(&mut self, now: Millis) -> HandoffV1 {
        let mut attributes = BTreeMap::new();
        if let Some(plan) = &self.identity.plan {
            attributes.insert("plan".to_owned(), serde_json::Value::from(plan.clone()));
        }
        let mut bundle = self.conv.bundle(BundleMeta {
            id: uuid_v7(now, &mut self.rng),
            created_at: now,
            site: self.site.clone(),
            conversation_id: self.conversation_id.clone(),
            page: self.page.clone(),
            customer: Customer {
                id: self.identity.id.clone(),
                email: self.identity.email.clone(),
                name: self.identity.name.clone(),
                user_hash: self.identity.user_hash.clone(),
                verified: false,
                attributes,
                ..Customer::default()
            },
        });
        if let Some(reason) = &self.reason {
            let text = format!("Reason given by the site: {reason}");
            // A system line is not engine input: the server's replay skips it, so the
            // reasons it re-derives are unchanged. A full transcript keeps it as an attribute.
            if bundle.transcript.len() < baton_engine::bundle_limits::MAX_TURNS {
                bundle.transcript.push(TranscriptEntry {
                    role: Role::System,
                    text,
                    at: now,
                    confidence: None,
                    grounded: None,
                    sources: Vec::new(),
                    withheld: false,
                    event: None,
                });
            } else {
                let reason = serde_json::Value::from(reason.clone());
                bundle
                    .customer
                    .attributes
                    .insert("handoff_reason".to_owned(), reason);
            }
        }
        bundle
    }

    /// Serializes the session for `localStorage`.
    pub fn to_json(&self) -> String {
        let snap = Snapshot {
            conversation_id: self.conversation_id.clone(),
            policy: self.conv.policy().clone(),
            events: self.events.clone(),
            messages: self.messages.clone(),
            handoff: self.handoff.clone(),
            identity: self.identity.clone(),
            page: self.page.clone(),
            ended: self.ended,
            rated: self.rated,
            started: self.started,
            live_seq: self.live_seq,
            reason: self.reason.clone(),
        };
        serde_json::to_string(&snap).unwrap_or_default()
    }

    /// Restores a stored session by replaying its events through a fresh engine, so the
    /// engine state is exactly what it was. Unreadable data gives `None` (start afresh).
    pub fn restore(site: &str, json: &str, seed: u64) -> Option<Self> {
        let snap: Snapshot = serde_json::from_str(json).ok()?;
        let mut conv = Conversation::new(snap.policy);
        for e in &snap.events {
            // Decisions were acted on before the reload; replay only rebuilds state.
            let _ = match e {
                Event::Customer { at, text } => conv.customer_message(*at, text),
                Event::Candidate { at, candidate } => conv.bot_candidate(*at, candidate.clone()),
                Event::Feedback { at, feedback } => conv.feedback(*at, *feedback),
                Event::Button { at } => conv.button(*at),
            };
        }
        Some(ChatSession {
            site: site.to_owned(),
            conversation_id: snap.conversation_id,
            conv,
            events: snap.events,
            messages: snap.messages,
            handoff: snap.handoff,
            identity: snap.identity,
            page: snap.page,
            ended: snap.ended,
            rated: snap.rated,
            started: snap.started,
            live_seq: snap.live_seq,
            reason: snap.reason,
            rng: Rng::seeded(seed),
        })
    }
}

/// Card numbers and IBANs are masked (by the engine) before text is stored, shown back or
/// sent anywhere.
fn redact(text: &str) -> String {
    baton_engine::redact(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> ChatSession {
        ChatSession::new("demo", Policy::default(), Page::default(), Millis(1_000), 7)
    }

    fn good(text: &str) -> Candidate {
        Candidate {
            text: text.into(),
            confidence: 0.9,
            grounded: Some(true),
            sources: vec!["kb:shipping-times".into()],
        }
    }

    #[test]
    fn button_escalates_with_notice_and_full_bundle() {
        let mut s = session();
        s.identify(Identity {
            id: Some("u1".into()),
            plan: Some("pro".into()),
            ..Identity::default()
        });
        assert_eq!(
            s.send(Millis(2_000), "where is my parcel"),
            Some(Outcome::Ask("where is my parcel".into()))
        );
        assert_eq!(
            s.candidate(Millis(2_100), good("Orders ship in 3-5 days.")),
            Outcome::Show
        );
        let Outcome::Escalate(b) = s.press_human(Millis(3_000), None) else {
            panic!("button must escalate");
        };
        assert_eq!(b.schema, baton_engine::SCHEMA_VERSION);
        assert_eq!(b.site, "demo");
        assert_eq!(b.conversation_id, s.conversation_id());
        assert_eq!(b.reasons[0].trigger, baton_engine::Trigger::HumanRequest);
        assert_eq!(b.transcript.len(), 3, "message, answer, button press");
        assert_eq!(
            b.transcript[2].event,
            Some(baton_engine::CustomerEvent::HumanButton)
        );
        assert_eq!(b.attempts.len(), 1);
        assert_eq!(b.attempts[0].source.as_deref(), Some("kb:shipping-times"));
        assert_eq!(b.sentiment.len(), 1);
        assert_eq!(b.customer.id.as_deref(), Some("u1"));
        assert_eq!(b.customer.attributes["plan"], "pro");
        assert!(!b.summary.is_empty());
        assert!(!b.engine.config_hash.is_empty());
        assert_eq!(
            s.messages().last().map(|m| &m.body),
            Some(&Body::Notice(Notice::Connecting))
        );
        assert!(matches!(s.handoff(), Handoff::Queued { bundle_id, .. } if *bundle_id == b.id));
        assert_eq!(
            s.press_human(Millis(3_100), None),
            Outcome::Withhold,
            "escalates once"
        );
    }

    #[test]
    fn after_handoff_the_bot_is_silent_and_messages_are_relayed() {
        let mut s = session();
        s.press_human(Millis(2_000), None);
        let Some(Outcome::Relay { id, text }) = s.send(Millis(2_500), "hello?") else {
            panic!("relay after handoff");
        };
        assert_eq!(text, "hello?");
        assert_eq!(
            s.candidate(Millis(2_600), good("bot talking over the human")),
            Outcome::Withhold
        );
        assert!(!s.history().iter().any(|l| l.text.contains("bot talking")));
        let held = s.handoff_delivered("tok".into());
        assert_eq!(held, vec![(id, "hello?".to_owned())]);
        let key = s.relay_key(id);
        assert_eq!(key, s.relay_key(id), "every retry of a message has one key");
        assert_eq!(key, format!("msg:{}:2500:{id}", s.conversation_id()));
        assert!(key.len() <= 128, "the server's Idempotency-Key limit");
        s.relayed(id);
        assert!(s.handoff_delivered("tok".into()).is_empty());
        s.agent_joined(Millis(3_000), "Alex");
        s.agent_joined(Millis(3_001), "Alex");
        assert_eq!(
            s.handoff(),
            &Handoff::AgentJoined {
                token: "tok".into(),
                agent: "Alex".into()
            }
        );
        s.agent_message(Millis(3_500), "Hi, I'm Alex");
        let joined = s
            .messages()
            .iter()
            .filter(|m| matches!(m.body, Body::Notice(Notice::AgentJoined { .. })))
            .count();
        assert_eq!(joined, 1);
    }

    #[test]
    fn live_events_resume_after_the_last_one_and_never_repeat() {
        let mut s = session();
        assert_eq!(s.live_after(), None);
        s.press_human(Millis(2_000), None);
        s.handoff_delivered("tok".into());
        assert_eq!(
            s.live_after(),
            Some(0),
            "a new handoff resumes from the start"
        );
        assert!(s.live_seen(Some(3)));
        s.agent_joined(Millis(3_000), "Alex");
        assert!(s.live_seen(Some(4)));
        s.agent_message(Millis(3_100), "first");
        let reloaded = ChatSession::restore("demo", &s.to_json(), 2).expect("restores");
        assert_eq!(reloaded.live_after(), Some(4), "survives a reload");
        assert!(!s.live_seen(Some(4)), "a replayed event is not news");
        assert!(!s.live_seen(Some(2)));
        assert!(s.live_seen(Some(5)));
        assert!(
            s.live_seen(None),
            "an event without an id cannot be checked"
        );
        assert_eq!(s.live_after(), Some(5));
        // A session stored before event ids were kept asks for the current state, then counts.
        let mut old = session();
        old.press_human(Millis(2_000), None);
        old.handoff = Handoff::Delivered { token: "t".into() };
        assert_eq!(old.live_after(), None);
        assert!(old.live_seen(Some(9)));
        assert_eq!(old.live_after(), Some(9));
    }

    #[test]
    fn the_sites_reason_reaches_the_agent_without_changing_the_reasons() {
        let mut s = session();
        s.send(Millis(2_000), "where is my parcel");
        s.candidate(Millis(2_100), good("Orders ship in 3-5 days."));
        let reason = "  VIP customer, card 4111 1111 1111 1111  ";
        let Outcome::Escalate(b) = s.press_human(Millis(3_000), Some(reason)) else {
            panic!("handoff must escalate");
        };
        let last = b.transcript.last().expect("transcript");
        assert_eq!(last.role, Role::System);
        assert!(
            last.text.ends_with("VIP customer, card [card •••• 1111]"),
            "{}",
            last.text
        );
        assert!(!last.text.contains("4111 1111"));
        assert_eq!(last.event, None);
        assert_eq!(b.transcript.len(), 4, "message, answer, button, reason");
        // The server replays the transcript to re-derive the reasons: the note changes nothing.
        let v = baton_engine::verify(&b, &Policy::default());
        assert!(v.is_match(), "{v:?}");
        assert!(b.validate().is_ok());

        let mut plain = session();
        let Outcome::Escalate(b) = plain.press_human(Millis(3_000), Some("   ")) else {
            panic!()
        };
        assert!(b.transcript.iter().all(|e| e.role != Role::System));
    }

    #[test]
    fn a_refused_bundle_is_reported_and_the_button_tries_again() {
        let mut s = session();
        let Outcome::Escalate(first) = s.press_human(Millis(2_000), None) else {
            panic!()
        };
        assert!(!s.can_hand_over());
        s.handoff_rejected();
        assert_eq!(s.handoff(), &Handoff::Failed);
        assert!(s.escalated(), "the bot stays quiet");
        assert!(s.can_hand_over());
        let Outcome::Escalate(second) = s.press_human(Millis(3_000), Some("retry")) else {
            panic!("the button sends a fresh bundle after a refusal");
        };
        assert_ne!(first.id, second.id);
        assert!(
            matches!(s.handoff(), Handoff::Queued { bundle_id, .. } if *bundle_id == second.id)
        );
        assert_eq!(s.press_human(Millis(3_100), None), Outcome::Withhold);

        // 409 already_escalated: another tab got there first, which is a delivery.
        s.handoff_taken();
        assert_eq!(s.handoff(), &Handoff::Elsewhere);
        assert_eq!(s.press_human(Millis(3_200), None), Outcome::Withhold);
        let Some(Outcome::Relay { id, .. }) = s.send(Millis(3_300), "still there?") else {
            panic!()
        };
        assert_eq!(
            s.handoff_delivered("tok".into()),
            vec![(id, "still there?".into())]
        );
        assert_eq!(s.handoff().token(), Some("tok"));
        s.handoff_rejected();
        s.handoff_taken();
        assert_eq!(
            s.handoff().token(),
            Some("tok"),
            "a delivery is never undone"
        );
    }

    #[test]
    fn card_numbers_never_reach_the_transcript_or_bundle() {
        let mut s = session();
        s.send(
            Millis(2_000),
            "my card 4111 1111 1111 1111 was charged twice",
        );
        let Outcome::Escalate(b) = s.press_human(Millis(3_000), None) else {
            panic!()
        };
        assert!(
            !b.transcript[0].text.contains("4111 1111"),
            "{}",
            b.transcript[0].text
        );
        assert!(b.transcript[0].text.ends_with("was charged twice"));
        assert!(!s.to_json().contains("4111 1111"));
        assert!(!format!("{:?}", s.messages()[0].body).contains("4111 1111"));
    }

    #[test]
    fn restore_replays_the_engine_and_keeps_the_transcript() {
        let mut s = session();
        s.send(Millis(2_000), "where is my parcel");
        s.candidate(Millis(2_100), good("Orders ship in 3-5 days."));
        s.press_human(Millis(3_000), None);
        s.handoff_delivered("tok".into());
        let json = s.to_json();
        let r = ChatSession::restore("demo", &json, 9).expect("restores");
        assert_eq!(r.messages(), s.messages());
        assert_eq!(r.conversation_id(), s.conversation_id());
        assert_eq!(r.handoff(), s.handoff());
        assert!(r.escalated());
        let mut r = r;
        assert_eq!(
            r.press_human(Millis(4_000), None),
            Outcome::Withhold,
            "engine state replayed"
        );
        assert!(ChatSession::restore("demo", "{}", 1).is_none());
    }

    #[test]
    fn feedback_once_per_answer_and_csat_after_end() {
        let mut s = session();
        s.send(Millis(2_000), "shipping?");
        s.candidate(Millis(2_100), good("3-5 days"));
        let id = s.messages().last().unwrap().id;
        assert_eq!(
            s.feedback(Millis(2_200), id, Feedback::Helpful),
            Outcome::Show
        );
        assert_eq!(
            s.feedback(Millis(2_300), id, Feedback::NotHelpful),
            Outcome::Withhold
        );
        assert_eq!(s.rate(5), None, "no rating before the end");
        assert!(s.end(Millis(3_000)));
        assert!(!s.end(Millis(3_001)));
        assert_eq!(s.rate(0), None);
        assert_eq!(s.rate(4), Some(4));
        assert_eq!(s.rate(5), None);
        assert_eq!(s.send(Millis(4_000), "more"), None);
    }

    #[test]
    fn start_is_reported_once_after_the_first_message() {
        let mut s = session();
        assert!(!s.take_start());
        s.send(Millis(2_000), "hi");
        assert!(s.take_start());
        assert!(!s.take_start());
        assert_eq!(s.send(Millis(2_000), "   "), None);
    }
}
