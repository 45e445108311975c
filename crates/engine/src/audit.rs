//! The audit log's use cases: recording (one helper for writes, one for reads) and listing.
//!
//! Every write method records its change with [`Engine::audit`] once the change has
//! committed; reads of AMBER / AMBER+STRICT / RED reports and of victim data are recorded by
//! the read paths with [`Engine::audit_report_reads`] (reports, campaigns, graph answers and
//! exports: the AMBER/RED reports an answer was built from), [`Engine::audit_object_reads`]
//! (TAXII pages), the event stream (every few seconds, what it delivered) and
//! [`Engine::audit_pii_read`], one entry per request naming the objects. Scam statistics
//! (aggregates over many organisations' reports, no value of any) are not recorded. Entries never hold victim data or report contents.

use chrono::{DateTime, Utc};
use model::audit::{AuditActor, AuditEntry, AuditRecord};
use model::{Role, Tlp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::audit::AuditQuery;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::engine::now;
use crate::*;

/// Most report ids one read entry names (the count is always complete).
pub const AUDIT_READ_IDS_MAX: usize = 100;

/// The actor of a principal (`None`: local administration through the CLI).
pub fn audit_actor(p: Option<&Principal>) -> AuditActor {
    match p {
        None => AuditActor::cli(),
        Some(p) => {
            let kind = match (p.token_id, p.viewer.role) {
                (Some(_), _) => "token",
                // The public intake form acts as its organisation's intake channel.
                (None, Role::Intake) => "org",
                (None, _) => "cli",
            };
            AuditActor {
                kind: kind.into(),
                org: Some(p.viewer.org),
                token: p.token_id,
                role: Some(p.viewer.role),
            }
        }
    }
}

/// Whether reading a report of this TLP is recorded.
pub fn read_is_audited(tlp: Tlp) -> bool {
    matches!(tlp, Tlp::Amber | Tlp::AmberStrict | Tlp::Red)
}

/// An audit entry as its organisation's admins see it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// `token`, `org`, `cli` or `system`.
    pub actor: String,
    /// The organisation acted for.
    pub organization: Option<String>,
    pub token_id: Option<Uuid>,
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    /// A stable snake_case verb, e.g. `report.create`, `report.read`, `pii.read`.
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    #[schema(value_type = Option<Object>)]
    pub detail: Option<Value>,
    /// Lowercase hex SHA-256 of the previous entry and of this one.
    pub prev_hash: String,
    pub hash: String,
}

/// Filters of [`Engine::list_audit`].
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

impl Engine {
    /// Records a change that has just committed. A failure is logged, not returned: the
    /// change is durable, and answering an error would invite the caller to repeat it.
    pub(crate) async fn audit(
        &self,
        actor: AuditActor,
        action: &str,
        object_type: &str,
        object_id: impl ToString,
        detail: Option<Value>,
    ) {
        let record = AuditRecord::new(now(), actor, action, object_type, object_id, detail);
        self.audit_records(&[record]).await;
    }

    /// [`Engine::audit`] for several records at once (one transaction).
    pub(crate) async fn audit_records(&self, records: &[AuditRecord]) {
        if let Err(e) = self.store.append_audit(records).await {
            tracing::error!(error = %e, action = records.first().map(|r| r.action.as_str()), "audit append failed");
        }
    }

    /// Records that `reader` read reports through `action` (`report.read`, `report.list`,
    /// `observable.lookup`, `observable.check`, …): one entry naming those of `ids` that are
    /// AMBER, AMBER+STRICT or RED; none when there are none. Reads fail when it cannot be
    /// recorded.
    pub async fn audit_report_reads(
        &self,
        reader: &Principal,
        action: &str,
        ids: &[Uuid],
    ) -> Result<(), EngineError> {
        let mut audited: Vec<Uuid> = {
            let idx = self.index();
            ids.iter()
                .filter(|id| idx.report(&reader.viewer, **id).is_some_and(|r| read_is_audited(r.access.tlp)))
                .copied()
                .collect()
        };
        audited.sort_unstable();
        audited.dedup();
        self.record_reads(reader, action, &audited).await
    }

