//! `cargo xtask test`: every test, layer by layer, then one summary naming what failed.
//!
//! Layers, in order: the engine's purity check; native `cargo test` (engine, server, widget
//! logic, xtask); the server's integration suite once more on Postgres; wasm-bindgen-test of the widget in headless Chromium; end-to-end specs
//! (playwright-core) against the real `baton serve` and the built widget; the size budget.
//! A failing layer does not stop the next (unless `--fail-fast`), so one run shows every
//! broken layer.
use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::cmd::{self, Cmd};
use crate::toolchain::{self, WASM_TARGET};
use crate::{build, layout, purity, size};

/// A test layer, runnable alone with `cargo xtask test <layer>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layer {
    /// The engine has no I/O, clock, RNG or web dependencies.
    Purity,
    /// `cargo test --workspace` on the host.
    Native,
    /// The server's integration suite again, on a throwaway Postgres instead of SQLite.
    Postgres,
    /// wasm-bindgen-test suites of the widget, in headless Chromium.
    Wasm,
    /// Browser specs in tests/e2e/ against `baton serve`.
    E2e,
    /// `size-budget.toml`.
    Size,
}

impl Layer {
    const ALL: [Layer; 6] = [
        Layer::Purity,
        Layer::Native,
        Layer::Postgres,
        Layer::Wasm,
        Layer::E2e,
        Layer::Size,
    ];

    fn name(self) -> &'static str {
        match self {
            Layer::Purity => "purity",
            Layer::Native => "native",
            Layer::Postgres => "postgres",
            Layer::Wasm => "wasm",
            Layer::E2e => "e2e",
            Layer::Size => "size",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Layer::Purity => "engine purity (deps + source)",
            Layer::Native => "cargo test --workspace",
            Layer::Postgres => "server suite on Postgres",
            Layer::Wasm => "wasm-bindgen-test in Chromium",
            Layer::E2e => "end-to-end (tests/e2e)",
            Layer::Size => "size budget",
        }
    }

    fn parse(s: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.name() == s)
    }
}

pub(crate) struct Options {
    layers: Vec<Layer>,
    fail_fast: bool,
}

impl Options {
    pub(crate) fn parse(args: &[String]) -> Result<Options> {
        let mut layers = Vec::new();
        let mut fail_fast = false;
        for arg in args {
            match arg.as_str() {
                "--fail-fast" => fail_fast = true,
                other => match Layer::parse(other) {
                    Some(layer) => layers.push(layer),
                    None => bail!(
                        "unknown test layer `{other}`; layers are: {}",
                        Layer::ALL.map(Layer::name).join(" ")
                    ),
                },
            }
        }
        if layers.is_empty() {
            layers = Layer::ALL.to_vec();
        }
        Ok(Options { layers, fail_fast })
    }
}

pub(crate) fn run(opts: Options) -> Result<ExitCode> {
    let started = Instant::now();
    let mut results: Vec<(Layer, String, Option<String>)> = Vec::new();
    for layer in Layer::ALL.into_iter().filter(|l| opts.layers.contains(l)) {
        println!("\n######## test layer: {} ########", layer.describe());
        let t = Instant::now();
        let outcome = match layer {
            Layer::Purity => purity::run(),
            Layer::Native => native(),
            Layer::Postgres => postgres(),
            Layer::Wasm => wasm(),
            Layer::E2e => e2e(),
            Layer::Size => size_budget(),
        };
        let failed = outcome.err().map(|e| format!("{e:#}"));
        let stop = failed.is_some() && opts.fail_fast;
        results.push((layer, cmd::elapsed(t), failed));
        if stop {
            break;
        }
    }

    println!("\n######## cargo xtask test: summary ########");
    for (layer, took, failed) in &results {
        match failed {
            None => println!("  ok      {:<32} {took}", layer.describe()),
            Some(_) => println!("  FAILED  {:<32} {took}", layer.describe()),
        }
    }
    let failures: Vec<_> = results.iter().filter(|r| r.2.is_some()).collect();
    println!("  took {}", cmd::elapsed(started));
    println!(
        "layers: {} passed, {} failed",
        results.len() - failures.len(),
        failures.len()
    );
    if failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for (layer, _, failed) in failures {
        eprintln!(
            "\nxtask test: layer `{}` FAILED: {}",
            layer.name(),
            failed.as_deref().unwrap_or_default()
        );
    }
    Ok(ExitCode::FAILURE)
}

