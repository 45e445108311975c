//! dragnet's HTTP edge: the REST API under `/api/v1`, its OpenAPI document, health and metrics.
//!
//! The server is thin: every handler authenticates the caller, parses the request and calls one
//! [`Engine`] method; the engine decides everything, including visibility. [`app`] builds the
//! whole [`Router`] from an [`AppState`]; tests drive it in-process with `tower::ServiceExt::oneshot`
//! and [`serve`] runs it on a TCP listener.
//!
//! # Routes
//!
//! | route | what |
//! |---|---|
//! | `GET /`, `GET /ui/{path}` | the web interface: embedded page, styles and scripts (module `ui`) |
//! | `GET /healthz` | liveness, no authentication |
//! | `GET /metrics` | Prometheus metrics, no authentication (serve it on an internal network) |
//! | `GET /api/v1/openapi.json` | the OpenAPI 3.1 document, no authentication |
//! | `GET, POST /api/v1/organizations` | list, create (operator admins) |
//! | `GET, POST /api/v1/communities` | list, create (operator admins) |
//! | `PUT /api/v1/communities/{name}/members` | replace the members (operator admins) |
//! | `GET, POST /api/v1/tokens`, `DELETE /api/v1/tokens/{id}` | tokens (admins) |
//! | `GET /api/v1/whoami` | the organisation and role of the caller's token |
//! | `GET, POST /api/v1/reports` | list visible reports (filters, cursor), submit one |
//! | `POST /api/v1/reports/batch` | submit many; bad records are reported, good ones kept |
//! | `GET /api/v1/reports/{id}`, `POST /api/v1/reports/{id}/revoke` | one report |
//! | `GET /api/v1/observables/{kind}/{value}` | look an observable up |
//! | `POST /api/v1/check` | hit/no-hit screening of up to 10,000 selectors |
//! | `POST /api/v1/extract` | the indicators in a free text |
//! | `GET, POST /api/v1/hashsets`, `GET, PUT /api/v1/hashsets/{id}` | shared hash sets |
//! | `GET, POST /api/v1/hashsets/{id}/entries`, `POST …/entries/withdraw` | entries (JSON, CSV, JSON Lines), tombstones |
//! | `GET /api/v1/hashsets/{id}/sightings` | who matched the set's entries (owner only) |
//! | `GET, POST /intake/{org}` | an organisation's public scam-report form (HTML, when enabled) |
//! | `POST /api/v1/intake` | a scam report with intake facts (intake tokens and writers) |
//! | `GET /api/v1/campaigns`, `GET /api/v1/campaigns/{id}` | campaigns over the visible reports, with totals |
//! | `GET, POST /api/v1/campaigns/hubs`, `DELETE …/hubs/{kind}/{value}` | hubs and operator marks (operator admins) |
//! | `GET, POST /api/v1/alerts/rules`, `DELETE …/rules/{id}`, `GET /api/v1/alerts` | alert rules and alerts |
//! | `GET /api/v1/stats/scams` | scam totals over the visible reports: losses, types, ages, over time |
//! | `POST /api/v1/hashes/match` | match hashes or an uploaded image (hashed in memory, never kept) |
//! | `GET /api/v1/stream` | the events the caller may see, as Server-Sent Events (filters, `Last-Event-ID`) |
//! | `GET /taxii2/`, `GET /taxii2/{root}/`, `GET /taxii2/{root}/status/{id}/` | TAXII 2.1 discovery, api roots, status |
//! | `GET /taxii2/{root}/collections/`, `GET …/collections/{id}/` | TAXII collections in the caller's scope |
//! | `GET, POST …/collections/{id}/objects/`, `GET, DELETE …/objects/{object_id}/` | STIX objects (module `routes::taxii`) |
//! | `GET …/objects/{object_id}/versions/`, `GET …/collections/{id}/manifest/` | versions, manifests |
//!
//! Errors have one shape and one table: see [`error`]. Under `/taxii2/` errors are TAXII error
//! message resources with the same statuses (`routes::taxii`).
//!
//! # Limits
//!
//! Request bodies are limited to [`ServerOptions::body_limit`] (4 MiB by default) except the
//! batch, hash-entry and match routes, limited to [`ServerOptions::batch_body_limit`] (32 MiB); requests time out after
//! [`ServerOptions::request_timeout`] (30 s).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use engine::Engine;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub mod error;
pub mod federation;
pub mod json;
pub mod metrics;

mod auth;
mod extract;
pub mod limits;
mod middleware;
mod openapi;
mod routes;
pub mod sse;
pub mod tls;
mod ui;

pub use error::{ApiError, ErrorResponse};
pub use metrics::Metrics;
pub use openapi::openapi;

