//! Value → occurrences, linear in the number of occurrences (never pairwise).
//!
//! Each report gets a dense slot (`u32`) holding the facts needed to decide visibility and to
//! answer listings; each canonical value maps to the slots of the reports that hold it. Memory is
//! one small record per report plus eight bytes per occurrence and the value strings once.
//!
//! Each value also keeps two tallies of its occurrences: how many are in reports every viewer
//! may see ([`model::visible_to_all`]: CLEAR or GREEN, not revoked), and, for the rest, how many
//! per *access class* — reports sharing the same [`ReportAccess`] (author, TLP, audience,
//! revocation). Counting a value for a viewer is the public tally plus the tally of each class
//! [`model::can_see`] allows: O(classes of the value), not O(occurrences), so a hosting IP seen
//! in 100,000 reports counts as fast as a one-off.
//!
//! Architecture invariant: nothing leaves this module without passing [`model::can_see`] for the
//! viewer asking. Counts, first/last seen and organisation lists are computed over visible
//! reports only.

use chrono::{DateTime, Utc};
use model::{
    Observable, ObservableKind, OrgId, Report, ReportAccess, ReportKind, Viewer, can_see, visible_to_all,
};
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

/// The occurrences of one value.
#[derive(Default)]
struct Postings {
    /// Every occurrence, in ascending slot order (oldest report first).
    slots: Vec<Slot>,
    /// How many occurrences are in reports every viewer may see.
    public: u32,
    /// The other occurrences, counted per access class: (class, count), counts above zero.
    classes: Vec<(u32, u32)>,
}

impl Postings {
    fn add_to_class(&mut self, class: u32) {
        match self.classes.iter_mut().find(|(c, _)| *c == class) {
            Some((_, n)) => *n += 1,
            None => self.classes.push((class, 1)),
        }
    }

    fn remove_from_class(&mut self, class: u32) {
        if let Some(i) = self.classes.iter().position(|(c, _)| *c == class) {
            self.classes[i].1 -= 1;
            if self.classes[i].1 == 0 {
                self.classes.swap_remove(i);
            }
        }
    }
}

static EMPTY: Postings = Postings { slots: Vec::new(), public: 0, classes: Vec::new() };

