//! Money amounts in free text: "$1,240", "€1.200,50", "1200 EUR", "1 240,00 zł",
//! "CHF 1'250.–", "1,5k€", "two hundred bucks", "doscientos euros", "zwölfhundert Euro".
//!
//! Digits are read from the original characters (separators decide thousands vs decimals by
//! the size of the last group); number words come from `data/lexicon_numbers.txt` and only
//! count next to a currency, so "the blue one" is never an amount. A bare number counts
//! only when it has cents ("39,90") or follows a refund word and no identifier word
//! ("order 55102" is not money).
use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::decision::Span;
use crate::normalize::{fold, Analysis, Concept as C};

/// One amount found in a message.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Amount {
    /// The value in units of its currency (cents as a fraction).
    pub(crate) value: f64,
    /// ISO 4217 code when the text names a currency.
    pub(crate) currency: Option<&'static str>,
    /// Where it was written (characters of the original text).
    pub(crate) span: Span,
}

/// Number words and currency names, parsed once from the data file.
#[derive(Debug, Default)]
pub(crate) struct NumberWords {
    words: BTreeMap<String, u32>,
    /// Longest first, for splitting compounds ("zweihundertfunfzig").
    pieces: Vec<(String, u32)>,
    currencies: Vec<(String, &'static str)>,
}

/// A line of `lexicon_numbers.txt` that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("number-word line {line}: {kind}")]
pub(crate) struct NumbersError {
    line: usize,
    kind: &'static str,
}

const CODES: &[&str] = &[
    "USD", "EUR", "GBP", "CHF", "BRL", "PLN", "JPY", "SEK", "CAD", "AUD",
];

const TEXT: &str = include_str!("../../data/lexicon_numbers.txt");

impl NumberWords {
    fn builtin() -> &'static NumberWords {
        static CELL: OnceLock<NumberWords> = OnceLock::new();
        CELL.get_or_init(|| NumberWords::parse(TEXT).unwrap_or_default())
    }

    fn parse(text: &str) -> Result<NumberWords, NumbersError> {
        let mut nw = NumberWords::default();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |kind| NumbersError { line: n + 1, kind };
            let (key, rest) = line.split_once(':').ok_or(err("expected `key: words`"))?;
            let key = key.trim();
            if let Some(code) = CODES.iter().find(|c| **c == key) {
                for w in rest.split_whitespace() {
                    if fold(w) != w {
                        return Err(err("currency word not folded"));
                    }
                    nw.currencies.push((w.to_owned(), code));
                }
                continue;
            }
            let value: u32 = key
                .parse()
                .map_err(|_| err("key is neither a number nor a known currency code"))?;
            for w in rest.split_whitespace() {
                if fold(w) != w || !w.chars().all(char::is_alphabetic) {
                    return Err(err("number word not folded or not letters"));
                }
                nw.words.insert(w.to_owned(), value);
            }
        }
        nw.pieces = nw
            .words
            .iter()
            .filter(|(w, _)| w.len() >= 3)
            .map(|(w, v)| (w.clone(), *v))
            .collect();
        nw.pieces
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Ok(nw)
    }

    fn currency(&self, word: &str) -> Option<&'static str> {
        self.currencies
            .iter()
            .find(|(w, _)| w == word)
            .map(|(_, c)| *c)
    }

    /// Splits one folded word into number pieces, e.g. "zwolfhundert" → [12, 100].
    fn split(&self, word: &str, out: &mut Vec<u32>) -> bool {
        if let Some(&v) = self.words.get(word) {
            out.push(v);
            return true;
        }
        let mut rest = word;
        while !rest.is_empty() {
            if let Some(r) = ["und", "en", "e", "y"].iter().find_map(|c| {
                rest.strip_prefix(c)
                    .filter(|r| self.pieces.iter().any(|(p, _)| r.starts_with(p.as_str())))
            }) {
                if out.is_empty() {
                    return false;
                }
                rest = r;
                continue;
            }
            match self
                .pieces
                .iter()
                .find(|(p, _)| rest.starts_with(p.as_str()))
            {
                Some((p, v)) => {
                    out.push(*v);
                    rest = &rest[p.len()..];
                }
                None => return false,
            }
        }
        !out.is_empty()
    }
}

