//! Restatement: is the customer saying the same problem again, in other words?
//!
//! Word overlap is the wrong signal in both directions: "where's my parcel" and "it still
//! hasn't come" share no word yet state one problem, while "cancel my order" and "change
//! my order" share all but one and are different requests. So a message is reduced to a
//! [`Signature`] of *concepts*: words in seven languages map to shared ids
//! (`parcel, paquete, colis, Paket … → PARCEL`), frames combine them (`WHERE + PARCEL` or
//! a negated `ARRIVE` → `DELIVERY_MISSING`), negation is kept per concept, money amounts
//! and long numbers are anchors, and explicit cues ("didn't help", "still", "already
//! tried") are recognised. Two signatures are the same problem when they share enough
//! concepts *and* nothing contrasts them: opposed actions in one family (cancel vs change,
//! add vs remove), one concept affirmed in one and negated in the other ("the refund
//! arrived" vs "the refund hasn't arrived"), a policy question vs a request, different
//! amounts, a near-minimal pair whose differing words are both content.
//!
//! The vocabulary lives in `data/restatement/*.txt` (parsed once by [`Lexicon::parse`]).
//! Nothing here reads a clock or draws a random number; maps are `BTreeMap`s.
//!
//! [`Threads`] applies this to a conversation: it tracks the open problem, how many times
//! the customer has stated it and how many answers the bot has shown for it, and fires at
//! the third statement after two answers.
use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::decision::{Evidence, Reason, Trigger};

const CONCEPTS: &str = include_str!("../../data/restatement/concepts.txt");
const CUES: &str = include_str!("../../data/restatement/cues.txt");
const STOPWORDS: &str = include_str!("../../data/restatement/stopwords.txt");

/// Rule id: the third statement of one problem after two bot answers.
pub(crate) const RULE_RESTATED: &str = "restatement.third_statement";

/// Shared concepts needed (weighted Dice) to call two messages one problem.
const SAME_THRESHOLD: f32 = 0.34;
/// Bar inside a conversation, right after a bot answer, where a reply is more likely
/// than not to be about the problem just answered.
const IN_THREAD_THRESHOLD: f32 = 0.25;
/// Lower bar when the newer message carries a "still / again / already" cue.
const SAME_WITH_CUE: f32 = 0.15;
/// Weight of a shared frame (a recognised problem) against a plain concept's 1.
const FRAME_WEIGHT: f32 = 2.5;
/// Weight of a concept marked `@generic` (card, account, app).
const GENERIC_WEIGHT: f32 = 0.35;
/// Weight of a word outside the lexicon.
const STEM_WEIGHT: f32 = 0.7;
/// Items kept per signature: bounds per-conversation memory on very long messages.
const MAX_ITEMS: usize = 48;
/// Tokens looked at per message: bounds the work on pasted essays.
const MAX_TOKENS: usize = 160;

/// A lexicon file that cannot be used, naming the file and line.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}:{line}: {kind}")]
pub(crate) struct LexiconError {
    /// Which data file.
    file: &'static str,
    /// 1-based line number.
    line: usize,
    /// What is wrong.
    kind: &'static str,
}

/// Bit flags of the conversational cues found in a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cues(u8);

impl Cues {
    /// "didn't help", "I already tried that", "still not working": the last answer failed.
    pub(crate) const FAILED: Cues = Cues(1);
    /// "still", "again", "already": weaker hints of the same problem.
    pub(crate) const AGAIN: Cues = Cues(2);
    /// "different issue", "one more thing", "unrelated": a new problem.
    pub(crate) const NEW_TOPIC: Cues = Cues(4);
    /// "thanks, that worked", "perfect", "got it": the last answer helped.
    pub(crate) const RESOLVED: Cues = Cues(8);
    /// "how do I", "what is your policy", "how long": asks for information.
    pub(crate) const INFO: Cues = Cues(16);
    /// "I want", "please", "can you … for me": asks for something to be done.
    pub(crate) const REQUEST: Cues = Cues(32);
    /// "…, but it still doesn't …": a contrast followed by a negation, the shape of a
    /// reply to an answer that did not solve the problem.
    pub(crate) const REBUTTAL: Cues = Cues(64);

    pub(crate) fn has(self, other: Cues) -> bool {
        self.0 & other.0 != 0
    }

    fn insert(&mut self, other: Cues) {
        self.0 |= other.0;
    }

    fn from_name(name: &str) -> Option<Cues> {
        Some(match name {
            "failed" => Cues::FAILED,
            "again" => Cues::AGAIN,
            "new_topic" => Cues::NEW_TOPIC,
            "resolved" => Cues::RESOLVED,
            "info" => Cues::INFO,
            "request" => Cues::REQUEST,
            "neutral" => Cues::default(),
            _ => return None,
        })
    }
}

/// What a token sequence maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Concept(u16),
    Cue(Cues),
}

/// One multi-word (or single-word) entry: the tokens after the first, and what it means.
#[derive(Clone, Debug)]
struct Phrase {
    /// The first token, or its prefix for a `word*` entry.
    head: Box<str>,
    /// Tokens after the first; the last one may be a prefix (`prefix_last`).
    rest: Box<[Box<str>]>,
    prefix_last: bool,
    target: Target,
}

/// Characters of a `word*` prefix used as its bucket key.
const PREFIX_KEY: usize = 4;

/// A deterministic open-addressing hash index from a folded word to a slot number: the
/// matcher's hot path does one FNV hash and, usually, one comparison per token.
#[derive(Clone, Debug, Default)]
struct Index {
    /// 0 = empty, else 1 + position in `keys`.
    slots: Vec<u32>,
    keys: Vec<Box<str>>,
}

impl Index {
    fn build(keys: Vec<Box<str>>) -> Index {
        let size = (keys.len() * 2 + 1).next_power_of_two();
        let mut slots = vec![0u32; size];
        for (i, key) in keys.iter().enumerate() {
            let mut at = fnv(key) as usize & (size - 1);
            while slots[at] != 0 {
                at = (at + 1) & (size - 1);
            }
            slots[at] = i as u32 + 1;
        }
        Index { slots, keys }
    }

    fn get(&self, word: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = fnv(word) as usize & mask;
        loop {
            let slot = self.slots[at] as usize;
            if slot == 0 {
                return None;
            }
            if &*self.keys[slot - 1] == word {
                return Some(slot - 1);
            }
            at = (at + 1) & mask;
        }
    }
}

