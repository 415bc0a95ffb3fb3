//! `cargo xtask size`: what a visitor downloads, raw / gzip / brotli, checked against the
//! budgets in `size-budget.toml`.
//!
//! Compression uses the settings a server would use to pre-compress static files (gzip -9,
//! brotli quality 11, window 22), so the numbers are what goes over the wire.
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::layout;

/// `size-budget.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetFile {
    budget: Vec<Budget>,
}

/// One limit: the summed size of some files, in one encoding.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Budget {
    name: String,
    /// File names in pkg/; `*` matches any run of characters.
    files: Vec<String>,
    encoding: Encoding,
    /// Hard ceiling: the check fails above it, so the bundle can only shrink.
    max_bytes: u64,
    /// Where we mean to get to; reported (never hidden) while not yet reached.
    #[serde(default)]
    goal_bytes: Option<u64>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Encoding {
    Raw,
    Gzip,
    Brotli,
}

/// Sizes of one file as stored and as sent compressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sizes {
    pub(crate) name: String,
    pub(crate) raw: u64,
    pub(crate) gzip: u64,
    pub(crate) brotli: u64,
}

impl Sizes {
    fn get(&self, encoding: Encoding) -> u64 {
        match encoding {
            Encoding::Raw => self.raw,
            Encoding::Gzip => self.gzip,
            Encoding::Brotli => self.brotli,
        }
    }
}

pub(crate) fn run() -> Result<ExitCode> {
    let pkg = layout::pkg_dir();
    if !pkg.join(crate::build::LOADER).is_file() {
        println!("pkg/ has no build yet; building the widget first");
        crate::build::run()?;
    }
    let files = measure_dir(&pkg)?;
    let budgets = load_budgets(&layout::root().join("size-budget.toml"))?;
    print_table(&files);
    let mut over = 0;
    println!();
    for budget in &budgets.budget {
        let matched: Vec<&Sizes> = files
            .iter()
            .filter(|f| budget.files.iter().any(|g| glob_match(g, &f.name)))
            .collect();
        for pattern in budget.files.iter().filter(|g| !g.contains('*')) {
            if !matched.iter().any(|f| &f.name == pattern) {
                bail!(
                    "size budget `{}` names pkg/{pattern}, which the build did not produce",
                    budget.name
                );
            }
        }
        let total: u64 = matched.iter().map(|f| f.get(budget.encoding)).sum();
        let ok = total <= budget.max_bytes;
        if !ok {
            over += 1;
        }
        println!(
            "{} {:<22} {:>9} {:<6} of {:>9} allowed ({:>5.1} %)  [{}]",
            if ok { "ok  " } else { "OVER" },
            budget.name,
            total,
            format!("{:?}", budget.encoding).to_lowercase(),
            budget.max_bytes,
            100.0 * total as f64 / budget.max_bytes as f64,
            matched
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(" + ")
        );
        if let Some(goal) = budget.goal_bytes.filter(|goal| total > *goal) {
            println!(
                "     {:<22} goal {goal} not met yet: {} bytes to go",
                budget.name,
                total - goal
            );
        }
    }
    if over > 0 {
        eprintln!("xtask size: {over} budget(s) exceeded (size-budget.toml)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn load_budgets(path: &Path) -> Result<BudgetFile> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Every regular file directly in `dir` except pre-compressed twins, sorted by name.
pub(crate) fn measure_dir(dir: &Path) -> Result<Vec<Sizes>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        if !entry.file_type()?.is_file() || is_precompressed(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let bytes = fs::read(entry.path())
            .with_context(|| format!("reading {}", entry.path().display()))?;
        out.push(measure(&entry.file_name().to_string_lossy(), &bytes)?);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

pub(crate) fn measure(name: &str, bytes: &[u8]) -> Result<Sizes> {
    Ok(Sizes {
        name: name.to_owned(),
        raw: bytes.len() as u64,
        gzip: gzip_len(bytes)?,
        brotli: brotli_len(bytes)?,
    })
}

fn gzip_len(bytes: &[u8]) -> Result<u64> {
    Ok(gzip(bytes)?.len() as u64)
}

fn brotli_len(bytes: &[u8]) -> Result<u64> {
    Ok(brotli(bytes)?.len() as u64)
}

/// gzip -9, as served for `Accept-Encoding: gzip`.
pub(crate) fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

/// Brotli quality 11, window 22, as served for `Accept-Encoding: br`.
pub(crate) fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Whether a pkg/ file is a pre-compressed twin (`x.js.br`, `x.js.gz`), not a download of
/// its own.
pub(crate) fn is_precompressed(name: &str) -> bool {
    name.ends_with(".br") || name.ends_with(".gz")
}

fn print_table(files: &[Sizes]) {
    println!(
        "{:<28} {:>10} {:>10} {:>10}",
        "pkg/ file", "raw", "gzip", "brotli"
    );
    for f in files {
        println!(
            "{:<28} {:>10} {:>10} {:>10}",
            f.name,
            kib(f.raw),
            kib(f.gzip),
            kib(f.brotli)
        );
    }
    let sum = |get: fn(&Sizes) -> u64| files.iter().map(get).sum::<u64>();
    println!(
        "{:<28} {:>10} {:>10} {:>10}",
        "total",
        kib(sum(|f| f.raw)),
        kib(sum(|f| f.gzip)),
        kib(sum(|f| f.brotli))
    );
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, rest)) => {
            let Some(tail) = name.strip_prefix(prefix) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob_match(rest, &tail[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_star_anywhere() {
        assert!(glob_match("*.css", "widget.css"));
        assert!(!glob_match("*.css", "widget.css.map"));
        assert!(glob_match("baton_*_bg.wasm", "baton_widget_bg.wasm"));
        assert!(glob_match("baton.js", "baton.js"));
        assert!(!glob_match("baton.js", "baton_widget.js"));
    }

    #[test]
    fn compression_shrinks_repetitive_text_and_brotli_beats_gzip() {
        let text = "Talk to a person. ".repeat(500);
        let sizes = measure("x.js", text.as_bytes()).expect("in-memory compression");
        assert_eq!(sizes.raw, text.len() as u64);
        assert!(sizes.gzip < sizes.raw / 10, "{sizes:?}");
        assert!(sizes.brotli <= sizes.gzip, "{sizes:?}");
    }

    #[test]
    fn committed_budget_file_parses_and_keeps_the_issue_limits() {
        let budgets =
            load_budgets(&layout::root().join("size-budget.toml")).expect("size-budget.toml");
        let loader = budgets
            .budget
            .iter()
            .find(|b| b.name == "loader")
            .expect("a `loader` budget");
        assert_eq!(loader.encoding, Encoding::Gzip);
        assert!(loader.max_bytes <= 10_000);
        let first = budgets
            .budget
            .iter()
            .find(|b| b.name == "before-first-message")
            .expect("a `before-first-message` budget");
        assert_eq!(first.encoding, Encoding::Brotli);
        // The issue's 150 KB is kept: as the hard limit, or as the goal while a ratchet holds.
        assert!(first.goal_bytes.unwrap_or(first.max_bytes) <= 150_000);
        assert!(first.goal_bytes.is_none_or(|goal| goal <= first.max_bytes));
        assert!(first.files.iter().any(|f| f == "baton_widget_bg.wasm"));
    }
}
