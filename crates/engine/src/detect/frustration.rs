//! `frustration`: anger, exasperation or distress aimed at the service, in one message.
//!
//! A message earns anger points from cues (insults, swearing, anger and despair words,
//! "third time", threats to leave, sarcastic praise after a failure, shouting in capitals,
//! "!!!") and loses them for politeness formulas ("sorry to bother you") and for negative
//! words aimed elsewhere ("terrible movie lol"). [`sentiment`] maps the balance to [-1, 1]
//! for the falling-trend rule; one message at or above `THRESHOLD` points fires alone.
use crate::decision::{Evidence, Reason, Trigger};
use crate::normalize::{mask, Analysis, Concept as C};

/// Anger points at which one message is frustrated on its own.
pub(super) const THRESHOLD: f32 = 1.5;

/// Failure context that turns praise into sarcasm ("great, another useless answer").
const SOUR: u128 = mask(&[
    C::Problem,
    C::Again,
    C::Insult,
    C::NegAdj,
    C::Nobody,
    C::Exasp,
    C::Ordinal,
    C::Swear,
    C::Sarcasm,
]);

/// What a message's cues add up to.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Mood {
    /// Anger points (≥ 0).
    pub(crate) anger: f32,
    /// Genuine praise points (≥ 0), sarcasm excluded.
    pub(crate) praise: f32,
    /// The strongest cue: token range and rule id.
    pub(crate) cue: Option<(usize, usize, &'static str, f32)>,
}

impl Mood {
    fn add(&mut self, from: usize, to: usize, rule: &'static str, points: f32) {
        self.anger += points;
        if self.cue.is_none_or(|c| c.3 < points) {
            self.cue = Some((from, to, rule, points));
        }
    }
}

/// The message's sentiment in [-1, 1]: negative when angry, positive when pleased.
pub(crate) fn sentiment(a: &Analysis<'_>) -> f32 {
    let m = mood(a);
    let neg = m.anger / (m.anger + THRESHOLD);
    let pos = m.praise / (m.praise + THRESHOLD);
    (pos - neg).clamp(-1.0, 1.0)
}

/// Fires when one message is frustrated on its own.
pub(crate) fn detect(a: &Analysis<'_>, turn: u32) -> Option<Reason> {
    let m = mood(a);
    if m.anger < THRESHOLD {
        return None;
    }
    let (from, to, rule, _) = m.cue?;
    let span = if a.tokens.is_empty() {
        None
    } else {
        Some(a.span(from, to))
    };
    Some(Reason {
        trigger: Trigger::Frustration,
        evidence: Evidence {
            turn,
            span,
            rule: rule.to_owned(),
            score: Some(-(m.anger / (m.anger + THRESHOLD))),
        },
    })
}

