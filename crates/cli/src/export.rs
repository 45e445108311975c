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
    ///   dragnet export stix --campaign 17 -o campaign-17.json --server https://dragnet.example --token dn_…
    ///   dragnet export stix --network phone:+442082413323 --org "Europol EC3"
    Stix(StixArgs),
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["report", "campaign", "network"])))]
pub struct StixArgs {
    /// A report id.
    #[arg(long)]
    report: Option<String>,
    /// A campaign id (`17`, or a part as you see it: `17.2`).
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
    }
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
                (_, Some(id), _) => engine.export_stix_campaign(&viewer, id).await?,
                (_, _, Some(id)) => engine.export_stix_network(&viewer, id).await?,
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
