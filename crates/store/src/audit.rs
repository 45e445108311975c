//! The audit log as the store keeps it: queries and the verification walk shared by every
//! backend (the chain itself is [`model::audit`]).

use chrono::{DateTime, Utc};
use model::audit::{AuditEntry, ChainBreak, Verifier};
use model::org::OrgId;

use crate::{Store, StoreError};

/// A page of audit entries, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only entries whose actor acted for this organisation.
    pub org: Option<OrgId>,
    /// Only entries with this action.
    pub action: Option<String>,
    /// Only entries at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only entries with a smaller `seq` (the cursor of the next page).
    pub before: Option<u64>,
    /// At most this many entries.
    pub limit: usize,
}

/// What a successful walk of the chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditSummary {
    /// Entries checked.
    pub entries: u64,
    /// The last entry: its seq and hash.
    pub head: Option<(u64, [u8; 32])>,
}

/// Why verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The chain is broken.
    #[error("audit chain broken: {0}")]
    Broken(#[from] ChainBreak),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How many entries verification reads per page.
const VERIFY_PAGE: usize = 5_000;

/// Walks the whole chain of `store` in `seq` order, then checks its end against the recorded
/// head. The first break is the error.
pub async fn verify(store: &dyn Store) -> Result<AuditSummary, VerifyError> {
    let head = store.audit_head().await?;
    let mut v = Verifier::new();
    // Page by position, not by seq: a reordered or removed entry must still be read.
    let mut after: Option<u64> = None;
    loop {
        let page: Vec<AuditEntry> = store.audit_entries(after, VERIFY_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.seq);
        for e in &page {
            v.push(e)?;
        }
        if page.len() < VERIFY_PAGE {
            break;
        }
    }
    v.finish(head)?;
    Ok(AuditSummary { entries: v.count(), head: v.head() })
}
