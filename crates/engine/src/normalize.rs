//! Text folding shared by the detectors: lowercase, strip accents, collapse repeats, split
//! into tokens that remember where they came from, and tag each token with the concepts of
//! the embedded lexicon (`data/lexicon.txt`).
//!
//! Detectors never look at raw strings: they reason over concept tags on tokens inside a
//! clause, which is what lets one rule ("ask verb + person noun, not negated") cover seven
//! languages, typos and shouting at once. Every token keeps its character offsets into the
//! *original* text so evidence spans point at what the customer actually typed.

mod lexicon;

pub(crate) use lexicon::{Concept, Lexicon};

use crate::decision::Span;

/// The union of the bits of `concepts`, for `Analysis::find` and `Token::tags` tests.
pub(crate) const fn mask(concepts: &[Concept]) -> u128 {
    let mut m = 0u128;
    let mut i = 0;
    while i < concepts.len() {
        m |= concepts[i].bit();
        i += 1;
    }
    m
}

/// One word (or emoji) of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    /// First character in the original text (Unicode scalar index), inclusive.
    pub(crate) start: u32,
    /// Last character in the original text, exclusive.
    pub(crate) end: u32,
    /// Byte range of the folded form inside `Analysis::folded`.
    norm_start: u32,
    norm_end: u32,
    /// Clause index: punctuation and contrastive conjunctions start a new clause.
    pub(crate) clause: u16,
    /// Sentence index: only `.`, `!`, `?`, `;` and line breaks start a new sentence.
    pub(crate) sentence: u16,
    /// Written in capitals (at least two letters, no lowercase).
    pub(crate) caps: bool,
    /// Had a letter repeated three or more times ("pleeease").
    pub(crate) elongated: bool,
    /// Made only of digits.
    pub(crate) numeric: bool,
    /// Concept bits from the lexicon (see `Concept`).
    pub(crate) tags: u128,
}

impl Token {
    /// Whether the token carries concept `c`.
    pub(crate) fn has(&self, c: Concept) -> bool {
        self.tags & c.bit() != 0
    }
}

/// A message folded, tokenised and tagged once, shared by every detector.
#[derive(Clone, Debug)]
pub(crate) struct Analysis<'a> {
    /// The original text.
    pub(crate) text: &'a str,
    folded: String,
    pub(crate) tokens: Vec<Token>,
    /// Letters in the message, and how many of them were upper case.
    pub(crate) letters: u32,
    pub(crate) upper: u32,
    /// Total `!` and the longest run of `!`/`?` mixes ("?!?!").
    pub(crate) exclaims: u32,
    pub(crate) max_bang_run: u32,
    /// The longest run of `!` alone ("!!!").
    pub(crate) max_excl_run: u32,
    /// Total `?`.
    pub(crate) questions: u32,
}

impl<'a> Analysis<'a> {
    /// Folds, tokenises and tags `text` with the built-in lexicon.
    pub(crate) fn new(text: &'a str) -> Self {
        let mut a = tokenize(text);
        Lexicon::builtin().tag(&mut a);
        a.assign_clauses();
        a
    }

    /// The folded form of token `i` (lowercase, accents stripped, repeats collapsed).
    pub(crate) fn norm(&self, i: usize) -> &str {
        let t = &self.tokens[i];
        self.folded
            .get(t.norm_start as usize..t.norm_end as usize)
            .unwrap_or("")
    }

    /// Whether token `i` exists and carries concept `c`.
    pub(crate) fn has(&self, i: usize, c: Concept) -> bool {
        self.tokens.get(i).is_some_and(|t| t.has(c))
    }

    /// Whether any token carries concept `c`.
    pub(crate) fn any(&self, c: Concept) -> bool {
        self.tokens.iter().any(|t| t.has(c))
    }

    /// Tokens whose text is all capitals and at least three letters long.
    #[cfg(test)]
    pub(crate) fn caps_words(&self) -> usize {
        self.tokens
            .iter()
            .filter(|t| t.caps && t.end - t.start >= 3)
            .count()
    }

    /// The character span covering tokens `i..=j` (in either order).
    pub(crate) fn span(&self, i: usize, j: usize) -> Span {
        let (i, j) = (i.min(j), i.max(j));
        match (self.tokens.get(i), self.tokens.get(j)) {
            (Some(a), Some(b)) => Span {
                start: a.start,
                end: b.end,
            },
            _ => Span { start: 0, end: 0 },
        }
    }