/// Folds number pieces into a value: 100 and 1000 multiply, the rest add.
fn combine(pieces: &[u32]) -> f64 {
    let (mut total, mut current) = (0f64, 0f64);
    for &p in pieces {
        match p {
            100 => current = current.max(1.0) * 100.0,
            1000 => {
                total += current.max(1.0) * 1000.0;
                current = 0.0;
            }
            v => current += f64::from(v),
        }
    }
    total + current
}

/// Every amount in the message, in text order.
pub(crate) fn amounts(a: &Analysis<'_>) -> Vec<Amount> {
    let nw = NumberWords::builtin();
    let mut out = Vec::new();
    if !a
        .tokens
        .iter()
        .any(|t| t.numeric || t.tags & C::Currency.bit() != 0)
    {
        return out;
    }
    let chars: Vec<char> = a.text.chars().collect();
    digit_amounts(a, nw, &chars, &mut out);
    word_amounts(a, nw, &chars, &mut out);
    out.sort_by_key(|m| m.span.start);
    out
}

/// The largest amount stated, for routing ("refunds over 500 → senior").
pub(crate) fn largest(a: &Analysis<'_>) -> Option<Amount> {
    amounts(a)
        .into_iter()
        .max_by(|x, y| x.value.total_cmp(&y.value))
}

fn is_group_sep(c: char) -> bool {
    matches!(c, '.' | ',' | '\'' | '’' | ' ' | '\u{a0}' | '\u{202f}')
}

/// Currency named by the symbol or word touching the number on either side.
fn currency_near(
    nw: &NumberWords,
    chars: &[char],
    start: usize,
    end: usize,
) -> Option<&'static str> {
    // After: skip spaces, then a symbol or a word.
    let mut k = end;
    while k < chars.len() && chars[k] == ' ' {
        k += 1;
    }
    if let Some(c) = word_or_symbol(nw, chars, k) {
        return Some(c);
    }
    // Before: skip spaces (and the dot of "Fr.") back, then a symbol and/or a word.
    let mut k = start;
    while k > 0 && matches!(chars[k - 1], ' ' | '.') {
        k -= 1;
    }
    let is_sym = |c: char| matches!(c, '$' | '€' | '£' | '¥');
    let mut b = k;
    if b > 0 && is_sym(chars[b - 1]) {
        b -= 1;
    }
    while b > 0 && chars[b - 1].is_alphabetic() && k - b < 10 {
        b -= 1;
    }
    if b < k {
        let w: String = chars[b..k].iter().collect();
        if let Some(c) = nw.currency(&fold(&w)) {
            return Some(c);
        }
        if is_sym(chars[k - 1]) {
            return nw.currency(&chars[k - 1].to_string());
        }
    }
    None
}

fn word_or_symbol(nw: &NumberWords, chars: &[char], k: usize) -> Option<&'static str> {
    let c = *chars.get(k)?;
    if matches!(c, '$' | '€' | '£' | '¥') {
        return nw.currency(&c.to_string());
    }
    let mut e = k;
    while e < chars.len() && (chars[e].is_alphabetic() || chars[e] == '$') {
        e += 1;
    }
    if e == k || e - k > 10 {
        return None;
    }
    let w: String = chars[k..e].iter().collect();
    nw.currency(&fold(&w))
}

/// The index of the token covering character `c`, or the one after it.
fn token_at(a: &Analysis<'_>, c: u32) -> usize {
    a.tokens.partition_point(|t| t.end <= c)
}

