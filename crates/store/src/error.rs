//! The typed error every [`Store`](crate::Store) method returns.

use std::path::PathBuf;

/// Why a store operation failed.
///
/// Callers match on [`StoreError::Conflict`] and [`StoreError::NotFound`]; every other variant
/// is an internal failure (HTTP 500 at the edge).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is already taken: an id, an organisation or community name, a token hash.
    /// `what` names it, e.g. `organization name "acme"`.
    #[error("{what} already exists")]
    Conflict {
        /// What is already there, e.g. `report 0190c0de-…`.
        what: String,
    },
    /// Something the operation refers to does not exist, e.g. `community 0190c0de-…`.
    #[error("{what} not found")]
    NotFound {
        /// What is missing.
        what: String,
    },
    /// A value the store cannot keep, e.g. text with a NUL character (which PostgreSQL
    /// rejects, so no backend accepts it). Nothing was stored.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The data directory could not be created or opened.
    #[error("cannot use data directory {path}: {source}")]
    Io {
        /// The directory or file concerned.
        path: PathBuf,
        /// The underlying IO error.
        #[source]
        source: std::io::Error,
    },
    /// Applying the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back into the model (a bug or a damaged database).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Any other failure of the database backend.
    #[error("database error: {0}")]
    Backend(#[from] sqlx::Error),
}

impl StoreError {
    /// A [`StoreError::Conflict`] about `what`.
    pub fn conflict(what: impl Into<String>) -> Self {
        StoreError::Conflict { what: what.into() }
    }

    /// A [`StoreError::NotFound`] about `what`.
    pub fn not_found(what: impl Into<String>) -> Self {
        StoreError::NotFound { what: what.into() }
    }

    /// Whether this is a [`StoreError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }

    /// Whether this is a [`StoreError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound { .. })
    }
}

/// Whether `err` is a unique-constraint (or primary-key) violation.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|e| e.is_unique_violation())
}

/// Whether `err` is a foreign-key violation.
pub(crate) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|e| e.is_foreign_key_violation())
}

/// The outcome of a write whose unique violation is a conflict about `conflict()` and whose
/// foreign-key violation is `missing()` not found.
pub(crate) fn written<T, C: Into<String>, M: Into<String>>(
    result: Result<T, sqlx::Error>,
    conflict: impl FnOnce() -> C,
    missing: impl FnOnce() -> M,
) -> Result<(), StoreError> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::conflict(conflict())),
        Err(e) if is_foreign_key_violation(&e) => Err(StoreError::not_found(missing())),
        Err(e) => Err(e.into()),
    }
}
