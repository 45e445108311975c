//! `/api/v1/audit`: the audit log entries of the caller's organisation (admins only).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use engine::{AuditEntryView, AuditFilter, Page, Principal};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Query, parse_limit, parse_time};
use crate::json::Json;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(list))
}

/// Filters and paging of `GET /api/v1/audit`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries with this action, e.g. `report.read`.
    pub action: Option<String>,
    /// Only entries at or after this time (RFC 3339).
    #[param(value_type = Option<String>)]
    pub since: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 1,000 (default 50).
    #[param(value_type = Option<usize>)]
    pub limit: Option<String>,
}

/// The audit entries whose actor acted for the caller's organisation, newest first (admins
/// only). Each carries its own and the previous entry's hash: `dragnet audit verify` checks the
/// whole chain.
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit",
    security(("bearer" = [])),
    params(AuditParams),
    responses(
        (status = 200, body = Page<AuditEntryView>),
        (status = 401, body = ErrorResponse),
        (status = 403, description = "the caller is not an admin", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(p): Query<AuditParams>,
) -> Result<Json<Page<AuditEntryView>>, ApiError> {
    let limit = parse_limit("limit", p.limit.as_deref())?;
    let filter = AuditFilter { action: p.action, since: parse_time("since", p.since.as_deref())? };
    Ok(Json(state.engine.list_audit(&who, &filter, p.cursor.as_deref(), limit).await?))
}
