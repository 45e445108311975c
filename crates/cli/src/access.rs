//! `dragnet access-requests ...`: hit/no-hit access requests, against a server or the data
//! directory.

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};
use engine::{
    AccessGrantView, Engine, IncomingAccessRequestView, OutgoingAccessRequestView, Page, Principal,
    SelectorInput,
};
use model::discovery::AccessRequestStatus;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::config::Settings;
use crate::query::{answer, client};

/// A lookup or check answers `held elsewhere` when a report you may not read, made discoverable
/// by its author, holds the selector. Ask for access with `request`; the organisations holding
/// it see which organisation asked and which selector, and `grant` (you join the reports'
/// audience) or `decline`.
#[derive(Subcommand, Debug)]
pub enum AccessCommand {
    /// Ask for access to the reports holding a selector that is held elsewhere.
    ///
    /// Example: `dragnet access-requests request phone "+1 888 839 1214" --server URL --token dn_...`
    Request {
        /// Observable kind, or `auto` to infer it.
        kind: String,
        /// The value, written any way (it is canonicalised).
        value: String,
        #[command(flatten)]
        common: Common,
    },
    /// Requests addressed to your organisation (analysts and admins), or with `--outgoing` the
    /// ones it sent, oldest first.
    List {
        /// The requests your organisation sent, with their status.
        #[arg(long)]
        outgoing: bool,
        /// Only incoming requests with this status: pending, granted or declined.
        #[arg(long, value_parser = parse_status)]
        status: Option<AccessRequestStatus>,
        #[command(flatten)]
        common: Common,
    },
    /// Grant a request addressed to your organisation: the requester joins the audience of your
    /// discoverable reports holding the selector.
    Grant {
        /// The request's id (from `list`).
        id: Uuid,
        #[command(flatten)]
        common: Common,
    },
    /// Decline a request addressed to your organisation.
    Decline {
        /// The request's id (from `list`).
        id: Uuid,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args, Debug)]
pub struct Common {
    /// With the data directory: the organisation acting.
    #[arg(long)]
    org: Option<String>,
    /// Print the JSON answer.
    #[arg(long)]
    json: bool,
}

fn parse_status(s: &str) -> Result<AccessRequestStatus, String> {
    s.parse()
}

/// Where the command runs: a server (client, base url, token) or the local engine as an
/// organisation.
enum Target {
    Remote(reqwest::Client, reqwest::Url, String),
    Local(std::sync::Arc<Engine>, Principal),
}

async fn target(settings: &Settings, common: &Common) -> anyhow::Result<Target> {
    if let Some((http, url, token)) = client(settings)? {
        return Ok(Target::Remote(http, url, token));
    }
    let org = common.org.as_deref().ok_or_else(|| anyhow!("give --org NAME (who acts) or --server URL"))?;
    let engine = crate::open_configured(settings).await?;
    let who = engine.local_principal(org)?;
    Ok(Target::Local(engine, who))
}

fn url(base: &reqwest::Url, segments: &[&str]) -> anyhow::Result<reqwest::Url> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| anyhow!("invalid server url"))?
        .pop_if_empty()
        .extend(["api", "v1", "access-requests"])
        .extend(segments);
    Ok(url)
}

async fn post<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: reqwest::Url,
    token: &str,
    body: &serde_json::Value,
) -> anyhow::Result<T> {
    answer(http.post(url).bearer_auth(token).json(body).send().await.context("cannot reach the server")?)
        .await
}