    /// First token in `[from, to)` (clamped) carrying any of the concepts in `mask`.
    pub(crate) fn find(&self, from: usize, to: usize, mask: u128) -> Option<usize> {
        let to = to.min(self.tokens.len());
        (from.min(to)..to).find(|&k| self.tokens[k].tags & mask != 0)
    }

    /// Last token in `[from, to)` (clamped) carrying any of the concepts in `mask`.
    pub(crate) fn rfind(&self, from: usize, to: usize, mask: u128) -> Option<usize> {
        let to = to.min(self.tokens.len());
        (from.min(to)..to)
            .rev()
            .find(|&k| self.tokens[k].tags & mask != 0)
    }

    /// Index range `[from, to)` of the tokens of the clause that token `i` belongs to.
    pub(crate) fn clause_range(&self, i: usize) -> (usize, usize) {
        let c = self.tokens[i].clause;
        let mut from = i;
        while from > 0 && self.tokens[from - 1].clause == c {
            from -= 1;
        }
        let mut to = i + 1;
        while to < self.tokens.len() && self.tokens[to].clause == c {
            to += 1;
        }
        (from, to)
    }

    /// Index range `[from, to)` of the tokens of the sentence that token `i` belongs to.
    pub(crate) fn sentence_range(&self, i: usize) -> (usize, usize) {
        let c = self.tokens[i].sentence;
        let mut from = i;
        while from > 0 && self.tokens[from - 1].sentence == c {
            from -= 1;
        }
        let mut to = i + 1;
        while to < self.tokens.len() && self.tokens[to].sentence == c {
            to += 1;
        }
        (from, to)
    }

    /// Clause breaks come from punctuation (recorded while tokenising) and from
    /// contrastive conjunctions ("but", "mais", "aber"…), known only after tagging.
    fn assign_clauses(&mut self) {
        let mut clause = 0u16;
        let mut prev_clause = u16::MAX;
        let mut bumped = 0u16;
        for t in &mut self.tokens {
            // `clause` currently holds the punctuation-based index.
            if t.clause != prev_clause {
                prev_clause = t.clause;
                clause = t.clause.saturating_add(bumped);
            }
            if t.tags & Concept::ClauseBreak.bit() != 0 {
                bumped = bumped.saturating_add(1);
                clause = clause.saturating_add(1);
            }
            t.clause = clause;
        }
    }
}

/// Words whose apostrophe marks an elision ("l'adresse", "qu'une", "dell'ordine"): split
/// there. Any other apostrophe is dropped, so "don't" folds to the "dont" people type.
const ELISIONS: &[&str] = &[
    "l", "d", "j", "m", "t", "s", "n", "c", "qu", "jusqu", "lorsqu", "puisqu", "dell", "all",
    "nell", "sull", "dall", "un", "quest", "quell", "po", "gl",
];

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | '´')
}

/// Splits `text` into tokens, folding each into the shared buffer.
fn tokenize(text: &str) -> Analysis<'_> {
    let mut a = Analysis {
        text,
        folded: String::with_capacity(text.len() + 8),
        tokens: Vec::with_capacity(text.len() / 4 + 2),
        letters: 0,
        upper: 0,
        exclaims: 0,
        max_bang_run: 0,
        max_excl_run: 0,
        questions: 0,
    };
    let chars: Vec<char> = text.chars().collect();
    let mut clause: u16 = 0;
    let mut sentence: u16 = 0;
    let mut i = 0usize;
    let mut bang_run = 0u32;
    let mut excl_run = 0u32;
    while i < chars.len() {
        let c = chars[i];
        if c == '!' || c == '?' {
            bang_run += 1;
            a.max_bang_run = a.max_bang_run.max(bang_run);
        } else if !c.is_whitespace() {
            bang_run = 0;
        }
        if c == '!' || c == '1' && excl_run > 0 {
            excl_run += 1;
            a.max_excl_run = a.max_excl_run.max(excl_run);
        } else if !c.is_whitespace() {
            excl_run = 0;
        }
        if c.is_alphanumeric() {
            let first = a.tokens.len();
            i = word(&mut a, &chars, i, clause);
            for t in &mut a.tokens[first..] {
                t.sentence = sentence;
            }
            continue;
        }
        // "1.200,50": separators between digits break nothing.
        let in_number = matches!(c, '.' | ',' | '\'')
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if in_number {
            i += 1;
            continue;
        }
        if matches!(c, '.' | '!' | '?' | ';' | '\n' | '…') {
            sentence = sentence.saturating_add(1);
        }
        match c {
            '!' => {
                a.exclaims += 1;
                clause = clause.saturating_add(1);
            }
            '?' => {
                a.questions += 1;
                clause = clause.saturating_add(1);
            }
            '.' | ',' | ';' | ':' | '\n' | '(' | ')' | '—' | '–' | '…' | '"' | '“' | '”' | '«'
            | '»' | '„' => {
                clause = clause.saturating_add(1);
            }
            _ if is_emoji(c) => {
                let ns = a.folded.len() as u32;
                a.folded.push(c);
                a.tokens.push(Token {
                    start: i as u32,
                    end: i as u32 + 1,
                    norm_start: ns,
                    norm_end: a.folded.len() as u32,
                    clause,
                    sentence,
                    caps: false,
                    elongated: false,
                    numeric: false,
                    tags: 0,
                });
            }
            _ => {}
        }
        i += 1;
    }
    a
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF)
}

