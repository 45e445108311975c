//! The one error type of the HTTP edge and the one table mapping errors to responses.
//!
//! Every error response of the server, whether it comes from the engine, from parsing the
//! request or from routing, has the same shape:
//!
//! ```json
//! {"error": {"code": "invalid_input", "message": "title: must not be empty"}}
//! ```
//!
//! `code` is stable and snake_case (clients branch on it); `message` is lowercase, for humans,
//! and may change. The table, in [`ApiError::status_and_code`]:
//!
//! | error                                   | status | code                     |
//! |-----------------------------------------|--------|--------------------------|
//! | missing bearer token                    | 401    | `unauthenticated`        |
//! | `EngineError::Unauthenticated`          | 401    | `unauthenticated`        |
//! | `EngineError::Forbidden`                | 403    | `forbidden`              |
//! | `EngineError::NotFound`                 | 404    | `not_found`              |
//! | no route for the path                   | 404    | `not_found`              |
//! | route exists, method does not           | 405    | `method_not_allowed`     |
//! | `EngineError::Conflict` (and store unique violations) | 409 | `conflict`      |
//! | body above the route's limit            | 413    | `payload_too_large`      |
//! | body not declared `application/json`    | 415    | `unsupported_media_type` |
//! | body is not JSON (syntax, truncation)   | 400    | `invalid_json`           |
//! | JSON of the wrong shape, bad query or path parameter, `EngineError::Invalid` | 422 | `invalid_input` |
//! | `EngineError::InvalidObservable`        | 422    | `invalid_observable`     |
//! | `EngineError::TooMany`                  | 422    | `too_many`               |
//! | over a rate limit (with `Retry-After`)  | 429    | `rate_limited`           |
//! | request ran past the timeout            | 503    | `timeout`                |
//! | `EngineError::Store` (logged, generic message) | 500 | `storage_error`     |
//! | a handler panicked (logged, generic message)   | 500 | `internal_error`    |
//!
//! 400 is kept for bodies that cannot be read as JSON at all; everything that is well-formed but
//! not acceptable is 422 and names the offending field. `too_many` is 422 rather than 413: it is
//! about how many items a request holds, not its size in bytes (a 10,001-selector check is small).

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use engine::{EngineError, ErrorBody};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

/// Every way a request can fail at the HTTP edge.
#[derive(Debug)]
pub enum ApiError {
    /// An error from the engine, mapped by the table in the module docs.
    Engine(EngineError),
    /// No `Authorization: Bearer` header (or a malformed one).
    MissingToken,
    /// The body is not JSON at all; serde's message with line and column.
    InvalidJson(String),
    /// Input that parsed but is not acceptable, naming the field or parameter.
    InvalidInput { field: String, message: String },
    /// The body was not declared as JSON.
    UnsupportedMediaType,
    /// The body's content type is not one this route reads; the message lists those it does.
    UnsupportedContent(String),
    /// The body is larger than the route accepts.
    PayloadTooLarge,
    /// No route has this path.
    RouteNotFound { method: Method, path: String },
    /// A route has this path but not this method.
    MethodNotAllowed { method: Method },
    /// Over a rate limit ([`crate::limits`]); `Retry-After` says when to come back.
    RateLimited { retry_after: std::time::Duration },
    /// The request took longer than the configured timeout.
    Timeout,
    /// A bug: a handler panicked or an invariant broke. Logged; the client gets a generic message.
    Internal(String),
}

