//! Bearer-token authentication: [`Principal`] as an extractor.
//!
//! A handler that takes a [`Principal`] requires `Authorization: Bearer <token>`; the token is
//! checked by [`engine::Engine::authenticate`]. A missing, malformed, unknown, expired or revoked
//! token answers `401 unauthenticated` with a `WWW-Authenticate: Bearer` challenge, before the
//! body is read.
//!
//! An `intake` token may only submit scam reports: every route taking a [`Principal`] answers
//! it `403 forbidden`; only `POST /api/v1/intake` takes a [`Reporter`], which admits it.
//!
//! A peer organisation's token (another instance pulling) reads only through federation: every
//! route taking a [`Principal`] answers it `403 forbidden`; the routes a peer pulls through
//! (`GET /api/v1/stream`, `GET /api/v1/reports/{id}`, `GET /api/v1/instance`) take a
//! [`Reader`], which admits it, and the engine applies the export rule there. TAXII
//! authenticates on its own and applies the rule in the engine.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use engine::Principal;

use crate::AppState;
use crate::error::ApiError;

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Reader(p) = Reader::from_request_parts(parts, state).await?;
        if p.peer {
            return Err(engine::EngineError::Forbidden(
                "a peer organisation's token reads only through federation (GET /api/v1/stream, GET /api/v1/reports/{id}, GET /api/v1/instance, TAXII)".into(),
            )
            .into());
        }
        Ok(p)
    }
}

/// Any caller that reads, peer organisations included: the extractor of the routes peers pull
/// through. With it, the pulling instance's id from [`model::federation::INSTANCE_HEADER`].
#[derive(Debug)]
pub struct Reader(pub Principal);

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Reporter(p) = Reporter::from_request_parts(parts, state).await?;
        if !p.viewer.role.can_read() {
            return Err(engine::EngineError::Forbidden(
                "an intake token may only submit scam reports (POST /api/v1/intake)".into(),
            )
            .into());
        }
        Ok(Reader(p))
    }
}

/// The pulling instance's id, when the caller names itself ([`model::federation::INSTANCE_HEADER`]).
#[derive(Debug, Clone, Copy)]
pub struct Puller(pub Option<uuid::Uuid>);

impl<S: Send + Sync> FromRequestParts<S> for Puller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(model::federation::INSTANCE_HEADER) else {
            return Ok(Puller(None));
        };
        let id = value.to_str().ok().and_then(|v| uuid::Uuid::parse_str(v.trim()).ok()).ok_or_else(|| {
            ApiError::invalid(model::federation::INSTANCE_HEADER, "not an instance id (a uuid)")
        })?;
        Ok(Puller(Some(id)))
    }
}

/// Any authenticated caller, intake tokens included: the intake route's extractor.
#[derive(Debug)]
pub struct Reporter(pub Principal);

impl FromRequestParts<AppState> for Reporter {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts).ok_or(ApiError::MissingToken)?;
        Ok(Reporter(state.engine.authenticate(token).await?))
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 7235).
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn token_of(header: Option<&str>) -> Option<String> {
        let mut req = Request::builder();
        if let Some(h) = header {
            req = req.header(AUTHORIZATION, h);
        }
        let (parts, ()) = req.body(()).unwrap().into_parts();
        bearer_token(&parts).map(str::to_string)
    }

    #[test]
    fn parses_bearer_headers() {
        assert_eq!(token_of(Some("Bearer dn_abc")).as_deref(), Some("dn_abc"));
        assert_eq!(token_of(Some("bearer   dn_abc ")).as_deref(), Some("dn_abc"));
        assert_eq!(token_of(Some("Basic dXNlcjpwYXNz")), None);
        assert_eq!(token_of(Some("Bearer ")), None);
        assert_eq!(token_of(Some("dn_abc")), None);
        assert_eq!(token_of(None), None);
    }
}
