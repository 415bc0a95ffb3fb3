//! Baton's trigger engine: decides, message by message, when a support bot must stop and
//! hand the customer to a human, and builds the `baton.handoff/v1` bundle that carries the
//! whole context to that human.
//!
//! The engine is **sans-IO and deterministic**, in the manner of `quinn-proto`: it does no
//! networking, reads no clock, draws no random numbers and touches no web or OS API. The
//! caller passes time in (`Millis`) along with every id it needs. The same conversation and
//! the same `Policy` always give the same decisions, natively and in WebAssembly, which is
//! what lets the server re-derive and verify the reasons a browser reported.
//!
//! The widget (browser) and the server (`baton`) are thin shells around this crate.
#![warn(missing_docs, unreachable_pub)]

mod bundle;
mod conversation;
mod decision;
mod detect;
mod normalize;
mod policy;
mod redact;
mod route;
mod summary;
#[cfg(test)]
mod tests;
mod time;
mod verify;

pub use bundle::{
    limits as bundle_limits, Amount, Attempt, AttemptKind, AttemptOutcome, BundleError,
    BundleErrorKind, BundleMeta, Customer, CustomerEvent, EngineInfo, HandoffV1, Page,
    SentimentPoint, TranscriptEntry, SCHEMA_VERSION,
};
pub use conversation::{Candidate, Conversation, Feedback, Phase, Role, Turn};
pub use decision::{Decision, Evidence, Reason, Span, Trigger};
pub use detect::{classify, same_problem, Labels, Topic};
pub use policy::{Policy, PolicyError};
pub use redact::{contains_secret, redact};
pub use route::{DefaultRoute, Match, Priority, Route, RouteInput, RoutingRules, Rule, RulesError};
pub use summary::summarize;
pub use time::Millis;
pub use verify::{replay, verify, Verification};
