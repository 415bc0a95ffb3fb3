//! Static files: the widget build under `/pkg` and the demo page at `/`.
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// `GET /`: the demo page given with `--demo-page`, read per request so edits show at once.
pub(crate) async fn demo_page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let Some(path) = &state.files.demo_page else {
        return Err(ApiError::NotFound);
    };
    let html = tokio::fs::read(path)
        .await
        .map_err(|e| ApiError::Internal(format!("demo page {}: {e}", path.display())))?;
    Ok((
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response())
}
