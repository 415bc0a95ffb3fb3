//! The concept lexicon: folded words, stems and phrases of seven languages mapped to the
//! concepts the detectors reason with. Parsed once from `data/lexicon.txt`.
//!
//! Lookup is a byte trie (one walk per token finds the exact word and every stem that
//! prefixes it), phrases are matched only at tokens that head one, and a bounded
//! edit-distance-1 pass catches typos of the few words a hand-off hinges on
//! ("represenative", "agant"), only for tokens the lexicon does not already know.
use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::{fold, Analysis};

macro_rules! concepts {
    ($($(#[$doc:meta])* $name:ident = $text:literal,)*) => {
        /// A unit of meaning a lexicon entry can carry; one bit in `Token::tags`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum Concept {
            $($(#[$doc])* $name,)*
        }

        impl Concept {
            const ALL: &'static [(Concept, &'static str)] = &[$((Concept::$name, $text),)*];
        }
    };
}

concepts! {
    /// A human who can help: agent, advisor, operator, manager, staff…
    Person = "person",
    /// A vague somebody: someone, anyone, quelqu'un, jemand…
    Someone = "someone",
    /// A team or department: support, customer service, billing team…
    Team = "team",
    /// Talking verbs: talk, speak, chat, reach, contact…
    Talk = "talk",
    /// Hand-over verbs: transfer, connect, put through, escalate…
    Transfer = "transfer",
    /// Phone verbs: call, ring, phone, callback…
    Call = "call",
    /// First-person object pronouns: me, mich, moi, mi…
    Me = "me",
    /// Wanting: want, need, would like, quiero, möchte…
    Want = "want",
    /// Ability/possibility: can, could, is there, possible…
    Modal = "modal",
    /// Politeness markers that make an imperative a request: please, bitte, svp…
    Please = "please",
    /// Real/actual/live/echt — insisting on a human.
    Real = "real",
    /// Negators: no, not, never, nobody, kein, pas, non…
    Neg = "neg",
    /// Part of a phrase that uses a person word in another sense (travel agent, HR).
    OtherSense = "other_sense",
    /// First-person possessives: my, mon, mein, mi…
    Poss = "poss",
    /// Opening hours and availability: when, hours, open, online…
    Hours = "hours",
    /// The bot itself: bot, robot, machine, AI.
    Bot = "bot",
    /// "are you", "bist du", "êtes-vous" — a question about the bot.
    AreYou = "are_you",
    /// Phone numbers and lines: number, hotline, direct line.
    PhoneNum = "phone_num",
    /// Contrastive conjunctions that start a new clause: but, mais, aber…
    ClauseBreak = "clause_break",
    /// How-to question words: how, comment, wie, cómo…
    How = "how",
    /// Insults and contempt: useless, garbage, nul, Saftladen…
    Insult = "insult",
    /// Anger states: furious, fed up, sauer, harto…
    Anger = "anger",
    /// Despair: at my wits' end, je suis à bout, am Ende…
    Despair = "despair",
    /// Ordinals for repetition: third, fourth, dritten, troisième…
    Ordinal = "ordinal",
    /// "time" in "third time": time, fois, Mal, vez, volta, keer.
    Times = "times",
    /// Again/still/once more.
    Again = "again",
    /// Leaving or public complaint: competitor, review, switch provider…
    Leave = "leave",
    /// Praise words that turn sarcastic after a failure: great, brilliant, bravo…
    Praise = "praise",
    /// Milder negative adjectives: terrible, awful, bad…
    NegAdj = "neg_adj",
    /// Polite self-deprecating phrases: sorry to bother, hate to bother…
    Polite = "polite",
    /// Joking markers: lol, haha, mdr, 😂.
    Joke = "joke",
    /// What anger can be aimed at: you, your, service, app, company, bot…
    Target = "target",
    /// Swear words.
    Swear = "swear",
    /// Nobody/no one (helps, answers…).
    Nobody = "nobody",
    /// Exasperation markers: seriously, unbelievable, enough, come on…
    Exasp = "exasp",
    /// Refund / money back / chargeback.
    Refund = "refund",
    /// Cancel / terminate verbs and nouns.
    Cancel = "cancel",
    /// Close / delete / deactivate verbs.
    Close = "close",
    /// Account / profile.
    Account = "account",
    /// Subscription, contract, membership, plan, order — things one cancels.
    Contract = "contract",
    /// Change / update / replace verbs.
    Change = "change",
    /// Sensitive account fields: login email, password, 2FA, bank details, payout, owner.
    Sensitive = "sensitive",
    /// Fraud, scams, theft, hacking.
    Fraud = "fraud",
    /// Recognise/authorise/make (negated = an unrecognised charge).
    Recognise = "recognise",
    /// Charges, payments, debits, transactions.
    Charge = "charge",
    /// Legal and compliance: lawyer, lawsuit, GDPR, regulator, ombudsman.
    Legal = "legal",
    /// Personal data.
    Data = "data",
    /// Policy/information questions: policy, how long, usually, conditions.
    Info = "info",
    /// Myself / selbst / moi-même — self-service.
    SelfService = "self",
    /// Hypotheticals: if, in case, what happens.
    Hypo = "hypo",
    /// Newsletters, notifications, alerts — harmless things to cancel.
    Newsletter = "newsletter",
    /// Status questions: status, track, where is, arrive, yet.
    Status = "status",
    /// Request verbs used for data access: send, copy, give, access, export.
    Send = "send",
    /// Topic: billing words.
    TopicBilling = "topic_billing",
    /// Topic: technical words.
    TopicTechnical = "topic_technical",
    /// Topic: account words.
    TopicAccount = "topic_account",
    /// Topic: shipping words.
    TopicShipping = "topic_shipping",
    /// Topic: order words.
    TopicOrder = "topic_order",
    /// Money words that make a nearby number an amount: euros, bucks, quid.
    Currency = "currency",
    /// Words that make a nearby number an identifier, not money: order, #, ref.
    IdWord = "id_word",
    /// Some word known to the lexicon only to keep it out of typo matching.
    Known = "known",
    /// Existence questions: is there, are there, hay, gibt es, y a-t-il.
    Exist = "exist",
    /// Words that carry nothing on their own: articles, "now", "hello".
    Filler = "filler",
    /// Reviews and complaints — leaving one is only angry with a negative word.
    Review = "review",
    /// Problem-report words: broken, late, missing, crashes, never arrived.
    Problem = "problem",
    /// Urgency: now, immediately, asap, sofort, tout de suite.
    Urgent = "urgent",
    /// Reset/recover verbs (password resets).
    Reset = "reset",
    /// Markers that make praise sarcastic: 🙃, "as always", bravo, "yeah right".
    Sarcasm = "sarcasm",
    /// Providers one threatens to leave for: company, carrier, bank, competitor.
    Provider = "provider",
    /// Another/other.
    Another = "another",
    /// "back" in "I want my money back": terug, zurück, de volta, devolver…
    Back = "back",
    /// Money nouns: money, Geld, dinero, argent…
    Money = "money",
    /// From now on / going forward — a standing instruction (payout changes).
    Henceforth = "henceforth",
    /// Buying verbs, negated in unrecognised-charge reports: bought, ordered, compré…
    Purchase = "purchase",
    /// Account details that are only sensitive when someone changes them: email, card, address.
    SensitiveWeak = "sensitive_weak",
    /// Callback words: callback, Rückruf, rappeler, richiamare, terugbellen…
    Callback = "callback",
    /// New (details): new, nuevo, neue, nieuwe…
    New = "new",
    /// Suspicious/unknown (charges): strange, unknown, not mine, without my permission.
    Suspicious = "suspicious",
    /// Cancelled (participle): counts only when asked for ("I need it cancelled").
    CancelPast = "cancel_past",
    /// Small cardinal numbers, for "three times", "trois fois", "drei Mal".
    Cardinal = "cardinal",
    /// "you are", "vous êtes", "ihr seid": a judgement of the company is coming.
    YouAre = "you_are",
    /// Putting something in someone's name: "in my name", "au nom de", "intestare".
    Owner = "owner",
    /// Payment cards.
    Card = "card",
}

/// Set on a word that starts at least one phrase entry (internal).
const PHRASE_HEAD: u128 = 1 << 127;

impl Concept {
    /// The bit of this concept in `Token::tags`.
    pub(crate) const fn bit(self) -> u128 {
        1u128 << (self as u8)
    }

    /// Every concept with its data-file name.
    #[cfg(test)]
    pub(crate) fn names() -> impl Iterator<Item = (Concept, &'static str)> {
        Concept::ALL.iter().copied()
    }

    fn from_name(name: &str) -> Option<Concept> {
        Concept::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(c, _)| *c)
    }
}

