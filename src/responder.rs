//! Responders propose candidate answers; the engine decides whether they are shown.
//!
//! `KbResponder` ranks the site's knowledge base (`GET /v1/sites/{site}/kb`) with BM25 in the
//! browser and reports a confidence and its source; `RemoteResponder` asks the site's own
//! service (`data-responder`, contract in `docs/responder.md`). Neither decides anything:
//! a weak candidate is still returned, with an honest confidence, and the engine withholds it.
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use baton_engine::Candidate;
use serde::{Deserialize, Serialize};

/// One knowledge-base article as the API serves it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Stable id; the source is reported as `kb:{id}`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Body text (plain text; the first paragraph is the answer).
    pub body: String,
    /// Link to the full article.
    #[serde(default)]
    pub url: Option<String>,
    /// Extra search terms.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The `GET /v1/sites/{site}/kb` answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Kb {
    /// Every article.
    #[serde(default)]
    pub articles: Vec<Article>,
}

/// One earlier turn, for responders that want context.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryLine {
    /// `customer` or `bot`.
    pub role: baton_engine::Role,
    /// The text as shown.
    pub text: String,
}

/// What a responder is asked.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// Site id.
    pub site: String,
    /// Conversation id.
    pub conversation_id: String,
    /// UI language tag.
    pub locale: String,
    /// The customer's message (redacted).
    pub message: String,
    /// Earlier visible turns, oldest first.
    pub history: Vec<HistoryLine>,
}

/// Why no candidate could be produced.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ResponderError {
    /// The remote responder could not be reached or answered non-2xx.
    #[error("responder unreachable: {0}")]
    Unreachable(String),
    /// The remote responder's answer is not a candidate.
    #[error("responder answered something that is not a candidate: {0}")]
    BadAnswer(String),
}

/// The future a responder returns (the widget is single-threaded wasm, so not `Send`).
pub type AnswerFuture = Pin<Box<dyn Future<Output = Result<Candidate, ResponderError>>>>;

/// Anything that proposes answers.
pub trait Responder {
    /// A candidate answer to `q`, with confidence and sources.
    fn answer(&self, q: Question) -> AnswerFuture;
}

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// A title/tag term counts this many times: titles say what an article is about.
const TITLE_BOOST: u32 = 3;
/// Longest answer text shown, in characters.
const MAX_ANSWER: usize = 420;

#[derive(Clone, Debug)]
struct Doc {
    article: Article,
    tf: BTreeMap<String, u32>,
    len: f64,
}

/// BM25 over the knowledge base, in the browser. Deterministic (`BTreeMap`, stable ties).
#[derive(Clone, Debug, Default)]
pub struct KbResponder {
    docs: Vec<Doc>,
    df: BTreeMap<String, u32>,
    avg_len: f64,
}

impl KbResponder {
    /// Indexes the knowledge base.
    pub fn new(kb: Kb) -> Self {
        let mut df: BTreeMap<String, u32> = BTreeMap::new();
        let docs: Vec<Doc> = kb
            .articles
            .into_iter()
            .map(|article| {
                let mut tf: BTreeMap<String, u32> = BTreeMap::new();
                let head = format!("{} {}", article.title, article.tags.join(" "));
                for t in tokens(&head) {
                    *tf.entry(t).or_default() += TITLE_BOOST;
                }
                for t in tokens(&article.body) {
                    *tf.entry(t).or_default() += 1;
                }
                for t in tf.keys() {
                    *df.entry(t.clone()).or_default() += 1;
                }
                let len = f64::from(tf.values().sum::<u32>());
                Doc { article, tf, len }
            })
            .collect();
        let avg_len = if docs.is_empty() {
            1.0
        } else {
            docs.iter().map(|d| d.len).sum::<f64>() / docs.len() as f64
        };
        KbResponder { docs, df, avg_len }
    }

