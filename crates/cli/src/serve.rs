//! `dragnet serve`.

use std::sync::Arc;

use anyhow::Context;
use engine::Engine;

use crate::config::Settings;

/// Flags of `dragnet serve`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ServeArgs {
    /// NATS server carrying the events of every node (JetStream must be enabled), e.g.
    /// nats://127.0.0.1:4222. Requires --database postgres://...: every node serves the same
    /// database, and each keeps its in-memory indexes and its stream clients current with what
    /// the others commit. Without it, the node runs alone with an in-process bus.
    #[arg(long, env = "DRAGNET_NATS_URL", value_name = "URL")]
    pub nats: Option<String>,

    /// JetStream stream the nodes share (created if missing; subjects <NAME>.events.<type>)
    #[arg(
        long,
        env = "DRAGNET_NATS_STREAM",
        value_name = "NAME",
        default_value = "dragnet",
        requires = "nats"
    )]
    pub nats_stream: String,

    /// This node's name, unique per node: names its durable JetStream consumer, so that a
    /// restarted node resumes where it stopped [default: HOSTNAME-PORT]
    #[arg(long, env = "DRAGNET_NODE_NAME", value_name = "NAME", requires = "nats")]
    pub node_name: Option<String>,
}

/// This machine's host name, for the default node name.
fn hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "dragnet".into());
    let name: String =
        name.trim().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    if name.is_empty() { "dragnet".into() } else { name }
}

pub async fn run(settings: &Settings, args: ServeArgs) -> anyhow::Result<()> {
    let engine = match &args.nats {
        None => crate::open_configured(settings).await?,
        Some(url) => {
            let database = match settings.store_location(crate::config::DEFAULT_DATA_DIR)? {
                crate::config::StoreLocation::Postgres(db) => db,
                crate::config::StoreLocation::Dir(_) => anyhow::bail!(
                    "--nats requires --database postgres://...: the nodes must share one postgresql database (the embedded store serves one node)"
                ),
            };
            let node = args
                .node_name
                .clone()
                .unwrap_or_else(|| format!("{}-{}", hostname(), settings.listen().port()));
            let options = natsbus::NatsOptions::new(url.clone(), args.nats_stream.clone(), node.clone());
            let bus = natsbus::NatsBus::connect(&options).await?;
            tracing::info!(node = %node, stream = %args.nats_stream, "events shared through nats jetstream");
            let store = store::PgStore::connect(&database).await.context("cannot connect to the database")?;
            let mut engine_options = settings.engine_options()?;
            engine_options.bus = Some(Arc::new(bus));
            Arc::new(Engine::open(Arc::new(store), engine_options).await?)
        }
    };
    let scheme = if settings.tls_cert.is_some() { "https" } else { "http" };
    serve_engine(engine, settings, |addr| {
        eprintln!(
            "dragnet is listening on {scheme}://{addr} (API under /api/v1, OpenAPI at /api/v1/openapi.json)"
        );
    })
    .await
}

/// Binds the listen address and serves `engine` until ctrl-c / SIGTERM.
pub async fn serve_engine(
    engine: Arc<Engine>,
    settings: &Settings,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> anyhow::Result<()> {
    let options = settings.server_options()?;
    let tls = settings.tls()?;
    let addr = settings.listen();
    let listener =
        tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let federation = settings.federation_options()?;
    // Apply what other nodes commit (from the bus, and by polling the store); alone, this only
    // sees the node's own events come back, already applied.
    let sync = engine.spawn_sync(engine::SYNC_POLL_DEFAULT);
    on_ready(listener.local_addr()?);
    // Pull every peer while serving; the pullers store their positions when they stop.
    let pullers = settings
        .federation_pull
        .unwrap_or(true)
        .then(|| server::federation::Pullers::start(Arc::clone(&engine), federation));
    let state = server::AppState::with_options(engine, options);
    let served = match &tls {
        None => server::serve(listener, state).await,
        Some(tls) => server::serve_tls_with_shutdown(listener, tls, state, server::shutdown_signal()).await,
    }
    .context("server failed");
    if let Some(pullers) = pullers {
        pullers.stop().await;
    }
    sync.abort();
    served
}