fn fnv(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Flags of a function word.
const STOPWORD: u8 = 1;
const NEGATION: u8 = 2;
const CLAUSE_BREAK: u8 = 4;

/// A derived concept: present when any alternative's parts are all present.
#[derive(Clone, Debug)]
struct Frame {
    id: u16,
    /// Each alternative: (concept, required polarity: `Some(true)` negated, `Some(false)`
    /// affirmed, `None` either).
    alternatives: Vec<Vec<(u16, Option<bool>)>>,
}

/// The parsed vocabulary: concept names, families, phrases, frames, stopwords.
#[derive(Clone, Debug, Default)]
pub(crate) struct Lexicon {
    names: Vec<String>,
    /// Family per concept id (0 = none); concepts of one family exclude each other.
    family: Vec<u16>,
    /// Concepts whose negation changes the problem ("arrived" vs "hasn't arrived").
    polar: Vec<bool>,
    /// Concepts that make a different problem when only one message has them
    /// (praise for a person vs asking for one; a scam check vs a callback).
    decisive: Vec<bool>,
    /// Frame ids (derived concepts), which weigh more when shared.
    is_frame: Vec<bool>,
    /// Concepts so common in support chats that sharing them says little (card, account).
    generic: Vec<bool>,
    /// Exact first token → entries starting with it (built by [`Lexicon::freeze`]).
    exact: Index,
    exact_lists: Vec<(u32, u32)>,
    /// First characters of a `word*` prefix → entries with such a prefix.
    prefix: Index,
    prefix_lists: Vec<(u32, u32)>,
    /// Every entry, grouped by key; the lists above are ranges into it (one allocation
    /// instead of thousands, which keeps the parsed lexicon small in the browser).
    phrases: Vec<Phrase>,
    /// Function words and their flags (stopword, negation, clause break).
    words: Index,
    word_flags: Vec<u8>,
    /// Entries while parsing, before [`Lexicon::freeze`].
    building: BTreeMap<(bool, Box<str>), Vec<Phrase>>,
    frames: Vec<Frame>,
    /// Function words while parsing: stopwords, negations, clause breaks ("but", "aber").
    building_words: BTreeMap<Box<str>, u8>,
    /// Families named `action…` (cancel, change, add…): having one makes a message a request.
    action_families: Vec<u16>,
}

impl Lexicon {
    /// The built-in lexicon, parsed once. A malformed built-in file is a bug caught by the
    /// unit tests; at run time it degrades to an empty lexicon rather than panicking.
    pub(crate) fn builtin() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(|| Lexicon::parse(CONCEPTS, CUES, STOPWORDS).unwrap_or_default())
    }

    /// Parses the three data files (see the headers of `data/restatement/*.txt`).
    pub(crate) fn parse(
        concepts: &str,
        cues: &str,
        stopwords: &str,
    ) -> Result<Lexicon, LexiconError> {
        let mut lex = Lexicon {
            names: vec![String::new()], // id 0 is reserved for "no concept"
            family: vec![0],
            polar: vec![false],
            decisive: vec![false],
            is_frame: vec![false],
            generic: vec![false],
            ..Lexicon::default()
        };
        let mut families: BTreeMap<String, u16> = BTreeMap::new();
        let mut pending_frames: Vec<(usize, String, String)> = Vec::new();
        let mut pending_generic: Vec<String> = Vec::new();
        for (n, raw) in concepts.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |kind| LexiconError {
                file: "concepts.txt",
                line: n + 1,
                kind,
            };
            if let Some(list) = line.strip_prefix("@generic:") {
                pending_generic.extend(list.split_whitespace().map(str::to_owned));
                continue;
            }
            if let Some(frame) = line.strip_prefix("=>") {
                let (name, body) = frame.split_once(':').ok_or(err("frame without `:`"))?;
                pending_frames.push((n + 1, name.trim().to_owned(), body.to_owned()));
                continue;
            }
            let (head, body) = line.split_once(':').ok_or(err("concept without `:`"))?;
            let (name, fam) = match head.split_once('/') {
                Some((name, fam)) => (name.trim(), Some(fam.trim())),
                None => (head.trim(), None),
            };
            let (name, polar) = match name.strip_suffix('~') {
                Some(n) => (n, true),
                None => (name, false),
            };
            let (name, decisive) = match name.strip_suffix('^') {
                Some(n) => (n, true),
                None => (name, false),
            };
            if name.is_empty() {
                return Err(err("empty concept name"));
            }
            let id = lex.concept_id_or_insert(name);
            lex.polar[usize::from(id)] = polar;
            lex.decisive[usize::from(id)] = decisive;
            if let Some(fam) = fam {
                let next = families.len() as u16 + 1;
                let f = *families.entry(fam.to_owned()).or_insert(next);
                lex.family[usize::from(id)] = f;
            }
            for term in body.split(',') {
                lex.add_term(term, Target::Concept(id)).map_err(err)?;
            }
        }
        lex.action_families = families
            .iter()
            .filter(|(name, _)| name.starts_with("action"))
            .map(|(_, &id)| id)
            .collect();
        for name in &pending_generic {
            let id = lex.concept_id(name).ok_or(LexiconError {
                file: "concepts.txt",
                line: 0,
                kind: "@generic names an unknown concept",
            })?;
            lex.generic[usize::from(id)] = true;
        }
        for (line, name, body) in pending_frames {
            let err = |kind| LexiconError {
                file: "concepts.txt",
                line,
                kind,
            };
            let id = lex.concept_id_or_insert(&name);
            lex.is_frame[usize::from(id)] = true;
            let mut alternatives = Vec::new();
            for alt in body.split(';') {
                let mut parts = Vec::new();
                for part in alt.split_whitespace() {
                    let (cname, polarity) = if let Some(c) = part.strip_suffix('-') {
                        (c, Some(true))
                    } else if let Some(c) = part.strip_suffix('+') {
                        (c, Some(false))
                    } else {
                        (part, None)
                    };
                    let cid = lex
                        .concept_id(cname)
                        .ok_or(err("frame names an unknown concept"))?;
                    parts.push((cid, polarity));
                }
                if !parts.is_empty() {
                    alternatives.push(parts);
                }
            }
            lex.frames.push(Frame { id, alternatives });
        }
        let mut section: Option<&str> = None;
        for (n, raw) in cues.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = Some(name);
                continue;
            }
            let name = section.ok_or(LexiconError {
                file: "cues.txt",
                line: n + 1,
                kind: "entry before any [section]",
            })?;
            match name {
                "negation" => lex.add_words(line, NEGATION),
                "clause_break" => lex.add_words(line, CLAUSE_BREAK),
                _ => {
                    let cue = Cues::from_name(name).ok_or(LexiconError {
                        file: "cues.txt",
                        line: n + 1,
                        kind: "unknown section",
                    })?;
                    for term in line.split(',') {
                        lex.add_term(term, Target::Cue(cue))
                            .map_err(|kind| LexiconError {
                                file: "cues.txt",
                                line: n + 1,
                                kind,
                            })?;
                    }
                }
            }
        }
        for w in stopwords
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
        {
            lex.add_words(w, STOPWORD);
        }
        lex.freeze();
        Ok(lex)
    }

    fn add_words(&mut self, line: &str, flag: u8) {
        for w in line.split_whitespace() {
            *self.building_words.entry(fold(w).into()).or_default() |= flag;
        }
    }

    /// Turns the parse-time maps into the hash indexes the matcher reads.
    fn freeze(&mut self) {
        let mut exact_keys = Vec::new();
        let mut prefix: BTreeMap<Box<str>, Vec<Phrase>> = BTreeMap::new();
        let mut all: Vec<Phrase> = Vec::new();
        for ((starred, head), phrases) in std::mem::take(&mut self.building) {
            if starred {
                let key: String = head.chars().take(PREFIX_KEY).collect();
                prefix.entry(key.into()).or_default().extend(phrases);
            } else {
                exact_keys.push(head);
                let start = all.len() as u32;
                // The key already says what the first token is.
                all.extend(phrases.into_iter().map(|p| Phrase {
                    head: Box::default(),
                    ..p
                }));
                self.exact_lists.push((start, all.len() as u32));
            }
        }
        self.exact = Index::build(exact_keys);
        let mut keys = Vec::new();
        for (key, phrases) in prefix {
            let start = all.len() as u32;
            all.extend(phrases);
            keys.push(key);
            self.prefix_lists.push((start, all.len() as u32));
        }
        self.prefix = Index::build(keys);
        all.shrink_to_fit();
        self.phrases = all;
        let (keys, flags): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.building_words).into_iter().unzip();
        self.words = Index::build(keys);
        self.word_flags = flags;
    }

    fn flags(&self, word: &str) -> u8 {
        self.words.get(word).map_or(0, |i| self.word_flags[i])
    }

    fn is(&self, word: &str, flag: u8) -> bool {
        self.flags(word) & flag != 0
    }

    fn concept_id(&self, name: &str) -> Option<u16> {
        self.names.iter().position(|n| n == name).map(|i| i as u16)
    }

    fn concept_id_or_insert(&mut self, name: &str) -> u16 {
        if let Some(id) = self.concept_id(name) {
            return id;
        }
        self.names.push(name.to_owned());
        self.family.push(0);
        self.polar.push(false);
        self.decisive.push(false);
        self.is_frame.push(false);
        self.generic.push(false);
        (self.names.len() - 1) as u16
    }

    fn add_term(&mut self, term: &str, target: Target) -> Result<(), &'static str> {
        let folded = fold(term);
        let words: Vec<&str> = tokens(&folded).collect();
        let Some((first, rest)) = words.split_first() else {
            return Ok(());
        };
        let starred = term.trim_end().ends_with('*');
        if starred && rest.is_empty() && first.chars().count() < PREFIX_KEY {
            return Err("a `word*` prefix needs at least four characters");
        }
        let phrase = Phrase {
            head: (*first).into(),
            rest: rest.iter().map(|w| Box::from(*w)).collect(),
            prefix_last: starred && !rest.is_empty(),
            target,
        };
        let key = (starred && rest.is_empty(), Box::from(*first));
        self.building.entry(key).or_default().push(phrase);
        Ok(())
    }

    /// Name of a concept id, for evidence and debugging.
    #[allow(dead_code)] // used by tests and debug output
    pub(crate) fn name(&self, id: u16) -> &str {
        self.names.get(usize::from(id)).map_or("", String::as_str)
    }

    fn range(&self, (from, to): (u32, u32)) -> &[Phrase] {
        self.phrases
            .get(from as usize..to as usize)
            .unwrap_or_default()
    }

    /// Entries whose first token matches `token`: exact ones, then `word*` prefixes
    /// (bucketed by their first `PREFIX_KEY` characters, the loader's minimum).
    fn candidates<'a>(&'a self, token: &'a str) -> impl Iterator<Item = &'a Phrase> + 'a {
        let exact = self
            .exact
            .get(token)
            .map(|i| self.range(self.exact_lists[i]))
            .unwrap_or_default();
        let key_end = token.char_indices().nth(PREFIX_KEY).map(|(i, _)| i);
        let key = match key_end {
            Some(end) => &token[..end],
            None if token.chars().count() == PREFIX_KEY => token,
            None => "",
        };
        let prefixed = if key.is_empty() {
            &[][..]
        } else {
            self.prefix
                .get(key)
                .map(|i| self.range(self.prefix_lists[i]))
                .unwrap_or_default()
        };
        exact
            .iter()
            .chain(prefixed.iter().filter(move |p| token.starts_with(&*p.head)))
    }
}

