//! Agent authentication for the console: argon2 passwords, database sessions, CSRF tokens and
//! a login limiter.
//!
//! - A session is a random 256-bit cookie value; only its SHA-256 is stored, so a leaked
//!   database does not hand out live sessions. Sessions expire (`SESSION_TTL`) and live in the
//!   database, so every instance sharing it accepts them.
//! - Every state-changing console request carries the session's CSRF token in its form body
//!   (the login form, which has no session yet, uses a double-submit cookie), and a request
//!   whose `Origin` names another host is refused outright.
//! - Failed logins are counted per account and per client address; each failure is answered
//!   more slowly, and past a limit the login is refused with 429 until the window passes. The
//!   counts live in the database, so several instances enforce one limit.
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sqlx::Row;

use crate::console::ConsoleError;
use crate::db::Db;
use crate::identity::sha256_hex;
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "baton_session";
/// Name of the login form's double-submit CSRF cookie.
pub const LOGIN_CSRF_COOKIE: &str = "baton_login";
/// How long a session lasts after login (an agent's working day, with margin).
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// Failures counted within this window.
const FAIL_WINDOW_MS: u64 = 15 * 60 * 1000;
/// Failed attempts allowed per account within the window before logins are refused.
const MAX_FAILS_PER_ACCOUNT: u32 = 5;
/// Failed attempts allowed per client address within the window (several agents may share
/// an office NAT, so higher than per account).
const MAX_FAILS_PER_ADDR: u32 = 20;

/// A logged-in agent, resolved from the session cookie on every request.
#[derive(Clone, Debug)]
pub struct Agent {
    /// Agent id.
    pub id: i64,
    /// Display name (shown to the customer when they join).
    pub name: String,
    /// Login email.
    pub email: String,
    /// This session's CSRF token.
    pub csrf: String,
    /// `(site, queue)` memberships; queue `*` means every queue of the site.
    pub queues: Vec<(String, String)>,
}

impl Agent {
    /// Whether the agent may read and work `queue` of `site`.
    pub fn member_of(&self, site: &str, queue: &str) -> bool {
        self.queues
            .iter()
            .any(|(s, q)| s == site && (q == "*" || q == queue))
    }

    /// Sites where the agent belongs to at least one queue.
    pub fn sites(&self) -> Vec<String> {
        let mut sites: Vec<String> = self.queues.iter().map(|(s, _)| s.clone()).collect();
        sites.sort();
        sites.dedup();
        sites
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), ConsoleError> {
        if same_secret(&self.csrf, submitted) {
            Ok(())
        } else {
            Err(ConsoleError::BadCsrf)
        }
    }
}

/// Compares two secrets without an early exit on the first differing byte: both sides are
/// hashed first, so timing reveals nothing about the expected value.
pub fn same_secret(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && sha256_hex(expected.as_bytes()) == sha256_hex(submitted.as_bytes())
}

/// A fresh random token (URL-safe base64 of 32 bytes).
pub fn random_token() -> Result<String, ConsoleError> {
    let mut raw = [0u8; 32];
    getrandom::getrandom(&mut raw).map_err(|e| ConsoleError::Internal(format!("rng: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(raw))
}

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Refuses a state-changing request sent from another origin: browsers always send `Origin`
/// on cross-site POSTs, and it must name the host the request was sent to.
pub fn same_origin(headers: &HeaderMap) -> Result<(), ConsoleError> {
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default();
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or_default();
    if !host.is_empty() && origin_host.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        Err(ConsoleError::BadCsrf)
    }
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(ConsoleError::LoginRequired)?;
        let now = state.clock.now().0 as i64;
        agent_for_session(state, token, now)
            .await?
            .ok_or(ConsoleError::LoginRequired)
    }
}

async fn agent_for_session(
    state: &AppState,
    token: &str,
    now: i64,
) -> Result<Option<Agent>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT a.id, a.name, a.email, s.csrf FROM sessions s JOIN agents a ON a.id = s.agent_id \
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND a.disabled = 0",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(now)
    .fetch_optional(state.db.read())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: i64 = row.try_get(0)?;
    let queues = sqlx::query("SELECT site, queue FROM agent_queues WHERE agent_id = $1")
        .bind(id)
        .fetch_all(state.db.read())
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<(String, String)>, sqlx::Error>>()?;
    Ok(Some(Agent {
        id,
        name: row.try_get(1)?,
        email: row.try_get(2)?,
        csrf: row.try_get(3)?,
        queues,
    }))
}

/// Checks an email and password; returns the agent id when both are right.
///
/// An unknown email still costs one argon2 verification (against a throwaway hash), so the
/// answer time does not tell which emails have accounts.
pub async fn verify_password(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<Option<i64>, ConsoleError> {
    let row = sqlx::query(
        "SELECT id, password_hash FROM agents WHERE lower(email) = lower($1) AND disabled = 0",
    )
    .bind(email)
    .fetch_optional(state.db.read())
    .await?;
    let (id, hash) = match row {
        Some(r) => (Some(r.try_get::<i64, _>(0)?), r.try_get::<String, _>(1)?),
        None => (None, decoy_hash().to_owned()),
    };
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .map_err(|e| ConsoleError::Internal(format!("password check: {e}")))?;
    Ok(id.filter(|_| ok))
}

fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| crate::serve::hash_password("decoy password, never matches"))
}

