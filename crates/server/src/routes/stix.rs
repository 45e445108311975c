//! STIX 2.1 bundles of one report, a campaign or a link-analysis network, as the caller sees
//! them (`application/stix+json;version=2.1`). What the caller may not see answers exactly like
//! what does not exist.

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
use crate::routes::cpu_future;

/// The STIX 2.1 media type bundles are served as.
pub(crate) const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports/{id}/stix", get(report))
        .route("/api/v1/campaigns/{id}/stix", get(campaign))
        .route("/api/v1/graph/networks/{id}/stix", get(network))
}

fn bundle(v: Value) -> Response {
    ([(CONTENT_TYPE, STIX_MEDIA_TYPE)], v.to_string()).into_response()
}

/// One report as a STIX 2.1 bundle: the author's identity, the report, an SCO, an indicator
/// and a `based-on` relationship per observable, TLP 2.0 markings. Never victim data.
#[utoipa::path(
    get, path = "/api/v1/reports/{id}/stix", tag = "stix",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The report's id")),
    responses(
        (status = 200, description = "a STIX 2.1 bundle", content_type = "application/stix+json;version=2.1", body = Object),
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
    let exported = state.engine.export_stix_report(&who.viewer, id).await?;
    state.engine.audit_report_reads(&who, "report.export_stix", &[id]).await?;
    Ok(bundle(exported))
}

/// A campaign (or part, `5e0c19a4.2`) as a STIX 2.1 bundle: its visible reports, a `campaign` and
/// `indicates` relationships.
#[utoipa::path(
    get, path = "/api/v1/campaigns/{id}/stix", tag = "stix",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The campaign's id, e.g. `5e0c19a4` or `5e0c19a4.2`")),
    responses(
        (status = 200, description = "a STIX 2.1 bundle", content_type = "application/stix+json;version=2.1", body = Object),
        (status = 401, body = ErrorResponse),
        (status = 404, description = "no such campaign among the caller's", body = ErrorResponse),
        (status = 422, description = "more reports than one bundle holds", body = ErrorResponse),
    )
)]
pub(crate) async fn campaign(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (exported, ids) = state.engine.export_stix_campaign(&who.viewer, &id).await?;
    state.engine.audit_report_reads(&who, "campaign.export_stix", &ids).await?;
    Ok(bundle(exported))
}

/// A network of the caller's link graph (named by any report or node in it, as
/// `/api/v1/graph/networks/{id}`) as a STIX 2.1 bundle: its visible reports and a `grouping`.
#[utoipa::path(
    get, path = "/api/v1/graph/networks/{id}/stix", tag = "stix",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "A report id, or a node (`phone:+44…`) of the network")),
    responses(
        (status = 200, description = "a STIX 2.1 bundle", content_type = "application/stix+json;version=2.1", body = Object),
        (status = 401, body = ErrorResponse),
        (status = 404, description = "no such network among the caller's", body = ErrorResponse),
        (status = 422, description = "more reports than one bundle holds", body = ErrorResponse),
    )
)]
pub(crate) async fn network(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let engine = state.engine.clone();
    let viewer = who.viewer.clone();
    let (exported, ids) = cpu_future(async move { engine.export_stix_network(&viewer, &id).await }).await?;
    state.engine.audit_report_reads(&who, "network.export_stix", &ids).await?;
    Ok(bundle(exported))
}