/// Reads one word starting at `chars[i]`, pushes its token(s), returns the next index.
fn word(a: &mut Analysis<'_>, chars: &[char], mut i: usize, clause: u16) -> usize {
    let start = i;
    let ns = a.folded.len();
    let mut lower = 0u32;
    let mut upper = 0u32;
    let mut numeric = true;
    let mut digits = false;
    let mut elongated = false;
    let mut last: Option<char> = None;
    let mut run = 0u32;
    let mut tok_start = start;
    let mut tok_ns = ns;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() {
            if c.is_alphabetic() {
                numeric = false;
                if c.is_uppercase() {
                    upper += 1;
                } else if c.is_lowercase() {
                    lower += 1;
                }
            }
            if c.is_numeric() {
                digits = true;
            }
            push_folded(&mut a.folded, c, &mut last, &mut run, &mut elongated);
            i += 1;
            continue;
        }
        // An apostrophe between letters: elision split or contraction join.
        if is_apostrophe(c) && i + 1 < chars.len() && chars[i + 1].is_alphabetic() && i > start {
            let head = &a.folded[tok_ns..];
            if ELISIONS.contains(&head) {
                push_token(
                    a, tok_start, i, tok_ns, clause, lower, upper, numeric, elongated,
                );
                tok_start = i + 1;
                tok_ns = a.folded.len();
                lower = 0;
                upper = 0;
                elongated = false;
            }
            last = None;
            i += 1;
            continue;
        }
        break;
    }
    // A token mixing letters and digits ("GB33BUKB…", "3rd") is never shouting.
    let upper = if digits && !numeric { 0 } else { upper };
    push_token(
        a, tok_start, i, tok_ns, clause, lower, upper, numeric, elongated,
    );
    i
}

#[allow(clippy::too_many_arguments)] // a private constructor called from two places
fn push_token(
    a: &mut Analysis<'_>,
    start: usize,
    end: usize,
    ns: usize,
    clause: u16,
    lower: u32,
    upper: u32,
    numeric: bool,
    elongated: bool,
) {
    if a.folded.len() == ns {
        return;
    }
    a.letters += lower + upper;
    a.upper += upper;
    a.tokens.push(Token {
        start: start as u32,
        end: end as u32,
        norm_start: ns as u32,
        norm_end: a.folded.len() as u32,
        clause,
        sentence: 0,
        caps: upper >= 2 && lower == 0,
        elongated,
        numeric,
        tags: 0,
    });
}

/// Appends the folded form of `c`, collapsing runs of three or more equal letters to one.
fn push_folded(
    out: &mut String,
    c: char,
    last: &mut Option<char>,
    run: &mut u32,
    elongated: &mut bool,
) {
    let mut buf = [char::REPLACEMENT_CHARACTER; 3];
    let n = fold_char(c, &mut buf);
    for &f in &buf[..n] {
        if Some(f) == *last && f.is_alphabetic() {
            *run += 1;
            if *run == 3 {
                // Third in a row: drop the second copy already written, keep one.
                out.pop();
                *elongated = true;
            }
            if *run >= 2 {
                if *run == 2 {
                    out.push(f);
                }
                continue;
            }
        } else {
            *run = 1;
            *last = Some(f);
        }
        out.push(f);
    }
}

