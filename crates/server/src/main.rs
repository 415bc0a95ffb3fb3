//! `baton`: the backend (`baton serve`) and the offline engine commands.
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

/// Baton: hand customers from a support bot to a human, with the whole context.
#[derive(Parser)]
#[command(name = "baton", version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Label messages: stdin JSONL {"id","text","lang"?} → stdout {"id","human_request","high_risk","frustration"}.
    Classify,
    /// Replay conversations: stdin JSONL conversations → stdout {"id","escalate_at","triggers"}.
    Replay,
    /// Restatement pairs: stdin JSONL {"id","a","b"} → stdout {"id","same"}.
    Similar,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("baton: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Classify => cli::classify_cmd(),
        Command::Replay => cli::replay_cmd(),
        Command::Similar => cli::similar_cmd(),
    }
}
