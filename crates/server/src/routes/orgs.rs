//! `/api/v1/organizations`: the member organisations of the instance.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use engine::{OrganizationView, Principal};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::json::Json;
use crate::routes::Items;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/organizations", get(list).post(create))
}

/// The body of `POST /api/v1/organizations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    /// Unique name, 1 to 200 printable characters.
    #[schema(example = "Example Bank")]
    pub name: String,
    /// Whether the organisation operates the instance (its admins manage organisations).
    #[serde(default)]
    pub operator: bool,
}

/// Every organisation of the instance, by name.
#[utoipa::path(
    get, path = "/api/v1/organizations", tag = "organizations",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Items<OrganizationView>),
        (status = 401, body = ErrorResponse),
    )
)]
pub(crate) async fn list(State(state): State<AppState>, _who: Principal) -> Json<Items<OrganizationView>> {
    Json(Items { items: state.engine.list_orgs() })
}

/// Creates an organisation (admins of an operator organisation only).
#[utoipa::path(
    post, path = "/api/v1/organizations", tag = "organizations",
    security(("bearer" = [])),
    request_body = CreateOrganization,
    responses(
        (status = 201, body = OrganizationView),
        (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse),
        (status = 409, description = "an organisation with that name exists", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(body): Json<CreateOrganization>,
) -> Result<(StatusCode, Json<OrganizationView>), ApiError> {
    let org = state.engine.create_org(Some(&who), &body.name, body.operator).await?;
    Ok((StatusCode::CREATED, Json(org)))
}
