//! `dragnet demo`: a fresh data directory with a realistic dataset, then the server.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use model::Role;

use crate::config::{DEFAULT_DEMO_DIR, Settings};

/// File marking a directory as created by `dragnet demo` (so it may be recreated).
const MARKER: &str = ".dragnet-demo";
/// Tokens of the demo organisations, tab-separated: organisation, role, token.
pub const TOKENS_FILE: &str = "demo-tokens.tsv";

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Seed of the generator: the same seed gives the same dataset.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of reports to generate.
    #[arg(long, default_value_t = 12_000)]
    reports: usize,
    /// Create the data directory and exit without serving.
    #[arg(long)]
    no_serve: bool,
}

fn fresh_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if !empty && !dir.join(MARKER).exists() {
            bail!(
                "refusing to overwrite {}: it is not a directory made by `dragnet demo` (choose another --data)",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join(MARKER), "created by `dragnet demo`; recreated by every run\n")?;
    Ok(())
}

pub async fn run(settings: &Settings, args: DemoArgs) -> anyhow::Result<()> {
    let dir = settings.data_dir(DEFAULT_DEMO_DIR);
    fresh_dir(&dir)?;
    let started = std::time::Instant::now();
    let dataset =
        demo::generate(&demo::DemoConfig { seed: args.seed, reports: args.reports, ..Default::default() });
    // The hotline's public scam-report form is on unless the settings name others.
    let mut settings = settings.clone();
    let hotline = dataset.orgs.iter().find(|o| o.name.contains("Hotline")).map(|o| o.name.clone());
    if settings.public_intake.is_none() {
        settings.public_intake = hotline.clone().map(|h| vec![h]);
    }
    let settings = &settings;
    let engine = crate::open_engine(&dir, settings).await?;

    for o in &dataset.orgs {
        engine.create_org(None, &o.name, o.operator).await?;
    }
    for c in &dataset.communities {
        engine.create_community(None, &c.name, &c.members).await?;
    }
    let mut tokens = Vec::new();
    for o in &dataset.orgs {
        let role = if o.operator { Role::Admin } else { Role::Analyst };
        let t = engine.create_token(None, &o.name, role, "demo", None).await?;
        tokens.push((o.name.clone(), role, t.token));
    }
    let mut file = std::fs::File::create(dir.join(TOKENS_FILE))?;
    for (org, role, token) in &tokens {
        writeln!(file, "{org}\t{role}\t{token}")?;
    }

    let principals: HashMap<&str, engine::Principal> = dataset
        .orgs
        .iter()
        .map(|o| Ok((o.name.as_str(), engine.local_principal(&o.name)?)))
        .collect::<anyhow::Result<_>>()?;
    let bar = ProgressBar::new(dataset.reports.len() as u64).with_style(
        ProgressStyle::with_template("loading reports {wide_bar} {pos}/{len} ({per_sec})")
            .expect("valid template"),
    );
    let (mut accepted, mut rejected) = (0, 0);
    for chunk in dataset.reports.chunks(2_000) {
        let records = chunk.iter().map(|r| (&principals[r.author.as_str()], Ok(r.input.clone()))).collect();
        let outcome = engine.import(records).await?;
        accepted += outcome.accepted.len();
        rejected += outcome.rejected.len();
        if let Some(r) = outcome.rejected.first() {
            tracing::warn!(index = r.index, reason = %r.error.message, "demo report rejected");
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let mut hash_entries = 0;
    for set in &dataset.hash_sets {
        let owner = &principals[set.owner.as_str()];
        let input = engine::HashSetInput {
            name: set.name.clone(),
            category: set.category,
            source: set.source.clone(),
            description: set.description.clone(),
            tlp: set.tlp.clone(),
            audience: model::AudienceInput { organizations: set.audience.clone(), communities: vec![] },
        };
        let created = engine.create_hash_set(owner, input).await?;
        hash_entries += engine.add_hash_entries(owner, created.id, set.entries.clone()).await?.added;
    }
    let (reports, values, occurrences) = engine.index_sizes();
    let (nodes, edges, bytes) = engine.graph_sizes();
    eprintln!(
        "demo data in {}: {} organisations, {} communities, {reports} reports ({rejected} rejected), {values} distinct observables, {occurrences} occurrences, {} planted networks, link graph of {nodes} nodes and {edges} edges ({:.1} MB), {} hash sets ({hash_entries} entries) — {:.1} s",
        dir.display(),
        dataset.orgs.len(),
        dataset.communities.len(),
        dataset.networks.len(),
        bytes as f64 / 1e6,
        dataset.hash_sets.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = accepted;
    if args.no_serve {
        print_tokens(&tokens, None, &dir);
        return Ok(());
    }
    let forms: Vec<String> = settings.public_intake.clone().unwrap_or_default();
    crate::serve::serve_engine(engine, settings, |addr| {
        let scheme = if settings.tls_cert.is_some() { "https" } else { "http" };
        let base = format!("{scheme}://{addr}");
        print_tokens(&tokens, Some(&base), &dir);
        for f in &forms {
            println!("public scam-report form of {f}: {base}/intake/{}", engine::intake_slug(f));
        }
    })
    .await
}

/// Where the demo serves and its tokens; `addr` is the base URL (`http://127.0.0.1:8080`).
fn print_tokens(tokens: &[(String, Role, String)], addr: Option<&str>, dir: &Path) {
    if let Some(addr) = addr {
        println!("dragnet demo is serving on {addr}");
        println!("  web interface: {addr}/ (sign in with a token below)");
        println!("  API: {addr}/api/v1  ·  OpenAPI: {addr}/api/v1/openapi.json");
    }
    println!("one token per organisation (also in {}):", dir.join(TOKENS_FILE).display());
    for (org, role, token) in tokens {
        println!("  {org:<45} {:<8} {token}", role.as_str());
    }
    let _ = std::io::stdout().flush();
}
