//! STIX objects added through TAXII or `dragnet import stix`, as dragnet reports.
//!
//! The objects themselves are kept as received by the TAXII store; this is what they *mean* to
//! the rest of dragnet (correlation, campaigns, the link graph, alerts): each STIX `report`
//! becomes a dragnet report with the STIX report's UUID as its id (so adding it again, or a
//! later version of it, adds nothing), authored by the organisation that added it, with the TLP
//! of its markings (else the collection's) and the collection's audience. Its observables are
//! the canonicalised SCOs and indicator patterns it names (`stix::import`). Observables no report
//! names are gathered into one report per TLP per add. Nothing here fails the add: what cannot
//! be mapped is listed in `errors`.

use std::collections::{BTreeMap, HashSet};

use chrono::SubsecRound;
use model::report::{AudienceInput, ObservableInput};
use model::{Audience, ReportInput, ReportKind, Tlp};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::engine::{now, truncate};
use crate::{Engine, EngineError, Principal, REPORT_MAX_OBSERVABLES};

/// Where STIX objects were added: what their reports get when the objects do not say.
#[derive(Clone, Debug)]
pub(crate) struct StixOrigin {
    /// The TLP of objects without a TLP marking.
    pub tlp: Tlp,
    /// The audience every report made from the add gets (a community collection's community).
    pub audience: Audience,
    /// The collection's title, for the name of the report gathering loose observables.
    pub collection: String,
    /// Where objects named by a report but not in the add are looked for (the collection).
    pub scope: store::StixScope,
}

/// The longest narrative a report holds (as `prepare` checks).
pub(crate) const NARRATIVE_MAX_BYTES: usize = 200_000;

/// Control characters (which report titles and labels may not hold) as spaces.
pub(crate) fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The most referenced objects looked up in the collection for one add.
const RESOLVE_MAX: usize = 10_000;

