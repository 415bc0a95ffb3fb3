//! Detectors: each is a pure function of the turn, the history and the policy, returning
//! a `Reason` with evidence when it fires.
use serde::{Deserialize, Serialize};

use crate::conversation::Turn;
use crate::decision::{Reason, Trigger};
use crate::policy::Policy;

pub(crate) mod amount;
mod confidence;
pub(crate) mod frustration;
pub(crate) mod high_risk;
pub(crate) mod human_request;
pub(crate) mod restatement;
pub(crate) mod topic;

pub(crate) use restatement::Relation;

/// What a conversation is about, for routing and the summary.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Charges, invoices, refunds, payment methods.
    Billing,
    /// Errors, integrations, bugs, how the product works.
    Technical,
    /// Login, password, profile, ownership, closure.
    Account,
    /// Delivery, tracking, returns logistics.
    Shipping,
    /// Anything else.
    #[default]
    General,
}

/// The per-message labels `baton classify` prints.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Labels {
    /// Evidence of a request for a human, if any.
    pub human_request: Option<Reason>,
    /// Evidence of a high-risk request, if any.
    pub high_risk: Option<Reason>,
    /// Evidence of frustration, if any.
    pub frustration: Option<Reason>,
}

/// Read-only view of the conversation so far, for detectors that look back.
pub(crate) struct History<'a> {
    turns: &'a [Turn],
}

impl<'a> History<'a> {
    pub(crate) fn new(turns: &'a [Turn]) -> Self {
        History { turns }
    }

    #[allow(dead_code)] // used by the detectors as they land
    pub(crate) fn turns(&self) -> &'a [Turn] {
        self.turns
    }
}

/// Labels one message on its own, as `baton classify` does (turn 0, no history).
pub fn classify(text: &str, policy: &Policy) -> Labels {
    let a = crate::normalize::Analysis::new(text);
    Labels {
        human_request: human_request::detect(&a, 0),
        high_risk: high_risk::detect(&a, 0, policy.refund_threshold),
        frustration: frustration::detect(&a, 0),
    }
}

/// Whether two customer messages state the same problem (the restatement detector):
/// the same problem in other words is `true`; a different request that shares most of
/// its words ("cancel my order" / "change my order") is `false`.
pub fn same_problem(a: &str, b: &str) -> bool {
    restatement::same_problem(a, b)
}

/// Largest money amount stated in one message, in the text's own units.
pub(crate) fn largest_amount(text: &str) -> Option<f64> {
    let text = hide_masked_digits(text);
    amount::largest(&crate::normalize::Analysis::new(&text)).map(|m| m.value)
}

