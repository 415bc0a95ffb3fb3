//! The one-paragraph summary an agent reads first: what the customer wants, what the bot
//! tried and how it went, why it escalated, and the money at stake. The route is left out on
//! purpose: the server re-routes with its own rules and the agent already sees the queue.
//!
//! Built from the other fields of the bundle only, with fixed English phrasing and no
//! randomness, so the same bundle always gets the same summary (the server can re-derive it)
//! and an agent reads the same shape every time. The customer's own words are quoted in
//! whatever language they wrote them.
use std::fmt::Write;

use crate::bundle::{
    limits::MAX_SUMMARY_CHARS, AttemptOutcome, CustomerEvent, HandoffV1, TranscriptEntry,
};
use crate::conversation::Role;
use crate::decision::{Reason, Trigger};
use crate::detect::Topic;

/// Longest quote of a customer message, in characters.
const QUOTE_CHARS: usize = 160;

/// Writes the summary paragraph for `bundle` (its own `summary` field is ignored).
pub fn summarize(bundle: &HandoffV1) -> String {
    let mut out = String::with_capacity(512);
    let topic = match bundle.topic {
        Topic::Billing => "Billing",
        Topic::Technical => "Technical",
        Topic::Account => "Account",
        Topic::Shipping => "Shipping",
        Topic::General => "General",
    };
    let _ = write!(out, "{topic} request");
    if let Some(name) = bundle.customer.name.as_deref().filter(|n| !n.is_empty()) {
        let _ = write!(out, " from {}", quote_plain(name, 60));
    }
    if let Some(tier) = bundle.customer.tier() {
        let _ = write!(out, " ({} customer)", quote_plain(tier, 30));
    }
    out.push('.');

    let typed: Vec<&TranscriptEntry> = bundle
        .transcript
        .iter()
        .filter(|e| e.role == Role::Customer && e.event.is_none())
        .collect();
    match (typed.first(), typed.last()) {
        (Some(first), Some(last)) => {
            let mut said = quote(&first.text);
            let _ = write!(out, " The customer wrote: “{said}”");
            if typed.len() > 1 && last.text != first.text {
                said = quote(&last.text);
                let _ = write!(out, " and last: “{said}”");
            }
            // “…refunded.” needs no second full stop after the quote.
            if !said.ends_with(['.', '!', '?', '…']) {
                out.push('.');
            }
        }
        _ => out.push_str(" The customer did not type a message."),
    }

    let attempts = &bundle.attempts;
    if attempts.is_empty() {
        out.push_str(" The bot had not tried an answer.");
    } else {
        let _ = write!(
            out,
            " The bot tried {} answer{}: ",
            attempts.len(),
            if attempts.len() == 1 { "" } else { "s" }
        );
        for (i, a) in attempts.iter().enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            let what = a.source.as_deref().unwrap_or(match a.kind {
                crate::bundle::AttemptKind::Clarification => "a clarifying question",
                crate::bundle::AttemptKind::Action => "an action",
                crate::bundle::AttemptKind::KbArticle => "an unsourced answer",
            });
            let how = match a.outcome {
                AttemptOutcome::Helped => "helped",
                AttemptOutcome::DidNotHelp => "did not help",
                AttemptOutcome::Withheld => "withheld as too uncertain",
                AttemptOutcome::Unknown => "no reaction yet",
            };
            let _ = write!(out, "{what} ({how}");
            if let Some(c) = a.confidence {
                let _ = write!(out, ", confidence {}", fixed2(f64::from(c)));
            }
            out.push(')');
        }
        out.push('.');
    }

    if bundle.reasons.is_empty() {
        out.push_str(" No escalation trigger fired.");
    } else {
        out.push_str(" Escalated because ");
        for (i, r) in bundle.reasons.iter().enumerate() {
            if i > 0 {
                out.push_str(if i + 1 == bundle.reasons.len() {
                    " and "
                } else {
                    ", "
                });
            }
            out.push_str(&because(r, bundle));
        }
        out.push('.');
    }

    if let Some(a) = &bundle.amount {
        let _ = write!(out, " Amount at stake: {}", fixed2(a.value));
        if let Some(c) = &a.currency {
            let _ = write!(out, " {c}");
        }
        out.push('.');
    }
    if let Some(min) = bundle
        .sentiment
        .iter()
        .map(|p| p.score)
        .reduce(f32::min)
        .filter(|&m| m <= -0.3)
    {
        let mood = if min <= -0.7 { "angry" } else { "annoyed" };
        let _ = write!(
            out,
            " The customer sounds {mood} (sentiment {}).",
            fixed2(f64::from(min))
        );
    }
    truncate(out, MAX_SUMMARY_CHARS)
}