fn native() -> Result<()> {
    Cmd::cargo("native tests (cargo test --workspace)")
        .args(["test", "--workspace"])
        .run()
}

/// `BATON_TEST_DB=postgres` makes the server's `it` suite start a throwaway cluster
/// (`crates/server/tests/it/pg.rs`) and run every test against it.
fn postgres() -> Result<()> {
    toolchain::ensure_postgres()?;
    Cmd::cargo("server integration suite on Postgres")
        .args(["test", "--workspace", "--test", "it"])
        .env("BATON_TEST_DB", "postgres")
        .run()
}

/// Widget test files that run in the browser: tests/*.rs configured with `run_in_browser`.
fn browser_test_targets() -> Result<Vec<String>> {
    let dir = layout::root().join("tests");
    let mut names = Vec::new();
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(names);
    };
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            if text.contains("run_in_browser") {
                if let Some(stem) = path.file_stem() {
                    names.push(stem.to_string_lossy().into_owned());
                }
            }
        }
    }
    names.sort();
    Ok(names)
}

fn wasm() -> Result<()> {
    let targets = browser_test_targets()?;
    if targets.is_empty() {
        bail!("no widget browser tests found (tests/*.rs with `wasm_bindgen_test_configure!(run_in_browser)`)");
    }
    toolchain::ensure_wasm_target()?;
    toolchain::ensure_wasm_bindgen()?;
    toolchain::ensure_chromium()?;
    let mut c = Cmd::cargo(format!(
        "wasm-bindgen-test in Chromium ({})",
        targets.join(", ")
    ))
    .args(["test", "-p", "baton-widget", "--target", WASM_TARGET])
    .env("CHROMEDRIVER", toolchain::CHROMEDRIVER)
    .env("PATH", path_with_cargo_bin()?);
    for t in &targets {
        c = c.args(["--test", t]);
    }
    c.run()
}

/// PATH with cargo's bin directory first, so cargo finds `wasm-bindgen-test-runner`.
fn path_with_cargo_bin() -> Result<OsString> {
    let runner = toolchain::cargo_tool("wasm-bindgen-test-runner");
    let mut dirs: Vec<PathBuf> = runner.parent().map(PathBuf::from).into_iter().collect();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).context("building PATH")
}

fn e2e() -> Result<()> {
    build::run()?;
    // The same build the native layer made (a no-op after it): `cargo build -p baton-server`
    // would unify features differently and recompile a dozen crates for nothing.
    Cmd::cargo("build the server (baton, as cargo test builds it)")
        .args(["test", "--workspace", "--no-run"])
        .run()?;
    toolchain::ensure_node_modules()?;
    toolchain::ensure_chromium()?;
    let root = layout::root();
    let screenshots = layout::target_dir().join("screenshots");
    fs::create_dir_all(&screenshots)
        .with_context(|| format!("creating {}", screenshots.display()))?;
    Cmd::new("end-to-end specs (node tests/e2e/run.mjs)", "node")
        .arg(root.join("tests/e2e/run.mjs"))
        .env("BATON_BIN", layout::baton_bin("debug"))
        .env("BATON_ROOT", &root)
        .env("BATON_PKG_DIR", layout::pkg_dir())
        .env("BATON_DEMO_CONFIG", layout::demo_config())
        .env("BATON_SCREENSHOTS", &screenshots)
        .env("CHROMIUM", toolchain::CHROMIUM)
        .run()
}

fn size_budget() -> Result<()> {
    match size::run()? {
        code if code == ExitCode::SUCCESS => Ok(()),
        _ => bail!("over budget (see the table above)"),
    }
}
