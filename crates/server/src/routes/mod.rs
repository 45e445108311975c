//! The routes, one module per resource. Handlers are thin: authenticate, parse, call the
//! engine, answer.

use axum::Router;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{AppState, ServerOptions};

pub(crate) mod alerts;
pub(crate) mod audit;
pub(crate) mod check;
pub(crate) mod communities;
pub(crate) mod discovery;
pub(crate) mod extract;
pub(crate) mod graph;
pub(crate) mod hashes;
pub(crate) mod instance;
pub(crate) mod intake;
pub(crate) mod meta;
pub(crate) mod misp;
pub(crate) mod observables;
pub(crate) mod orgs;
pub(crate) mod public_intake;
pub(crate) mod reports;
pub(crate) mod scams;
pub(crate) mod stix;
pub(crate) mod stream;
pub(crate) mod taxii;
pub(crate) mod tokens;

/// Every route of the application, with full paths.
pub(crate) fn router(options: &ServerOptions) -> Router<AppState> {
    Router::new()
        .merge(meta::routes())
        .merge(orgs::routes())
        .merge(communities::routes())
        .merge(tokens::routes())
        .merge(reports::routes(options))
        .merge(observables::routes())
        .merge(check::routes())
        .merge(discovery::routes())
        .merge(extract::routes())
        .merge(hashes::routes(options))
        .merge(intake::routes())
        .merge(scams::routes())
        .merge(alerts::routes())
        .merge(audit::routes())
        .merge(graph::routes())
        .merge(public_intake::routes())
        .merge(misp::routes())
        .merge(stix::routes())
        .merge(stream::routes())
        .merge(instance::routes())
        .merge(taxii::routes())
}

/// A complete listing (organisations, communities, tokens).
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// Runs CPU-heavy work without stalling the other requests of a multi-threaded runtime: the
/// worker hands its other tasks off while `f` runs. On a current-thread runtime (tests) `f`
/// simply runs.
pub(crate) fn cpu<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Like [`cpu`] for a future doing CPU-heavy work between its awaits (a batch canonicalises
/// every record): on a multi-threaded runtime it is driven on this worker after handing the
/// worker's other tasks off.
pub(crate) async fn cpu_future<F: Future>(fut: F) -> F::Output {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| h.block_on(fut))
        }
        _ => fut.await,
    }
}
