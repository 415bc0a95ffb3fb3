//! The tools a build or a test needs, how to tell whether each is present, and how to install
//! it. `ensure_*` installs what is missing; `doctor` only reports, using the same checks.
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::cmd::{self, Cmd};
use crate::layout;

/// The wasm target the widget compiles to.
pub(crate) const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Debian packages that provide the headless browser and its WebDriver.
pub(crate) const CHROMIUM_PACKAGES: [&str; 2] = ["chromium", "chromium-driver"];
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The version of the `wasm-bindgen` crate recorded in Cargo.lock; the CLI must match it
/// exactly or the generated glue does not fit the wasm.
pub(crate) fn locked_wasm_bindgen_version() -> Result<String> {
    let path = layout::root().join("Cargo.lock");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    lock_version(&text, "wasm-bindgen")
        .with_context(|| format!("{}: no `wasm-bindgen` package", path.display()))
}

fn lock_version(lock: &str, package: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Lock {
        package: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
        version: String,
    }
    let lock: Lock = toml::from_str(lock).ok()?;
    lock.package
        .into_iter()
        .find(|p| p.name == package)
        .map(|p| p.version)
}

/// `cargo install`'s bin directory, where wasm-bindgen-cli lands.
fn cargo_bin_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    PathBuf::from(home).join(".cargo/bin")
}

/// The program to run for a cargo-installed tool: the PATH name if it resolves, else the
/// full path in cargo's bin directory.
pub(crate) fn cargo_tool(name: &str) -> PathBuf {
    if cmd::on_path(name) {
        PathBuf::from(name)
    } else {
        cargo_bin_dir().join(name)
    }
}

/// The `x.y.z` a `wasm-bindgen --version` prints, if the tool runs at all.
pub(crate) fn installed_wasm_bindgen_version() -> Option<String> {
    let out = Cmd::new("wasm-bindgen --version", cargo_tool("wasm-bindgen"))
        .arg("--version")
        .probe()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().nth(1).map(str::to_owned)
}

pub(crate) fn has_wasm_target() -> bool {
    Cmd::new("rustup", "rustup")
        .args(["target", "list", "--installed"])
        .read()
        .map(|list| list.lines().any(|l| l.trim() == WASM_TARGET))
        .unwrap_or(false)
}

pub(crate) fn ensure_wasm_target() -> Result<()> {
    if has_wasm_target() {
        return Ok(());
    }
    if !cmd::on_path("rustup") {
        bail!("the {WASM_TARGET} target is missing and rustup is not on PATH: install it with your Rust distribution");
    }
    Cmd::new("add the wasm32 target", "rustup")
        .args(["target", "add", WASM_TARGET])
        .run()
}

pub(crate) fn ensure_wasm_bindgen() -> Result<()> {
    let want = locked_wasm_bindgen_version()?;
    if installed_wasm_bindgen_version().as_deref() == Some(want.as_str()) {
        return Ok(());
    }
    // Without --locked: the CLI's own lock file pins a webpki-roots that no longer builds.
    println!("    wasm-bindgen-cli {want} is not installed; building it (about 2 minutes, once)");
    Cmd::cargo(format!("install wasm-bindgen-cli {want}"))
        .args(["install", "wasm-bindgen-cli", "--version", &want, "--force"])
        .run()?;
    match installed_wasm_bindgen_version() {
        Some(have) if have == want => Ok(()),
        other => bail!(
            "installed wasm-bindgen-cli {want} but `wasm-bindgen --version` reports {other:?}; \
             is another wasm-bindgen earlier on PATH?"
        ),
    }
}

/// Node.js major version, if node runs.
pub(crate) fn node_version() -> Option<String> {
    let out = Cmd::new("node --version", "node")
        .arg("--version")
        .probe()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Whether node_modules is installed and at least as new as package-lock.json.
pub(crate) fn node_modules_current() -> bool {
    let root = layout::root();
    let installed = root.join("node_modules/.package-lock.json");
    let lock = root.join("package-lock.json");
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&installed), modified(&lock)) {
        (Some(installed), Some(lock)) => {
            installed >= lock
                && ["wasm-opt"].iter().all(|t| layout::node_bin(t).is_file())
                && root.join("node_modules/playwright-core").is_dir()
                && root.join("node_modules/axe-core").is_dir()
        }
        _ => false,
    }
}

pub(crate) fn ensure_node_modules() -> Result<()> {
    if node_modules_current() {
        return Ok(());
    }
    if node_version().is_none() {
        bail!("Node.js is not installed (need Node 20+ with npm): install it, e.g. `apt-get install -y nodejs npm`");
    }
    Cmd::new("npm ci (binaryen, playwright-core, axe-core)", "npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .run()
}

pub(crate) fn has_chromium() -> bool {
    PathBuf::from(CHROMIUM).is_file() && PathBuf::from(CHROMEDRIVER).is_file()
}

pub(crate) fn ensure_chromium() -> Result<()> {
    if has_chromium() {
        return Ok(());
    }
    if !cmd::is_root() {
        bail!(
            "headless Chromium is missing: run `sudo apt-get update && sudo apt-get install -y {}`",
            CHROMIUM_PACKAGES.join(" ")
        );
    }
    apt_install(&CHROMIUM_PACKAGES)
}

/// `apt-get update && apt-get install -y <packages>` (root only, non-interactive).
pub(crate) fn apt_install(packages: &[&str]) -> Result<()> {
    Cmd::new("apt-get update", "apt-get")
        .args(["update", "-q"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    Cmd::new(format!("apt-get install {}", packages.join(" ")), "apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()
}

pub(crate) fn ensure_postgres() -> Result<()> {
    if postgres_bin_dir().is_some() {
        return Ok(());
    }
    if !cmd::is_root() {
        bail!("PostgreSQL server binaries are missing: run `sudo apt-get update && sudo apt-get install -y postgresql`");
    }
    apt_install(&["postgresql"])
}

/// The newest PostgreSQL server binaries directory under /usr/lib/postgresql, if any.
pub(crate) fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_version_finds_the_named_package_only() {
        let lock = r#"
version = 4

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.99"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        assert_eq!(
            lock_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(lock_version(lock, "leptos"), None);
        assert_eq!(lock_version("not toml [", "wasm-bindgen"), None);
    }
}
