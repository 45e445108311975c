//! `dragnet import misp`: MISP event files, feed directories and feed URLs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use engine::{MispDocument, MispImported};

use crate::config::Settings;

/// Events per engine call (one stored batch each).
const BATCH_EVENTS: usize = 100;

#[derive(Args, Debug)]
pub struct MispArgs {
    /// MISP event files (`{"Event": {...}}`, a list of events or a REST search answer), feed
    /// directories (`manifest.json` and one `<uuid>.json` per event; without a manifest, every
    /// `.json` file in it) or feed URLs (`http(s)://…/` serving `manifest.json` and the events;
    /// a URL ending in `.json` is one event file).
    #[arg(required = true, value_name = "PATH|URL")]
    sources: Vec<String>,
    /// The organisation importing the events (it becomes their author).
    #[arg(long)]
    org: String,
}

/// Where one event document comes from.
enum Source {
    File(PathBuf),
    Url(String),
    /// Known bad before reading (a manifest entry that is not a uuid).
    Bad(String, String),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Url(u) => u.clone(),
            Source::Bad(name, _) => name.clone(),
        }
    }
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// The documents a feed base URL or directory lists in its manifest.
fn listed(manifest: &str, at: impl Fn(&str) -> Source, base: &str) -> anyhow::Result<Vec<Source>> {
    let entries = misp::feed::manifest_entries(manifest).map_err(|e| anyhow::anyhow!("{base}: {e}"))?;
    Ok(entries
        .into_iter()
        .map(|e| match e.uuid {
            Some(_) => at(&e.file),
            None => {
                Source::Bad(format!("{base}/manifest.json"), format!("entry {:?}: not an event uuid", e.key))
            }
        })
        .collect())
}

async fn sources_of(arg: &str, client: &reqwest::Client) -> anyhow::Result<Vec<Source>> {
    if is_url(arg) {
        if arg.ends_with(".json") && !arg.ends_with("/manifest.json") {
            return Ok(vec![Source::Url(arg.to_owned())]);
        }
        let base = arg.trim_end_matches("manifest.json").trim_end_matches('/').to_owned();
        let url = format!("{base}/manifest.json");
        let resp = client.get(&url).send().await.with_context(|| format!("cannot fetch {url}"))?;
        if !resp.status().is_success() {
            anyhow::bail!("{url}: the server answered {}", resp.status());
        }
        let text = resp.text().await.with_context(|| format!("cannot read {url}"))?;
        return listed(&text, |f| Source::Url(format!("{base}/{f}")), &base);
    }
    let path = Path::new(arg);
    if path.is_dir() {
        let manifest = path.join("manifest.json");
        if manifest.is_file() {
            let text = std::fs::read_to_string(&manifest)
                .with_context(|| format!("cannot read {}", manifest.display()))?;
            return listed(&text, |f| Source::File(path.join(f)), &path.display().to_string());
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read the directory {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        return Ok(files.into_iter().map(Source::File).collect());
    }
    if !path.exists() {
        anyhow::bail!("{arg}: no such file or directory");
    }
    Ok(vec![Source::File(path.to_owned())])
}

async fn read(source: &Source, client: &reqwest::Client) -> MispDocument {
    let text = match source {
        Source::File(p) => std::fs::read_to_string(p).map_err(|e| format!("cannot read: {e}")),
        Source::Url(u) => match client.get(u).send().await {
            Ok(resp) if resp.status().is_success() => {
                resp.text().await.map_err(|e| format!("cannot read: {e}"))
            }
            Ok(resp) => Err(format!("the server answered {}", resp.status())),
            Err(e) => Err(format!("cannot fetch: {e}")),
        },
        Source::Bad(_, why) => Err(why.clone()),
    };
    let doc = text.and_then(|t| serde_json::from_str(&t).map_err(|e| format!("invalid json: {e}")));
    MispDocument { source: source.name(), doc }
}

pub async fn run(settings: &Settings, args: MispArgs) -> anyhow::Result<i32> {
    let engine = crate::open_configured(settings).await?;
    let principal = engine.local_principal(&args.org)?;
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build()?;
    let mut sources = Vec::new();
    for arg in &args.sources {
        sources.extend(sources_of(arg, &client).await?);
    }
    let bar = indicatif::ProgressBar::new(sources.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} events {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let mut total = MispImported::default();
    let mut reports = 0usize;
    for chunk in sources.chunks(BATCH_EVENTS) {
        let mut docs = Vec::with_capacity(chunk.len());
        for s in chunk {
            docs.push(read(s, &client).await);
        }
        let out = engine.import_misp(&principal, docs).await?;
        for line in out.failed.iter().chain(&out.skipped) {
            bar.suspend(|| eprintln!("{line}"));
        }
        total.events += out.events;
        total.existing += out.existing;
        total.observables += out.observables;
        total.kept += out.kept;
        total.sightings += out.sightings;
        total.failed.extend(out.failed);
        total.skipped.extend(out.skipped);
        reports += out.reports.len();
        bar.inc(chunk.len() as u64);
        bar.set_message(format!("{reports} reports, {} failed", total.failed.len()));
    }
    bar.finish_and_clear();
    println!(
        "imported {} MISP events: {reports} reports made, {} already there, {} observables, {} values kept as received, {} sightings, {} failed, {} items skipped, in {:.1} s",
        total.events,
        total.existing,
        total.observables,
        total.kept,
        total.sightings,
        total.failed.len(),
        total.skipped.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(if total.failed.is_empty() { 0 } else { 1 })
}
