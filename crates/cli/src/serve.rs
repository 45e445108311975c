//! `dragnet serve`.

use std::sync::Arc;

use anyhow::Context;
use engine::Engine;

use crate::config::Settings;

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let engine = crate::open_configured(settings).await?;
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
    served
}
