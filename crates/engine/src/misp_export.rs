//! MISP events of what a viewer sees: one report, a campaign, or every visible report as a
//! feed.
//!
//! The reports are gathered through the visibility function (a report or campaign the viewer
//! may not see is not found, exactly as when it does not exist), fetched with victim data only
//! for the viewer's own reports (so the exporter can redact it from text) and written by
//! `misp::export::event`, which never writes victim data. Revoked reports are never exported.

use model::{Report, Viewer};
use serde_json::Value;
use uuid::Uuid;

use crate::stix_export::STIX_EXPORT_MAX_REPORTS;
use crate::{Engine, EngineError};

impl Engine {
    /// One report the viewer sees, as a MISP event.
    pub async fn export_misp_report(&self, viewer: &Viewer, id: Uuid) -> Result<Value, EngineError> {
        let visible = self.index().report(viewer, id).is_some_and(|r| !r.access.revoked);
        if !visible {
            return Err(EngineError::not_found("report"));
        }
        let mut events = self.misp_events(viewer, vec![id], None).await?;
        events.pop().ok_or_else(|| EngineError::not_found("report"))
    }

    /// A campaign (or part, `5e0c19a4.2`) the viewer sees, as one MISP event of its visible reports;
    /// and those reports' ids.
    pub async fn export_misp_campaign(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> Result<(Value, Vec<Uuid>), EngineError> {
        let ids = self.campaign_report_ids(viewer, id)?;
        let mut events = self.misp_events(viewer, ids.clone(), Some(id.to_string())).await?;
        Ok((events.pop().ok_or_else(|| EngineError::not_found("campaign"))?, ids))
    }

    /// Every report the viewer sees (revoked ones left out), newest first, as MISP events: one
    /// per report, for a feed. `limit` caps how many.
    pub async fn export_misp_feed(&self, viewer: &Viewer, limit: usize) -> Result<Vec<Value>, EngineError> {
        let ids: Vec<Uuid> = {
            let index = self.index();
            let (page, _) = index.list(viewer, None, None, limit, |r| !r.access.revoked);
            page.iter().map(|r| r.id).collect()
        };
        let mut events = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1_000) {
            events.extend(self.misp_events(viewer, chunk.to_vec(), None).await?);
        }
        Ok(events)
    }

    /// One event per report, or one for them all when `campaign` names them.
    async fn misp_events(
        &self,
        viewer: &Viewer,
        ids: Vec<Uuid>,
        campaign: Option<String>,
    ) -> Result<Vec<Value>, EngineError> {
        if campaign.is_some() && ids.len() > STIX_EXPORT_MAX_REPORTS {
            return Err(EngineError::TooMany {
                what: "reports in one event".into(),
                limit: STIX_EXPORT_MAX_REPORTS,
                got: ids.len(),
            });
        }
        let mut reports: Vec<Report> = self.store.get_reports(&ids).await?;
        // The store answers whatever exists: the visibility function decides again.
        reports.retain(|r| model::can_see(viewer, &r.access()) && r.revoked_at.is_none());
        self.attach_pii(viewer, &mut reports).await?;
        // In the order asked for (newest first for a feed).
        reports.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
        let (orgs, communities) = {
            let dir = self.directory();
            let mut authors: Vec<_> = reports.iter().map(|r| r.author).collect();
            authors.sort_unstable();
            authors.dedup();
            let mut comms: Vec<_> =
                reports.iter().flat_map(|r| r.audience.communities.iter().copied()).collect();
            comms.sort_unstable();
            comms.dedup();
            (
                authors.into_iter().map(|o| (o, dir.org_name(o))).collect::<Vec<_>>(),
                comms.into_iter().map(|c| (c, dir.community_name(c))).collect::<Vec<_>>(),
            )
        };
        let event = |reports: Vec<&Report>, context| {
            misp::export::event(&misp::export::ExportInput {
                reports,
                orgs: orgs.clone(),
                communities: communities.clone(),
                context,
            })
        };
        Ok(match campaign {
            Some(id) => {
                if reports.is_empty() {
                    return Err(EngineError::not_found("campaign"));
                }
                vec![event(reports.iter().collect(), misp::export::Context::Campaign { id })]
            }
            None => reports.iter().map(|r| event(vec![r], misp::export::Context::Report)).collect(),
        })
    }
}