/// Lowercases and strips Latin accents and apostrophes' effects so that `Über`, `uber`,
/// `ÜBER` and `llegó`/`llego` compare equal.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            // The hot path: plain ASCII needs no Unicode case tables.
            out.push(if c == '`' {
                '\''
            } else {
                c.to_ascii_lowercase()
            });
        } else {
            for l in c.to_lowercase() {
                out.push(fold_char(l));
            }
        }
    }
    out
}

fn fold_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ß' => 's',
        '’' | '‘' | '`' | '´' => '\'',
        c => c,
    }
}

/// Folded word tokens: letters and digits; apostrophes split words (`didn't` → `didn`, `t`;
/// `n'a` → `n`, `a`), which keeps French elision and English negation visible.
fn tokens(folded: &str) -> impl Iterator<Item = &str> + '_ {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// One concept or content word of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Item {
    /// Concept id, or `STEM | hash` for a word outside the lexicon.
    key: u32,
    /// Whether a negation governs it ("hasn't *arrived*").
    negated: bool,
}

const STEM: u32 = 1 << 31;

/// What a message says, reduced to concepts: the unit restatement compares.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Signature {
    items: Vec<Item>,
    /// Money amounts mentioned (value, rounded to cents).
    money: Vec<i64>,
    /// Long numbers (order ids, phone numbers): 4+ digits.
    ids: Vec<u64>,
    /// Hashes of quoted text ('payment failed', «erreur 500»): error messages repeat verbatim.
    quotes: Vec<u32>,
    pub(crate) cues: Cues,
    /// True when the message is only greetings/thanks/stopwords.
    pub(crate) empty: bool,
}

