//! `/api/v1/hashsets` and `/api/v1/hashes/match`: shared hash lists and matching against them.
//!
//! A hash set the caller may not see answers exactly like one that does not exist. An image
//! sent for matching is hashed in memory and dropped; its bytes and file name are never
//! logged or stored (the request span names the route only).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use engine::{
    HashEntryView, HashSetInput, HashSetView, HashSightingView, ImageMatchOptions, ImportFormat,
    ImportOutcome, MatchOutcome, MatchRequest, Page, Principal, WithdrawOutcome, WithdrawRequest,
};
use model::hashlist::{HashEntryInput, HashKind, LineError};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Path, Query, parse_bool, parse_id, parse_limit, parse_param};
use crate::json::{Json, from_serde};
use crate::routes::{Items, cpu_future};
use crate::{AppState, ServerOptions};

pub(crate) fn routes(options: &ServerOptions) -> Router<AppState> {
    let big = DefaultBodyLimit::max(options.batch_body_limit);
    Router::new()
        .route("/api/v1/hashsets", get(list).post(create))
        .route("/api/v1/hashsets/{id}", get(get_one).put(update))
        .route("/api/v1/hashsets/{id}/entries", get(entries).post(add_entries).layer(big))
        .route("/api/v1/hashsets/{id}/entries/withdraw", post(withdraw).layer(big))
        .route("/api/v1/hashsets/{id}/sightings", get(sightings))
        .route("/api/v1/hashes/match", post(match_hashes).layer(big))
}

/// Creates a hash set owned by the caller's organisation (analysts and admins), shared like a
/// report: TLP and an audience of organisations and communities.
#[utoipa::path(
    post, path = "/api/v1/hashsets", tag = "hashes",
    security(("bearer" = [])),
    request_body = HashSetInput,
    responses(
        (status = 201, body = HashSetView),
        (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse),
        (status = 403, description = "contributors and readers may not create sets", body = ErrorResponse),
        (status = 409, description = "the organisation has a set of that name", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(input): Json<HashSetInput>,
) -> Result<(StatusCode, Json<HashSetView>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.engine.create_hash_set(&who, input).await?)))
}

/// The hash sets the caller may see, with their entry counts.
#[utoipa::path(
    get, path = "/api/v1/hashsets", tag = "hashes",
    security(("bearer" = [])),
    responses((status = 200, body = Items<HashSetView>), (status = 401, body = ErrorResponse))
)]
pub(crate) async fn list(State(state): State<AppState>, who: Principal) -> Json<Items<HashSetView>> {
    Json(Items { items: state.engine.list_hash_sets(&who.viewer) })
}

/// One hash set the caller may see.
#[utoipa::path(
    get, path = "/api/v1/hashsets/{id}", tag = "hashes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The set's id")),
    responses(
        (status = 200, body = HashSetView),
        (status = 401, body = ErrorResponse),
        (status = 404, description = "no such set, or not visible to the caller", body = ErrorResponse),
    )
)]
pub(crate) async fn get_one(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<HashSetView>, ApiError> {
    Ok(Json(state.engine.get_hash_set(&who.viewer, parse_id(&id, "hash set")?)?))
}

/// Replaces a set's name, category, source, description, TLP and audience (the owner's
/// analysts and admins). Matching follows the new audience at once.
#[utoipa::path(
    put, path = "/api/v1/hashsets/{id}", tag = "hashes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The set's id")),
    request_body = HashSetInput,
    responses(
        (status = 200, body = HashSetView),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Json(input): Json<HashSetInput>,
) -> Result<Json<HashSetView>, ApiError> {
    Ok(Json(state.engine.update_hash_set(&who, parse_id(&id, "hash set")?, input).await?))
}

/// Paging of entry and sighting listings.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 1,000 (default 50).
    #[param(value_type = Option<usize>)]
    pub limit: Option<String>,
}

