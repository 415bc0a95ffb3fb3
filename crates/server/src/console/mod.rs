//! The agent console: server-rendered HTML (maud escapes every interpolated string), one small
//! static script for live updates and no inline script or style, so every page is sent with a
//! strict Content-Security-Policy.
//!
//! Pages: `/console/login`, `/console` (my queues), `/console/queues/{site}/{queue}`,
//! `/console/handoffs/{id}` (reasons first, then summary, attempts, customer record,
//! transcript; claim, reply live, close), `/console/dashboard` (SVG charts drawn here).
//! Access: a session (`auth::Agent`), a CSRF token on every POST, and queue membership on
//! every read of a queue or handoff.
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup, DOCTYPE};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::Agent;
use crate::error::ServerFault;
use crate::state::AppState;

mod charts;
mod dashboard;
mod format;
mod handoff;
mod login;
mod queues;
mod store;

/// The policy sent with every console response: scripts and styles only from our own files,
/// no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                       img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; \
                       base-uri 'none'";

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");
const ICON: &str = include_str!("assets/favicon.svg");

/// Routes under `/console`, with the security headers every page carries.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(queues::overview))
        .route("/console/login", get(login::form_page).post(login::submit))
        .route("/console/logout", post(login::logout))
        .route("/console/queues/{site}/{queue}", get(queues::queue))
        .route("/console/live", get(queues::live))
        .route("/console/handoffs/{id}", get(handoff::view))
        .route("/console/handoffs/{id}/claim", post(handoff::claim))
        .route("/console/handoffs/{id}/reply", post(handoff::reply))
        .route("/console/handoffs/{id}/close", post(handoff::close))
        .route("/console/handoffs/{id}/live", get(handoff::live))
        .route("/console/dashboard", get(dashboard::page_handler))
        .route("/console/assets/console.css", get(css))
        .route("/console/assets/console.js", get(js))
        .route("/console/assets/favicon.svg", get(icon))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

async fn icon() -> Response {
    asset("image/svg+xml", ICON)
}

fn asset(mime: &'static str, body: &'static str) -> Response {
    (
        [(CONTENT_TYPE, mime), (CACHE_CONTROL, "public, max-age=300")],
        body,
    )
        .into_response()
}

/// Why a console request failed; answered as an HTML page (or a redirect to login).
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No valid session: go to the login page.
    #[error("login required")]
    LoginRequired,
    /// The CSRF token is missing or wrong, or the request came from another origin.
    #[error(
        "This form has expired or did not come from the console. Reload the page and try again."
    )]
    BadCsrf,
    /// The agent is not a member of the queue.
    #[error("You are not a member of this queue.")]
    Forbidden,
    /// No such handoff or queue.
    #[error("Not found.")]
    NotFound,
    /// The action conflicts with the handoff's state (claimed by someone else, closed…).
    #[error("{0}")]
    Conflict(String),
    /// A form field is missing or invalid.
    #[error("{0}")]
    BadForm(String),
    /// Storage failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Something else on our side.
    #[error("internal: {0}")]
    Internal(String),
}

impl ConsoleError {
    fn status(&self) -> StatusCode {
        match self {
            ConsoleError::LoginRequired => StatusCode::SEE_OTHER,
            ConsoleError::BadCsrf | ConsoleError::Forbidden => StatusCode::FORBIDDEN,
            ConsoleError::NotFound => StatusCode::NOT_FOUND,
            ConsoleError::Conflict(_) => StatusCode::CONFLICT,
            ConsoleError::BadForm(_) => StatusCode::BAD_REQUEST,
            ConsoleError::Db(e) if crate::db::is_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            ConsoleError::Db(_) | ConsoleError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status == StatusCode::SEE_OTHER {
            return redirect("/console/login");
        }
        let message = if status.is_server_error() {
            "Something went wrong on our side. Try again in a moment.".to_owned()
        } else {
            self.to_string()
        };
        let title = status.canonical_reason().unwrap_or("Error");
        let body = page(
            title,
            None,
            html! {
                section.card.narrow {
                    h1 { (status.as_u16()) " · " (title) }
                    p { (message) }
                    p { a href="/console" { "Back to your queues" } }
                }
            },
        );
        let mut response = (status, body).into_response();
        if status.is_server_error() {
            response
                .extensions_mut()
                .insert(ServerFault(self.to_string()));
            if status == StatusCode::SERVICE_UNAVAILABLE {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static("2"));
            }
        }
        response
    }
}

/// A `303 See Other` to `to` (after a POST, so a reload does not resubmit).
pub fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, v);
    }
    response
}

/// The page shell: header with navigation for a logged-in agent, then `main`.
pub fn page(title: &str, agent: Option<&Agent>, main: Markup) -> Html<String> {
    page_with(title, agent, &[], main)
}

/// The page shell with `data-*` attributes on `body` (read by `console.js`).
pub fn page_with(
    title: &str,
    agent: Option<&Agent>,
    data: &[(&str, String)],
    main: Markup,
) -> Html<String> {
    let live = data
        .iter()
        .find(|(k, _)| *k == "live")
        .map(|(_, v)| v.as_str());
    let after = data
        .iter()
        .find(|(k, _)| *k == "after")
        .map(|(_, v)| v.as_str());
    let handoff = data
        .iter()
        .find(|(k, _)| *k == "handoff")
        .map(|(_, v)| v.as_str());
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Baton console" }
                link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body data-live=[live] data-after=[after] data-handoff=[handoff] {
                header.top {
                    a.brand href="/console" {
                        span.logo aria-hidden="true" { "B" }
                        "Baton"
                    }
                    @if let Some(agent) = agent {
                        nav {
                            a href="/console" { "Queues" }
                            a href="/console/dashboard" { "Dashboard" }
                        }
                        form.logout method="post" action="/console/logout" {
                            input type="hidden" name="csrf" value=(agent.csrf);
                            span.who { (agent.name) }
                            button.link type="submit" { "Log out" }
                        }
                    }
                }
                main { (main) }
            }
        }
    };
    Html(markup.into_string())
}
