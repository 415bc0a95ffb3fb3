//! `cargo xtask`: build the widget, run the demo, run every test, bench, measure size.
//!
//! This is the only code in Baton that shells out. Each subcommand lives in its own module;
//! `toolchain` installs what a fresh machine lacks (wasm target, wasm-bindgen-cli pinned to
//! Cargo.lock, npm packages, Chromium) so that `cargo xtask demo` and `cargo xtask test` work
//! from a clean clone.
use std::process::ExitCode;

use anyhow::{bail, Result};

mod bench;
mod build;
mod cmd;
mod demo;
mod doctor;
mod layout;
mod purity;
mod size;
mod soak;
mod test;
mod toolchain;

const USAGE: &str = "\
cargo xtask <command> [options]

Commands:
  build                  widget → pkg/ (wasm32 build, wasm-bindgen, wasm-opt -Oz, loader)
  demo [--port N] [--data-dir D]
                         build, then serve the demo shop and agent console on 127.0.0.1
  test [LAYER…] [--fail-fast]
                         run every test; LAYER narrows it to some of:
                         purity native postgres wasm e2e size
  bench                  criterion benches and the server load generator
  soak [--bundles N] [--kills N] [--flap-bundles N]
                         long fault runs: ≥ 5,000 bundles under repeated SIGKILL, a
                         flapping loopback proxy, the browser outbox (127.0.0.1 only)
  size                   bytes a visitor downloads; fails over size-budget.toml
  doctor                 which tools are present, and the command that fixes each missing one
";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    let Some(command) = args.next() else {
        eprint!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "build" => {
            no_args(&command, &rest)?;
            build::run()?;
            Ok(ExitCode::SUCCESS)
        }
        "demo" => demo::run(demo::Options::parse(&rest)?).map(|()| ExitCode::SUCCESS),
        "test" => test::run(test::Options::parse(&rest)?),
        "bench" => {
            no_args(&command, &rest)?;
            bench::run().map(|()| ExitCode::SUCCESS)
        }
        "soak" => soak::run(soak::Options::parse(&rest)?).map(|()| ExitCode::SUCCESS),
        "size" => {
            no_args(&command, &rest)?;
            size::run()
        }
        "doctor" => {
            no_args(&command, &rest)?;
            doctor::run()
        }
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            eprint!("xtask: unknown command `{other}`\n\n{USAGE}");
            Ok(ExitCode::from(2))
        }
    }
}

fn no_args(command: &str, rest: &[String]) -> Result<()> {
    if let Some(first) = rest.first() {
        bail!("`{command}` takes no arguments (got `{first}`)\n\n{USAGE}");
    }
    Ok(())
}
