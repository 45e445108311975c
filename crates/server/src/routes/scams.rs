//! `/api/v1/stats/scams` (and the campaign routes): totals of the scam reports the caller may
//! see. Victim data never reaches these answers: it is not even loaded.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use engine::{
    CampaignQuery, CampaignSummaryView, CampaignView, HubView, Interval, Principal, ScamStats, ScamStatsQuery,
};
use model::ObservableKind;
use model::scam::ScamType;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Path, Query, parse_limit, parse_param, parse_time};
use crate::json::Json;
use crate::routes::Items;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/stats/scams", get(stats))
        .route("/api/v1/campaigns", get(campaigns))
        .route("/api/v1/campaigns/hubs", get(hubs).post(mark_hub))
        .route("/api/v1/campaigns/hubs/{kind}/{value}", axum::routing::delete(unmark_hub))
        .route("/api/v1/campaigns/{id}", get(campaign))
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
    /// The periods of `over_time`: `month` (default), `week` (starting Mondays) or `day`.
    pub interval: Option<String>,
}

/// Scam statistics over the reports the caller may see: report count, victims 60 and over,
/// losses by currency (exact decimals, recovered amounts apart), by scam type, age bracket and
/// payment method, and reports and losses per month, week or day (the newest 600 periods).
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
    let interval = match p.interval.as_deref().map(str::trim) {
        None | Some("month") => Interval::Month,
        Some("week") => Interval::Week,
        Some("day") => Interval::Day,
        Some(other) => {
            return Err(ApiError::invalid("interval", format!("expected month, week or day, got {other:?}")));
        }
    };
    let q = ScamStatsQuery {
        since: parse_time("since", p.since.as_deref())?,
        until: parse_time("until", p.until.as_deref())?,
        scam_type: parse_param::<ScamType>("scam_type", p.scam_type.as_deref())?,
        interval,
    };
    Ok(Json(state.engine.scam_stats(&who.viewer, &q)?))
}

/// Filters of `GET /api/v1/campaigns`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CampaignParams {
    /// Campaigns holding this selector (a phone, wallet, IBAN, domain… written any way).
    pub selector: Option<String>,
    /// The kind of `selector`; inferred when omitted.
    #[param(value_type = Option<ObservableKind>)]
    pub kind: Option<String>,
    /// Campaigns with a report of this scam type.
    #[param(value_type = Option<ScamType>)]
    pub scam_type: Option<String>,
    /// Campaigns with at least this many visible reports (default 2).
    #[param(value_type = Option<usize>)]
    pub min_reports: Option<String>,
    /// At most this many campaigns, largest first (default 50, at most 1,000).
    #[param(value_type = Option<usize>)]
    pub limit: Option<String>,
}

/// The campaigns the caller sees, largest first: reports linked through the scammers' shared
/// phones, wallets, IBANs, domains, e-mail addresses and Telegram handles (never through hubs
/// such as popular domains or a hotline's own number), with totals over the visible reports.
#[utoipa::path(
    get, path = "/api/v1/campaigns", tag = "scams",
    security(("bearer" = [])),
    params(CampaignParams),
    responses(
        (status = 200, body = Items<CampaignSummaryView>),
        (status = 401, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn campaigns(
    State(state): State<AppState>,
    who: Principal,
    Query(p): Query<CampaignParams>,
) -> Result<Json<Items<CampaignSummaryView>>, ApiError> {
    let kind = parse_param::<ObservableKind>("kind", p.kind.as_deref())?;
    if kind.is_some() && p.selector.is_none() {
        return Err(ApiError::invalid("kind", "given without selector"));
    }
    let q = CampaignQuery {
        selector: p.selector.map(|s| (kind, s)),
        scam_type: parse_param::<ScamType>("scam_type", p.scam_type.as_deref())?,
        min_reports: parse_limit("min_reports", p.min_reports.as_deref())?,
        limit: parse_limit("limit", p.limit.as_deref())?,
    };
    let items = crate::routes::cpu(|| state.engine.list_campaigns(&who.viewer, &q))?;
    let ids: Vec<_> = items.iter().flat_map(|c| c.report_ids.iter().copied()).collect();
    state.engine.audit_report_reads(&who, "campaign.list", &ids).await?;
    Ok(Json(Items { items }))
}

/// One campaign the caller sees: totals (losses by currency and payment method, victims by age
/// bracket and the 60+ share), weekly trend, linking indicators, contributing organisations and
/// its visible reports.
#[utoipa::path(
    get, path = "/api/v1/campaigns/{id}", tag = "scams",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The campaign's id, e.g. `5e0c19a4` or `5e0c19a4.2`")),
    responses(
        (status = 200, body = CampaignView),
        (status = 401, body = ErrorResponse),
        (status = 404, description = "no such campaign among the caller's", body = ErrorResponse),
    )
)]
pub(crate) async fn campaign(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    let view = state.engine.get_campaign(&who.viewer, &id).await?;
    state.engine.audit_report_reads(&who, "campaign.read", &view.summary.report_ids).await?;
    Ok(Json(view))
}

/// The body of `POST /api/v1/campaigns/hubs`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HubMarkRequest {
    /// The value's kind; inferred when omitted.
    #[serde(default)]
    pub kind: Option<ObservableKind>,
    /// The value, written any way (a domain or URL marks its registrable domain).
    pub value: String,
    /// Why it must not link campaigns (e.g. `the hotline's own number`).
    pub reason: String,
}

/// The values that never link reports into campaigns: on a warning list, marked by an
/// operator, or found by the structure of the graph; with the reports holding each on the whole
/// instance. Operator admins only (it names values of reports others may not see).
#[utoipa::path(
    get, path = "/api/v1/campaigns/hubs", tag = "scams",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Items<HubView>),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
    )
)]
pub(crate) async fn hubs(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Items<HubView>>, ApiError> {
    Ok(Json(Items { items: state.engine.list_hubs(&who)? }))
}

/// Marks a value as a hub (operator admins): from now on it links no reports into campaigns.
#[utoipa::path(
    post, path = "/api/v1/campaigns/hubs", tag = "scams",
    security(("bearer" = [])),
    request_body = HubMarkRequest,
    responses(
        (status = 201, body = HubView),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn mark_hub(
    State(state): State<AppState>,
    who: Principal,
    Json(body): Json<HubMarkRequest>,
) -> Result<(axum::http::StatusCode, Json<HubView>), ApiError> {
    let view = state.engine.mark_hub(&who, body.kind, &body.value, &body.reason).await?;
    Ok((axum::http::StatusCode::CREATED, Json(view)))
}

/// Removes an operator's hub mark (operator admins).
#[utoipa::path(
    delete, path = "/api/v1/campaigns/hubs/{kind}/{value}", tag = "scams",
    security(("bearer" = [])),
    params(
        ("kind" = String, Path, description = "The value's kind, or `auto`"),
        ("value" = String, Path, description = "The value, percent-encoded"),
    ),
    responses(
        (status = 204, description = "removed"),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
    )
)]
pub(crate) async fn unmark_hub(
    State(state): State<AppState>,
    who: Principal,
    Path((kind, value)): Path<(String, String)>,
) -> Result<axum::http::StatusCode, ApiError> {
    let kind = if kind.eq_ignore_ascii_case("auto") {
        None
    } else {
        parse_param::<ObservableKind>("kind", Some(&kind))?
    };
    state.engine.unmark_hub(&who, kind, &value).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
