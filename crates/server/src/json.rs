//! JSON in and out, with every failure in the API's error shape.
//!
//! axum's own `Json` extractor answers rejections in plain text; [`Json`] replaces it so that a
//! malformed body is a `400 invalid_json` with serde's message (line and column), a body of the
//! wrong shape a `422 invalid_input`, a missing content type a `415` and an oversized body a `413`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body or response. As an extractor it must come last in a handler's arguments.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = JsonBytes::from_request(req, state).await?;
        parse(&bytes.0).map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        response(StatusCode::OK, &self.0)
    }
}

/// The raw bytes of a body declared as JSON, read within the route's body limit.
#[derive(Debug, Clone)]
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(JsonBytes(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(rejection) => Err(ApiError::InvalidJson(lowercase_first(&rejection.body_text()))),
        }
    }
}

/// Whether the request declares a JSON body: `application/json` or `application/*+json`.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON document: syntax errors are `invalid_json`, shape errors `invalid_input`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| from_serde(&e, "body"))
}

/// Classifies a serde_json error: syntax or truncation is `invalid_json`; a well-formed
/// document of the wrong shape is `invalid_input` on `field`.
pub fn from_serde(e: &serde_json::Error, field: &str) -> ApiError {
    use serde_json::error::Category;
    let message = lowercase_first(&e.to_string());
    match e.classify() {
        Category::Data => ApiError::invalid(field, message),
        Category::Syntax | Category::Eof | Category::Io => ApiError::InvalidJson(message),
    }
}

/// Serialises `value` as a JSON response with `status`.
pub fn response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    response_with_capacity(status, value, 128)
}

/// Like [`response`], pre-sizing the buffer for large answers (one allocation, no copy).
pub fn response_with_capacity<T: Serialize + ?Sized>(
    status: StatusCode,
    value: &T,
    capacity: usize,
) -> Response {
    let mut buf = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut buf, value) {
        Ok(()) => {
            let mut response = (status, buf).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(e) => serialisation_failed(&e),
    }
}

/// Serialises `{"<key>": [items…]}` as a JSON response, the items in parallel chunks: a
/// 10,000-result bulk check answers megabytes, and one core would spend milliseconds on it.
pub fn array_response<T: Serialize + Sync>(status: StatusCode, key: &str, items: &[T]) -> Response {
    use rayon::prelude::*;
    const CHUNK: usize = 1024;
    let parts: Result<Vec<Vec<u8>>, serde_json::Error> = items
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut buf = Vec::with_capacity(chunk.len() * 128);
            for (i, item) in chunk.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                serde_json::to_writer(&mut buf, item)?;
            }
            Ok(buf)
        })
        .collect();
    let parts = match parts {
        Ok(p) => p,
        Err(e) => return serialisation_failed(&e),
    };
    let mut body = Vec::with_capacity(key.len() + 8 + parts.iter().map(|p| p.len() + 1).sum::<usize>());
    body.push(b'{');
    if let Err(e) = serde_json::to_writer(&mut body, key) {
        return serialisation_failed(&e);
    }
    body.extend_from_slice(b":[");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(part);
    }
    body.extend_from_slice(b"]}");
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn serialisation_failed(e: &serde_json::Error) -> Response {
    // Our views always serialise; reaching this is a bug, not a client error.
    tracing::error!(error = %e, "cannot serialise a response");
    let body = r#"{"error":{"code":"internal_error","message":"internal server error"}}"#;
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// serde's messages start lowercase except at a few (`EOF while parsing…`); keep ours lowercase.
fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        // Leave acronyms (`EOF`) alone: only lower a capital followed by a lowercase letter.
        Some(c) if c.is_uppercase() && chars.next().is_some_and(char::is_lowercase) => {
            c.to_lowercase().chain(s[c.len_utf8()..].chars()).collect()
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_json(&h));
        for (v, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(v));
            assert_eq!(is_json(&h), ok, "{v}");
        }
    }

    #[test]
    fn array_responses_are_the_serde_form() {
        #[derive(serde::Serialize)]
        struct Item {
            i: usize,
            s: String,
        }
        for n in [0, 1, 1023, 1024, 1025, 3000] {
            let items: Vec<Item> = (0..n).map(|i| Item { i, s: format!("\"{i}\u{e9}") }).collect();
            let response = array_response(StatusCode::OK, "results", &items);
            let body = futures_body(response);
            let expected = serde_json::to_vec(&serde_json::json!({ "results": items })).unwrap();
            assert_eq!(body, expected, "{n} items");
        }
    }

    fn futures_body(response: Response) -> Vec<u8> {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async { axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec() })
    }

    #[test]
    fn syntax_and_shape_errors() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            a: u32,
        }
        let e = parse::<T>(b"{\"a\": ").unwrap_err();
        assert_eq!(e.status_and_code().1, "invalid_json");
        assert!(e.message().contains("line 1 column"), "{}", e.message());
        let e = parse::<T>(b"{\"b\": 1}").unwrap_err();
        assert_eq!(e.status_and_code().1, "invalid_input");
        assert!(e.message().contains("missing field `a`"), "{}", e.message());
        assert_eq!(lowercase_first("Failed to read"), "failed to read");
        assert_eq!(lowercase_first("EOF while parsing"), "EOF while parsing");
    }
}