/// Concepts whose words are worth matching with one typo.
const FUZZY: u128 = (1 << Concept::Person as u8)
    | (1 << Concept::Talk as u8)
    | (1 << Concept::Transfer as u8)
    | (1 << Concept::Someone as u8);

/// Concepts whose words only match typos that swap two letters.
const SWAP_ONLY: u128 = (1 << Concept::Refund as u8)
    | (1 << Concept::Cancel as u8)
    | (1 << Concept::Close as u8)
    | (1 << Concept::Fraud as u8);

/// A lexicon line that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("lexicon line {line}: {kind}")]
pub(crate) struct LexiconError {
    /// 1-based line number.
    pub(crate) line: usize,
    /// What is wrong.
    pub(crate) kind: LexiconErrorKind,
}

/// What is wrong with a lexicon line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum LexiconErrorKind {
    /// The line has no `concept:` prefix.
    #[error("expected `concept: entries`")]
    NoColon,
    /// The concept name is not one the engine knows.
    #[error("unknown concept `{0}`")]
    UnknownConcept(String),
    /// An entry is not in folded form (lowercase, no accents).
    #[error("entry `{0}` is not folded (expected `{1}`)")]
    NotFolded(String, String),
    /// An entry has characters outside letters, digits, `_`, a trailing `*`, or emoji.
    #[error("entry `{0}` has a character a token can never contain")]
    BadChar(String),
}

