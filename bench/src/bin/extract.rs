//! Extraction benchmark: dragnet's extractor (`crates/extract`) side by side with two Python
//! anchors, iocsearcher and iocextract (run by `bench/extract_anchors.py`; the whole
//! comparison is `bench/extract`).
//!
//! Subcommands:
//!
//! - `extract throughput FILE [--rounds N]`: single-threaded, one `Extractor` built once,
//!   best-of-N and median MB/s (10^6 bytes per second) over the whole file in one call.
//! - `extract score CORPUS_DIR`: per-kind tp/fp/fn of dragnet on the labelled corpus (each
//!   narrative read with its own region as the default region), as `Score` serialises.
//! - `extract canon`: JSON Lines `{"kind": "…"|null, "value": "…", "region": "…"|null}` on
//!   stdin, one line per input on stdout: the canonical `{"kind", "value"}`, or `null` when the
//!   value is not a valid observable (kind `null`: inferred with `infer_kind`). Puts the
//!   anchors' raw output into dragnet's canonical form, so formatting is never counted as an
//!   error.
//! - `extract corpus-text CORPUS_DIR OUT [--mb N]`: the benchmark text, every corpus narrative
//!   repeated (separated by blank lines) until the file has at least N MB (default 8).

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use bench::arg;
use extract::score::{Sample, Score, parse_corpus};
use extract::{ExtractOptions, Extractor, WarningLists};
use model::ObservableKind;
use model::observable::{CanonicalizeOptions, canonicalize, infer_kind};
use serde_json::{Value, json};

/// The allocator of the `dragnet` binary (mimalloc), so the figures are the product's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: extract throughput FILE [--rounds N] | score CORPUS_DIR | canon \
                     | corpus-text CORPUS_DIR OUT [--mb N]";

fn main() -> anyhow::Result<()> {
    let positional = positional_args();
    let Some(command) = positional.first() else { bail!(USAGE) };
    match (command.as_str(), &positional[1..]) {
        ("throughput", [file]) => throughput(Path::new(file), arg("rounds", 5)),
        ("score", [dir]) => score(Path::new(dir)),
        ("canon", []) => canon(),
        ("corpus-text", [dir, out]) => corpus_text(Path::new(dir), Path::new(out), arg("mb", 8.0)),
        _ => bail!(USAGE),
    }
}

/// The command-line arguments that are neither `--name` nor the value after one.
fn positional_args() -> Vec<String> {
    let mut out = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a.starts_with("--") {
            args.next();
        } else {
            out.push(a);
        }
    }
    out
}

/// An extractor as the product builds it: the built-in warning lists, `region` as the default
/// region for national phone numbers.
fn extractor(region: Option<String>) -> Extractor {
    Extractor::new(ExtractOptions { default_region: region }, WarningLists::builtin())
}

/// Every narrative of every `*.jsonl` file in `dir`, files in name order.
fn load_corpus(dir: &Path) -> anyhow::Result<Vec<Sample>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|x| x == "jsonl"));
    files.sort();
    let mut samples = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        samples.extend(parse_corpus(&text).with_context(|| f.display().to_string())?);
    }
    anyhow::ensure!(!samples.is_empty(), "no narratives in {}/*.jsonl", dir.display());
    Ok(samples)
}

fn throughput(file: &Path, rounds: usize) -> anyhow::Result<()> {
    anyhow::ensure!(rounds > 0, "--rounds must be at least 1");
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let ex = extractor(Some("US".into()));
    // Tables built on first use (phone metadata) are built now, as a server does at start.
    model::observable::warm_up();
    let _ = ex.extract("call +1 (844) 390-5364 or write to help@secure-refund-help.com");
    let mut secs = Vec::with_capacity(rounds);
    let mut findings = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let found = std::hint::black_box(ex.extract(std::hint::black_box(&text)));
        secs.push(started.elapsed().as_secs_f64());
        findings = found.len();
    }
    secs.sort_by(f64::total_cmp);
    let mb = text.len() as f64 / 1e6;
    let best = secs[0];
    let median = secs[secs.len() / 2];
    let out = json!({
        "tool": "dragnet",
        "bytes": text.len(),
        "rounds": rounds,
        "findings": findings,
        "best_secs": best,
        "best_mb_s": mb / best,
        "median_mb_s": mb / median,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn score(dir: &Path) -> anyhow::Result<()> {
    let samples = load_corpus(dir)?;
    let mut extractors: HashMap<Option<String>, Extractor> = HashMap::new();
    let mut score = Score::default();
    for sample in &samples {
        let ex = extractors.entry(sample.region.clone()).or_insert_with(|| extractor(sample.region.clone()));
        let found = ex.extract(&sample.text);
        score.add(sample, found.iter().map(|f| (f.kind, f.value.as_str())));
    }
    eprint!("{}", score.table());
    let mut out = serde_json::to_value(&score)?;
    out["samples"] = json!(samples.len());
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn canon() -> anyhow::Result<()> {
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in stdin.lines() {
        let answer = canon_line(&line?).unwrap_or(Value::Null);
        serde_json::to_writer(&mut out, &answer)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// The canonical `{"kind", "value"}` of one request line, or `None`.
fn canon_line(line: &str) -> Option<Value> {
    let request: Value = serde_json::from_str(line).ok()?;
    let value = request.get("value")?.as_str()?;
    let kind: ObservableKind = match request.get("kind") {
        Some(Value::String(k)) => k.parse().ok()?,
        None | Some(Value::Null) => infer_kind(value)?,
        Some(_) => return None,
    };
    let region = request.get("region").and_then(Value::as_str).map(str::to_owned);
    let c = canonicalize(kind, value, &CanonicalizeOptions { default_region: region }).ok()?;
    Some(json!({"kind": c.observable.kind, "value": c.observable.value}))
}

fn corpus_text(dir: &Path, out: &Path, mb: f64) -> anyhow::Result<()> {
    let samples = load_corpus(dir)?;
    let target = (mb * 1e6) as usize;
    let mut text = String::with_capacity(target + 64 * 1024);
    while text.len() < target {
        for s in &samples {
            text.push_str(&s.text);
            text.push_str("\n\n");
        }
    }
    std::fs::write(out, &text).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("{}: {} bytes, {} narratives repeated", out.display(), text.len(), samples.len());
    Ok(())
}