/// The last digits a redaction mask keeps (`[card •••• 1111]`, `[IBAN ••00]`) are there for
/// the agent, not for detectors: read as numbers they would become a refund amount ("refund
/// to [card •••• 4000]"). They turn into `•` here, one character for one, so evidence spans
/// still point into the stored text. Client and server both see the redacted text, so both
/// read it the same way.
fn hide_masked_digits(text: &str) -> std::borrow::Cow<'_, str> {
    const MASKS: [&str; 2] = ["[card •", "[IBAN •"];
    if !MASKS.iter().any(|m| text.contains(m)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some((at, m)) = MASKS
        .iter()
        .filter_map(|m| rest.find(m).map(|at| (at, *m)))
        .min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at + m.len()]);
        rest = &rest[at + m.len()..];
        let end = rest.find(']').unwrap_or(rest.len());
        out.extend(
            rest[..end]
                .chars()
                .map(|c| if c.is_ascii_digit() { '•' } else { c }),
        );
        rest = &rest[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Frustration evidence at or under this score (about 5 anger points on the frustration
/// detector's scale: several cues, not one word read as sarcasm) stands even when the
/// customer also says the answer worked.
const STRONG_ANGER: f32 = -0.72;

/// The customer says the last answer worked, and nothing in the message says it failed.
fn content_with_answer(cues: restatement::Cues) -> bool {
    use restatement::Cues;
    cues.has(Cues::RESOLVED)
        && !cues.has(Cues::FAILED)
        && !cues.has(Cues::AGAIN)
        && !cues.has(Cues::REBUTTAL)
}

/// Sentiment at or under which a message reads as anger.
const ANGER: f32 = -0.5;
/// Sentiment at or under which a message reads as irritation (a mild sign).
const IRRITATION: f32 = -0.15;
/// Customer sentiments remembered for the trend rule.
const MOOD_WINDOW: usize = 4;

/// What the detectors that look back remember of one conversation. Small by design
/// (one open problem, a few sentiment scores): it is part of every conversation's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Memory {
    /// The customer's open problem, for restatement.
    pub(crate) threads: restatement::Threads,
    /// Sentiment of the last customer turns, oldest first.
    mood: Vec<f32>,
}

/// What one customer turn amounts to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CustomerVerdict {
    /// Triggers that fired, strongest first: escalate if not empty.
    pub(crate) reasons: Vec<Reason>,
    /// A softer signal worth offering a human for (once), when nothing fired.
    pub(crate) soft: Option<Reason>,
    /// Sentiment of this turn.
    pub(crate) sentiment: f32,
    /// How the turn relates to the open problem.
    pub(crate) relation: Relation,
    /// Topic of this message alone.
    pub(crate) topic: Topic,
    /// Largest money amount stated in this message.
    pub(crate) amount: Option<f64>,
}

