//! Loading MISP warning lists from a directory (the extract crate itself does no IO).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use extract::{WarningList, WarningLists};

/// The built-in lists, plus every `*.json` list under `dir` (searched recursively, so a
/// checkout of misp-warninglists with its `lists/<name>/list.json` layout works as it is).
///
/// A file that is not a valid list is skipped with a warning naming it; the others load.
pub fn load(dir: Option<&Path>) -> anyhow::Result<WarningLists> {
    let mut lists = WarningLists::builtin();
    let Some(dir) = dir else { return Ok(lists) };
    if !dir.is_dir() {
        bail!("the warning-list directory {} does not exist or is not a directory", dir.display());
    }
    let mut files = Vec::new();
    collect(dir, &mut files)
        .with_context(|| format!("cannot read the warning-list directory {}", dir.display()))?;
    files.sort();
    // Lists compile independently (the full MISP set is 2.5 million entries): in parallel,
    // then added in file order.
    use rayon::prelude::*;
    let parsed: Vec<(PathBuf, anyhow::Result<WarningList>)> = files
        .into_par_iter()
        .map(|file| {
            let parsed = std::fs::read_to_string(&file)
                .map_err(anyhow::Error::from)
                .and_then(|text| WarningList::from_json(&text).map_err(anyhow::Error::from));
            (file, parsed)
        })
        .collect();
    let (mut loaded, mut failed) = (0, 0);
    for (file, parsed) in parsed {
        match parsed {
            Ok(list) => {
                for why in list.skipped() {
                    tracing::warn!(file = %file.display(), list = %list.name, "skipped entry: {why}");
                }
                lists.push(list);
                loaded += 1;
            }
            Err(e) => {
                tracing::warn!(file = %file.display(), "not a warning list, skipped: {e:#}");
                failed += 1;
            }
        }
    }
    tracing::info!(dir = %dir.display(), loaded, failed, total = lists.len(), "warning lists loaded");
    Ok(lists)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(clap::Subcommand, Debug)]
pub enum WarninglistsCommand {
    /// Say which warning lists each VALUE is on, with each list's name and type.
    ///
    /// The value is read as its kind (inferred, or --kind) and compared as written and in its
    /// canonical form, against every list whatever its matching_attributes (MISP's own search);
    /// each hit says whether the list applies to the value's kind, i.e. whether dragnet flags
    /// the value in extraction and treats it as a hub. Lists: the built-in ones plus
    /// `--warninglists DIR`. Exit status 0 when every value is on a list, 1 otherwise.
    ///
    /// Example: dragnet warninglists check 8.8.8.8 --warninglists misp-warninglists/lists
    #[command(verbatim_doc_comment)]
    Check(CheckArgs),
    /// List the warning lists loaded (name, type, entries, kinds) and how long loading took.
    List(ListArgs),
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The values (any selector, or any text for lists of other MISP types).
    #[arg(required = true, value_name = "VALUE")]
    values: Vec<String>,
    /// Read the value as this kind instead of inferring it.
    #[arg(long)]
    kind: Option<model::ObservableKind>,
    /// Print JSON, one line per value: {"value", "kind", "canonical", "lists": [{"name",
    /// "type", "applies"}]}.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Print JSON: {"lists": [...], "entries", "load_seconds"}.
    #[arg(long)]
    json: bool,
}

pub fn run(settings: &crate::config::Settings, cmd: WarninglistsCommand) -> anyhow::Result<i32> {
    let started = std::time::Instant::now();
    let lists = load(settings.warninglists.as_deref())?;
    let load_seconds = started.elapsed().as_secs_f64();
    match cmd {
        WarninglistsCommand::Check(a) => {
            let mut on_none = false;
            for value in &a.values {
                on_none |= !check(&lists, value.trim(), a.kind, a.json);
            }
            Ok(i32::from(on_none))
        }
        WarninglistsCommand::List(a) => {
            let entries: usize = lists.lists().map(WarningList::entry_count).sum();
            if a.json {
                let out = serde_json::json!({
                    "lists": lists.lists().map(|l| serde_json::json!({
                        "name": l.name, "type": l.list_type.as_str(), "entries": l.entry_count(),
                        "skipped": l.skipped().len(), "matching_attributes": l.matching_attributes,
                    })).collect::<Vec<_>>(),
                    "entries": entries,
                    "load_seconds": load_seconds,
                });
                println!("{out}");
            } else {
                for l in lists.lists() {
                    println!("{}\t{}\t{} entries", l.name, l.list_type, l.entry_count());
                }
                println!("{} lists, {entries} entries, loaded in {load_seconds:.3} s", lists.len());
            }
            Ok(0)
        }
    }
}

/// Prints which lists `value` is on; whether it is on any.
fn check(lists: &WarningLists, value: &str, forced: Option<model::ObservableKind>, json: bool) -> bool {
    let kind = forced.or_else(|| model::observable::infer_kind(value));
    let canonical = kind
        .and_then(|k| model::observable::canonicalize(k, value, &model::CanonicalizeOptions::default()).ok());
    // A value that does not canonicalise as its inferred kind is read as plain text.
    let kind = if forced.is_some() || canonical.is_some() { kind } else { None };
    let canonical = canonical.map(|c| c.observable.value);
    let hits: Vec<&WarningList> = lists
        .lists()
        .filter(|l| l.contains(None, value) || canonical.as_deref().is_some_and(|c| l.contains(kind, c)))
        .collect();
    let applies = |l: &WarningList| kind.is_some_and(|k| l.applies_to(k));
    if json {
        let out = serde_json::json!({
            "value": value,
            "kind": kind.map(|k| k.as_str()),
            "canonical": canonical,
            "lists": hits.iter().map(|l| serde_json::json!({
                "name": l.name, "type": l.list_type.as_str(), "applies": applies(l),
            })).collect::<Vec<_>>(),
        });
        println!("{out}");
    } else {
        let shown = canonical.as_deref().unwrap_or(value);
        let kind_name = kind.map_or("no dragnet kind", |k| k.as_str());
        if hits.is_empty() {
            println!("{shown} ({kind_name}): on no warning list ({} lists)", lists.len());
        } else {
            println!("{shown} ({kind_name}): on {} warning list(s)", hits.len());
            for l in &hits {
                let note = if applies(l) { "" } else { "  [not for this kind: not flagged]" };
                println!("  {} ({}){note}", l.name, l.list_type);
            }
        }
    }
    !hits.is_empty()
}
