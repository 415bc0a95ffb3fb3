//! `cargo xtask doctor`: each tool the build and the tests use, ok or missing, and the exact
//! command that fixes a missing one. It installs nothing; `build` and `test` do.
use std::process::ExitCode;

use anyhow::Result;

use crate::cmd::{self, Cmd};
use crate::layout;
use crate::toolchain::{self, CHROMEDRIVER, CHROMIUM, CHROMIUM_PACKAGES, WASM_TARGET};

struct Check {
    tool: &'static str,
    /// `Ok(what was found)` or `Err(what is wrong)`.
    state: std::result::Result<String, String>,
    /// The command that fixes it.
    fix: String,
    /// Needed by `build` and `test`, or only by some tests.
    required: bool,
}

pub(crate) fn run() -> Result<ExitCode> {
    let sudo = if cmd::is_root() { "" } else { "sudo " };
    let mut checks = Vec::new();

    checks.push(Check {
        tool: "rust target wasm32",
        state: if toolchain::has_wasm_target() {
            Ok(WASM_TARGET.into())
        } else {
            Err("not installed".into())
        },
        fix: format!("rustup target add {WASM_TARGET}"),
        required: true,
    });

    let want = toolchain::locked_wasm_bindgen_version().unwrap_or_else(|e| format!("?({e})"));
    checks.push(Check {
        tool: "wasm-bindgen-cli",
        state: match toolchain::installed_wasm_bindgen_version() {
            Some(have) if have == want => Ok(format!("{have} (matches Cargo.lock)")),
            Some(have) => Err(format!("{have} installed, Cargo.lock has {want}")),
            None => Err("not installed".into()),
        },
        fix: format!("cargo install wasm-bindgen-cli --version {want} --force"),
        required: true,
    });

    checks.push(Check {
        tool: "node",
        state: match toolchain::node_version() {
            Some(v) if node_major(&v).is_some_and(|m| m >= 20) => Ok(v),
            Some(v) => Err(format!("{v} is too old (need 20+)")),
            None => Err("not installed".into()),
        },
        fix: format!("{sudo}apt-get install -y nodejs npm   (Node 20+)"),
        required: true,
    });

    checks.push(Check {
        tool: "npm",
        state: Cmd::new("npm", "npm")
            .arg("--version")
            .read()
            .map(|v| v.trim().to_owned())
            .map_err(|_| "not installed".into()),
        fix: format!("{sudo}apt-get install -y npm"),
        required: true,
    });

    checks.push(Check {
        tool: "node_modules",
        state: if toolchain::node_modules_current() {
            let v = Cmd::new("wasm-opt", layout::node_bin("wasm-opt"))
                .arg("--version")
                .read()
                .map(|v| v.trim().to_owned())
                .unwrap_or_default();
            Ok(format!("current ({v})"))
        } else {
            Err("missing or older than package-lock.json".into())
        },
        fix: "npm ci".into(),
        required: true,
    });

    checks.push(Check {
        tool: "chromium",
        state: version_of(CHROMIUM),
        fix: format!(
            "{sudo}apt-get update && {sudo}apt-get install -y {}",
            CHROMIUM_PACKAGES.join(" ")
        ),
        required: true,
    });
    checks.push(Check {
        tool: "chromedriver",
        state: version_of(CHROMEDRIVER),
        fix: format!("{sudo}apt-get install -y chromium-driver"),
        required: true,
    });

    checks.push(Check {
        tool: "postgres (Postgres tests)",
        state: toolchain::postgres_bin_dir()
            .map(|bin| bin.display().to_string())
            .ok_or_else(|| "no /usr/lib/postgresql/*/bin/initdb".into()),
        fix: format!("{sudo}apt-get install -y postgresql"),
        required: false,
    });

    let mut missing = 0;
    for c in &checks {
        match &c.state {
            Ok(found) => println!("ok       {:<26} {found}", c.tool),
            Err(why) => {
                if c.required {
                    missing += 1;
                }
                println!(
                    "{:<8} {:<26} {why}\n         fix: {}",
                    if c.required { "MISSING" } else { "optional" },
                    c.tool,
                    c.fix
                );
            }
        }
    }
    if missing == 0 {
        println!("\nall required tools present");
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "\n{missing} required tool(s) missing; `cargo xtask build` and `cargo xtask test` \
             install them when they can (apt-get needs root)"
        );
        Ok(ExitCode::FAILURE)
    }
}

fn version_of(program: &str) -> std::result::Result<String, String> {
    match Cmd::new(program, program).arg("--version").probe() {
        Some(out) if out.status.success() => {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        }
        Some(out) => Err(format!("`{program} --version` failed: {}", out.status)),
        None => Err(format!("{program} not found")),
    }
}

/// `v20.20.2` → 20.
fn node_major(version: &str) -> Option<u32> {
    version
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::node_major;

    #[test]
    fn node_major_reads_the_leading_number() {
        assert_eq!(node_major("v20.20.2"), Some(20));
        assert_eq!(node_major("v8.1.0"), Some(8));
        assert_eq!(node_major("garbage"), None);
    }
}