/// A visible set's entries, oldest first, withdrawn ones included (with `withdrawn_at`) so that
/// a withdrawal reaches everyone who holds the list.
#[utoipa::path(
    get, path = "/api/v1/hashsets/{id}/entries", tag = "hashes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The set's id"), PageParams),
    responses(
        (status = 200, body = Page<HashEntryView>),
        (status = 401, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn entries(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Json<Page<HashEntryView>>, ApiError> {
    let limit = parse_limit("limit", p.limit.as_deref())?;
    let id = parse_id(&id, "hash set")?;
    Ok(Json(state.engine.list_hash_entries(&who.viewer, id, p.cursor.as_deref(), limit).await?))
}

/// Options of an entry import.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// For CSV rows without a `kind` column: `pdq` (default), `md5` or `sha256`.
    #[param(value_type = Option<HashKind>)]
    pub kind: Option<String>,
}

/// The JSON body of an entry import: an array of entries or `{"entries": [...]}`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum EntriesRequest {
    List(Vec<HashEntryInput>),
    Object { entries: Vec<HashEntryInput> },
}

/// Adds entries to a set of the caller's organisation (contributors, analysts, admins). The
/// body is JSON (`[{kind, value, quality?, label?}]` or `{"entries": [...]}`), CSV
/// (`text/csv`: a header naming `hash` and optionally `kind`, `quality`, `label`, or headerless
/// `hash,quality,label` as the reference hasher prints) or JSON Lines
/// (`application/x-ndjson`). Bad lines are reported with their numbers and the rest is kept;
/// values already in the set are counted as duplicates, withdrawn ones are reinstated. PDQ
/// entries of quality under 50 are kept but never matched. At most 1,000,000 entries and the
/// batch body limit (32 MiB by default).
#[utoipa::path(
    post, path = "/api/v1/hashsets/{id}/entries", tag = "hashes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The set's id"), ImportParams),
    request_body(content(
        (EntriesRequest = "application/json"),
        (String = "text/csv"),
        (String = "application/x-ndjson"),
    )),
    responses(
        (status = 200, body = ImportOutcome),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 413, body = ErrorResponse),
        (status = 415, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn add_entries(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(p): Query<ImportParams>,
    req: Request,
) -> Result<Json<ImportOutcome>, ApiError> {
    let id = parse_id(&id, "hash set")?;
    let default = parse_param::<HashKind>("kind", p.kind.as_deref())?.unwrap_or(HashKind::Pdq);
    let essence = content_type(req.headers());
    let format = match essence.as_str() {
        "text/csv" | "text/plain" => Some(ImportFormat::Csv { default }),
        "application/x-ndjson" | "application/jsonl" | "application/jsonlines" => {
            Some(ImportFormat::JsonLines)
        }
        "application/json" => None,
        _ => {
            return Err(ApiError::UnsupportedContent(
                "send entries as application/json, text/csv or application/x-ndjson".into(),
            ));
        }
    };
    let body = body_bytes(req, &state).await?;
    let outcome = match format {
        Some(format) => {
            let text = std::str::from_utf8(&body).map_err(|e| {
                ApiError::invalid("body", format!("not utf-8 text (byte {})", e.valid_up_to()))
            })?;
            cpu_future(state.engine.import_hash_entries(&who, id, format, text)).await?
        }
        None => {
            let (good, rejected) = json_entries(&body)?;
            let mut outcome = cpu_future(state.engine.add_hash_entries(&who, id, good)).await?;
            outcome.rejected = rejected;
            outcome
        }
    };
    Ok(Json(outcome))
}

/// Reads a JSON entries body entry by entry: a bad entry is reported by its 1-based position
/// and the others are kept.
fn json_entries(body: &[u8]) -> Result<(Vec<HashEntryInput>, Vec<LineError>), ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wrapped {
        entries: Vec<serde_json::Value>,
    }
    let raw: Vec<serde_json::Value> = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => serde_json::from_slice(body).map_err(|e| from_serde(&e, "body"))?,
        Some(b'{') => serde_json::from_slice::<Wrapped>(body).map_err(|e| from_serde(&e, "body"))?.entries,
        _ => {
            serde_json::from_slice::<serde::de::IgnoredAny>(body).map_err(|e| from_serde(&e, "body"))?;
            return Err(ApiError::invalid("body", r#"expected an array of entries or {"entries": [...]}"#));
        }
    };
    let mut good = Vec::with_capacity(raw.len());
    let mut bad = Vec::new();
    for (i, v) in raw.into_iter().enumerate() {
        match serde_json::from_value::<HashEntryInput>(v)
            .map_err(|e| e.to_string())
            .and_then(HashEntryInput::validate)
        {
            Ok(e) => good.push(e),
            Err(error) => bad.push(LineError { line: i + 1, error }),
        }
    }
    Ok((good, bad))
}

/// Withdraws entries of a set of the caller's organisation (analysts and admins), by id or by
/// value. They stay listed as tombstones with `withdrawn_at` and never match again.
#[utoipa::path(
    post, path = "/api/v1/hashsets/{id}/entries/withdraw", tag = "hashes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The set's id")),
    request_body = WithdrawRequest,
    responses(
        (status = 200, body = WithdrawOutcome),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Json(body): Json<WithdrawRequest>,
) -> Result<Json<WithdrawOutcome>, ApiError> {
    Ok(Json(state.engine.withdraw_hash_entries(&who, parse_id(&id, "hash set")?, body).await?))
}

