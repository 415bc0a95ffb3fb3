//! `cargo xtask build`: the widget crate → `pkg/`, the directory the server serves at `/pkg/`.
//!
//! 1. `cargo build -p baton-widget --target wasm32-unknown-unknown --profile wasm-release`
//! 2. `wasm-bindgen --target web` (the CLI pinned to Cargo.lock) → `pkg/baton_widget{.js,_bg.wasm}`
//! 3. `wasm-opt -Oz` from the npm `binaryen` package (Debian's is too old for our wasm)
//! 4. `src/loader.js` → `pkg/baton.js`, the one script tag a site owner pastes
//! 5. `.br` and `.gz` twins of every file, which the server sends when the browser accepts them
use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cmd::Cmd;
use crate::toolchain::{self, WASM_TARGET};
use crate::{layout, size};

/// Name of the wasm-bindgen output (`baton_widget.js`, `baton_widget_bg.wasm`).
pub(crate) const OUT_NAME: &str = "baton_widget";
/// The loader as served: what `<script src=".../baton.js">` fetches.
pub(crate) const LOADER: &str = "baton.js";
/// Cargo profile tuned for size, declared in the root Cargo.toml.
const PROFILE: &str = "wasm-release";

/// Features every browser we support has and rustc's wasm32 target emits by default; wasm-opt
/// must be told, or it rejects the module.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-sign-ext",
    "--enable-multivalue",
];

pub(crate) fn run() -> Result<()> {
    toolchain::ensure_wasm_target()?;
    toolchain::ensure_wasm_bindgen()?;
    toolchain::ensure_node_modules()?;

    let root = layout::root();
    let loader = root.join("src/loader.js");
    if !loader.is_file() {
        bail!(
            "{} is missing: the widget's loader script is what pkg/{LOADER} serves",
            loader.display()
        );
    }

    Cmd::cargo("compile the widget to wasm")
        .args(["build", "-p", "baton-widget", "--target", WASM_TARGET])
        .args(["--profile", PROFILE])
        .run()?;
    let wasm = layout::target_dir()
        .join(WASM_TARGET)
        .join(PROFILE)
        .join(format!("{OUT_NAME}.wasm"));

    // Assemble in a staging directory and swap it in at the end, so a server already serving
    // pkg/ (a running demo, an e2e run) never sees a half-written build.
    let final_pkg = layout::pkg_dir();
    let pkg = layout::target_dir().join("pkg-staging");
    if pkg.exists() {
        fs::remove_dir_all(&pkg).with_context(|| format!("clearing {}", pkg.display()))?;
    }
    fs::create_dir_all(&pkg).with_context(|| format!("creating {}", pkg.display()))?;

    Cmd::new("wasm-bindgen", toolchain::cargo_tool("wasm-bindgen"))
        .args(["--target", "web", "--no-typescript", "--out-name", OUT_NAME])
        .arg("--out-dir")
        .arg(&pkg)
        .arg(&wasm)
        .run()?;

    let bg = pkg.join(format!("{OUT_NAME}_bg.wasm"));
    let before = file_len(&bg)?;
    Cmd::new("wasm-opt -Oz", layout::node_bin("wasm-opt"))
        .arg("-Oz")
        .args(WASM_FEATURES)
        .arg(&bg)
        .arg("-o")
        .arg(&bg)
        .run()?;
    let after = file_len(&bg)?;
    println!(
        "    {OUT_NAME}_bg.wasm: {} KiB → {} KiB",
        before / 1024,
        after / 1024
    );

    copy(&loader, &pkg.join(LOADER))?;
    // Stylesheets the loader links are served from pkg/ too; a widget that inlines its CSS
    // into the shadow root simply has none here.
    let style = root.join("style");
    if style.is_dir() && loader_references_css(&loader)? {
        for entry in fs::read_dir(&style).with_context(|| format!("reading {}", style.display()))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "css") {
                if let Some(name) = path.file_name() {
                    copy(&path, &pkg.join(name))?;
                }
            }
        }
    }
    precompress(&pkg)?;
    swap_in(&pkg, &final_pkg)?;
    println!("==> widget built into {}", final_pkg.display());
    Ok(())
}

/// Replaces `to` with the directory `from` (same filesystem when the target dir is inside the
/// repository; otherwise falls back to copying).
fn swap_in(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        fs::remove_dir_all(to).with_context(|| format!("clearing {}", to.display()))?;
    }
    if fs::rename(from, to).is_ok() {
        return Ok(());
    }
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let path = entry?.path();
        if let Some(name) = path.file_name() {
            copy(&path, &to.join(name))?;
        }
    }
    fs::remove_dir_all(from).with_context(|| format!("clearing {}", from.display()))
}

/// Writes `x.br` and `x.gz` beside every file in pkg/, so the server sends the smallest
/// encoding the browser accepts without compressing on each request.
fn precompress(pkg: &Path) -> Result<()> {
    for entry in fs::read_dir(pkg).with_context(|| format!("reading {}", pkg.display()))? {
        let path = entry?.path();
        let name = path.to_string_lossy().into_owned();
        if !path.is_file() || size::is_precompressed(&name) {
            continue;
        }
        let bytes = fs::read(&path).with_context(|| format!("reading {name}"))?;
        fs::write(format!("{name}.br"), size::brotli(&bytes)?)
            .with_context(|| format!("writing {name}.br"))?;
        fs::write(format!("{name}.gz"), size::gzip(&bytes)?)
            .with_context(|| format!("writing {name}.gz"))?;
    }
    Ok(())
}

fn loader_references_css(loader: &Path) -> Result<bool> {
    let text =
        fs::read_to_string(loader).with_context(|| format!("reading {}", loader.display()))?;
    Ok(text.contains(".css"))
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to)
        .map(|_| ())
        .with_context(|| format!("copying {} → {}", from.display(), to.display()))
}

fn file_len(path: &Path) -> Result<u64> {
    Ok(fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len())
}