    /// Number of indexed articles.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when there is no knowledge base.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    fn idf(&self, term: &str) -> f64 {
        let n = self.docs.len() as f64;
        let df = f64::from(self.df.get(term).copied().unwrap_or(0));
        ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
    }

    /// The best article for `message`, as a candidate. Small talk (greetings, thanks) gets a
    /// canned reply with `grounded: None`; everything else is grounded only if an article
    /// matched, and its confidence says how much of the question the article covers.
    pub fn answer_now(&self, message: &str, locale: crate::i18n::Locale) -> Candidate {
        if let Some(reply) = small_talk(message, locale) {
            return Candidate {
                text: reply.into(),
                confidence: 0.9,
                grounded: None,
                sources: Vec::new(),
            };
        }
        let query: Vec<String> = {
            let mut q = tokens(message);
            q.sort();
            q.dedup();
            q
        };
        let mut best: Option<(f64, usize)> = None;
        for (i, d) in self.docs.iter().enumerate() {
            let score: f64 = query
                .iter()
                .filter_map(|t| d.tf.get(t).map(|&tf| (t, f64::from(tf))))
                .map(|(t, tf)| {
                    self.idf(t) * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * d.len / self.avg_len))
                })
                .sum();
            if score > 0.0 && best.is_none_or(|(s, _)| score > s) {
                best = Some((score, i));
            }
        }
        let Some((score, i)) = best else {
            return Candidate {
                text: String::new(),
                confidence: 0.0,
                grounded: Some(false),
                sources: Vec::new(),
            };
        };
        let doc = &self.docs[i];
        // Coverage: the idf-weighted share of the question's words the article contains.
        // Words unknown to the whole KB weigh the most, so an off-topic question scores low.
        let max_idf = self.idf("");
        let (mut hit, mut all) = (0.0, 0.0);
        for t in &query {
            let w = if self.df.contains_key(t) {
                self.idf(t)
            } else {
                max_idf
            };
            all += w;
            if doc.tf.contains_key(t) {
                hit += w;
            }
        }
        let coverage = if all > 0.0 { hit / all } else { 0.0 };
        let strength = score / (score + 4.0);
        let confidence = (0.75 * coverage + 0.25 * strength).clamp(0.0, 1.0);
        Candidate {
            text: excerpt(&doc.article.body),
            confidence: confidence as f32,
            grounded: Some(true),
            sources: vec![format!("kb:{}", doc.article.id)],
        }
    }

    /// The article behind a `kb:{id}` source, for its title and link.
    pub fn article(&self, source: &str) -> Option<&Article> {
        let id = source.strip_prefix("kb:")?;
        self.docs.iter().map(|d| &d.article).find(|a| a.id == id)
    }
}

/// The first paragraph of an article, cut at a sentence end near `MAX_ANSWER` characters.
fn excerpt(body: &str) -> String {
    let para = body.trim().split("\n\n").next().unwrap_or_default().trim();
    if para.chars().count() <= MAX_ANSWER {
        return para.to_owned();
    }
    let cut: String = para.chars().take(MAX_ANSWER).collect();
    match cut.rfind(". ") {
        Some(end) if end > MAX_ANSWER / 3 => cut[..=end].to_owned(),
        _ => format!("{}…", cut.trim_end()),
    }
}

/// Lower-cased, accent-folded words of 2+ characters, minus stop words, lightly stemmed.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if word.chars().count() >= 2 && !STOP.contains(&word.as_str()) {
            out.push(stem(word));
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                word.push(fold(l));
            }
        } else {
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        _ => c,
    }
}

/// A deliberately light stemmer: plural and common verb endings, so "refunds" finds "refund".
fn stem(w: &str) -> String {
    for suffix in ["ing", "ies", "es", "ed", "s"] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.chars().count() >= 3 {
                if suffix == "ies" {
                    return format!("{base}y");
                }
                // "shipping" → "shipp" → "ship"
                let b = base.as_bytes();
                let n = b.len();
                if (suffix == "ing" || suffix == "ed")
                    && b[n - 1] == b[n - 2]
                    && !b"aeiouls".contains(&b[n - 1])
                {
                    return base[..n - 1].to_owned();
                }
                return base.to_owned();
            }
        }
    }
    // "arrive" meets "arrived" → "arriv"
    match w.strip_suffix('e') {
        Some(base) if base.chars().count() >= 4 => base.to_owned(),
        _ => w.to_owned(),
    }
}

