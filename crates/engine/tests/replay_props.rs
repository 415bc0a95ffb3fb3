//! Property tests for `Conversation`: whatever the events (arbitrary Unicode, odd
//! confidences, feedback and button presses in any order), decisions never panic and are
//! deterministic: the same events fed twice give the same decisions, and `same_problem`
//! gives the same answer twice.
use baton_engine::{same_problem, Candidate, Conversation, Decision, Feedback, Millis, Policy};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Ev {
    Customer(String),
    Bot(String, f32, Option<bool>),
    Feedback(bool),
    Button,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Arbitrary Unicode, including control characters and astral planes.
        any::<String>(),
        // Support-like text from a small vocabulary, so detectors actually fire.
        prop::collection::vec(
            prop::sample::select(vec![
                "my",
                "parcel",
                "still",
                "hasn't",
                "arrived",
                "refund",
                "€1.200,50",
                "$80",
                "cancel",
                "account",
                "agent",
                "please",
                "!!!",
                "USELESS",
                "didn't",
                "help",
                "paquete",
                "todavía",
                "Paket",
                "immer",
                "noch",
                "nicht",
                "colis",
                "où",
                "'payment failed'",
                "again",
                "thanks",
                "different",
                "question",
                "?",
                "🙂",
                "ß",
            ]),
            0..24,
        )
        .prop_map(|w| w.join(" ")),
    ]
}

fn event() -> impl Strategy<Value = Ev> {
    prop_oneof![
        4 => text().prop_map(Ev::Customer),
        3 => (text(), any::<f32>(), prop::option::of(any::<bool>()))
            .prop_map(|(t, c, g)| Ev::Bot(t, c, g)),
        1 => any::<bool>().prop_map(Ev::Feedback),
        1 => Just(Ev::Button),
    ]
}

fn play(events: &[Ev]) -> Vec<Decision> {
    let mut conv = Conversation::new(Policy::default());
    events
        .iter()
        .enumerate()
        .map(|(i, ev)| {
            let now = Millis(i as u64 * 1000);
            match ev {
                Ev::Customer(t) => conv.customer_message(now, t),
                Ev::Bot(t, c, g) => conv.bot_candidate(
                    now,
                    Candidate {
                        text: t.clone(),
                        confidence: *c,
                        grounded: *g,
                        sources: Vec::new(),
                    },
                ),
                Ev::Feedback(up) => conv.feedback(
                    now,
                    if *up {
                        Feedback::Helpful
                    } else {
                        Feedback::NotHelpful
                    },
                ),
                Ev::Button => conv.button(now),
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decisions_are_deterministic_and_never_panic(events in prop::collection::vec(event(), 0..16)) {
        let first = play(&events);
        let second = play(&events);
        prop_assert_eq!(&first, &second);
        // Once escalated, the bot never talks again: every later decision is Silent.
        if let Some(at) = first.iter().position(|d| matches!(d, Decision::Escalate { .. })) {
            let silent = first[at + 1..].iter().all(|d| *d == Decision::Silent);
            prop_assert!(silent, "the bot spoke after escalating at {}", at);
        }
        // An offer is made at most once.
        let offers = first.iter().filter(|d| matches!(d, Decision::Offer { .. })).count();
        prop_assert!(offers <= 1, "{} offers", offers);
    }

    #[test]
    fn same_problem_is_deterministic(a in text(), b in text()) {
        prop_assert_eq!(same_problem(&a, &b), same_problem(&a, &b));
    }
}