fn digit_amounts(a: &Analysis<'_>, nw: &NumberWords, chars: &[char], out: &mut Vec<Amount>) {
    let n = chars.len();
    let mut i = 0;
    while i < n {
        if !chars[i].is_ascii_digit()
            || (i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '#'))
        {
            i += 1;
            continue;
        }
        let start = i;
        // Groups of digits and the separators between them.
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut seps: Vec<char> = Vec::new();
        let mut g = i;
        while i < n && chars[i].is_ascii_digit() {
            i += 1;
        }
        groups.push((g, i));
        while i + 1 < n && is_group_sep(chars[i]) && chars[i + 1].is_ascii_digit() {
            let sep = chars[i];
            g = i + 1;
            let mut e = g;
            while e < n && chars[e].is_ascii_digit() {
                e += 1;
            }
            // A space only groups thousands: exactly three digits after it.
            if matches!(sep, ' ' | '\u{a0}' | '\u{202f}') && e - g != 3 {
                break;
            }
            if sep == ',' && e - g > 3 {
                break;
            }
            seps.push(sep);
            groups.push((g, e));
            i = e;
        }
        let end = i;
        if end < n && chars[end].is_alphabetic() && !matches!(chars[end], 'k' | 'K') {
            // "3rd", "4x4", "5g": not an amount.
            i = end;
            continue;
        }
        let digits = |(s, e): (usize, usize)| -> f64 {
            chars[s..e].iter().fold(0f64, |v, c| {
                v * 10.0 + f64::from(c.to_digit(10).unwrap_or(0))
            })
        };
        let last = *groups.last().unwrap_or(&(start, end));
        let last_len = last.1 - last.0;
        let decimal = matches!(seps.last(), Some('.' | ',')) && last_len <= 2;
        let whole_groups = if decimal {
            &groups[..groups.len() - 1]
        } else {
            &groups[..]
        };
        let mut value = whole_groups.iter().fold(0f64, |v, &gr| {
            v * 10f64.powi((gr.1 - gr.0) as i32) + digits(gr)
        });
        if decimal {
            value += digits(last) / 10f64.powi(last_len as i32);
        }
        // Multipliers right after: "1.5k", "1,5 Tsd.", "2 mil".
        let mut k = end;
        while k < n && chars[k] == ' ' {
            k += 1;
        }
        let mut w_end = k;
        while w_end < n && chars[w_end].is_alphabetic() {
            w_end += 1;
        }
        let mut after = end;
        if w_end > k {
            let w: String = chars[k..w_end].iter().collect();
            let w = fold(&w);
            if nw.words.get(&w) == Some(&1000) {
                value *= 1000.0;
                after = w_end;
            } else if w == "cents" || w == "cent" || w == "centimos" || w == "centavos" {
                value /= 100.0;
                after = w_end;
            }
        }
        let mut currency = currency_near(nw, chars, start, after);
        let has_cents = decimal && last_len == 2;
        if currency.is_none() {
            let t = token_at(a, start as u32);
            let id_before = (t.saturating_sub(2)..t).any(|k| a.has(k, C::IdWord));
            let refund_before =
                (t.saturating_sub(5)..t).any(|k| a.has(k, C::Refund) || a.has(k, C::Charge));
            if id_before || !(has_cents || refund_before) {
                i = end;
                continue;
            }
            currency = None;
        }
        // "$59.99 x 4 months": a repeated charge.
        let mut k = after;
        while k < n && matches!(chars[k], ' ' | '€' | '$' | '£' | '.' | '–' | '-') {
            k += 1;
        }
        if k + 1 < n && matches!(chars[k], 'x' | 'X' | '×' | '*') {
            let mut d = k + 1;
            while d < n && chars[d] == ' ' {
                d += 1;
            }
            let mut times = 0u32;
            while d < n && chars[d].is_ascii_digit() && times < 100 {
                times = times * 10 + chars[d].to_digit(10).unwrap_or(0);
                d += 1;
            }
            if (2..=36).contains(&times) {
                value *= f64::from(times);
            }
        }
        out.push(Amount {
            value,
            currency,
            span: Span {
                start: start as u32,
                end: after as u32,
            },
        });
        i = end;
    }
}

