//! `dragnet audit`: verify and list the audit log; `dragnet admin check`: the database's
//! integrity. Both open the store only (no index is built).

use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use model::OrgId;
use store::Store;
use store::audit::{AuditQuery, VerifyError};

use crate::config::{self, Settings};

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the whole hash chain: every entry must hash to its stored hash, link to the entry
    /// before it, follow it in seq order from the genesis, and end at the recorded head.
    /// Prints the counts and the head on success; the first broken link (seq, and whether an
    /// entry was edited, removed or reordered, or the genesis is bad) and exit status 1
    /// otherwise.
    Verify,
    /// The latest entries, newest first: `audit list [--org NAME] [--action ACTION] [--limit N]`.
    List(ListArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only entries whose actor acted for this organisation.
    #[arg(long)]
    org: Option<String>,
    /// Only entries with this action (`report.create`, `report.read`, `pii.read`, …).
    #[arg(long)]
    action: Option<String>,
    /// How many entries.
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

/// Opens the store the settings name, without an engine.
pub(crate) async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match settings.store_location(config::DEFAULT_DATA_DIR)? {
        config::StoreLocation::Dir(dir) => {
            if !dir.join(store::DB_FILE).is_file() {
                anyhow::bail!("no data directory at {}", dir.display());
            }
            Arc::new(
                store::SqliteStore::open(&dir)
                    .await
                    .with_context(|| format!("cannot open the data directory {}", dir.display()))?,
            )
        }
        config::StoreLocation::Postgres(url) => {
            Arc::new(store::PgStore::connect(&url).await.context("cannot connect to the database")?)
        }
    })
}

/// Verifies the chain and prints the outcome; false when it is broken.
async fn verify(store: &dyn Store) -> anyhow::Result<bool> {
    match store::audit::verify(store).await {
        Ok(s) => {
            match s.head {
                Some((seq, hash)) => println!(
                    "audit chain ok: {} entries, head seq {seq} hash {}",
                    s.entries,
                    model::audit::hex(&hash)
                ),
                None => println!("audit chain ok: 0 entries"),
            }
            Ok(true)
        }
        Err(VerifyError::Broken(b)) => {
            eprintln!("audit chain broken at seq {}: {b}", b.seq());
            Ok(false)
        }
        Err(VerifyError::Store(e)) => Err(e.into()),
    }
}

pub async fn run(settings: &Settings, cmd: AuditCommand) -> anyhow::Result<i32> {
    let store = open_store(settings).await?;
    match cmd {
        AuditCommand::Verify => Ok(if verify(store.as_ref()).await? { 0 } else { 1 }),
        AuditCommand::List(args) => {
            let orgs = store.list_orgs().await?;
            let org = match &args.org {
                Some(name) => Some(
                    orgs.iter()
                        .find(|o| &o.name == name)
                        .map(|o| o.id)
                        .with_context(|| format!("no organisation named {name:?}"))?,
                ),
                None => None,
            };
            let name = |id: Option<OrgId>| match id {
                Some(id) => {
                    orgs.iter().find(|o| o.id == id).map_or_else(|| id.0.to_string(), |o| o.name.clone())
                }
                None => "-".into(),
            };
            let query = AuditQuery { org, action: args.action, since: None, before: None, limit: args.limit };
            for e in store.list_audit(&query).await? {
                let r = &e.record;
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}:{}\t{}",
                    e.seq,
                    r.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                    r.actor.kind,
                    name(r.actor.org),
                    r.actor.role.map_or("-", |r| r.as_str()),
                    r.action,
                    r.object_type,
                    r.object_id,
                    r.detail.as_deref().unwrap_or("-"),
                );
            }
            Ok(0)
        }
    }
}

/// `dragnet admin check`: the database's integrity check, then the audit chain. Exit status 1
/// when either finds a problem.
pub async fn check(settings: &Settings) -> anyhow::Result<i32> {
    let store = open_store(settings).await?;
    let problems = store.integrity_check().await?;
    for p in &problems {
        eprintln!("integrity problem: {p}");
    }
    if problems.is_empty() {
        println!("integrity ok: {} reports", store.count_reports().await?);
    }
    let chain = verify(store.as_ref()).await?;
    Ok(if problems.is_empty() && chain { 0 } else { 1 })
}
