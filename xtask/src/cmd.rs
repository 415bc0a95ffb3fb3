//! Running external commands with visible progress: every step prints what it runs, a
//! heartbeat while it is quiet for long, and how long it took. Nothing hangs silently.
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// How often a long step reports that it is still running.
const HEARTBEAT: Duration = Duration::from_secs(30);

/// A command about to run, with a human label for progress lines.
pub(crate) struct Cmd {
    label: String,
    command: Command,
}

impl Cmd {
    /// A command `program args…`, labelled for progress output.
    pub(crate) fn new(label: impl Into<String>, program: impl AsRef<OsStr>) -> Cmd {
        let mut command = Command::new(program);
        command.current_dir(crate::layout::root());
        Cmd {
            label: label.into(),
            command,
        }
    }

    /// `cargo …` using the same cargo that runs xtask.
    pub(crate) fn cargo(label: impl Into<String>) -> Cmd {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Cmd::new(label, cargo)
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.command.arg(arg);
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cmd {
        self.command.env(key, value);
        self
    }

    fn describe(&self) -> String {
        let mut line = self.command.get_program().to_string_lossy().into_owned();
        for arg in self.command.get_args() {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        line
    }

    /// Runs with inherited stdio and fails when the command does.
    pub(crate) fn run(mut self) -> Result<()> {
        let started = announce(&self.label, &self.describe());
        let beat = Heartbeat::start(&self.label);
        let status = self
            .command
            .status()
            .with_context(|| format!("could not start `{}`", self.describe()))?;
        beat.stop();
        if !status.success() {
            bail!(
                "{} failed ({status}) after {}: `{}`",
                self.label,
                elapsed(started),
                self.describe()
            );
        }
        println!("    {} done in {}", self.label, elapsed(started));
        Ok(())
    }

    /// Runs quietly and returns stdout; fails (showing stderr) when the command does.
    pub(crate) fn read(mut self) -> Result<String> {
        let output = self
            .command
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("could not start `{}`", self.describe()))?;
        if !output.status.success() {
            bail!(
                "`{}` failed ({}):\n{}",
                self.describe(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            );
        }
        String::from_utf8(output.stdout)
            .with_context(|| format!("`{}` printed invalid UTF-8", self.describe()))
    }

    /// Runs quietly and returns the raw output whatever the exit status; `None` when the
    /// program cannot be started at all (not installed).
    pub(crate) fn probe(mut self) -> Option<Output> {
        self.command.stdin(Stdio::null()).output().ok()
    }
}

fn announce(label: &str, line: &str) -> Instant {
    println!("==> {label}\n    $ {line}");
    Instant::now()
}

/// Human-readable time since `started`.
pub(crate) fn elapsed(started: Instant) -> String {
    let secs = started.elapsed().as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        format!("{}m{:02}s", secs as u64 / 60, secs as u64 % 60)
    }
}

/// Prints "still running" every [`HEARTBEAT`] until stopped, so a quiet step is never
/// mistaken for a hang.
struct Heartbeat {
    done: Arc<AtomicBool>,
}

impl Heartbeat {
    fn start(label: &str) -> Heartbeat {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let label = label.to_owned();
        let started = Instant::now();
        thread::spawn(move || {
            let tick = Duration::from_millis(250);
            let mut next = HEARTBEAT;
            while !flag.load(Ordering::Relaxed) {
                thread::sleep(tick);
                if started.elapsed() >= next && !flag.load(Ordering::Relaxed) {
                    println!("    … {label}: still running ({})", elapsed(started));
                    next += HEARTBEAT;
                }
            }
        });
        Heartbeat { done }
    }

    fn stop(self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

/// Whether `program` can be found on PATH (or is an existing path).
pub(crate) fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// Whether this process runs as root (so apt-get may be used).
pub(crate) fn is_root() -> bool {
    Cmd::new("id", "id")
        .arg("-u")
        .read()
        .map(|uid| uid.trim() == "0")
        .unwrap_or(false)
}