fn word_amounts(a: &Analysis<'_>, nw: &NumberWords, chars: &[char], out: &mut Vec<Amount>) {
    // Number words count only right before a currency word ("doscientos euros") or right
    // after a symbol ("$ two hundred" is rare enough to ignore): walk back from each
    // currency word over the tokens that read as number words.
    let mut pieces = Vec::new();
    for c in 0..a.tokens.len() {
        if !a.has(c, C::Currency) || c == 0 {
            continue;
        }
        let mut first = c;
        while first > 0 && !a.tokens[first - 1].numeric {
            let w = a.norm(first - 1);
            let connector = matches!(w, "and" | "y" | "et" | "e" | "und" | "en");
            pieces.clear();
            if !connector && !nw.split(w, &mut pieces) {
                break;
            }
            first -= 1;
        }
        // Leading connectors are not part of the number.
        while first < c && matches!(a.norm(first), "and" | "y" | "et" | "e" | "und" | "en") {
            first += 1;
        }
        if first == c {
            continue;
        }
        pieces.clear();
        for k in first..c {
            let w = a.norm(k);
            if !matches!(w, "and" | "y" | "et" | "e" | "und" | "en") {
                nw.split(w, &mut pieces);
            }
        }
        let value = combine(&pieces);
        let (start, end) = (a.tokens[first].start as usize, a.tokens[c - 1].end as usize);
        if value > 0.0 {
            out.push(Amount {
                value,
                currency: currency_near(nw, chars, start, end),
                span: Span {
                    start: start as u32,
                    end: end as u32,
                },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(f64, Option<&'static str>)> {
        amounts(&Analysis::new(text))
            .into_iter()
            .map(|m| ((m.value * 100.0).round() / 100.0, m.currency))
            .collect()
    }

    #[test]
    fn number_file_parses() {
        let nw = NumberWords::parse(TEXT);
        assert!(nw.is_ok(), "{:?}", nw.err());
        assert!(
            NumberWords::parse("12 : twelve").is_err() || NumberWords::parse("x: twelve").is_err()
        );
        assert!(NumberWords::parse("XYZ: foo").is_err());
        assert!(NumberWords::parse("5: Fünf").is_err());
    }

    #[test]
    fn digit_formats() {
        assert_eq!(values("refund $1,240 now"), [(1240.0, Some("USD"))]);
        assert_eq!(values("€1.200,50 bitte"), [(1200.5, Some("EUR"))]);
        assert_eq!(values("it was 1200 EUR"), [(1200.0, Some("EUR"))]);
        assert_eq!(values("zwrot 1 240,00 zł"), [(1240.0, Some("PLN"))]);
        assert_eq!(values("CHF 3'400.– zurück"), [(3400.0, Some("CHF"))]);
        assert_eq!(values("un débit de 2,5k€ hier"), [(2500.0, Some("EUR"))]);
        assert_eq!(values("£7.50 delivery"), [(7.5, Some("GBP"))]);
        assert_eq!(values("$19.99 x 3 months"), [(59.97, Some("USD"))]);
        assert_eq!(values("R$ 350,00 de volta"), [(350.0, Some("BRL"))]);
    }

    #[test]
    fn identifiers_are_not_money() {
        assert!(values("order 55102 is late").is_empty());
        assert!(values("ticket #4471, 3rd floor").is_empty());
        assert_eq!(values("the item cost 24,95 and broke"), [(24.95, None)]);
    }

    #[test]
    fn words() {
        assert_eq!(values("three hundred bucks"), [(300.0, Some("USD"))]);
        assert_eq!(
            values("quiero mis trescientos euros"),
            [(300.0, Some("EUR"))]
        );
        assert_eq!(values("dreihundertfünfzig Euro"), [(350.0, Some("EUR"))]);
        assert_eq!(values("huit cent cinquante euros"), [(850.0, Some("EUR"))]);
        assert_eq!(values("milleduecento euro"), [(1200.0, Some("EUR"))]);
        assert_eq!(values("vierhonderd euro"), [(400.0, Some("EUR"))]);
        assert_eq!(values("eleven hundred quid"), [(1100.0, Some("GBP"))]);
        assert!(values("the blue one please").is_empty());
    }
}
