//! `/console/login` and `/console/logout`.
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::{page, redirect, ConsoleError};
use crate::auth::{
    self, cookie, same_origin, same_secret, Agent, LoginKeys, LOGIN_CSRF_COOKIE, SESSION_COOKIE,
    SESSION_TTL,
};
use crate::state::AppState;

/// Longest email or password looked at (argon2 hashes anything, but we don't need to).
const MAX_FIELD: usize = 256;

/// `GET /console/login`: the form, with a fresh double-submit token in a cookie.
pub(crate) async fn form_page() -> Response {
    login_form(StatusCode::OK, None, "")
}

fn login_form(status: StatusCode, error: Option<&str>, email: &str) -> Response {
    let Ok(token) = auth::random_token() else {
        return ConsoleError::Internal("rng".into()).into_response();
    };
    let body = page(
        "Log in",
        None,
        html! {
            section.card.narrow.login {
                h1 { "Agent console" }
                p.muted { "Log in to pick up handoffs from your queues." }
                @if let Some(error) = error {
                    p.error role="alert" { (error) }
                }
                form method="post" action="/console/login" {
                    input type="hidden" name="csrf" value=(token);
                    label { "Email"
                        input type="email" name="email" value=(email) autocomplete="username" required autofocus;
                    }
                    label { "Password"
                        input type="password" name="password" autocomplete="current-password" required;
                    }
                    button.primary type="submit" { "Log in" }
                }
            }
        },
    );
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/console/login; HttpOnly; SameSite=Strict; Max-Age=3600"
    );
    let mut response = (status, body).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, v);
    }
    response
}

/// The login form.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /console/login`: CSRF (double submit), rate limit, argon2, session cookie.
pub(crate) async fn submit(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !same_secret(expected, &form.csrf) {
        return Err(ConsoleError::BadCsrf);
    }
    let email: String = form.email.trim().chars().take(MAX_FIELD).collect();
    let keys = LoginKeys::new(&email, addr.map(|Extension(ConnectInfo(a))| a.ip()));
    let now = state.clock.now().0;
    if let Err(wait) = state.logins.check(&state.db, &keys, now).await {
        let minutes = wait.div_ceil(60);
        let mut response = login_form(
            StatusCode::TOO_MANY_REQUESTS,
            Some(&format!(
                "Too many failed attempts. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            )),
            &email,
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(RETRY_AFTER, v);
        }
        return Ok(response);
    }
    let password: String = form.password.chars().take(MAX_FIELD).collect();
    let Some(agent_id) = auth::verify_password(&state, &email, &password).await? else {
        let delay = state.logins.failed(&state.db, &keys, now).await;
        tokio::time::sleep(delay).await;
        return Ok(login_form(
            StatusCode::UNAUTHORIZED,
            Some("Wrong email or password."),
            &email,
        ));
    };
    state.logins.succeeded(&state.db, &keys).await;
    let token = auth::create_session(&state, agent_id).await?;
    let mut response = redirect("/console");
    let session = format!(
        "{SESSION_COOKIE}={token}; Path=/console; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_TTL.as_secs(),
        if behind_https(&headers) {
            "; Secure"
        } else {
            ""
        }
    );
    let clear = format!("{LOGIN_CSRF_COOKIE}=; Path=/console/login; Max-Age=0");
    for c in [session, clear] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// Whether the browser reached us over HTTPS through a TLS-terminating proxy (`baton`
/// itself speaks plain HTTP), so the session cookie must never travel over plain HTTP.
fn behind_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// `POST /console/logout` body.
#[derive(Deserialize)]
pub(crate) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/logout`.
pub(crate) async fn logout(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    agent.check_csrf(&form.csrf)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        auth::delete_session(&state, token).await?;
    }
    let mut response = redirect("/console/login");
    if let Ok(v) = HeaderValue::from_str(&format!("{SESSION_COOKIE}=; Path=/console; Max-Age=0")) {
        response.headers_mut().append(SET_COOKIE, v);
    }
    Ok(response)
}
