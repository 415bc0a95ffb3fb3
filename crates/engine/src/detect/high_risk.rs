//! `high_risk`: requests a bot must not handle alone by policy — refunds above the
//! threshold (or of no stated amount), cancellations and closures, changes to login,
//! ownership, billing or payout details, fraud, and legal or compliance matters.
//!
//! Each rule pairs an action concept with its object inside a clause ("cancel" + a
//! subscription, "change" + the login email, "delete" + the account) and drops the hit
//! when the clause is a policy question, a self-service how-to, a hypothetical or a status
//! check ("how long do refunds take?", "how do I reset my password?", "if I cancel…").
use crate::decision::{Evidence, Reason, Trigger};
use crate::detect::amount;
use crate::normalize::{mask, Analysis, Concept as C};

/// Framing that turns an action word into a question about it.
const NOT_A_REQUEST: u128 = mask(&[C::How, C::Info, C::Hypo, C::SelfService]);

/// A rule that fired, with the tokens it rests on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Hit {
    pub(crate) rule: &'static str,
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) score: f32,
}

/// Labels one message for high risk under `threshold` (the policy's refund threshold).
pub(crate) fn detect(a: &Analysis<'_>, turn: u32, threshold: f64) -> Option<Reason> {
    let hit = find(a, threshold)?;
    Some(Reason {
        trigger: Trigger::HighRisk,
        evidence: Evidence {
            turn,
            span: Some(a.span(hit.from, hit.to)),
            rule: hit.rule.to_owned(),
            score: Some(hit.score),
        },
    })
}

/// The first rule that fires, strongest first.
pub(crate) fn find(a: &Analysis<'_>, threshold: f64) -> Option<Hit> {
    let amounts = amount::amounts(a);
    legal(a)
        .or_else(|| fraud(a, &amounts))
        .or_else(|| refund(a, &amounts, threshold))
        .or_else(|| cancel(a))
        .or_else(|| close(a))
        .or_else(|| change(a))
        .or_else(|| data_request(a))
}

fn hit(rule: &'static str, from: usize, to: usize) -> Hit {
    Hit {
        rule,
        from: from.min(to),
        to: from.max(to),
        score: 1.0,
    }
}

/// Whether the clause of token `i` asks about the action rather than for it.
fn framed_as_question(a: &Analysis<'_>, i: usize, extra: u128) -> bool {
    let (from, to) = a.clause_range(i);
    a.find(from, to, NOT_A_REQUEST | extra).is_some()
}

/// A negator in the three tokens before `i` ("I don't want a refund").
fn negated(a: &Analysis<'_>, i: usize) -> bool {
    let (from, _) = a.clause_range(i);
    a.find(i.saturating_sub(3).max(from), i, C::Neg.bit())
        .is_some()
}

fn legal(a: &Analysis<'_>) -> Option<Hit> {
    let i = a.find(0, a.tokens.len(), C::Legal.bit())?;
    let (from, to) = a.clause_range(i);
    if a.find(from, to, mask(&[C::How, C::Info])).is_some() {
        return None;
    }
    Some(hit("high_risk.legal", i, i))
}

