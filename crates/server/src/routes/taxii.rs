//! TAXII 2.1 under `/taxii2/`: discovery, api roots, collections, objects, manifests,
//! versions and status (OASIS TAXII 2.1 §4, §5).
//!
//! Every answer, errors included, is `application/taxii+json;version=2.1`; errors are TAXII
//! error message resources `{title, description, http_status, error_code}`. Each route takes
//! the path with and without its trailing slash. Authentication: the bearer tokens of the API,
//! or HTTP Basic with the token as password and the token's id or its organisation's name as
//! username (clients such as `taxii2-client` speak Basic).

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use base64::Engine as _;
use engine::{EngineError, ObjectPage, Principal, TAXII_DEFAULT_ROOT, TAXII_MEDIA_TYPE, TaxiiFilter};
use serde_json::json;
use stix::object::format_timestamp_micros;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

/// A TAXII error message resource with its status.
#[derive(Debug)]
pub struct TaxiiError {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    description: String,
    /// Whether to challenge for HTTP Basic credentials (401).
    challenge: bool,
}

impl TaxiiError {
    fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        description: impl Into<String>,
    ) -> Self {
        TaxiiError {
            status,
            code,
            title,
            description: description.into(),
            challenge: status == StatusCode::UNAUTHORIZED,
        }
    }

    fn unauthenticated(description: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "unauthorized", description)
    }

    fn not_acceptable() -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "not acceptable",
            format!("this server answers {TAXII_MEDIA_TYPE} only"),
        )
    }

    fn too_large(limit: u64) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "request entity too large",
            format!("the body is larger than the api root's max_content_length of {limit} bytes"),
        )
    }

    /// The TAXII form of an error of the rest of the server (routing).
    pub(crate) fn from_api(e: &ApiError) -> Self {
        let (status, code) = e.status_and_code();
        Self::new(status, code, title_of(status), e.message())
    }
}

fn title_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not found",
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed",
        StatusCode::NOT_ACCEPTABLE => "not acceptable",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "request entity too large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported media type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable entity",
        StatusCode::SERVICE_UNAVAILABLE => "service unavailable",
        _ => "internal server error",
    }
}

impl From<EngineError> for TaxiiError {
    fn from(e: EngineError) -> Self {
        match &e {
            // Filters and page tokens the server cannot read: 400; object content: 422.
            EngineError::Invalid { field, message }
                if field == "added_after"
                    || field == "limit"
                    || field == "next"
                    || field.starts_with("match[")
                    || (field == "body" && message.starts_with("invalid json")) =>
            {
                Self::new(StatusCode::BAD_REQUEST, "invalid_input", "bad request", e.to_string())
            }
            EngineError::TooMany { limit, .. } if e.to_string().starts_with("request body bytes") => {
                Self::too_large(*limit as u64)
            }
            _ => Self::from_api(&ApiError::Engine(e)),
        }
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, description = %self.description, "taxii request failed");
        }
        let body = json!({
            "title": self.title,
            "description": self.description,
            "http_status": self.status.as_u16().to_string(),
            "error_code": self.code,
        });
        let mut r = taxii_json(self.status, body.to_string());
        if self.challenge {
            r.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static(r#"Basic realm="dragnet""#));
        }
        r
    }
}

type Result<T> = std::result::Result<T, TaxiiError>;

/// An answer with the TAXII media type.
fn taxii_json(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA_TYPE));
    r
}

/// Whether `value` names the TAXII 2.1 media type (any version parameter other than 2.1 does
/// not).
fn is_taxii_21(value: &str, wildcards: bool) -> bool {
    let mut parts = value.split(';').map(str::trim);
    let ty = parts.next().unwrap_or("").to_ascii_lowercase();
    let type_ok = ty == "application/taxii+json" || (wildcards && (ty == "*/*" || ty == "application/*"));
    let mut version_ok = true;
    for p in parts {
        if let Some((k, v)) = p.split_once('=')
            && k.trim().eq_ignore_ascii_case("version")
        {
            version_ok = v.trim().trim_matches('"') == "2.1";
        }
    }
    type_ok && version_ok
}

/// 406 unless the `Accept` header (when present) admits TAXII 2.1.
fn negotiate(headers: &HeaderMap) -> Result<()> {
    let Some(accept) = headers.get(ACCEPT) else { return Ok(()) };
    let accept = accept.to_str().map_err(|_| TaxiiError::not_acceptable())?;
    if accept.trim().is_empty() || accept.split(',').any(|v| is_taxii_21(v, true)) {
        Ok(())
    } else {
        Err(TaxiiError::not_acceptable())
    }
}