    /// Records that `reader` was shown these STIX objects of a TAXII collection through
    /// `action` (`taxii.objects`, `taxii.manifest`, …): one entry naming those marked AMBER,
    /// AMBER+STRICT or RED; none when there are none. Reads fail when it cannot be recorded.
    pub async fn audit_object_reads<'a>(
        &self,
        reader: &Principal,
        action: &str,
        objects: impl IntoIterator<Item = (&'a str, Tlp)>,
    ) -> Result<(), EngineError> {
        let mut audited: Vec<&str> =
            objects.into_iter().filter(|(_, tlp)| read_is_audited(*tlp)).map(|(id, _)| id).collect();
        audited.sort_unstable();
        audited.dedup();
        let Some(first) = audited.first().copied() else { return Ok(()) };
        let count = audited.len();
        let (object_type, object_id) = if count == 1 {
            ("stix_object", first.to_string())
        } else {
            ("stix_objects", format!("{count} objects"))
        };
        audited.truncate(AUDIT_READ_IDS_MAX);
        let detail = serde_json::json!({ "objects": audited, "count": count });
        let record =
            AuditRecord::new(now(), audit_actor(Some(reader)), action, object_type, object_id, Some(detail));
        self.store.append_audit(&[record]).await?;
        Ok(())
    }

    /// Records that `reader`'s event stream delivered events about these reports, which the
    /// stream knows to be AMBER, AMBER+STRICT or RED: one `stream.read` entry (the stream
    /// records what it delivered every few seconds and when it ends).
    pub(crate) async fn audit_stream_reads(
        &self,
        reader: &Principal,
        ids: &[Uuid],
    ) -> Result<(), EngineError> {
        self.record_reads(reader, "stream.read", ids).await
    }

    /// Records that `reader` was shown the victim data of these reports (its own
    /// organisation's): one `pii.read` entry naming the reports, never the data.
    pub async fn audit_pii_read(&self, reader: &Principal, ids: &[Uuid]) -> Result<(), EngineError> {
        self.record_reads(reader, "pii.read", ids).await
    }

    /// One entry for reading these reports (none when there are none): the report, or
    /// "N reports" naming the first [`AUDIT_READ_IDS_MAX`], with the complete count.
    async fn record_reads(&self, reader: &Principal, action: &str, ids: &[Uuid]) -> Result<(), EngineError> {
        let Some(first) = ids.first() else { return Ok(()) };
        let (object_type, object_id) = if ids.len() == 1 {
            ("report", first.to_string())
        } else {
            ("reports", format!("{} reports", ids.len()))
        };
        let shown: Vec<&Uuid> = ids.iter().take(AUDIT_READ_IDS_MAX).collect();
        let detail = serde_json::json!({ "reports": shown, "count": ids.len() });
        let record =
            AuditRecord::new(now(), audit_actor(Some(reader)), action, object_type, object_id, Some(detail));
        self.store.append_audit(&[record]).await?;
        Ok(())
    }

    fn audit_view(&self, e: AuditEntry) -> AuditEntryView {
        let r = e.record;
        AuditEntryView {
            seq: e.seq,
            at: r.at,
            actor: r.actor.kind,
            organization: r.actor.org.map(|o| self.directory().org_name(o)),
            token_id: r.actor.token,
            role: r.actor.role,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            detail: r.detail.and_then(|d| serde_json::from_str(&d).ok()),
            prev_hash: model::audit::hex(&e.prev_hash),
            hash: model::audit::hex(&e.hash),
        }
    }

    /// The audit entries of the actor's own organisation (entries whose actor acted for it),
    /// newest first, one page at a time. Admins only.
    pub async fn list_audit(
        &self,
        actor: &Principal,
        filter: &AuditFilter,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Page<AuditEntryView>, EngineError> {
        if !actor.viewer.role.is_admin() || actor.peer {
            return Err(EngineError::Forbidden("only admins may read the audit log".into()));
        }
        self.audit_page(Some(actor.viewer.org), filter, cursor, limit).await
    }

    /// A page of every organisation's entries (local administration).
    pub async fn audit_page(
        &self,
        org: Option<model::OrgId>,
        filter: &AuditFilter,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Page<AuditEntryView>, EngineError> {
        let limit = limit.unwrap_or(PAGE_DEFAULT);
        if limit == 0 || limit > PAGE_MAX {
            return Err(EngineError::invalid("limit", format!("must be between 1 and {PAGE_MAX}")));
        }
        let before = cursor
            .map(|c| {
                c.parse::<u64>()
                    .map_err(|_| EngineError::invalid("cursor", "not a cursor from a previous page"))
            })
            .transpose()?;
        let query =
            AuditQuery { org, action: filter.action.clone(), since: filter.since, before, limit: limit + 1 };
        let mut entries = self.store.list_audit(&query).await?;
        let more = entries.len() > limit;
        entries.truncate(limit);
        let next_cursor = if more { entries.last().map(|e| e.seq.to_string()) } else { None };
        Ok(Page { items: entries.into_iter().map(|e| self.audit_view(e)).collect(), next_cursor })
    }
}

impl Engine {
    /// Walks the whole audit chain (see [`store::audit::verify`]).
    pub async fn verify_audit(&self) -> Result<store::audit::AuditSummary, store::audit::VerifyError> {
        store::audit::verify(self.store.as_ref()).await
    }
}