/// Who matched a set's entries, when and how close (the owner's analysts and admins). Never
/// what was matched: images and query hashes are not kept.
#[utoipa::path(
    get, path = "/api/v1/hashsets/{id}/sightings", tag = "hashes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The set's id"), PageParams),
    responses(
        (status = 200, body = Page<HashSightingView>),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
    )
)]
pub(crate) async fn sightings(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Json<Page<HashSightingView>>, ApiError> {
    let limit = parse_limit("limit", p.limit.as_deref())?;
    let id = parse_id(&id, "hash set")?;
    Ok(Json(state.engine.list_hash_sightings(&who, id, p.cursor.as_deref(), limit).await?))
}

/// Options of an image match, as query parameters (or multipart fields).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MatchParams {
    /// Largest PDQ distance that matches, 0 to 63 (default 31).
    #[param(value_type = Option<u32>)]
    pub radius: Option<String>,
    /// Also match the image's rotations and mirror images (default true).
    #[param(value_type = Option<bool>)]
    pub dihedral: Option<String>,
}

/// Matches hashes or an image against every hash set the caller may see.
///
/// - `application/json`: `{"hashes": [{"kind"?, "value", "quality"?}], "radius"?}`, at most
///   1,000 hashes; a bad hash is reported in its `queries` entry and the others are matched.
/// - an image (`image/*` or `application/octet-stream` body, or `multipart/form-data` with an
///   `image` file field and optional `radius` and `dihedral` fields): hashed in memory with
///   PDQ (with its seven rotations and mirror images unless `dihedral=false`), MD5 and
///   SHA-256, then dropped. It is never written to disk, logged or stored.
///
/// Every match is recorded as a sighting for the set's owner (who, when, distance).
#[utoipa::path(
    post, path = "/api/v1/hashes/match", tag = "hashes",
    security(("bearer" = [])),
    params(MatchParams),
    request_body(content(
        (MatchRequest = "application/json"),
        (Vec<u8> = "image/jpeg"),
        (Vec<u8> = "multipart/form-data"),
    )),
    responses(
        (status = 200, body = MatchOutcome),
        (status = 401, body = ErrorResponse),
        (status = 413, body = ErrorResponse),
        (status = 415, body = ErrorResponse),
        (status = 422, description = "a bad option, too many hashes, or an image that cannot be decoded", body = ErrorResponse),
    )
)]
pub(crate) async fn match_hashes(
    State(state): State<AppState>,
    who: Principal,
    Query(p): Query<MatchParams>,
    req: Request,
) -> Result<Json<MatchOutcome>, ApiError> {
    let essence = content_type(req.headers());
    let mut options = image_options(p.radius.as_deref(), p.dihedral.as_deref())?;
    let image = match essence.as_str() {
        "application/json" => {
            if p.radius.is_some() || p.dihedral.is_some() {
                return Err(ApiError::invalid("query", "give radius in the json body when matching hashes"));
            }
            let body = body_bytes(req, &state).await?;
            let request: MatchRequest = crate::json::parse(&body)?;
            return Ok(Json(state.engine.match_hashes(&who, request).await?));
        }
        "multipart/form-data" => {
            let mut form = Multipart::from_request(req, &state)
                .await
                .map_err(|e| ApiError::invalid("body", e.body_text().to_lowercase()))?;
            let mut image = None;
            let (mut radius, mut dihedral) = (None, None);
            while let Some(field) = form.next_field().await.map_err(multipart_error)? {
                match field.name() {
                    Some("image") => image = Some(field.bytes().await.map_err(multipart_error)?),
                    Some("radius") => radius = Some(field.text().await.map_err(multipart_error)?),
                    Some("dihedral") => dihedral = Some(field.text().await.map_err(multipart_error)?),
                    Some(other) => {
                        return Err(ApiError::invalid(
                            "body",
                            format!("unknown form field {other:?} (expected image, radius, dihedral)"),
                        ));
                    }
                    None => return Err(ApiError::invalid("body", "a form field without a name")),
                }
            }
            if radius.is_some() || dihedral.is_some() {
                options = image_options(
                    radius.as_deref().or(p.radius.as_deref()),
                    dihedral.as_deref().or(p.dihedral.as_deref()),
                )?;
            }
            image.ok_or_else(|| ApiError::invalid("image", "the form has no image field"))?
        }
        e if e.starts_with("image/") || e == "application/octet-stream" => body_bytes(req, &state).await?,
        _ => {
            return Err(ApiError::UnsupportedContent(
                "send hashes as application/json, or an image as image/*, application/octet-stream or multipart/form-data"
                    .into(),
            ));
        }
    };
    if image.is_empty() {
        return Err(ApiError::invalid("image", "the image is empty"));
    }
    let outcome = state.engine.match_image(&who, Vec::from(image), options).await?;
    Ok(Json(outcome))
}

