use model::CanonError;

/// Why an engine operation failed. The HTTP edge maps each variant to a status and a stable
/// snake_case code; messages are lowercase.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No credentials, or credentials that are unknown, expired or revoked.
    #[error("missing, unknown, expired or revoked token")]
    Unauthenticated,
    /// The caller is known but its role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The object does not exist *or the caller may not see it*: both answer the same.
    #[error("{what} not found")]
    NotFound { what: String },
    /// Input that does not make sense; `field` names where (e.g. `observables[2].value`).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A value that is not a valid observable of its kind.
    #[error("{field}: {source}")]
    InvalidObservable { field: String, source: CanonError },
    /// The object already exists (e.g. an organisation with that name).
    #[error("{0}")]
    Conflict(String),
    /// A request above a documented limit.
    #[error("{what}: at most {limit} allowed, got {got}")]
    TooMany { what: String, limit: usize, got: usize },
    /// The storage backend failed.
    #[error("storage error: {0}")]
    Store(#[from] store::StoreError),
}

impl EngineError {
    /// A stable snake_case code for this error, used at the HTTP edge and in batch outcomes.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Unauthenticated => "unauthenticated",
            EngineError::Forbidden(_) => "forbidden",
            EngineError::NotFound { .. } => "not_found",
            EngineError::Invalid { .. } => "invalid_input",
            EngineError::InvalidObservable { .. } => "invalid_observable",
            EngineError::Conflict(_) => "conflict",
            EngineError::TooMany { .. } => "too_many",
            EngineError::Store(store::StoreError::Conflict { .. }) => "conflict",
            EngineError::Store(store::StoreError::Invalid(_)) => "invalid_input",
            EngineError::Store(_) => "storage_error",
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        EngineError::Invalid { field: field.into(), message: message.into() }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        EngineError::NotFound { what: what.into() }
    }
}
