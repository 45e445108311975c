//! `dragnet tail`: follows a server's event stream (`GET /api/v1/stream`) in a terminal.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use engine::EventView;
use model::ObservableKind;
use model::event::{EventPayload, EventType};
use serde::Deserialize;

use crate::config::Settings;

#[derive(Args, Debug)]
pub struct TailArgs {
    /// Only events of these types (repeat, or comma-separate): report.created, report.updated,
    /// report.revoked, sighting.recorded, campaign.changed, alert.raised, hash.matched,
    /// access.requested
    #[arg(long = "type", value_name = "TYPE", value_delimiter = ',')]
    types: Vec<EventType>,
    /// Only events about observables of these kinds (repeat, or comma-separate)
    #[arg(long = "kind", value_name = "KIND", value_delimiter = ',')]
    kinds: Vec<ObservableKind>,
    /// Only events about reports with one of these labels (repeatable)
    #[arg(long = "label", value_name = "LABEL")]
    labels: Vec<String>,
    /// Start after this event id (`0`: replay from the first event) [default: from now on]
    #[arg(long, value_name = "ID")]
    after: Option<String>,
    /// Print each event as one line of JSON (as the server sends it)
    #[arg(long)]
    json: bool,
    /// Stop after this many events
    #[arg(long, value_name = "N")]
    count: Option<usize>,
    /// Seconds to wait before reconnecting after a disconnection
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    retry: u64,
}

/// The final `event: error` of a stream.
#[derive(Debug, Deserialize)]
struct StreamError {
    code: String,
    message: String,
    #[serde(default)]
    last_event_id: Option<String>,
}

/// One line for a terminal. Text from the server is printed escaped (`{:?}`).
fn human(v: &EventView) -> String {
    let at = v.at.format("%Y-%m-%dT%H:%M:%S%.3fZ");
    let what = match &v.payload {
        EventPayload::ReportCreated(r) | EventPayload::ReportUpdated(r) => {
            let kinds: Vec<&str> = v.kinds.iter().map(|k| k.as_str()).collect();
            format!(
                "report {} {} {} by {:?}: {:?} ({} observables{}{})",
                r.id,
                r.tlp.as_str(),
                r.kind.as_str(),
                r.author,
                r.title,
                r.observables.len(),
                if kinds.is_empty() { "" } else { ": " },
                kinds.join(", ")
            )
        }
        EventPayload::ReportRevoked(r) => format!("report {} revoked", r.id),
        EventPayload::SightingRecorded(s) => format!(
            "set {:?}: entry {} matched by {:?} at distance {}",
            s.set_name, s.entry_id, s.organization, s.distance
        ),
        EventPayload::CampaignChanged(c) => match c.reports {
            Some(n) => format!("report {} is in campaign {} ({n} reports)", c.report_id, c.campaign),
            None => format!("report {} is in campaign {}", c.report_id, c.campaign),
        },
        EventPayload::AlertRaised(a) => format!("alert: {:?}", a.message),
        EventPayload::StateChanged(_) => "internal state change".into(),
        EventPayload::HashMatched(m) => {
            let sets: Vec<String> = m.matches.iter().map(|x| format!("{:?}", x.set_name)).collect();
            format!("{} match(es) in {}", m.matches.len(), sets.join(", "))
        }
        EventPayload::AccessRequested(a) => match &a.owner {
            Some(owner) => format!(
                "{:?} asks {owner:?} for access about {}:{:?} (request {})",
                a.requester,
                a.selector_kind.as_str(),
                a.selector_value,
                a.id
            ),
            None => format!(
                "request {} sent: access about {}:{:?}",
                a.id,
                a.selector_kind.as_str(),
                a.selector_value
            ),
        },
    };
    format!("{at} {:<17} {what}", v.event_type().as_str())
}

fn stream_url(
    settings: &Settings,
    args: &TailArgs,
) -> anyhow::Result<(reqwest::Client, reqwest::Url, String)> {
    let (http, mut url, token) = crate::query::client(settings)?
        .ok_or_else(|| anyhow!("tail follows a server: give --server URL --token T"))?;
    url.path_segments_mut()
        .map_err(|()| anyhow!("invalid server url"))?
        .pop_if_empty()
        .extend(["api", "v1", "stream"]);
    {
        let mut q = url.query_pairs_mut();
        for t in &args.types {
            q.append_pair("type", t.as_str());
        }
        for k in &args.kinds {
            q.append_pair("kind", k.as_str());
        }
        for l in &args.labels {
            q.append_pair("label", l);
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    Ok((http, url, token))
}

pub async fn run(settings: &Settings, args: TailArgs) -> anyhow::Result<i32> {
    let (http, url, token) = stream_url(settings, &args)?;
    let retry = Duration::from_secs(args.retry);
    let mut last: Option<String> = args.after.clone();
    let mut printed = 0usize;
    let mut out = std::io::stdout();
    loop {
        let mut request = http.get(url.clone()).bearer_auth(&token).header("accept", "text/event-stream");
        if let Some(id) = &last {
            request = request.header("last-event-id", id);
        }
        let mut resp = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("tail: cannot reach the server ({e}); retrying in {}s", retry.as_secs());
                tokio::time::sleep(retry).await;
                continue;
            }
        };
        let status = resp.status();
        if status.is_client_error() {
            let body = resp.text().await.unwrap_or_default();
            bail!("server answered {status}: {body}");
        }
        if !status.is_success() {
            eprintln!("tail: server answered {status}; retrying in {}s", retry.as_secs());
            tokio::time::sleep(retry).await;
            continue;
        }
        let mut parser = server::sse::SseParser::default();
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => {
                    eprintln!("tail: the server closed the stream; resuming");
                    break;
                }
                Err(e) => {
                    eprintln!("tail: the stream broke ({e}); resuming");
                    break;
                }
            };
            for frame in parser.push(&chunk) {
                if frame.event.as_deref() == Some("error") {
                    let e: StreamError = serde_json::from_str(&frame.data)
                        .with_context(|| format!("unexpected error event: {}", frame.data))?;
                    if e.code == "unauthenticated" {
                        bail!("the stream ended: {}", e.message);
                    }
                    eprintln!("tail: the stream ended ({}: {}); resuming", e.code, e.message);
                    if e.last_event_id.is_some() {
                        last = e.last_event_id;
                    }
                    continue;
                }
                let v: EventView = serde_json::from_str(&frame.data)
                    .with_context(|| format!("unexpected event from the server: {}", frame.data))?;
                use std::io::Write;
                if args.json {
                    writeln!(out, "{}", frame.data)?;
                } else {
                    writeln!(out, "{}", human(&v))?;
                }
                out.flush()?;
                last = frame.id.or(Some(v.id));
                printed += 1;
                if args.count.is_some_and(|n| printed >= n) {
                    return Ok(0);
                }
            }
        }
        // Without a position (no event received yet and no --after) the stream resumes from
        // now: events committed while disconnected are not replayed.
        if last.is_none() {
            eprintln!("tail: no event received yet: following from now on");
        }
        tokio::time::sleep(retry).await;
    }
}
