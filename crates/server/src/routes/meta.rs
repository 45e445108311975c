//! Service routes: health, metrics and the OpenAPI document. None needs authentication.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, body::Bytes};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::json::Json;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(openapi))
}

/// The answer of `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the server is up and answering.
#[utoipa::path(get, path = "/healthz", tag = "service", responses((status = 200, body = Health)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Prometheus metrics (OpenMetrics text): requests and latency by route and status, index
/// sizes, ingested records. Not authenticated: expose it on an internal network only.
#[utoipa::path(
    get, path = "/metrics", tag = "service",
    responses((status = 200, description = "OpenMetrics text exposition", content_type = "application/openmetrics-text"))
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(
        state.engine.index_sizes(),
        state.engine.hashlist_sizes(),
        state.engine.graph_sizes(),
    );
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response()
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "service",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub(crate) async fn openapi() -> Response {
    static DOC: OnceLock<Bytes> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        Bytes::from(crate::openapi().to_json().unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot serialise the openapi document");
            String::from("{}")
        }))
    });
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], doc.clone()).into_response()
}
