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
        // The same load on a throwaway Postgres with one and with two instances (round-robin),
        // to put beside SQLite's figure: durable commits, then commits that do not wait for
        // the WAL flush (SQLite runs with synchronous=NORMAL, the comparable setting).
        if let Err(e) = crate::toolchain::ensure_postgres() {
            eprintln!("xtask bench: Postgres runs skipped: {e:#}");
        } else {
            for extra in [
                &["--postgres", "--instances", "1"][..],
                &["--postgres", "--instances", "2"],
                &["--postgres", "--async-commit", "--instances", "1"],
                &["--postgres", "--async-commit", "--instances", "2"],
            ] {
                ran += 1;
                let mut args = vec!["run", "--release", "-p", "baton-server", "--example"];
                args.extend(["loadgen", "--"]);
                args.extend(extra);
                if let Err(e) = Cmd::cargo(format!("load generator: {}", extra.join(" ")))
                    .args(args)
                    .run()
                {
                    eprintln!("xtask bench: {e:#}");
                    failed.push("loadgen (postgres)");
                }
            }
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