#[derive(Clone, Copy, Debug, Default)]
struct Node {
    edge_start: u32,
    edge_len: u32,
    exact: u128,
    prefix: u128,
    /// Phrases headed by the word ending here: `phrases[phrase_start..phrase_end]`.
    phrase_start: u32,
    phrase_end: u32,
}

#[derive(Clone, Debug)]
struct Phrase {
    words: Vec<Box<str>>,
    tags: u128,
}

#[derive(Clone, Debug)]
struct FuzzyWord {
    word: Box<[u8]>,
    letters: u32,
    tags: u128,
}

/// The parsed lexicon.
#[derive(Clone, Debug, Default)]
pub(crate) struct Lexicon {
    nodes: Vec<Node>,
    edges: Vec<(u8, u32)>,
    /// The root's children indexed by byte (0 = none): the widest fan-out, read first.
    root: Vec<u32>,
    phrases: Vec<Phrase>,
    /// Typo candidates bucketed by length (up to 31) and first letter: a typo rarely hits
    /// the first letter, and the buckets keep the scan to a handful of words.
    fuzzy: Vec<Vec<FuzzyWord>>,
    suffixes: Vec<(Box<str>, u128)>,
}

#[derive(Default)]
struct BuildNode {
    children: BTreeMap<u8, usize>,
    exact: u128,
    prefix: u128,
}

static BUILTIN: OnceLock<Lexicon> = OnceLock::new();

/// The lexicon text compiled into the engine.
pub(crate) const BUILTIN_TEXT: &str = include_str!("../../data/lexicon.txt");

