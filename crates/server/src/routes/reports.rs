//! `/api/v1/reports`: submitting, reading, listing and revoking reports.
//!
//! A report the caller may not see answers exactly like one that does not exist.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use engine::{BATCH_MAX_REPORTS, BatchOutcome, EngineError, Page, Principal, ReportFilter, ReportView};
use model::{ObservableKind, ReportInput, ReportKind, Tlp};
use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Puller, Reader};
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Path, Query, parse_bool, parse_id, parse_limit, parse_param, parse_time};
use crate::json::{Json, JsonBytes, from_serde};
use crate::routes::cpu_future;
use crate::{AppState, ServerOptions};

pub(crate) fn routes(options: &ServerOptions) -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports", get(list).post(create))
        .route("/api/v1/reports/batch", post(batch).layer(DefaultBodyLimit::max(options.batch_body_limit)))
        .route("/api/v1/reports/{id}", get(get_one))
        .route("/api/v1/reports/{id}/revoke", post(revoke))
}

/// Submits one report; it is durable when the answer arrives.
#[utoipa::path(
    post, path = "/api/v1/reports", tag = "reports",
    security(("bearer" = [])),
    request_body = ReportInput,
    responses(
        (status = 201, description = "stored, as the author sees it", body = ReportView),
        (status = 400, description = "malformed json", body = ErrorResponse),
        (status = 401, body = ErrorResponse),
        (status = 403, description = "readers may not submit", body = ErrorResponse),
        (status = 422, description = "invalid field or observable, named in the message", body = ErrorResponse),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(input): Json<ReportInput>,
) -> Result<(StatusCode, Json<ReportView>), ApiError> {
    let result = state.engine.submit(&who, input).await;
    match &result {
        Ok(_) => state.metrics.observe_ingest(1, 0),
        Err(
            EngineError::Invalid { .. } | EngineError::InvalidObservable { .. } | EngineError::TooMany { .. },
        ) => state.metrics.observe_ingest(0, 1),
        Err(_) => {}
    }
    Ok((StatusCode::CREATED, Json(result?)))
}

/// The body of `POST /api/v1/reports/batch`: an array of reports or `{"reports": [...]}`, at
/// most 10,000 records. For the OpenAPI document only: [`records`] reads the body record by
/// record.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum BatchRequest {
    List(Vec<ReportInput>),
    Object {
        /// At most 10,000 records.
        reports: Vec<ReportInput>,
    },
}

/// Splits a batch body into its records, each parsed on its own: a malformed record becomes the
/// reason it could not be read, and the others are kept. The body is a JSON array of records or
/// `{"reports": [...]}`; records are borrowed from the body, not copied into a `Value` tree.
fn records(body: &[u8]) -> Result<Vec<Result<ReportInput, String>>, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wrapped<'a> {
        #[serde(borrow)]
        reports: Vec<&'a RawValue>,
    }
    let raw: Vec<&RawValue> = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => serde_json::from_slice(body).map_err(|e| from_serde(&e, "body"))?,
        Some(b'{') => serde_json::from_slice::<Wrapped>(body).map_err(|e| from_serde(&e, "body"))?.reports,
        _ => {
            serde_json::from_slice::<serde::de::IgnoredAny>(body).map_err(|e| from_serde(&e, "body"))?;
            return Err(ApiError::invalid("body", r#"expected an array of reports or {"reports": [...]}"#));
        }
    };
    if raw.len() > BATCH_MAX_REPORTS {
        return Err(EngineError::TooMany {
            what: "reports".into(),
            limit: BATCH_MAX_REPORTS,
            got: raw.len(),
        }
        .into());
    }
    Ok(raw
        .into_iter()
        .map(|r| serde_json::from_str::<ReportInput>(r.get()).map_err(|e| e.to_string()))
        .collect())
}

/// Submits many reports at once: a JSON array of records, or `{"reports": [...]}`. Every good
/// record is stored (in one transaction); every bad one is reported with its 0-based index and
/// the reason, naming the field. Limited to 10,000 records and 32 MiB.
#[utoipa::path(
    post, path = "/api/v1/reports/batch", tag = "reports",
    security(("bearer" = [])),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "what happened to each record", body = BatchOutcome),
        (status = 400, description = "the body is not json", body = ErrorResponse),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 413, body = ErrorResponse),
        (status = 422, description = "not an array of records, or too many", body = ErrorResponse),
    )
)]
pub(crate) async fn batch(
    State(state): State<AppState>,
    who: Principal,
    JsonBytes(body): JsonBytes,
) -> Result<Json<BatchOutcome>, ApiError> {
    let records = records(&body)?;
    drop(body);
    let outcome = cpu_future(state.engine.submit_batch(&who, records)).await?;
    state.metrics.observe_ingest(outcome.accepted.len(), outcome.rejected.len());
    Ok(Json(outcome))
}

