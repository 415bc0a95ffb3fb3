//! The offline commands: stdin JSONL → stdout JSONL, one output line per good input line,
//! in input order. A bad line is reported on stderr by number and skipped; the run goes on
//! and exits 2 at the end. A closed stdout (broken pipe) ends the run quietly with 0.
use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use baton_engine::{classify, same_problem, Conversation, Decision, Millis};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub mod wire;

use wire::{ClassifyIn, ClassifyOut, ReplayIn, ReplayOut, ReplayTurn, SimilarIn, SimilarOut};

/// `baton classify`: per-message labels.
pub fn classify_cmd() -> anyhow::Result<ExitCode> {
    let policy = baton_engine::Policy::default();
    run_jsonl(|line: ClassifyIn| {
        let labels = classify(&line.text, &policy);
        ClassifyOut {
            id: line.id,
            human_request: labels.human_request.is_some(),
            high_risk: labels.high_risk.is_some(),
            frustration: labels.frustration.is_some(),
        }
    })
}

/// `baton replay`: the first turn at which the engine escalates each conversation.
pub fn replay_cmd() -> anyhow::Result<ExitCode> {
    run_jsonl(replay)
}

/// `baton similar`: whether two messages state the same problem.
pub fn similar_cmd() -> anyhow::Result<ExitCode> {
    run_jsonl(|line: SimilarIn| SimilarOut {
        same: same_problem(&line.a, &line.b),
        id: line.id,
    })
}

/// Feeds a conversation turn by turn on a virtual clock (`now = index * 1000`).
pub fn replay(input: ReplayIn) -> ReplayOut {
    let mut conversation = Conversation::new(input.policy);
    for (index, turn) in input.turns.into_iter().enumerate() {
        let now = Millis(index as u64 * 1000);
        let decision = match turn {
            ReplayTurn::Customer { text } => conversation.customer_message(now, &text),
            ReplayTurn::Bot(candidate) => conversation.bot_candidate(now, candidate),
        };
        if let Decision::Escalate { reasons, .. } = decision {
            let mut triggers: Vec<_> = reasons.iter().map(|r| r.trigger).collect();
            triggers.dedup();
            return ReplayOut {
                id: input.id,
                escalate_at: Some(index),
                triggers,
            };
        }
    }
    ReplayOut {
        id: input.id,
        escalate_at: None,
        triggers: Vec::new(),
    }
}

fn run_jsonl<In, Out>(mut handle: impl FnMut(In) -> Out) -> anyhow::Result<ExitCode>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    let mut had_errors = false;
    for (index, line) in stdin.lines().enumerate() {
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(err) => {
                eprintln!("baton: line {number}: {err}");
                had_errors = true;
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let input: In = match serde_json::from_str(&line) {
            Ok(input) => input,
            Err(err) => {
                eprintln!("baton: line {number}: {err}");
                had_errors = true;
                continue;
            }
        };
        let written = serde_json::to_writer(&mut out, &handle(input))
            .map_err(io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        match written {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
            Err(err) => return Err(err.into()),
        }
    }
    match out.flush() {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other?,
    }
    Ok(if had_errors {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
