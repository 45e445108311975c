//! The server's integration tests: one binary, in-process through `app(state)` and
//! `tower::ServiceExt::oneshot`, plus a few over real TCP.

mod audit;
mod auth;
mod authz;
mod batch;
mod check;
mod discovery;
mod errors;
mod extract;
mod federation;
mod graph;
mod harness;
mod hashes;
mod intake;
mod misp_export;
mod pagination;
mod reports;
mod stix_export;
mod stream;
mod taxii;
mod taxii_reports;
mod tcp;
mod ui;
mod visibility;
