//! `/api/v1/observables/{kind}/{value}`: what the caller may know about one observable.
//!
//! `value` is one path segment, percent-decoded: percent-encode it (a URL value's `/`, `?` and
//! `#` as `%2F`, `%3F`, `%23`; a space as `%20`; `+` may stay literal). `kind` is an observable
//! kind or `auto` to infer it from the value's shape.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use engine::{LookupView, Principal};
use model::ObservableKind;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Path, Query, parse_limit, parse_param};
use crate::json::Json;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/observables/{kind}/{value}", get(lookup))
}

/// Parameters of a lookup.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LookupParams {
    /// Most occurrences returned, 0 to 1,000 (default 100); `count` is always complete.
    #[param(value_type = Option<usize>)]
    pub limit: Option<String>,
}

/// Looks an observable up: its canonical form, STIX id, and the visible reports holding it.
/// A value that no visible report holds answers the same shape with `count: 0`, exactly as a
/// value never seen.
#[utoipa::path(
    get, path = "/api/v1/observables/{kind}/{value}", tag = "observables",
    security(("bearer" = [])),
    params(
        ("kind" = String, Path, description = "An observable kind (`phone`, `url`, `iban`…) or `auto`"),
        ("value" = String, Path, description = "The value, written any way, percent-encoded as one path segment"),
        LookupParams,
    ),
    responses(
        (status = 200, body = LookupView),
        (status = 401, body = ErrorResponse),
        (status = 422, description = "unknown kind, or not a valid observable of the kind", body = ErrorResponse),
    )
)]
pub(crate) async fn lookup(
    State(state): State<AppState>,
    who: Principal,
    Path((kind, value)): Path<(String, String)>,
    Query(params): Query<LookupParams>,
) -> Result<Json<LookupView>, ApiError> {
    let kind = match kind.as_str() {
        k if k.eq_ignore_ascii_case("auto") => None,
        k => parse_param::<ObservableKind>("kind", Some(k))?,
    };
    let limit = parse_limit("limit", params.limit.as_deref())?;
    let view = state.engine.lookup(&who.viewer, kind, &value, limit)?;
    let ids: Vec<uuid::Uuid> = view.occurrences.iter().map(|o| o.report_id).collect();
    state.engine.audit_report_reads(&who, "observable.lookup", &ids).await?;
    Ok(Json(view))
}