fn fraud(a: &Analysis<'_>, amounts: &[amount::Amount]) -> Option<Hit> {
    let n = a.tokens.len();
    // Reporting fraud is high risk even as a how-to ("how do I report a fraudulent
    // charge?"); only a hypothetical ("what if my card is stolen?") is not.
    for i in 0..n {
        if a.has(i, C::Fraud) {
            let (from, to) = a.clause_range(i);
            if a.find(from, to, C::Hypo.bit()).is_none() {
                return Some(hit("high_risk.fraud", i, i));
            }
        }
        // "a strange payment", "an unknown debit", "payments I don't know where they came from".
        if a.has(i, C::Suspicious) {
            let (from, to) = a.sentence_range(i);
            let charge = a.find(
                i.saturating_sub(8).max(from),
                (i + 5).min(to),
                mask(&[C::Charge, C::Card]),
            );
            if let (Some(c), None) = (charge, a.find(from, to, C::Hypo.bit())) {
                return Some(hit("high_risk.unrecognised_charge", i, c));
            }
        }
    }
    // "a charge I don't recognise", "que je ne reconnais pas", "nie gemacht", "I never ordered".
    // The charge must be in the same sentence: "I don't remember my PIN" is no charge.
    let money = |i: usize| {
        let (from, to) = a.sentence_range(i);
        let (start, end) = (a.tokens[from].start, a.tokens[to - 1].end);
        a.find(from, to, mask(&[C::Charge, C::Card, C::Money]))
            .is_some()
            || amounts
                .iter()
                .any(|m| m.span.start >= start && m.span.end <= end)
    };
    for i in 0..n {
        if a.tokens[i].tags & mask(&[C::Recognise, C::Purchase]) != 0
            && money(i)
            && !framed_as_question(a, i, 0)
        {
            let (from, _) = a.clause_range(i);
            if let Some(neg) = a.rfind(i.saturating_sub(5).max(from), i, C::Neg.bit()) {
                return Some(hit("high_risk.unrecognised_charge", neg, i));
            }
        }
    }
    // A third party in the customer's account or card: "someone ordered with my account".
    for i in 0..n {
        if !a.has(i, C::Someone) || a.has(i, C::Real) {
            continue;
        }
        let (from, to) = a.clause_range(i);
        let asks = a
            .find(
                from,
                to,
                mask(&[
                    C::Want,
                    C::Please,
                    C::Modal,
                    C::Talk,
                    C::Call,
                    C::Transfer,
                    C::Callback,
                ]),
            )
            .is_some();
        let target = a.find(
            i + 1,
            (i + 8).min(to),
            mask(&[C::Account, C::SensitiveWeak, C::Sensitive, C::Card]),
        );
        if let (false, Some(t)) = (asks || framed_as_question(a, i, 0), target) {
            return Some(hit("high_risk.account_takeover", i, t));
        }
    }
    None
}

fn refund(a: &Analysis<'_>, amounts: &[amount::Amount], threshold: f64) -> Option<Hit> {
    // A status word ("where is my refund?") makes it a question unless the customer also
    // asks for it ("I want my refund, still waiting").
    let status_q = |i: usize| {
        let (from, to) = a.sentence_range(i);
        let asks = a.find(from, to, mask(&[C::Want, C::Please])).is_some();
        framed_as_question(a, i, if asks { 0 } else { C::Status.bit() })
    };
    let explicit =
        (0..a.tokens.len()).find(|&i| a.has(i, C::Refund) && !negated(a, i) && !status_q(i));
    // "I want my 300 back", "quero o dinheiro de volta", "devolvedme el dinero".
    let money_named = !amounts.is_empty() || a.any(C::Money);
    let back = || {
        (0..a.tokens.len()).find(|&i| {
            let cash_back = i > 0 && a.norm(i - 1) == "cash";
            if !a.has(i, C::Back) || cash_back || !money_named || negated(a, i) || status_q(i) {
                return false;
            }
            let (from, to) = a.sentence_range(i);
            let opens = (from..i).all(|k| a.tokens[k].tags & mask(&[C::Filler, C::Please]) != 0);
            opens
                || a.norm(i).len() >= 7
                || a.find(from, to, mask(&[C::Want, C::Please, C::Modal]))
                    .is_some()
        })
    };
    let i = explicit.or_else(back)?;
    match amounts.iter().max_by(|x, y| x.value.total_cmp(&y.value)) {
        None => Some(hit("high_risk.refund_no_amount", i, i)),
        Some(m) if m.value > threshold => {
            let mut h = hit("high_risk.refund_over_threshold", i, i);
            // Widen the evidence to the amount.
            let k = a.tokens.partition_point(|t| t.end <= m.span.start);
            h.from = h.from.min(k);
            h.to = h.to.max(k.min(a.tokens.len().saturating_sub(1)));
            Some(h)
        }
        Some(_) => None,
    }
}

