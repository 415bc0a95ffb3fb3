//! Redaction of payment secrets before any text leaves the browser in a bundle.
//!
//! Card numbers (13–19 digits starting 2–6, optionally grouped by single spaces or dashes,
//! Luhn-valid) become `[card •••• 1234]`; IBANs (country code, check digits, 11–30
//! alphanumerics, optionally grouped by single spaces, mod-97 valid) become `[IBAN ••12]`.
//! The checksums keep order numbers, phone numbers and tracking codes readable for the
//! agent: only a run that *is* a valid card number or IBAN is hidden. Hand-written scanning,
//! no regex: the engine ships in wasm and must stay small.
use std::borrow::Cow;

/// One replacement made by `redact_mapped`, in Unicode scalar values (like `Span`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Edit {
    /// First replaced character of the original text.
    pub(crate) start: u32,
    /// End (exclusive) of the replaced characters in the original text.
    pub(crate) end: u32,
    /// Length in characters of the replacement.
    pub(crate) new_len: u32,
}

/// Replaces every card number and IBAN in `text` with a masked form that keeps only the
/// last digits. Text without secrets is returned as is, without allocating.
pub fn redact(text: &str) -> Cow<'_, str> {
    if !maybe_secret(text) {
        return Cow::Borrowed(text);
    }
    let (out, edits) = redact_mapped(text);
    if edits.is_empty() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// Whether `text` still holds a card number or IBAN that `redact` would hide. The server
/// re-checks every bundle with this: a browser is not trusted to have redacted.
pub fn contains_secret(text: &str) -> bool {
    maybe_secret(text) && !redact_mapped(text).1.is_empty()
}

/// A card number has at least 13 digits and an IBAN at least 2: anything with fewer digits
/// skips the scan, which is the common case for chat messages.
fn maybe_secret(text: &str) -> bool {
    text.bytes().filter(u8::is_ascii_digit).nth(1).is_some()
}

