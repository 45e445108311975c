//! `POST /api/v1/extract`: the indicators in a free text.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use engine::Principal;
use extract::Finding;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::json::Json;
use crate::routes::cpu;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/extract", post(extract))
}

/// The body of `POST /api/v1/extract`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequest {
    /// Free text: a victim's narrative, an advisory, an e-mail.
    pub text: String,
    /// Region (ISO 3166-1 alpha-2) to read phone numbers without a country code; the server's
    /// default region when absent.
    #[serde(default)]
    pub region: Option<String>,
}

/// The answer of `POST /api/v1/extract`: findings in order of position.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtractResponse {
    pub findings: Vec<Finding>,
}

/// Extracts every indicator from a text: defanged forms (`hxxps://evil[.]com`, `john at gmail
/// dot com`) and obfuscated phone numbers are read, every value is validated (checksums,
/// libphonenumber, real top-level domains, no private addresses) and canonicalised as
/// observables are everywhere else. Each finding has its byte span in the text, whether it was
/// defanged, and the warning lists it is on. Nothing is stored; a malformed candidate is
/// skipped, never an error.
#[utoipa::path(
    post, path = "/api/v1/extract", tag = "observables",
    security(("bearer" = [])),
    request_body = ExtractRequest,
    responses(
        (status = 200, body = ExtractResponse),
        (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse),
        (status = 413, description = "the text is larger than the body limit", body = ErrorResponse),
        (status = 422, description = "a body that is not an extract request, or an invalid `region`", body = ErrorResponse),
    )
)]
pub(crate) async fn extract(
    State(state): State<AppState>,
    _who: Principal,
    Json(body): Json<ExtractRequest>,
) -> Result<Json<ExtractResponse>, ApiError> {
    let findings = cpu(|| state.engine.extract(&body.text, body.region.as_deref()))?;
    Ok(Json(ExtractResponse { findings }))
}
