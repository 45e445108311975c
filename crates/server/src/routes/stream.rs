//! `GET /api/v1/stream`: the events the caller may see, as Server-Sent Events.

use std::convert::Infallible;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use engine::{EventView, StreamItem, StreamOptions, StreamRequest};
use model::ObservableKind;
use model::event::EventType;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Puller, Reader};
use crate::error::{ApiError, ErrorResponse};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/stream", get(stream))
}

/// The data of the final `event: error` of a stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamError {
    /// `stream_lagged` (the client fell behind by more than its buffer), `unauthenticated`
    /// (the token was revoked or expired), `unavailable` (the server is shutting down) or
    /// `storage_error`.
    pub code: String,
    pub message: String,
    /// The last event delivered: reconnect with it as `Last-Event-ID` to resume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_id: Option<String>,
}

/// The parameters of a stream, from its query string (repeatable) and `Last-Event-ID`.
fn request(query: Option<&str>, headers: &HeaderMap) -> Result<StreamRequest, ApiError> {
    let mut r = StreamRequest::default();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "type" => r
                .types
                .push(value.parse::<EventType>().map_err(|e| ApiError::invalid("type", e.to_string()))?),
            "kind" => r
                .kinds
                .push(value.parse::<ObservableKind>().map_err(|e| ApiError::invalid("kind", e.to_string()))?),
            "label" => r.labels.push(value.into_owned()),
            "after" => r.after = Some(value.into_owned()),
            other => return Err(ApiError::invalid("query", format!("unknown parameter {other:?}"))),
        }
    }
    if let Some(id) = headers.get("last-event-id") {
        let id = id.to_str().map_err(|_| ApiError::invalid("last-event-id", "not an event id"))?;
        // The header wins: a browser's EventSource sends it when it reconnects to the same URL.
        r.after = Some(id.to_string());
    }
    Ok(r)
}

/// Follows the events the caller may see, as Server-Sent Events (`text/event-stream`).
///
/// Each event is `id: <event id>`, `event: <type>` and `data:` the [`EventView`] as JSON:
/// `report.created`, `report.updated`, `report.revoked`, `sighting.recorded` (hash sets you
/// own; analysts and admins), `campaign.changed` (a report you see joined a campaign you see;
/// it names your part of it), `alert.raised` (yours), `hash.matched` (your matches),
/// `access.requested` (to or from you). Only events about what you may see are sent, by the
/// same rules as every read; hidden events leave no trace, not even in the ids, which are
/// opaque (they neither count nor order the events in between).
///
/// Filters, each repeatable (any of the values; all the parameters): `type`, `kind` (an
/// observable kind the event is about), `label` (a label of the report). Without a position
/// the stream starts now; `Last-Event-ID: <id>` (or `?after=<id>`) resumes after that event,
/// replaying what was committed since and then following live, without loss or duplicates;
/// `after=0` replays from the first event. A comment (`: heartbeat`) is sent when the stream
/// is idle. A client that falls behind by more than the server's buffer gets a final
/// `event: error` (`{"code": "stream_lagged", "message", "last_event_id"}`) and is
/// disconnected; reconnecting with that id resumes where it stopped.
///
/// Federation: a peer organisation's token (another instance pulling) gets report events only,
/// under the export rule (never TLP:RED or AMBER+STRICT; AMBER only when it is named); the
/// pulling instance names itself with `X-Dragnet-Instance` so that what came through it is
/// left out.
#[utoipa::path(
    get, path = "/api/v1/stream", tag = "stream",
    security(("bearer" = [])),
    params(
        ("type" = Option<Vec<String>>, Query, description = "Event types (repeatable): report.created, report.updated, report.revoked, sighting.recorded, campaign.changed, alert.raised, hash.matched, access.requested"),
        ("kind" = Option<Vec<String>>, Query, description = "Observable kinds the event is about (repeatable)"),
        ("label" = Option<Vec<String>>, Query, description = "Labels of the report the event is about (repeatable)"),
        ("after" = Option<String>, Query, description = "Resume after this event id (0: from the first event); `Last-Event-ID` wins"),
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id"),
        ("X-Dragnet-Instance" = Option<String>, Header, description = "The pulling instance's id (federation)"),
    ),
    responses(
        (status = 200, description = "a stream of events; a final `event: error` carries a StreamError", content_type = "text/event-stream", body = EventView),
        (status = 401, body = ErrorResponse),
        (status = 403, description = "intake tokens read nothing", body = ErrorResponse),
        (status = 422, description = "an unknown type or kind, or an id this instance did not give", body = ErrorResponse),
    )
)]
pub(crate) async fn stream(
    State(state): State<AppState>,
    Reader(who): Reader,
    Puller(puller): Puller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut request = request(query.as_deref(), &headers)?;
    request.puller = puller;
    let options = StreamOptions { buffer: state.options.stream_buffer, ..StreamOptions::default() };
    let events = state.engine.stream(who, request, options).await?;
    let stop = state.shutdown.subscribe();
    let body = futures::stream::unfold((events, stop, false), |(mut events, mut stop, ended)| async move {
        if ended {
            return None;
        }
        let item = tokio::select! {
            item = events.next() => item?,
            _ = stop.wait_for(|stopping| *stopping) => StreamItem::End {
                error: engine::ErrorBody {
                    code: "unavailable".into(),
                    message: "the server is shutting down; resume with the last event id".into(),
                },
                last_event_id: events.last_event_id().map(str::to_string),
            },
        };
        let (frame, ended) = match item {
            StreamItem::Event(v) => {
                let frame = SseEvent::default()
                    .id(v.id.clone())
                    .event(v.event_type().as_str())
                    .data(serde_json::to_string(&v).unwrap_or_default());
                (frame, false)
            }
            StreamItem::End { error, last_event_id } => {
                let e = StreamError { code: error.code, message: error.message, last_event_id };
                (SseEvent::default().event("error").data(serde_json::to_string(&e).unwrap_or_default()), true)
            }
        };
        Some((Ok::<_, Infallible>(frame), (events, stop, ended)))
    });
    let keep_alive = KeepAlive::new().interval(state.options.stream_heartbeat).text("heartbeat");
    let mut response = Sse::new(body).keep_alive(keep_alive).into_response();
    // Proxies must not buffer the stream.
    response.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_repeat_and_are_checked() {
        let mut headers = HeaderMap::new();
        let r =
            request(Some("type=report.created&type=alert.raised&kind=iban&label=a%20b&after=0"), &headers)
                .unwrap();
        assert_eq!(r.types, vec![EventType::ReportCreated, EventType::AlertRaised]);
        assert_eq!(r.kinds, vec![ObservableKind::Iban]);
        assert_eq!(r.labels, vec!["a b".to_string()]);
        assert_eq!(r.after.as_deref(), Some("0"));
        headers.insert("last-event-id", HeaderValue::from_static("abc"));
        assert_eq!(request(Some("after=0"), &headers).unwrap().after.as_deref(), Some("abc"));
        for bad in ["type=report", "kind=nope", "filter=x"] {
            assert!(request(Some(bad), &HeaderMap::new()).is_err(), "{bad}");
        }
    }
}
