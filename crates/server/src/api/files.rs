//! Static files: the widget build under `/pkg` and the demo page at `/`.
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
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
            (CONTENT_SECURITY_POLICY, DEMO_CSP),
        ],
        html,
    )
        .into_response())
}

/// The demo page's policy: scripts only from this server (the widget loader and its wasm,
/// which needs `'wasm-unsafe-eval'`), no inline script, no plugins, no framing. Inline styles
/// stay allowed because the demo shop's own markup uses them; the widget does not need them.
const DEMO_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
                        style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                        connect-src 'self'; object-src 'none'; base-uri 'none'; \
                        form-action 'self'; frame-ancestors 'none'";