/// The ids named by `object_refs` (reports, observed-data, groupings) that are not in `objects`.
fn missing_refs(objects: &[Value]) -> Vec<String> {
    let present: HashSet<&str> = objects.iter().filter_map(|o| o["id"].as_str()).collect();
    let mut missing: Vec<String> = objects
        .iter()
        .filter(|o| matches!(o["type"].as_str(), Some("report" | "observed-data" | "grouping")))
        .filter_map(|o| o["object_refs"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .filter(|id| !present.contains(id))
        .map(str::to_string)
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing.truncate(RESOLVE_MAX);
    missing
}

/// What the STIX objects of one add became in dragnet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StixMapped {
    /// dragnet reports made (STIX reports, then the ones gathering loose observables).
    pub reports: Vec<Uuid>,
    /// STIX reports already in dragnet (added before, or an earlier version of them).
    pub existing: usize,
    /// Observables in the reports made.
    pub observables: usize,
    /// What could not be mapped, by object (`indicator--…: pattern: …`).
    pub errors: Vec<String>,
}

/// The most restrictive TLP among an object's marking refs (TLP 2.0 and 1.0).
pub(crate) fn marking_tlp(object: &Value) -> Option<Tlp> {
    object
        .get("object_marking_refs")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter_map(Tlp::from_stix_marking_id)
        .max()
}

impl Engine {
    /// Maps the STIX objects `poster` just added into dragnet reports and stores them (see the
    /// module documentation). Fails only when the store does.
    pub(crate) async fn map_stix(
        &self,
        poster: &Principal,
        objects: &[Value],
        origin: &StixOrigin,
    ) -> Result<StixMapped, EngineError> {
        let mut objects = objects.to_vec();
        // A report may name objects added earlier (another request, another chunk of a
        // file): the latest version of each the poster may see, two levels deep.
        for _ in 0..2 {
            let missing = missing_refs(&objects);
            if missing.is_empty() {
                break;
            }
            let mut latest: BTreeMap<String, (chrono::DateTime<chrono::Utc>, String)> = BTreeMap::new();
            for ids in missing.chunks(crate::taxii::FILTER_MAX_VALUES) {
                let query = store::StixObjectQuery {
                    ids: ids.to_vec(),
                    ..store::StixObjectQuery::new(origin.scope, usize::MAX >> 1)
                };
                for row in self.store.list_stix_objects(&query).await? {
                    if model::can_see(&poster.viewer, &row.access())
                        && latest.get(&row.id).is_none_or(|(v, _)| row.version > *v)
                    {
                        latest.insert(row.id.clone(), (row.version, row.body));
                    }
                }
            }
            if latest.is_empty() {
                break;
            }
            objects.extend(latest.into_values().filter_map(|(_, body)| serde_json::from_str(&body).ok()));
        }
        let objects = &objects[..];
        let mapped = stix::import::map_objects_with(objects, &self.canon);
        // Errors name the object by id: positions would refer to what was newly stored.
        let errors = mapped
            .errors
            .iter()
            .map(|e| match &e.id {
                Some(id) => format!("{id}: {}", e.message),
                None => e.to_string(),
            })
            .collect();
        let mut out = StixMapped { errors, ..Default::default() };
        let audience = {
            let dir = self.directory();
            AudienceInput {
                organizations: origin.audience.organizations.iter().map(|o| dir.org_name(*o)).collect(),
                communities: origin.audience.communities.iter().map(|c| dir.community_name(*c)).collect(),
            }
        };
        let names: BTreeMap<&str, &str> = objects
            .iter()
            .filter(|o| o["type"] == "identity")
            .filter_map(|o| Some((o["id"].as_str()?, o["name"].as_str()?)))
            .collect();
        let created_at = now();
        let input =
            |title: String, narrative: String, tlp: Tlp, labels: Vec<String>, obs: Vec<ObservableInput>| {
                ReportInput {
                    kind: ReportKind::Intel,
                    title,
                    narrative,
                    tlp: tlp.as_str().to_string(),
                    audience: audience.clone(),
                    labels,
                    first_seen: None,
                    last_seen: None,
                    observables: obs,
                    scam: None,
                    victim_pii: None,
                    discoverable: None,
                }
            };
        // The value as received: `prepare` canonicalises it again and keeps it as the original.
        let observable = |o: &stix::import::MappedObservable| ObservableInput {
            kind: Some(o.kind),
            value: o.original.clone().unwrap_or_else(|| o.value.clone()),
            role: o.role.clone(),
        };

        let mut reports = Vec::new();
        for r in &mapped.reports {
            // What dragnet's own validation would refuse is made to fit rather than losing the
            // report: labels it cannot keep are left out, text is cut and cleaned.
            let mut labels: Vec<String> = r
                .labels
                .iter()
                .filter(|l| {
                    !l.trim().is_empty() && l.chars().count() <= 100 && !l.chars().any(char::is_control)
                })
                .take(99)
                .cloned()
                .collect();
            if let Some(author) = r.created_by_ref.as_deref().and_then(|id| names.get(id)) {
                labels.push(format!("stix-author:{}", printable(truncate(author, 80))));
            }
            let title = if r.title.trim().is_empty() {
                r.stix_id.clone()
            } else {
                printable(truncate(r.title.trim(), 500))
            };
            let mut obs: Vec<ObservableInput> = r.observables.iter().map(observable).collect();
            if obs.len() > REPORT_MAX_OBSERVABLES {
                out.errors.push(format!(
                    "{}: {} observables, the first {REPORT_MAX_OBSERVABLES} kept",
                    r.stix_id,
                    obs.len()
                ));
                obs.truncate(REPORT_MAX_OBSERVABLES);
            }
            let mut narrative = r.narrative.clone();
            narrative.retain(|c| c != '\0');
            if narrative.len() > NARRATIVE_MAX_BYTES {
                let mut end = NARRATIVE_MAX_BYTES;
                while !narrative.is_char_boundary(end) {
                    end -= 1;
                }
                narrative.truncate(end);
                out.errors.push(format!("{}: description cut to {NARRATIVE_MAX_BYTES} bytes", r.stix_id));
            }
            let tlp = r.tlp.unwrap_or(origin.tlp);
            match self.prepare(poster, input(title, narrative, tlp, labels, obs), created_at) {
                Ok(mut report) => {
                    report.id = r.id;
                    report.first_seen = r.published.or(r.created).map(|t| t.trunc_subsecs(6));
                    reports.push(report);
                }
                Err(e) => out.errors.push(format!("{}: {e}", r.stix_id)),
            }
        }

        // Loose observables, one report per TLP (each observable at its source object's TLP).
        let tlp_of: BTreeMap<&str, Tlp> =
            objects.iter().filter_map(|o| Some((o["id"].as_str()?, marking_tlp(o)?))).collect();
        let mut loose: BTreeMap<Tlp, Vec<ObservableInput>> = BTreeMap::new();
        for o in &mapped.loose {
            let tlp = o.source_id.as_deref().and_then(|id| tlp_of.get(id).copied()).unwrap_or(origin.tlp);
            loose.entry(tlp).or_default().push(observable(o));
        }
        let mut gathered = Vec::new();
        for (tlp, obs) in loose {
            for chunk in obs.chunks(REPORT_MAX_OBSERVABLES) {
                let title = format!("STIX observables added to {}", truncate(&origin.collection, 400));
                match self.prepare(
                    poster,
                    input(title, String::new(), tlp, vec!["stix".into()], chunk.to_vec()),
                    created_at,
                ) {
                    Ok(report) => gathered.push(report),
                    Err(e) => out.errors.push(format!("observables at TLP:{}: {e}", tlp.as_str())),
                }
            }
        }
        if reports.is_empty() && gathered.is_empty() {
            return Ok(out);
        }

        let _w = self.writes.lock().await;
        let ids: Vec<Uuid> = mapped.reports.iter().map(|r| r.id).collect();
        let existing: HashSet<Uuid> = self.store.get_reports(&ids).await?.into_iter().map(|r| r.id).collect();
        let mut seen = HashSet::new();
        reports.retain(|r| {
            let keep = !existing.contains(&r.id) && seen.insert(r.id);
            out.existing += usize::from(!keep);
            keep
        });
        for mut r in gathered {
            r.id = Uuid::now_v7();
            reports.push(r);
        }
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
}
