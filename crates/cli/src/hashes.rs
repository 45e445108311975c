//! `dragnet hash` (PDQ hashes of image files, as the reference tool prints them) and
//! `dragnet match` (hashes or images against the hash lists, on a server or the data directory).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::Args;
use engine::{HashQueryInput, HashSetInput, ImportFormat, MATCH_MAX_HASHES, MatchOutcome, MatchRequest};
use indicatif::{ProgressBar, ProgressStyle};
use model::hashlist::{HashCategory, HashKind, parse_entries_csv, parse_entries_jsonl};
use model::report::AudienceInput;
use rayon::prelude::*;

use crate::config::Settings;

#[derive(Args, Debug)]
pub struct HashArgs {
    /// Image files (JPEG, PNG, GIF, WebP, BMP); each line printed is `hash,quality,file`
    #[arg(value_name = "IMAGE", required = true)]
    files: Vec<PathBuf>,

    /// Print the eight hashes of each image's rotations and mirror images, one line each:
    /// `hash,quality,file,transform` (original, rot90, rot180, rot270, flipx, flipy,
    /// flip_plus1, flip_minus1)
    #[arg(long)]
    dihedral: bool,

    /// Hash as the C++ `pdq-photo-hasher` does: images larger than 512×512 are first resized to
    /// 512×512 (the default hashes at full resolution, like the Python and Java references)
    #[arg(long)]
    cli512: bool,

    /// Refuse images with more pixels than this (a guard against decompression bombs)
    #[arg(long, value_name = "PIXELS", default_value_t = pdq::DecodeOptions::DEFAULT_MAX_PIXELS)]
    max_pixels: u64,
}

const TRANSFORMS: [&str; 8] =
    ["original", "rot90", "rot180", "rot270", "flipx", "flipy", "flip_plus1", "flip_minus1"];

fn progress(n: usize, what: &str) -> ProgressBar {
    if n < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(n as u64);
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{{bar:40}} {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left)"
    )) {
        bar.set_style(style);
    }
    bar
}

