//! Operations endpoints: `/metrics` (Prometheus text) and `/healthz`.
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::metrics::Gauges;
use crate::state::AppState;

/// `GET /metrics`.
pub(crate) async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (webhook_pending, webhook_dead_letters) = state.db.delivery_counts().await?;
    let gauges = Gauges {
        webhook_pending,
        webhook_dead_letters,
        handoffs_stored: state.db.count_handoffs().await?,
    };
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(&gauges),
    )
        .into_response())
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise (load balancers).
pub(crate) async fn healthz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state.db.ping().await?;
    Ok("ok\n")
}

/// A known path with the wrong method: a JSON 405 (axum adds `Allow`).
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Any unknown path: a JSON 404 like every other error.
pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound
}
