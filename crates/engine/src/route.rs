//! Routing rules as data: the first matching rule picks the queue and priority.
use serde::{Deserialize, Serialize};

use crate::decision::Trigger;
use crate::detect::Topic;

/// How urgently a human must pick the handoff up.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Can wait.
    Low,
    /// The usual.
    #[default]
    Normal,
    /// Ahead of normal work.
    High,
    /// Drop everything.
    Urgent,
}

/// Where a handoff goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Name of the human queue, e.g. `billing`.
    pub queue: String,
    /// Priority in that queue.
    pub priority: Priority,
    /// Name of the rule that matched (`default` when none did).
    pub rule: String,
}

/// The facts routing rules match on, gathered by the engine at escalation time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RouteInput {
    /// Every trigger that fired.
    pub triggers: Vec<Trigger>,
    /// Topic of the conversation.
    pub topic: Topic,
    /// Customer tier (`plan` attribute), e.g. `enterprise`.
    pub tier: Option<String>,
    /// Customer lifetime value in the site's currency.
    pub customer_value: Option<f64>,
    /// Lowest customer sentiment seen, -1 (furious) to 1 (delighted).
    pub sentiment: f32,
    /// Largest money amount the customer mentioned.
    pub amount: Option<f64>,
}

/// A rule set that failed to load, naming the rule and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The TOML could not be parsed or has the wrong shape.
    #[error("routing rules: {0}")]
    Parse(String),
    /// A rule is well-formed but unusable.
    #[error("routing rule `{rule}`: {kind}")]
    Invalid {
        /// Name of the rule.
        rule: String,
        /// What is wrong with it.
        kind: String,
    },
}

/// An ordered list of routing rules with a default route. See `data/routing.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoutingRules {
    // Filled in by the routing implementation.
    #[serde(default)]
    rules: Vec<serde_json::Value>,
}

impl RoutingRules {
    /// The seed rules shipped in `data/routing.toml`.
    pub fn builtin() -> Self {
        RoutingRules { rules: Vec::new() }
    }

    /// True when these are the built-in rules (used to keep serialized policies short).
    pub fn is_builtin(&self) -> bool {
        *self == Self::builtin()
    }

    /// Picks the route for an escalation: the first matching rule wins, else the default.
    pub fn route(&self, _input: &RouteInput) -> Route {
        Route {
            queue: "general".into(),
            priority: Priority::Normal,
            rule: "default".into(),
        }
    }
}
