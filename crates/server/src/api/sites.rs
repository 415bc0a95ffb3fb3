//! `GET /v1/sites/{site}/config` and `/kb`: what the widget needs to run the engine and the
//! in-browser responder. Both are serialized once at start-up and served as bytes.
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::site_for;
use crate::config::Site;
use crate::error::ApiError;
use crate::state::AppState;

/// Short enough that an edited policy reaches widgets within minutes.
const CACHE: &str = "public, max-age=60";

/// `GET /v1/sites/{site}/config`.
pub(crate) async fn config(
    State(state): State<AppState>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    cached_json(&state, &site, &headers, |site| &site.config_json)
}

/// `GET /v1/sites/{site}/kb`.
pub(crate) async fn kb(
    State(state): State<AppState>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    cached_json(&state, &site, &headers, |site| &site.kb_json)
}

/// Serves one of the site's pre-serialized JSON documents, checked against the site's
/// allowed origins like every `/v1` call, with the short public cache both share.
fn cached_json(
    state: &AppState,
    site: &str,
    headers: &HeaderMap,
    document: impl FnOnce(&Site) -> &Bytes,
) -> Result<Response, ApiError> {
    let site = site_for(state, site, headers)?;
    Ok((
        [(CONTENT_TYPE, "application/json"), (CACHE_CONTROL, CACHE)],
        document(&site).clone(),
    )
        .into_response())
}
