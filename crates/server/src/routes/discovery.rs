//! Hit/no-hit: `/api/v1/access-requests`, `/api/v1/discovery` (the organisation's setting) and
//! `/api/v1/reports/{id}/discoverable`.
//!
//! A lookup or a check answers `held_elsewhere: true` when a report the caller may not read,
//! made discoverable by its author, holds the value. The caller may then ask for access; the
//! organisations holding it see who asked and which selector, and grant (the caller joins the
//! reports' audience) or decline. A request about a value for which `held_elsewhere` is not
//! true answers exactly like one about a value no report holds.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use engine::{
    AccessGrantView, DiscoverySettingView, IncomingAccessRequestView, OutgoingAccessRequestView, Page,
    Principal, ReportView, SelectorInput,
};
use model::discovery::AccessRequestStatus;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Path, Query, parse_id, parse_limit, parse_param};
use crate::json::Json;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/access-requests", post(create))
        .route("/api/v1/access-requests/incoming", get(incoming))
        .route("/api/v1/access-requests/outgoing", get(outgoing))
        .route("/api/v1/access-requests/{id}/grant", post(grant))
        .route("/api/v1/access-requests/{id}/decline", post(decline))
        .route("/api/v1/discovery", get(setting).put(set_setting))
        .route("/api/v1/reports/{id}/discoverable", post(set_report))
}

/// Asks for access to the reports holding a selector that the caller's lookups and checks
/// answer `held_elsewhere: true` for. The request goes to every organisation whose discoverable
/// reports hold it; the caller never learns which, or how many. Sent again while pending, the
/// same request is answered. Any other selector answers `404` exactly as one no report holds.
#[utoipa::path(
    post, path = "/api/v1/access-requests", tag = "access requests",
    security(("bearer" = [])),
    request_body = SelectorInput,
    responses(
        (status = 202, description = "the request, as the caller sees it", body = OutgoingAccessRequestView),
        (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse),
        (status = 404, description = "no discoverable report hidden from the caller holds the selector", body = ErrorResponse),
        (status = 422, description = "not a valid observable, or too many pending requests (`too_many`)", body = ErrorResponse),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(selector): Json<SelectorInput>,
) -> Result<(StatusCode, Json<OutgoingAccessRequestView>), ApiError> {
    let sent = state.engine.request_access(&who, &selector).await?;
    Ok((StatusCode::ACCEPTED, Json(sent.request)))
}

/// Paging of the access request listings.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 1,000 (default 50).
    #[param(value_type = Option<usize>)]
    pub limit: Option<String>,
}

/// Filters and paging of `GET /api/v1/access-requests/incoming`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IncomingParams {
    /// `pending`, `granted` or `declined`.
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 1,000 (default 50).
    #[param(value_type = Option<usize>)]
    pub limit: Option<String>,
}

