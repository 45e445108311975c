//! `/api/v1/tokens`: API tokens of organisations. Secrets are shown once, at creation.
//! `/api/v1/whoami`: the organisation and role the caller's token acts as.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use chrono::{DateTime, Utc};
use engine::{CreatedToken, Principal, TokenView};
use model::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Path, parse_id};
use crate::json::Json;
use crate::routes::Items;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tokens", get(list).post(create))
        .route("/api/v1/tokens/{id}", delete(revoke))
        .route("/api/v1/whoami", get(whoami))
}

/// The answer of `GET /api/v1/whoami`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    /// The organisation the token acts for.
    pub organization: String,
    /// Whether that organisation operates the instance.
    pub operator: bool,
    /// The token's role.
    #[schema(value_type = String, example = "analyst")]
    pub role: Role,
    /// The token's id (as in `GET /api/v1/tokens`).
    pub token_id: Option<Uuid>,
}

/// The organisation and role the caller's token acts as (any valid token may ask).
#[utoipa::path(
    get, path = "/api/v1/whoami", tag = "tokens",
    security(("bearer" = [])),
    responses(
        (status = 200, body = WhoAmI),
        (status = 401, body = ErrorResponse),
    )
)]
pub(crate) async fn whoami(who: Principal) -> Json<WhoAmI> {
    Json(WhoAmI {
        organization: who.org_name,
        operator: who.operator,
        role: who.viewer.role,
        token_id: who.token_id,
    })
}

/// The body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// The organisation the token acts for.
    pub organization: String,
    /// `admin`, `analyst`, `contributor` or `reader`.
    #[schema(value_type = String, example = "analyst")]
    pub role: Role,
    /// A note for humans (where the token is used).
    #[serde(default)]
    pub label: String,
    /// When the token stops working; never when omitted.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Tokens the caller may manage: its organisation's, or every one for operator admins. Never
/// with their secrets.
#[utoipa::path(
    get, path = "/api/v1/tokens", tag = "tokens",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Items<TokenView>),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Items<TokenView>>, ApiError> {
    Ok(Json(Items { items: state.engine.list_tokens(Some(&who)).await? }))
}

/// Creates a token (admins: for their organisation; operator admins: for any). The secret is in
/// this answer only; dragnet keeps its hash.
#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "tokens",
    security(("bearer" = [])),
    request_body = CreateToken,
    responses(
        (status = 201, body = CreatedToken),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, description = "unknown organisation", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(body): Json<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let token = state
        .engine
        .create_token(Some(&who), &body.organization, body.role, &body.label, body.expires_at)
        .await?;
    Ok((StatusCode::CREATED, Json(token)))
}

/// Revokes a token the caller may manage; any other id answers not found.
#[utoipa::path(
    delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The token's id")),
    responses(
        (status = 204, description = "revoked"),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
    )
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.engine.revoke_token(Some(&who), parse_id(&id, "token")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
