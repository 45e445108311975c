//! `dragnet export`: what you may see, in partners' formats.

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};

use crate::config::Settings;

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// A report, a campaign or a network as a STIX 2.1 bundle.
    ///
    /// The bundle holds the reports you may see (never revoked ones, never victim data): an
    /// identity per author organisation, a `report` each (its dragnet id in an external
    /// reference), an SCO with its deterministic id, an `indicator` and a `based-on`
    /// relationship per observable, the TLP 2.0 marking definitions, and the extension
    /// definitions of the custom SCOs (`phone-number`, `cryptocurrency-wallet`,
    /// `bank-account`); a campaign adds a `campaign`, a network a `grouping`.
    ///
    /// Against a server (`--server URL --token T`) or the data directory (`--org NAME`).
    ///
    /// Examples:
    ///   dragnet export stix --report 0193a0c4-… --org "Metropolitan Police Cyber Crime Unit"
    ///   dragnet export stix --campaign 5e0c19a4 -o campaign-17.json --server https://dragnet.example --token dn_…
    ///   dragnet export stix --network phone:+442082413323 --org "Europol EC3"
    Stix(StixArgs),
    /// A report or a campaign as a MISP event, or every report you may see as a MISP feed.
    ///
    /// The event holds the reports you may see (never revoked ones, never victim data): uuid
    /// derived from the report id (the same event every time), info, date, Orgc, tlp: tag and
    /// labels as tags, distribution from the TLP and audience (a single community becomes a
    /// sharing group), an attribute per observable (the MISP type, object, relation and to_ids
    /// it was imported with, else its kind's type), the values kept as received and the
    /// sightings of imported events, the narrative as an event report, and the dragnet report
    /// id (category `Internal reference`). `--feed DIR` writes MISP's feed layout:
    /// `manifest.json`, one `<uuid>.json` per report and `hashes.csv`.
    ///
    /// Against a server (`--server URL --token T`, report and campaign) or the data directory
    /// (`--org NAME`).
    ///
    /// Examples:
    ///   dragnet export misp --report 0193a0c4-… --org "National CSIRT"
    ///   dragnet export misp --campaign 5e0c19a4 -o campaign-17.json --server https://dragnet.example --token dn_…
    ///   dragnet export misp --feed ./feed --org "National CSIRT"
    Misp(MispArgs),
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["report", "campaign", "feed"])))]
pub struct MispArgs {
    /// A report id.
    #[arg(long)]
    report: Option<String>,
    /// A campaign id (`5e0c19a4`, or a part as you see it: `5e0c19a4.2`).
    #[arg(long)]
    campaign: Option<String>,
    /// Write every report you may see as a MISP feed into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    feed: Option<std::path::PathBuf>,
    /// Whose view, with the data directory (an organisation name).
    #[arg(long)]
    org: Option<String>,
    /// Write the event to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["report", "campaign", "network"])))]
pub struct StixArgs {
    /// A report id.
    #[arg(long)]
    report: Option<String>,
    /// A campaign id (`5e0c19a4`, or a part as you see it: `5e0c19a4.2`).
    #[arg(long)]
    campaign: Option<String>,
    /// A network, named by any report id or node in it (`phone:+442082413323`, a raw selector).
    #[arg(long)]
    network: Option<String>,
    /// Whose view, with the data directory (an organisation name).
    #[arg(long)]
    org: Option<String>,
    /// Write the bundle to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
}

pub async fn run(settings: &Settings, cmd: ExportCommand) -> anyhow::Result<i32> {
    match cmd {
        ExportCommand::Stix(a) => stix(settings, a).await.map(|()| 0),
        ExportCommand::Misp(a) => misp(settings, a).await.map(|()| 0),
    }
}

async fn misp(settings: &Settings, a: MispArgs) -> anyhow::Result<()> {
    if let Some(dir) = &a.feed {
        let org =
            a.org.as_deref().ok_or_else(|| anyhow!("--feed works on the data directory: give --org NAME"))?;
        let engine = crate::open_configured(settings).await?;
        let viewer = engine.local_principal(org)?.viewer;
        let events = engine.export_misp_feed(&viewer, usize::MAX).await?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut manifest = serde_json::Map::new();
        let mut hashes = String::new();
        for e in &events {
            let Some((uuid, entry)) = misp::export::manifest_entry(e) else { continue };
            let path = dir.join(format!("{uuid}.json"));
            std::fs::write(&path, e.to_string())
                .with_context(|| format!("cannot write {}", path.display()))?;
            for line in misp::export::hash_lines(e) {
                hashes.push_str(&line);
                hashes.push('\n');
            }
            manifest.insert(uuid, entry);
        }
        let path = dir.join("manifest.json");
        std::fs::write(&path, serde_json::Value::Object(manifest).to_string())
            .with_context(|| format!("cannot write {}", path.display()))?;
        let path = dir.join("hashes.csv");
        std::fs::write(&path, hashes).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {} events to {} (manifest.json, hashes.csv)", events.len(), dir.display());
        return Ok(());
    }
    let path: Vec<&str> = match (&a.report, &a.campaign) {
        (Some(id), _) => vec!["api", "v1", "reports", id, "misp"],
        (_, Some(id)) => vec!["api", "v1", "campaigns", id, "misp"],
        _ => bail!("give --report ID, --campaign ID or --feed DIR"),
    };
    let body = match crate::graph::get_raw(settings, &path, &[]).await? {
        Some(resp) => {
            let status = resp.status();
            let body = resp.text().await.context("cannot read the server's answer")?;
            if !status.is_success() {
                bail!("server answered {status}: {body}");
            }
            body
        }
        None => {
            let org =
                a.org.as_deref().ok_or_else(|| anyhow!("give --org NAME (whose view) or --server URL"))?;
            let engine = crate::open_configured(settings).await?;
            let viewer = engine.local_principal(org)?.viewer;
            let event = match (&a.report, &a.campaign) {
                (Some(id), _) => {
                    let id = uuid::Uuid::parse_str(id.trim())
                        .map_err(|_| anyhow!("--report: not a report id: {id:?}"))?;
                    engine.export_misp_report(&viewer, id).await?
                }
                (_, Some(id)) => engine.export_misp_campaign(&viewer, id).await?.0,
                _ => unreachable!("clap requires one of them"),
            };
            serde_json::to_string_pretty(&event)?
        }
    };
    match &a.output {
        Some(path) => {
            std::fs::write(path, &body).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => println!("{body}"),
    }
    Ok(())
}

async fn stix(settings: &Settings, a: StixArgs) -> anyhow::Result<()> {
    let path: Vec<&str> = match (&a.report, &a.campaign, &a.network) {
        (Some(id), _, _) => vec!["api", "v1", "reports", id, "stix"],
        (_, Some(id), _) => vec!["api", "v1", "campaigns", id, "stix"],
        (_, _, Some(id)) => vec!["api", "v1", "graph", "networks", id, "stix"],
        _ => bail!("give --report ID, --campaign ID or --network ID"),
    };
    let body = match crate::graph::get_raw(settings, &path, &[]).await? {
        Some(resp) => {
            let status = resp.status();
            let body = resp.text().await.context("cannot read the server's answer")?;
            if !status.is_success() {
                bail!("server answered {status}: {body}");
            }
            body
        }
        None => {
            let org =
                a.org.as_deref().ok_or_else(|| anyhow!("give --org NAME (whose view) or --server URL"))?;
            let engine = crate::open_configured(settings).await?;
            let viewer = engine.local_principal(org)?.viewer;
            let bundle = match (&a.report, &a.campaign, &a.network) {
                (Some(id), _, _) => {
                    let id = uuid::Uuid::parse_str(id.trim())
                        .map_err(|_| anyhow!("--report: not a report id: {id:?}"))?;
                    engine.export_stix_report(&viewer, id).await?
                }
                (_, Some(id), _) => engine.export_stix_campaign(&viewer, id).await?.0,
                (_, _, Some(id)) => engine.export_stix_network(&viewer, id).await?.0,
                _ => unreachable!("clap requires one of them"),
            };
            serde_json::to_string_pretty(&bundle)?
        }
    };
    match &a.output {
        Some(path) => {
            std::fs::write(path, &body).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => println!("{body}"),
    }
    Ok(())
}
