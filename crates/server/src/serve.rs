//! `baton serve`: load config, open storage, start background work, listen, drain on exit.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{ConfigError, Sites};
use crate::db::{Backend, Db, DbError};
use crate::state::{AppState, StartError, StaticFiles, SystemClock};

/// Validated `baton serve` options.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Site TOML files.
    pub configs: Vec<PathBuf>,
    /// Where the SQLite file (and nothing else yet) lives.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub host: String,
    /// Port (0 picks a free one; the chosen address is printed).
    pub port: u16,
    /// `sqlite://…` or `postgres://…`; default: `sqlite://<data-dir>/baton.db`.
    pub database: Option<String>,
    /// `--demo-page`.
    pub demo_page: Option<PathBuf>,
    /// `--pkg-dir`.
    pub pkg_dir: Option<PathBuf>,
}

/// Why `baton serve` stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A site config file is bad.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Start-up failed after the database opened.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The cross-instance live channel (Postgres `LISTEN`) could not start.
    #[error(transparent)]
    Fanout(#[from] crate::fanout::FanoutError),
    /// Seeding customers or agents failed.
    #[error("seeding {what}: {source}")]
    Seed {
        /// What was being seeded.
        what: String,
        /// The database error.
        source: sqlx::Error,
    },
    /// A path given on the command line is unusable.
    #[error("{flag}: {path}: {message}")]
    Path {
        /// The flag.
        flag: &'static str,
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Listening or serving failed.
    #[error("listen on {addr}: {source}")]
    Io {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A running server (from `start`): its address and a handle to stop it.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    demo_agents: Vec<(String, String)>,
    stop: watch::Sender<bool>,
    http: tokio::task::JoinHandle<Result<(), ServeError>>,
    worker: tokio::task::JoinHandle<()>,
    db: Db,
}

impl Running {
    /// The bound address (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `(email, password)` of seeded demo agents, to print.
    pub fn demo_agents(&self) -> &[(String, String)] {
        &self.demo_agents
    }

    /// Stops accepting connections, lets in-flight requests finish, stops the webhook
    /// worker (a delivery in progress completes or is retried after its lease) and closes
    /// the database.
    pub async fn stop(self) -> Result<(), ServeError> {
        let _ = self.stop.send(true);
        let served = match self.http.await {
            Ok(result) => result,
            Err(join) => Err(ServeError::Io {
                addr: self.addr.to_string(),
                source: std::io::Error::other(join),
            }),
        };
        let _ = tokio::time::timeout(Duration::from_secs(10), self.worker).await;
        self.db.close().await;
        served
    }
}

/// Loads config, opens and migrates storage, binds, and starts serving in the background.
pub async fn start(opts: ServeOptions) -> Result<Running, ServeError> {
    let sites = Sites::load(&opts.configs)?;
    std::fs::create_dir_all(&opts.data_dir).map_err(|e| ServeError::Path {
        flag: "--data-dir",
        path: opts.data_dir.clone(),
        message: e.to_string(),
    })?;
    for (flag, path) in [
        ("--demo-page", &opts.demo_page),
        ("--pkg-dir", &opts.pkg_dir),
    ] {
        if let Some(path) = path {
            if !path.exists() {
                return Err(ServeError::Path {
                    flag,
                    path: path.clone(),
                    message: "does not exist".into(),
                });
            }
        }
    }
    let url = opts
        .database
        .clone()
        .unwrap_or_else(|| Db::sqlite_url(&opts.data_dir));
    let db = Db::connect(&url).await?;
    let clock = Arc::new(SystemClock);
    let now = crate::state::Clock::now(&*clock).0 as i64;
    let demo_agents = seed(&db, &sites, now).await?;

    let files = StaticFiles {
        pkg_dir: opts.pkg_dir.clone(),
        demo_page: opts.demo_page.clone(),
    };
    let state = AppState::new(db.clone(), sites, clock, files).await?;
    let (stop, stop_rx) = watch::channel(false);
    let worker = tokio::spawn(crate::webhook::run_worker(state.clone(), stop_rx.clone()));
    if db.backend() == Backend::Postgres {
        // Several instances share this database: carry live events between them.
        crate::fanout::spawn(&url, &state, stop_rx.clone()).await?;
    }
    tokio::spawn(crate::retention::run(state.clone(), stop_rx.clone()));

    let addr = format!("{}:{}", opts.host, opts.port);
    let listener = TcpListener::bind(&addr)
        .await
        .map_err(|source| ServeError::Io {
            addr: addr.clone(),
            source,
        })?;
    let local: SocketAddr = listener.local_addr().map_err(|source| ServeError::Io {
        addr: addr.clone(),
        source,
    })?;
    let app = crate::app::router(state);
    let mut stopped = stop_rx;
    let http = tokio::spawn(async move {
        // With the peer address, so per-address limits (login, ingest) see who is calling.
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        })
        .await
        .map_err(|source| ServeError::Io { addr, source })
    });
    Ok(Running {
        addr: local,
        demo_agents,
        stop,
        http,
        worker,
        db,
    })
}

/// Runs the server until Ctrl-C or SIGTERM, then drains in-flight requests and stops.
pub async fn run(opts: ServeOptions) -> Result<(), ServeError> {
    let running = start(opts).await?;
    let local = running.addr();
    // The one line tests and scripts read to find the port; keep its shape stable.
    println!("baton listening on http://{local}");
    for (email, password) in running.demo_agents() {
        println!("baton demo agent: {email} / {password} (console: http://{local}/console/login)");
    }
    shutdown_signal().await;
    tracing::info!("shutting down: draining in-flight requests");
    running.stop().await
}

/// Seeds customer records and agent accounts from the site configs; returns the demo
/// credentials to print.
async fn seed(db: &Db, sites: &Sites, now: i64) -> Result<Vec<(String, String)>, ServeError> {
    let mut printed = Vec::new();
    for site in sites.iter() {
        for c in &site.customers {
            db.upsert_customer(&site.id, c, now)
                .await
                .map_err(|source| ServeError::Seed {
                    what: format!("customer {} of site {}", c.id, site.id),
                    source,
                })?;
        }
        for a in &site.agents {
            let err = |source| ServeError::Seed {
                what: format!("agent {} of site {}", a.email, site.id),
                source,
            };
            // Hash only for a new account: argon2 is deliberately slow.
            let hash = if db.agent_exists(&a.email).await.map_err(err)? {
                String::new()
            } else {
                hash_password(&a.password)
            };
            let queues = if a.queues.is_empty() {
                vec!["*".to_owned()]
            } else {
                a.queues.clone()
            };
            db.seed_agent(&a.email, &a.name, &hash, &site.id, &queues, now)
                .await
                .map_err(err)?;
            printed.push((a.email.clone(), a.password.clone()));
        }
    }
    Ok(printed)
}

/// argon2id with the crate's default (OWASP) parameters, PHC string format.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    if getrandom::getrandom(&mut salt).is_err() {
        return String::new();
    }
    let Ok(salt) = SaltString::encode_b64(&salt) else {
        return String::new();
    };
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
