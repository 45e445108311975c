//! MISP events of one report or a campaign, as the caller sees them (`application/json`).
//! What the caller may not see answers exactly like what does not exist.

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use engine::Principal;
use serde_json::Value;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Path, parse_id};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports/{id}/misp", get(report))
        .route("/api/v1/campaigns/{id}/misp", get(campaign))
}

fn event(v: Value) -> Response {
    ([(CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

/// One report as a MISP event (`{"Event": {...}}`): uuid derived from the report id, tlp: tag
/// and labels as tags, an attribute per observable (the MISP type, object and to_ids it was
/// imported with), kept values and sightings of imported events. Never victim data.
#[utoipa::path(
    get, path = "/api/v1/reports/{id}/misp", tag = "misp",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The report's id")),
    responses(
        (status = 200, description = "a MISP event", content_type = "application/json", body = Object),
        (status = 401, body = ErrorResponse),
        (status = 404, description = "no such report among the caller's", body = ErrorResponse),
    )
)]
pub(crate) async fn report(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "report")?;
    let exported = state.engine.export_misp_report(&who.viewer, id).await?;
    state.engine.audit_report_reads(&who, "report.export_misp", &[id]).await?;
    Ok(event(exported))
}

/// A campaign (or part, `5e0c19a4.2`) as one MISP event of its visible reports.
#[utoipa::path(
    get, path = "/api/v1/campaigns/{id}/misp", tag = "misp",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The campaign's id, e.g. `5e0c19a4` or `5e0c19a4.2`")),
    responses(
        (status = 200, description = "a MISP event", content_type = "application/json", body = Object),
        (status = 401, body = ErrorResponse),
        (status = 404, description = "no such campaign among the caller's", body = ErrorResponse),
        (status = 422, description = "more reports than one event holds", body = ErrorResponse),
    )
)]
pub(crate) async fn campaign(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (exported, ids) = state.engine.export_misp_campaign(&who.viewer, &id).await?;
    state.engine.audit_report_reads(&who, "campaign.export_misp", &ids).await?;
    Ok(event(exported))
}
