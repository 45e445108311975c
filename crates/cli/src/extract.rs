//! `dragnet extract`: indicators in a text file, as a table or JSON Lines.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use extract::{ExtractOptions, Extractor, Finding};
use model::ObservableKind;

use crate::config::Settings;

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// Text file to read; `-` or nothing reads standard input
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,

    /// Print one JSON object per finding (kind, value, start, end, raw, defanged, flags,
    /// warninglists) instead of a table; offsets are bytes of the text
    #[arg(long)]
    json: bool,

    /// Only these kinds (repeat or comma-separate), e.g. `--kind phone,url`
    #[arg(long, value_delimiter = ',', value_name = "KIND")]
    kind: Vec<ObservableKind>,
}

pub fn run(settings: &Settings, args: ExtractArgs) -> anyhow::Result<i32> {
    let mut bytes = Vec::new();
    match args.file.as_deref() {
        None => std::io::stdin().read_to_end(&mut bytes).context("cannot read standard input")?,
        Some(p) if p.as_os_str() == "-" => {
            std::io::stdin().read_to_end(&mut bytes).context("cannot read standard input")?
        }
        Some(p) => {
            bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            bytes.len()
        }
    };
    let text = String::from_utf8(bytes).unwrap_or_else(|e| {
        tracing::warn!("the input is not valid UTF-8; invalid bytes are read as U+FFFD");
        String::from_utf8_lossy(e.as_bytes()).into_owned()
    });
    let lists = crate::warninglists::load(settings.warninglists.as_deref())?;
    let extractor = Extractor::new(ExtractOptions { default_region: settings.default_region.clone() }, lists);
    let findings: Vec<Finding> = extractor
        .extract(&text)
        .into_iter()
        .filter(|f| args.kind.is_empty() || args.kind.contains(&f.kind))
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        for f in &findings {
            serde_json::to_writer(&mut out, f)?;
            out.write_all(b"\n")?;
        }
    } else {
        write_table(&mut out, &findings)?;
    }
    out.flush()?;
    Ok(0)
}

fn write_table(out: &mut impl Write, findings: &[Finding]) -> std::io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "no indicators found");
    }
    let kind_w = findings.iter().map(|f| f.kind.as_str().len()).max().unwrap_or(4).max(4);
    let value_w = findings.iter().map(|f| f.value.chars().count()).max().unwrap_or(5).clamp(5, 70);
    writeln!(
        out,
        "{:>8}  {:<kind_w$}  {:<value_w$}  {:<8}  written / lists",
        "offset", "kind", "value", "defanged"
    )?;
    for f in findings {
        let mut notes = Vec::new();
        if f.raw != f.value {
            notes.push(format!("{:?}", one_line(&f.raw)));
        }
        if !f.warninglists.is_empty() {
            notes.push(format!("on: {}", f.warninglists.join("; ")));
        }
        writeln!(
            out,
            "{:>8}  {:<kind_w$}  {:<value_w$}  {:<8}  {}",
            f.start,
            f.kind.as_str(),
            f.value,
            if f.defanged { "yes" } else { "" },
            notes.join("  ")
        )?;
    }
    let defanged = findings.iter().filter(|f| f.defanged).count();
    let listed = findings.iter().filter(|f| !f.warninglists.is_empty()).count();
    writeln!(out, "{} findings, {defanged} defanged, {listed} on a warning list", findings.len())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
