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

    /// A stable fingerprint of this policy: FNV-1a (64-bit) over its canonical JSON, as 16
    /// lowercase hex digits. Recorded in every bundle (`EngineInfo::config_hash`) so that when
    /// the server's re-derived reasons differ from the browser's, "different policy" can be
    /// told apart from "different engine" or "tampered bundle".
    ///
    /// Canonical JSON is `serde_json::to_string` of this struct: fields in declaration order,
    /// no whitespace, built-in routing rules omitted, so the same policy always hashes the same,
    /// natively and in wasm.
    pub fn config_hash(&self) -> String {
        // Serializing a struct of strings, numbers and rule lists cannot fail; an empty string
        // (hash of nothing) would still be deterministic if it somehow did.
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("{:016x}", fnv1a64(json.as_bytes()))
    }
}

/// FNV-1a, 64-bit: tiny, fast and identical on every platform; not a cryptographic hash
/// (the config hash explains mismatches, it does not authenticate anything).
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn config_hash_is_stable_and_sensitive() {
        let a = Policy::default();
        assert_eq!(a.config_hash(), Policy::default().config_hash());
        assert_eq!(a.config_hash().len(), 16);
        let b = Policy {
            refund_threshold: 50.0,
            ..Policy::default()
        };
        assert_ne!(a.config_hash(), b.config_hash());
        let c = Policy {
            routing: crate::route::RoutingRules::from_json("{}").unwrap(),
            ..Policy::default()
        };
        assert_ne!(a.config_hash(), c.config_hash());
    }

    #[test]
    fn policy_round_trips_through_json_with_custom_rules() {
        let p: Policy = serde_json::from_str(
            r#"{"refund_threshold":250,"currency":"EUR","confidence_threshold":0.7,
                "routing":{"default":{"queue":"support"},
                           "rules":[{"name":"vip","when":{"tiers":["vip"]},"queue":"senior"}]}}"#,
        )
        .unwrap();
        assert!(p.validate().is_ok());
        assert_eq!(p.routing.rules().len(), 1);
        let back: Policy = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        // The dev conversations' policy objects load with built-in rules.
        let dev: Policy = serde_json::from_str(
            r#"{"refund_threshold": 100, "currency": "USD", "confidence_threshold": 0.6}"#,
        )
        .unwrap();
        assert!(dev.routing.is_builtin());
    }

    #[test]
    fn validation_names_the_field() {
        let bad = |p: Policy| p.validate().unwrap_err().field;
        assert_eq!(
            bad(Policy {
                refund_threshold: f64::NAN,
                ..Policy::default()
            }),
            "refund_threshold"
        );
        assert_eq!(
            bad(Policy {
                confidence_threshold: 1.5,
                ..Policy::default()
            }),
            "confidence_threshold"
        );
        assert_eq!(
            bad(Policy {
                currency: "usd".into(),
                ..Policy::default()
            }),
            "currency"
        );
    }
}
