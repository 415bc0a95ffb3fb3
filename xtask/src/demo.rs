//! `cargo xtask demo`: build the widget and the server, then serve the demo shop, the widget
//! and the agent console on 127.0.0.1 until Ctrl-C.
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::cmd::Cmd;
use crate::{build, layout};

const DEFAULT_PORT: u16 = 8787;
const HOST: &str = "127.0.0.1";

pub(crate) struct Options {
    port: u16,
    data_dir: PathBuf,
}

impl Options {
    pub(crate) fn parse(args: &[String]) -> Result<Options> {
        let mut opts = Options {
            port: DEFAULT_PORT,
            data_dir: layout::root().join(".baton-data"),
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f, Some(v.to_owned())),
                None => (arg.as_str(), None),
            };
            let mut value = || -> Result<String> {
                inline
                    .clone()
                    .or_else(|| it.next().cloned())
                    .with_context(|| format!("`{flag}` needs a value"))
            };
            match flag {
                "--port" => {
                    let v = value()?;
                    opts.port = v
                        .parse()
                        .with_context(|| format!("--port: `{v}` is not a port number"))?;
                }
                "--data-dir" => opts.data_dir = PathBuf::from(value()?),
                other => bail!("demo: unknown option `{other}` (options: --port N, --data-dir D)"),
            }
        }
        Ok(opts)
    }
}

/// `(email, password)` of each `[[agents]]` entry in the demo config, to print on start.
fn demo_agents(config: &std::path::Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(config) else {
        return Vec::new();
    };
    let Ok(value) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(agents) = value.get("agents").and_then(toml::Value::as_array) else {
        return Vec::new();
    };
    agents
        .iter()
        .filter_map(|a| {
            let email = a.get("email")?.as_str()?;
            let password = a.get("password")?.as_str()?;
            Some((email.to_owned(), password.to_owned()))
        })
        .collect()
}

pub(crate) fn run(opts: Options) -> Result<()> {
    build::run()?;
    // The debug build: a demo serves one person, and a fresh clone gets to the page minutes
    // sooner than with an optimised build of the whole server.
    Cmd::cargo("build the server")
        .args(["build", "-p", "baton-server", "--bin", "baton"])
        .run()?;
    std::fs::create_dir_all(&opts.data_dir)
        .with_context(|| format!("creating {}", opts.data_dir.display()))?;

    let root = layout::root();
    let config = layout::demo_config();
    let base = format!("http://{HOST}:{}", opts.port);
    let mut child = std::process::Command::new(layout::baton_bin("debug"))
        .current_dir(&root)
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&opts.data_dir)
        .args(["--host", HOST, "--port", &opts.port.to_string()])
        .arg("--pkg-dir")
        .arg(layout::pkg_dir())
        .arg("--demo-page")
        .arg(root.join("index.html"))
        .stdin(Stdio::null())
        .spawn()
        .context("starting `baton serve`")?;

    // Ctrl-C reaches the whole foreground process group, baton included; xtask only waits
    // for it to shut down gracefully instead of dying first and leaving it orphaned.
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .context("installing the Ctrl-C handler")?;

    println!("\nBaton demo");
    println!("  shop (widget embedded): {base}/");
    println!("  agent console:          {base}/console");
    println!("  dashboard:              {base}/console/dashboard");
    for (email, password) in demo_agents(&config) {
        println!("  demo agent login:       {email} / {password}");
    }
    println!("  data:                   {}", opts.data_dir.display());
    println!("Press Ctrl-C to stop.\n");

    let mut forwarded = false;
    loop {
        if let Some(status) = child.try_wait().context("waiting for baton")? {
            if interrupted.load(Ordering::SeqCst) || status.success() {
                println!("demo stopped");
                return Ok(());
            }
            bail!("baton serve exited: {status}");
        }
        if interrupted.load(Ordering::SeqCst) && !forwarded {
            // A SIGINT sent to xtask alone (not from a terminal) still stops the server.
            let _ = Cmd::new("stop baton", "kill")
                .args(["-INT", &child.id().to_string()])
                .probe();
            forwarded = true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