/// Redacts and reports each replacement, so evidence spans can be moved to the new text.
pub(crate) fn redact_mapped(text: &str) -> (String, Vec<Edit>) {
    if !maybe_secret(text) {
        return (text.to_owned(), Vec::new());
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut edits = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let at_word_start = i == 0 || !chars[i - 1].is_alphanumeric();
        let found = if !at_word_start {
            None
        } else if chars[i].is_ascii_digit() {
            card_at(&chars, i)
        } else if chars[i].is_ascii_alphabetic() {
            iban_at(&chars, i)
        } else {
            None
        };
        match found {
            Some((end, masked)) => {
                edits.push(Edit {
                    start: i as u32,
                    end: end as u32,
                    new_len: masked.chars().count() as u32,
                });
                out.push_str(&masked);
                i = end;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    (out, edits)
}

/// Moves a character position of the original text to the redacted text: positions inside
/// a replacement snap to its start (for a span start) or end (for a span end).
pub(crate) fn map_pos(edits: &[Edit], pos: u32, is_end: bool) -> u32 {
    let mut shift: i64 = 0;
    for e in edits {
        if pos <= e.start || (!is_end && pos == e.start) {
            break;
        }
        if pos < e.end {
            let base = i64::from(e.start) + shift;
            let snapped = if is_end {
                base + i64::from(e.new_len)
            } else {
                base
            };
            return snapped.max(0) as u32;
        }
        shift += i64::from(e.new_len) - i64::from(e.end - e.start);
    }
    (i64::from(pos) + shift).max(0) as u32
}

/// Groups of characters separated by exactly one separator, starting at `start`:
/// `(first char, end exclusive)` of each group, groups made of chars accepted by `is_part`.
fn groups(
    chars: &[char],
    start: usize,
    is_part: impl Fn(char) -> bool,
    seps: &[char],
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = start;
    loop {
        let g = i;
        while i < chars.len() && is_part(chars[i]) {
            i += 1;
        }
        if i == g {
            break;
        }
        out.push((g, i));
        // Stop at the end, at a non-separator, or when the separator is not followed by
        // another group (a sentence-ending "1234-" or "1234 and").
        if i + 1 < chars.len() && seps.contains(&chars[i]) && is_part(chars[i + 1]) {
            i += 1;
        } else {
            break;
        }
    }
    out
}

/// A valid card number starting at `start`: its end and mask. Tries the longest run of
/// groups first, then shorter ones, so "4111 1111 1111 1111 2030" still finds the card.
fn card_at(chars: &[char], start: usize) -> Option<(usize, String)> {
    let gs = groups(chars, start, |c| c.is_ascii_digit(), &[' ', '-']);
    // A group running straight into a letter ("1234abc") is not a number.
    for last in (0..gs.len()).rev() {
        let end = gs[last].1;
        if end < chars.len() && chars[end].is_alphanumeric() {
            continue;
        }
        let digits: Vec<u8> = gs[..=last]
            .iter()
            .flat_map(|&(a, b)| chars[a..b].iter().map(|&c| c as u8 - b'0'))
            .collect();
        if (13..=19).contains(&digits.len()) && (2..=6).contains(&digits[0]) && luhn(&digits) {
            let tail: String = digits[digits.len() - 4..]
                .iter()
                .map(|d| char::from(b'0' + d))
                .collect();
            return Some((end, format!("[card •••• {tail}]")));
        }
    }
    None
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A valid IBAN starting at `start`: its end and mask.
fn iban_at(chars: &[char], start: usize) -> Option<(usize, String)> {
    let head = chars.get(start..start + 4)?;
    if !(head[0].is_ascii_alphabetic()
        && head[1].is_ascii_alphabetic()
        && head[2].is_ascii_digit()
        && head[3].is_ascii_digit())
    {
        return None;
    }
    let gs = groups(chars, start, |c| c.is_ascii_alphanumeric(), &[' ']);
    for last in (0..gs.len()).rev() {
        let end = gs[last].1;
        if end < chars.len() && chars[end].is_alphanumeric() {
            continue;
        }
        let code: Vec<char> = gs[..=last]
            .iter()
            .flat_map(|&(a, b)| chars[a..b].iter().map(char::to_ascii_uppercase))
            .collect();
        if (15..=34).contains(&code.len()) && mod97(&code) == 1 {
            let tail: String = code[code.len() - 2..].iter().collect();
            return Some((end, format!("[IBAN ••{tail}]")));
        }
    }
    None
}

/// ISO 13616 check: move the first four characters to the end, letters become 10..35,
/// and the number must be 1 modulo 97.
fn mod97(code: &[char]) -> u32 {
    let mut rem: u32 = 0;
    for &c in code[4..].iter().chain(&code[..4]) {
        let v = match c.to_digit(36) {
            Some(v) => v,
            None => return 0,
        };
        rem = if v < 10 {
            (rem * 10 + v) % 97
        } else {
            (rem * 100 + v) % 97
        };
    }
    rem
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        assert_eq!(redact(input), expect, "input: {input}");
        assert_eq!(contains_secret(input), input != expect);
    }

    #[test]
    fn cards_in_every_grouping_are_masked() {
        check("card 4111111111111111 ok", "card [card •••• 1111] ok");
        check("4111 1111 1111 1111", "[card •••• 1111]");
        check("use 5500-0000-0000-0004.", "use [card •••• 0004].");
        check("amex 3782 822463 10005!", "amex [card •••• 0005]!");
        check("4111 1111 1111 1111 2030", "[card •••• 1111] 2030");
    }

    #[test]
    fn numbers_that_are_not_cards_stay() {
        // Luhn fails.
        check("order 4111111111111112", "order 4111111111111112");
        // Too short, wrong leading digit, glued to letters, phone number.
        check("order 411111111111", "order 411111111111");
        check("ref 1111111111111117", "ref 1111111111111117");
        check("x4111111111111111", "x4111111111111111");
        check("call +1 415 555 2671", "call +1 415 555 2671");
        check("refund $1,240 please", "refund $1,240 please");
    }

    #[test]
    fn ibans_are_masked_when_the_checksum_holds() {
        check(
            "IBAN DE89 3704 0044 0532 0130 00 thanks",
            "IBAN [IBAN ••00] thanks",
        );
        check("GB82WEST12345698765432", "[IBAN ••32]");
        check("to fr1420041010050500013m02606.", "to [IBAN ••06].");
        // A mistyped IBAN (checksum fails) stays readable.
        check("DE89 3704 0044 0532 0130 02", "DE89 3704 0044 0532 0130 02");
        check("MODEL AB12 CD34 EF56 GH78", "MODEL AB12 CD34 EF56 GH78");
    }

    #[test]
    fn spans_move_with_the_replacements() {
        let text = "pay 4111 1111 1111 1111 refund me";
        let (out, edits) = redact_mapped(text);
        assert_eq!(out, "pay [card •••• 1111] refund me");
        // "refund" starts at 24 in the original and 21 in the redacted text.
        assert_eq!(map_pos(&edits, 24, false), 21);
        assert_eq!(map_pos(&edits, 30, true), 27);
        assert_eq!(map_pos(&edits, 2, false), 2);
        // A span inside the card snaps to the replacement.
        assert_eq!(map_pos(&edits, 6, false), 4);
        assert_eq!(map_pos(&edits, 8, true), 20);
    }
}
