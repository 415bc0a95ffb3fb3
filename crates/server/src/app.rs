//! The route list — the only one. Other modules (console, relay) add their routes here.
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::api::{conversations, files, handoffs, ops, sites};
use crate::error::log_server_errors;
use crate::state::AppState;

/// Body limit of every JSON endpoint but `POST /v1/handoffs`.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024;

/// How long a request may take before it is answered 408 (slow clients, stuck storage).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the whole HTTP surface of `baton serve`.
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route(
            "/v1/handoffs",
            post(handoffs::create).layer(DefaultBodyLimit::max(handoffs::MAX_BUNDLE_BYTES)),
        )
        .route("/v1/sites/{site}/config", get(sites::config))
        .route("/v1/sites/{site}/kb", get(sites::kb))
        .route("/v1/conversations", post(conversations::start))
        .route("/v1/conversations/{id}/events", post(conversations::event))
        .route("/v1/csat", post(conversations::csat))
        .route(
            "/v1/conversations/{id}/live",
            get(crate::relay::customer_live),
        )
        .route(
            "/v1/conversations/{id}/messages",
            post(crate::relay::customer_message),
        )
        // Before the layers, so CORS still answers preflights (OPTIONS) itself.
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(DefaultBodyLimit::max(DEFAULT_BODY_LIMIT))
        .layer(v1_cors(&state));

    let mut app = Router::new()
        .merge(v1)
        .merge(crate::console::router())
        .route("/metrics", get(ops::metrics))
        .route("/healthz", get(ops::healthz));

    if state.files.demo_page.is_some() {
        app = app.route("/", get(files::demo_page));
    }
    if let Some(dir) = &state.files.pkg_dir {
        app = app.nest_service("/pkg", pkg_service(dir));
    }

    app.fallback(ops::not_found)
        .layer(middleware::from_fn(log_server_errors))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(state)
}

/// CORS for `/v1`: an origin that any site allows gets CORS headers; each handler then checks
/// the origin against the site the request names (403 `origin_not_allowed`).
fn v1_cors(state: &AppState) -> CorsLayer {
    let sites = state.sites.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origin.to_str().is_ok_and(|o| sites.any_allows_origin(o))
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([CONTENT_TYPE, HeaderName::from_static("idempotency-key")])
        .max_age(Duration::from_secs(600))
}

/// `/pkg`: the widget build. Any origin may load it (it is public code), `.wasm` is served as
/// `application/wasm` so `instantiateStreaming` works, and caches revalidate after 5 minutes.
fn pkg_service(dir: &std::path::Path) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("access-control-allow-origin"),
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
}