fn cancel(a: &Analysis<'_>) -> Option<Hit> {
    let n = a.tokens.len();
    for i in 0..n {
        if a.tokens[i].tags & mask(&[C::Cancel, C::CancelPast]) == 0
            || negated(a, i)
            || framed_as_question(a, i, 0)
        {
            continue;
        }
        let (from, to) = a.clause_range(i);
        // German and Dutch put the verb last ("mein Abo zum Monatsende kündigen").
        let lo = i.saturating_sub(8).max(from);
        let hi = (i + 7).min(to);
        let nearest = |m: u128| {
            (lo..hi)
                .filter(|&k| a.tokens[k].tags & m != 0)
                .min_by_key(|&k| k.abs_diff(i))
        };
        let harmless = nearest(C::Newsletter.bit());
        match (nearest(mask(&[C::Contract, C::Account])), harmless) {
            (Some(o), Some(h)) if h.abs_diff(i) < o.abs_diff(i) => continue,
            (Some(o), _) => return Some(hit("high_risk.cancellation", i, o)),
            (None, Some(_)) => continue,
            (None, None) => {}
        }
        if a.has(i, C::CancelPast)
            && a.find(from, to, mask(&[C::Want, C::Please, C::Modal]))
                .is_none()
        {
            // "my flight was cancelled" reports; "I need my order cancelled" asks.
            continue;
        }
        // No object: only a direct request ("cancel it", "please cancel").
        let first_word = (from..i).all(|k| a.tokens[k].tags & mask(&[C::Filler, C::Please]) != 0);
        let asked = a
            .find(from, to, mask(&[C::Want, C::Please, C::Modal]))
            .is_some();
        if first_word || asked {
            return Some(hit("high_risk.cancellation", i, i));
        }
    }
    None
}

fn close(a: &Analysis<'_>) -> Option<Hit> {
    let n = a.tokens.len();
    for i in 0..n {
        if !a.has(i, C::Close) || negated(a, i) || framed_as_question(a, i, 0) {
            continue;
        }
        let (from, to) = a.clause_range(i);
        // German and Dutch put the verb last: look further back than forward; "delete it"
        // may point back at an account named earlier in the sentence.
        let lo = i.saturating_sub(8).max(from);
        let hi = (i + 7).min(to);
        let (s_from, s_to) = a.sentence_range(i);
        let pronoun = a.find(lo, hi, C::Account.bit()).or_else(|| {
            let it = matches!(
                a.norm((i + 1).min(n - 1)),
                "it" | "lo" | "la" | "le" | "es" | "het"
            );
            a.find(s_from, i, C::Account.bit())
                .filter(|_| it && s_to > 0)
        });
        if let Some(o) = pronoun {
            return Some(hit("high_risk.close_account", i, o));
        }
        if let Some(o) = a.find(lo, hi, C::Data.bit()) {
            return Some(hit("high_risk.data_erasure", i, o));
        }
    }
    None
}

fn change(a: &Analysis<'_>) -> Option<Hit> {
    let n = a.tokens.len();
    for s in 0..n {
        let strong = a.has(s, C::Sensitive);
        if !(strong || a.has(s, C::SensitiveWeak)) || framed_as_question(a, s, 0) {
            continue;
        }
        let (from, to) = a.clause_range(s);
        // Login, bank and ownership details: any change verb in the clause, or "new IBAN".
        // An email, card or address: only a change verb right next to it.
        // "open a new bank account" is no change to an existing one.
        let opening = (from..to).any(|k| {
            matches!(
                a.norm(k),
                "open" | "opening" | "abrir" | "ouvrir" | "eroffnen" | "aprire" | "openen" | "set"
            )
        });
        let (lo, hi, verbs) = if strong && !opening {
            (
                s.saturating_sub(10).max(from),
                (s + 8).min(to),
                mask(&[C::Change, C::Reset, C::New]),
            )
        } else {
            (
                s.saturating_sub(4).max(from),
                (s + 6).min(to),
                mask(&[C::Change, C::Reset]),
            )
        };
        if let Some(v) = a.find(lo, hi, verbs) {
            if !negated(a, v) {
                return Some(hit("high_risk.account_change", v, s));
            }
        }
    }
    // Ownership: a contract or account put in someone else's name.
    if let Some(o) = a.find(0, n, C::Owner.bit()) {
        let (from, to) = a.sentence_range(o);
        let asked = a
            .find(
                from,
                to,
                mask(&[C::Change, C::Transfer, C::Want, C::Please, C::Modal]),
            )
            .is_some();
        let question = a.find(from, to, NOT_A_REQUEST).is_some();
        if let (Some(x), true, false) = (
            a.find(from, to, mask(&[C::Contract, C::Account])),
            asked,
            question,
        ) {
            return Some(hit("high_risk.ownership_change", o, x));
        }
    }
    // A standing instruction to pay out elsewhere: "from now on pay into my other account".
    if let Some(h) = a.find(0, n, C::Henceforth.bit()) {
        let acct = a.find(0, n, mask(&[C::Account, C::Sensitive]));
        let money = a.find(0, n, mask(&[C::Charge, C::Sensitive, C::Refund]));
        if let (Some(x), Some(_)) = (acct, money) {
            return Some(hit("high_risk.payout_change", h, x));
        }
    }
    None
}

