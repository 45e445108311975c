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
    ///
    /// A chain rewritten as a whole by someone with write access to the database cannot be told
    /// from the chain alone: record the printed head elsewhere now and then, and give it back
    /// with `--anchor SEQ:HASH` to check that entry is still there, unchanged.
    Verify {
        /// A head printed by an earlier `audit verify`: `SEQ:HASH`.
        #[arg(long, value_name = "SEQ:HASH")]
        anchor: Option<String>,
    },
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
        AuditCommand::Verify { anchor } => {
            let anchor = anchor.as_deref().map(parse_anchor).transpose()?;
            if !verify(store.as_ref()).await? {
                return Ok(1);
            }
            let Some((seq, hash)) = anchor else { return Ok(0) };
            let found = store.audit_entries(seq.checked_sub(1), 1).await?.into_iter().next();
            match found {
                Some(e) if e.seq == seq && e.hash == hash => {
                    println!("anchor ok: seq {seq} is in the chain, unchanged");
                    Ok(0)
                }
                Some(e) if e.seq == seq => {
                    eprintln!(
                        "anchor broken: seq {seq} has hash {}, not the anchored one",
                        model::audit::hex(&e.hash)
                    );
                    Ok(1)
                }
                _ => {
                    eprintln!("anchor broken: seq {seq} is not in the chain");
                    Ok(1)
                }
            }
        }
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

/// `SEQ:HASH` as `audit verify` prints a head.
fn parse_anchor(s: &str) -> anyhow::Result<(u64, [u8; 32])> {
    let (seq, hash) = s.split_once(':').context("an anchor is SEQ:HASH")?;
    let seq = seq.trim().parse().context("an anchor's SEQ is a number")?;
    let hash = model::audit::parse_hex(hash.trim()).context("an anchor's HASH is 64 lowercase hex digits")?;
    Ok((seq, hash))
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
