//! One error type for every HTTP handler, answered as `{"error":{"code","message"}}`.
//!
//! Client errors say exactly what is wrong (naming the field); server faults say only
//! "something went wrong" to the client and carry the real cause in a response extension that
//! the logging middleware (`log_server_errors`) writes to the log — nothing internal leaks.
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The fixed set of `error.code` values of `docs/api.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not syntactically valid JSON (or not UTF-8).
    BadJson,
    /// The JSON is well-formed but a field is missing, mistyped or out of range.
    InvalidBody,
    /// A handoff bundle failed validation; the message names the field.
    InvalidBundle,
    /// The bundle's `schema` is not one this server understands.
    UnsupportedVersion,
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// No site with this id is configured.
    UnknownSite,
    /// The `Origin` header is not in the site's `allowed_origins`.
    OriginNotAllowed,
    /// The `Idempotency-Key` header differs from the bundle id.
    IdempotencyKeyMismatch,
    /// A bundle with this id was stored before with different content.
    IdempotencyConflict,
    /// Another bundle already escalated this conversation.
    AlreadyEscalated,
    /// The customer token does not belong to this conversation.
    InvalidToken,
    /// No such resource.
    NotFound,
    /// The path exists but not with this method (`Allow` names the right ones).
    MethodNotAllowed,
    /// Too many handoffs from this address or for this site; retry after `Retry-After`.
    RateLimited,
    /// Storage is down, full or read-only; retry later.
    Unavailable,
    /// A bug or an unexpected fault on our side.
    Internal,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Body is not JSON at all (syntax, truncation, encoding).
    #[error("{0}")]
    BadJson(String),
    /// Body is JSON of the wrong shape; `path` names the field (`transcript[3].text`).
    #[error("{path}: {message}")]
    InvalidBody {
        /// Where in the document.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// A handoff bundle is malformed or over a limit.
    #[error("{path}: {message}")]
    InvalidBundle {
        /// Where in the bundle.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// `schema` names a version we do not speak.
    #[error("unsupported schema `{0}`; this server accepts baton.handoff/v1")]
    UnsupportedVersion(String),
    /// Body over the endpoint's limit.
    #[error("body too large for this endpoint")]
    PayloadTooLarge,
    /// Wrong or missing `Content-Type`.
    #[error("expected Content-Type: application/json")]
    UnsupportedMediaType,
    /// Site id not configured.
    #[error("unknown site `{0}`")]
    UnknownSite(String),
    /// Origin not allowed for the site.
    #[error("origin `{origin}` is not allowed for site `{site}`")]
    OriginNotAllowed {
        /// The request's `Origin` header.
        origin: String,
        /// The site it tried to reach.
        site: String,
    },
    /// `Idempotency-Key` header and bundle id differ.
    #[error("Idempotency-Key `{header}` differs from bundle id `{id}`")]
    IdempotencyKeyMismatch {
        /// The header value.
        header: String,
        /// The bundle's id.
        id: String,
    },
    /// Same bundle id, different content.
    #[error("bundle `{0}` was already received with different content")]
    IdempotencyConflict(String),
    /// The conversation was already escalated by another bundle.
    #[error("conversation already escalated by handoff `{0}`")]
    AlreadyEscalated(String),
    /// Bad or missing customer token.
    #[error("invalid customer token")]
    InvalidToken,
    /// No such resource.
    #[error("not found")]
    NotFound,
    /// The path exists, the method does not.
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    /// Over an ingest rate limit; the value is the seconds to wait.
    #[error("too many handoffs, retry in {0} s")]
    RateLimited(u64),
    /// Storage unavailable (down, locked for too long, full, read-only).
    #[error("storage unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database fault.
    #[error("database error")]
    Db(#[source] sqlx::Error),
    /// Anything else that is our fault.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The cause of a 5xx, attached to the response for `log_server_errors`.
#[derive(Clone, Debug)]
pub struct ServerFault(pub String);

impl ApiError {
    /// The `error.code` of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadJson(_) => ErrorCode::BadJson,
            ApiError::InvalidBody { .. } => ErrorCode::InvalidBody,
            ApiError::InvalidBundle { .. } => ErrorCode::InvalidBundle,
            ApiError::UnsupportedVersion(_) => ErrorCode::UnsupportedVersion,
            ApiError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            ApiError::UnknownSite(_) => ErrorCode::UnknownSite,
            ApiError::OriginNotAllowed { .. } => ErrorCode::OriginNotAllowed,
            ApiError::IdempotencyKeyMismatch { .. } => ErrorCode::IdempotencyKeyMismatch,
            ApiError::IdempotencyConflict(_) => ErrorCode::IdempotencyConflict,
            ApiError::AlreadyEscalated(_) => ErrorCode::AlreadyEscalated,
            ApiError::InvalidToken => ErrorCode::InvalidToken,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::RateLimited(_) => ErrorCode::RateLimited,
            ApiError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Db(_) | ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self.code() {
            ErrorCode::BadJson
            | ErrorCode::InvalidBody
            | ErrorCode::InvalidBundle
            | ErrorCode::UnsupportedVersion
            | ErrorCode::IdempotencyKeyMismatch => StatusCode::BAD_REQUEST,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnknownSite | ErrorCode::OriginNotAllowed | ErrorCode::InvalidToken => {
                StatusCode::FORBIDDEN
            }
            ErrorCode::IdempotencyConflict | ErrorCode::AlreadyEscalated => StatusCode::CONFLICT,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if crate::db::is_unavailable(&err) {
            ApiError::Unavailable(err)
        } else {
            ApiError::Db(err)
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: ErrorCode,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code();
        let message = match code {
            ErrorCode::Internal => "something went wrong".to_owned(),
            ErrorCode::Unavailable => "storage unavailable, retry later".to_owned(),
            _ => self.to_string(),
        };
        let mut response = (
            status,
            axum::Json(Body {
                error: Inner {
                    code,
                    message: &message,
                },
            }),
        )
            .into_response();
        if status.is_server_error() {
            let cause = match &self {
                ApiError::Unavailable(e) | ApiError::Db(e) => format!("{self}: {e}"),
                other => other.to_string(),
            };
            response.extensions_mut().insert(ServerFault(cause));
        }
        if let ApiError::RateLimited(secs) = &self {
            if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        if code == ErrorCode::Unavailable {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("2"),
            );
        }
        response
    }
}

/// Middleware: logs the hidden cause of every 5xx answer once.
pub async fn log_server_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if let Some(ServerFault(cause)) = response.extensions().get::<ServerFault>() {
        tracing::error!(%method, %path, status = response.status().as_u16(), "{cause}");
    }
    response
}
