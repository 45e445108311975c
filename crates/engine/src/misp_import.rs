//! MISP events (single files, feeds) as dragnet reports.
//!
//! `misp::import` maps each event; this is what the mapping becomes: one report per part of an
//! event (its own, and one for attributes more restricted than it), authored by the importing
//! organisation, with the event's uuid as the report id (so importing the same event again adds
//! nothing), its TLP and the audience its distribution gives (`misp::import::access`: a sharing
//! group becomes the dragnet community of the same name when there is one). Observables go
//! through the ordinary `prepare` and commit (correlation, campaigns, link graph, alerts); the
//! value as received is kept as the observable's `original`. Nothing here fails an import: an
//! event that cannot be read, an attribute that cannot be used and a distribution that could
//! not be kept are listed, by source (file name or URL) and uuid. Each stored report is
//! announced like any other (`report.created` on the event stream).

use std::collections::HashSet;

use chrono::{SubsecRound, TimeZone, Utc};
use misp::import::{MappedEvent, access, map_event};
use model::report::{AudienceInput, ObservableInput};
use model::{ReportInput, ReportKind};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::engine::{now, truncate};
use crate::{Engine, EngineError, Principal, REPORT_MAX_OBSERVABLES};

/// One MISP document to import, with where it came from (for messages).
#[derive(Clone, Debug)]
pub struct MispDocument {
    /// A file name or URL.
    pub source: String,
    /// The parsed JSON, or why it could not be read or parsed.
    pub doc: Result<Value, String>,
}

/// What an import of MISP events became.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MispImported {
    /// Events read.
    pub events: usize,
    /// Reports made.
    pub reports: Vec<Uuid>,
    /// Reports already in dragnet (the event was imported before).
    pub existing: usize,
    /// Observables in the reports made.
    pub observables: usize,
    /// Attribute values kept as received (types dragnet has no kind for).
    pub kept: usize,
    /// Sightings kept on the reports.
    pub sightings: usize,
    /// Documents or events that could not be imported at all: `<source>: <reason>`.
    pub failed: Vec<String>,
    /// What was not used as it was: `<source> (event <uuid>): attribute <uuid>: <reason>`.
    pub skipped: Vec<String>,
}

/// The longest narrative a report holds (as `prepare` checks).
const NARRATIVE_MAX_BYTES: usize = 200_000;

fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

impl Engine {
    /// Imports MISP documents as `poster`'s reports (see the module documentation). Fails only
    /// when the store does, or when the poster may not write.
    pub async fn import_misp(
        &self,
        poster: &Principal,
        docs: Vec<MispDocument>,
    ) -> Result<MispImported, EngineError> {
        if !poster.viewer.role.can_write() {
            return Err(EngineError::Forbidden(format!(
                "a {} may not import reports",
                poster.viewer.role.as_str()
            )));
        }
        let mut out = MispImported::default();
        let created_at = now();
        let mut reports = Vec::new();
        for d in docs {
            let doc = match d.doc {
                Ok(doc) => doc,
                Err(e) => {
                    out.failed.push(format!("{}: {e}", d.source));
                    continue;
                }
            };
            let events = misp::import::events_of(&doc);
            if events.is_empty() {
                out.failed.push(format!("{}: no event in the document", d.source));
            }
            for (i, e) in events.into_iter().enumerate() {
                let source = if i == 0 { d.source.clone() } else { format!("{}[{i}]", d.source) };
                match map_event(e, &self.canon) {
                    Ok(event) => {
                        out.events += 1;
                        self.misp_reports(poster, &source, event, created_at, &mut out, &mut reports);
                    }
                    Err(err) => out.failed.push(format!("{source}: {err}")),
                }
            }
        }
        if reports.is_empty() {
            return Ok(out);
        }
        let _w = self.writes.lock().await;
        let ids: Vec<Uuid> = reports.iter().map(|r: &model::Report| r.id).collect();
        let existing: HashSet<Uuid> = self.store.get_reports(&ids).await?.into_iter().map(|r| r.id).collect();
        let mut seen = HashSet::new();
        reports.retain(|r| {
            let keep = !existing.contains(&r.id) && seen.insert(r.id);
            out.existing += usize::from(!keep);
            keep
        });
        if reports.is_empty() {
            return Ok(out);
        }
        self.insert_reports(&reports, Some(crate::audit_actor(Some(poster)))).await?;
        drop(_w);
        self.alert(&reports).await;
        out.observables = reports.iter().map(|r| r.observables.len()).sum();
        out.reports = reports.iter().map(|r| r.id).collect();
        Ok(out)
    }