impl Lexicon {
    /// The built-in lexicon, parsed on first use. A malformed file fails the unit tests;
    /// at run time it degrades to an empty lexicon rather than panicking in the browser.
    pub(crate) fn builtin() -> &'static Lexicon {
        BUILTIN.get_or_init(|| Lexicon::parse(BUILTIN_TEXT).unwrap_or_default())
    }

    /// Parses `concept: entry entry…` lines; `#` starts a comment.
    pub(crate) fn parse(text: &str) -> Result<Lexicon, LexiconError> {
        let mut build: Vec<BuildNode> = vec![BuildNode::default()];
        let mut phrases: Vec<Phrase> = Vec::new();
        let mut words: BTreeMap<String, u128> = BTreeMap::new();
        let mut suffixes: Vec<(Box<str>, u128)> = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |kind| LexiconError { line: n + 1, kind };
            let (name, entries) = line.split_once(':').ok_or(err(LexiconErrorKind::NoColon))?;
            let concept = Concept::from_name(name.trim())
                .ok_or_else(|| err(LexiconErrorKind::UnknownConcept(name.trim().to_owned())))?;
            for entry in entries.split_whitespace() {
                check_entry(entry).map_err(err)?;
                let bit = concept.bit();
                if entry.contains('_') {
                    let parts: Vec<Box<str>> = entry
                        .split('_')
                        .filter(|p| !p.is_empty())
                        .map(Box::from)
                        .collect();
                    if let Some(head) = parts.first() {
                        insert(&mut build, head, PHRASE_HEAD, false);
                    }
                    phrases.push(Phrase {
                        words: parts,
                        tags: bit,
                    });
                } else if let Some(tail) = entry.strip_prefix('*') {
                    suffixes.push((Box::from(tail), bit));
                } else if let Some(stem) = entry.strip_suffix('*') {
                    insert(&mut build, stem, bit, true);
                } else {
                    insert(&mut build, entry, bit, false);
                    *words.entry(entry.to_owned()).or_default() |= bit;
                }
            }
        }
        phrases.sort_by(|a, b| a.words.cmp(&b.words));
        let mut fuzzy: Vec<Vec<FuzzyWord>> = vec![Vec::new(); 32 * 26];
        for (w, tags) in words {
            let first = w.as_bytes()[0];
            if tags & (FUZZY | SWAP_ONLY) != 0
                && (5..32).contains(&w.len())
                && first.is_ascii_lowercase()
                && w.is_ascii()
            {
                fuzzy[bucket(w.len(), first)].push(FuzzyWord {
                    letters: letter_set(w.as_bytes()),
                    word: w.into_bytes().into_boxed_slice(),
                    tags: tags & (FUZZY | SWAP_ONLY),
                });
            }
        }
        // Flatten the build trie into contiguous edge lists.
        let mut nodes = vec![Node::default(); build.len()];
        let mut edges = Vec::new();
        for (i, b) in build.iter().enumerate() {
            nodes[i] = Node {
                edge_start: edges.len() as u32,
                edge_len: b.children.len() as u32,
                exact: b.exact,
                prefix: b.prefix,
                phrase_start: 0,
                phrase_end: 0,
            };
            edges.extend(b.children.iter().map(|(&k, &v)| (k, v as u32)));
        }
        // Point each phrase head's node at its run of phrases.
        let mut k = 0;
        while k < phrases.len() {
            let head = &phrases[k].words[0];
            let end = k + phrases[k..]
                .iter()
                .take_while(|p| &p.words[0] == head)
                .count();
            if let Some(node) = walk(&nodes, &edges, head) {
                nodes[node].phrase_start = k as u32;
                nodes[node].phrase_end = end as u32;
            }
            k = end;
        }
        let mut root = vec![0u32; 256];
        if let Some(r) = nodes.first() {
            for &(b, child) in &edges[r.edge_start as usize..(r.edge_start + r.edge_len) as usize] {
                root[usize::from(b)] = child;
            }
        }
        Ok(Lexicon {
            nodes,
            root,
            edges,
            phrases,
            fuzzy,
            suffixes,
        })
    }

    /// Exact and stem tags of one folded word.
    #[cfg(test)]
    pub(crate) fn lookup(&self, word: &str) -> u128 {
        self.lookup_node(word).0
    }

    /// Tags of `word` and the node it ends on, when the trie holds all of it.
    fn lookup_node(&self, word: &str) -> (u128, Option<usize>) {
        let mut node = 0usize;
        let mut tags = 0u128;
        for &b in word.as_bytes() {
            match self.child(node, b) {
                Some(c) => node = c,
                None => return (tags, None),
            }
            tags |= self.nodes[node].prefix;
        }
        (
            tags | self.nodes.get(node).map_or(0, |n| n.exact),
            Some(node),
        )
    }

    /// The child of `node` along byte `b`: a table at the root, a short scan below.
    fn child(&self, node: usize, b: u8) -> Option<usize> {
        if node == 0 {
            return self
                .root
                .get(usize::from(b))
                .filter(|&&c| c != 0)
                .map(|&c| c as usize);
        }
        let n = self.nodes.get(node)?;
        let e = self
            .edges
            .get(n.edge_start as usize..(n.edge_start + n.edge_len) as usize)?;
        if e.len() <= 8 {
            e.iter().find(|x| x.0 == b).map(|x| x.1 as usize)
        } else {
            e.binary_search_by_key(&b, |x| x.0)
                .ok()
                .map(|k| e[k].1 as usize)
        }
    }

    /// Tags from compound tails ("Handyvertrag" ends with "vertrag").
    fn suffix_lookup(&self, word: &str) -> u128 {
        if word.len() < 7 {
            return 0;
        }
        let last = word.as_bytes()[word.len() - 1];
        self.suffixes
            .iter()
            .filter(|(tail, _)| {
                tail.as_bytes().last() == Some(&last)
                    && word.len() > tail.len()
                    && word.ends_with(&**tail)
            })
            .fold(0, |acc, (_, bit)| acc | bit)
    }

    fn fuzzy_lookup(&self, word: &str) -> u128 {
        let w = word.as_bytes();
        if w.len() < 5 || !word.is_ascii() {
            return 0;
        }
        if w.len() >= 31 || !w[0].is_ascii_lowercase() || self.fuzzy.is_empty() {
            return 0;
        }
        let set = letter_set(w);
        let mut tags = 0;
        let near = (w.len() - 1..=w.len() + 1).flat_map(|len| &self.fuzzy[bucket(len, w[0])]);
        for f in near {
            if (f.letters ^ set).count_ones() > 2 {
                continue;
            }
            // Five-letter words only tolerate a swap or an extra letter: one substituted
            // letter in a short word too often makes another real word ("passo"/"passa").
            let swap = is_swap(&f.word, w);
            // A letter added or dropped at the end is inflection ("associate"/"associated"),
            // not a typo.
            let inflected = f.word.starts_with(w) || w.starts_with(&f.word);
            let allowed = !inflected && (w.len() >= 6 || f.word.len() < w.len() || swap);
            if allowed && within_one_edit(&f.word, w) {
                tags |= f.tags & FUZZY;
            }
            // Action words differ by one letter between tenses ("cancelarem"/"cancelaram"):
            // only a swapped pair ("cacnel") counts as a typo of them.
            if swap {
                tags |= f.tags & SWAP_ONLY;
            }
        }
        tags
    }

    /// Tags every token of `a` with its concepts.
    pub(crate) fn tag(&self, a: &mut Analysis<'_>) {
        // Remember each phrase head's trie node so it needs no second walk.
        let mut heads: Vec<(usize, usize)> = Vec::new();
        for i in 0..a.tokens.len() {
            let norm = a.norm(i);
            let (exact, node) = self.lookup_node(norm);
            if let (true, Some(node)) = (exact & PHRASE_HEAD != 0, node) {
                heads.push((i, node));
            }
            let mut tags = exact | self.suffix_lookup(norm);
            if tags == 0 && !a.tokens[i].numeric {
                tags = self.fuzzy_lookup(norm);
            }
            a.tokens[i].tags = tags;
        }
        let mut add: Vec<(usize, u128)> = Vec::new();
        for &(i, node) in &heads {
            let Some(node) = self.nodes.get(node) else {
                continue;
            };
            let run = self
                .phrases
                .get(node.phrase_start as usize..node.phrase_end as usize)
                .unwrap_or(&[]);
            add.clear();
            for p in run {
                let n = p.words.len();
                if i + n > a.tokens.len() {
                    continue;
                }
                let clause = a.tokens[i].clause;
                let ok = p
                    .words
                    .iter()
                    .enumerate()
                    .skip(1)
                    .all(|(k, w)| a.tokens[i + k].clause == clause && a.norm(i + k) == &**w);
                if ok {
                    add.push((n, p.tags));
                }
            }
            for &(n, tags) in &add {
                for t in &mut a.tokens[i..i + n] {
                    t.tags |= tags;
                }
            }
        }
        for t in &mut a.tokens {
            t.tags &= !PHRASE_HEAD;
        }
    }
}

