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
    let (mut loaded, mut failed) = (0, 0);
    for file in files {
        let parsed = std::fs::read_to_string(&file)
            .map_err(anyhow::Error::from)
            .and_then(|text| WarningList::from_json(&text).map_err(anyhow::Error::from));
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
