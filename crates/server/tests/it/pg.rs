//! A throwaway Postgres server for tests and benches: `initdb` into a temp dir, `pg_ctl start`
//! on a free 127.0.0.1 port (its unix socket in the same dir), stopped and deleted on drop.
//!
//! Binaries come from `BATON_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin` (Debian's
//! `postgresql` package), else `initdb` on `PATH`. `initdb` refuses to run as root, so as root
//! every server command runs as the `postgres` user (`runuser -u postgres --`), which the
//! package creates; the temp dir is handed to that user.
//!
//! Shared with `examples/loadgen.rs` through `#[path]`, so it uses only std.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The system user that owns clusters when we run as root.
const PG_USER: &str = "postgres";

/// A running throwaway Postgres. Its only role is `postgres`, trusted on 127.0.0.1.
#[derive(Debug)]
pub struct Cluster {
    root: PathBuf,
    bin: PathBuf,
    port: u16,
    as_user: bool,
    keep: bool,
}

/// Where the Postgres server binaries are, if installed.
pub fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BATON_PG_BIN") {
        return Some(PathBuf::from(dir)).filter(|d| d.join("pg_ctl").is_file());
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|p| p.join("initdb").is_file() && p.join("pg_ctl").is_file())
    })
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .is_some_and(|s| s.trim() == "0")
}

fn user_ids(user: &str) -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, user]).output().ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

impl Cluster {
    /// Creates and starts a cluster. `durable: false` turns fsync off (tests: faster, and a
    /// test never survives a power loss anyway); benches pass `true` to measure real commits.
    pub fn start(durable: bool) -> Result<Cluster, String> {
        let bin = bin_dir().ok_or(
            "Postgres server binaries not found (install the Debian package `postgresql`, \
             or set BATON_PG_BIN)",
        )?;
        let as_user = running_as_root();
        let root = std::env::temp_dir().join(format!(
            "baton-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        if as_user {
            let (uid, gid) = user_ids(PG_USER).ok_or(
                "running as root and there is no `postgres` user to run initdb as \
                 (`useradd --system postgres`; .ci/run does it)",
            )?;
            std::os::unix::fs::chown(&root, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", root.display()))?;
        }
        let mut cluster = Cluster {
            root,
            bin,
            port: 0,
            as_user,
            keep: false,
        };
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        // A port picked now may be taken before the server binds it: retry a few times.
        let mut last = String::new();
        for _ in 0..5 {
            cluster.port = free_port()?;
            let fsync = if durable { "on" } else { "off" };
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync={fsync} \
                 -c max_connections=200 -c shared_buffers=64MB",
                cluster.port,
                path_str(&cluster.root)?,
            );
            let log = cluster.root.join("server.log");
            match cluster.run(
                "pg_ctl",
                &[
                    "-D",
                    path_str(&data)?,
                    "-l",
                    path_str(&log)?,
                    "-o",
                    &options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            ) {
                Ok(()) => return Ok(cluster),
                Err(e) => {
                    let tail = std::fs::read_to_string(&log).unwrap_or_default();
                    last = format!("{e}\n{tail}");
                }
            }
        }
        Err(format!("pg_ctl start failed: {last}"))
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A `postgres://` URL for database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a fresh, empty database; returns its URL.
    pub fn create_database(&self) -> Result<String, String> {
        let name = format!("baton_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let port = self.port.to_string();
        self.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", &name],
        )?;
        Ok(self.url(&name))
    }

    /// Leaves the server running when dropped (the process-wide shared cluster: a watchdog
    /// stops it when the test process is gone).
    fn leak_with_watchdog(mut self) -> Result<&'static Cluster, String> {
        self.keep = true;
        let stop = self.command_line(
            "pg_ctl",
            &["-D", path_str(&self.data_dir())?, "-m", "immediate", "stop"],
        );
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{root}'",
            pid = std::process::id(),
            root = self.root.display(),
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("watchdog: {e}"))?;
        Ok(Box::leak(Box::new(self)))
    }

    fn command_line(&self, tool: &str, args: &[&str]) -> String {
        let mut words = Vec::new();
        if self.as_user {
            words.extend(["runuser", "-u", PG_USER, "--"].map(str::to_owned));
        }
        words.push(self.bin.join(tool).display().to_string());
        words.extend(args.iter().map(|a| (*a).to_owned()));
        words
            .iter()
            .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_user {
            let mut c = Command::new("runuser");
            c.args(["-u", PG_USER, "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: {e}", exe.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} {}: {}\n{}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if let Some(data) = self.data_dir().to_str() {
            let _ = self.run("pg_ctl", &["-D", data, "-m", "immediate", "stop"]);
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

fn path_str(p: &Path) -> Result<&str, String> {
    p.to_str()
        .ok_or_else(|| format!("not UTF-8: {}", p.display()))
}

/// One cluster per test process, started on first use. `None` (the reason printed) only when
/// the Postgres binaries are not installed; installed binaries that fail to start panic.
pub fn shared() -> Option<&'static Cluster> {
    static SHARED: OnceLock<Option<&'static Cluster>> = OnceLock::new();
    *SHARED.get_or_init(|| {
        if bin_dir().is_none() {
            eprintln!(
                "SKIPPED (Postgres tests): no Postgres server binaries (Debian package \
                 `postgresql`; .ci/run installs it) and BATON_PG_BIN unset"
            );
            return None;
        }
        match Cluster::start(false).and_then(Cluster::leak_with_watchdog) {
            Ok(c) => Some(c),
            Err(e) => panic!("starting the throwaway Postgres failed: {e}"),
        }
    })
}

/// A fresh database on the shared cluster, or `None` (test skipped, reason printed) when
/// Postgres is unavailable.
pub fn fresh_database() -> Option<String> {
    let cluster = shared()?;
    match cluster.create_database() {
        Ok(url) => Some(url),
        Err(e) => panic!("createdb on the test cluster failed: {e}"),
    }
}