fn hash_file(path: &Path, opts: &pdq::DecodeOptions) -> anyhow::Result<pdq::Dihedral> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    pdq::hash_image_dihedral(&bytes, opts).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Hashes the files in parallel, in the order given; a file that cannot be hashed is an error
/// of its own.
fn hash_files(files: &[PathBuf], opts: &pdq::DecodeOptions) -> Vec<anyhow::Result<pdq::Dihedral>> {
    let bar = progress(files.len(), "images");
    let out = files
        .par_iter()
        .map(|f| {
            let r = hash_file(f, opts);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    out
}

pub fn hash(args: HashArgs) -> anyhow::Result<i32> {
    let opts = pdq::DecodeOptions { max_pixels: args.max_pixels, cli512: args.cli512 };
    let results = hash_files(&args.files, &opts);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = 0;
    for (file, r) in args.files.iter().zip(results) {
        match r {
            Ok(d) if args.dihedral => {
                for (h, t) in d.hashes().iter().zip(TRANSFORMS) {
                    writeln!(out, "{},{},{},{t}", h.to_hex(), d.quality, file.display())?;
                }
            }
            Ok(d) => writeln!(out, "{},{},{}", d.original.to_hex(), d.quality, file.display())?,
            Err(e) => {
                out.flush()?;
                eprintln!("error: {e:#}");
                failed += 1;
            }
        }
    }
    out.flush()?;
    if failed > 0 {
        eprintln!("{failed} of {} file(s) could not be hashed", args.files.len());
        return Ok(1);
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct MatchArgs {
    /// Hashes to match: CSV (`hash,quality,label` as `dragnet hash` and the reference tool print
    /// them, or with a header naming `hash` and optionally `kind`, `quality`, `label`) or JSON
    /// Lines (`{"kind","value","quality"}`); `-` reads standard input
    #[arg(long, value_name = "FILE", required_unless_present = "images")]
    hashes: Option<PathBuf>,

    /// Images to match: hashed here (PDQ with rotations and mirror images), only the hashes are
    /// sent or looked up; the images never leave this machine
    #[arg(value_name = "IMAGE")]
    images: Vec<PathBuf>,

    /// Largest PDQ distance that matches (0 to 63)
    #[arg(long, default_value_t = engine::MATCH_RADIUS_DEFAULT)]
    radius: u32,

    /// With the data directory: the organisation whose view to use
    #[arg(long)]
    org: Option<String>,

    /// Print the JSON answers, one per line
    #[arg(long)]
    json: bool,
}

/// A query and the name printed for it.
struct Query {
    input: HashQueryInput,
    name: String,
}

fn read_hash_file(path: &Path) -> anyhow::Result<Vec<Query>> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let jsonl = text.trim_start().starts_with('{');
    let (entries, errors) =
        if jsonl { parse_entries_jsonl(&text) } else { parse_entries_csv(&text, HashKind::Pdq) };
    for e in &errors {
        eprintln!("{}:{}: skipped: {}", path.display(), e.line, e.error);
    }
    if entries.is_empty() && !errors.is_empty() {
        bail!("no hash could be read from {}", path.display());
    }
    Ok(entries
        .into_iter()
        .map(|e| Query {
            name: e.label.clone().unwrap_or_else(|| e.value.clone()),
            input: HashQueryInput { kind: Some(e.kind), value: e.value, quality: e.quality },
        })
        .collect())
}

pub async fn run_match(settings: &Settings, args: MatchArgs) -> anyhow::Result<i32> {
    let mut queries = Vec::new();
    if let Some(path) = &args.hashes {
        queries.extend(read_hash_file(path)?);
    }
    let opts = pdq::DecodeOptions::default();
    let mut failed = 0;
    for (file, r) in args.images.iter().zip(hash_files(&args.images, &opts)) {
        match r {
            Ok(d) => {
                for (h, t) in d.hashes().iter().zip(TRANSFORMS) {
                    let name = if t == "original" {
                        file.display().to_string()
                    } else {
                        format!("{} ({t})", file.display())
                    };
                    let input = HashQueryInput {
                        kind: Some(HashKind::Pdq),
                        value: h.to_hex(),
                        quality: Some(d.quality),
                    };
                    queries.push(Query { input, name });
                }
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                failed += 1;
            }
        }
    }
    let remote = crate::query::client(settings)?;
    let local = match (&remote, &args.org) {
        (Some(_), _) => None,
        (None, Some(org)) => {
            let engine = crate::open_configured(settings).await?;
            let who = engine.local_principal(org)?;
            Some((engine, who))
        }
        (None, None) => bail!("give --org NAME (whose view) or --server URL"),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut matched, mut refused) = (0usize, 0usize);
    for chunk in queries.chunks(MATCH_MAX_HASHES) {
        let request = MatchRequest {
            hashes: chunk.iter().map(|q| q.input.clone()).collect(),
            radius: Some(args.radius),
        };
        let answer: MatchOutcome = match (&remote, &local) {
            (Some((http, url, token)), _) => {
                let mut url = url.clone();
                url.path_segments_mut()
                    .map_err(|()| anyhow!("invalid server url"))?
                    .pop_if_empty()
                    .extend(["api", "v1", "hashes", "match"]);
                let resp = http
                    .post(url)
                    .bearer_auth(token)
                    .json(&request)
                    .send()
                    .await
                    .context("cannot reach the server")?;
                crate::query::answer(resp).await?
            }
            (None, Some((engine, who))) => engine.match_hashes(who, request).await?,
            (None, None) => unreachable!("checked above"),
        };
        if args.json {
            serde_json::to_writer(&mut out, &answer)?;
            writeln!(out)?;
        }
        for q in &answer.queries {
            if let Some(e) = &q.error {
                refused += 1;
                eprintln!("{}: {}", chunk[q.index].name, e.message);
            }
        }
        matched += answer.matches.len();
        if !args.json {
            for m in &answer.matches {
                writeln!(
                    out,
                    "{}\t{}\t{} ({}, {}, {})\t{}\t{}",
                    chunk[m.query].name,
                    m.distance,
                    m.set.name,
                    m.set.owner,
                    m.set.category.as_str(),
                    m.set.tlp.as_str(),
                    m.entry.value,
                    m.entry.label.as_deref().unwrap_or("-"),
                )?;
            }
        }
    }
    out.flush()?;
    eprintln!(
        "{} hash(es) matched against the visible hash sets: {matched} match(es){}",
        queries.len(),
        if refused > 0 { format!(", {refused} not matched (see above)") } else { String::new() }
    );
    Ok(if failed > 0 { 1 } else { 0 })
}

#[derive(clap::Subcommand, Debug)]
pub enum HashSetCommand {
    /// Create a hash set owned by an organisation, shared like a report.
    Create {
        /// Unique among the organisation's sets.
        name: String,
        /// The owner organisation.
        #[arg(long)]
        org: String,
        /// csam, ncii, terrorism or other.
        #[arg(long)]
        category: HashCategory,
        /// CLEAR, GREEN, AMBER, AMBER+STRICT or RED.
        #[arg(long)]
        tlp: String,
        /// Where the hashes come from.
        #[arg(long, default_value = "")]
        source: String,
        #[arg(long, default_value = "")]
        description: String,
        /// An organisation the set is shared with (repeat for several).
        #[arg(long = "share-org", value_name = "ORG")]
        share_orgs: Vec<String>,
        /// A community the set is shared with (AMBER; repeat for several).
        #[arg(long = "share-community", value_name = "COMMUNITY")]
        share_communities: Vec<String>,
    },
    /// Add entries from a CSV (`hash,quality,label`, or with a header) or JSON Lines file.
    ///
    /// Bad lines are reported and the rest is kept; values already in the set are skipped.
    Import {
        /// The set's name (or id).
        set: String,
        /// The file; `-` reads standard input.
        file: PathBuf,
        /// The owner organisation.
        #[arg(long)]
        org: String,
        /// Kind of CSV rows without a `kind` column: pdq, md5 or sha256.
        #[arg(long, default_value = "pdq")]
        kind: HashKind,
    },
    /// List the sets an organisation may see, with their entry counts.
    List {
        #[arg(long)]
        org: String,
    },
}

pub async fn admin(engine: &engine::Engine, cmd: HashSetCommand) -> anyhow::Result<()> {
    match cmd {
        HashSetCommand::Create {
            name,
            org,
            category,
            tlp,
            source,
            description,
            share_orgs,
            share_communities,
        } => {
            let who = engine.local_principal(&org)?;
            let input = HashSetInput {
                name,
                category,
                source,
                description,
                tlp,
                audience: AudienceInput { organizations: share_orgs, communities: share_communities },
            };
            let set = engine.create_hash_set(&who, input).await?;
            println!("created hash set {:?} ({}) of {:?}", set.name, set.id, set.owner);
        }
        HashSetCommand::Import { set, file, org, kind } => {
            let who = engine.local_principal(&org)?;
            let id = engine
                .list_hash_sets(&who.viewer)
                .into_iter()
                .find(|s| s.id.to_string() == set || (s.name == set && s.owner == who.org_name))
                .map(|s| s.id)
                .ok_or_else(|| anyhow!("{org:?} has no hash set {set:?}"))?;
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
            } else {
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?
            };
            let format = if text.trim_start().starts_with('{') {
                ImportFormat::JsonLines
            } else {
                ImportFormat::Csv { default: kind }
            };
            let out = engine.import_hash_entries(&who, id, format, &text).await?;
            for e in &out.rejected {
                eprintln!("{}:{}: skipped: {}", file.display(), e.line, e.error);
            }
            println!(
                "{} added, {} already in the set, {} reinstated, {} line(s) rejected",
                out.added,
                out.duplicates,
                out.reinstated,
                out.rejected.len()
            );
        }
        HashSetCommand::List { org } => {
            let who = engine.local_principal(&org)?;
            for s in engine.list_hash_sets(&who.viewer) {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{} entries\t{} withdrawn",
                    s.id,
                    s.name,
                    s.owner,
                    s.category.as_str(),
                    s.tlp.as_str(),
                    s.entries,
                    s.withdrawn
                );
            }
        }
    }
    Ok(())
}