/// The trie node reached by reading all of `word`, if any.
fn walk(nodes: &[Node], edges: &[(u8, u32)], word: &str) -> Option<usize> {
    let mut node = 0usize;
    for &b in word.as_bytes() {
        let n = nodes.get(node)?;
        let e = edges.get(n.edge_start as usize..(n.edge_start + n.edge_len) as usize)?;
        node = e[e.binary_search_by_key(&b, |e| e.0).ok()?].1 as usize;
    }
    Some(node)
}

fn insert(build: &mut Vec<BuildNode>, word: &str, bit: u128, prefix: bool) {
    let mut node = 0usize;
    for &b in word.as_bytes() {
        node = match build[node].children.get(&b) {
            Some(&next) => next,
            None => {
                build.push(BuildNode::default());
                let next = build.len() - 1;
                build[node].children.insert(b, next);
                next
            }
        };
    }
    if prefix {
        build[node].prefix |= bit;
    } else {
        build[node].exact |= bit;
    }
}

fn check_entry(entry: &str) -> Result<(), LexiconErrorKind> {
    let body = entry.strip_suffix('*').unwrap_or(entry);
    let body = body.strip_prefix('*').unwrap_or(body);
    if body.is_empty()
        || body.starts_with('_')
        || body.ends_with('_')
        || !body
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || super::is_emoji(c))
    {
        return Err(LexiconErrorKind::BadChar(entry.to_owned()));
    }
    let folded = fold(body);
    if folded != body {
        return Err(LexiconErrorKind::NotFolded(entry.to_owned(), folded));
    }
    Ok(())
}