/// Requests addressed to the caller's organisation, oldest first: which organisation asked,
/// about which selector, when (analysts and admins).
#[utoipa::path(
    get, path = "/api/v1/access-requests/incoming", tag = "access requests",
    security(("bearer" = [])),
    params(IncomingParams),
    responses(
        (status = 200, body = Page<IncomingAccessRequestView>),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn incoming(
    State(state): State<AppState>,
    who: Principal,
    Query(params): Query<IncomingParams>,
) -> Result<Json<Page<IncomingAccessRequestView>>, ApiError> {
    let status = parse_param::<AccessRequestStatus>("status", params.status.as_deref())?;
    let limit = parse_limit("limit", params.limit.as_deref())?;
    Ok(Json(state.engine.list_incoming_access_requests(&who, status, params.cursor.as_deref(), limit).await?))
}

/// The caller's organisation's requests, oldest first, each with its status only.
#[utoipa::path(
    get, path = "/api/v1/access-requests/outgoing", tag = "access requests",
    security(("bearer" = [])),
    params(ListParams),
    responses(
        (status = 200, body = Page<OutgoingAccessRequestView>),
        (status = 401, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn outgoing(
    State(state): State<AppState>,
    who: Principal,
    Query(params): Query<ListParams>,
) -> Result<Json<Page<OutgoingAccessRequestView>>, ApiError> {
    let limit = parse_limit("limit", params.limit.as_deref())?;
    Ok(Json(state.engine.list_outgoing_access_requests(&who, params.cursor.as_deref(), limit).await?))
}

/// Grants a pending request addressed to the caller's organisation (analysts and admins): the
/// requester joins the audience of the organisation's discoverable reports holding the selector
/// that it could not read.
#[utoipa::path(
    post, path = "/api/v1/access-requests/{id}/grant", tag = "access requests",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The request's id, from the incoming listing")),
    responses(
        (status = 200, body = AccessGrantView),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, description = "no such request addressed to the caller's organisation", body = ErrorResponse),
        (status = 409, description = "already decided, or no report left to share", body = ErrorResponse),
    )
)]
pub(crate) async fn grant(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<AccessGrantView>, ApiError> {
    Ok(Json(state.engine.grant_access_request(&who, parse_id(&id, "access request")?).await?))
}

/// Declines a pending request addressed to the caller's organisation (analysts and admins).
#[utoipa::path(
    post, path = "/api/v1/access-requests/{id}/decline", tag = "access requests",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The request's id, from the incoming listing")),
    responses(
        (status = 200, body = IncomingAccessRequestView),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, description = "no such request addressed to the caller's organisation", body = ErrorResponse),
        (status = 409, description = "already decided", body = ErrorResponse),
    )
)]
pub(crate) async fn decline(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<IncomingAccessRequestView>, ApiError> {
    Ok(Json(state.engine.decline_access_request(&who, parse_id(&id, "access request")?).await?))
}

/// The caller's organisation's hit/no-hit setting.
#[utoipa::path(
    get, path = "/api/v1/discovery", tag = "access requests",
    security(("bearer" = [])),
    responses((status = 200, body = DiscoverySettingView), (status = 401, body = ErrorResponse))
)]
pub(crate) async fn setting(State(state): State<AppState>, who: Principal) -> Json<DiscoverySettingView> {
    Json(state.engine.discovery_setting(&who))
}

/// The body of `PUT /api/v1/discovery`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoverySettingInput {
    /// Whether every report of the organisation is discoverable (reports whose own
    /// `discoverable` is `false`, and TLP:RED reports, never are).
    pub reports_discoverable: bool,
}

/// Turns the caller's organisation's "all our reports are discoverable" setting on or off (its
/// admins only).
#[utoipa::path(
    put, path = "/api/v1/discovery", tag = "access requests",
    security(("bearer" = [])),
    request_body = DiscoverySettingInput,
    responses(
        (status = 200, body = DiscoverySettingView),
        (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn set_setting(
    State(state): State<AppState>,
    who: Principal,
    Json(body): Json<DiscoverySettingInput>,
) -> Result<Json<DiscoverySettingView>, ApiError> {
    let org = who.org_name.clone();
    Ok(Json(state.engine.set_reports_discoverable(Some(&who), &org, body.reports_discoverable).await?))
}

/// The body of `POST /api/v1/reports/{id}/discoverable`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoverableInput {
    /// `true`, `false` (never, whatever the organisation's setting) or `null` (the
    /// organisation's setting). `true` is refused for TLP:RED reports.
    pub discoverable: Option<bool>,
}

/// Sets whether a report of the caller's organisation is discoverable (analysts and admins).
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/discoverable", tag = "reports",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The report's id")),
    request_body = DiscoverableInput,
    responses(
        (status = 200, description = "the report, with `discoverable` as it now stands", body = ReportView),
        (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, description = "no such report of the caller's organisation", body = ErrorResponse),
        (status = 422, description = "`true` for a TLP:RED report", body = ErrorResponse),
    )
)]
pub(crate) async fn set_report(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Json(body): Json<DiscoverableInput>,
) -> Result<Json<ReportView>, ApiError> {
    let id = parse_id(&id, "report")?;
    Ok(Json(state.engine.set_report_discoverable(&who, id, body.discoverable).await?))
}
