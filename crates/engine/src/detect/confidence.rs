//! The grounding gate: a weak or ungrounded candidate answer is withheld, never shown.
//!
//! A bot that guesses is worse than a bot that hands over, so the gate is strict: a
//! candidate *below* `policy.confidence_threshold` (equal passes) or one the responder
//! marks as not backed by the knowledge base (`grounded == Some(false)`) is withheld and
//! the conversation escalates at that bot turn. `grounded == None` is small talk
//! (greetings, thanks) that needs no facts, so only the confidence check applies.
use crate::conversation::Candidate;
use crate::decision::{Evidence, Reason, Trigger};
use crate::policy::Policy;

/// Rule id when the candidate's confidence is under the threshold.
pub(crate) const RULE_BELOW_THRESHOLD: &str = "low_confidence.below_threshold";
/// Rule id when the candidate is confident but not backed by the knowledge base.
pub(crate) const RULE_UNGROUNDED: &str = "low_confidence.ungrounded";

/// The gate for the candidate at bot turn `turn`; `Some` means withhold and escalate.
pub(crate) fn gate(turn: u32, candidate: &Candidate, policy: &Policy) -> Option<Reason> {
    // NaN confidence is treated as zero: a responder that cannot say how sure it is
    // has not earned the right to be shown.
    let confidence = if candidate.confidence.is_nan() {
        0.0
    } else {
        candidate.confidence
    };
    let rule = if confidence < policy.confidence_threshold {
        RULE_BELOW_THRESHOLD
    } else if candidate.grounded == Some(false) {
        RULE_UNGROUNDED
    } else {
        return None;
    };
    Some(Reason {
        trigger: Trigger::LowConfidence,
        evidence: Evidence {
            turn,
            span: None,
            rule: rule.to_owned(),
            score: Some(confidence),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(confidence: f32, grounded: Option<bool>) -> Candidate {
        Candidate {
            text: "answer".into(),
            confidence,
            grounded,
            sources: Vec::new(),
        }
    }

    #[test]
    fn gate_table() {
        let policy = Policy {
            confidence_threshold: 0.65,
            ..Policy::default()
        };
        // (confidence, grounded, expected rule)
        let table: &[(f32, Option<bool>, Option<&str>)] = &[
            (0.9, Some(true), None),
            (0.65, Some(true), None), // equal to the threshold passes
            (0.6499, Some(true), Some(RULE_BELOW_THRESHOLD)),
            (0.2, None, Some(RULE_BELOW_THRESHOLD)),
            (0.97, None, None), // small talk needs no grounding
            (0.95, Some(false), Some(RULE_UNGROUNDED)),
            (0.3, Some(false), Some(RULE_BELOW_THRESHOLD)),
            (f32::NAN, Some(true), Some(RULE_BELOW_THRESHOLD)),
        ];
        for &(confidence, grounded, want) in table {
            let got = gate(3, &candidate(confidence, grounded), &policy);
            assert_eq!(
                got.as_ref().map(|r| r.evidence.rule.as_str()),
                want,
                "confidence {confidence} grounded {grounded:?}"
            );
            if let Some(reason) = got {
                assert_eq!(reason.trigger, Trigger::LowConfidence);
                assert_eq!(reason.evidence.turn, 3);
            }
        }
    }
}