fn image_options(radius: Option<&str>, dihedral: Option<&str>) -> Result<ImageMatchOptions, ApiError> {
    let radius = parse_param::<u32>("radius", radius)?;
    let dihedral = match dihedral {
        None => true,
        Some(d) => parse_bool("dihedral", Some(d))?,
    };
    Ok(ImageMatchOptions { radius, dihedral })
}

/// A multipart failure; the field's content is never part of the message.
fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::invalid("body", e.body_text().to_lowercase())
    }
}

/// The lowercase media type of a request, without parameters.
fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The whole body within the route's limit.
async fn body_bytes(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    match Bytes::from_request(req, state).await {
        Ok(b) => Ok(b),
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::PayloadTooLarge),
        Err(r) => Err(ApiError::invalid("body", r.body_text().to_lowercase())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_entry_bodies_keep_good_entries() {
        let pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
        let body = format!(
            r#"{{"entries": [{{"kind":"pdq","value":"{pdq}","quality":90}}, {{"kind":"md5","value":"x"}}, 7]}}"#
        );
        let (good, bad) = json_entries(body.as_bytes()).unwrap();
        assert_eq!(good.len(), 1);
        assert_eq!(bad.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(json_entries(b"[{").unwrap_err().status_and_code().1, "invalid_json");
        assert_eq!(json_entries(b"\"x\"").unwrap_err().status_and_code().1, "invalid_input");
    }
}
