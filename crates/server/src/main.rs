//! `baton`: the backend (`baton serve`) and the offline engine commands.
use std::process::ExitCode;

use std::path::PathBuf;

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
    /// Run the backend: handoff ingest, site config and KB, webhooks, metrics.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// A site's TOML config; repeat for several sites.
    #[arg(long = "config", required = true, value_name = "SITE.toml")]
    configs: Vec<PathBuf>,
    /// Directory for the SQLite database.
    #[arg(long, default_value = "baton-data")]
    data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Database URL: sqlite://FILE (default: DATA_DIR/baton.db) or postgres://…
    #[arg(long)]
    database: Option<String>,
    /// HTML page to serve at `/` (the demo shop).
    #[arg(long, value_name = "index.html")]
    demo_page: Option<PathBuf>,
    /// Widget build to serve at `/pkg`.
    #[arg(long, value_name = "pkg")]
    pkg_dir: Option<PathBuf>,
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
        Command::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BATON_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(baton_server::serve::run(
        baton_server::serve::ServeOptions {
            configs: args.configs,
            data_dir: args.data_dir,
            host: args.host,
            port: args.port,
            database: args.database,
            demo_page: args.demo_page,
            pkg_dir: args.pkg_dir,
        },
    ))?;
    Ok(ExitCode::SUCCESS)
}
