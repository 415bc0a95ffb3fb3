//! Storage: SQLite by default (one file under `--data-dir`, WAL), Postgres for several instances.
//!
//! Every query is written once, in SQL both engines accept: `$1`-style bind parameters
//! (SQLite reads `$N` as numbered parameters), `INSERT … ON CONFLICT … DO NOTHING/UPDATE`,
//! `RETURNING`, integers as `BIGINT` (times are Unix milliseconds, flags 0/1) and JSON as
//! `TEXT`; sums are `CAST(… AS BIGINT)` (Postgres sums integers as `NUMERIC`, which `Any`
//! cannot decode). Queries run through `sqlx::Any`, so Postgres needs only its own
//! migrations (`migrations/postgres`, kept in step with `migrations/sqlite` by
//! `tests/it/schema.rs`). Where the engines must differ (claiming work with `FOR UPDATE SKIP
//! LOCKED`), branch on `Db::backend()`.
//!
//! SQLite allows one writer at a time; letting several pooled connections race for the lock
//! makes them sleep in the busy handler and wrecks tail latency. So SQLite gets a
//! single-connection `write` pool and a multi-connection `read` pool; on Postgres both are the
//! same pool.
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnectionMetadata;
use sqlx::{AnyConnection, AnyPool};
use tokio::sync::mpsc;

mod agents;
mod conversations;
mod customers;
mod handoffs;
mod limits;
mod retention;
mod webhooks;

pub use conversations::{EventKind, NewConversation, NewEvent};
pub use handoffs::{HandoffRow, Inserted, NewHandoff, PriorTicket};
pub use retention::{Purged, PURGED_BUNDLE};
pub use webhooks::{Delivery, NewDelivery};

/// Which database engine is behind a `Db`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (the default).
    Sqlite,
    /// A Postgres server.
    Postgres,
}

/// A database URL that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL scheme is neither `sqlite:` nor `postgres:`.
    #[error("--database: unsupported URL `{0}` (use sqlite://FILE or postgres://…)")]
    UnsupportedUrl(String),
    /// Connecting or migrating failed.
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The storage handle kept in `AppState`; cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    /// Queue of the group-commit writer task (`handoffs::run_writer`).
    writer: mpsc::Sender<handoffs::Job>,
}

impl std::fmt::Debug for handoffs::Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per instance on Postgres. Postgres writes concurrently, so unlike SQLite there
/// is one pool; 16 keeps a two-core machine busy without exhausting the server's default
/// `max_connections` (100) when several instances share it.
const PG_POOL_SIZE: u32 = 16;

/// Pragmas for every SQLite connection: WAL so readers never block the writer; NORMAL sync
/// (durable across process crashes, which is what SIGKILL tests check; a power loss may drop
/// the last commits); a busy timeout for the rare second writer (migrations, a second process).
const SQLITE_PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA foreign_keys = ON",
];

impl Db {
    /// Opens the database named by `url` (`sqlite://…` or `postgres://…`) and runs migrations.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl(url.to_owned()));
        };
        match backend {
            Backend::Sqlite => {
                let options = AnyConnectOptions::from_str(url)?;
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(5))
                    .after_connect(sqlite_pragmas)
                    .connect_with(options.clone())
                    .await?;
                migrate_sqlite(&write).await?;
                let read = AnyPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(5))
                    .after_connect(sqlite_pragmas)
                    .connect_with(options)
                    .await?;
                let (writer, jobs) = mpsc::channel(1024);
                tokio::spawn(handoffs::run_writer(write.clone(), jobs));
                Ok(Db {
                    read,
                    write,
                    backend,
                    writer,
                })
            }
            Backend::Postgres => {
                let options = AnyConnectOptions::from_str(url)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(PG_POOL_SIZE)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options)
                    .await?;
                // sqlx takes a Postgres advisory lock around migrations, so instances
                // starting together on one database migrate it once.
                POSTGRES_MIGRATIONS.run(&pool).await?;
                let (writer, jobs) = mpsc::channel(1024);
                tokio::spawn(handoffs::run_writer(pool.clone(), jobs));
                Ok(Db {
                    read: pool.clone(),
                    write: pool,
                    backend,
                    writer,
                })
            }
        }
    }

    /// The SQLite URL for a file under `data_dir`, created if missing.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("baton.db").display())
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Pool for reads (several connections).
    pub(crate) fn read(&self) -> &AnyPool {
        &self.read
    }

    /// Pool for writes (one connection on SQLite).
    pub(crate) fn write(&self) -> &AnyPool {
        &self.write
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map(|_| ())
    }

    /// Reads a setting, or stores `make()` if there is none yet — the first instance wins, so
    /// several instances sharing one database agree on keys.
    pub async fn setting_or_insert(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, sqlx::Error> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(make())
        .execute(&self.write)
        .await?;
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(&self.write)
            .await
    }

    /// Closes both pools, waiting for running queries.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// Runs the SQLite migrations, tolerating another process that starts on the same file at the
/// same moment: sqlx takes no lock around SQLite migrations, so both may try to apply the same
/// one and the loser fails ("table … already exists", its transaction rolled back). Running
/// again skips what the winner applied; a real error fails every attempt and is returned.
async fn migrate_sqlite(pool: &AnyPool) -> Result<(), sqlx::migrate::MigrateError> {
    let mut attempt = 0;
    loop {
        match SQLITE_MIGRATIONS.run(pool).await {
            Ok(()) => return Ok(()),
            Err(err) if attempt >= 4 => return Err(err),
            Err(_) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            }
        }
    }
}

fn sqlite_pragmas<'c>(
    conn: &'c mut AnyConnection,
    _: PoolConnectionMetadata,
) -> BoxFuture<'c, Result<(), sqlx::Error>> {
    Box::pin(async move {
        for pragma in SQLITE_PRAGMAS {
            sqlx::Executor::execute(&mut *conn, *pragma).await?;
        }
        Ok(())
    })
}

/// Whether an error means "storage is unavailable" (503, retry later) rather than a bug.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or_default();
            match code.parse::<i64>() {
                // SQLite primary result codes (the low byte of extended codes):
                // BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN.
                Ok(n) => matches!(n & 0xff, 5 | 6 | 7 | 8 | 10 | 11 | 13 | 14),
                // Postgres SQLSTATE classes: 08 connection, 53 resources, 57 operator
                // intervention (shutdown), 25006 read-only transaction.
                Err(_) => {
                    code.starts_with("08")
                        || code.starts_with("53")
                        || code.starts_with("57")
                        || code == "25006"
                }
            }
        }
        _ => false,
    }
}
