//! `/api/v1/communities`: named sharing communities that AMBER reports may address.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use engine::{CommunityView, Principal};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::Path;
use crate::json::Json;
use crate::routes::Items;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/communities", get(list).post(create))
        .route("/api/v1/communities/{name}/members", put(set_members))
}

/// The body of `POST /api/v1/communities`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCommunity {
    /// Unique name, 1 to 200 printable characters.
    #[schema(example = "EU payment fraud")]
    pub name: String,
    /// Member organisation names.
    #[serde(default)]
    pub members: Vec<String>,
}

/// The body of `PUT /api/v1/communities/{name}/members`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMembers {
    /// The new member organisation names (replacing the old ones).
    pub members: Vec<String>,
}

/// Every community with its members.
#[utoipa::path(
    get, path = "/api/v1/communities", tag = "communities",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Items<CommunityView>),
        (status = 401, body = ErrorResponse),
    )
)]
pub(crate) async fn list(State(state): State<AppState>, _who: Principal) -> Json<Items<CommunityView>> {
    Json(Items { items: state.engine.list_communities() })
}

/// Creates a community (admins of an operator organisation only).
#[utoipa::path(
    post, path = "/api/v1/communities", tag = "communities",
    security(("bearer" = [])),
    request_body = CreateCommunity,
    responses(
        (status = 201, body = CommunityView),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 409, description = "a community with that name exists", body = ErrorResponse),
        (status = 422, description = "bad name or unknown member organisation", body = ErrorResponse),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(body): Json<CreateCommunity>,
) -> Result<(StatusCode, Json<CommunityView>), ApiError> {
    let community = state.engine.create_community(Some(&who), &body.name, &body.members).await?;
    Ok((StatusCode::CREATED, Json(community)))
}

/// Replaces the members of a community (admins of an operator organisation only).
#[utoipa::path(
    put, path = "/api/v1/communities/{name}/members", tag = "communities",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "The community's name, percent-encoded")),
    request_body = SetMembers,
    responses(
        (status = 200, body = CommunityView),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 422, description = "unknown member organisation", body = ErrorResponse),
    )
)]
pub(crate) async fn set_members(
    State(state): State<AppState>,
    who: Principal,
    Path(name): Path<String>,
    Json(body): Json<SetMembers>,
) -> Result<Json<CommunityView>, ApiError> {
    Ok(Json(state.engine.set_community_members(Some(&who), &name, &body.members).await?))
}