fn data_request(a: &Analysis<'_>) -> Option<Hit> {
    let n = a.tokens.len();
    for d in 0..n {
        // "where" / "who" belong to the request here ("tell me where you got my data"):
        // only policy questions, hypotheticals and self-service turn it into a question.
        let (cf, ct) = a.clause_range(d);
        let self_service = mask(&[C::Info, C::Hypo, C::SelfService]);
        if !a.has(d, C::Data) || a.find(cf, ct, self_service).is_some() {
            continue;
        }
        let (from, to) = a.sentence_range(d);
        let lo = d.saturating_sub(8).max(from);
        let hi = (d + 8).min(to);
        if let Some(v) = a.find(lo, hi, mask(&[C::Send, C::Want])) {
            return Some(hit("high_risk.data_access", v, d));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cases: &[(&str, bool)]) {
        let mut wrong = Vec::new();
        for &(text, want) in cases {
            let got = find(&Analysis::new(text), 100.0);
            if got.is_some() != want {
                wrong.push(format!("{text:?}: want {want}, got {got:?}"));
            }
        }
        assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    }

    #[test]
    fn risky_requests() {
        check(&[
            ("I want my money back for the 450 dollar blender", true),
            ("please refund my order", true),
            ("end my membership today and close the account", true),
            ("Quiero darme de baja del gimnasio, cancelen mi contrato", true),
            ("merci de clôturer mon compte", true),
            ("Bitte ändern Sie die Rechnungsadresse auf meine neue Adresse", true),
            ("alguém usou o meu cartão, não reconheço esta compra de 300 reais", true),
            ("ho subito una truffa, la carta è stata clonata", true),
            ("ik wil een kopie van alle persoonsgegevens die jullie van mij hebben, graag opsturen", true),
            ("my attorney will contact you", true),
            ("Ich verlange die Erstattung von dreihundert Euro", true),
        ]);
    }

    #[test]
    fn not_risky() {
        check(&[
            ("how long does a refund usually take?", false),
            ("what is the cancellation policy for annual plans?", false),
            ("how can I change my password myself?", false),
            ("could you refund the €8 delivery fee?", false),
            (
                "unsubscribe me from the newsletter, cancel the emails please",
                false,
            ),
            ("¿cómo cambio la contraseña desde la app?", false),
            ("si cancelo el pedido, ¿qué pasa con el cupón?", false),
            ("wo finde ich meine Rechnung?", false),
            ("Quanto tempo demora o reembolso?", false),
            ("le colis est arrivé, merci", false),
        ]);
    }

    /// Held-out style sentences written for these tests (not from the dev data), in all
    /// seven languages, positives and hard negatives mixed.
    #[test]
    fn seven_languages_table() {
        check(&[
            (
                "Please refund the $350 I paid for the cancelled concert",
                true,
            ),
            ("I want my money back for this broken TV", true),
            ("refund me for order 88231, it never arrived", true),
            ("cancel my gym membership from next month", true),
            ("please close my account permanently", true),
            (
                "Can you change the email on my account to tom@example.com?",
                true,
            ),
            ("I need to update my bank details for payouts", true),
            ("someone stole my card and used it online", true),
            ("there's a $640 charge I don't recognise", true),
            ("I will take legal action if this isn't sorted", true),
            ("Under GDPR please delete all my personal data", true),
            ("I'm filing a chargeback with my bank", true),
            ("how long will my refund take?", false),
            ("what's your return policy?", false),
            ("can you refund the $15 shipping fee?", false),
            ("how do I change my password?", false),
            ("where can I update my delivery address myself?", false),
            ("my parcel is late, any news?", false),
            ("can I cancel the SMS notifications?", false),
            ("what happens if my card gets stolen abroad?", false),
            ("quiero que me reembolsen los 450 euros", true),
            ("cancelen mi suscripción, por favor", true),
            ("quiero cerrar mi cuenta definitivamente", true),
            ("cambien el correo de acceso de mi cuenta, por favor", true),
            ("me han robado la tarjeta y hay compras que no hice", true),
            ("voy a poner una denuncia y hablar con mi abogado", true),
            ("hay un cargo de 89,99 € que no reconozco", true),
            ("¿cuánto tarda un reembolso?", false),
            ("¿cómo cambio mi contraseña?", false),
            ("¿me devuelven los 5 euros del envío?", false),
            ("¿dónde está mi pedido?", false),
            ("je veux être remboursé de 300 euros", true),
            ("résiliez mon abonnement internet svp", true),
            ("supprimez mon compte et mes données", true),
            ("merci de changer mon IBAN pour les prélèvements", true),
            (
                "ma carte a été volée, il y a des achats que je n'ai pas faits",
                true,
            ),
            ("je vais saisir un avocat", true),
            ("quel est le délai de remboursement ?", false),
            ("comment modifier mon mot de passe ?", false),
            ("pouvez-vous me rembourser les 4 € de frais ?", false),
            ("mon colis est en retard", false),
            ("Ich will mein Geld zurück, 500 Euro", true),
            ("Bitte kündigen Sie meinen Vertrag zum Monatsende", true),
            ("löschen Sie bitte mein Konto", true),
            ("bitte ändern Sie meine Bankverbindung", true),
            ("Meine Karte wurde gestohlen", true),
            ("Ich schalte meinen Anwalt ein", true),
            ("da ist eine Abbuchung, die ich nicht kenne", true),
            ("Wie lange dauert eine Erstattung?", false),
            ("Wie ändere ich mein Passwort?", false),
            ("könnt ihr mir die 3 € Versand erstatten?", false),
            ("Wo ist mein Paket?", false),
            ("quero o reembolso dos 200 reais", true),
            ("cancelem minha assinatura", true),
            ("quero excluir minha conta", true),
            ("alterem o email da minha conta por favor", true),
            ("meu cartão foi clonado", true),
            ("vou processar vocês", true),
            ("tem uma cobrança que eu não reconheço", true),
            ("quanto tempo demora o reembolso?", false),
            ("como altero minha senha?", false),
            ("podem devolver os 10 reais do frete?", false),
            ("onde está meu pedido?", false),
            ("voglio il rimborso di 250 euro", true),
            ("disdite il mio abbonamento", true),
            ("chiudete il mio account", true),
            ("cambiate l'iban per i pagamenti", true),
            ("mi hanno rubato la carta", true),
            ("mi rivolgerò a un avvocato", true),
            ("c'è un addebito che non riconosco", true),
            ("quanto ci vuole per un rimborso?", false),
            ("come cambio la password?", false),
            ("mi rimborsate i 6 euro di spedizione?", false),
            ("dov'è il mio ordine?", false),
            ("ik wil mijn geld terug, 300 euro", true),
            ("zeg mijn abonnement op", true),
            ("verwijder mijn account", true),
            ("wijzig mijn rekeningnummer voor de incasso", true),
            ("mijn pas is gestolen", true),
            ("ik stap naar een advocaat", true),
            ("er staat een afschrijving die ik niet herken", true),
            ("hoe lang duurt een terugbetaling?", false),
            ("hoe wijzig ik mijn wachtwoord?", false),
            ("kunnen jullie de 5 euro verzendkosten terugbetalen?", false),
            ("waar is mijn pakket?", false),
        ]);
    }
}
