//! Path and query extractors answering in the API's error shape, and parameter parsers that
//! name the offending parameter.

use axum::extract::{FromRequestParts, rejection::PathRejection, rejection::QueryRejection};
use axum::http::request::Parts;
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::ApiError;

/// Percent-decoded path parameters; a segment that is not valid UTF-8 once decoded is a
/// `422 invalid_input`.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                Err(ApiError::invalid("path", e.body_text().to_lowercase()))
            }
            Err(e) => Err(ApiError::Internal(e.body_text())),
        }
    }
}

/// Query parameters; an unknown or repeated parameter is a `422 invalid_input`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = e.body_text();
                let reason = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text);
                Err(ApiError::invalid("query", reason.to_string()))
            }
            Err(e) => Err(ApiError::invalid("query", e.body_text().to_lowercase())),
        }
    }
}

/// Parses an optional parameter with `FromStr`, naming it in the error.
pub fn parse_param<T>(name: &str, raw: Option<&str>) -> Result<Option<T>, ApiError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    raw.map(|s| s.parse::<T>().map_err(|e| ApiError::invalid(name, e.to_string()))).transpose()
}

/// Parses an optional count parameter (a non-negative integer).
pub fn parse_limit(name: &str, raw: Option<&str>) -> Result<Option<usize>, ApiError> {
    raw.map(|s| {
        s.trim()
            .parse::<usize>()
            .map_err(|_| ApiError::invalid(name, format!("expected a non-negative integer, got {s:?}")))
    })
    .transpose()
}

/// Parses an optional boolean parameter: `true`/`false`/`1`/`0`, or empty for `true`.
pub fn parse_bool(name: &str, raw: Option<&str>) -> Result<bool, ApiError> {
    match raw.map(str::trim) {
        None | Some("false" | "0") => Ok(false),
        Some("" | "true" | "1") => Ok(true),
        Some(other) => Err(ApiError::invalid(name, format!("expected true or false, got {other:?}"))),
    }
}

/// Parses an optional instant: RFC 3339 (`2024-05-01T12:00:00Z`) or a date (`2024-05-01`,
/// midnight UTC).
pub fn parse_time(name: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.map(|s| {
        let s = s.trim();
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .or_else(|_| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_time(Default::default()).and_utc())
            })
            .map_err(|_| {
                ApiError::invalid(name, format!("expected an rfc 3339 time or a yyyy-mm-dd date, got {s:?}"))
            })
    })
    .transpose()
}

/// Parses an object id from a path. An id that is not a UUID names no object: it answers
/// `not found` like any unknown id, so that both look the same.
pub fn parse_id(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw)
        .map_err(|_| ApiError::Engine(engine::EngineError::NotFound { what: what.to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params() {
        assert_eq!(parse_limit("limit", Some("10")).unwrap(), Some(10));
        assert!(parse_limit("limit", Some("-1")).unwrap_err().message().starts_with("limit: "));
        assert!(parse_bool("x", None).is_ok_and(|b| !b));
        assert!(parse_bool("x", Some("")).is_ok_and(|b| b));
        assert!(parse_bool("x", Some("yes")).is_err());
        let t = parse_time("since", Some("2024-05-01")).unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2024-05-01T00:00:00+00:00");
        let t = parse_time("since", Some("2024-05-01T12:00:00+02:00")).unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2024-05-01T10:00:00+00:00");
        assert!(parse_time("since", Some("yesterday")).unwrap_err().message().starts_with("since: "));
        assert_eq!(parse_id("nope", "report").unwrap_err().status_and_code().1, "not_found");
    }
}
