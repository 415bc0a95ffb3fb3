//! `AppJson<T>`: the JSON body extractor that answers every bad body in Baton's error format.
//!
//! Unlike `axum::Json` it names the failing field (`transcript[3].text: invalid type …`) via
//! `serde_path_to_error`, and it enforces a per-endpoint size limit set with
//! `DefaultBodyLimit` on the route (413 `payload_too_large`).
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body, parsed with field paths in its errors.
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        parse(&bytes).map(AppJson)
    }
}

/// The raw bytes of a JSON body (content type and size checked), for handlers that parse in
/// more than one step (`POST /v1/handoffs` looks at `schema` when a bundle does not parse).
pub struct JsonBytes(pub Bytes);

impl<S> FromRequest<S> for JsonBytes
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadJson(format!("could not read body: {rejection}"))
            }
        })?;
        Ok(JsonBytes(bytes))
    }
}

fn is_json(req: &Request) -> bool {
    let Some(value) = req.headers().get(CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let mime = value.split(';').next().unwrap_or_default().trim();
    mime.eq_ignore_ascii_case("application/json")
        || (mime.len() > 5 && mime[..mime.len() - 5].contains('/') && mime.ends_with("+json"))
}

/// Parses `bytes` as `T`, telling syntax errors (`bad_json`) from shape errors (`invalid_body`).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        shape_or_syntax(path, inner)
    })?;
    de.end()
        .map_err(|err| ApiError::BadJson(format!("trailing characters: {err}")))?;
    Ok(value)
}

fn shape_or_syntax(path: String, err: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match err.classify() {
        Category::Data => ApiError::InvalidBody {
            path: if path == "." { "body".into() } else { path },
            message: strip_position(&err.to_string()),
        },
        Category::Syntax | Category::Eof | Category::Io => ApiError::BadJson(err.to_string()),
    }
}

/// serde_json appends " at line 1 column 77" to data errors; the path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}