/// Function words that say nothing about the topic (English, the KB language of the demo).
const STOP: &[&str] = &[
    "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "for", "from", "get", "got", "had", "has", "have", "hello", "hi",
    "how", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "please", "so",
    "than", "that", "the", "their", "them", "then", "there", "this", "to", "too", "up", "us",
    "was", "we", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you",
    "your", "i", "im", "want", "need", "know", "tell", "much", "many", "soon", "way", "like",
    "just", "still", "also", "some", "make", "should", "doing", "done", "going", "go", "come",
    "see", "able", "here", "yet", "ever", "really", "very", "more", "most", "ok", "okay", "not",
    "no", "yes", "hey", "thanks", "thank", "hasn", "haven", "isn", "doesn", "didn", "don", "wasn",
    "won", "couldn", "shouldn", "wouldn", "aren", "weren", "ve", "ll", "re",
];

/// Greetings and thanks need no facts; anything else goes to the KB.
fn small_talk(message: &str, locale: crate::i18n::Locale) -> Option<&'static str> {
    let words = tokens_raw(message);
    if words.is_empty() || words.len() > 4 {
        return None;
    }
    const GREET: &[&str] = &[
        "hi",
        "hello",
        "hey",
        "hola",
        "bonjour",
        "salut",
        "hallo",
        "ola",
        "oi",
        "ciao",
        "buongiorno",
        "goedemorgen",
        "buenas",
        "moin",
    ];
    const THANKS: &[&str] = &[
        "thanks", "thank", "thx", "gracias", "merci", "danke", "obrigado", "obrigada", "grazie",
        "bedankt", "dank",
    ];
    let s = locale.strings();
    if words.iter().any(|w| THANKS.contains(&w.as_str())) {
        return Some(match locale {
            crate::i18n::Locale::En => "You're welcome! Anything else I can help with?",
            crate::i18n::Locale::Es => "¡De nada! ¿Algo más en lo que pueda ayudarte?",
            crate::i18n::Locale::Fr => "Avec plaisir ! Puis-je vous aider pour autre chose ?",
            crate::i18n::Locale::De => "Gern geschehen! Kann ich sonst noch helfen?",
            crate::i18n::Locale::Pt => "De nada! Posso ajudar em mais alguma coisa?",
            crate::i18n::Locale::It => "Prego! Posso aiutarti in altro?",
            crate::i18n::Locale::Nl => "Graag gedaan! Kan ik nog ergens mee helpen?",
        });
    }
    if words.len() <= 2 && words.iter().all(|w| GREET.contains(&w.as_str())) {
        return Some(s.greeting);
    }
    None
}

fn tokens_raw(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(char::to_lowercase).map(fold).collect())
        .collect()
}

/// The built-in responder for a site: fetches the KB once (at mount, or at the first
/// question if that comes first) and answers with `KbResponder`.
#[derive(Clone)]
pub(crate) struct SiteKb {
    url: String,
    locale: crate::i18n::Locale,
    index: Rc<RefCell<Option<Rc<KbResponder>>>>,
}

impl SiteKb {
    /// The responder for `GET {endpoint}/sites/{site}/kb`.
    pub(crate) fn new(url: String, locale: crate::i18n::Locale) -> Self {
        SiteKb {
            url,
            locale,
            index: Rc::new(RefCell::new(None)),
        }
    }

    /// Fetches and indexes the KB if not done yet. A failed fetch leaves it unloaded so the
    /// next question tries again; meanwhile answers are ungrounded (the engine withholds them).
    pub(crate) async fn load(&self) -> Rc<KbResponder> {
        if let Some(kb) = self.index.borrow().as_ref() {
            return kb.clone();
        }
        match crate::transport::get_json::<Kb>(&self.url).await {
            Ok(kb) => {
                let kb = Rc::new(KbResponder::new(kb));
                *self.index.borrow_mut() = Some(kb.clone());
                kb
            }
            Err(_) => Rc::new(KbResponder::default()),
        }
    }
}

