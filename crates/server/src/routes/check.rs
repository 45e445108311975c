//! `POST /api/v1/check`: hit/no-hit screening of many selectors at once.
//!
//! This is a payment-screening hot path: a 10,000-selector request is parsed once into owned
//! selectors, checked against the index off the async workers' shoulders, and serialised once
//! into a pre-sized buffer.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use engine::{CheckResult, Principal, SelectorInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::json::{Json, array_response};
use crate::routes::cpu;

/// Checks smaller than this run inline; larger ones via [`cpu`].
const INLINE_CHECK: usize = 256;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/check", post(check))
}

/// The body of `POST /api/v1/check`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// At most 10,000 selectors.
    pub selectors: Vec<SelectorInput>,
}

/// The answer of `POST /api/v1/check`: one result per selector, in request order.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResponse {
    pub results: Vec<CheckResult>,
}

/// Checks up to 10,000 selectors: for each, whether reports the caller may see hold it, how
/// many, and the newest of their ids (at most 10; `count` is always complete). A selector that is not a valid observable gets its own
/// `error` and does not fail the request. A hit on a report the caller cannot see is
/// never reported.
#[utoipa::path(
    post, path = "/api/v1/check", tag = "observables",
    security(("bearer" = [])),
    request_body = CheckRequest,
    responses(
        (status = 200, body = CheckResponse),
        (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse),
        (status = 422, description = "more than 10,000 selectors (`too_many`)", body = ErrorResponse),
    )
)]
pub(crate) async fn check(
    State(state): State<AppState>,
    who: Principal,
    Json(body): Json<CheckRequest>,
) -> Result<Response, ApiError> {
    let selectors = body.selectors;
    let run = || state.engine.check(&who.viewer, &selectors);
    let results = if selectors.len() < INLINE_CHECK { run()? } else { cpu(run)? };
    let ids: Vec<uuid::Uuid> = results.iter().flat_map(|r| r.report_ids.iter().copied()).collect();
    state.engine.audit_report_reads(&who, "observable.check", &ids).await?;
    Ok(array_response(StatusCode::OK, "results", &results))
}
