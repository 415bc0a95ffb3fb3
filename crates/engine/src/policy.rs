use serde::{Deserialize, Serialize};

use crate::route::RoutingRules;

/// A site's escalation policy: the knobs a site owner may turn, validated once.
///
/// Deserializes from the `policy` object of a dev conversation
/// (`{"refund_threshold":100,"currency":"USD","confidence_threshold":0.6}`) and from the
/// `[policy]` table of a site's TOML config; every field has a sensible default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Refunds above this amount (in `currency`, or any currency when the text names none)
    /// are high risk; a stated amount at or below it is not.
    pub refund_threshold: f64,
    /// ISO 4217 code of the site's currency.
    pub currency: String,
    /// Candidate answers with a lower confidence are withheld and escalated.
    pub confidence_threshold: f32,
    /// Routing rules: trigger/topic/tier/sentiment/amount → queue and priority.
    #[serde(skip_serializing_if = "RoutingRules::is_builtin")]
    pub routing: RoutingRules,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            refund_threshold: 100.0,
            currency: "USD".to_owned(),
            confidence_threshold: 0.6,
            routing: RoutingRules::builtin(),
        }
    }
}

/// A policy value that cannot be used, naming the field.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("policy field `{field}`: {kind}")]
pub struct PolicyError {
    /// The offending field.
    pub field: &'static str,
    /// What is wrong with it.
    pub kind: String,
}

impl Policy {
    /// Checks ranges that serde cannot express, so a bad config fails at start-up.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if !self.refund_threshold.is_finite() || self.refund_threshold < 0.0 {
            return Err(PolicyError {
                field: "refund_threshold",
                kind: "must be a non-negative number".into(),
            });
        }
        if !(0.0..=1.0).contains(&self.confidence_threshold) {
            return Err(PolicyError {
                field: "confidence_threshold",
                kind: "must be between 0 and 1".into(),
            });
        }
        let c = self.currency.as_bytes();
        if c.len() != 3 || !c.iter().all(u8::is_ascii_uppercase) {
            return Err(PolicyError {
                field: "currency",
                kind: "must be a three-letter ISO 4217 code such as USD".into(),
            });
        }
        Ok(())
    }
}
