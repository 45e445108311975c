//! dragnet's persistent state behind one trait.
//!
//! - [`Store`]: what the rest of dragnet may ask of storage (organisations, communities,
//!   tokens, reports), used as `Arc<dyn Store>`.
//! - [`SqliteStore`]: the SQLite implementation, one file in a data directory.
//! - `PgStore` (cargo feature `postgres`): the PostgreSQL implementation.
//! - [`testsuite`]: the conformance suite every implementation passes, instantiated per
//!   backend with [`store_test_suite!`].
//!
//! # Stored forms
//!
//! Both backends have the same tables: `organizations`, `communities`, `community_members`,
//! `tokens`, `reports` and `report_observables` (keyed by `(report_id, position)`; value
//! look-ups are the engine's in-memory index, so there is no `(kind, value)` index),
//! `stix_objects` (STIX objects as received, one row per collection, id and version, with their
//! access facts), the TAXII tables and `access_requests` (hit/no-hit: one row per request and
//! owner organisation, at most one pending per requester, owner and selector). In SQLite:
//!
//! - **Ids** (uuids) are 16-byte BLOBs in RFC 9562 (big-endian) byte order, so byte order is
//!   uuid order and UUIDv7 ids sort by creation time; scans page by id.
//! - **Times** are integer microseconds since the Unix epoch, UTC.
//! - **Enums** are text in their model spelling (`intel`, `AMBER+STRICT`, `analyst`, `ipv4`).
//! - A report's **audience** and **labels** are JSON text.
//!
//! PostgreSQL uses `UUID`, `TIMESTAMPTZ` and `JSONB` for the same values.
//!
//! Schema migrations are embedded in the binary from `migrations/<backend>/` and applied on
//! open; applying them again is a no-op.
//!
//! # Text
//!
//! Text may be any UTF-8 except the NUL character, which PostgreSQL cannot store: every
//! backend refuses it with [`StoreError::Invalid`] rather than storing it on one backend only.
//!
//! # Time precision
//!
//! Times are stored to the microsecond: anything finer is truncated on write. Callers that
//! compare what they wrote with what they read back should create times at microsecond
//! precision (e.g. `DateTime::from_timestamp_micros(now.timestamp_micros())`).

mod api;
pub mod audit;
mod codec;
mod error;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_audit;
#[cfg(feature = "postgres")]
mod postgres_discovery;
#[cfg(feature = "postgres")]
mod postgres_federation;
#[cfg(feature = "postgres")]
mod postgres_taxii;
mod sqlite;
mod sqlite_audit;
mod sqlite_discovery;
mod sqlite_federation;
mod sqlite_taxii;
pub mod taxii;
pub mod testsuite;

use std::path::PathBuf;

pub use api::{PeerRecord, PeerState, Store, TokenRecord};
pub use error::StoreError;
#[cfg(feature = "postgres")]
pub use postgres::PgStore;
pub use sqlite::{DB_FILE, SqliteStore};
pub use taxii::{
    CollectionScope, StixObjectQuery, StixObjectRecord, StixScope, TaxiiApiRoot, TaxiiCollectionRecord,
    TaxiiStatusRecord,
};

/// The default data directory: `dragnet-data` in the current directory.
///
/// Only a name for defaults and help texts; the CLI passes the directory it uses explicitly
/// to [`SqliteStore::open`].
pub fn default_data_dir() -> PathBuf {
    PathBuf::from("dragnet-data")
}
