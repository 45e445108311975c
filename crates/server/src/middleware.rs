//! Cross-cutting layers: request tracing, metrics, security headers, timeout and panics.

use std::any::Any;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Span;

use crate::AppState;
use crate::error::ApiError;

/// The route label of a request: its matched route template, never the raw path (which may
/// hold an observable value), or `unmatched`.
fn route_of(req: &Request) -> String {
    req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_string()
}

/// The tracing span of a request: method and route template only. Query strings and paths are
/// not logged since they may hold the selectors a partner is screening.
pub fn make_span(req: &Request) -> Span {
    tracing::info_span!("request", method = %req.method(), route = %route_of(req))
}

/// The method label of a request: a standard method, or `other` so that clients cannot grow
/// the metrics without bound with made-up methods.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts requests and records their latency by method, route and status.
pub async fn metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = route_of(&req);
    let response = next.run(req).await;
    state.metrics.observe_request(method, &route, response.status().as_u16(), start.elapsed().as_secs_f64());
    response
}

/// Headers of every response: answers are never cached (they depend on who asks) and are
/// never rendered as documents by a browser.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let defaults: [(HeaderName, &'static str); 5] = [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in defaults {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}

/// Cancels requests that run longer than the configured timeout: `503 timeout`. (Work handed
/// to `block_in_place` — a batch being canonicalised — finishes before the timeout can fire.)
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.options.request_timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

/// Answers a panic in a handler as `500 internal_error` (the panic is logged, not shown).
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into());
    ApiError::Internal(format!("handler panicked: {detail}")).into_response()
}

/// No route has this path: `404 not_found`.
/// Under `/taxii2` the error is a TAXII error resource.
pub async fn route_not_found(method: Method, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let taxii = crate::routes::taxii::is_taxii_path(&path);
    let e = ApiError::RouteNotFound { method, path };
    if taxii { crate::routes::taxii::TaxiiError::from_api(&e).into_response() } else { e.into_response() }
}

/// A route has this path, not this method: `405 method_not_allowed` (axum adds `Allow`).
/// Under `/taxii2` the error is a TAXII error resource.
pub async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    let e = ApiError::MethodNotAllowed { method };
    if crate::routes::taxii::is_taxii_path(uri.path()) {
        crate::routes::taxii::TaxiiError::from_api(&e).into_response()
    } else {
        e.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn panics_answer_a_generic_500() {
        let r = panic_response(Box::new(String::from("secret detail")));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn method_labels_are_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
