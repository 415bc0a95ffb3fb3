//! `cargo xtask soak`: the long fault runs that are too slow for every `cargo xtask test`.
//!
//! Runs the server's fault suite (`crates/server/tests/it/faults.rs`) with soak sizes: at
//! least 5,000 bundles posted by bounded retrying clients while `baton serve` is killed with
//! SIGKILL again and again, and thousands more through the loopback proxy that drops, delays
//! and resets connections. Each scenario prints one `FAULTS …` line with bundles sent, stored,
//! lost and duplicated; the run fails on any loss or duplicate. Then, when the widget is
//! built, the browser fault spec (`tests/e2e/faults.spec.mjs`) runs with more rounds.
//! Everything talks to 127.0.0.1 only, and every loop is bounded in count and time.
use anyhow::{bail, Context, Result};

use crate::cmd::Cmd;
use crate::layout;

/// Soak sizes; `--bundles N --kills K` override the first two.
pub(crate) struct Options {
    bundles: u32,
    kills: u32,
    flap_bundles: u32,
}

impl Options {
    pub(crate) fn parse(args: &[String]) -> Result<Options> {
        let mut opts = Options {
            bundles: 5_000,
            kills: 25,
            flap_bundles: 2_000,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| -> Result<u32> {
                let v = it
                    .next()
                    .with_context(|| format!("{name} needs a number"))?;
                v.parse()
                    .with_context(|| format!("{name}: `{v}` is not a number"))
            };
            match arg.as_str() {
                "--bundles" => opts.bundles = value("--bundles")?,
                "--kills" => opts.kills = value("--kills")?,
                "--flap-bundles" => opts.flap_bundles = value("--flap-bundles")?,
                other => bail!(
                    "soak: unknown option `{other}` (--bundles N, --kills N, --flap-bundles N)"
                ),
            }
        }
        if opts.bundles == 0 {
            bail!("soak: --bundles must be at least 1");
        }
        Ok(opts)
    }
}

pub(crate) fn run(opts: Options) -> Result<()> {
    Cmd::cargo(format!(
        "fault soak: {} bundles under {} SIGKILLs, {} through a flapping proxy",
        opts.bundles, opts.kills, opts.flap_bundles
    ))
    .args([
        "test",
        "-p",
        "baton-server",
        "--test",
        "it",
        "faults::",
        "--",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("BATON_SOAK_BUNDLES", opts.bundles.to_string())
    .env("BATON_SOAK_KILLS", opts.kills.to_string())
    .env("BATON_SOAK_CLIENTS", "8")
    .env("BATON_SOAK_SECONDS", "900")
    .env("BATON_FLAP_BUNDLES", opts.flap_bundles.to_string())
    .run()?;

    let spec = layout::root().join("tests/e2e/faults.spec.mjs");
    if !spec.exists() || !layout::pkg_dir().join("baton.js").exists() {
        eprintln!("soak: browser fault spec skipped (run `cargo xtask build` first)");
        return Ok(());
    }
    // `baton` was built by the cargo test run above (integration tests build the binary).
    Cmd::new("browser fault spec, soak rounds", "node")
        .arg(layout::root().join("tests/e2e/run.mjs"))
        .arg("faults")
        .env("BATON_BIN", layout::baton_bin("debug"))
        .env("BATON_ROOT", layout::root())
        .env("BATON_PKG_DIR", layout::pkg_dir())
        .env("BATON_DEMO_CONFIG", layout::demo_config())
        .env("BATON_SOAK_ROUNDS", "10")
        .run()
}
