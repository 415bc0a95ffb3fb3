//! The retention task: once at start and then hourly, each site's texts older than its
//! `retention.transcript_days` are purged (`Db::purge_before`). Sites without a retention
//! setting keep everything.
use std::time::Duration;

use tokio::sync::watch;

use crate::state::AppState;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const EVERY: Duration = Duration::from_secs(60 * 60);

/// Purges every site once; returns how many texts went, per site.
pub async fn purge_once(state: &AppState) -> Vec<(String, crate::db::Purged)> {
    let now = state.clock.now().0 as i64;
    let mut done = Vec::new();
    for site in state.sites.iter() {
        let Some(days) = site.retention.as_ref().map(|r| r.transcript_days) else {
            continue;
        };
        if days == 0 {
            continue;
        }
        let cutoff = now - i64::from(days) * DAY_MS;
        match state.db.purge_before(&site.id, cutoff).await {
            Ok(p) => {
                if p != crate::db::Purged::default() {
                    tracing::info!(site = %site.id, ?p, "retention: purged old transcripts");
                }
                done.push((site.id.clone(), p));
            }
            Err(err) => tracing::warn!(site = %site.id, "retention purge failed: {err}"),
        }
    }
    done
}

/// Runs `purge_once` now and every hour until shutdown.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        purge_once(&state).await;
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}