impl ApiError {
    /// An [`ApiError::InvalidInput`] for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::InvalidInput { field: field.into(), message: message.into() }
    }

    /// The status and the stable code: the one table of the HTTP edge.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Engine(e) => match e {
                EngineError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
                EngineError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
                EngineError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
                EngineError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
                EngineError::InvalidObservable { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "invalid_observable")
                }
                EngineError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
                EngineError::TooMany { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "too_many"),
                // The engine classifies store errors (a unique violation is a conflict).
                EngineError::Store(_) if e.code() == "conflict" => (StatusCode::CONFLICT, "conflict"),
                EngineError::Store(_) if e.code() == "invalid_input" => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input")
                }
                EngineError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "storage_error"),
            },
            ApiError::MissingToken => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            ApiError::InvalidInput { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            ApiError::UnsupportedMediaType | ApiError::UnsupportedContent(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::RouteNotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed { .. } => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Timeout => (StatusCode::SERVICE_UNAVAILABLE, "timeout"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }

    /// The lowercase message shown to the client. Internal details are never shown.
    pub fn message(&self) -> String {
        match self {
            ApiError::Engine(EngineError::Store(_)) if self.status_and_code().1 == "storage_error" => {
                "internal storage error".into()
            }
            ApiError::Engine(e) => e.to_string(),
            ApiError::MissingToken => "missing bearer token in the authorization header".into(),
            ApiError::InvalidJson(m) => format!("malformed json body: {m}"),
            ApiError::InvalidInput { field, message } => format!("{field}: {message}"),
            ApiError::UnsupportedMediaType => {
                "the body must be json, sent with content-type application/json".into()
            }
            ApiError::UnsupportedContent(m) => m.clone(),
            ApiError::PayloadTooLarge => "the request body is larger than this route accepts".into(),
            ApiError::RouteNotFound { method, path } => format!("no route for {method} {path}"),
            ApiError::MethodNotAllowed { method } => format!("method {method} is not allowed on this route"),
            ApiError::RateLimited { retry_after } => {
                format!("too many requests: retry in {} s", retry_after_seconds(*retry_after))
            }
            ApiError::Timeout => "the request took too long and was cancelled".into(),
            ApiError::Internal(_) => "internal server error".into(),
        }
    }

    /// The body of this error.
    pub fn body(&self) -> ErrorResponse {
        ErrorResponse {
            error: ErrorBody { code: self.status_and_code().1.to_string(), message: self.message() },
        }
    }
}

/// Whole seconds to wait, rounded up, at least 1 (`Retry-After` takes whole seconds).
fn retry_after_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        ApiError::Engine(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            ApiError::Engine(e @ EngineError::Store(_)) if status.is_server_error() => {
                tracing::error!(error = %e, "storage error");
            }
            ApiError::Internal(detail) => tracing::error!(%detail, "internal error"),
            _ => tracing::debug!(code, "request failed"),
        }
        let mut response = crate::json::response(status, &self.body());
        if let ApiError::RateLimited { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds(retry_after)));
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: no error attribute when no credentials were sent.
            let challenge = match self {
                ApiError::MissingToken => r#"Bearer realm="dragnet""#,
                _ => r#"Bearer realm="dragnet", error="invalid_token""#,
            };
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{CanonError, ObservableKind};

    /// The HTTP code of every engine error is the engine's own code.
    #[test]
    fn engine_codes_agree() {
        let errors = [
            EngineError::Unauthenticated,
            EngineError::Forbidden("no".into()),
            EngineError::NotFound { what: "report".into() },
            EngineError::Invalid { field: "title".into(), message: "must not be empty".into() },
            EngineError::InvalidObservable {
                field: "observables[0].value".into(),
                source: CanonError::new(ObservableKind::Iban, "checksum mismatch"),
            },
            EngineError::Conflict("exists".into()),
            EngineError::TooMany { what: "selectors".into(), limit: 1, got: 2 },
        ];
        for e in errors {
            let code = e.code();
            assert_eq!(ApiError::from(e).status_and_code().1, code);
        }
    }

    #[test]
    fn messages_are_lowercase() {
        let errors = [
            ApiError::MissingToken,
            ApiError::UnsupportedMediaType,
            ApiError::PayloadTooLarge,
            ApiError::MethodNotAllowed { method: Method::DELETE },
            ApiError::Timeout,
            ApiError::Internal("Boom".into()),
        ];
        for e in errors {
            let m = e.message();
            assert!(!m.starts_with(char::is_uppercase) && !m.ends_with('.'), "{m}");
        }
    }
}
