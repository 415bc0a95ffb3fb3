//! Ingest rate limits: token buckets per client address and per site for `POST /v1/handoffs`.
//!
//! A real customer sends one handoff per conversation, so a flood from one address is a
//! script, and a flood into one site is an attack or a runaway widget. Over the limit the
//! answer is `429 rate_limited` with `Retry-After`; the widget's outbox keeps the bundle and
//! retries, so nothing is lost. Limits live in memory per instance (several instances each
//! allow the limit). Loopback callers are exempt unless the site says otherwise, because
//! behind a reverse proxy on the same host every request comes from loopback and one limit
//! would then apply to everyone; load tests and the demo run there too.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use serde::Deserialize;

/// `[limits]` in a site's TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Handoffs one client address may send per minute (burst: the same number). 0: no limit.
    #[serde(default = "default_per_address")]
    pub handoffs_per_minute_per_address: u32,
    /// Handoffs the whole site may receive per minute. 0 (the default): no limit.
    #[serde(default)]
    pub handoffs_per_minute: u32,
    /// Apply the per-address limit to loopback addresses too.
    #[serde(default)]
    pub limit_loopback: bool,
}

fn default_per_address() -> u32 {
    60
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            handoffs_per_minute_per_address: default_per_address(),
            handoffs_per_minute: 0,
            limit_loopback: false,
        }
    }
}

/// Most buckets kept; past this, full (idle) buckets are dropped first.
const MAX_BUCKETS: usize = 100_000;
const MINUTE_MS: f64 = 60_000.0;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Addr(String, IpAddr),
    Site(String),
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: u64,
}

/// The buckets of every site; cheap to share (`Arc` in `AppState`).
#[derive(Debug, Default)]
pub struct IngestLimiter {
    buckets: Mutex<HashMap<Key, Bucket>>,
}

impl IngestLimiter {
    /// Takes one token for `site` and `addr` at `now_ms`, or says how many seconds to wait.
    pub fn check(
        &self,
        site: &str,
        limits: &Limits,
        addr: Option<IpAddr>,
        now_ms: u64,
    ) -> Result<(), u64> {
        let mut keys = Vec::with_capacity(2);
        if let Some(ip) = addr {
            if limits.handoffs_per_minute_per_address > 0
                && (limits.limit_loopback || !ip.is_loopback())
            {
                keys.push((
                    Key::Addr(site.to_owned(), ip),
                    limits.handoffs_per_minute_per_address,
                ));
            }
        }
        if limits.handoffs_per_minute > 0 {
            keys.push((Key::Site(site.to_owned()), limits.handoffs_per_minute));
        }
        if keys.is_empty() {
            return Ok(());
        }
        // A poisoned lock only means another request panicked mid-update; the map is still
        // a valid set of buckets.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > MAX_BUCKETS {
            buckets.retain(|_, b| now_ms.saturating_sub(b.at) < 60_000);
        }
        // Check every bucket first, then take from all, so a refusal costs nothing.
        let mut wait = 0u64;
        let mut refilled = Vec::with_capacity(keys.len());
        for (key, per_minute) in &keys {
            let cap = f64::from(*per_minute);
            let b = buckets.get(key).copied().unwrap_or(Bucket {
                tokens: cap,
                at: now_ms,
            });
            let elapsed = now_ms.saturating_sub(b.at) as f64;
            let tokens = (b.tokens + elapsed * cap / MINUTE_MS).min(cap);
            if tokens < 1.0 {
                let ms = (1.0 - tokens) * MINUTE_MS / cap;
                wait = wait.max((ms / 1000.0).ceil() as u64).max(1);
            }
            refilled.push(tokens);
        }
        if wait > 0 {
            return Err(wait);
        }
        for ((key, _), tokens) in keys.into_iter().zip(refilled) {
            buckets.insert(
                key,
                Bucket {
                    tokens: tokens - 1.0,
                    at: now_ms,
                },
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn per_address_burst_then_refill() {
        let l = IngestLimiter::default();
        let limits = Limits {
            handoffs_per_minute_per_address: 3,
            ..Limits::default()
        };
        for _ in 0..3 {
            assert_eq!(l.check("s", &limits, ip("203.0.113.9"), 0), Ok(()));
        }
        assert_eq!(l.check("s", &limits, ip("203.0.113.9"), 0), Err(20));
        // Another address and another site are untouched.
        assert_eq!(l.check("s", &limits, ip("203.0.113.10"), 0), Ok(()));
        assert_eq!(l.check("t", &limits, ip("203.0.113.9"), 0), Ok(()));
        // One token back after 20 s.
        assert_eq!(l.check("s", &limits, ip("203.0.113.9"), 20_000), Ok(()));
        assert!(l.check("s", &limits, ip("203.0.113.9"), 20_000).is_err());
    }

    #[test]
    fn loopback_is_exempt_unless_asked() {
        let l = IngestLimiter::default();
        let mut limits = Limits {
            handoffs_per_minute_per_address: 1,
            ..Limits::default()
        };
        for _ in 0..5 {
            assert_eq!(l.check("s", &limits, ip("127.0.0.1"), 0), Ok(()));
        }
        limits.limit_loopback = true;
        assert_eq!(l.check("s", &limits, ip("::1"), 0), Ok(()));
        assert!(l.check("s", &limits, ip("::1"), 0).is_err());
    }

    #[test]
    fn site_limit_counts_every_address() {
        let l = IngestLimiter::default();
        let limits = Limits {
            handoffs_per_minute_per_address: 0,
            handoffs_per_minute: 2,
            limit_loopback: false,
        };
        assert_eq!(l.check("s", &limits, ip("198.51.100.1"), 0), Ok(()));
        assert_eq!(l.check("s", &limits, ip("198.51.100.2"), 0), Ok(()));
        assert!(l.check("s", &limits, ip("198.51.100.3"), 0).is_err());
    }
}