/// The principal of a bearer token or of HTTP Basic credentials; 401 otherwise. An intake
/// token is 403.
async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Principal> {
    negotiate(headers)?;
    let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(TaxiiError::unauthenticated(
            "credentials are required: http basic (token id or organisation name, token) or a bearer token",
        ));
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    // `Token` is the scheme of taxii2-client's `TokenAuth`.
    let result = if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") {
        state.engine.authenticate(rest).await
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        match decoded.as_deref().and_then(|d| d.split_once(':')) {
            Some((user, password)) => state.engine.authenticate_basic(user, password).await,
            None => Err(EngineError::Unauthenticated),
        }
    } else {
        Err(EngineError::Unauthenticated)
    };
    let p = result.map_err(|e| match e {
        EngineError::Unauthenticated => {
            TaxiiError::unauthenticated("unknown, expired or revoked credentials")
        }
        other => other.into(),
    })?;
    if !p.viewer.role.can_read() {
        return Err(EngineError::Forbidden("an intake token may not use taxii".into()).into());
    }
    Ok(p)
}

fn filter(uri: &Uri) -> Result<TaxiiFilter> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(|e| {
        TaxiiError::new(StatusCode::BAD_REQUEST, "invalid_input", "bad request", format!("query: {e}"))
    })?;
    Ok(TaxiiFilter::from_params(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?)
}

fn collection_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id)
        .map_err(|_| TaxiiError::from(EngineError::NotFound { what: format!("collection {id:?}") }))
}

/// A page answer with the `X-TAXII-Date-Added-First` / `-Last` headers.
fn page_response(page: &ObjectPage, body: String) -> Response {
    let mut r = taxii_json(StatusCode::OK, body);
    for (name, t) in [
        ("x-taxii-date-added-first", page.date_added_first()),
        ("x-taxii-date-added-last", page.date_added_last()),
    ] {
        if let Some(t) = t
            && let Ok(v) = HeaderValue::from_str(&format_timestamp_micros(t))
        {
            r.headers_mut().insert(name, v);
        }
    }
    r
}

/// The base URL of the request: scheme (`X-Forwarded-Proto`, else http) and `Host`.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|s| *s == "https" || *s == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

async fn discovery(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    principal(&state, &headers).await?;
    let base = base_url(&headers);
    let roots = state.engine.taxii_api_roots().await?;
    let body = json!({
        "title": roots.first().map_or("dragnet", |r| r.title.as_str()),
        "description": "dragnet's TAXII 2.1 server: STIX objects shared through the exchange, filtered by TLP and audience",
        "default": format!("{base}/taxii2/{TAXII_DEFAULT_ROOT}/"),
        "api_roots": roots.iter().map(|r| format!("{base}/taxii2/{}/", r.path)).collect::<Vec<_>>(),
    });
    Ok(taxii_json(StatusCode::OK, body.to_string()))
}

async fn api_root(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(root): Path<String>,
) -> Result<Response> {
    let p = principal(&state, &headers).await?;
    let r = state.engine.taxii_api_root(&p, &root).await?;
    Ok(taxii_json(StatusCode::OK, serde_json::to_string(&r).unwrap_or_default()))
}

async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
) -> Result<Response> {
    let p = principal(&state, &headers).await?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| TaxiiError::from(EngineError::NotFound { what: format!("status {id:?}") }))?;
    let s = state.engine.taxii_status(&p, &root, id).await?;
    Ok(taxii_json(StatusCode::OK, serde_json::to_string(&s).unwrap_or_default()))
}

async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(root): Path<String>,
) -> Result<Response> {
    let p = principal(&state, &headers).await?;
    let list = state.engine.taxii_collections(&p, &root).await?;
    let body = if list.is_empty() { json!({}) } else { json!({ "collections": list }) };
    Ok(taxii_json(StatusCode::OK, body.to_string()))
}

async fn collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
) -> Result<Response> {
    let p = principal(&state, &headers).await?;
    let c = state.engine.taxii_collection(&p, &root, collection_id(&id)?).await?;
    Ok(taxii_json(StatusCode::OK, serde_json::to_string(&c).unwrap_or_default()))
}

