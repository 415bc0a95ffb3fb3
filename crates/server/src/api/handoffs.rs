//! `POST /v1/handoffs`: validate, re-verify, enrich, route, store once, answer.
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use baton_engine::{HandoffV1, Priority, Route};
use serde::Serialize;

use super::site_for;
use crate::db::{Inserted, NewHandoff};
use crate::enrich;
use crate::error::ApiError;
use crate::extract::{parse, JsonBytes};
use crate::identity::sha256_hex;
use crate::state::{AppState, ServerEvent};
use crate::verify::{check, route_input, trusted_triggers};
use crate::webhook;

/// Largest bundle accepted (bytes): the engine's limit, mirrored in the JSON Schema.
pub(crate) const MAX_BUNDLE_BYTES: usize = baton_engine::bundle_limits::MAX_BYTES;

/// The `201`/`200` answer.
#[derive(Serialize)]
struct Accepted<'a> {
    id: &'a str,
    status: &'static str,
    route: &'a Route,
    customer_token: String,
}

/// `POST /v1/handoffs`.
pub(crate) async fn create(
    State(state): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: Result<JsonBytes, ApiError>,
) -> Response {
    let started = Instant::now();
    let addr = peer.map(|axum::Extension(axum::extract::ConnectInfo(a))| a.ip());
    let result = match body {
        Ok(JsonBytes(bytes)) => ingest(&state, addr, &headers, &bytes).await,
        Err(err) => Err(err),
    };
    let metrics = &state.metrics;
    let response = match result {
        Ok((status, body)) => {
            let counter = if status == StatusCode::CREATED {
                &metrics.handoffs_new
            } else {
                &metrics.handoffs_duplicate
            };
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            json_response(status, body)
        }
        Err(err) => {
            if err.status().is_client_error() {
                metrics
                    .handoffs_rejected
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            err.into_response()
        }
    };
    metrics.observe_ingest(started.elapsed().as_secs_f64());
    response
}

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn parse_bundle(bytes: &[u8]) -> Result<HandoffV1, ApiError> {
    match parse::<HandoffV1>(bytes) {
        Ok(b) => Ok(b),
        Err(ApiError::InvalidBody { path, message }) => {
            // Only `schema` of a JSON *object*, to tell an unknown version from a malformed v1
            // bundle. (A derived struct also reads from an array, so `[bundle]` used to be
            // answered "unsupported schema `{…whole bundle…}`".)
            let peek = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes)
                .ok()
                .and_then(|mut object| object.remove("schema"));
            if let Some(schema) = peek.filter(|s| !s.is_null()) {
                if schema.as_str() != Some(baton_engine::SCHEMA_VERSION) {
                    let shown = match schema.as_str() {
                        Some(s) => s.chars().take(64).collect(),
                        None => schema.to_string().chars().take(64).collect(),
                    };
                    return Err(ApiError::UnsupportedVersion(shown));
                }
            }
            Err(ApiError::InvalidBundle { path, message })
        }
        Err(other) => Err(other),
    }
}

