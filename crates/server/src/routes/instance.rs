//! `GET /api/v1/instance`: this instance's identity, for peers and operators.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use model::federation::Instance;

use crate::AppState;
use crate::auth::Reader;
use crate::error::{ApiError, ErrorResponse};
use crate::json::Json;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/instance", get(instance))
}

/// This instance's identity: its stable id and its name. A pulling instance reads it to
/// record where reports come from, and names itself back with `X-Dragnet-Instance`. Any
/// token that reads, peer organisations' included.
#[utoipa::path(
    get, path = "/api/v1/instance", tag = "federation",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Instance),
        (status = 401, body = ErrorResponse),
        (status = 403, description = "intake tokens read nothing", body = ErrorResponse),
    )
)]
pub(crate) async fn instance(
    State(state): State<AppState>,
    Reader(_who): Reader,
) -> Result<Json<Instance>, ApiError> {
    Ok(Json(state.engine.instance()))
}
