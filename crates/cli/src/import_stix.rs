//! `dragnet import stix` and `dragnet import medallion`: STIX bundles and TAXII envelopes into
//! TAXII collections, and the migration of a medallion TAXII server's data file.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use uuid::Uuid;

use crate::config::Settings;

/// Objects per add (one stored batch and one status resource each).
const BATCH_OBJECTS: usize = 500;

#[derive(Args, Debug)]
pub struct StixArgs {
    /// STIX 2.1 / 2.0 bundles (`{"type": "bundle", "objects": [...]}`) or TAXII envelopes
    /// (`{"objects": [...]}`).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The organisation adding the objects (it becomes their author).
    #[arg(long)]
    org: String,
    /// The collection to add to: the organisation's own (the default, id = the organisation's
    /// id), one of its communities' (id = the community's id), the public TLP:CLEAR collection
    /// or a stored collection.
    #[arg(long)]
    collection: Option<Uuid>,
    /// The api root holding the collection.
    #[arg(long, default_value = engine::TAXII_DEFAULT_ROOT)]
    api_root: String,
}

#[derive(Args, Debug)]
pub struct MedallionArgs {
    /// medallion's memory-backend data file (`/discovery`, api roots, collections with objects
    /// and manifests, status).
    file: PathBuf,
    /// The organisation that owns the migrated collections (only its members see them).
    #[arg(long)]
    org: String,
}

/// Rewrites a failure message's `objects[i]` (position in the batch) to the position in the
/// file.
fn at_file_position(message: &str, offset: usize) -> String {
    let parsed = message
        .strip_prefix("objects[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(n, rest)| n.parse::<usize>().ok().map(|n| (n, rest)));
    match parsed {
        Some((n, rest)) => format!("objects[{}]{rest}", n + offset),
        None => message.to_string(),
    }
}

pub async fn run_stix(settings: &Settings, args: StixArgs) -> anyhow::Result<i32> {
    let engine = crate::open_configured(settings).await?;
    let principal = engine.local_principal(&args.org)?;
    let collection = args.collection.unwrap_or(principal.viewer.org.0);
    // Fail early on a collection the organisation may not write.
    let view = engine.taxii_collection(&principal, &args.api_root, collection).await?;
    if !view.can_write {
        anyhow::bail!("collection {collection} ({}) may not be written by {}", view.title, args.org);
    }
    let texts: Vec<(PathBuf, String)> = args
        .files
        .iter()
        .map(|f| {
            Ok((f.clone(), std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut files = Vec::with_capacity(texts.len());
    let mut total = 0u64;
    let mut unreadable = 0usize;
    for (path, text) in &texts {
        let objects = match stix::object::raw_objects_of(text) {
            Ok(objects) => objects,
            // A lone STIX object (as the OASIS examples have some): one object to add.
            Err(e) if e.path == "type" => match serde_json::from_str::<&serde_json::value::RawValue>(text) {
                Ok(one) => vec![one],
                Err(_) => {
                    eprintln!("{}: {e}", path.display());
                    unreadable += 1;
                    continue;
                }
            },
            // A file that is not STIX is reported; the other files are still imported.
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                unreadable += 1;
                continue;
            }
        };
        total += objects.len() as u64;
        files.push((path, objects));
    }
    let bar = indicatif::ProgressBar::new(total).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} objects {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let (mut stored, mut already, mut failed, mut reports) = (0usize, 0usize, 0usize, 0usize);
    for (path, objects) in &files {
        for (b, chunk) in objects.chunks(BATCH_OBJECTS).enumerate() {
            let out = engine.taxii_add_objects(&principal, &args.api_root, collection, chunk).await?;
            for f in &out.status.failures {
                let message = f["message"].as_str().unwrap_or("invalid object");
                let line = format!("{}: {}", path.display(), at_file_position(message, b * BATCH_OBJECTS));
                bar.suspend(|| eprintln!("{line}"));
            }
            for e in &out.mapped.errors {
                bar.suspend(|| eprintln!("{}: not mapped: {e}", path.display()));
            }
            reports += out.mapped.reports.len();
            failed += out.status.failures.len();
            stored += out.stored.len();
            already += out.status.successes.len() - out.stored.len();
            bar.inc(chunk.len() as u64);
            bar.set_message(format!("{stored} stored, {failed} rejected"));
        }
    }
    bar.finish_and_clear();
    println!(
        "imported {} file(s) into collection {collection} ({}): {stored} object versions stored, {already} already there, {failed} rejected, {reports} dragnet reports made, in {:.1} s",
        files.len(),
        view.title,
        started.elapsed().as_secs_f64()
    );
    if unreadable > 0 {
        println!("{unreadable} file(s) could not be read as STIX (above)");
    }
    Ok(if failed == 0 && unreadable == 0 { 0 } else { 1 })
}

pub async fn run_medallion(settings: &Settings, args: MedallionArgs) -> anyhow::Result<i32> {
    let engine = crate::open_configured(settings).await?;
    let owner = engine.local_principal(&args.org)?.viewer.org;
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let data: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not json", args.file.display()))?;
    let out = engine.import_medallion(&data, owner).await?;
    for e in &out.mapped.errors {
        eprintln!("{}: not mapped: {e}", args.file.display());
    }
    println!(
        "migrated {}: {} api roots, {} collections, {} object versions, {} status resources, {} dragnet reports made (owner {})",
        args.file.display(),
        out.api_roots,
        out.collections,
        out.objects,
        out.statuses,
        out.mapped.reports.len(),
        args.org
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_positions_are_file_positions() {
        assert_eq!(
            at_file_position("objects[3].created: invalid timestamp \"x\"", 500),
            "objects[503].created: invalid timestamp \"x\""
        );
        assert_eq!(
            at_file_position("objects[0]: a stix object must be a json object", 0),
            "objects[0]: a stix object must be a json object"
        );
        assert_eq!(at_file_position("something else", 10), "something else");
    }
}