/// Adds up the cues of one message.
pub(crate) fn mood(a: &Analysis<'_>) -> Mood {
    let mut m = Mood::default();
    let n = a.tokens.len();
    let joking = a.any(C::Joke);
    let polite = a.any(C::Polite);
    // Quoting the company back at it ("will look into it") is a sarcasm marker too.
    let quotes = a
        .text
        .chars()
        .filter(|c| matches!(c, '"' | '“' | '”' | '«' | '»' | '„'))
        .count()
        >= 2;
    let sour = quotes
        || a.tokens
            .iter()
            .any(|t| t.tags & SOUR != 0 && !t.has(C::Polite));
    let praised = a.any(C::Praise);
    let complaint = a
        .tokens
        .iter()
        .any(|t| t.numeric || t.tags & mask(&[C::Problem, C::Neg, C::Charge]) != 0);
    let mut exasp = 0;
    let mut again = 0;
    let mut i = 0;
    while i < n {
        let t = a.tokens[i];
        if t.has(C::Polite) {
            i += 1;
            continue;
        }
        // "not stupid", "nicht sauer": a negator right before a single cue word.
        let negated = i > 0 && a.has(i - 1, C::Neg) && !a.tokens[i - 1].has(C::Insult);
        if t.has(C::Insult) && !negated {
            m.add(i, i, "frustration.insult", 2.0);
        } else if t.has(C::Swear) {
            m.add(i, i, "frustration.swear", 2.0);
        } else if t.has(C::Anger) && !negated {
            m.add(i, i, "frustration.anger", 2.0);
        } else if t.has(C::Despair) {
            m.add(i, i, "frustration.despair", 2.0);
        } else if (t.has(C::Cardinal)
            || (t.numeric && (3..=20).contains(&a.norm(i).parse::<u32>().unwrap_or(0))))
            && a.has(i + 1, C::Times)
            // "payer en trois fois" is instalments, not attempts.
            && !(i > 0 && matches!(a.norm(i - 1), "en" | "in" | "em"))
        {
            // "three times", "trois fois", "5 Mal": the customer is counting attempts.
            m.add(i, i + 1, "frustration.repeated", 1.5);
        } else if t.has(C::Ordinal) {
            let times = (i + 1..(i + 4).min(n)).find(|&k| a.has(k, C::Times));
            match times {
                Some(k) => m.add(i, k, "frustration.repeated", 2.0),
                None => m.add(i, i, "frustration.repeated", 0.5),
            }
        } else if t.has(C::Leave) && !negated {
            m.add(i, i, "frustration.threat_to_leave", 2.0);
        } else if t.has(C::Exasp) && exasp < 2 {
            exasp += 1;
            m.add(i, i, "frustration.exasperation", 1.0);
        } else if t.has(C::Praise) && !negated {
            // Praise standing alone as a sentence next to a complaint: "Brilliant."
            let (sf, st) = a.sentence_range(i);
            let alone = st - sf <= 3
                && a.tokens
                    .last()
                    .is_some_and(|l| l.sentence != t.sentence || sf > 0);
            if sour || (alone && complaint) {
                m.add(i, i, "frustration.sarcasm", 2.0);
            } else {
                m.praise += 1.0;
            }
        } else if t.has(C::Sarcasm) {
            m.add(i, i, "frustration.sarcasm", if praised { 2.0 } else { 1.5 });
        } else if t.has(C::Provider) && threatens_to_leave(a, i) {
            m.add(i.saturating_sub(3), i, "frustration.threat_to_leave", 2.0);
        } else if t.has(C::YouAre) && !praised {
            // "you are …" aimed at the company, unless it is praise.
            m.add(i, i, "frustration.judgement", 1.0);
        } else if t.has(C::Legal) {
            m.add(i, i, "frustration.legal_threat", 1.0);
        } else if t.has(C::NegAdj) && !joking && !negated {
            let aimed = (i.saturating_sub(4)..(i + 5).min(n)).any(|k| a.has(k, C::Target));
            m.add(i, i, "frustration.negative", if aimed { 1.5 } else { 0.5 });
        } else if t.has(C::Nobody) {
            m.add(i, i, "frustration.nobody", 1.0);
        } else if t.has(C::Again) && again < 2 {
            again += 1;
            m.add(i, i, "frustration.again", if t.caps { 1.5 } else { 0.5 });
        } else if t.has(C::Review) {
            m.add(i, i, "frustration.complaint", 0.5);
        } else if t.has(C::Urgent) {
            m.add(i, i, "frustration.urgent", if t.caps { 1.0 } else { 0.3 });
        }
        // Skip the rest of a multi-word cue so a phrase counts once.
        let tags = t.tags
            & mask(&[
                C::Insult,
                C::Anger,
                C::Despair,
                C::Exasp,
                C::Leave,
                C::Praise,
                C::YouAre,
                C::Nobody,
            ]);
        let mut j = i + 1;
        while tags != 0 && j < n && a.tokens[j].tags & tags == tags {
            j += 1;
        }
        i = j;
    }
    shouting(a, &mut m);
    if a.tokens.iter().any(|t| t.elongated) {
        m.add(0, 0, "frustration.elongation", 0.5);
    }
    if polite {
        m.anger = (m.anger - 1.0).max(0.0);
    }
    m
}

/// "switching to another provider", "passo a un altro operatore", "wechsle zur Konkurrenz":
/// a leaving verb, or a change verb with "another", shortly before a provider word.
fn threatens_to_leave(a: &Analysis<'_>, p: usize) -> bool {
    let lo = p.saturating_sub(5);
    let leave = (lo..p).any(|k| a.has(k, C::Leave));
    let change = (lo..p).any(|k| a.has(k, C::Change));
    let another = (p.saturating_sub(3)..p).any(|k| a.has(k, C::Another));
    leave || (change && another) || (another && a.has(p, C::Leave))
}

