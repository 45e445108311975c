//! dragnet's pure MISP layer (no IO).
//!
//! - [`types`]: MISP attribute types and dragnet observable kinds, both ways, and the role an
//!   imported observable keeps (type, object and relation, `to_ids`).
//! - [`import`]: MISP events to dragnet reports: observables, kept raw values, TLP, labels,
//!   distribution and sightings.
//! - [`appendix`]: what a report keeps of an event beyond observables (values of types dragnet
//!   has no kind for, sightings), written at the end of its narrative and read back on export.
//! - [`export`]: dragnet reports to MISP events, feed manifests and `hashes.csv`.
//! - [`feed`]: reading a MISP feed's `manifest.json`.

pub mod appendix;
pub mod export;
pub mod feed;
pub mod import;
pub mod types;
