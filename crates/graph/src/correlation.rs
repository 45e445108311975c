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
//!
//! Hit/no-hit: an access class also carries the reports' `discoverable` flag, so
//! [`CorrelationIndex::held_elsewhere`] — whether a discoverable report the viewer may *not* see
//! holds a value — is answered from the same tallies in O(classes of the value), and only ever
//! as one boolean ([`model::discovery`]).

use chrono::{DateTime, Utc};
use model::discovery::is_discoverable;
use model::{
    Observable, ObservableKind, OrgId, Report, ReportAccess, ReportKind, Viewer, can_see, visible_to_all,
};
use rustc_hash::{FxHashMap, FxHashSet};
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
    /// The report's own `discoverable` flag (`None`: its organisation's setting).
    pub discoverable: Option<bool>,
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

/// The facts shared by the reports of one access class: who may see them and whether others
/// may discover them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Class {
    access: ReportAccess,
    discoverable: Option<bool>,
}

/// The in-memory correlation index. See the module docs.
#[derive(Default)]
pub struct CorrelationIndex {
    reports: Vec<IndexedReport>,
    /// The access class of each report, by slot.
    report_class: Vec<u32>,
    /// Distinct access classes, by class id.
    classes: Vec<Class>,
    class_ids: FxHashMap<Class, u32>,
    /// Organisations whose reports are all discoverable unless a report says otherwise.
    discoverable_orgs: FxHashSet<OrgId>,
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
            discoverable: report.discoverable,
        });
        self.slot_of.insert(report.id, slot);
        let class = self.intern_class(Class { access: report.access(), discoverable: report.discoverable });
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

    fn intern_class(&mut self, class: Class) -> u32 {
        if let Some(id) = self.class_ids.get(&class) {
            return *id;
        }
        let id = u32::try_from(self.classes.len()).expect("more than u32::MAX access classes");
        self.classes.push(class.clone());
        self.class_ids.insert(class, id);
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
        let r = &self.reports[slot as usize];
        if r.access.revoked {
            return true;
        }
        let mut access = r.access.clone();
        access.revoked = true;
        let discoverable = r.discoverable;
        self.reclass(slot, report, access, discoverable);
        true
    }

    /// Takes a report's sharing facts as they are now (audience, TLP, revocation and its
    /// `discoverable` flag; its observables must be those indexed): the path of every change
    /// to who may see or discover a report. Returns false when the report is not indexed.
    pub fn update_sharing(&mut self, report: &Report) -> bool {
        let Some(&slot) = self.slot_of.get(&report.id) else { return false };
        self.reclass(slot, report, report.access(), report.discoverable);
        true
    }

    /// Moves the report in `slot` to the class of `access` and `discoverable`, moving the
    /// tallies of the values in `report` with it.
    fn reclass(&mut self, slot: u32, report: &Report, access: ReportAccess, discoverable: Option<bool>) {
        let was_public = visible_to_all(&self.reports[slot as usize].access);
        let is_public = visible_to_all(&access);
        let old_class = self.report_class[slot as usize];
        let new_class = self.intern_class(Class { access: access.clone(), discoverable });
        let r = &mut self.reports[slot as usize];
        r.access = access;
        r.discoverable = discoverable;
        self.report_class[slot as usize] = new_class;
        if old_class == new_class {
            return;
        }
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
            if is_public {
                postings.public += 1;
            } else {
                postings.add_to_class(new_class);
            }
        }
    }

    /// Sets an organisation's "all our reports are discoverable" setting (reports whose own
    /// flag is `None` follow it).
    pub fn set_org_discoverable(&mut self, org: OrgId, on: bool) {
        if on {
            self.discoverable_orgs.insert(org);
        } else {
            self.discoverable_orgs.remove(&org);
        }
    }

    fn class_discoverable(&self, class: &Class) -> bool {
        is_discoverable(
            &class.access,
            class.discoverable,
            self.discoverable_orgs.contains(&class.access.author),
        )
    }

    /// Whether a report is discoverable now (its flag, its organisation's setting, its TLP and
    /// revocation; see [`model::discovery::is_discoverable`]).
    pub fn is_discoverable(&self, report: &IndexedReport) -> bool {
        is_discoverable(
            &report.access,
            report.discoverable,
            self.discoverable_orgs.contains(&report.access.author),
        )
    }

    /// Hit/no-hit: whether a discoverable report the viewer may **not** see holds the value.
    /// Only a boolean ever leaves: no count, no organisation, no report. Computed from the
    /// value's access classes (O(classes), every class examined whatever the answer); reports
    /// every viewer may see never count, since the viewer reads them.
    pub fn held_elsewhere(&self, viewer: &Viewer, obs: &Observable) -> bool {
        let postings = self.postings(obs.kind, &obs.value);
        let mut held = false;
        for (class, _) in &postings.classes {
            let class = &self.classes[*class as usize];
            held |= self.class_discoverable(class) & !can_see(viewer, &class.access);
        }
        held
    }

    /// The author organisations of the discoverable reports holding the value that the viewer
    /// may not see, sorted: where an access request about the value is routed. Never shown to
    /// the viewer (it learns only [`CorrelationIndex::held_elsewhere`]).
    pub fn held_elsewhere_by(&self, viewer: &Viewer, obs: &Observable) -> Vec<OrgId> {
        let mut owners: Vec<OrgId> = self
            .postings(obs.kind, &obs.value)
            .classes
            .iter()
            .map(|(class, _)| &self.classes[*class as usize])
            .filter(|class| self.class_discoverable(class) && !can_see(viewer, &class.access))
            .map(|class| class.access.author)
            .collect();
        owners.sort_unstable();
        owners.dedup();
        owners
    }

    /// Whether an organisation's "all our reports are discoverable" setting is on.
    pub fn org_discoverable(&self, org: OrgId) -> bool {
        self.discoverable_orgs.contains(&org)
    }

    /// The indexed facts of a report, whoever may see it: for bringing the index up to date,
    /// never for answering a reader (see [`CorrelationIndex::report`]).
    pub fn indexed(&self, id: Uuid) -> Option<&IndexedReport> {
        self.slot_of.get(&id).map(|slot| &self.reports[*slot as usize])
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
            .filter(|(class, _)| can_see(viewer, &self.classes[*class as usize].access))
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
            provenance: None,
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
            discoverable: None,
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

    /// Hit/no-hit: only a discoverable report the viewer cannot see counts; RED and revoked
    /// reports never do; the organisation setting applies to reports without a flag.
    #[test]
    fn held_elsewhere_only_for_discoverable_hidden_reports() {
        let a = OrgId(Uuid::from_u128(1));
        let b = OrgId(Uuid::from_u128(2));
        let va = Viewer::new(a, Role::Reader, vec![]);
        let vb = Viewer::new(b, Role::Reader, vec![]);
        let phone = |v: &str| Observable { kind: ObservableKind::Phone, value: v.into() };
        let mut idx = CorrelationIndex::new();
        let mut amber = report(10, a, Tlp::Amber, &["+1", "+2"]);
        idx.insert(&amber);
        let mut red = report(11, a, Tlp::Red, &["+3"]);
        red.discoverable = Some(true);
        idx.insert(&red);
        let mut green = report(12, a, Tlp::Green, &["+4"]);
        green.discoverable = Some(true);
        idx.insert(&green);
        // Nothing is discoverable by default.
        for v in ["+1", "+2", "+3", "+4", "+5"] {
            assert!(!idx.held_elsewhere(&vb, &phone(v)), "{v}");
            assert!(!idx.held_elsewhere(&va, &phone(v)), "{v}: the author reads its reports");
        }
        amber.discoverable = Some(true);
        assert!(idx.update_sharing(&amber));
        assert!(idx.held_elsewhere(&vb, &phone("+1")));
        assert!(idx.held_elsewhere(&vb, &phone("+2")));
        assert!(!idx.held_elsewhere(&va, &phone("+1")));
        assert!(!idx.held_elsewhere(&vb, &phone("+3")), "RED is never discoverable");
        assert!(!idx.held_elsewhere(&vb, &phone("+4")), "b reads the GREEN report itself");
        assert_eq!(idx.count(&vb, &phone("+1")), 0);
        // Granting: b joins the audience and reads the report; nothing is held elsewhere.
        amber.audience.organizations.push(b);
        assert!(idx.update_sharing(&amber));
        assert_eq!(idx.count(&vb, &phone("+1")), 1);
        assert!(!idx.held_elsewhere(&vb, &phone("+1")));
        assert!(idx.report(&vb, amber.id).is_some());
        // The organisation setting covers reports without a flag, never one that says no.
        let mut other = report(13, a, Tlp::AmberStrict, &["+6"]);
        idx.insert(&other);
        assert!(!idx.held_elsewhere(&vb, &phone("+6")));
        idx.set_org_discoverable(a, true);
        assert!(idx.held_elsewhere(&vb, &phone("+6")));
        assert!(idx.is_discoverable(idx.report(&va, other.id).unwrap()));
        other.discoverable = Some(false);
        assert!(idx.update_sharing(&other));
        assert!(!idx.held_elsewhere(&vb, &phone("+6")));
        other.discoverable = None;
        assert!(idx.update_sharing(&other));
        assert!(idx.held_elsewhere(&vb, &phone("+6")));
        // A revoked report is never discoverable.
        assert!(idx.revoke(&other));
        assert!(!idx.held_elsewhere(&vb, &phone("+6")));
        idx.set_org_discoverable(a, false);
        assert!(!idx.update_sharing(&report(99, a, Tlp::Amber, &[])));
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
            r.discoverable = [None, Some(true), Some(false)][next(3) as usize];
            idx.insert(&r);
            reports.push(r);
            if next(10) == 0 {
                let victim = next(reports.len() as u64) as usize;
                idx.revoke(&reports[victim]);
                reports[victim].revoked_at = Some(reports[victim].created_at);
            }
            // Sharing changes: a wider audience (an access grant), a new discoverable flag.
            if next(8) == 0 {
                let changed = next(reports.len() as u64) as usize;
                let r = &mut reports[changed];
                r.audience.organizations.push(orgs[next(5) as usize]);
                r.discoverable = [None, Some(true), Some(false)][next(3) as usize];
                assert!(idx.update_sharing(r));
            }
        }
        let discoverable_orgs = [orgs[1], orgs[3]];
        for o in discoverable_orgs {
            idx.set_org_discoverable(o, true);
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
                let held = reports.iter().any(|r| {
                    r.observables.iter().any(|o| o.value == value)
                        && is_discoverable(&r.access(), r.discoverable, discoverable_orgs.contains(&r.author))
                        && !can_see(v, &r.access())
                });
                assert_eq!(idx.held_elsewhere(v, &obs), held, "held elsewhere of {value}");
                let mut owners: Vec<OrgId> = reports
                    .iter()
                    .filter(|r| {
                        r.observables.iter().any(|o| o.value == value)
                            && is_discoverable(
                                &r.access(),
                                r.discoverable,
                                discoverable_orgs.contains(&r.author),
                            )
                            && !can_see(v, &r.access())
                    })
                    .map(|r| r.author)
                    .collect();
                owners.sort_unstable();
                owners.dedup();
                assert_eq!(idx.held_elsewhere_by(v, &obs), owners, "owners of {value}");
            }
        }
    }
}
