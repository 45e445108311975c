//! `dragnet serve`.

use std::sync::Arc;

use anyhow::Context;
use engine::Engine;

use crate::config::Settings;

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let engine = crate::open_configured(settings).await?;
    serve_engine(engine, settings, |addr| {
        eprintln!(
            "dragnet is listening on http://{addr} (API under /api/v1, OpenAPI at /api/v1/openapi.json)"
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
    let addr = settings.listen();
    let listener =
        tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let federation = settings.federation_options()?;
    on_ready(listener.local_addr()?);
    // Pull every peer while serving; the pullers store their positions when they stop.
    let pullers = server::federation::Pullers::start(Arc::clone(&engine), federation);
    let state = server::AppState::with_options(engine, options);
    let served = server::serve(listener, state).await.context("server failed");
    pullers.stop().await;
    served
}
