//! dragnet's correlation index and, later, its link-analysis graph.
//!
//! This crate is pure: no IO, no async. It is fed reports by the engine (at start from the
//! store, then on every write) and answers every question through [`model::can_see`].

mod correlation;

pub use correlation::{CorrelationIndex, IndexedReport, Occurrence, Summary};
