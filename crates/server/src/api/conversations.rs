//! Conversation start, event log and CSAT: so self-resolved conversations count too.
use std::sync::atomic::Ordering::Relaxed;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use baton_engine::{Millis, Page};
use serde::Deserialize;

use super::site_for;
use crate::db::{EventKind, NewConversation, NewEvent};
use crate::error::ApiError;
use crate::extract::AppJson;
use crate::state::AppState;

fn invalid(path: &str, message: &str) -> ApiError {
    ApiError::InvalidBody {
        path: path.into(),
        message: message.into(),
    }
}

fn check_id(path: &str, id: &str) -> Result<(), ApiError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        return Err(invalid(
            path,
            "must be 1-64 characters of letters, digits, `-`, `_`, `.`, `:`",
        ));
    }
    Ok(())
}

/// `POST /v1/conversations` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartBody {
    site: String,
    conversation_id: String,
    started_at: Millis,
    #[serde(default)]
    page: Page,
}

/// `POST /v1/conversations`: 201 the first time, 200 with the same answer after.
pub(crate) async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppJson(mut body): AppJson<StartBody>,
) -> Result<Response, ApiError> {
    // Secrets in a page URL or title (`?card=…`) are not stored either.
    crate::verify::text(&mut body.page.url);
    crate::verify::text(&mut body.page.title);
    let site = site_for(&state, &body.site, &headers)?;
    check_id("conversation_id", &body.conversation_id)?;
    if body.page.url.len() > 2048 || body.page.title.len() > 500 || body.page.locale.len() > 35 {
        return Err(invalid("page", "url, title or locale too long"));
    }
    let new = state
        .db
        .start_conversation(&NewConversation {
            site: &site.id,
            id: &body.conversation_id,
            started_at: body.started_at.0 as i64,
            received_at: state.clock.now().0 as i64,
            page_url: &body.page.url,
            page_title: &body.page.title,
            locale: &body.page.locale,
        })
        .await?;
    let status = if new {
        state.metrics.conversations_started.fetch_add(1, Relaxed);
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(serde_json::json!({ "conversation_id": body.conversation_id })),
    )
        .into_response())
}

/// `POST /v1/conversations/{id}/events` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventBody {
    site: String,
    kind: EventKind,
    at: Millis,
    #[serde(default)]
    detail: Option<serde_json::Value>,
}

/// `POST /v1/conversations/{id}/events`: 202.
pub(crate) async fn event(
    State(state): State<AppState>,
    Path(conversation_id): Path<String>,
    headers: HeaderMap,
    AppJson(body): AppJson<EventBody>,
) -> Result<StatusCode, ApiError> {
    let site = site_for(&state, &body.site, &headers)?;
    check_id("conversation_id", &conversation_id)?;
    let detail = body.detail.map(|d| d.to_string());
    if detail.as_ref().is_some_and(|d| d.len() > 2000) {
        return Err(invalid("detail", "longer than 2000 bytes"));
    }
    state
        .db
        .log_event(&NewEvent {
            site: &site.id,
            conversation_id: &conversation_id,
            kind: body.kind,
            at: body.at.0 as i64,
            received_at: state.clock.now().0 as i64,
            detail,
        })
        .await?;
    state.metrics.events.fetch_add(1, Relaxed);
    Ok(StatusCode::ACCEPTED)
}

/// `POST /v1/csat` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CsatBody {
    site: String,
    conversation_id: String,
    rating: i64,
    #[serde(default)]
    token: Option<String>,
}

/// `POST /v1/csat`: 201. A rating of an escalated conversation must carry its customer
/// token, so nobody can rate another customer's handoff.
pub(crate) async fn csat(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppJson(body): AppJson<CsatBody>,
) -> Result<StatusCode, ApiError> {
    let site = site_for(&state, &body.site, &headers)?;
    check_id("conversation_id", &body.conversation_id)?;
    if !(1..=5).contains(&body.rating) {
        return Err(invalid("rating", "must be an integer from 1 to 5"));
    }
    let handoff = state
        .db
        .handoff_id_for_conversation(&site.id, &body.conversation_id)
        .await?;
    if let Some(handoff) = &handoff {
        let ok = body
            .token
            .as_deref()
            .is_some_and(|t| state.tokens.check(handoff, t));
        if !ok {
            return Err(ApiError::InvalidToken);
        }
    }
    state
        .db
        .record_csat(
            &site.id,
            &body.conversation_id,
            body.rating,
            handoff.is_some(),
            state.clock.now().0 as i64,
        )
        .await?;
    state.metrics.csat.fetch_add(1, Relaxed);
    Ok(StatusCode::CREATED)
}
