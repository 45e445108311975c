//! `dragnet`: the cybercrime intelligence exchange in one binary.

mod access;
mod admin;
mod audit;
mod config;
mod demo;
mod export;
mod extract;
mod graph;
mod hashes;
mod import;
mod import_misp;
mod import_stix;
mod ingest;
mod peer;
mod query;
mod serve;
mod tail;
mod warninglists;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use engine::Engine;

use crate::config::Settings;

/// mimalloc: ingest and bulk checks allocate many small values from several threads.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// dragnet — a self-hosted cybercrime intelligence exchange.
///
/// Police cyber units, agencies, banks, CSIRTs, platforms and victim hotlines share reports
/// under TLP 2.0, and every phone number, domain, URL, e-mail, IP, wallet, IBAN, handle and hash
/// in them is canonicalised and correlated across organisations, each organisation seeing only
/// what it may see.
///
/// Quick start: `dragnet demo` creates a demo dataset and serves it on http://127.0.0.1:8080.
///
/// Settings come from `dragnet.toml` in the current directory (or `--config FILE`), then
/// `DRAGNET_*` environment variables, then flags: later wins.
#[derive(Parser, Debug)]
#[command(name = "dragnet", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    /// Configuration file (TOML, keys as the long flags in snake_case) [default: ./dragnet.toml if present]
    #[arg(long, global = true, env = "DRAGNET_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(flatten)]
    settings: Settings,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the REST API on the embedded store (or a shared database).
    ///
    /// Example: `dragnet serve --data /var/lib/dragnet --listen 0.0.0.0:8080`
    ///
    /// Several nodes on one PostgreSQL database share their events through NATS JetStream:
    /// `dragnet serve --database postgres://... --nats nats://HOST:4222 --node-name node-1`
    /// (see docs/deployment.md).
    Serve(serve::ServeArgs),
    /// Create a fresh data directory with a realistic multi-organisation dataset and serve it.
    ///
    /// Seven organisations (police, an international agency, two banks, a CSIRT, a platform and
    /// an elder-fraud hotline), three communities and 12,000 reports with planted criminal
    /// networks sharing phones, domains, wallets and IBANs. Prints one token per organisation.
    Demo(demo::DemoArgs),
    /// Manage organisations, communities and tokens in the data directory.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// The hash-chained audit log: `audit verify` walks the chain and names the first broken
    /// link (exit status 1), `audit list [--org NAME] [--action ACTION] [--limit N]`.
    ///
    /// Example: `dragnet audit verify --data /var/lib/dragnet`
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Bulk-load reports from a JSON Lines file (one report per line) as an organisation.
    ///
    /// Each line is a report as accepted by `POST /api/v1/reports`:
    /// {"kind":"scam","title":"...","tlp":"GREEN","observables":[{"kind":"phone","value":"+1 888 839 1214","role":"scammer-phone"}]}
    /// Bad lines are reported with their line number and reason; good lines are kept.
    /// Exit status 0 when every line was accepted, 1 when some were rejected.
    Ingest(ingest::IngestArgs),
    /// Look one observable up: canonical form, STIX id and visible occurrences.
    ///
    /// Against `--server URL --token T`, or the data directory as `--org NAME`.
    /// Example: `dragnet lookup phone "+1 (888) 839-1214" --server http://127.0.0.1:8080 --token dn_...`
    Lookup(query::LookupArgs),
    /// Check many selectors at once (one per line: `VALUE` or `KIND<TAB>VALUE`).
    ///
    /// Prints one line per selector: index, kind, canonical value, visible report count, and
    /// `held-elsewhere` when a discoverable report you may not read holds it too.
    Check(query::CheckArgs),
    /// Hit/no-hit access requests: `request KIND VALUE` for a selector held elsewhere, `list`
    /// (addressed to you, or `--outgoing`), `grant ID`, `decline ID`.
    ///
    /// Against `--server URL --token T`, or the data directory as `--org NAME`.
    #[command(subcommand, name = "access-requests")]
    AccessRequests(access::AccessCommand),
    /// Extract indicators from free text: defanged, obfuscated, validated, canonicalised.
    ///
    /// Reads FILE (or standard input with `-` or no FILE) and prints every phone number,
    /// domain, URL, e-mail, IP, wallet, IBAN, hash, Telegram handle and remote-access id in it,
    /// as written and canonicalised, with whether it was defanged (`hxxps://evil[.]com`) and the
    /// warning lists it is on. Needs no data directory or server.
    ///
    /// Example: `dragnet extract report.txt --default-region GB --json`
    Extract(extract::ExtractArgs),
    /// Compute PDQ hashes of image files, printed `hash,quality,file` as the reference tool does.
    ///
    /// Images are decoded and hashed in memory. Example: `dragnet hash photos/*.jpg > hashes.csv`
    Hash(hashes::HashArgs),
    /// Import from other formats: `import scams FILE.csv`, `import stix FILE.json…` (STIX
    /// bundles into TAXII collections), `import medallion FILE.json` (a medallion server's data),
    /// `import misp PATH|URL…` (MISP events and feeds).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Match hashes or images against the hash lists you may see.
    ///
    /// Against a server (`--server URL --token T`) or the data directory (`--org NAME`). Images
    /// given are hashed here and only their hashes are used. Prints one line per match:
    /// `query, distance, set (owner, category, TLP), entry hash, entry label`.
    ///
    /// Example: `dragnet hash new/*.jpg > new.csv && dragnet match --hashes new.csv --server https://dragnet.example --token dn_…`
    Match(hashes::MatchArgs),
    /// Link analysis: paths between selectors, networks, neighbourhoods, exports.
    ///
    /// Works on the reports you may see, against a server (`--server URL --token T`) or the
    /// data directory (`--org NAME`). Nodes are written `report:<uuid>`, `<kind>:<value>`
    /// (`phone:+447400123456`) or as a raw selector whose kind is inferred; values are
    /// canonicalised. Hubs (warning-listed, operator-marked, or values bridging otherwise
    /// unrelated groups) are shown with their degree but not traversed unless
    /// `--traverse-hubs`. Exports: `--format graphml|gexf|csv [-o FILE]` (Gephi, yEd, NetworkX).
    #[command(subcommand)]
    Graph(graph::GraphCommand),
    /// Follow a server's events as they are committed (`GET /api/v1/stream`): one line each.
    ///
    /// Only what your organisation may see. Filters: `--type`, `--kind`, `--label`. After a
    /// disconnection it reconnects and resumes after the last event printed (no loss, no
    /// duplicates); `--after ID` starts after an event id, `--after 0` from the first event.
    ///
    /// Example: `dragnet tail --server http://127.0.0.1:8080 --token dn_… --type report.created --kind iban`
    Tail(tail::TailArgs),
    /// Federation: the peers this instance pulls from (`peer add URL --token T`, `peer list`,
    /// `peer remove ID`). Other dragnet instances are followed through their event stream,
    /// TAXII 2.1 collections are polled; `dragnet serve` pulls every peer continuously.
    #[command(subcommand)]
    Peer(peer::PeerCommand),
    /// Export what you may see in partners' formats: `export stix --report ID | --campaign ID |
    /// --network ID` (STIX 2.1 bundles; see `export stix --help`), `export misp --report ID |
    /// --campaign ID | --feed DIR` (MISP events and feeds; see `export misp --help`).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// MISP warning lists (the built-in ones and `--warninglists DIR`): `check VALUE` says
    /// which lists a value is on, `list` lists them.
    #[command(subcommand)]
    Warninglists(warninglists::WarninglistsCommand),
}

