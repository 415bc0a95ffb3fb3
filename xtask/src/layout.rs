//! Where things are in the repository and the cargo target directory.
use std::path::{Path, PathBuf};

/// The repository root (the workspace that contains `xtask/`).
pub(crate) fn root() -> PathBuf {
    // CARGO_MANIFEST_DIR is xtask/ at compile time; its parent is the workspace root. The
    // path is baked in by cargo, so it always has a parent.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cargo target directory: `$CARGO_TARGET_DIR` when set, else `<root>/target`.
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        _ => root().join("target"),
    }
}

/// The widget's build output, served under `/pkg/`.
pub(crate) fn pkg_dir() -> PathBuf {
    root().join("pkg")
}

/// The demo site's config, shipped by the server crate.
pub(crate) fn demo_config() -> PathBuf {
    root().join("crates/server/demo/site.toml")
}

/// `node_modules/.bin/<tool>`.
pub(crate) fn node_bin(tool: &str) -> PathBuf {
    root().join("node_modules/.bin").join(tool)
}

/// The `baton` binary built in the given cargo profile directory (`debug` or `release`).
pub(crate) fn baton_bin(profile_dir: &str) -> PathBuf {
    target_dir().join(profile_dir).join("baton")
}