async fn get_objects(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    let p = principal(&state, &headers).await?;
    let page = state.engine.taxii_objects(&p, &root, collection_id(&id)?, &filter(&uri)?).await?;
    Ok(page_response(&page, page.envelope_json()))
}

async fn add_objects(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response> {
    let p = principal(&state, &headers).await?;
    let coll = collection_id(&id)?;
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !is_taxii_21(content_type, false) {
        return Err(TaxiiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "unsupported media type",
            format!("objects are added as {TAXII_MEDIA_TYPE}"),
        ));
    }
    let max = state.engine.taxii_api_root(&p, &root).await?.max_content_length;
    let declared =
        headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(TaxiiError::too_large(max));
    }
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let bytes =
        axum::body::to_bytes(body, limit.saturating_add(1)).await.map_err(|_| TaxiiError::too_large(max))?;
    if bytes.len() > limit {
        return Err(TaxiiError::too_large(max));
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        TaxiiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "bad request",
            format!("body: not utf-8: {e}"),
        )
    })?;
    let out = state.engine.taxii_add_body(&p, &root, coll, text).await?;
    Ok(taxii_json(StatusCode::ACCEPTED, serde_json::to_string(&out.status).unwrap_or_default()))
}

async fn get_object(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((root, id, object_id)): Path<(String, String, String)>,
    uri: Uri,
) -> Result<Response> {
    let p = principal(&state, &headers).await?;
    let page = state.engine.taxii_object(&p, &root, collection_id(&id)?, &object_id, &filter(&uri)?).await?;
    Ok(page_response(&page, page.envelope_json()))
}

async fn delete_object(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((root, id, object_id)): Path<(String, String, String)>,
    uri: Uri,
) -> Result<Response> {
    let p = principal(&state, &headers).await?;
    state.engine.taxii_delete_object(&p, &root, collection_id(&id)?, &object_id, &filter(&uri)?).await?;
    Ok(taxii_json(StatusCode::OK, String::new()))
}

async fn versions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((root, id, object_id)): Path<(String, String, String)>,
    uri: Uri,
) -> Result<Response> {
    let p = principal(&state, &headers).await?;
    let page =
        state.engine.taxii_versions(&p, &root, collection_id(&id)?, &object_id, &filter(&uri)?).await?;
    Ok(page_response(&page, page.versions_json().to_string()))
}

async fn manifest(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    let p = principal(&state, &headers).await?;
    let page = state.engine.taxii_manifest(&p, &root, collection_id(&id)?, &filter(&uri)?).await?;
    Ok(page_response(&page, page.manifest_json().to_string()))
}

/// The TAXII routes, each with and without its trailing slash.
pub(crate) fn routes() -> Router<AppState> {
    let both = |r: Router<AppState>, path: &str, m: MethodRouter<AppState>| {
        r.route(&format!("{path}/"), m.clone()).route(path, m)
    };
    let mut r = Router::new();
    r = both(r, "/taxii2", get(discovery));
    r = both(r, "/taxii2/{root}", get(api_root));
    r = both(r, "/taxii2/{root}/status/{id}", get(status));
    r = both(r, "/taxii2/{root}/collections", get(collections));
    r = both(r, "/taxii2/{root}/collections/{id}", get(collection));
    r = both(r, "/taxii2/{root}/collections/{id}/objects", get(get_objects).post(add_objects));
    r = both(r, "/taxii2/{root}/collections/{id}/objects/{object_id}", get(get_object).delete(delete_object));
    r = both(r, "/taxii2/{root}/collections/{id}/objects/{object_id}/versions", get(versions));
    r = both(r, "/taxii2/{root}/collections/{id}/manifest", get(manifest));
    r
}

/// Whether `path` is under `/taxii2` (its errors are TAXII error resources).
pub(crate) fn is_taxii_path(path: &str) -> bool {
    path == "/taxii2" || path.starts_with("/taxii2/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        assert!(is_taxii_21("application/taxii+json;version=2.1", false));
        assert!(is_taxii_21("application/taxii+json; version=2.1", false));
        assert!(is_taxii_21("application/taxii+json", false));
        assert!(!is_taxii_21("application/taxii+json;version=2.0", true));
        assert!(!is_taxii_21("application/json", true));
        assert!(!is_taxii_21("*/*", false));
        assert!(is_taxii_21("*/*", true));
        assert!(is_taxii_21("application/*", true));
    }
}
