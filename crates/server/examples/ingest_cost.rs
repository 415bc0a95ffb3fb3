//! Where the time of one ingest goes, without HTTP or storage: parse, validate, redact,
//! verify, replay + route, serialize. `cargo run --release -p baton-server --example ingest_cost`
use std::time::Instant;

use baton_engine::{
    BundleMeta, Candidate, Conversation, Customer, HandoffV1, Millis, Page, Policy,
};

fn main() {
    let mut c = Conversation::new(Policy::default());
    let t0 = 1_764_000_000_000u64;
    c.customer_message(
        Millis(t0),
        "Hi, my order NW-48213 hasn't arrived and tracking hasn't moved in a week",
    );
    c.bot_candidate(Millis(t0 + 1_000), Candidate {
        text: "Tracking can take up to 24 hours to update. If it has not moved for 5 business days, we open a trace with the carrier.".into(),
        confidence: 0.81, grounded: Some(true), sources: vec!["kb:order-tracking".into()] });
    c.customer_message(
        Millis(t0 + 8_000),
        "It's been 7 days already. Can you check what's going on?",
    );
    c.button(Millis(t0 + 15_000));
    let b = c.bundle(BundleMeta {
        id: "01a21305-4450-7c4e-9a1f-5d2e8b7c6a10".into(),
        created_at: Millis(t0),
        site: "bench".into(),
        conversation_id: "c1".into(),
        page: Page::default(),
        customer: Customer::default(),
    });
    let json = serde_json::to_vec(&b).unwrap();
    let policy = Policy::default();
    let n = 2000;
    let time = |name: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        println!(
            "{name:>12}: {:8.1} µs",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
    };
    println!("bundle: {} bytes", json.len());
    time("parse", &mut || {
        let _: HandoffV1 = serde_json::from_slice(&json).unwrap();
    });
    time("validate", &mut || {
        b.validate().unwrap();
    });
    time("redact", &mut || {
        let mut x = b.clone();
        x.redact();
    });
    time("verify", &mut || {
        baton_engine::verify(&b, &policy);
    });
    time("replay", &mut || {
        baton_engine::replay(&b, &policy);
    });
    time("serialize", &mut || {
        serde_json::to_vec(&b).unwrap();
    });
}
