//! `/api/v1/stats/scams` (and the campaign routes): totals of the scam reports the caller may
//! see. Victim data never reaches these answers: it is not even loaded.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use engine::{Principal, ScamStats, ScamStatsQuery};
use model::scam::ScamType;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Query, parse_param, parse_time};
use crate::json::Json;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/stats/scams", get(stats))
}

/// Filters of `GET /api/v1/stats/scams`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Scams that happened at or after (RFC 3339 or `YYYY-MM-DD`).
    pub since: Option<String>,
    /// Scams that happened before.
    pub until: Option<String>,
    /// Only this scam type (e.g. `tech-support`).
    #[param(value_type = Option<ScamType>)]
    pub scam_type: Option<String>,
    /// `month` (default) or `week`.
    pub interval: Option<String>,
}

/// Scam statistics over the reports the caller may see: report count, victims 60 and over,
/// losses by currency (exact decimals, recovered amounts apart), by scam type, age bracket and
/// payment method, and reports and losses per month or week.
#[utoipa::path(
    get, path = "/api/v1/stats/scams", tag = "scams",
    security(("bearer" = [])),
    params(StatsParams),
    responses(
        (status = 200, body = ScamStats),
        (status = 401, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn stats(
    State(state): State<AppState>,
    who: Principal,
    Query(p): Query<StatsParams>,
) -> Result<Json<ScamStats>, ApiError> {
    let weekly = match p.interval.as_deref().map(str::trim) {
        None | Some("month") => false,
        Some("week") => true,
        Some(other) => {
            return Err(ApiError::invalid("interval", format!("expected month or week, got {other:?}")));
        }
    };
    let q = ScamStatsQuery {
        since: parse_time("since", p.since.as_deref())?,
        until: parse_time("until", p.until.as_deref())?,
        scam_type: parse_param::<ScamType>("scam_type", p.scam_type.as_deref())?,
        weekly,
    };
    Ok(Json(state.engine.scam_stats(&who.viewer, &q)?))
}