/// A report the caller may see. A peer organisation's token (another instance pulling) gets
/// only what the export rule admits, without victim data, audience or peer URLs; the pulling
/// instance names itself with `X-Dragnet-Instance`.
#[utoipa::path(
    get, path = "/api/v1/reports/{id}", tag = "reports",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "The report's id"),
        ("X-Dragnet-Instance" = Option<String>, Header, description = "The pulling instance's id (federation)"),
    ),
    responses(
        (status = 200, body = ReportView),
        (status = 401, body = ErrorResponse),
        (status = 404, description = "no such report, or not visible to the caller", body = ErrorResponse),
    )
)]
pub(crate) async fn get_one(
    State(state): State<AppState>,
    Reader(who): Reader,
    Puller(puller): Puller,
    Path(id): Path<String>,
) -> Result<Json<ReportView>, ApiError> {
    let view = state.engine.get_report_as(&who, parse_id(&id, "report")?, puller).await?;
    state.engine.audit_report_reads(&who, "report.read", &[view.id]).await?;
    if view.victim_pii.is_some() {
        state.engine.audit_pii_read(&who, &[view.id]).await?;
    }
    Ok(Json(view))
}

/// Revokes a report of the caller's organisation (analysts and admins): it disappears for
/// everyone else; its author still sees it, with `revoked_at`.
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/revoke", tag = "reports",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The report's id")),
    responses(
        (status = 200, body = ReportView),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, description = "no such report of the caller's organisation", body = ErrorResponse),
    )
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<ReportView>, ApiError> {
    Ok(Json(state.engine.revoke_report(&who, parse_id(&id, "report")?).await?))
}

/// Filters and paging of `GET /api/v1/reports`; all optional, combined with AND.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `intel` or `scam`.
    #[param(value_type = Option<ReportKind>)]
    pub kind: Option<String>,
    /// Reports carrying this label.
    pub label: Option<String>,
    /// `CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT` or `RED` (encode `+` as `%2B`).
    pub tlp: Option<String>,
    /// The author organisation's name.
    pub author: Option<String>,
    /// Reports created at or after (RFC 3339 or `YYYY-MM-DD`).
    pub since: Option<String>,
    /// Reports created before (RFC 3339 or `YYYY-MM-DD`).
    pub until: Option<String>,
    /// The kind of `observable`; inferred when omitted or `auto`.
    pub observable_kind: Option<String>,
    /// Reports holding this observable (written any way; it is canonicalised).
    pub observable: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 1,000 (default 50).
    #[param(value_type = Option<usize>)]
    pub limit: Option<String>,
    /// Also the caller's own revoked reports.
    #[param(value_type = Option<bool>)]
    pub include_revoked: Option<String>,
}

impl ListParams {
    fn filter(&self) -> Result<ReportFilter, ApiError> {
        let observable_kind = match self.observable_kind.as_deref() {
            Some(k) if k.eq_ignore_ascii_case("auto") => None,
            k => parse_param::<ObservableKind>("observable_kind", k)?,
        };
        if observable_kind.is_some() && self.observable.is_none() {
            return Err(ApiError::invalid("observable_kind", "given without observable"));
        }
        Ok(ReportFilter {
            kind: parse_param::<ReportKind>("kind", self.kind.as_deref())?,
            label: self.label.clone(),
            tlp: parse_param::<Tlp>("tlp", self.tlp.as_deref())?,
            author: self.author.clone(),
            since: parse_time("since", self.since.as_deref())?,
            until: parse_time("until", self.until.as_deref())?,
            observable: self.observable.clone().map(|v| (observable_kind, v)),
            include_revoked: parse_bool("include_revoked", self.include_revoked.as_deref())?,
        })
    }
}

/// Reports the caller may see, newest first, one page at a time: pass `next_cursor` back as
/// `cursor` until it is null.
#[utoipa::path(
    get, path = "/api/v1/reports", tag = "reports",
    security(("bearer" = [])),
    params(ListParams),
    responses(
        (status = 200, body = Page<ReportView>),
        (status = 401, body = ErrorResponse),
        (status = 422, description = "a bad parameter, named in the message", body = ErrorResponse),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(params): Query<ListParams>,
) -> Result<Json<Page<ReportView>>, ApiError> {
    let filter = params.filter()?;
    let limit = parse_limit("limit", params.limit.as_deref())?;
    let page = state.engine.list_reports(&who.viewer, &filter, params.cursor.as_deref(), limit).await?;
    let ids: Vec<uuid::Uuid> = page.items.iter().map(|r| r.id).collect();
    state.engine.audit_report_reads(&who, "report.list", &ids).await?;
    let pii: Vec<uuid::Uuid> = page.items.iter().filter(|r| r.victim_pii.is_some()).map(|r| r.id).collect();
    state.engine.audit_pii_read(&who, &pii).await?;
    Ok(Json(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_bodies() {
        let good = r#"{"kind":"intel","title":"t","tlp":"GREEN"}"#;
        for body in [format!("[{good}, 42]"), format!(r#" {{"reports": [{good}, 42]}}"#)] {
            let r = records(body.as_bytes()).unwrap();
            assert_eq!(r.len(), 2);
            assert!(r[0].is_ok());
            assert!(r[1].as_ref().unwrap_err().contains("invalid type: integer `42`"), "{:?}", r[1]);
        }
        let e = records(b"[{").unwrap_err();
        assert_eq!(e.status_and_code().1, "invalid_json");
        let e = records(b"").unwrap_err();
        assert_eq!(e.status_and_code().1, "invalid_json");
        let e = records(b"\"x\"").unwrap_err();
        assert_eq!(e.status_and_code().1, "invalid_input");
        let e = records(br#"{"records": []}"#).unwrap_err();
        assert_eq!(e.status_and_code().1, "invalid_input");
        assert!(e.message().contains("unknown field `records`"), "{}", e.message());
    }
}
