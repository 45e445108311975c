//! STIX 2.1 bundles of what a viewer sees: one report, a campaign, a link-analysis network.
//!
//! The reports are gathered through the visibility function (a report, campaign or network the
//! viewer may not see is not found, exactly as when it does not exist), fetched from the store
//! with victim data only for the viewer's own reports (so the exporter can redact it from free
//! text) and written by `stix::export::bundle`, which never writes victim data, nor revoked
//! reports.

use graph::{NetworkDetailOptions, NodeRef, Scope};
use model::{Report, Viewer};
use serde_json::Value;
use stix::export::{ExportContext, ExportInput};
use uuid::Uuid;

use crate::{Engine, EngineError};

/// The most reports one bundle holds; larger campaigns and networks are refused with
/// `too_many` rather than cut silently.
pub const STIX_EXPORT_MAX_REPORTS: usize = 10_000;

impl Engine {
    /// One report the viewer sees, as a STIX 2.1 bundle.
    pub async fn export_stix_report(&self, viewer: &Viewer, id: Uuid) -> Result<Value, EngineError> {
        let visible = self.index().report(viewer, id).is_some_and(|r| !r.access.revoked);
        if !visible {
            return Err(EngineError::not_found("report"));
        }
        self.stix_bundle(viewer, vec![id], ExportContext::Reports).await
    }

    /// A campaign (or part, `5e0c19a4.2`) the viewer sees: its visible reports and a `campaign`;
    /// and those reports' ids.
    pub async fn export_stix_campaign(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> Result<(Value, Vec<Uuid>), EngineError> {
        let ids = self.campaign_report_ids(viewer, id)?;
        let context = ExportContext::Campaign {
            id: id.to_string(),
            name: format!("dragnet campaign {id}"),
            first_seen: None,
            last_seen: None,
        };
        Ok((self.stix_bundle(viewer, ids.clone(), context).await?, ids))
    }

    /// A network of the viewer's link graph, named by any of its reports or nodes: its
    /// visible reports and a `grouping`; and those reports' ids.
    pub async fn export_stix_network(
        &self,
        viewer: &Viewer,
        member: &str,
    ) -> Result<(Value, Vec<Uuid>), EngineError> {
        let member = match Uuid::parse_str(member.trim()) {
            Ok(id) => NodeRef::Report(id),
            Err(_) => self.graph_node("network", member)?,
        };
        // Only the member list is needed: no communities, no key nodes, one node of subgraph.
        let opts = NetworkDetailOptions {
            max_nodes: 1,
            max_edges: 1,
            communities: false,
            key_nodes: 0,
            ..Default::default()
        };
        let (id, ids) = {
            let links = self.links_for(viewer);
            let is_hub = links.is_hub(viewer);
            let detail = links
                .graph
                .network(&Scope::new(viewer, &is_hub), &member, &opts)
                .ok_or_else(|| EngineError::not_found("network"))?;
            (detail.summary.id, detail.timeline.iter().map(|t| t.report).collect::<Vec<_>>())
        };
        let context = ExportContext::Network { id: id.to_string(), name: format!("dragnet network {id}") };
        Ok((self.stix_bundle(viewer, ids.clone(), context).await?, ids))
    }

    async fn stix_bundle(
        &self,
        viewer: &Viewer,
        ids: Vec<Uuid>,
        context: ExportContext,
    ) -> Result<Value, EngineError> {
        if ids.len() > STIX_EXPORT_MAX_REPORTS {
            return Err(EngineError::TooMany {
                what: "reports in one bundle".into(),
                limit: STIX_EXPORT_MAX_REPORTS,
                got: ids.len(),
            });
        }
        let mut reports: Vec<Report> = self.store.get_reports(&ids).await?;
        // The store answers whatever exists: the visibility function decides again.
        reports.retain(|r| model::can_see(viewer, &r.access()) && r.revoked_at.is_none());
        self.attach_pii(viewer, &mut reports).await?;
        let context = match context {
            ExportContext::Campaign { id, name, .. } => ExportContext::Campaign {
                id,
                name,
                first_seen: reports.iter().map(|r| r.first_seen.unwrap_or(r.created_at)).min(),
                last_seen: reports.iter().map(|r| r.last_seen.or(r.first_seen).unwrap_or(r.created_at)).max(),
            },
            other => other,
        };
        let orgs = {
            let dir = self.directory();
            let mut authors: Vec<_> = reports.iter().map(|r| r.author).collect();
            authors.sort_unstable();
            authors.dedup();
            authors.into_iter().map(|o| (o, dir.org_name(o))).collect()
        };
        Ok(stix::export::bundle(&ExportInput { reports: reports.iter().collect(), orgs, context }))
    }
}
