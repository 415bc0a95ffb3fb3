//! Property tests: what the server parses from the network and what the browser redacts
//! never panics, whatever the bytes; plus the per-conversation state size budget.
use baton_engine::{contains_secret, redact, Candidate, Conversation, HandoffV1, Millis, Policy};
use proptest::prelude::*;

#[path = "../benches/support/mod.rs"]
mod support;

mod heap;
use heap::state_size;

fn example_bytes() -> Vec<u8> {
    let conv = support::play(support::demo_policy(), &support::demo_steps());
    serde_json::to_vec(&conv.bundle(support::demo_meta())).unwrap()
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = HandoffV1::from_json(&bytes);
    }

    #[test]
    fn parsing_a_damaged_bundle_never_panics(
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        truncate in any::<prop::sample::Index>(),
    ) {
        let mut bytes = example_bytes();
        for (at, byte) in cuts {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let keep = truncate.index(bytes.len() + 1);
        let _ = HandoffV1::from_json(&bytes);
        let _ = HandoffV1::from_json(&bytes[..keep]);
    }

    /// Any well-typed-or-not value in any field: parse, validate, redact, verify — no panic,
    /// and anything accepted is valid and survives a round trip.
    #[test]
    fn replacing_any_field_never_panics(
        field in prop::sample::select(vec![
            "/schema", "/id", "/site", "/created_at", "/reasons", "/reasons/0/evidence",
            "/reasons/0/evidence/turn", "/reasons/0/evidence/span", "/route", "/transcript",
            "/transcript/0", "/transcript/1/text", "/transcript/2/confidence", "/customer",
            "/customer/attributes", "/attempts", "/attempts/0/turn", "/sentiment", "/page",
            "/engine", "/topic", "/amount", "/summary",
        ]),
        value in json_value(),
    ) {
        let mut v: serde_json::Value = serde_json::from_slice(&example_bytes()).unwrap();
        if let Some(slot) = v.pointer_mut(field) {
            *slot = value;
        }
        let bytes = serde_json::to_vec(&v).unwrap();
        if let Ok(mut b) = HandoffV1::from_json(&bytes) {
            prop_assert!(b.validate().is_ok());
            let _ = b.redact();
            let _ = baton_engine::verify(&b, &Policy::default());
            let again = HandoffV1::from_json(&serde_json::to_vec(&b).unwrap());
            prop_assert!(again.is_ok(), "{:?}", again);
        }
    }

    #[test]
    fn redaction_never_panics_and_leaves_no_secret(text in "\\PC{0,200}") {
        let once = redact(&text).into_owned();
        prop_assert!(!contains_secret(&once), "{once:?}");
        prop_assert_eq!(redact(&once).into_owned(), once);
    }

    #[test]
    fn digit_runs_with_separators_never_panic(text in "[0-9 \\-A-Za-z]{0,80}") {
        let once = redact(&text).into_owned();
        prop_assert!(!contains_secret(&once));
    }

    /// Whatever the customer types, the bundle builds, validates and re-verifies.
    #[test]
    fn any_conversation_bundles_and_verifies(
        messages in prop::collection::vec("\\PC{0,120}", 1..6),
        confidence in 0.0f32..=1.0,
    ) {
        let mut conv = Conversation::new(Policy::default());
        let mut now = 0;
        for m in &messages {
            now += 1000;
            let _ = conv.customer_message(Millis(now), m);
            now += 1000;
            let _ = conv.bot_candidate(Millis(now), Candidate {
                text: "Here is what I found.".into(),
                confidence,
                grounded: Some(true),
                sources: vec!["kb:faq".into()],
            });
        }
        let _ = conv.button(Millis(now + 1000));
        let b = conv.bundle(support::demo_meta());
        prop_assert_eq!(b.validate(), Ok(()));
        let v = baton_engine::verify(&b, &Policy::default());
        prop_assert!(v.is_match(), "{:#?}", v);
    }
}

#[test]
fn state_per_conversation_stays_under_16_kb() {
    let policy = support::demo_policy();
    // Built-in lexicons and rules are parsed once per process into statics shared by every
    // conversation; warm them first so only per-conversation state is counted.
    drop(support::play(policy.clone(), &support::demo_steps()));
    let _ = baton_engine::classify(support::FORTY_WORDS, &policy);
    let _ = baton_engine::same_problem(support::FORTY_WORDS, "where is my refund");
    let (_demo, demo) = state_size(|| support::play(policy.clone(), &support::demo_steps()));

    // A long chat: 20 customer messages of ~40 words and 20 sourced bot answers.
    let (_long, long) = state_size(|| {
        let mut conv = Conversation::new(policy.clone());
        for i in 0..20u64 {
            let _ = conv.customer_message(Millis(i * 2000), support::FORTY_WORDS);
            let _ = conv.bot_candidate(
                Millis(i * 2000 + 1000),
                Candidate {
                    text: "Refunds are issued to the original payment method within 5-10 business days once the return is received.".into(),
                    confidence: 0.9,
                    grounded: Some(true),
                    sources: vec!["kb:refund-policy".into()],
                },
            );
        }
        conv
    });
    let transcript_text = 20 * (support::FORTY_WORDS.len() + 104);
    println!(
        "state size: demo conversation {demo} B; 40-turn conversation {long} B \
         ({transcript_text} B of it is transcript text)"
    );
    assert!(demo <= 16 * 1024, "demo conversation holds {demo} B");
    // The transcript must be kept (it is the handoff); the budget is for everything else.
    assert!(
        long - transcript_text <= 16 * 1024,
        "40-turn conversation holds {long} B beyond its text"
    );
}