/// Every trigger that fires on customer turn `turn`: the per-message detectors
/// (human request, high risk, one-message frustration) plus the conversation-level ones
/// (restatement, the falling-trend frustration rule), strongest first.
pub(crate) fn customer_turn(
    turn: u32,
    history: &History<'_>,
    policy: &Policy,
    memory: &mut Memory,
) -> CustomerVerdict {
    let text = hide_masked_digits(history.turns().last().map_or("", |t| t.text.as_str()));
    let text = text.as_ref();
    let a = crate::normalize::Analysis::new(text);
    let mut reasons: Vec<Reason> = [
        human_request::detect(&a, turn),
        high_risk::detect(&a, turn, policy.refund_threshold),
        frustration::detect(&a, turn),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut score = frustration::sentiment(&a);
    let (relation, restated) = memory.threads.customer(turn, text);
    reasons.extend(restated);
    if content_with_answer(memory.threads.last_cues()) {
        // "Great.", "Perfect, I'll do that", "makes sense, this helped": a customer who
        // says the answer worked is not angry at the service; one weak cue (a word read
        // as sarcasm) does not outweigh that. Strong anger still fires.
        reasons.retain(|r| {
            r.trigger != Trigger::Frustration || r.evidence.score.is_some_and(|s| s <= STRONG_ANGER)
        });
        score = score.max(0.0);
    }
    let soft = mood(turn, score, memory, &mut reasons);
    sort_strongest_first(&mut reasons);
    CustomerVerdict {
        reasons,
        soft,
        sentiment: score,
        relation,
        topic: topic::topic(&a),
        amount: amount::largest(&a).map(|m| m.value),
    }
}

/// The falling-trend rule: calm → irritated → angry fires at the angry turn; a first mild
/// sign is only worth an offer. Returns the soft signal, pushes a fired reason.
fn mood(turn: u32, score: f32, memory: &mut Memory, reasons: &mut Vec<Reason>) -> Option<Reason> {
    let was_irritated = memory.mood.iter().any(|&s| s <= IRRITATION);
    if memory.mood.len() == MOOD_WINDOW {
        memory.mood.remove(0);
    }
    memory.mood.push(score);
    let already = reasons.iter().any(|r| r.trigger == Trigger::Frustration);
    let reason = |rule: &str| Reason {
        trigger: Trigger::Frustration,
        evidence: crate::decision::Evidence {
            turn,
            span: None,
            rule: rule.to_owned(),
            score: Some(score),
        },
    };
    if score <= ANGER && was_irritated && !already {
        reasons.push(reason("frustration.trend"));
        return None;
    }
    (score <= IRRITATION && score > ANGER).then(|| reason("frustration.mild"))
}

/// Orders reasons strongest first: a person asked for beats policy, which beats anger,
/// which beats a failing bot. Stable, so equal triggers keep detection order.
fn sort_strongest_first(reasons: &mut [Reason]) {
    let rank = |t: Trigger| match t {
        Trigger::HumanRequest => 0,
        Trigger::HighRisk => 1,
        Trigger::Frustration => 2,
        Trigger::Restatement => 3,
        Trigger::LowConfidence => 4,
    };
    reasons.sort_by_key(|r| rank(r.trigger));
}

/// Every trigger that fires on the bot candidate at `turn` (the confidence gate). A shown
/// answer that states facts counts as an attempt on the customer's open problem.
pub(crate) fn bot_turn(
    turn: u32,
    history: &History<'_>,
    policy: &Policy,
    memory: &mut Memory,
) -> Vec<Reason> {
    let Some(candidate) = history.turns().last().and_then(|t| t.candidate.as_ref()) else {
        return Vec::new();
    };
    if let Some(reason) = confidence::gate(turn, candidate, policy) {
        return vec![reason];
    }
    if candidate.grounded.is_some() {
        memory.threads.bot_answered();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_with_answer_table() {
        // (message, the customer says the answer worked and nothing failed)
        let table: &[(&str, bool)] = &[
            ("Perfect, I'll add it under Manage booking.", true),
            ("Great. Just to confirm, is the return free?", true),
            (
                "Génial, merci ! Dernière chose : le jeu est en français ?",
                true,
            ),
            (
                "Makes sense now, thank you. I hate reading bills but this helped.",
                true,
            ),
            (
                "Oh great, another 'check our FAQ' answer. Thanks for nothing.",
                false,
            ),
            ("Great, another useless answer.", false),
            ("Thanks, but it still doesn't work.", false),
            ("Perfect. Just perfect. Still no parcel.", false),
            ("my parcel hasn't arrived", false),
        ];
        for &(text, want) in table {
            let mut threads = restatement::Threads::default();
            threads.customer(0, text);
            assert_eq!(content_with_answer(threads.last_cues()), want, "{text:?}");
        }
    }

    /// What the human-request, high-risk and frustration detectors say about one message.
    fn detectors_say(text: &str) -> (bool, bool, bool) {
        let human = human_request::find(&crate::normalize::Analysis::new(text)).is_some();
        let risk = high_risk::find(&crate::normalize::Analysis::new(text), 100.0).is_some();
        let angry = frustration::mood(&crate::normalize::Analysis::new(text)).anger
            >= frustration::THRESHOLD;
        (human, risk, angry)
    }

    /// Held-out style sentences written for these tests (not from the dev data), in all
    /// seven languages, positives and hard negatives mixed; one table for the three
    /// detectors so a sentence and what each of them should say about it stay together.
    #[test]
    fn mixed_messages_table() {
        // (message, asks for a human, high risk, frustrated)
        let table: &[(&str, bool, bool, bool)] = &[
            ("Could you escalate my case to a team leader?", true, false, false),
            ("I'd prefer to deal with a person on this one", true, false, false),
            ("transfer to live chat agent", true, false, false),
            ("ok let me talk to your colleague then", true, false, false),
            ("I'm an insurance agent, do you offer group plans?", false, false, false),
            ("great, thanks for the help!", false, false, false),
            ("my agent at the bank said I should ask you", false, false, false),
            ("oye, ¿me pasas con alguien que sepa?", true, false, false),
            ("prefiero tratarlo con una persona", true, false, false),
            ("que me llame alguien de soporte, porfa", true, false, false),
            ("no quiero hablar con nadie, solo dime el precio", false, false, false),
            ("el técnico vino ayer y lo arregló", false, false, false),
            ("je voudrais avoir quelqu'un au bout du fil", true, false, false),
            ("rappelez-moi svp, c'est urgent", true, false, false),
            ("mettez-moi en relation avec le service réclamations", true, false, false),
            ("pas la peine de me rappeler, tout est réglé", false, false, false),
            ("le technicien est passé ce matin, merci", false, false, false),
            ("ich will jetzt sofort einen Ansprechpartner", true, false, false),
            ("Bitte leiten Sie mich an die Buchhaltung weiter", true, false, false),
            ("gibt es jemanden, mit dem ich reden kann?", true, false, false),
            ("Danke, der Techniker war schon da", false, false, false),
            ("Ich brauche keinen Rückruf", false, false, false),
            ("quero conversar com um humano", true, false, false),
            ("me coloca em contato com o gerente", true, false, false),
            ("alguém pode me atender?", true, false, false),
            ("não precisa me ligar, obrigado", false, false, false),
            ("voglio parlare con una persona vera", true, false, false),
            ("mi fate chiamare da un tecnico?", true, false, false),
            ("posso avere un operatore al telefono?", true, false, false),
            ("il tecnico è passato stamattina", false, false, false),
            ("ik wil iemand aan de telefoon", true, false, false),
            ("verbind me door met een mens alsjeblieft", true, false, false),
            ("kan ik een medewerker spreken over mijn factuur?", true, false, false),
            ("je hoeft me niet te bellen", false, false, false),
            ("I'd like a refund for the flight, it was £780", false, true, false),
            ("terminate my contract effective today", false, true, false),
            ("remove my card details from your system and delete my profile", false, true, false),
            ("my account has been compromised", false, true, false),
            ("I didn't authorise this payment of 55 dollars", false, true, false),
            ("please transfer ownership of the account to my wife", false, true, false),
            ("can I get a refund of 20 euros for the late delivery?", false, false, false),
            ("do you offer refunds on sale items?", false, false, false),
            ("quiero darme de baja del servicio", false, true, false),
            ("devuélvanme los 1.200 pesos", false, true, false),
            ("alguien hackeó mi cuenta", false, true, false),
            ("¿cuál es su política de devoluciones?", false, false, false),
            ("annulez ma commande, je l'ai déjà payée", false, true, false),
            ("je conteste ce prélèvement de 230 €", false, true, false),
            ("quelqu'un a piraté mon compte", false, true, false),
            ("comment annuler une commande moi-même ?", false, false, false),
            ("Ich möchte meine Mitgliedschaft kündigen", false, true, false),
            ("Bitte überweisen Sie mir die 700 Euro zurück", false, true, false),
            ("Jemand hat mein Passwort geändert, ich komme nicht mehr rein", false, true, false),
            ("Wie kann ich meine Bestellung stornieren?", false, false, false),
            ("quero cancelar meu plano", false, true, false),
            ("devolvam meu dinheiro, 400 reais", false, true, false),
            ("recebi uma cobrança que não fiz", false, true, false),
            ("qual é a política de reembolso?", false, false, false),
            ("voglio chiudere il conto", false, true, false),
            ("restituitemi i 500 euro", false, true, false),
            ("qualcuno ha usato la mia carta senza permesso", false, true, false),
            ("qual è la politica di reso?", false, false, false),
            ("ik wil mijn lidmaatschap opzeggen", false, true, false),
            ("stort de 250 euro terug", false, true, false),
            ("iemand heeft ingelogd op mijn account", false, true, false),
            ("wat is jullie retourbeleid?", false, false, false),
            ("honestly this is a joke, nothing works", false, false, true),
            ("are you kidding me?? AGAIN??", false, false, true),
            ("I've had it with your useless app", false, false, true),
            ("unacceptable. I'm furious.", false, false, true),
            ("sorry if this is a dumb question, how do I log in?", false, false, false),
            ("qué desastre de empresa, de verdad", false, false, true),
            ("ya estoy harto, siempre lo mismo", false, false, true),
            ("disculpa, ¿cuándo llega mi pedido?", false, false, false),
            ("c'est honteux, personne ne répond jamais", false, false, true),
            ("vous vous moquez de moi ?!", false, false, true),
            ("excusez-moi, une petite question sur ma facture", false, false, false),
            ("das ist doch lächerlich!!", false, false, true),
            ("ich bin stinksauer auf euren Laden", false, false, true),
            ("sorry für die Störung, kurze Frage zur Lieferung", false, false, false),
            ("que palhaçada é essa?", false, false, true),
            ("já estou cansado de reclamar", false, false, true),
            ("com licença, qual o prazo de entrega?", false, false, false),
            ("ma state scherzando?!", false, false, true),
            ("basta, mi avete stancato", false, false, true),
            ("scusa, quando arriva il pacco?", false, false, false),
            ("wat een schande dit", false, false, true),
            ("ik word hier gek van", false, false, true),
            ("excuses voor de vraag, wanneer komt mijn pakket?", false, false, false),
            ("look, I appreciate the bot, but this needs a human touch. who can I speak with?", true, false, false),
            ("Is it possible for one of your specialists to give me a ring tomorrow morning?", true, false, false),
            ("SERIOUSLY just connect me to someone already", true, false, true),
            ("I need a member of your team to help me close my late father's account", true, true, false),
            ("your agent Maria was lovely on the phone yesterday, just confirming the delivery date", false, false, false),
            ("we're a travel agency, can we book group tickets through you?", false, false, false),
            ("that's the last straw, I'm cancelling my subscription today", false, true, true),
            ("wow, just wow. another week without hot water", false, false, true),
            ("there are two withdrawals from my account I never made, total $900", false, true, false),
            ("my refund of $45 came through, thanks!", false, false, false),
            ("¿Habría alguna forma de hablar directamente con un gestor?", true, false, false),
            ("me gustaría que un técnico me llamara para revisar la instalación", true, false, false),
            ("mi gestor del banco me dijo que os escribiera", false, false, false),
            ("por favor, eliminad mi perfil y todos mis datos", false, true, false),
            ("vaya servicio más malo, tres días esperando y ni una respuesta", false, false, true),
            ("cámbienme el IBAN de la domiciliación, por favor", false, true, false),
            ("J'aimerais être recontacté par un conseiller clientèle", true, false, false),
            ("je souhaite résilier mon forfait mobile", false, true, false),
            ("bon sang, ça fait trois fois que je vous explique !", false, false, true),
            ("mon conseiller bancaire m'a dit de vous contacter pour la facture", false, false, false),
            ("remboursez-moi les 150 euros, le produit est défectueux", false, true, false),
            ("Könnte mich ein Kollege aus dem Vertrieb zurückrufen?", true, false, false),
            ("Ich möchte mein Abo zum nächstmöglichen Termin kündigen", false, true, false),
            ("Zum dritten Mal: Die Lieferung ist unvollständig!", false, false, true),
            ("mein Berater bei der Bank hat gesagt, ich soll mich hier melden", false, false, false),
            ("Auf meiner Kreditkarte ist eine Zahlung über 320 €, die ich nicht autorisiert habe", false, true, false),
            ("dá pra falar com algum atendente de carne e osso?", true, false, false),
            ("quero encerrar minha conta", false, true, false),
            ("que serviço horrível, ninguém resolve nada", false, false, true),
            ("o atendente de ontem foi muito educado, obrigado", false, false, false),
            ("troquem o e-mail de login da minha conta, por favor", false, true, false),
            ("sarebbe possibile parlare con un addetto?", true, false, false),
            ("vorrei disdire il contratto della luce", false, true, false),
            ("siete proprio dei dilettanti, tre settimane per una consegna", false, false, true),
            ("il mio consulente finanziario mi ha consigliato di scrivervi", false, false, false),
            ("voglio che mi restituiate i 180 euro", false, true, false),
            ("graag contact met een klantenservicemedewerker", true, false, false),
            ("ik wil mijn account laten verwijderen", false, true, false),
            ("dit is al de derde keer dat ik bel, schandalig", false, false, true),
            ("mijn adviseur bij de bank zei dat ik jullie moest mailen", false, false, false),
            ("er is geld van mijn rekening gehaald zonder dat ik iets gekocht heb", false, true, false),
            ("hey quick one - is there somebody in sales i could have a word with about bulk pricing?", true, false, false),
            ("pls get a human on this, the answers dont match my problem", true, false, false),
            ("do you have humans working weekends or is it all automated?", false, false, false),
            ("I used to work as a support agent myself haha, anyway where's my invoice", false, false, false),
            ("I DEMAND TO SPEAK TO YOUR SUPERVISOR", true, false, true),
            ("hi, please stop my monthly plan and close the account, moving overseas", false, true, false),
            ("so I've now wasted my whole lunch break on this chat. brilliant.", false, false, true),
            ("I wasn't the one who bought those AirPods on my card last night", false, true, false),
            ("buenas, ¿podría hablar con alguien del departamento comercial?", true, false, false),
            ("llevo media hora aquí y nada, qué pérdida de tiempo", false, false, true),
            ("quiero anular el pedido 4452, ya está pagado", false, true, false),
            ("mi hermano trabaja de agente de seguros y me recomendó esta tienda", false, false, false),
            ("bonjour, je souhaiterais qu'un technicien me contacte pour l'installation", true, false, false),
            ("encore raté, franchement vous êtes des guignols", false, false, true),
            ("je voudrais fermer définitivement mon compte client", false, true, false),
            ("c'est possible de parler de la garantie ici ?", false, false, false),
            ("hallo, kann ich bitte jemanden vom Support sprechen?", true, false, false),
            ("langsam platzt mir echt der Kragen mit euch", false, false, true),
            ("Bitte erstatten Sie mir den vollen Kaufpreis zurück", false, true, false),
            ("Mein Kollege hat die Bestellung aufgegeben, wann kommt sie?", false, false, false),
            ("olá, preciso falar com um responsável da loja", true, false, false),
            ("mais uma vez sem internet, vocês são uma piada", false, false, true),
            ("quero o estorno da compra de 350 reais", false, true, false),
            ("meu chefe pediu a nota fiscal em nome da empresa", false, false, false),
            ("buongiorno, mi passate l'ufficio reclami?", true, false, false),
            ("ancora niente, siete ridicoli", false, false, true),
            ("vi chiedo di cancellare il mio account e tutti i miei dati", false, true, false),
            ("il mio capo vuole la fattura intestata alla ditta", false, false, false),
            ("goedemiddag, ik wil graag iemand spreken over mijn contract", true, false, false),
            ("ongelofelijk, weer niet geleverd. wat een zooi", false, false, true),
            ("graag mijn abonnement per direct beëindigen", false, true, false),
            ("mijn baas wil een factuur op naam van het bedrijf", false, false, false),
        ];
        let mut wrong = Vec::new();
        for &(text, human, risk, angry) in table {
            let got = detectors_say(text);
            if got != (human, risk, angry) {
                wrong.push(format!(
                    "{text:?}: want (human, risk, angry) = {:?}, got {got:?}",
                    (human, risk, angry)
                ));
            }
        }
        // Not asserted for the human-request detector (the table above never was either).
        let text = "hello?? anyone there who isn't a robot";
        let (_, risk, angry) = detectors_say(text);
        if (risk, angry) != (false, false) {
            wrong.push(format!(
                "{text:?}: want (risk, angry) = (false, false), got {:?}",
                (risk, angry)
            ));
        }
        assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    }
}
