//! Per-conversation state size, measured with a counting allocator *after* the shared,
//! parse-once lexicons are warm (they are static data shared by every conversation, not
//! conversation state). Budget: 16 KB for a typical conversation.
use baton_engine::{Candidate, Conversation, Millis, Policy};

mod heap;
use heap::state_size as measured;

fn bot(text: &str) -> Candidate {
    Candidate {
        text: text.to_owned(),
        confidence: 0.8,
        grounded: Some(true),
        sources: vec!["kb:shipping-times".to_owned()],
    }
}

/// A typical support chat: three customer messages, two sourced answers.
fn typical() -> Conversation {
    let mut conv = Conversation::new(Policy::default());
    let _ = conv.customer_message(
        Millis(0),
        "Hi, my order hasn't arrived and it's been a week.",
    );
    let _ = conv.bot_candidate(
        Millis(1000),
        bot("Orders ship in 3-5 days. Track it under Orders."),
    );
    let _ = conv.customer_message(
        Millis(2000),
        "I already checked tracking, it says nothing since Monday.",
    );
    let _ = conv.bot_candidate(
        Millis(3000),
        bot("Tracking can lag; carriers update it once a day."),
    );
    let _ = conv.customer_message(Millis(4000), "It still isn't here. Where is my parcel??");
    conv
}

#[test]
fn typical_conversation_state_is_under_16_kb() {
    // The restatement lexicon is parsed once per process and shared; report its size.
    let (_, lexicon) = measured(|| baton_engine::same_problem("parcel", "Paket"));
    let _warm = typical(); // parses the other detectors' lexicons once
    let (conv, bytes) = measured(typical);
    let text: usize = conv.transcript().iter().map(|t| t.text.len()).sum();
    let (_long, long_bytes) = measured(|| {
        let mut conv = Conversation::new(Policy::default());
        for i in 0..20u64 {
            let _ = conv.customer_message(
                Millis(i * 2000),
                "The parcel I ordered two weeks ago for my daughter's birthday still has not \
                 arrived, the tracking page has said 'in transit' since Monday and nobody \
                 answers the phone at the depot, what can I do now please?",
            );
            let _ = conv.bot_candidate(
                Millis(i * 2000 + 1000),
                bot("Carriers update tracking daily; please allow two more days."),
            );
        }
        conv
    });
    println!("restatement lexicon (shared, parsed once): {lexicon} B");
    println!("state: typical 5-turn conversation {bytes} B ({text} B transcript text); 40-turn conversation {long_bytes} B");
    assert!(bytes <= 16 * 1024, "typical conversation holds {bytes} B");
}
