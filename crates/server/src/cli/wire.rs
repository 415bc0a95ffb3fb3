//! JSONL wire types of `baton classify|replay|similar`, apart from the logic that fills them.
use baton_engine::{Candidate, Policy, Trigger};
use serde::{Deserialize, Serialize};

/// One `baton classify` input line.
#[derive(Deserialize)]
pub struct ClassifyIn {
    pub id: serde_json::Value,
    pub text: String,
    #[serde(default)]
    #[allow(dead_code)] // accepted for the contract; detectors work on every language at once
    pub lang: Option<String>,
}

/// One `baton classify` output line.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct ClassifyOut {
    pub id: serde_json::Value,
    pub human_request: bool,
    pub high_risk: bool,
    pub frustration: bool,
}

/// One `baton replay` input line: a conversation as in `shared/data/CONVERSATIONS.md`.
#[derive(Deserialize)]
pub struct ReplayIn {
    pub id: serde_json::Value,
    #[serde(default)]
    pub policy: Policy,
    pub turns: Vec<ReplayTurn>,
}

/// One turn of a replayed conversation.
#[derive(Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum ReplayTurn {
    Customer { text: String },
    Bot(Candidate),
}

/// One `baton replay` output line.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct ReplayOut {
    pub id: serde_json::Value,
    pub escalate_at: Option<usize>,
    pub triggers: Vec<Trigger>,
}

/// One `baton similar` input line.
#[derive(Deserialize)]
pub struct SimilarIn {
    pub id: serde_json::Value,
    pub a: String,
    pub b: String,
}

/// One `baton similar` output line.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct SimilarOut {
    pub id: serde_json::Value,
    pub same: bool,
}