/// Every page of a listing, fetched with `page(cursor)`.
async fn all_pages<T, F, Fut>(mut page: F) -> anyhow::Result<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = anyhow::Result<Page<T>>>,
{
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let p = page(cursor).await?;
        items.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(items),
        }
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub async fn run(settings: &Settings, cmd: AccessCommand) -> anyhow::Result<()> {
    match cmd {
        AccessCommand::Request { kind, value, common } => {
            let kind = crate::query::parse_kind(&kind)?;
            let request: OutgoingAccessRequestView = match target(settings, &common).await? {
                Target::Remote(http, base, token) => {
                    let body = serde_json::json!({ "kind": kind, "value": value });
                    post(&http, url(&base, &[])?, &token, &body).await?
                }
                Target::Local(engine, who) => {
                    engine.request_access(&who, &SelectorInput { kind, value }).await?.request
                }
            };
            if common.json {
                return print_json(&request);
            }
            println!(
                "access request {}: {} ({} {})",
                request.id, request.status, request.kind, request.value
            );
        }
        AccessCommand::List { outgoing: true, common, .. } => {
            let items: Vec<OutgoingAccessRequestView> = match target(settings, &common).await? {
                Target::Remote(http, base, token) => {
                    all_pages(|cursor| {
                        let (http, token) = (&http, &token);
                        let url = url(&base, &["outgoing"]);
                        async move {
                            let mut url = url?;
                            if let Some(c) = cursor {
                                url.query_pairs_mut().append_pair("cursor", &c);
                            }
                            answer(http.get(url).bearer_auth(token).send().await?).await
                        }
                    })
                    .await?
                }
                Target::Local(engine, who) => {
                    all_pages(|cursor| {
                        let (engine, who) = (&engine, &who);
                        async move {
                            Ok(engine.list_outgoing_access_requests(who, cursor.as_deref(), None).await?)
                        }
                    })
                    .await?
                }
            };
            if common.json {
                return print_json(&items);
            }
            for r in &items {
                println!("{}\t{}\t{}\t{}:{}", r.id, r.status, r.created_at, r.kind, r.value);
            }
            eprintln!("{} request(s) sent", items.len());
        }
        AccessCommand::List { outgoing: false, status, common } => {
            let items: Vec<IncomingAccessRequestView> = match target(settings, &common).await? {
                Target::Remote(http, base, token) => {
                    all_pages(|cursor| {
                        let (http, token) = (&http, &token);
                        let url = url(&base, &["incoming"]);
                        async move {
                            let mut url = url?;
                            if let Some(s) = status {
                                url.query_pairs_mut().append_pair("status", s.as_str());
                            }
                            if let Some(c) = cursor {
                                url.query_pairs_mut().append_pair("cursor", &c);
                            }
                            answer(http.get(url).bearer_auth(token).send().await?).await
                        }
                    })
                    .await?
                }
                Target::Local(engine, who) => {
                    all_pages(|cursor| {
                        let (engine, who) = (&engine, &who);
                        async move {
                            Ok(engine
                                .list_incoming_access_requests(who, status, cursor.as_deref(), None)
                                .await?)
                        }
                    })
                    .await?
                }
            };
            if common.json {
                return print_json(&items);
            }
            for r in &items {
                println!("{}\t{}\t{}\t{}\t{}:{}", r.id, r.status, r.created_at, r.requester, r.kind, r.value);
            }
            eprintln!("{} request(s) received", items.len());
        }
        AccessCommand::Grant { id, common } => {
            let granted: AccessGrantView = match target(settings, &common).await? {
                Target::Remote(http, base, token) => {
                    let id = id.to_string();
                    post(&http, url(&base, &[&id, "grant"])?, &token, &serde_json::json!({})).await?
                }
                Target::Local(engine, who) => engine.grant_access_request(&who, id).await?,
            };
            if common.json {
                return print_json(&granted);
            }
            println!(
                "granted {}: {} now reads {} report(s) holding {} {}",
                granted.request.id,
                granted.request.requester,
                granted.reports.len(),
                granted.request.kind,
                granted.request.value
            );
            for r in &granted.reports {
                println!("  {r}");
            }
        }
        AccessCommand::Decline { id, common } => {
            let declined: IncomingAccessRequestView = match target(settings, &common).await? {
                Target::Remote(http, base, token) => {
                    let id = id.to_string();
                    post(&http, url(&base, &[&id, "decline"])?, &token, &serde_json::json!({})).await?
                }
                Target::Local(engine, who) => engine.decline_access_request(&who, id).await?,
            };
            if common.json {
                return print_json(&declined);
            }
            println!(
                "declined {} from {} ({} {})",
                declined.id, declined.requester, declined.kind, declined.value
            );
        }
    }
    Ok(())
}
