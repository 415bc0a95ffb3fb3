//! Shared state handed to every handler.
use std::path::PathBuf;
use std::sync::Arc;

use baton_engine::Millis;
use tokio::sync::{broadcast, Notify};

use crate::config::Sites;
use crate::db::Db;
use crate::identity::TokenKey;
use crate::metrics::Metrics;

/// The server's clock. Handlers read time only through this, so tests can fix it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in Unix milliseconds.
    fn now(&self) -> Millis;
}

/// The real wall clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Millis(ms)
    }
}

/// Something happened that live views (console queues, relay) may want to push.
#[derive(Clone, Debug)]
pub enum ServerEvent {
    /// A new handoff was stored.
    HandoffQueued {
        /// Site id.
        site: String,
        /// Handoff id.
        id: String,
        /// Conversation id.
        conversation_id: String,
        /// Queue it was routed to.
        queue: String,
    },
}

/// Static files and the demo page, when `baton serve` was given them.
#[derive(Clone, Debug, Default)]
pub struct StaticFiles {
    /// `--pkg-dir`: the widget build served under `/pkg`.
    pub pkg_dir: Option<PathBuf>,
    /// `--demo-page`: served at `/`.
    pub demo_page: Option<PathBuf>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The stored customer-token key is unusable.
    #[error("settings.customer_token_key: not a 32-byte hex key")]
    BadTokenKey,
    /// The HTTP client (webhooks, CRM) could not be built.
    #[error("http client: {0}")]
    Http(#[from] reqwest::Error),
}

/// Everything a handler may need; cheap to clone (all `Arc`s and pools).
#[derive(Clone, Debug)]
pub struct AppState {
    /// Storage.
    pub db: Db,
    /// Configured sites.
    pub sites: Arc<Sites>,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// Customer-token key.
    pub tokens: TokenKey,
    /// Counters and histograms for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Wakes the webhook worker when deliveries were enqueued.
    pub webhook_wake: Arc<Notify>,
    /// Live events for the console and relay (subscribe with `events.subscribe()`).
    pub events: broadcast::Sender<ServerEvent>,
    /// Static files.
    pub files: StaticFiles,
    /// Shared HTTP client (CRM hook, webhooks).
    pub http: reqwest::Client,
    /// Live relay wake-ups (agent ⇄ customer after handoff).
    pub relay: crate::relay::Relay,
    /// Failed console logins (rate limit and slowdown).
    pub logins: Arc<crate::auth::LoginLimiter>,
    /// Per-address and per-site ingest limits.
    pub ingest_limits: Arc<crate::ratelimit::IngestLimiter>,
}

impl AppState {
    /// Builds the state around an open database; reads or creates the shared token key.
    pub async fn new(
        db: Db,
        sites: Sites,
        clock: Arc<dyn Clock>,
        files: StaticFiles,
    ) -> Result<AppState, StartError> {
        // An empty value (no randomness available) fails `from_hex` below, loudly.
        let key_hex = db
            .setting_or_insert(TokenKey::SETTING, || {
                TokenKey::generate_hex().unwrap_or_default()
            })
            .await?;
        let tokens = TokenKey::from_hex(&key_hex).ok_or(StartError::BadTokenKey)?;
        let (events, _) = broadcast::channel(1024);
        let http = reqwest::Client::builder()
            .user_agent(concat!("baton/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(AppState {
            db,
            sites: Arc::new(sites),
            clock,
            tokens,
            metrics: Arc::new(Metrics::default()),
            webhook_wake: Arc::new(Notify::new()),
            events,
            files,
            http,
            relay: crate::relay::Relay::new(),
            logins: Arc::default(),
            ingest_limits: Arc::default(),
        })
    }
}