fn bucket(len: usize, first: u8) -> usize {
    len.min(31) * 26 + usize::from(first.wrapping_sub(b'a') % 26)
}

fn letter_set(w: &[u8]) -> u32 {
    w.iter()
        .filter(|b| b.is_ascii_lowercase())
        .fold(0u32, |s, b| s | 1 << (b - b'a'))
}

/// Same letters with one adjacent pair swapped ("spaek").
fn is_swap(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && {
        let diff: Vec<usize> = (0..a.len()).filter(|&k| a[k] != b[k]).collect();
        diff.len() == 2
            && diff[1] == diff[0] + 1
            && a[diff[0]] == b[diff[1]]
            && a[diff[1]] == b[diff[0]]
    }
}

/// Optimal-string-alignment distance ≤ 1 (one insertion, deletion, substitution or swap).
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[pre..], &b[pre..]);
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => {
            a.is_empty()
                || a[1..] == b[1..]
                || (a.len() >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..])
        }
        std::cmp::Ordering::Less => a == &b[1..],
        std::cmp::Ordering::Greater => &a[1..] == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lexicon_parses() {
        let lex = Lexicon::parse(BUILTIN_TEXT);
        assert!(lex.is_ok(), "{:?}", lex.err());
    }

    #[test]
    fn malformed_lines_are_errors_naming_the_line() {
        let e = |t: &str| Lexicon::parse(t).err();
        assert_eq!(e("person agent").map(|e| e.line), Some(1));
        assert!(matches!(
            e("# c\nnope: agent").map(|e| e.kind),
            Some(LexiconErrorKind::UnknownConcept(_))
        ));
        assert!(matches!(
            e("person: Agent").map(|e| e.kind),
            Some(LexiconErrorKind::NotFolded(..))
        ));
        assert!(matches!(
            e("person: a-b").map(|e| e.kind),
            Some(LexiconErrorKind::BadChar(_))
        ));
    }

    #[test]
    fn exact_stem_phrase_and_typo_lookup() {
        let lex = match Lexicon::parse(
            "person: agent\ntalk: spreken sprech*\nother_sense: travel_agent\n",
        ) {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(lex.lookup("agent"), Concept::Person.bit());
        assert_eq!(lex.lookup("sprechen"), Concept::Talk.bit());
        assert_eq!(lex.lookup("sprec"), 0);
        assert_eq!(lex.lookup("sprech"), Concept::Talk.bit());
        assert_eq!(lex.fuzzy_lookup("agant"), 0);
        assert_eq!(lex.fuzzy_lookup("agnet"), Concept::Person.bit());
        assert_eq!(lex.fuzzy_lookup("sprkxen"), 0);
        assert_eq!(lex.fuzzy_lookup("sprken"), Concept::Talk.bit());
        assert_eq!(lex.fuzzy_lookup("agents"), 0);
        assert_eq!(lex.fuzzy_lookup("sprekne"), Concept::Talk.bit());
        let mut a = super::super::tokenize("my travel agent");
        lex.tag(&mut a);
        assert!(a.tokens[2].has(Concept::OtherSense) && a.tokens[2].has(Concept::Person));
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit(b"speak", b"spaek"));
        assert!(within_one_edit(b"representative", b"represenative"));
        assert!(within_one_edit(b"agent", b"agant"));
        assert!(!within_one_edit(b"agent", b"urgent"));
        assert!(within_one_edit(b"agent", b"agents"));
    }
}