/// Capitals and exclamation marks.
fn shouting(a: &Analysis<'_>, m: &mut Mood) {
    let loud = |t: &crate::normalize::Token| {
        let len = t.end - t.start;
        t.caps
            && ((len >= 5 && t.tags & mask(&[C::Legal, C::Sensitive, C::Currency, C::Data]) == 0)
                || (len >= 3
                    && t.tags
                        & mask(&[
                            C::Again,
                            C::Urgent,
                            C::Neg,
                            C::Person,
                            C::Insult,
                            C::Swear,
                            C::Anger,
                            C::Exasp,
                            C::Refund,
                            C::Want,
                        ])
                        != 0))
    };
    let caps = a.tokens.iter().filter(|t| loud(t)).count();
    // A shouted cue word ("SERIOUSLY", "USELESS", "NOW") counts on top of the word itself.
    let cue = mask(&[C::Exasp, C::Insult, C::Anger, C::Urgent, C::Again, C::Swear]);
    if let Some(k) = a
        .tokens
        .iter()
        .position(|t| t.caps && t.end - t.start >= 3 && t.tags & cue != 0)
    {
        m.add(k, k, "frustration.shouting", 1.0);
    }
    let first = a.tokens.iter().position(loud).unwrap_or(0);
    let ratio = if a.letters >= 12 {
        a.upper as f32 / a.letters as f32
    } else {
        0.0
    };
    if ratio >= 0.7 || caps >= 3 {
        m.add(first, first, "frustration.shouting", 2.5);
    } else if caps == 2 {
        m.add(first, first, "frustration.shouting", 1.5);
    } else if caps == 1 {
        m.add(first, first, "frustration.shouting", 0.75);
    }
    let last = a.tokens.len().saturating_sub(1);
    if a.max_excl_run >= 3 {
        m.add(last, last, "frustration.exclamations", 2.0);
    } else if a.max_excl_run == 2 || a.exclaims >= 3 {
        m.add(last, last, "frustration.exclamations", 1.0);
    } else if a.max_bang_run >= 2 {
        // "?!" is louder than "??".
        let points = if a.exclaims > 0 { 1.0 } else { 0.5 };
        m.add(last, last, "frustration.exclamations", points);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cases: &[(&str, bool)]) {
        let mut wrong = Vec::new();
        for &(text, want) in cases {
            let m = mood(&Analysis::new(text));
            if (m.anger >= THRESHOLD) != want {
                wrong.push(format!("{text:?}: want {want}, got {m:?}"));
            }
        }
        assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    }

    #[test]
    fn angry_messages() {
        check(&[
            ("this is the fifth time I explain the same thing", true),
            ("what a useless bot", true),
            ("fantastic, the app crashed again 🙄", true),
            ("I am absolutely furious with your company", true),
            ("WHERE IS MY ORDER, I PAID WEEKS AGO", true),
            ("still nothing!!!", true),
            ("estoy harta de esperar, es una vergüenza", true),
            ("vous êtes vraiment nuls, j'en ai marre", true),
            (
                "Das ist doch eine Frechheit, ich wechsle zur Konkurrenz",
                true,
            ),
            ("que palhaçada, ninguém resolve nada", true),
            ("sono stufo, è la terza volta che chiamo", true),
            (
                "wat een waardeloze service, ik stap over naar de concurrent",
                true,
            ),
        ]);
    }

    #[test]
    fn calm_messages() {
        check(&[
            (
                "the film last night was awful haha, anyway where is my receipt",
                false,
            ),
            (
                "sorry to bother you again, is the jacket available in blue?",
                false,
            ),
            ("Great, thank you, that worked perfectly!", false),
            ("my parcel has not arrived yet, could you check?", false),
            ("desculpe incomodar, qual é o prazo de entrega?", false),
            (
                "Entschuldigen Sie die Störung, wann kommt mein Paket?",
                false,
            ),
            (
                "het weer is vreselijk vandaag, kan de bezorger het pakket binnen zetten?",
                false,
            ),
            ("I'd like to leave a review for the blender", false),
            ("tell me a joke", false),
        ]);
    }

    #[test]
    fn sentiment_is_signed_and_bounded() {
        let angry = sentiment(&Analysis::new("USELESS. I'm furious!!!"));
        let happy = sentiment(&Analysis::new("brilliant, thanks a lot"));
        assert!((-1.0..-0.5).contains(&angry), "{angry}");
        assert!((0.0..=1.0).contains(&happy), "{happy}");
    }

    /// Held-out style sentences written for these tests (not from the dev data), in all
    /// seven languages, positives and hard negatives mixed.
    #[test]
    fn seven_languages_table() {
        check(&[
            ("this is ridiculous, I've been waiting two hours", true),
            ("you people are completely incompetent", true),
            ("Oh great, the app crashed again. Fantastic.", true),
            ("I'm so fed up with this company", true),
            ("WHY DOES NOTHING WORK", true),
            ("fix it now!!!", true),
            (
                "if this happens again I'm cancelling and going elsewhere",
                true,
            ),
            ("I'm at breaking point with your service", true),
            ("worst customer service I've ever had", true),
            ("third time asking the same question", true),
            ("I hate to be a nuisance but where is my parcel?", false),
            (
                "that movie was awful lol, anyway can I get the invoice?",
                false,
            ),
            ("sorry for the trouble, could you resend the code?", false),
            ("my package is delayed, can you check?", false),
            ("thanks, that was really helpful!", false),
            (
                "the weather is terrible here, please leave it in the shed",
                false,
            ),
            ("is the blue one still in stock?", false),
            ("esto es una vergüenza, llevo una semana sin internet", true),
            ("estoy hasta las narices de vuestro servicio", true),
            ("sois unos inútiles", true),
            ("genial, otra vez sin luz. gracias por nada", true),
            ("como vuelva a pasar me voy a la competencia", true),
            ("perdona la molestia, ¿dónde está mi pedido?", false),
            ("la película era malísima jaja, ¿tenéis la factura?", false),
            ("mi paquete llega tarde, ¿me ayudas?", false),
            (
                "c'est inadmissible, ça fait trois semaines que j'attends",
                true,
            ),
            ("j'en ai marre de votre service", true),
            ("vous êtes nuls, franchement", true),
            ("génial, encore une panne. merci beaucoup", true),
            ("je vais aller chez un concurrent si ça continue", true),
            ("désolé de vous déranger, où est ma commande ?", false),
            (
                "il fait un temps horrible, déposez le colis au garage",
                false,
            ),
            ("merci, c'est parfait !", false),
            ("Das ist eine absolute Frechheit!!", true),
            ("Ich bin total genervt von eurem Service", true),
            ("ihr seid echt unfähig", true),
            ("na toll, schon wieder kein Internet", true),
            ("noch einmal und ich kündige und gehe zur Konkurrenz", true),
            ("Entschuldigung, wo ist meine Bestellung?", false),
            (
                "das Wetter ist furchtbar, bitte in die Garage stellen",
                false,
            ),
            ("danke, hat super geklappt!", false),
            ("isso é um absurdo, estou há dias sem internet", true),
            ("vocês são uns incompetentes", true),
            ("estou farto desse serviço", true),
            ("que ótimo, caiu de novo. parabéns", true),
            ("se acontecer de novo vou para a concorrência", true),
            ("desculpe incomodar, onde está meu pedido?", false),
            ("o filme foi péssimo kkkk, cadê a nota fiscal?", false),
            ("obrigado, ajudou muito!", false),
            ("è una vergogna, sono senza linea da una settimana", true),
            ("siete degli incompetenti", true),
            ("sono proprio stufo del vostro servizio", true),
            ("fantastico, di nuovo senza connessione. complimenti", true),
            ("se succede ancora passo alla concorrenza", true),
            ("scusate il disturbo, dov'è il mio ordine?", false),
            ("il film era orribile ahah, dove trovo la fattura?", false),
            ("grazie, perfetto!", false),
            ("dit is echt belachelijk, al een week geen internet", true),
            ("jullie zijn echt incompetent", true),
            ("ik ben het helemaal zat met jullie", true),
            ("geweldig, weer storing. bedankt hoor", true),
            ("nog één keer en ik stap over naar de concurrent", true),
            ("sorry voor het storen, waar is mijn bestelling?", false),
            ("het weer is vreselijk, zet het pakket in de schuur", false),
            ("bedankt, super geholpen!", false),
        ]);
    }
}