impl Signature {
    /// Reads `text` with the built-in lexicon.
    pub(crate) fn of(text: &str) -> Signature {
        Signature::with(Lexicon::builtin(), text)
    }

    fn with(lex: &Lexicon, text: &str) -> Signature {
        let folded = fold(text);
        let toks: Vec<&str> = tokens(&folded).take(MAX_TOKENS).collect();
        let mut items: Vec<Item> = Vec::with_capacity(toks.len() + 8);
        let mut cues = Cues::default();
        // Index of the last negation word and of the last clause break, for scope.
        let mut last_neg: Option<usize> = None;
        let mut clause_start = 0usize;
        let mut saw_break = false;
        // Every lexicon match at every position, found once: (position, span, target).
        let mut hits: Vec<(usize, usize, Target)> = Vec::with_capacity(toks.len());
        for i in 0..toks.len() {
            for phrase in lex.candidates(toks[i]) {
                if let Some(len) = span_at(phrase, &toks, i) {
                    hits.push((i, len, phrase.target));
                }
            }
        }
        let at = |i: usize| {
            let from = hits.partition_point(|h| h.0 < i);
            let to = hits.partition_point(|h| h.0 <= i);
            &hits[from..to]
        };
        // Cues are found anywhere without consuming words, so "how do I *add*" still
        // yields ADD and "still hasn't *come*" still sees its negation.
        // A cue consumes its words for other cues, so a `[neutral]` phrase such as "can I
        // still" hides the "still" inside it.
        let mut i = 0;
        while i < toks.len() {
            let here = at(i);
            let best = longest(here, true);
            for &(_, len, target) in here {
                if let (Target::Cue(c), true) = (target, len == best) {
                    cues.insert(c);
                }
            }
            i += best.max(1);
        }
        let mut i = 0;
        while i < toks.len() {
            let tok = toks[i];
            let flags = lex.flags(tok);
            if flags & CLAUSE_BREAK != 0 {
                clause_start = i + 1;
                saw_break = true;
            }
            let negated_here = |at: usize| match last_neg {
                Some(n) => n >= clause_start && at.saturating_sub(n) <= 4,
                None => false,
            };
            let here = at(i);
            let len = longest(here, false);
            if len > 0 {
                // German and Dutch put the negation after the verb ("geht nicht").
                let negated = negated_here(i) || follows_negation(lex, &toks, i + len);
                for &(_, l, target) in here {
                    if let (Target::Concept(id), true) = (target, l == len) {
                        items.push(Item {
                            key: u32::from(id),
                            negated,
                        });
                    }
                }
                // "nobody came", "niemand kwam": a negative pronoun inside a concept
                // phrase negates what follows, like a plain "not".
                if toks[i..i + len].iter().any(|t| lex.is(t, NEGATION)) {
                    last_neg = Some(i + len - 1);
                }
                i += len;
                continue;
            }
            if flags & NEGATION != 0 {
                last_neg = Some(i);
                if saw_break {
                    cues.insert(Cues::REBUTTAL);
                }
            } else if flags & STOPWORD == 0 && is_content(tok) {
                items.push(Item {
                    key: STEM | stem_hash(tok),
                    negated: negated_here(i),
                });
            }
            i += 1;
        }
        apply_frames(lex, &mut items);
        items.sort();
        items.dedup();
        items.truncate(MAX_ITEMS);
        let (money, ids) = numbers(text);
        let quotes = quotes(text);
        let empty = items.is_empty() && money.is_empty() && ids.is_empty();
        Signature {
            items,
            money,
            ids,
            quotes,
            cues,
            empty,
        }
    }

    /// Adds `other`'s content, so a problem stated in several words is matched by any of them.
    pub(crate) fn merge(&mut self, other: &Signature) {
        self.items.extend_from_slice(&other.items);
        self.items.sort();
        self.items.dedup();
        self.items.truncate(MAX_ITEMS);
        self.money.extend_from_slice(&other.money);
        self.money.sort_unstable();
        self.money.dedup();
        self.money.truncate(4);
        self.ids.extend_from_slice(&other.ids);
        self.ids.sort_unstable();
        self.ids.dedup();
        self.ids.truncate(4);
        self.quotes.extend_from_slice(&other.quotes);
        self.quotes.sort_unstable();
        self.quotes.dedup();
        self.quotes.truncate(4);
        self.empty &= other.empty;
    }

    fn concepts(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.key & STEM == 0)
    }

    fn has_concept(&self, key: u32) -> bool {
        self.concepts().any(|i| i.key == key)
    }
}

/// German and Dutch put the negation after the verb ("geht nicht", "werkt niet").
fn follows_negation(lex: &Lexicon, toks: &[&str], next: usize) -> bool {
    toks.get(next).is_some_and(|t| lex.is(t, NEGATION))
}

/// Tokens `phrase` spans when it matches at token `i`.
fn span_at(phrase: &Phrase, toks: &[&str], i: usize) -> Option<usize> {
    let len = 1 + phrase.rest.len();
    if i + len > toks.len() {
        return None;
    }
    let ok = phrase.rest.iter().enumerate().all(|(k, want)| {
        let got = toks[i + 1 + k];
        if phrase.prefix_last && k + 1 == phrase.rest.len() {
            got.starts_with(&**want)
        } else {
            got == &**want
        }
    });
    ok.then_some(len)
}

/// Span of the longest cue (or concept) match among `hits` at one position; 0 if none.
/// Every target of that span counts, so a word listed under two concepts yields both.
fn longest(hits: &[(usize, usize, Target)], cues: bool) -> usize {
    hits.iter()
        .filter(|h| matches!(h.2, Target::Cue(_)) == cues)
        .map(|h| h.1)
        .max()
        .unwrap_or(0)
}

