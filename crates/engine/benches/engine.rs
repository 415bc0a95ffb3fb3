//! Engine benchmarks (`cargo bench -p baton-engine`, or `cargo xtask bench`).
//!
//! - `customer_message/40_words`: one ~40-word customer message through every detector,
//!   on a conversation that already has a bot answer (goal: median ≤ 5 µs native);
//! - `replay/demo_conversation`: the whole scripted demo conversation from a fresh state;
//! - `bundle/build` and `bundle/serialize`: building the handoff bundle and writing its JSON;
//! - `bundle/parse_validate` and `verify/demo`: what the server does per handoff.
//!
//! It also prints the state size of a conversation (goal: ≤ 16 KB), see `state_size`.
use std::hint::black_box;

use baton_engine::{verify, Candidate, Conversation, HandoffV1, Millis, Policy};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

mod support;

fn with_history() -> Conversation {
    let mut conv = Conversation::new(Policy::default());
    let _ = conv.customer_message(Millis(0), "hi, my jacket order has not arrived yet");
    let _ = conv.bot_candidate(
        Millis(1000),
        Candidate {
            text: "Orders ship in 3-5 business days; track it under Orders.".into(),
            confidence: 0.82,
            grounded: Some(true),
            sources: vec!["kb:shipping-times".into()],
        },
    );
    conv
}

fn benches(c: &mut Criterion) {
    c.bench_function("customer_message/40_words", |b| {
        b.iter_batched_ref(
            with_history,
            |conv| black_box(conv.customer_message(Millis(2000), black_box(support::FORTY_WORDS))),
            BatchSize::SmallInput,
        )
    });

    let steps = support::demo_steps();
    c.bench_function("replay/demo_conversation", |b| {
        b.iter(|| black_box(support::play(support::demo_policy(), black_box(&steps))))
    });

    let conv = support::play(support::demo_policy(), &steps);
    c.bench_function("bundle/build", |b| {
        b.iter(|| black_box(conv.bundle(black_box(support::demo_meta()))))
    });
    let bundle = conv.bundle(support::demo_meta());
    c.bench_function("bundle/serialize", |b| {
        b.iter(|| black_box(serde_json::to_vec(black_box(&bundle))))
    });
    let body = serde_json::to_vec(&bundle).unwrap_or_default();
    c.bench_function("bundle/parse_validate", |b| {
        b.iter(|| black_box(HandoffV1::from_json(black_box(&body))))
    });
    let policy = support::demo_policy();
    c.bench_function("verify/demo", |b| {
        b.iter(|| black_box(verify(black_box(&bundle), &policy)))
    });
}

criterion_group!(engine, benches);
criterion_main!(engine);
