//! HTTP handlers: thin — extract, call the engine or the database, answer.
use std::sync::Arc;

use axum::http::header::ORIGIN;
use axum::http::HeaderMap;

use crate::config::Site;
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) mod conversations;
pub(crate) mod files;
pub(crate) mod handoffs;
pub(crate) mod ops;
pub(crate) mod sites;

/// The site a `/v1` request names, if it exists and the request's `Origin` (when there is
/// one; servers and curl send none) is allowed for it.
pub(crate) fn site_for(
    state: &AppState,
    site_id: &str,
    headers: &HeaderMap,
) -> Result<Arc<Site>, ApiError> {
    let site = state
        .sites
        .get(site_id)
        .ok_or_else(|| ApiError::UnknownSite(site_id.chars().take(64).collect()))?;
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = String::from_utf8_lossy(origin.as_bytes());
        if !site.allows_origin(&origin) {
            return Err(ApiError::OriginNotAllowed {
                origin: origin.chars().take(200).collect(),
                site: site.id.clone(),
            });
        }
    }
    Ok(site.clone())
}
