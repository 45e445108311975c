//! Value → occurrences, linear in the number of occurrences (never pairwise).
//!
//! Each report gets a dense slot (`u32`) holding the facts needed to decide visibility and to
//! answer listings; each canonical value maps to the slots of the reports that hold it. Memory is
//! one small record per report plus eight bytes per occurrence and the value strings once.
//!
//! Architecture invariant: nothing leaves this module without passing [`model::can_see`] for the
//! viewer asking. Counts, first/last seen and organisation lists are computed over visible
//! reports only.

use chrono::{DateTime, Utc};
use model::{Observable, ObservableKind, OrgId, Report, ReportAccess, ReportKind, Viewer, can_see};
use rustc_hash::FxHashMap;
use uuid::Uuid;

/// What the index keeps of a report.
#[derive(Clone, Debug)]
pub struct IndexedReport {
    pub id: Uuid,
    pub kind: ReportKind,
    pub access: ReportAccess,
    pub labels: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// `first_seen`, else `created_at`.
    pub first_seen: DateTime<Utc>,
    /// `last_seen`, else `first_seen`, else `created_at`.
    pub last_seen: DateTime<Utc>,
}

/// One visible occurrence of a value.
#[derive(Clone, Debug)]
pub struct Occurrence<'a> {
    pub report: &'a IndexedReport,
    pub role: Option<&'a str>,
}

/// Aggregates of a value over the reports a viewer may see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub count: usize,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Distinct author organisations, in order of first appearance (newest report first).
    pub organizations: Vec<OrgId>,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    report: u32,
    /// Index into `roles`; 0 is "no role".
    role: u32,
}

/// The in-memory correlation index. See the module docs.
#[derive(Default)]
pub struct CorrelationIndex {
    reports: Vec<IndexedReport>,
    slot_of: FxHashMap<Uuid, u32>,
    /// One map per observable kind, indexed by `kind as usize`.
    values: Vec<FxHashMap<Box<str>, Vec<Slot>>>,
    roles: Vec<Box<str>>,
    role_ids: FxHashMap<Box<str>, u32>,
    occurrences: usize,
}

impl CorrelationIndex {
    pub fn new() -> Self {
        CorrelationIndex {
            values: (0..ObservableKind::ALL.len()).map(|_| FxHashMap::default()).collect(),
            roles: vec!["".into()],
            ..Default::default()
        }
    }

    /// Number of reports indexed (visible or not: for operators' metrics only).
    pub fn report_count(&self) -> usize {
        self.reports.len()
    }

    /// Number of distinct canonical values indexed (for operators' metrics only).
    pub fn value_count(&self) -> usize {
        self.values.iter().map(|m| m.len()).sum()
    }

    /// Number of (report, value) occurrences indexed (for operators' metrics only).
    pub fn occurrence_count(&self) -> usize {
        self.occurrences
    }

    /// Adds a report. A report already indexed (same id) is ignored.
    pub fn insert(&mut self, report: &Report) {
        if self.slot_of.contains_key(&report.id) {
            return;
        }
        let slot = u32::try_from(self.reports.len()).expect("more than u32::MAX reports");
        let first_seen = report.first_seen.unwrap_or(report.created_at);
        self.reports.push(IndexedReport {
            id: report.id,
            kind: report.kind,
            access: report.access(),
            labels: report.labels.clone(),
            created_at: report.created_at,
            first_seen,
            last_seen: report.last_seen.unwrap_or(first_seen).max(first_seen),
        });
        self.slot_of.insert(report.id, slot);
        for obs in &report.observables {
            let role = match obs.role.as_deref() {
                None | Some("") => 0,
                Some(r) => self.intern_role(r),
            };
            let occurrences = self.values[obs.kind as usize].entry(obs.value.as_str().into()).or_default();
            // The same value twice in one report counts once.
            if occurrences.last().is_some_and(|s| s.report == slot) {
                continue;
            }
            occurrences.push(Slot { report: slot, role });
            self.occurrences += 1;
        }
    }

    fn intern_role(&mut self, role: &str) -> u32 {
        if let Some(id) = self.role_ids.get(role) {
            return *id;
        }
        let id = self.roles.len() as u32;
        self.roles.push(role.into());
        self.role_ids.insert(role.into(), id);
        id
    }

    /// Marks a report revoked: from now on only its author organisation sees it.
    /// Returns false when the report is not indexed.
    pub fn revoke(&mut self, id: Uuid) -> bool {
        match self.slot_of.get(&id) {
            Some(slot) => {
                self.reports[*slot as usize].access.revoked = true;
                true
            }
            None => false,
        }
    }

    /// The indexed facts of a report, if the viewer may see it.
    pub fn report(&self, viewer: &Viewer, id: Uuid) -> Option<&IndexedReport> {
        let slot = *self.slot_of.get(&id)?;
        let r = &self.reports[slot as usize];
        can_see(viewer, &r.access).then_some(r)
    }