/// Settings of the HTTP edge.
#[derive(Clone, Copy, Debug)]
pub struct ServerOptions {
    /// Largest request body accepted, in bytes, except on the batch route.
    pub body_limit: usize,
    /// Largest body accepted by the bulk routes (`POST /api/v1/reports/batch`, hash-entry
    /// imports and withdrawals, `POST /api/v1/hashes/match`), in bytes.
    pub batch_body_limit: usize,
    /// Requests running longer are cancelled with `503 timeout` (a stream's response starts at
    /// once; its events are not timed).
    pub request_timeout: Duration,
    /// A stream sends a heartbeat comment after this long without an event.
    pub stream_heartbeat: Duration,
    /// Events a stream client may fall behind by before it is disconnected (`stream_lagged`).
    pub stream_buffer: usize,
    /// Requests per token ([`limits`]); none: unlimited.
    pub token_rate: Option<limits::Rate>,
    /// Failed authentications per client address ([`limits`]); none: unlimited.
    pub auth_failure_rate: Option<limits::Rate>,
}

/// Failed authentications an address may make by default: 60 at once, then 30 a minute.
pub const AUTH_FAILURE_RATE_DEFAULT: limits::Rate = limits::Rate { per_second: 0.5, burst: 60 };

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            body_limit: 4 * 1024 * 1024,
            batch_body_limit: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            stream_heartbeat: Duration::from_secs(15),
            stream_buffer: engine::STREAM_BUFFER_DEFAULT,
            token_rate: None,
            auth_failure_rate: Some(AUTH_FAILURE_RATE_DEFAULT),
        }
    }
}

/// What every handler shares: the engine, the metrics registry and the settings. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub metrics: Arc<Metrics>,
    pub options: ServerOptions,
    /// Submission counters of the public intake forms.
    pub(crate) limiter: Arc<routes::public_intake::Limiter>,
    /// Requests per token and failed authentications per address ([`limits`]).
    pub(crate) limits: Arc<limits::Limits>,
    /// Set when the server starts shutting down: event streams end (they would otherwise keep
    /// their connections, and the graceful shutdown, open forever).
    pub(crate) shutdown: Arc<tokio::sync::watch::Sender<bool>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("options", &self.options).finish_non_exhaustive()
    }
}

impl AppState {
    /// A state with the default [`ServerOptions`].
    pub fn new(engine: Arc<Engine>) -> Self {
        Self::with_options(engine, ServerOptions::default())
    }

    /// A state with the given options.
    pub fn with_options(engine: Arc<Engine>, options: ServerOptions) -> Self {
        AppState {
            engine,
            metrics: Arc::new(Metrics::new()),
            limits: Arc::new(limits::Limits::new(options.token_rate, options.auth_failure_rate)),
            options,
            limiter: Default::default(),
            shutdown: Arc::new(tokio::sync::watch::Sender::new(false)),
        }
    }
}

/// The whole application: every route, the error fallbacks and the cross-cutting layers.
pub fn app(state: AppState) -> Router {
    let layers = ServiceBuilder::new()
        .layer(
            TraceLayer::new_for_http().make_span_with(middleware::make_span).on_response(
                DefaultOnResponse::new()
                    .level(tracing::Level::INFO)
                    .latency_unit(tower_http::LatencyUnit::Micros),
            ),
        )
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::metrics))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::rate_limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::timeout))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(DefaultBodyLimit::max(state.options.body_limit));
    routes::router(&state.options)
        .merge(ui::routes())
        .fallback(middleware::route_not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(layers)
        .with_state(state)
}

/// Serves the application on `listener` until ctrl-c or SIGTERM, then finishes the requests
/// in flight and returns.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_with_shutdown(listener, state, shutdown_signal()).await
}

/// Serves the application on `listener` until `shutdown` completes, then finishes the requests
/// in flight and returns.
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "serving");
    let streams = Arc::clone(&state.shutdown);
    let shutdown = async move {
        shutdown.await;
        // Event streams end now; the other requests in flight finish.
        streams.send_replace(true);
    };
    // The client's address is known to handlers (the public intake form's rate limit).
    axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!("server stopped");
    Ok(())
}

/// [`serve_with_shutdown`] over TLS: the same application, HTTPS only on `listener`.
pub async fn serve_tls_with_shutdown(
    listener: tokio::net::TcpListener,
    tls: &tls::Tls,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "serving https");
    let streams = Arc::clone(&state.shutdown);
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        streams.send_replace(true);
        // Requests in flight finish; a connection still open after this long is closed.
        stopping.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
    });
    axum_server::from_tcp_rustls(listener.into_std()?, tls.rustls())?
        .handle(handle)
        .serve(app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .await?;
    tracing::info!("server stopped");
    Ok(())
}

/// Completes on ctrl-c or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received, finishing requests in flight");
}