fn apply_frames(lex: &Lexicon, items: &mut Vec<Item>) {
    // Presence per concept id: bit 0 affirmed, bit 1 negated.
    let mut seen = vec![0u8; lex.names.len()];
    for it in items.iter().filter(|i| i.key & STEM == 0) {
        if let Some(s) = seen.get_mut(it.key as usize) {
            *s |= if it.negated { 2 } else { 1 };
        }
    }
    let has = |cid: u16, polarity: Option<bool>| {
        let s = seen.get(usize::from(cid)).copied().unwrap_or(0);
        match polarity {
            None => s != 0,
            Some(false) => s & 1 != 0,
            Some(true) => s & 2 != 0,
        }
    };
    for frame in &lex.frames {
        let hit = frame
            .alternatives
            .iter()
            .any(|alt| alt.iter().all(|&(cid, polarity)| has(cid, polarity)));
        if hit {
            items.push(Item {
                key: u32::from(frame.id),
                negated: false,
            });
        }
    }
}

/// A word worth comparing: at least three letters, or digits (handled as numbers).
fn is_content(tok: &str) -> bool {
    tok.chars().count() >= 3 && !tok.chars().all(|c| c.is_ascii_digit())
}

/// A crude, language-blind stem: the first five characters. Good enough to make
/// `delivery/delivered`, `factura/facturas`, `Rechnung/Rechnungen` meet.
fn stem_hash(tok: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for c in tok.chars().take(5) {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h & !STEM
}

/// Money amounts (a number next to a currency sign or word) and long numbers (ids).
fn numbers(text: &str) -> (Vec<i64>, Vec<u64>) {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return (Vec::new(), Vec::new());
    }
    let chars: Vec<char> = text.chars().take(2000).collect();
    let mut money = Vec::new();
    let mut ids = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        let mut last_sep: Option<(usize, usize)> = None; // (position in digits, digits after)
        while i < chars.len() {
            let c = chars[i];
            if c.is_ascii_digit() {
                digits.push(c);
                if let Some((_, after)) = last_sep.as_mut() {
                    *after += 1;
                }
                i += 1;
            } else if (c == '.' || c == ',') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                last_sep = Some((digits.len(), 0));
                i += 1;
            } else {
                break;
            }
        }
        let end = i;
        let whole: u64 = digits.chars().take(18).fold(0u64, |acc, c| {
            acc.saturating_mul(10)
                .saturating_add(u64::from(c.to_digit(10).unwrap_or(0)))
        });
        // Two digits after the last separator are cents; three are thousands.
        let cents: i64 = match last_sep {
            Some((_, 2)) => whole as i64,
            _ => (whole as i64).saturating_mul(100),
        };
        if is_currency_near(&chars, start, end) {
            if money.len() < 4 {
                money.push(cents);
            }
        } else if digits.len() >= 4 && ids.len() < 4 {
            ids.push(whole);
        }
    }
    (money, ids)
}

