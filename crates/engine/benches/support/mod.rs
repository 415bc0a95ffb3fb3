//! The scripted demo conversation shared by `benches/engine.rs` and `tests/schema.rs` (which
//! turns it into `examples/bundle.json`). A customer of the demo shop was charged twice,
//! the bot's first answer misses (👎), and its second is too uncertain to show, so the engine
//! withholds it and hands over.
#![allow(dead_code)]

use std::collections::BTreeMap;

use baton_engine::{BundleMeta, Candidate, Conversation, Customer, Feedback, Millis, Page, Policy};
use serde_json::json;

/// One scripted input, at an offset in milliseconds from the conversation start.
#[derive(Clone, Debug)]
pub enum Step {
    /// The customer typed this.
    Customer(u64, &'static str),
    /// The responder proposed this answer.
    Bot(u64, Candidate),
    /// The customer rated the last answer.
    Feedback(u64, Feedback),
    /// The customer pressed "Talk to a person".
    Button(u64),
}

/// 2026-11-25T14:03:21Z: when the demo conversation starts.
pub const START: u64 = 1_795_615_401_000;

fn bot(text: &str, confidence: f32, grounded: Option<bool>, sources: &[&str]) -> Candidate {
    Candidate {
        text: text.to_owned(),
        confidence,
        grounded,
        sources: sources.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// The demo shop's escalation policy: the engine defaults (USD, refunds over 100 are high
/// risk, answers under 0.6 confidence are withheld) and the built-in routing rules.
pub fn demo_policy() -> Policy {
    Policy::default()
}

/// The script. Times are offsets from `START`.
pub fn demo_steps() -> Vec<Step> {
    vec![
        Step::Bot(0, bot("Hi! I'm the Northwind Outfitters assistant. How can I help?", 0.99, None, &[])),
        Step::Customer(
            9_000,
            "Hi, I was charged twice for order #1042, $89.90 both times on my card 4111 1111 1111 1111.",
        ),
        Step::Bot(
            10_000,
            bot(
                "A second charge is usually a temporary authorization hold. It disappears by itself within 3-5 business days.",
                0.82,
                Some(true),
                &["kb:duplicate-charges"],
            ),
        ),
        Step::Feedback(31_000, Feedback::NotHelpful),
        Step::Customer(
            40_000,
            "It's not a hold, both charges posted a week ago. I want the second $89.90 refunded.",
        ),
        Step::Bot(
            41_000,
            bot(
                "You can request a refund under Orders > #1042 > Request refund; refunds to a bank account take 10 days.",
                0.41,
                Some(false),
                &["kb:refund-policy"],
            ),
        ),
    ]
}

/// Feeds the steps to a fresh conversation under `policy`.
pub fn play(policy: Policy, steps: &[Step]) -> Conversation {
    let mut conv = Conversation::new(policy);
    for step in steps {
        let _ = match step {
            Step::Customer(t, text) => conv.customer_message(Millis(START + t), text),
            Step::Bot(t, c) => conv.bot_candidate(Millis(START + t), c.clone()),
            Step::Feedback(t, f) => conv.feedback(Millis(START + t), *f),
            Step::Button(t) => conv.button(Millis(START + t)),
        };
    }
    conv
}

/// Everything the widget and server know besides the conversation: ids, page, and the
/// customer record as the server stores it after enrichment.
pub fn demo_meta() -> BundleMeta {
    let mut attributes = BTreeMap::new();
    attributes.insert("plan".to_owned(), json!("plus"));
    attributes.insert("value".to_owned(), json!(1840.5));
    attributes.insert("signed_up".to_owned(), json!("2021-03-14"));
    BundleMeta {
        // UUIDv7 whose time field is the escalation time below.
        id: "01a21305-4450-7c4e-9a1f-5d2e8b7c6a10".to_owned(),
        created_at: Millis(START + 41_000),
        site: "demo".to_owned(),
        conversation_id: "01a21304-a428-7b2d-8c3f-0e4d5a6b7c8d".to_owned(),
        page: Page {
            url: "https://shop.example.com/orders/1042".to_owned(),
            title: "Order #1042 · Northwind Outfitters".to_owned(),
            locale: "en-US".to_owned(),
        },
        customer: Customer {
            id: Some("cus_8f2k1".to_owned()),
            email: Some("dana.reyes@example.com".to_owned()),
            name: Some("Dana Reyes".to_owned()),
            user_hash: Some(
                "5d41402abc4b2a76b9719d911017c592e2b1a1f7c3d8e9f00112233445566778".to_owned(),
            ),
            verified: false,
            attributes,
            orders: vec![json!({
                "id": "1042",
                "placed_at": "2026-11-16",
                "total": 89.9,
                "currency": "USD",
                "status": "delivered"
            })],
            account_status: Some("active".to_owned()),
            prior_tickets: vec![json!({
                "id": "019a2c11-7e40-7a3b-9d5e-6f7a8b9c0d1e",
                "created_at": "2026-10-02",
                "queue": "shipping",
                "summary": "Parcel delayed in transit; resolved by the carrier."
            })],
        },
    }
}

/// About 40 words of customer text that touches every detector (money, refund, anger,
/// a request for a person) without any of them short-circuiting the others.
pub const FORTY_WORDS: &str = "Hello, I ordered the blue hiking jacket two weeks ago and was charged $1,240 instead of $124, this is honestly ridiculous!! I already tried the refund form twice and nothing happened, so please cancel the order or let me talk to someone.";