fn main() -> anyhow::Result<()> {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches)?;
    let file = Settings::read_file(cli.config.as_deref())?;
    cli.settings.merge_file(file, &matches);
    init_logging(cli.settings.log.as_deref(), matches!(cli.command, Command::Serve(_) | Command::Demo(_)));

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let code = runtime.block_on(run(cli))?;
    std::process::exit(code);
}

async fn run(cli: Cli) -> anyhow::Result<i32> {
    let s = cli.settings;
    match cli.command {
        Command::Serve(args) => serve::run(&s, args).await.map(|()| 0),
        Command::Demo(args) => demo::run(&s, args).await.map(|()| 0),
        Command::Admin(admin::AdminCommand::Check) => audit::check(&s).await,
        Command::Admin(cmd) => admin::run(&s, cmd).await.map(|()| 0),
        Command::Audit(cmd) => audit::run(&s, cmd).await,
        Command::Ingest(args) => ingest::run(&s, args).await,
        Command::Lookup(args) => query::lookup(&s, args).await.map(|()| 0),
        Command::Check(args) => query::check(&s, args).await.map(|()| 0),
        Command::AccessRequests(cmd) => access::run(&s, cmd).await.map(|()| 0),
        Command::Extract(args) => extract::run(&s, args),
        Command::Hash(args) => hashes::hash(args),
        Command::Import(cmd) => import::run(&s, cmd).await,
        Command::Match(args) => hashes::run_match(&s, args).await,
        Command::Graph(cmd) => graph::run(&s, cmd).await,
        Command::Export(cmd) => export::run(&s, cmd).await,
        Command::Warninglists(cmd) => warninglists::run(&s, cmd),
        Command::Peer(cmd) => peer::run(&s, cmd).await.map(|()| 0),
        Command::Tail(args) => tail::run(&s, args).await,
    }
}

fn init_logging(filter: Option<&str>, server: bool) {
    let default = if server { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_new(filter.unwrap_or(default))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

/// Opens the embedded store in `dir` and an engine on it.
pub(crate) async fn open_engine(dir: &Path, settings: &Settings) -> anyhow::Result<Arc<Engine>> {
    let store = store::SqliteStore::open(dir)
        .await
        .with_context(|| format!("cannot open the data directory {}", dir.display()))?;
    Ok(Arc::new(Engine::open(Arc::new(store), settings.engine_options()?).await?))
}

/// Opens the engine on the store the settings name (`--database` or `--data`).
pub(crate) async fn open_configured(settings: &Settings) -> anyhow::Result<Arc<Engine>> {
    match settings.store_location(config::DEFAULT_DATA_DIR)? {
        config::StoreLocation::Dir(dir) => open_engine(&dir, settings).await,
        config::StoreLocation::Postgres(url) => {
            let store = store::PgStore::connect(&url).await.context("cannot connect to the database")?;
            Ok(Arc::new(Engine::open(Arc::new(store), settings.engine_options()?).await?))
        }
    }
}
