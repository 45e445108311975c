//! `dragnet ingest`: bulk load of JSON Lines reports into the data directory.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use model::ReportInput;

use crate::config::Settings;

/// Lines per stored batch (one transaction each).
const BATCH_LINES: usize = 2_000;
/// Rejections printed in full; the rest are counted.
const SHOWN_REJECTIONS: usize = 50;

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// The organisation that authors the reports.
    #[arg(long)]
    org: String,
    /// JSON Lines file, one report per line (`-` for standard input).
    file: PathBuf,
    /// Make every report discoverable (hit/no-hit) unless its line says `"discoverable"`
    /// itself. TLP:RED reports are never discoverable and are left as they are.
    #[arg(long)]
    discoverable: bool,
}

/// A file to read (or standard input for `-`), buffered, with its length when known.
pub(crate) fn open_input(path: &std::path::Path) -> anyhow::Result<(Box<dyn BufRead>, Option<u64>)> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(BufReader::new(std::io::stdin())), None));
    }
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = f.metadata().ok().map(|m| m.len());
    Ok((Box::new(BufReader::with_capacity(1 << 20, f)), len))
}

/// A progress bar over the bytes of an input (a spinner when its length is unknown).
pub(crate) fn bytes_bar(len: Option<u64>) -> ProgressBar {
    match len {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({eta}) {msg}",
            )
            .expect("valid template"),
        ),
        None => ProgressBar::new_spinner(),
    }
}

/// A report marked discoverable, unless it says otherwise or is TLP:RED.
fn discoverable(mut r: ReportInput) -> ReportInput {
    let red = model::Tlp::parse(&r.tlp).is_ok_and(|t| !model::discovery::may_be_discoverable(t));
    if !red {
        r.discoverable.get_or_insert(true);
    }
    r
}

pub async fn run(settings: &Settings, args: IngestArgs) -> anyhow::Result<i32> {
    let engine = crate::open_configured(settings).await?;
    let author = engine.local_principal(&args.org)?;
    let (reader, len) = open_input(&args.file)?;
    let bar = bytes_bar(len);
    let started = std::time::Instant::now();
    let (mut accepted, mut rejected) = (0usize, 0usize);
    let mut shown = Vec::new();
    let mut batch: Vec<Result<ReportInput, String>> = Vec::with_capacity(BATCH_LINES);
    let mut batch_lines: Vec<usize> = Vec::with_capacity(BATCH_LINES);
    let mut lines = reader.lines();
    let mut line_no = 0usize;
    loop {
        let line = lines.next().transpose().context("cannot read the input")?;
        if let Some(line) = &line {
            line_no += 1;
            bar.inc(line.len() as u64 + 1);
            if !line.trim().is_empty() {
                batch.push(
                    serde_json::from_str::<ReportInput>(line)
                        .map(|r| if args.discoverable { discoverable(r) } else { r })
                        .map_err(|e| format!("invalid report json: {e}")),
                );
                batch_lines.push(line_no);
            }
        }
        if batch.len() >= BATCH_LINES || (line.is_none() && !batch.is_empty()) {
            let outcome = engine.submit_batch(&author, std::mem::take(&mut batch)).await?;
            accepted += outcome.accepted.len();
            rejected += outcome.rejected.len();
            for r in outcome.rejected {
                if shown.len() < SHOWN_REJECTIONS {
                    shown.push(format!(
                        "line {}: {} ({})",
                        batch_lines[r.index], r.error.message, r.error.code
                    ));
                }
            }
            batch_lines.clear();
            bar.set_message(format!("{accepted} accepted, {rejected} rejected"));
        }
        if line.is_none() {
            break;
        }
    }
    bar.finish_and_clear();
    for s in &shown {
        eprintln!("rejected {s}");
    }
    if rejected > shown.len() {
        eprintln!("… and {} more rejected lines", rejected - shown.len());
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "ingested {}: {accepted} accepted, {rejected} rejected in {secs:.2} s ({:.0} reports/s)",
        args.file.display(),
        accepted as f64 / secs.max(1e-9)
    );
    Ok(if rejected == 0 { 0 } else { 1 })
}
