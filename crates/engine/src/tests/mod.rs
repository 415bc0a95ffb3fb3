//! Conversation-level tests: each rule of `Conversation` as a table of scripts (our own
//! sentences, hard negatives included), replayed twice to prove determinism.
mod util;

use crate::bundle::AttemptOutcome;
use crate::conversation::{Feedback, Phase};
use crate::decision::{Decision, Trigger};
use crate::policy::Policy;
use util::{b, c, first_escalation, Ev, Script};

fn policy() -> Policy {
    Policy {
        confidence_threshold: 0.6,
        ..Policy::default()
    }
}

/// (name, script, expected first escalation: event index and a trigger it must carry)
type Case = (&'static str, Vec<Ev>, Option<(usize, Trigger)>);

fn check(cases: Vec<Case>) {
    for (name, events, want) in cases {
        let decisions = Script::replay(&policy(), &events);
        let got = first_escalation(&decisions);
        match (want, &got) {
            (None, None) => {}
            (Some((at, trigger)), Some((i, triggers)))
                if at == *i && triggers.contains(&trigger) => {}
            _ => panic!("{name}: want {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn restatement_table() {
    check(vec![
        (
            "third statement after two answers",
            vec![
                c("My invoices keep going to my old email address."),
                b("You can change the billing email under Settings > Billing."),
                c("I changed it there yesterday, the invoice still went to the old address."),
                b("Changes take effect from the next invoice run on the 1st."),
                c("It's the 3rd and the new invoice still landed in the old inbox."),
            ],
            Some((4, Trigger::Restatement)),
        ),
        (
            "didn't help counts as a statement",
            vec![
                c("The printer app won't find my printer."),
                b("Make sure the printer and phone are on the same Wi-Fi network."),
                c("That didn't help."),
                b("Restart the printer and hold the Wi-Fi button for five seconds."),
                c("Restarted it and held the button, the app still can't see the printer."),
            ],
            Some((4, Trigger::Restatement)),
        ),
        (
            "only twice stated: no escalation",
            vec![
                c("My parcel hasn't arrived yet."),
                b("Orders ship within 3 days; check tracking under Orders."),
                c("Tracking hasn't moved since Monday, it still isn't here."),
            ],
            None,
        ),
        (
            "new questions each time",
            vec![
                c("What does the standing charge on my bill mean?"),
                b("It is a fixed daily amount for being connected."),
                c("Different question: can I pay by direct debit?"),
                b("Yes, set it up under Payments."),
                c("Great, thanks. One more thing, how do I download last year's bills?"),
                b("Go to Bills > History and pick the year."),
            ],
            None,
        ),
        (
            "follow-up building on a helpful answer",
            vec![
                c("How do I add a second user to my workspace?"),
                b("Go to Team > Invite and enter their email."),
                c("Thanks, that worked! How do I make them an admin?"),
                b("Open Team, click their name and choose Admin."),
                c("Perfect, all set."),
            ],
            None,
        ),
        (
            "Spanish restatement",
            vec![
                c("No me llega el código de verificación por SMS."),
                b("Comprueba que tu número de móvil es correcto en Perfil."),
                c("El número está bien y sigue sin llegar el código."),
                b("Prueba a reiniciar el móvil y pedir un código nuevo."),
                c("Ya lo reinicié y pedí otro, y todavía no me llega nada."),
            ],
            Some((4, Trigger::Restatement)),
        ),
    ]);
}

#[test]
fn restatement_table_languages() {
    check(vec![
        (
            "French: same sync problem three times",
            vec![
                c("Mes photos ne se synchronisent plus avec le cloud."),
                b("Vérifiez que la synchronisation est activée dans Réglages > Cloud."),
                c("Elle est activée, mais les photos n'apparaissent toujours pas."),
                b("Déconnectez-vous puis reconnectez-vous à votre compte."),
                c("J'ai déjà essayé, rien ne remonte dans le cloud."),
            ],
            Some((4, Trigger::Restatement)),
        ),
        (
            "German: delivery still missing",
            vec![
                c("Meine Bestellung ist seit einer Woche nicht angekommen."),
                b("Laut Sendungsverfolgung ist das Paket unterwegs."),
                c("Das Paket ist immer noch nicht da."),
                b("Bitte warten Sie noch zwei Werktage."),
                c("Ich habe schon gewartet, es ist weiterhin nichts angekommen."),
            ],
            Some((4, Trigger::Restatement)),
        ),
        (
            "Portuguese: new questions, no restatement",
            vec![
                c("Qual é o horário da loja no sábado?"),
                b("Aos sábados abrimos das 9h às 14h."),
                c("Obrigado! Outra pergunta: vocês entregam em Campinas?"),
                b("Sim, entregamos em Campinas em até 3 dias."),
                c("Perfeito, valeu."),
            ],
            None,
        ),
        (
            "Italian: login fails after two answers",
            vec![
                c("Non riesco ad accedere all'app."),
                b("Prova a reimpostare la password da 'Password dimenticata'."),
                c("L'ho già reimpostata, ma mi dice ancora credenziali errate."),
                b("Controlla di usare l'email con cui ti sei registrato."),
                c("L'email è giusta, continua a non farmi entrare."),
            ],
            Some((4, Trigger::Restatement)),
        ),
        (
            "three similar but different questions",
            vec![
                c("How much is shipping to Belgium?"),
                b("Shipping to Belgium costs 6.95 euros."),
                c("And how much is shipping to Germany?"),
                b("Shipping to Germany costs 7.95 euros."),
                c("And how much is shipping to France?"),
                b("Shipping to France costs 8.95 euros."),
            ],
            None,
        ),
        (
            "'can I still' questions are not failures",
            vec![
                c("Can I still return these boots after 30 days?"),
                b("Returns are accepted within 60 days for unworn items."),
                c("Can I still get free shipping on the exchange?"),
                b("Yes, exchanges ship free."),
                c("Is the discount still valid for the exchange?"),
                b("Yes, the original discount carries over."),
            ],
            None,
        ),
        (
            "Dutch: overlapping but different questions",
            vec![
                c("Wat kost verzending naar België?"),
                b("Verzending naar België kost 6,95 euro."),
                c("En wat kost verzending naar Duitsland?"),
                b("Verzending naar Duitsland kost 7,95 euro."),
                c("Top, dank je wel!"),
            ],
            None,
        ),
    ]);
}

#[test]
fn low_confidence_table() {
    check(vec![
        (
            "below threshold is withheld at the bot turn",
            vec![
                c("Can I ship batteries abroad?"),
                Ev::Bot("Probably, yes.".into(), 0.4, Some(true)),
            ],
            Some((1, Trigger::LowConfidence)),
        ),
        (
            "equal to threshold passes",
            vec![
                c("Can I ship batteries abroad?"),
                Ev::Bot("Yes, within the EU.".into(), 0.6, Some(true)),
            ],
            None,
        ),
        (
            "confident but ungrounded",
            vec![
                c("Is water damage covered?"),
                Ev::Bot("Yes, fully.".into(), 0.95, Some(false)),
            ],
            Some((1, Trigger::LowConfidence)),
        ),
        (
            "small talk needs no grounding",
            vec![c("hi"), Ev::Bot("Hi! How can I help?".into(), 0.97, None)],
            None,
        ),
    ]);
}

#[test]
fn button_escalates_and_the_bot_goes_silent() {
    let events = vec![
        c("hello"),
        Ev::Button,
        b("Here is an answer."),
        c("are you there?"),
    ];
    let decisions = Script::replay(&policy(), &events);
    assert!(matches!(decisions[1], Decision::Escalate { .. }));
    assert_eq!(decisions[2], Decision::Silent);
    assert_eq!(decisions[3], Decision::Silent);
    let (script, _) = Script::run(&policy(), &events);
    let transcript = script.conv.transcript();
    assert_eq!(
        transcript[1].text,
        crate::bundle::CustomerEvent::HumanButton.marker(),
        "the press is a turn of its own, for the bundle and its replay"
    );
    assert!(
        transcript[2].withheld,
        "the bot's answer after handoff is withheld"
    );
    assert!(matches!(script.conv.phase(), Phase::Escalated { .. }));
    assert_eq!(script.conv.reasons()[0].trigger, Trigger::HumanRequest);
    assert_eq!(script.conv.reasons()[0].evidence.turn, 1);
}

/// A 👍 or 👎 that escalates nothing still changes later decisions (an attempt settled, a
/// restatement counted), so the bundle must carry it for the server's replay to agree.
#[test]
fn ratings_that_do_not_escalate_replay_from_the_bundle() {
    use crate::bundle::{BundleMeta, CustomerEvent};
    let events = vec![
        c("My smart plug keeps disconnecting from the app."),
        b("Move the plug closer to the router."),
        Ev::Feedback(Feedback::NotHelpful),
        b("Update the plug's firmware under Device > Settings."),
        Ev::Feedback(Feedback::Helpful),
        c("Actually it dropped again, the plug keeps going offline in the app."),
        b("Reset the plug: hold the button for ten seconds."),
        c("Still disconnecting from the app after the reset."),
    ];
    let (script, decisions) = Script::run(&policy(), &events);
    let events_kept: Vec<&str> = script
        .conv
        .transcript()
        .iter()
        .filter(|t| CustomerEvent::from_marker(&t.text).is_some())
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(
        events_kept,
        vec![
            CustomerEvent::NotHelpful.marker(),
            CustomerEvent::Helpful.marker()
        ]
    );
    assert!(
        matches!(decisions[2], Decision::Offer { .. }),
        "{decisions:?}"
    );
    let bundle = script.conv.bundle(BundleMeta::default());
    assert_eq!(bundle.transcript.len(), script.conv.transcript().len());
    let replayed = crate::verify::replay(&bundle, &policy());
    assert_eq!(replayed.transcript(), script.conv.transcript());
    assert_eq!(replayed.phase(), script.conv.phase());
    assert_eq!(replayed.attempts(), script.conv.attempts());
    if matches!(script.conv.phase(), Phase::Escalated { .. }) {
        assert!(crate::verify::verify(&bundle, &policy()).is_match());
    }
}

#[test]
fn withheld_answer_is_recorded_as_an_attempt() {
    let events = vec![
        c("Can I ship batteries abroad?"),
        Ev::Bot("Probably.".into(), 0.3, Some(true)),
    ];
    let (script, decisions) = Script::run(&policy(), &events);
    assert!(matches!(decisions[1], Decision::Escalate { .. }));
    assert!(script.conv.transcript()[1].withheld);
    let attempts = script.conv.attempts();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, AttemptOutcome::Withheld);
}

#[test]
fn thumbs_down_offers_once_then_counts_toward_restatement() {
    let events = vec![
        c("My smart plug keeps disconnecting from the app."),
        b("Move the plug closer to the router."),
        Ev::Feedback(Feedback::NotHelpful),
        b("Update the plug's firmware under Device > Settings."),
        Ev::Feedback(Feedback::NotHelpful),
    ];
    let decisions = Script::replay(&policy(), &events);
    assert!(
        matches!(decisions[2], Decision::Offer { .. }),
        "{:?}",
        decisions[2]
    );
    assert!(
        matches!(&decisions[4], Decision::Escalate { reasons, .. } if reasons[0].trigger == Trigger::Restatement),
        "{:?}",
        decisions[4]
    );
}

#[test]
fn offer_is_never_made_twice() {
    let events = vec![
        c("How do I export my contacts?"),
        b("Go to Contacts > Export."),
        Ev::Feedback(Feedback::NotHelpful),
        c("Different question: how do I import a CSV?"),
        b("Go to Contacts > Import."),
        Ev::Feedback(Feedback::NotHelpful),
    ];
    let decisions = Script::replay(&policy(), &events);
    let offers = decisions
        .iter()
        .filter(|d| matches!(d, Decision::Offer { .. }))
        .count();
    assert_eq!(offers, 1, "{decisions:?}");
}

#[test]
fn attempts_and_sentiment_track_the_conversation() {
    let events = vec![
        c("Where is my order 55102?"),
        b("It shipped yesterday and arrives tomorrow."),
        c("Great, thanks! Different question: do you gift wrap?"),
        b("Yes, add gift wrap at checkout."),
    ];
    let (script, _) = Script::run(&policy(), &events);
    let conv = &script.conv;
    assert_eq!(conv.attempts().len(), 2);
    assert_eq!(conv.attempts()[0].outcome, AttemptOutcome::Helped);
    assert_eq!(conv.attempts()[1].outcome, AttemptOutcome::Unknown);
    let turns: Vec<u32> = conv.sentiment().iter().map(|p| p.turn).collect();
    assert_eq!(turns, vec![0, 2]);
    assert!(conv.reasons().is_empty());
}

#[test]
fn identify_merges_and_feeds_routing() {
    let mut script = Script::new(policy());
    let mut customer = crate::bundle::Customer {
        id: Some("u-1".into()),
        verified: true,
        ..Default::default()
    };
    customer
        .attributes
        .insert("plan".into(), "enterprise".into());
    customer
        .attributes
        .insert("value".into(), serde_json::json!("12000"));
    script.conv.identify(customer);
    script.conv.identify(crate::bundle::Customer {
        email: Some("a@example.com".into()),
        ..Default::default()
    });
    let conv = &script.conv;
    assert_eq!(conv.customer().id.as_deref(), Some("u-1"));
    assert_eq!(conv.customer().email.as_deref(), Some("a@example.com"));
    assert!(!conv.customer().verified, "only the server may verify");
    assert_eq!(conv.tier(), Some("enterprise"));
    assert_eq!(conv.customer_value(), Some(12000.0));
    let input = conv.route_input(vec![Trigger::HumanRequest]);
    assert_eq!(input.tier.as_deref(), Some("enterprise"));
}

#[test]
fn secrets_are_redacted_before_detectors_and_the_transcript() {
    let events = vec![
        c("Please send the refund to my IBAN DE89 3704 0044 0532 0130 00, thanks"),
        b("Refunds go back to the card you paid with."),
        c("I paid with 4111 1111 1111 1111 and want it back on that card"),
        Ev::Bot(
            "Your card 4111-1111-1111-1111 will be credited.".into(),
            0.8,
            Some(true),
        ),
    ];
    let (script, _) = Script::run(&policy(), &events);
    let conv = &script.conv;
    let texts: Vec<&str> = conv.transcript().iter().map(|t| t.text.as_str()).collect();
    for t in &texts {
        assert!(!crate::redact::contains_secret(t), "raw secret kept: {t}");
        assert!(
            !t.contains("3704") && !t.contains("4111"),
            "raw digits kept: {t}"
        );
    }
    assert!(texts[0].contains("[IBAN"), "{texts:?}");
    assert!(texts[2].contains("[card"), "{texts:?}");
    let candidate = conv.transcript()[3]
        .candidate
        .as_ref()
        .map(|c| c.text.as_str());
    assert_eq!(candidate, Some(texts[3]));
    assert_eq!(
        conv.largest_amount(),
        None,
        "an IBAN or card is not an amount"
    );
    // A refund to an account is still a refund: the no-amount rule may fire, never the
    // over-threshold one, which the server could not re-derive.
    assert!(
        !conv
            .reasons()
            .iter()
            .any(|r| r.evidence.rule == "high_risk.refund_over_threshold"),
        "{:?}",
        conv.reasons()
    );
}
