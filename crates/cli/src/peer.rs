//! `dragnet peer`: the peers this instance pulls from (federation), on the data directory.

use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use engine::PeerInput;
use model::federation::PeerKind;

use crate::config::Settings;

#[derive(Subcommand, Debug)]
pub enum PeerCommand {
    /// Add a peer: another dragnet (its base URL; pulled through its event stream) or a TAXII
    /// 2.1 collection (`--kind taxii`: the api root URL and `--collection ID`; polled).
    ///
    /// The peer is checked first: its host must not resolve to a private, loopback or
    /// link-local address (unless `--allow-private`), and the token must read it. A running
    /// `dragnet serve` on the same store starts pulling within seconds.
    ///
    /// Example: `dragnet peer add https://dragnet.partner.example --token dn_… --receiving-org "Partner CERT"`
    Add {
        /// The peer's URL (dragnet: its base URL; TAXII: its api root, e.g. https://h/taxii2/api)
        url: String,
        /// The token this instance presents to the peer (dragnet: a token of the peer
        /// organisation the peer made for this instance; TAXII: a bearer token, or USER:PASSWORD
        /// for HTTP Basic)
        #[arg(long, env = "DRAGNET_PEER_TOKEN", hide_env_values = true)]
        token: String,
        /// dragnet or taxii
        #[arg(long, default_value = "dragnet")]
        kind: PeerKind,
        /// The TAXII collection id to pull (TAXII peers)
        #[arg(long, value_name = "ID")]
        collection: Option<String>,
        /// The organisation here that authors what is imported from the peer [default: the
        /// organisation named like the peer instance]
        #[arg(long, value_name = "ORG")]
        receiving_org: Option<String>,
        /// Allow a URL resolving to a private, loopback or link-local address
        #[arg(long)]
        allow_private: bool,
    },
    /// List the peers, their state and where pulling resumes (never their tokens).
    List {
        /// As JSON
        #[arg(long)]
        json: bool,
    },
    /// Remove a peer (by id, or by URL): pulling it stops; what was imported stays.
    Remove { peer: String },
}

pub async fn run(settings: &Settings, cmd: PeerCommand) -> anyhow::Result<()> {
    let engine = crate::open_configured(settings).await?;
    match cmd {
        PeerCommand::Add { url, token, kind, collection, receiving_org, allow_private } => {
            let url = engine::normalize_peer_url(&url)?;
            let allow = allow_private || settings.federation_allow_private.unwrap_or(false);
            let probe = server::federation::probe(
                &url,
                kind,
                &token,
                collection.as_deref(),
                allow,
                &settings.federation_options()?.extra_roots,
                Duration::from_secs(30),
            )
            .await
            .with_context(|| format!("cannot add the peer {url}"))?;
            let receiving_org = match (receiving_org, &probe.remote) {
                (Some(o), _) => o,
                (None, Some(remote)) => remote.name.clone(),
                (None, None) => {
                    anyhow::bail!("a taxii peer needs --receiving-org ORG: who here authors what it sends")
                }
            };
            if !engine.list_orgs().iter().any(|o| o.name == receiving_org) {
                anyhow::bail!(
                    "no organisation named {receiving_org:?} here: create it (dragnet admin org create {receiving_org:?} --peer, \
                     if the peer also pulls from this instance with it) or give --receiving-org ORG"
                );
            }
            let view = engine
                .add_peer(PeerInput {
                    url,
                    kind,
                    token,
                    collection,
                    receiving_org,
                    allow_private,
                    remote: probe.remote.clone(),
                })
                .await?;
            match (&probe.remote, &probe.title) {
                (Some(r), _) => println!(
                    "added peer {} ({}): dragnet instance {:?} ({}); imports authored by {:?}",
                    view.id, view.url, r.name, r.id, view.receiving_org
                ),
                (None, title) => println!(
                    "added peer {} ({}): taxii collection {}{}; imports authored by {:?}",
                    view.id,
                    view.url,
                    view.collection.as_deref().unwrap_or(""),
                    title.as_deref().map(|t| format!(" ({t:?})")).unwrap_or_default(),
                    view.receiving_org
                ),
            }
        }
        PeerCommand::List { json } => {
            let peers = engine.list_peers().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&peers)?);
            } else {
                for p in peers {
                    let state = match (&p.last_error, p.last_ok_at) {
                        (Some(e), _) => format!("error: {e:?}"),
                        (None, Some(t)) => format!("ok at {}", t.format("%Y-%m-%dT%H:%M:%SZ")),
                        (None, None) => "not pulled yet".into(),
                    };
                    println!(
                        "{}\t{}\t{}{}\t{}\timported {}\t{}",
                        p.id,
                        p.kind,
                        p.url,
                        p.collection.as_deref().map(|c| format!(" collection {c}")).unwrap_or_default(),
                        p.remote_name.as_deref().unwrap_or("-"),
                        p.imported,
                        state
                    );
                }
            }
        }
        PeerCommand::Remove { peer } => {
            let p = engine.remove_peer(&peer).await?;
            println!("removed peer {} ({})", p.id, p.url);
        }
    }
    Ok(())
}
