//! `/api/v1/alerts`: alert rules an organisation subscribes to, and the alerts they raised.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use engine::{AlertRuleInput, AlertRuleView, Page, Principal};
use model::alert::Alert;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Path, Query, parse_id, parse_limit};
use crate::json::Json;
use crate::routes::Items;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/alerts", get(list))
        .route("/api/v1/alerts/rules", get(rules).post(create_rule))
        .route("/api/v1/alerts/rules/{id}", delete(delete_rule))
}

/// Subscribes the caller's organisation to an alert rule (analysts and admins):
/// `{"name", "rule": {"type": "watch", "selectors": [{"kind"?, "value"}], "scam_only"?}}` raises an
/// alert when a new report the organisation may see holds a watched selector (canonicalised,
/// so `GB82 WEST 1234…` and `gb82west1234…` are one); `{"type": "campaign-growth", "threshold",
/// "window_days"}` when a campaign reaches `threshold` visible reports from the last
/// `window_days` days (once per campaign).
#[utoipa::path(
    post, path = "/api/v1/alerts/rules", tag = "scams",
    security(("bearer" = [])),
    request_body = AlertRuleInput,
    responses(
        (status = 201, body = AlertRuleView),
        (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 422, description = "an invalid selector or threshold, named in the message", body = ErrorResponse),
    )
)]
pub(crate) async fn create_rule(
    State(state): State<AppState>,
    who: Principal,
    Json(input): Json<AlertRuleInput>,
) -> Result<(StatusCode, Json<AlertRuleView>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.engine.create_alert_rule(&who, input).await?)))
}

/// The caller's organisation's alert rules.
#[utoipa::path(
    get, path = "/api/v1/alerts/rules", tag = "scams",
    security(("bearer" = [])),
    responses((status = 200, body = Items<AlertRuleView>), (status = 401, body = ErrorResponse))
)]
pub(crate) async fn rules(State(state): State<AppState>, who: Principal) -> Json<Items<AlertRuleView>> {
    Json(Items { items: state.engine.list_alert_rules(&who.viewer) })
}

/// Deletes a rule of the caller's organisation (analysts and admins); its alerts stay.
#[utoipa::path(
    delete, path = "/api/v1/alerts/rules/{id}", tag = "scams",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The rule's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
    )
)]
pub(crate) async fn delete_rule(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.engine.delete_alert_rule(&who, parse_id(&id, "alert rule")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Paging of `GET /api/v1/alerts`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 1,000 (default 50).
    #[param(value_type = Option<usize>)]
    pub limit: Option<String>,
}

/// The alerts raised for the caller's organisation, oldest first.
#[utoipa::path(
    get, path = "/api/v1/alerts", tag = "scams",
    security(("bearer" = [])),
    params(AlertParams),
    responses(
        (status = 200, body = Page<Alert>),
        (status = 401, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(p): Query<AlertParams>,
) -> Result<Json<Page<Alert>>, ApiError> {
    let limit = parse_limit("limit", p.limit.as_deref())?;
    Ok(Json(state.engine.list_alerts(&who.viewer, p.cursor.as_deref(), limit).await?))
}
