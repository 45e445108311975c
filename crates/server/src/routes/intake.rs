//! `POST /api/v1/intake`: scam reports from hotlines, web forms and partner intake software.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use engine::ReportView;
use model::scam::IntakeInput;

use crate::AppState;
use crate::auth::Reporter;
use crate::error::{ApiError, ErrorResponse};
use crate::json::Json;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/intake", post(intake))
}

/// Submits one scam report with its intake facts: source and channel, victim (age bracket,
/// country, region), incident (scam type, contact method, impersonated brand, remote-access
/// tool), losses (exact decimal amounts as strings, currency or asset, payment method), the
/// scammer's indicators (also extracted from the narrative) and, apart, the victim's personal
/// data, which only the reporting organisation ever sees. Taken from `intake` tokens (which
/// read nothing) and from every role that may submit reports. Without a TLP the report is
/// `AMBER` to the reporting organisation's communities.
#[utoipa::path(
    post, path = "/api/v1/intake", tag = "scams",
    security(("bearer" = [])),
    request_body = IntakeInput,
    responses(
        (status = 201, description = "stored, as the reporting organisation sees it", body = ReportView),
        (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse),
        (status = 403, description = "readers may not submit", body = ErrorResponse),
        (status = 422, description = "an invalid field, named in the message", body = ErrorResponse),
    )
)]
pub(crate) async fn intake(
    State(state): State<AppState>,
    Reporter(who): Reporter,
    Json(input): Json<IntakeInput>,
) -> Result<(StatusCode, Json<ReportView>), ApiError> {
    let view = state.engine.submit_intake(&who, input).await?;
    state.metrics.observe_ingest(1, 0);
    Ok((StatusCode::CREATED, Json(view)))
}