fn because(r: &Reason, bundle: &HandoffV1) -> String {
    let turn = r.evidence.turn;
    let pressed = bundle
        .transcript
        .get(turn as usize)
        .is_some_and(|e| e.event == Some(CustomerEvent::HumanButton));
    let what = match r.trigger {
        Trigger::HumanRequest if pressed => "the customer pressed “Talk to a person”".to_owned(),
        Trigger::HumanRequest => "the customer asked for a person".to_owned(),
        Trigger::Restatement => {
            "the customer restated the same problem after the bot's answers".to_owned()
        }
        Trigger::LowConfidence => match r.evidence.score {
            Some(s) => format!(
                "the bot's answer was too uncertain to show (confidence {})",
                fixed2(f64::from(s))
            ),
            None => "the bot's answer was not grounded in the knowledge base".to_owned(),
        },
        Trigger::Frustration => "the customer is frustrated".to_owned(),
        Trigger::HighRisk => "the request is high-risk and needs a person by policy".to_owned(),
    };
    format!("{what} (turn {turn}, {})", r.evidence.rule)
}

/// `v` with two decimals, rounded half away from zero. Written by hand because `{:.2}` pulls
/// core's exact float formatting (several KB) into the widget's wasm.
fn fixed2(v: f64) -> String {
    if !v.is_finite() {
        return "?".to_owned();
    }
    let cents = (v.abs() * 100.0 + 0.5).floor() as u64;
    let sign = if v < 0.0 && cents > 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// A customer message on one line, cut to `QUOTE_CHARS` with an ellipsis.
fn quote(text: &str) -> String {
    quote_plain(text, QUOTE_CHARS)
}

fn quote_plain(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    let mut n = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if n > 0 {
            if n + 1 + len > max {
                out.push('…');
                return out;
            }
            out.push(' ');
            n += 1;
        }
        if len > max - n.min(max) {
            out.extend(word.chars().take(max - n));
            out.push('…');
            return out;
        }
        out.push_str(word);
        n += len;
    }
    out
}

fn truncate(mut s: String, max: usize) -> String {
    if s.chars().count() > max {
        if let Some((cut, _)) = s.char_indices().nth(max.saturating_sub(1)) {
            s.truncate(cut);
            s.push('…');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_decimals_without_float_formatting() {
        assert_eq!(fixed2(0.41), "0.41");
        assert_eq!(fixed2(f64::from(0.41f32)), "0.41");
        assert_eq!(fixed2(1240.0), "1240.00");
        assert_eq!(fixed2(-0.755), "-0.76");
        assert_eq!(fixed2(-0.001), "0.00");
        assert_eq!(fixed2(89.9), "89.90");
    }

    #[test]
    fn quotes_are_one_line_and_bounded() {
        assert_eq!(quote_plain("a  b\n c", 10), "a b c");
        assert_eq!(quote_plain("hello world again", 11), "hello world…");
        assert_eq!(quote_plain("abcdefghijkl", 5), "abcde…");
        assert_eq!(truncate("abcdef".into(), 4), "abc…");
        assert_eq!(truncate("abc".into(), 4), "abc");
        assert_eq!(truncate("abcd".into(), 4), "abcd");
    }
}