/// Lowercases `c` and strips Latin diacritics; returns how many chars were written.
fn fold_char(c: char, out: &mut [char; 3]) -> usize {
    if c.is_ascii() {
        out[0] = c.to_ascii_lowercase();
        return 1;
    }
    let lc = c.to_lowercase().next().unwrap_or(c);
    let simple = match lc {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ł' => 'l',
        'ś' | 'š' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ř' => 'r',
        'ď' => 'd',
        'ť' => 't',
        'ß' => {
            out[0] = 's';
            out[1] = 's';
            return 2;
        }
        'æ' => {
            out[0] = 'a';
            out[1] = 'e';
            return 2;
        }
        'œ' => {
            out[0] = 'o';
            out[1] = 'e';
            return 2;
        }
        other => other,
    };
    out[0] = simple;
    1
}

/// Lowercases and folds Latin accents so `Über`, `uber` and `UBER` compare equal.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut buf = [char::REPLACEMENT_CHARACTER; 3];
    for c in text.chars() {
        let n = fold_char(c, &mut buf);
        out.extend(&buf[..n]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        let a = Analysis::new(text);
        (0..a.tokens.len()).map(|i| a.norm(i).to_owned()).collect()
    }

    #[test]
    fn folds_case_accents_and_repeats() {
        assert_eq!(fold("Über GROẞE Fußgänger"), "uber grosse fussganger");
        assert_eq!(norms("PLEEEASE Héééélp"), ["please", "help"]);
        assert_eq!(
            norms("aller à l'adresse qu'une"),
            ["aller", "a", "l", "adresse", "qu", "une"]
        );
        assert_eq!(norms("I don't WANT it’s"), ["i", "dont", "want", "its"]);
        assert_eq!(norms("good"), ["good"]);
    }

    #[test]
    fn spans_are_char_offsets_into_the_original() {
        let text = "¿Él está aquí? Señor";
        let a = Analysis::new(text);
        let chars: Vec<char> = text.chars().collect();
        let last = a.tokens.last().copied();
        let Some(last) = last else {
            panic!("no tokens");
        };
        let s: String = chars[last.start as usize..last.end as usize]
            .iter()
            .collect();
        assert_eq!(s, "Señor");
        assert_eq!(a.tokens.len(), 4);
        assert!(a.tokens[3].clause > a.tokens[2].clause);
    }

    /// `BATON_DEBUG_TEXT="…" cargo test -p baton-engine debug_tags -- --ignored --nocapture`
    /// prints each token's concepts: the quickest way to see why a rule fired.
    #[test]
    #[ignore]
    fn debug_tags() {
        let text = std::env::var("BATON_DEBUG_TEXT").unwrap_or_default();
        let a = Analysis::new(&text);
        for (i, t) in a.tokens.iter().enumerate() {
            let names: Vec<&str> = Concept::names()
                .filter(|(c, _)| t.has(*c))
                .map(|(_, n)| n)
                .collect();
            println!(
                "{i:>3} c{} s{} {:<16} {names:?}",
                t.clause,
                t.sentence,
                a.norm(i)
            );
        }
    }

    #[test]
    fn odd_text_never_panics_and_spans_stay_inside() {
        let texts = [
            "",
            "!!!???",
            "e\u{301}\u{301}\u{301}crit",
            "مرحبا أريد التحدث مع موظف",
            "👩‍👩‍👧 ﷽ \u{200b}\u{feff} ǅungla ÆØÅ İstanbul ß",
            "1.2.3,4,5 '' ’’ x 999999999999999999999 €€€ $",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ];
        for text in texts {
            let a = Analysis::new(text);
            let n = text.chars().count() as u32;
            assert!(
                a.tokens.iter().all(|t| t.start < t.end && t.end <= n),
                "{text:?}"
            );
        }
    }

    #[test]
    fn caps_and_bangs() {
        let a = Analysis::new("WHY is this SO slow!!!?");
        assert_eq!(a.caps_words(), 1);
        assert!(a.tokens[3].caps);
        assert_eq!(a.exclaims, 3);
        assert_eq!(a.max_bang_run, 4);
    }
}
