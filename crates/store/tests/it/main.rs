//! The store's integration tests: the conformance suite on SQLite (in memory and on disk),
//! durability across reopening, and migrations; the suite on PostgreSQL when configured.

mod postgres;
mod sqlite;