    fn slots(&self, kind: ObservableKind, value: &str) -> &[Slot] {
        self.values[kind as usize].get(value).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The visible occurrences of a canonical value, newest report first.
    pub fn occurrences<'a>(
        &'a self,
        viewer: &'a Viewer,
        obs: &Observable,
    ) -> impl Iterator<Item = Occurrence<'a>> + 'a {
        let slots = self.slots(obs.kind, &obs.value);
        slots.iter().rev().filter_map(move |s| {
            let report = &self.reports[s.report as usize];
            can_see(viewer, &report.access)
                .then(|| Occurrence { report, role: (s.role != 0).then(|| &*self.roles[s.role as usize]) })
        })
    }

    /// Number of visible reports holding a canonical value.
    pub fn count(&self, viewer: &Viewer, obs: &Observable) -> usize {
        self.slots(obs.kind, &obs.value)
            .iter()
            .filter(|s| can_see(viewer, &self.reports[s.report as usize].access))
            .count()
    }

    /// Count, first/last seen and author organisations over the visible reports holding a value.
    pub fn summary(&self, viewer: &Viewer, obs: &Observable) -> Summary {
        let mut summary = Summary::default();
        for occ in self.occurrences(viewer, obs) {
            let r = occ.report;
            summary.count += 1;
            summary.first_seen = Some(summary.first_seen.map_or(r.first_seen, |t| t.min(r.first_seen)));
            summary.last_seen = Some(summary.last_seen.map_or(r.last_seen, |t| t.max(r.last_seen)));
            if !summary.organizations.contains(&r.access.author) {
                summary.organizations.push(r.access.author);
            }
        }
        summary
    }

    /// Visible reports, newest indexed first, that pass `keep`, starting after the report
    /// `after` (a cursor from a previous page), at most `limit`. Returns the page and whether
    /// more may follow. When `holding` is given, only reports holding that value are scanned.
    pub fn list<'a>(
        &'a self,
        viewer: &Viewer,
        holding: Option<&Observable>,
        after: Option<Uuid>,
        limit: usize,
        mut keep: impl FnMut(&IndexedReport) -> bool,
    ) -> (Vec<&'a IndexedReport>, bool) {
        // Slots are in indexing order; a cursor names the last report of the previous page.
        let start = match after {
            Some(id) => match self.slot_of.get(&id) {
                Some(s) => *s as usize,
                None => return (Vec::new(), false),
            },
            None => usize::MAX,
        };
        let mut page = Vec::with_capacity(limit.min(1024));
        let mut candidates: Box<dyn Iterator<Item = usize> + '_> = match holding {
            Some(obs) => Box::new(
                self.slots(obs.kind, &obs.value)
                    .iter()
                    .rev()
                    .map(|s| s.report as usize)
                    .filter(move |s| *s < start),
            ),
            None => Box::new((0..self.reports.len().min(start)).rev()),
        };
        for slot in candidates.by_ref() {
            let r = &self.reports[slot];
            if can_see(viewer, &r.access) && keep(r) {
                if page.len() == limit {
                    return (page, true);
                }
                page.push(r);
            }
        }
        (page, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::report::ReportObservable;
    use model::{Audience, Role, Tlp};

    fn report(n: u128, author: OrgId, tlp: Tlp, values: &[&str]) -> Report {
        Report {
            id: Uuid::from_u128(n),
            kind: ReportKind::Scam,
            title: format!("r{n}"),
            narrative: String::new(),
            tlp,
            audience: Audience::default(),
            author,
            labels: vec![],
            created_at: DateTime::from_timestamp(1_700_000_000 + n as i64, 0).unwrap(),
            first_seen: None,
            last_seen: None,
            observables: values
                .iter()
                .map(|v| ReportObservable {
                    kind: ObservableKind::Phone,
                    value: v.to_string(),
                    original: None,
                    role: Some("scammer-phone".into()),
                })
                .collect(),
            revoked_at: None,
        }
    }

    #[test]
    fn counts_only_visible_reports() {
        let a = OrgId(Uuid::from_u128(1));
        let b = OrgId(Uuid::from_u128(2));
        let mut idx = CorrelationIndex::new();
        idx.insert(&report(10, a, Tlp::Green, &["+1", "+2"]));
        idx.insert(&report(11, a, Tlp::Red, &["+1"]));
        idx.insert(&report(12, b, Tlp::Amber, &["+1", "+1"]));
        let phone = |v: &str| Observable { kind: ObservableKind::Phone, value: v.into() };
        let va = Viewer::new(a, Role::Reader, vec![]);
        let vb = Viewer::new(b, Role::Reader, vec![]);
        assert_eq!(idx.count(&va, &phone("+1")), 2);
        assert_eq!(idx.count(&vb, &phone("+1")), 2);
        let s = idx.summary(&vb, &phone("+1"));
        assert_eq!(s.organizations, vec![b, a]);
        assert_eq!(idx.count(&vb, &phone("+3")), 0);
        assert_eq!(idx.occurrence_count(), 4);
        assert!(idx.revoke(Uuid::from_u128(10)));
        assert_eq!(idx.count(&vb, &phone("+1")), 1);
        assert_eq!(idx.count(&va, &phone("+1")), 2);
        let (page, more) = idx.list(&va, None, None, 1, |_| true);
        assert_eq!(page[0].id, Uuid::from_u128(11));
        assert!(more);
        let (page, more) = idx.list(&va, None, Some(Uuid::from_u128(11)), 10, |_| true);
        assert_eq!(page.len(), 1);
        assert!(!more);
    }
}
