//! The engine's promise, enforced: no I/O runtime, no web bindings, no randomness source in
//! its dependency tree, and no clock or RNG calls in its source. Same input, same output,
//! natively and in wasm — which is what lets the server re-derive a browser's reasons.
use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cmd::Cmd;
use crate::layout;

/// Crates that would give the engine a runtime, a web API or an entropy source.
const FORBIDDEN_CRATES: [&str; 7] = [
    "tokio",
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "getrandom",
    "rand",
    "mio",
];

/// Source text that reads the clock or draws randomness.
const FORBIDDEN_SOURCE: [&str; 6] = [
    "std::time",
    "SystemTime",
    "Instant::now",
    "thread_rng",
    "new_v4",
    "Date::now",
];

pub(crate) fn run() -> Result<()> {
    println!("==> engine purity: dependency tree");
    let tree = Cmd::cargo("cargo tree")
        .args([
            "tree",
            "-p",
            "baton-engine",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--target",
            "all",
        ])
        .read()?;
    let bad_deps = forbidden_deps(&tree);
    println!("==> engine purity: crates/engine/src");
    let mut bad_src = Vec::new();
    scan_dir(&layout::root().join("crates/engine/src"), &mut bad_src)?;
    if bad_deps.is_empty() && bad_src.is_empty() {
        println!("    baton-engine: no runtime, web or RNG crates; no clock or RNG calls");
        return Ok(());
    }
    let mut msg = String::from("baton-engine must stay sans-IO and deterministic:\n");
    for dep in &bad_deps {
        msg.push_str(&format!(
            "  depends on `{dep}` (see `cargo tree -p baton-engine -e normal -i {dep}`)\n"
        ));
    }
    for hit in &bad_src {
        msg.push_str(&format!("  {hit}\n"));
    }
    bail!(msg)
}

/// Forbidden crate names appearing in `cargo tree --prefix none` output.
fn forbidden_deps(tree: &str) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| FORBIDDEN_CRATES.contains(name))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

fn scan_dir(dir: &Path, hits: &mut Vec<String>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            scan_dir(&path, hits)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let rel = path.strip_prefix(layout::root()).unwrap_or(&path);
            for (line, needle) in forbidden_source(&text) {
                hits.push(format!("{}:{line}: uses `{needle}`", rel.display()));
            }
        }
    }
    Ok(())
}

/// (1-based line, needle) for each forbidden call outside comments.
fn forbidden_source(text: &str) -> Vec<(usize, &'static str)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .flat_map(|(i, l)| {
            FORBIDDEN_SOURCE
                .iter()
                .filter(move |n| l.contains(*n))
                .map(move |n| (i + 1, *n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_forbidden_crates_by_exact_name() {
        let tree = "baton-engine v0.1.0 (/w/crates/engine)\nserde v1.0.228\ngetrandom v0.3.1\n\
                    rand_core v0.9.0\ntokio-util v0.7.0\ntokio v1.48.0\n";
        assert_eq!(forbidden_deps(tree), ["getrandom", "tokio"]);
    }

    #[test]
    fn finds_clock_calls_but_not_comments() {
        let src = "//! reads no std::time clock\nuse std::time::Instant;\n  // Instant::now is banned\nlet t = Instant::now();\n";
        assert_eq!(
            forbidden_source(src),
            [(2, "std::time"), (4, "Instant::now")]
        );
    }
}