/// Hashes of quoted spans (3 to 80 characters), folded, at most four.
fn quotes(text: &str) -> Vec<u32> {
    if !text.contains(['"', '\'', '“', '«', '„', '‘']) {
        return Vec::new();
    }
    let chars: Vec<char> = text.chars().take(2000).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() && out.len() < 4 {
        let close = match chars[i] {
            '"' => '"',
            '“' => '”',
            '«' => '»',
            '„' => '“',
            '‘' => '’',
            // A straight single quote opens only at a word start, so "didn't" is no quote.
            '\'' if i == 0 || !chars[i - 1].is_alphanumeric() => '\'',
            _ => {
                i += 1;
                continue;
            }
        };
        let end = chars[i + 1..]
            .iter()
            .position(|&c| c == close || (close == '”' && c == '"'))
            .map(|p| i + 1 + p);
        match end {
            Some(end) if (3..=80).contains(&(end - i - 1)) => {
                let inner: String = chars[i + 1..end].iter().collect();
                out.push(stem_hash_full(&fold(inner.trim())));
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn stem_hash_full(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn is_currency_near(chars: &[char], start: usize, end: usize) -> bool {
    const SIGNS: &[char] = &['$', '€', '£', '¥', '₹'];
    let before = chars[..start].iter().rev().take(3).collect::<String>();
    let after: String = chars[end..]
        .iter()
        .take(12)
        .collect::<String>()
        .to_lowercase();
    if before.chars().any(|c| SIGNS.contains(&c))
        || after.chars().take(3).any(|c| SIGNS.contains(&c))
    {
        return true;
    }
    let word = after
        .trim_start()
        .split(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    matches!(
        word,
        "eur"
            | "euro"
            | "euros"
            | "usd"
            | "gbp"
            | "dollars"
            | "dollar"
            | "bucks"
            | "pounds"
            | "reais"
            | "real"
            | "chf"
            | "dolares"
            | "dólares"
            | "libras"
    )
}

/// How alike two signatures are, 0 to 1 (weighted Dice over concepts and stems).
fn overlap(a: &Signature, b: &Signature) -> f32 {
    let lex = Lexicon::builtin();
    let weight = |it: &Item| {
        if it.key & STEM != 0 {
            STEM_WEIGHT
        } else if lex.is_frame.get(it.key as usize).copied().unwrap_or(false) {
            FRAME_WEIGHT
        } else if lex.generic.get(it.key as usize).copied().unwrap_or(false) {
            GENERIC_WEIGHT
        } else {
            1.0
        }
    };
    let keys = |s: &Signature| {
        let mut k: Vec<(u32, f32)> = s.items.iter().map(|i| (i.key, weight(i))).collect();
        k.dedup_by_key(|x| x.0);
        k
    };
    let (ka, kb) = (keys(a), keys(b));
    let total: f32 = ka.iter().chain(kb.iter()).map(|x| x.1).sum();
    if total == 0.0 {
        return 0.0;
    }
    let shared: f32 = ka
        .iter()
        .filter(|x| kb.iter().any(|y| y.0 == x.0))
        .map(|x| x.1)
        .sum();
    let mut score = 2.0 * shared / total;
    if a.ids.iter().any(|x| b.ids.contains(x)) || a.quotes.iter().any(|x| b.quotes.contains(x)) {
        score = score.max(0.6);
    }
    score
}

/// Why two messages are different problems despite what they share, if they are.
fn contrast(lex: &Lexicon, a: &Signature, b: &Signature) -> Option<&'static str> {
    // Different money amounts: "refund the £6 fee" vs "refund the £600 sofa".
    if !a.money.is_empty() && !b.money.is_empty() && !a.money.iter().any(|m| b.money.contains(m)) {
        return Some("amount");
    }
    if !a.ids.is_empty() && !b.ids.is_empty() && !a.ids.iter().any(|m| b.ids.contains(m)) {
        return Some("id");
    }
    // Opposed members of one family: cancel vs change, add vs remove, lost vs found.
    let fam = |it: &Item| {
        if it.key & STEM != 0 {
            0
        } else {
            lex.family.get(it.key as usize).copied().unwrap_or(0)
        }
    };
    for ia in a.concepts() {
        let f = fam(ia);
        if f == 0 || b.has_concept(ia.key) {
            continue;
        }
        let b_has_other = b
            .concepts()
            .any(|ib| fam(ib) == f && !a.has_concept(ib.key));
        if b_has_other {
            return Some("family");
        }
    }
    // A decisive concept on one side only: praise vs an ask, a scam check vs a callback.
    let decisive = |it: &Item| {
        it.key & STEM == 0 && lex.decisive.get(it.key as usize).copied().unwrap_or(false)
    };
    if a.concepts().any(|i| decisive(i) && !b.has_concept(i.key))
        || b.concepts().any(|i| decisive(i) && !a.has_concept(i.key))
    {
        return Some("decisive");
    }
    // One polar concept affirmed in one message and denied in the other ("the refund
    // arrived" vs "the refund hasn't arrived").
    let polar = |it: &Item| lex.polar.get(it.key as usize).copied().unwrap_or(false);
    let frame = |i: &Item| lex.is_frame.get(i.key as usize).copied().unwrap_or(false);
    // A shared frame (both describe a no-show) outweighs how each phrased the verb.
    let shared_frame = a.concepts().any(|i| frame(i) && b.has_concept(i.key));
    for ia in a.concepts().filter(|i| polar(i) && !shared_frame) {
        let opposite = b
            .concepts()
            .any(|ib| ib.key == ia.key && ib.negated != ia.negated);
        let same_too = b
            .concepts()
            .any(|ib| ib.key == ia.key && ib.negated == ia.negated);
        if opposite && !same_too {
            return Some("polarity");
        }
    }
    // "thanks, that worked! …" vs "that didn't work, still …".
    let resolved_a = a.cues.has(Cues::RESOLVED) && !a.cues.has(Cues::FAILED);
    let resolved_b = b.cues.has(Cues::RESOLVED) && !b.cues.has(Cues::FAILED);
    if (resolved_a && b.cues.has(Cues::FAILED)) || (resolved_b && a.cues.has(Cues::FAILED)) {
        return Some("outcome");
    }
    // A policy/how-to question vs a request to act: "what's your refund policy?" vs
    // "I want a refund", "how do I delete the app?" vs "delete my account".
    let has_action = |s: &Signature| s.concepts().any(|i| lex.action_families.contains(&fam(i)));
    let info_only = |s: &Signature| s.cues.has(Cues::INFO) && !s.cues.has(Cues::REQUEST);
    let request_like =
        |s: &Signature| !s.cues.has(Cues::INFO) && (s.cues.has(Cues::REQUEST) || has_action(s));
    if (info_only(a) && request_like(b)) || (info_only(b) && request_like(a)) {
        return Some("speech_act");
    }
    // A near-minimal pair of plain words: the same frame with one unknown content word
    // swapped on each side ("return policy for sale items" vs "… for store purchases").
    let stems_only = |x: &Signature, y: &Signature| {
        x.items
            .iter()
            .filter(|i| !y.items.iter().any(|j| j.key == i.key))
            .all(|i| i.key & STEM != 0)
    };
    let only = |x: &Signature, y: &Signature| {
        x.items
            .iter()
            .filter(|i| !y.items.iter().any(|j| j.key == i.key))
            .count()
    };
    let shared = a
        .items
        .iter()
        .filter(|i| b.items.iter().any(|j| j.key == i.key))
        .count();
    let (oa, ob) = (only(a, b), only(b, a));
    if shared >= 2
        && oa >= 1
        && ob >= 1
        && oa + ob <= 3
        && !shared_frame
        && stems_only(a, b)
        && stems_only(b, a)
    {
        return Some("minimal_pair");
    }
    None
}

/// The comparison of two messages (or a problem and a message), with its score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Verdict {
    pub(crate) same: bool,
    pub(crate) score: f32,
    /// Whether something contrasts the two (different action, amount, polarity…).
    pub(crate) contrast: bool,
}

/// Whether `b` states the same problem as `a` (the newer message is `b`).
pub(crate) fn compare(a: &Signature, b: &Signature) -> Verdict {
    let lex = Lexicon::builtin();
    let score = overlap(a, b);
    if contrast(lex, a, b).is_some() {
        return Verdict {
            same: false,
            score,
            contrast: true,
        };
    }
    let cue = b.cues.has(Cues::FAILED) || b.cues.has(Cues::AGAIN) || b.cues.has(Cues::REBUTTAL);
    let bar = if cue { SAME_WITH_CUE } else { SAME_THRESHOLD };
    Verdict {
        same: score >= bar,
        score,
        contrast: false,
    }
}

/// `same_problem` for two free texts (what `baton similar` prints).
pub(crate) fn same_problem(a: &str, b: &str) -> bool {
    // Either order may carry the "still / didn't help" cue that lowers the bar.
    let (sa, sb) = (Signature::of(a), Signature::of(b));
    compare(&sa, &sb).same || compare(&sb, &sa).same
}

/// How a customer turn relates to the open problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Relation {
    /// Nothing was open (or the message says nothing, like "hi").
    Opened,
    /// A second message before the bot answered: part of the same statement.
    Continued,
    /// The same problem again after a bot answer: that answer did not help.
    Restated,
    /// A new problem, or a follow-up that builds on a helpful answer.
    Moved,
}

/// The customer's open problem as the conversation goes on.
#[derive(Clone, Debug, PartialEq)]
struct Thread {
    sig: Signature,
    /// Times the customer has stated it (the first statement counts).
    statements: u8,
    /// Bot answers shown while it was open.
    answers: u8,
    /// Whether the bot answered since the customer last stated it.
    answered: bool,
}

/// Restatement state of one conversation: small (one open problem, bounded signature).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Threads {
    open: Option<Thread>,
    /// Cues of the last customer message, for the other conversation-level rules.
    last_cues: Cues,
}

impl Threads {
    /// Feeds customer turn `turn`; returns how it relates to the open problem and, at
    /// the third statement after two answers, the restatement reason.
    pub(crate) fn customer(&mut self, turn: u32, text: &str) -> (Relation, Option<Reason>) {
        let sig = Signature::of(text);
        let cues = sig.cues;
        self.last_cues = cues;
        let Some(thread) = self.open.as_mut() else {
            if !sig.empty {
                self.open = Some(Thread::new(sig));
            }
            return (Relation::Opened, None);
        };
        if !thread.answered {
            if cues.has(Cues::NEW_TOPIC) {
                *thread = Thread::new(sig);
                return (Relation::Moved, None);
            }
            thread.sig.merge(&sig);
            return (Relation::Continued, None);
        }
        let restated = if cues.has(Cues::NEW_TOPIC) {
            false
        } else if cues.has(Cues::FAILED) {
            true
        } else if cues.has(Cues::RESOLVED) || sig.empty {
            false
        } else {
            // Once the customer has already said an answer failed, a reply shaped like
            // "…, but it still doesn't" keeps the same problem open without shared words.
            let v = compare(&thread.sig, &sig);
            v.same
                || (v.score >= IN_THREAD_THRESHOLD && !v.contrast)
                || (cues.has(Cues::REBUTTAL) && thread.statements >= 2)
        };
        if !restated {
            if sig.empty {
                // "ok", "thanks": closes the problem without opening another.
                self.open = None;
            } else {
                *thread = Thread::new(sig);
            }
            return (Relation::Moved, None);
        }
        thread.statements = thread.statements.saturating_add(1);
        thread.answered = false;
        thread.sig.merge(&sig);
        let reason = (thread.statements >= 3 && thread.answers >= 2).then(|| Reason {
            trigger: Trigger::Restatement,
            evidence: Evidence {
                turn,
                span: None,
                rule: RULE_RESTATED.to_owned(),
                score: Some(f32::from(thread.statements)),
            },
        });
        (Relation::Restated, reason)
    }

    /// Cues of the last customer message fed to [`Threads::customer`].
    pub(crate) fn last_cues(&self) -> Cues {
        self.last_cues
    }

    /// The bot showed an answer (small talk that needs no facts does not count).
    pub(crate) fn bot_answered(&mut self) {
        if let Some(t) = self.open.as_mut() {
            t.answers = t.answers.saturating_add(1);
            t.answered = true;
        }
    }

    /// 👎 on the last answer: the same as "that didn't help".
    pub(crate) fn not_helpful(&mut self, turn: u32) -> Option<Reason> {
        let thread = self.open.as_mut()?;
        if !thread.answered {
            return None;
        }
        thread.statements = thread.statements.saturating_add(1);
        thread.answered = false;
        (thread.statements >= 3 && thread.answers >= 2).then(|| Reason {
            trigger: Trigger::Restatement,
            evidence: Evidence {
                turn,
                span: None,
                rule: "restatement.not_helpful".to_owned(),
                score: Some(f32::from(thread.statements)),
            },
        })
    }
}

impl Thread {
    fn new(sig: Signature) -> Thread {
        Thread {
            sig,
            statements: 1,
            answers: 0,
            answered: false,
        }
    }
}

/// Human-readable account of a comparison, for tuning the lexicon.
#[cfg(test)]
pub(crate) fn explain(a: &str, b: &str) -> String {
    let lex = Lexicon::builtin();
    let show = |s: &Signature| {
        s.concepts()
            .map(|i| {
                format!(
                    "{}{}",
                    lex.name(i.key as u16),
                    if i.negated { "-" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
            + &format!(
                " +{}stems cues={:#04x}",
                s.items.iter().filter(|i| i.key & STEM != 0).count(),
                s.cues.0
            )
    };
    let (sa, sb) = (Signature::of(a), Signature::of(b));
    format!(
        "score={:.2} contrast={:?}\n    A: {}\n    B: {}",
        overlap(&sa, &sb),
        contrast(lex, &sa, &sb),
        show(&sa),
        show(&sb)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `BATON_PAIRS=hw|public cargo test explain_pairs -- --ignored --nocapture`; or
    /// `BATON_PAIRS_FILE=/path/pairs.jsonl` for a check set of your own (every pair).
    #[test]
    #[ignore]
    fn explain_pairs() {
        let file = std::env::var("BATON_PAIRS_FILE").ok();
        let path = file.clone().unwrap_or_else(|| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/pairs.jsonl"
            )
            .to_owned()
        });
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        let want = std::env::var("BATON_PAIRS").unwrap_or_default();
        let (mut shown, mut tp, mut fp, mut fneg) = (0, 0u32, 0u32, 0u32);
        for line in text.lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let id = v["id"].as_str().unwrap_or("");
            if file.is_none() && (want == "hw") != id.starts_with("hw-p-") {
                continue;
            }
            let (a, b) = (v["a"].as_str().unwrap_or(""), v["b"].as_str().unwrap_or(""));
            let gold = v["same"].as_bool().unwrap_or(false);
            let got = same_problem(a, b);
            match (gold, got) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fneg += 1,
                (false, false) => {}
            }
            if got != gold && shown < 120 {
                shown += 1;
                println!("{id} gold={gold} {a} || {b}\n  {}", explain(a, b));
            }
        }
        let f1 = f64::from(2 * tp) / f64::from((2 * tp + fp + fneg).max(1));
        println!("tp={tp} fp={fp} fn={fneg} F1={f1:.3}");
    }

    #[test]
    fn builtin_lexicon_parses() {
        let lex = Lexicon::parse(CONCEPTS, CUES, STOPWORDS);
        assert!(lex.is_ok(), "{lex:?}");
        let lex = lex.unwrap_or_default();
        assert!(lex.names.len() > 20);
        assert!(lex.is("the", STOPWORD) && lex.is("nicht", NEGATION));
    }

    #[test]
    fn loader_reports_line() {
        let err = Lexicon::parse("# c\nPARCEL parcel\n", "", "").err();
        assert_eq!(
            err,
            Some(LexiconError {
                file: "concepts.txt",
                line: 2,
                kind: "concept without `:`"
            })
        );
        let err = Lexicon::parse("=> F: NOPE\n", "", "").err();
        assert_eq!(err.map(|e| e.kind), Some("frame names an unknown concept"));
        let err = Lexicon::parse("", "still\n", "").err();
        assert_eq!(err.map(|e| e.line), Some(1));
    }

    #[test]
    fn loader_matches_phrases_prefixes_and_negation() {
        let lex = Lexicon::parse(
            "PARCEL: parcel, paquete\nARRIVE: arriv*, turn up\n=> MISSING: ARRIVE-\n",
            "[negation]\nnot never\n[failed]\ndidn t help\n",
            "the my\n",
        )
        .unwrap_or_default();
        let sig = Signature::with(&lex, "The parcel has not arrived, that didn't help");
        let names: Vec<(&str, bool)> = sig
            .concepts()
            .map(|i| (lex.name(i.key as u16), i.negated))
            .collect();
        assert!(names.contains(&("PARCEL", false)), "{names:?}");
        assert!(names.contains(&("MISSING", false)), "{names:?}");
        assert!(sig.cues.has(Cues::FAILED));
        let sig = Signature::with(&lex, "el paquete arrived");
        assert!(sig.concepts().all(|i| !i.negated));
    }

    #[test]
    fn failure_cues_in_seven_languages() {
        let failed = [
            "that didn't help",
            "I already tried that",
            "no me ha ayudado",
            "ya lo he intentado",
            "ça ne m'a pas aidé",
            "j'ai déjà fait ça",
            "das hat nicht geholfen",
            "habe ich schon probiert",
            "isso não ajudou",
            "já fiz isso",
            "non mi ha aiutato",
            "l'ho già fatto",
            "dat heeft niet geholpen",
            "dat heb ik al gedaan",
            "geht immer noch nicht",
            "werkt nog steeds niet",
        ];
        for text in failed {
            assert!(Signature::of(text).cues.has(Cues::FAILED), "{text:?}");
        }
        let not_failed = [
            "can I still return it?",
            "is the offer still valid?",
            "kann ich noch umtauschen?",
            "thanks, that worked",
            "where is my parcel?",
        ];
        for text in not_failed {
            assert!(!Signature::of(text).cues.has(Cues::FAILED), "{text:?}");
        }
    }

    #[test]
    fn money_and_ids() {
        assert_eq!(numbers("refund the £6 fee").0, vec![600]);
        assert_eq!(numbers("graag de € 4,95 terug").0, vec![495]);
        assert_eq!(numbers("€1.200,50 bitte").0, vec![120050]);
        assert_eq!(numbers("R$ 900 do celular").0, vec![90000]);
        assert_eq!(
            numbers("order 113542617735902 is late").1,
            vec![113542617735902]
        );
        assert!(numbers("after 7pm").0.is_empty());
    }

    #[test]
    fn same_problem_table() {
        // Our own sentences, not the dev set: (a, b, same)
        let table: &[(&str, &str, bool)] = &[
            ("where is my package?", "it still hasn't arrived", true),
            (
                "my order never came",
                "I'm still waiting for the delivery",
                true,
            ),
            (
                "the app keeps crashing when I pay",
                "every time I go to checkout the app closes",
                true,
            ),
            (
                "I can't log into my account",
                "it says my password is wrong when I sign in",
                true,
            ),
            (
                "¿dónde está mi paquete?",
                "todavía no ha llegado nada",
                true,
            ),
            (
                "mein Paket ist nicht angekommen",
                "wo bleibt meine Lieferung?",
                true,
            ),
            (
                "I want to cancel my subscription",
                "I want to upgrade my subscription",
                false,
            ),
            ("how do I add a user?", "how do I remove a user?", false),
            ("refund the $8 fee", "refund the $800 laptop", false),
            (
                "what is your returns policy?",
                "I want to return these shoes",
                false,
            ),
            (
                "thanks, that worked! how do I export it?",
                "that didn't work, I still can't export it",
                false,
            ),
            (
                "le remboursement est arrivé",
                "le remboursement n'est pas arrivé",
                false,
            ),
            (
                "quiero cancelar la reserva",
                "quiero cambiar la reserva",
                false,
            ),
            ("what time do you open?", "my card was charged twice", false),
            (
                "my account is locked",
                "I can't get in, it says my account has been blocked",
                true,
            ),
            (
                "the verification code never arrives",
                "I'm not getting the SMS code",
                true,
            ),
            ("mi pedido llegó roto", "el paquete vino dañado", true),
            (
                "meine Rückerstattung ist noch nicht da",
                "ich warte immer noch auf mein Geld zurück",
                true,
            ),
            (
                "non riesco a fare il login",
                "l'app mi dice password errata",
                true,
            ),
            (
                "mijn pakket is beschadigd aangekomen",
                "de doos was kapot bij levering",
                true,
            ),
            (
                "o código de desconto não funciona",
                "o cupom não está sendo aplicado",
                true,
            ),
            (
                "le colis n'est toujours pas arrivé",
                "ça fait deux semaines que j'attends ma commande",
                true,
            ),
            (
                "please close my account",
                "I want to delete my profile completely",
                true,
            ),
            (
                "je veux annuler ma commande",
                "je veux modifier ma commande",
                false,
            ),
            (
                "Ich möchte mein Abo pausieren",
                "Ich möchte mein Abo kündigen",
                false,
            ),
            (
                "quiero devolver las zapatillas",
                "quiero cambiar las zapatillas por otra talla",
                false,
            ),
            (
                "what's your cancellation policy?",
                "cancel my membership now",
                false,
            ),
            (
                "o atendente foi muito simpático",
                "quero falar com um atendente",
                false,
            ),
            (
                "the store opens at 9?",
                "is the store closed on sunday?",
                false,
            ),
            (
                "Wo ist meine Bestellung?",
                "Wo ist meine Erstattung?",
                false,
            ),
        ];
        for &(a, b, want) in table {
            assert_eq!(same_problem(a, b), want, "{a:?} / {b:?}");
        }
    }

    #[test]
    fn threads_fire_at_third_statement_after_two_answers() {
        let mut t = Threads::default();
        assert_eq!(
            t.customer(0, "my parcel hasn't arrived").0,
            Relation::Opened
        );
        t.bot_answered();
        let (rel, r) = t.customer(2, "I already checked tracking, it still isn't here");
        assert_eq!((rel, r.is_some()), (Relation::Restated, false));
        t.bot_answered();
        let (rel, r) = t.customer(4, "still no package, where is it?");
        assert_eq!(rel, Relation::Restated);
        assert_eq!(r.map(|r| r.evidence.turn), Some(4));
    }

    #[test]
    fn threads_new_questions_do_not_count() {
        let mut t = Threads::default();
        t.customer(0, "what does the standing charge on my bill mean?");
        t.bot_answered();
        t.customer(2, "different question: do you deliver to Spain?");
        t.bot_answered();
        let (rel, r) = t.customer(4, "great, thanks, that's all");
        assert_eq!((rel, r), (Relation::Moved, None));
    }
}
