//! `cargo xtask bench`: the engine's criterion benches, the server's benches when it has
//! some, and the server load generator when present. Results print as they come.
use anyhow::{bail, Result};

use crate::cmd::Cmd;
use crate::layout;

pub(crate) fn run() -> Result<()> {
    let root = layout::root();
    let mut ran = 0;
    let mut failed = Vec::new();
    for (krate, dir) in [
        ("baton-engine", "crates/engine"),
        ("baton-server", "crates/server"),
    ] {
        if !root.join(dir).join("benches").is_dir() {
            println!("==> {krate}: no benches/ directory, skipped");
            continue;
        }
        ran += 1;
        if let Err(e) = Cmd::cargo(format!("cargo bench -p {krate}"))
            .args(["bench", "-p", krate])
            .run()
        {
            eprintln!("xtask bench: {e:#}");
            failed.push(krate);
        }
    }
    // The load generator: a bounded client against a baton on 127.0.0.1, shipped by the
    // server crate as the `loadgen` example.
    if root.join("crates/server/examples/loadgen.rs").is_file() {
        ran += 1;
        if let Err(e) = Cmd::cargo("server load generator (127.0.0.1)")
            .args([
                "run",
                "--release",
                "-p",
                "baton-server",
                "--example",
                "loadgen",
            ])
            .run()
        {
            eprintln!("xtask bench: {e:#}");
            failed.push("loadgen");
        }
    }
    if ran == 0 {
        bail!("no benchmarks found");
    }
    if !failed.is_empty() {
        bail!("benchmarks failed: {}", failed.join(", "));
    }
    Ok(())
}