async fn ingest(
    state: &AppState,
    addr: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<(StatusCode, String), ApiError> {
    let mut bundle = parse_bundle(bytes)?;
    let site = site_for(state, &bundle.site, headers)?;
    state
        .ingest_limits
        .check(&site.id, &site.limits, addr, state.clock.now().0)
        .map_err(ApiError::RateLimited)?;
    if let Some(key) = headers.get("idempotency-key") {
        let key = String::from_utf8_lossy(key.as_bytes());
        if key.trim() != bundle.id {
            return Err(ApiError::IdempotencyKeyMismatch {
                header: key.chars().take(64).collect(),
                id: bundle.id.clone(),
            });
        }
    }
    check(&bundle)?;

    // The fingerprint of what the widget sent, before the server adds anything.
    bundle.customer.verified = false;
    let canonical =
        serde_json::to_vec(&bundle).map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    let body_hash = sha256_hex(&canonical);

    // Retries are the common duplicate: answer them without redoing any work.
    if let Some((stored_hash, response)) = state.db.handoff_response(&bundle.id).await? {
        return replay(&bundle.id, &body_hash, stored_hash, response);
    }

    let now = state.clock.now();
    // A browser is not trusted to have redacted card numbers and IBANs.
    let redacted = bundle.redact() + crate::verify::redact_rest(&mut bundle);
    if redacted > 0 {
        state
            .metrics
            .redacted_on_server
            .fetch_add(redacted as u64, std::sync::atomic::Ordering::Relaxed);
    }
    let verification = baton_engine::verify(&bundle, &site.policy);
    if !verification.is_match() {
        state
            .metrics
            .reasons_mismatch
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let trusted = trusted_triggers(&verification);
    enrich::customer(state, &site, &mut bundle.customer).await?;
    let input = route_input(&bundle, &site.policy, trusted.clone(), &bundle.customer);
    let claimed_route = std::mem::replace(&mut bundle.route, site.rules().route(&input));
    let claimed: Vec<baton_engine::Trigger> = bundle.reasons.iter().map(|r| r.trigger).collect();

    let token = state.tokens.token(&bundle.id);
    let response = serde_json::to_string(&Accepted {
        id: &bundle.id,
        status: "queued",
        route: &bundle.route,
        customer_token: token,
    })
    .map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    let stored = serde_json::to_string(&bundle)
        .map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    let verification_json = serde_json::to_string(&serde_json::json!({
        "matched": verification.matched,
        "missing": verification.missing,
        "unexpected": verification.unexpected,
        "escalated_at": verification.escalated_at,
        "same_policy": verification.same_policy,
        "claimed_route": claimed_route,
        "redacted_texts": redacted,
    }))
    .map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    let triggers = serde_json::to_string(&trusted)
        .map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    let claimed = serde_json::to_string(&claimed)
        .map_err(|e| ApiError::Internal(format!("serialize: {e}")))?;
    let deliveries = webhook::deliveries_for(&site, &bundle, now.0 as i64);
    let route = &bundle.route;
    let row = NewHandoff {
        id: bundle.id.clone(),
        site: bundle.site.clone(),
        conversation_id: bundle.conversation_id.clone(),
        created_at: bundle.created_at.0 as i64,
        received_at: now.0 as i64,
        body_hash: body_hash.clone(),
        bundle: stored,
        queue: route.queue.clone(),
        priority: priority_name(route.priority).to_owned(),
        priority_rank: priority_rank(route.priority),
        rule: route.rule.clone(),
        triggers,
        claimed_triggers: claimed,
        reasons_match: verification.is_match(),
        verification: verification_json,
        customer_id: bundle.customer.id.clone(),
        customer_verified: bundle.customer.verified,
        summary: bundle.summary.clone(),
        response: response.clone(),
        page_url: bundle.page.url.clone(),
        page_title: bundle.page.title.clone(),
        locale: bundle.page.locale.clone(),
    };
    let has_deliveries = !deliveries.is_empty();
    match state.db.insert_handoff(row, deliveries).await? {
        Inserted::New => {
            if has_deliveries {
                state.webhook_wake.notify_one();
            }
            // Nobody listening is fine: the console also reads the queue from the database.
            let _ = state.events.send(ServerEvent::HandoffQueued {
                site: bundle.site.clone(),
                id: bundle.id.clone(),
                conversation_id: bundle.conversation_id.clone(),
                queue: route.queue.clone(),
            });
            Ok((StatusCode::CREATED, response))
        }
        Inserted::Duplicate {
            body_hash: stored_hash,
            response,
        } => replay(&bundle.id, &body_hash, stored_hash, response),
        Inserted::ConversationTaken(other) => Err(ApiError::AlreadyEscalated(other)),
    }
}

/// A bundle id seen before: the identical answer if the content is identical, else 409.
/// Requiring the same content keeps the customer token from leaking to anyone who merely
/// learned a bundle id.
fn replay(
    id: &str,
    body_hash: &str,
    stored_hash: String,
    response: String,
) -> Result<(StatusCode, String), ApiError> {
    if stored_hash == body_hash {
        Ok((StatusCode::OK, response))
    } else {
        Err(ApiError::IdempotencyConflict(id.to_owned()))
    }
}

fn priority_name(p: Priority) -> &'static str {
    match p {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
        Priority::Urgent => "urgent",
    }
}

fn priority_rank(p: Priority) -> i64 {
    match p {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
        Priority::Urgent => 3,
    }
}