    fn misp_reports(
        &self,
        poster: &Principal,
        source: &str,
        event: MappedEvent,
        created_at: chrono::DateTime<Utc>,
        out: &mut MispImported,
        reports: &mut Vec<model::Report>,
    ) {
        let at = format!("{source} (event {})", event.uuid);
        out.skipped.extend(event.skipped.iter().map(|s| format!("{at}: {s}")));
        let mut labels: Vec<String> = event
            .labels
            .iter()
            .filter(|l| !l.trim().is_empty() && l.chars().count() <= 100 && !l.chars().any(char::is_control))
            .take(98)
            .cloned()
            .collect();
        let dropped = event.labels.len() - labels.len();
        if dropped > 0 {
            out.skipped.push(format!("{at}: {dropped} tags not kept as labels (over 100 characters, control characters or more than 98)"));
        }
        labels.push("misp".into());
        if let Some(org) = &event.orgc {
            labels.push(format!("misp-org:{}", printable(truncate(org.trim(), 80))));
        }
        let title = if event.info.is_empty() {
            format!("MISP event {}", event.uuid)
        } else {
            printable(truncate(&event.info, 500))
        };
        let event_date = event.date.and_then(|d| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?).into());
        for (n, part) in event.parts.iter().enumerate() {
            let community_exists = |name: &str| self.directory().community_by_name(name).is_some();
            let acc = access(part.tlp, part.distribution.as_ref(), community_exists);
            if let Some(note) = &acc.note {
                out.skipped.push(format!("{at}: {note}"));
            }
            let mut narrative = misp::appendix::write(
                if n == 0 { &event.narrative } else { "" },
                &part.kept,
                &part.sightings,
            );
            narrative.retain(|c| c != '\0');
            if narrative.len() > NARRATIVE_MAX_BYTES {
                let mut end = NARRATIVE_MAX_BYTES;
                while !narrative.is_char_boundary(end) {
                    end -= 1;
                }
                narrative.truncate(end);
                out.skipped.push(format!("{at}: narrative cut to {NARRATIVE_MAX_BYTES} bytes"));
            }
            let mut obs: Vec<ObservableInput> = part
                .observables
                .iter()
                .map(|o| ObservableInput {
                    kind: Some(o.kind),
                    value: o.value.clone(),
                    role: Some(o.role.clone()),
                })
                .collect();
            if obs.len() > REPORT_MAX_OBSERVABLES {
                out.skipped.push(format!(
                    "{at}: {} observables, the first {REPORT_MAX_OBSERVABLES} kept",
                    obs.len()
                ));
                obs.truncate(REPORT_MAX_OBSERVABLES);
            }
            // The event's date is when it happened; without one, its earliest sighting.
            let first_seen = event_date.or(part.first_seen);
            let last_seen = part.last_seen.filter(|l| first_seen.is_none_or(|f| *l >= f));
            let input = ReportInput {
                kind: ReportKind::Intel,
                title: if n == 0 {
                    title.clone()
                } else {
                    printable(truncate(&format!("{title} (restricted part)"), 500))
                },
                narrative,
                tlp: acc.tlp.as_str().to_string(),
                audience: AudienceInput {
                    organizations: Vec::new(),
                    communities: acc.community.into_iter().collect(),
                },
                labels: labels.clone(),
                first_seen: first_seen.map(|t| t.trunc_subsecs(6)),
                last_seen: last_seen.map(|t| t.trunc_subsecs(6)),
                observables: obs,
                scam: None,
                victim_pii: None,
                discoverable: None,
            };
            match self.prepare(poster, input, created_at) {
                Ok(mut report) => {
                    report.id = part.id;
                    // The value as received (a composite `domain|ip` whole) is the original.
                    for o in &mut report.observables {
                        if let Some(m) = part.observables.iter().find(|m| {
                            m.kind == o.kind && m.value == o.value && Some(&m.role) == o.role.as_ref()
                        }) {
                            o.original = (m.raw != m.value).then(|| m.raw.clone());
                        }
                    }
                    out.kept += part.kept.len();
                    out.sightings += part.sightings.len();
                    reports.push(report);
                }
                Err(e) => out.failed.push(format!("{at}: {e}")),
            }
        }
    }
}