/// The in-memory correlation index. See the module docs.
#[derive(Default)]
pub struct CorrelationIndex {
    reports: Vec<IndexedReport>,
    /// The access class of each report, by slot.
    report_class: Vec<u32>,
    /// Distinct access facts, by class id.
    classes: Vec<ReportAccess>,
    class_ids: FxHashMap<ReportAccess, u32>,
    slot_of: FxHashMap<Uuid, u32>,
    /// One map per observable kind, indexed by `kind as usize`.
    values: Vec<FxHashMap<Box<str>, Postings>>,
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
        let class = self.intern_class(&report.access());
        self.report_class.push(class);
        let public = visible_to_all(&self.reports[slot as usize].access);
        for obs in &report.observables {
            let role = match obs.role.as_deref() {
                None | Some("") => 0,
                Some(r) => self.intern_role(r),
            };
            let postings = self.values[obs.kind as usize].entry(obs.value.as_str().into()).or_default();
            // The same value twice in one report counts once.
            if postings.slots.last().is_some_and(|s| s.report == slot) {
                continue;
            }
            postings.slots.push(Slot { report: slot, role });
            if public {
                postings.public += 1;
            } else {
                postings.add_to_class(class);
            }
            self.occurrences += 1;
        }
    }

    fn intern_class(&mut self, access: &ReportAccess) -> u32 {
        if let Some(id) = self.class_ids.get(access) {
            return *id;
        }
        let id = u32::try_from(self.classes.len()).expect("more than u32::MAX access classes");
        self.classes.push(access.clone());
        self.class_ids.insert(access.clone(), id);
        id
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

    /// Marks a report revoked: from now on only its author organisation sees it. `report` is
    /// the report as indexed (its observables say which postings move). Returns false when the
    /// report is not indexed.
    pub fn revoke(&mut self, report: &Report) -> bool {
        let Some(&slot) = self.slot_of.get(&report.id) else { return false };
        let access = &mut self.reports[slot as usize].access;
        if access.revoked {
            return true;
        }
        let was_public = visible_to_all(access);
        access.revoked = true;
        let revoked = access.clone();
        let old_class = self.report_class[slot as usize];
        let new_class = self.intern_class(&revoked);
        self.report_class[slot as usize] = new_class;
        let mut done: Vec<(ObservableKind, &str)> = Vec::with_capacity(report.observables.len());
        for obs in &report.observables {
            if done.contains(&(obs.kind, obs.value.as_str())) {
                continue;
            }
            done.push((obs.kind, obs.value.as_str()));
            let Some(postings) = self.values[obs.kind as usize].get_mut(obs.value.as_str()) else { continue };
            if postings.slots.binary_search_by_key(&slot, |s| s.report).is_err() {
                continue;
            }
            if was_public {
                postings.public -= 1;
            } else {
                postings.remove_from_class(old_class);
            }
            postings.add_to_class(new_class);
        }
        true
    }

    /// The indexed facts of a report, if the viewer may see it.
    pub fn report(&self, viewer: &Viewer, id: Uuid) -> Option<&IndexedReport> {
        let slot = *self.slot_of.get(&id)?;
        let r = &self.reports[slot as usize];
        can_see(viewer, &r.access).then_some(r)
    }

    fn postings(&self, kind: ObservableKind, value: &str) -> &Postings {
        self.values[kind as usize].get(value).unwrap_or(&EMPTY)
    }

    /// The visible occurrences of a canonical value, newest report first.
    pub fn occurrences<'a>(
        &'a self,
        viewer: &'a Viewer,
        obs: &Observable,
    ) -> impl Iterator<Item = Occurrence<'a>> + 'a {
        self.postings(obs.kind, &obs.value).slots.iter().rev().filter_map(move |s| {
            let report = &self.reports[s.report as usize];
            can_see(viewer, &report.access)
                .then(|| Occurrence { report, role: (s.role != 0).then(|| &*self.roles[s.role as usize]) })
        })
    }

    /// Visible occurrences of `postings` for `viewer`, from the tallies alone.
    fn visible_count(&self, viewer: &Viewer, postings: &Postings) -> usize {
        let restricted: u32 = postings
            .classes
            .iter()
            .filter(|(class, _)| can_see(viewer, &self.classes[*class as usize]))
            .map(|(_, n)| *n)
            .sum();
        (postings.public + restricted) as usize
    }

    /// Number of visible reports holding a canonical value: O(access classes of the value).
    pub fn count(&self, viewer: &Viewer, obs: &Observable) -> usize {
        self.visible_count(viewer, self.postings(obs.kind, &obs.value))
    }

    /// The visible count of a value and the ids of its newest `limit` visible reports, with one
    /// look-up of the value (the bulk-check hot path).
    pub fn hits(&self, viewer: &Viewer, obs: &Observable, limit: usize) -> (usize, Vec<Uuid>) {
        let postings = self.postings(obs.kind, &obs.value);
        let count = self.visible_count(viewer, postings);
        if count == 0 {
            return (0, Vec::new());
        }
        let ids = postings
            .slots
            .iter()
            .rev()
            .map(|s| &self.reports[s.report as usize])
            .filter(|r| can_see(viewer, &r.access))
            .take(limit.min(count))
            .map(|r| r.id)
            .collect();
        (count, ids)
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
                self.postings(obs.kind, &obs.value)
                    .slots
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
            scam: None,
            victim_pii: None,
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
        assert!(idx.revoke(&report(10, a, Tlp::Green, &["+1", "+2"])));
        assert!(!idx.revoke(&report(99, a, Tlp::Green, &[])));
        assert_eq!(idx.count(&vb, &phone("+1")), 1);
        assert_eq!(idx.count(&va, &phone("+1")), 2);
        let (page, more) = idx.list(&va, None, None, 1, |_| true);
        assert_eq!(page[0].id, Uuid::from_u128(11));
        assert!(more);
        let (page, more) = idx.list(&va, None, Some(Uuid::from_u128(11)), 10, |_| true);
        assert_eq!(page.len(), 1);
        assert!(!more);
    }

    /// The index agrees with a brute-force scan through `can_see` for every viewer and value,
    /// across random TLPs, audiences and revocations.
    #[test]
    fn agrees_with_brute_force() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let orgs: Vec<OrgId> = (1..=5).map(|i| OrgId(Uuid::from_u128(i))).collect();
        let communities = [model::CommunityId(Uuid::from_u128(50))];
        let values = ["+1", "+2", "+3", "+4"];
        let mut idx = CorrelationIndex::new();
        let mut reports = Vec::new();
        for n in 0..300u128 {
            let tlp = Tlp::ALL[next(5) as usize];
            let picked: Vec<&str> = values.iter().copied().filter(|_| next(2) == 0).collect();
            let mut r = report(1000 + n, orgs[next(5) as usize], tlp, &picked);
            r.audience = Audience {
                organizations: vec![orgs[next(5) as usize]],
                communities: if next(2) == 0 { communities.to_vec() } else { vec![] },
            };
            idx.insert(&r);
            reports.push(r);
            if next(10) == 0 {
                let victim = next(reports.len() as u64) as usize;
                idx.revoke(&reports[victim]);
                reports[victim].revoked_at = Some(reports[victim].created_at);
            }
        }
        let viewers: Vec<Viewer> = orgs
            .iter()
            .enumerate()
            .map(|(i, o)| {
                Viewer::new(*o, Role::Reader, if i % 2 == 0 { communities.to_vec() } else { vec![] })
            })
            .collect();
        for v in &viewers {
            for value in values {
                let obs = Observable { kind: ObservableKind::Phone, value: value.into() };
                let expected: Vec<Uuid> = reports
                    .iter()
                    .rev()
                    .filter(|r| r.observables.iter().any(|o| o.value == value) && can_see(v, &r.access()))
                    .map(|r| r.id)
                    .collect();
                let got: Vec<Uuid> = idx.occurrences(v, &obs).map(|o| o.report.id).collect();
                assert_eq!(got, expected, "occurrences of {value}");
                assert_eq!(idx.count(v, &obs), expected.len(), "count of {value}");
                let (count, newest) = idx.hits(v, &obs, 3);
                assert_eq!((count, newest.as_slice()), (expected.len(), &expected[..expected.len().min(3)]));
                let (page, _) = idx.list(v, Some(&obs), None, 1000, |_| true);
                assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), expected, "list of {value}");
            }
        }
    }
}
