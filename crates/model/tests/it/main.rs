//! Integration tests of the model crate: canonicalisation of every observable kind, kind
//! inference, and deterministic STIX ids.

mod canonical;
mod cost;
mod infer;
mod phone;
mod props;
mod stix;