/// Creates a session for `agent_id`; returns the cookie value (never stored as is).
pub async fn create_session(state: &AppState, agent_id: i64) -> Result<String, ConsoleError> {
    let token = random_token()?;
    let csrf = random_token()?;
    let now = state.clock.now().0 as i64;
    let expires = now + SESSION_TTL.as_millis() as i64;
    // Housekeeping on the rare login path instead of a timer: drop expired sessions.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(state.db.write())
        .await?;
    sqlx::query(
        "INSERT INTO sessions (id_hash, agent_id, csrf, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(agent_id)
    .bind(csrf)
    .bind(now)
    .bind(expires)
    .execute(state.db.write())
    .await?;
    Ok(token)
}

/// Ends the session behind a cookie value.
pub async fn delete_session(state: &AppState, token: &str) -> Result<(), ConsoleError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(sha256_hex(token.as_bytes()))
        .execute(state.db.write())
        .await?;
    Ok(())
}

/// The client address, when the server was started with connection info (it is, by
/// `serve`); in-process tests without a socket have none and are limited per account only.
pub fn client_addr(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// Counts failed logins per account and per address in the database (`login_failures`), so
/// every instance sharing it enforces one count and a restart does not reset it.
#[derive(Debug, Default)]
pub struct LoginLimiter;

/// Keys the limiter tracks for one attempt.
#[derive(Debug)]
pub struct LoginKeys {
    account: String,
    addr: Option<String>,
}

impl LoginKeys {
    /// Keys for an attempt on `email` from `addr`.
    pub fn new(email: &str, addr: Option<IpAddr>) -> LoginKeys {
        LoginKeys {
            account: format!("account:{}", email.trim().to_lowercase()),
            addr: addr.map(|a| format!("addr:{a}")),
        }
    }
}

impl LoginLimiter {
    /// `Err(seconds to wait)` when either key is over its limit. A database error lets the
    /// attempt through (logged): checking the password needs the same database anyway.
    pub async fn check(&self, db: &Db, keys: &LoginKeys, now: u64) -> Result<(), u64> {
        let since = now as i64 - FAIL_WINDOW_MS as i64;
        let limits = [
            (Some(&keys.account), MAX_FAILS_PER_ACCOUNT),
            (keys.addr.as_ref(), MAX_FAILS_PER_ADDR),
        ];
        for (key, max) in limits {
            let Some(key) = key else { continue };
            match db.login_failures(key, since).await {
                Ok(Some((attempts, first))) if attempts >= i64::from(max) => {
                    let wait = (first + FAIL_WINDOW_MS as i64 - now as i64).max(0) as u64;
                    return Err(wait.div_ceil(1000).max(1));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("login limiter: {e}"),
            }
        }
        Ok(())
    }

    /// Records a failure; returns how long to hold the answer (doubling per failure of the
    /// account, 250 ms up to 2 s), which slows guessing even below the limit.
    pub async fn failed(&self, db: &Db, keys: &LoginKeys, now: u64) -> Duration {
        let mut account_count = 1;
        for key in std::iter::once(&keys.account).chain(keys.addr.as_ref()) {
            match db
                .add_login_failure(key, now as i64, FAIL_WINDOW_MS as i64)
                .await
            {
                Ok(n) if *key == keys.account => account_count = n,
                Ok(_) => {}
                Err(e) => tracing::warn!("login limiter: {e}"),
            }
        }
        let exp = (account_count.max(1) - 1).min(3) as u32;
        Duration::from_millis(250 << exp)
    }

    /// Forgets the account's failures after a successful login.
    pub async fn succeeded(&self, db: &Db, keys: &LoginKeys) {
        if let Err(e) = db.clear_login_failures(&keys.account).await {
            tracing::warn!("login limiter: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::connect(&Db::sqlite_url(dir.path()))
            .await
            .expect("sqlite");
        (dir, db)
    }

    #[tokio::test]
    async fn limiter_locks_after_five_failures_and_unlocks_after_the_window() {
        let (_dir, db) = db().await;
        let l = LoginLimiter;
        let keys = LoginKeys::new("A@x.example", None);
        let mut delays = Vec::new();
        for i in 0..MAX_FAILS_PER_ACCOUNT {
            assert!(l.check(&db, &keys, 1000 + u64::from(i)).await.is_ok());
            delays.push(l.failed(&db, &keys, 1000 + u64::from(i)).await.as_millis());
        }
        assert_eq!(delays, vec![250, 500, 1000, 2000, 2000]);
        let wait = l
            .check(&db, &LoginKeys::new("a@x.example", None), 2000)
            .await;
        assert_eq!(wait, Err(899));
        assert!(l.check(&db, &keys, 1000 + FAIL_WINDOW_MS).await.is_ok());
        l.failed(&db, &keys, 1000 + FAIL_WINDOW_MS).await;
        assert!(
            l.check(&db, &keys, 1001 + FAIL_WINDOW_MS).await.is_ok(),
            "a new window"
        );
    }

    #[tokio::test]
    async fn limiter_counts_addresses_across_accounts_and_forgets_on_success() {
        let (_dir, db) = db().await;
        let l = LoginLimiter;
        let ip: IpAddr = [10, 0, 0, 1].into();
        for i in 0..MAX_FAILS_PER_ADDR {
            let keys = LoginKeys::new(&format!("user{i}@x.example"), Some(ip));
            l.failed(&db, &keys, 0).await;
        }
        let fresh = LoginKeys::new("someone@x.example", Some(ip));
        assert!(l.check(&db, &fresh, 10).await.is_err());
        let elsewhere = LoginKeys::new("someone@x.example", Some([10, 0, 0, 2].into()));
        assert!(l.check(&db, &elsewhere, 10).await.is_ok());
        let keys = LoginKeys::new("b@x.example", None);
        for _ in 0..MAX_FAILS_PER_ACCOUNT {
            l.failed(&db, &keys, 5).await;
        }
        assert!(l.check(&db, &keys, 6).await.is_err());
        l.succeeded(&db, &keys).await;
        assert!(l.check(&db, &keys, 7).await.is_ok());
    }

    #[test]
    fn secrets_compare_by_value_and_empty_never_matches() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("", ""));
    }
}