impl SiteKb {
    /// Title and link of a `kb:{id}` source, once the KB is loaded.
    pub(crate) fn article(&self, source: &str) -> Option<(String, Option<String>)> {
        let index = self.index.borrow();
        let a = index.as_ref()?.article(source)?;
        Some((a.title.clone(), a.url.clone()))
    }
}

impl Responder for SiteKb {
    fn answer(&self, q: Question) -> AnswerFuture {
        let this = self.clone();
        Box::pin(async move { Ok(this.load().await.answer_now(&q.message, this.locale)) })
    }
}

/// A site's own answering service (`data-responder`): `POST {url}` with a `Question`,
/// answered by a `Candidate`. See `docs/responder.md`.
pub(crate) struct RemoteResponder {
    url: String,
}

impl RemoteResponder {
    /// A responder at `url`.
    pub(crate) fn new(url: String) -> Self {
        RemoteResponder { url }
    }
}

impl Responder for RemoteResponder {
    fn answer(&self, q: Question) -> AnswerFuture {
        let url = self.url.clone();
        Box::pin(async move {
            let body =
                serde_json::to_string(&q).map_err(|e| ResponderError::BadAnswer(e.to_string()))?;
            crate::transport::post_json::<Candidate>(&url, &body)
                .await
                .map_err(|e| match e {
                    crate::transport::TransportError::Body(b) => ResponderError::BadAnswer(b),
                    other => ResponderError::Unreachable(other.to_string()),
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn kb() -> KbResponder {
        let a = |id: &str, title: &str, body: &str| Article {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            url: None,
            tags: Vec::new(),
        };
        KbResponder::new(Kb {
            articles: vec![
                a(
                    "shipping-times",
                    "How long does shipping take?",
                    "Orders ship within 1-2 business days and arrive in 3-5 days.",
                ),
                a(
                    "returns",
                    "Returns and exchanges",
                    "You can return unworn items within 30 days for a full refund.",
                ),
                a(
                    "sizing",
                    "Size guide",
                    "Our jackets run small; order one size up if between sizes.",
                ),
            ],
        })
    }

    #[test]
    fn ranks_the_right_article_with_its_source() {
        let c = kb().answer_now("How long does shipping take?", Locale::En);
        assert_eq!(c.sources, ["kb:shipping-times"]);
        assert_eq!(c.grounded, Some(true));
        assert!(c.confidence >= 0.6, "{}", c.confidence);
        let c = kb().answer_now("can I return my jacket for a refund", Locale::En);
        assert_eq!(c.sources, ["kb:returns"]);
    }

    #[test]
    fn off_topic_questions_get_low_confidence() {
        let c = kb().answer_now(
            "my laptop screen flickers after the firmware update",
            Locale::En,
        );
        assert!(c.confidence < 0.6, "{c:?}");
        let c = kb().answer_now("quantum entanglement", Locale::En);
        assert_eq!(c.grounded, Some(false));
        assert_eq!(c.confidence, 0.0);
    }

    #[test]
    fn small_talk_needs_no_facts() {
        let c = kb().answer_now("hi!", Locale::En);
        assert_eq!(c.grounded, None);
        let c = kb().answer_now("merci beaucoup", Locale::Fr);
        assert!(c.text.starts_with("Avec plaisir"));
        assert_ne!(
            kb().answer_now("hi, where is my order", Locale::En)
                .grounded,
            None
        );
    }

    #[test]
    fn empty_kb_is_never_grounded() {
        let c = KbResponder::new(Kb::default()).answer_now("shipping", Locale::En);
        assert_eq!(c.grounded, Some(false));
    }

    #[test]
    fn tokens_fold_stem_and_drop_stop_words() {
        assert_eq!(tokens("Where are my Refunds? Café!"), ["refund", "cafe"]);
        assert_eq!(stem("deliveries"), "delivery");
        assert_eq!(stem("shipping"), stem("ship"));
        assert_eq!(stem("arrived"), stem("arrive"));
    }

    #[test]
    fn long_bodies_are_cut_at_a_sentence() {
        let body = "First sentence is here. ".repeat(40);
        let e = excerpt(&body);
        assert!(e.chars().count() <= MAX_ANSWER && e.ends_with('.'), "{e}");
    }
}
