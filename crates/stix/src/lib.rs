//! dragnet's pure STIX 2.1 layer (no IO).
//!
//! - [`object`]: one STIX object as received, validated, with the facts the store indexes it by
//!   (id, type, spec_version, created/modified, markings, created_by_ref).
//! - [`pattern`]: the STIX patterning grammar (parse, errors with their position, the simple
//!   equality comparisons that name observables).
//! - [`import`]: STIX objects to dragnet reports and observables.
//! - [`export`]: dragnet reports to STIX 2.1 bundles.

pub mod export;
pub mod import;
pub mod object;
pub mod pattern;
