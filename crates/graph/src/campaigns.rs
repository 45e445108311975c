//! Campaigns: reports linked through shared strong indicators, never through hubs.
//!
//! A campaign is a connected component of the graph whose nodes are reports and whose links are
//! the strong indicators (phone, wallet, IBAN, registrable domain, e-mail, Telegram handle) two
//! reports share, except **hubs**: values that bridge many otherwise unrelated groups of
//! reports (an impersonated brand's real domain, a URL shortener, the hotline's own number).
//! Every live report is in exactly one campaign; a report linked to nothing is a campaign of
//! one.
//!
//! # Hubs
//!
//! A value is a hub for one of three reasons ([`HubReason`]):
//!
//! - **listed**: the predicate of [`CampaignOptions::listed`] (the engine passes its warning
//!   lists) or [`CampaignIndex::set_listed`] says so;
//! - **marked**: an operator said so ([`CampaignIndex::mark_hub`]);
//! - **structural**: the graph says so. Values are examined in order of *degree level* (the
//!   number of live reports holding the value, on a base-4 logarithmic scale: 1, 2–3, 4–15,
//!   16–63, 64–255, …). A value of level `L` is examined against the *groups* of reports formed
//!   by the linking values of lower levels (all values of one level are examined together,
//!   against the same groups, so two hubs of one level cannot hide each other; a hub found at
//!   a lower level links nothing above it). Of the value's reports, those that sit in a group
//!   of two or more reports are counted: `k` groups, `c` of the value's reports in them, `s`
//!   reports in those groups in all. The value is a hub when `k >= min_groups` (default 5)
//!   **and** `c < max_coverage * s` (default 0.3): it joins many groups that were otherwise
//!   apart, and in them it is a small minority. A value that is in most reports of the groups
//!   it joins is their common identity (the campaign's busy phone number, in 300 reports that
//!   its mule accounts split into a dozen groups) and links them. A value whose reports are
//!   otherwise unlinked singletons forms no group at all (`k = 0`) and links them, however
//!   many there are. A value shared by a few otherwise separate groups (a mule account two
//!   operations use) links them. The number of reports alone decides nothing.
//!
//! Listed and marked values never link anything and are not examined.
//!
//! What the structure cannot tell: a hub whose reports are held together only by values of
//! its own degree level or above (campaigns whose reports share nothing but a busy phone as
//! widespread as the hub) forms no groups below it and links; a value that joins five or more
//! small groups, a minority in each, is a hub even if it is the only link between them. The
//! warning lists and operator marks are there for the first; the second costs recall only
//! where a campaign hangs on one thread.
//!
//! # Incremental maintenance
//!
//! The partition is a function of the set of live reports (and the lists and marks), not of
//! their order: inserting reports one by one, in any order, gives the partition that
//! [`CampaignIndex::build`] computes from scratch (a property test checks it after every
//! insert and revocation). It is maintained exactly, without recomputing everything:
//!
//! - An insert links the new report to the campaigns of its linking indicators; merged
//!   campaigns keep the id of the oldest.
//! - A decision can only change when what it was made on changes. After every exact
//!   evaluation each value keeps its figures, and the index keeps sound bounds on how far
//!   inserts can move them since: a linker's `k` grows only through a report of its own that
//!   lands in a group at its level or through a value first shared by one of its lone
//!   reports, its `c` never falls and its `s` is at most its campaign's size; a hub keeps at
//!   least one group in every campaign it had one in, a new report merges at most as many of
//!   its groups into one as the report has links below the hub's level, and its `c` and `s`
//!   grow together. While the
//!   bounds prove that no decision can flip, an insert costs a few hash look-ups.
//! - When a bound no longer proves it, the value is re-examined exactly in its campaign
//!   (against the campaign's linkers below its level); when a linker moves to another degree
//!   level, every value of that level in its campaign is. Only a decision that really flips
//!   (or a revocation, a mark, a hub's own level change) recomputes whole campaigns from
//!   scratch. A recomputation reaches into no other campaign: every value whose reports leave
//!   the region is a hub, and its figures for the region are replaced; if that leaves the
//!   hub's decision uncertain, the region grows to the hub's campaigns and is recomputed again.
//!
//! Campaign ids are stable: a merge keeps the id of the older (smaller) campaign id; when a
//! campaign splits (a value turned into a hub, a report was revoked), the part holding most of
//! its reports keeps its id and the other parts get an id of their own (the id of another old
//! campaign they hold most of, else a new one).

use std::fmt;

use model::ObservableKind;
use rustc_hash::{FxHashMap, FxHashSet};

/// A strong indicator: an observable kind and its canonical value (for domains, the
/// registrable domain). See [`strong_keys`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndicatorKey {
    pub kind: ObservableKind,
    pub value: String,
}

impl IndicatorKey {
    pub fn new(kind: ObservableKind, value: impl Into<String>) -> Self {
        IndicatorKey { kind, value: value.into() }
    }
}

/// An [`IndicatorKey`] borrowed: hashes like it (a derived `Hash` of the same fields, and a
/// `String` hashes as its `str`), so a map of keys can be asked without allocating one.
#[derive(Hash)]
struct KeyRef<'a> {
    kind: ObservableKind,
    value: &'a str,
}

impl hashbrown::Equivalent<IndicatorKey> for KeyRef<'_> {
    fn equivalent(&self, key: &IndicatorKey) -> bool {
        self.kind == key.kind && self.value == key.value
    }
}

impl fmt::Display for IndicatorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}

/// The strong indicators of a report's canonical observables, sorted and without duplicates.
///
/// URLs, domains and e-mail addresses give their registrable domain (e-mail addresses also
/// give themselves); phones, wallets (btc, eth, trx, ltc), IBANs and Telegram handles give
/// themselves. IP addresses, hashes and remote-access ids are not strong indicators (shared
/// hosting, shared files, shared tools) and give nothing; nor does a URL whose host is an IP
/// address or a public suffix. Values are expected in canonical form (as stored); a value that
/// does not parse gives nothing.
pub fn strong_keys(observables: &[(ObservableKind, &str)]) -> Vec<IndicatorKey> {
    use model::observable::{canonicalize, registrable_domain};
    let mut out = Vec::with_capacity(observables.len() + 1);
    let domain = |out: &mut Vec<IndicatorKey>, d: &str| {
        if let Some(r) = registrable_domain(d) {
            out.push(IndicatorKey::new(ObservableKind::Domain, r));
        }
    };
    for &(kind, value) in observables {
        match kind {
            ObservableKind::Phone
            | ObservableKind::Btc
            | ObservableKind::Eth
            | ObservableKind::Trx
            | ObservableKind::Ltc
            | ObservableKind::Iban
            | ObservableKind::Telegram => out.push(IndicatorKey::new(kind, value)),
            ObservableKind::Email => {
                out.push(IndicatorKey::new(kind, value));
                if let Some((_, host)) = value.rsplit_once('@') {
                    domain(&mut out, host);
                }
            }
            ObservableKind::Domain => domain(&mut out, value),
            ObservableKind::Url => {
                if let Ok(c) = canonicalize(ObservableKind::Url, value, &Default::default()) {
                    for rel in c.related.iter().filter(|o| o.kind == ObservableKind::Domain) {
                        domain(&mut out, &rel.value);
                    }
                }
            }
            ObservableKind::Ipv4
            | ObservableKind::Ipv6
            | ObservableKind::Md5
            | ObservableKind::Sha1
            | ObservableKind::Sha256
            | ObservableKind::Pdq
            | ObservableKind::RemoteAccess => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A campaign's id: stable across incremental updates (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CampaignId(pub u32);

/// Why a value is a hub.
#[derive(Clone, Debug, PartialEq)]
pub enum HubReason {
    /// On a warning list (the options' predicate or [`CampaignIndex::set_listed`]).
    Listed,
    /// Marked by an operator, with the reason they gave.
    Marked(String),
    /// Found by the structure of the graph: the value's reports fall into `groups` groups
    /// that are otherwise apart, and it is in `coverage` of their reports (as of its last
    /// exact evaluation).
    Structural { groups: u32, coverage: f64 },
}

/// A hub and its degree (live reports holding it).
#[derive(Clone, Debug, PartialEq)]
pub struct HubInfo<'a> {
    pub key: &'a IndicatorKey,
    pub reason: HubReason,
    pub degree: u32,
}

/// A predicate saying whether a value is on a warning list.
pub type ListedFn = Box<dyn Fn(&IndicatorKey) -> bool + Send + Sync>;

/// How campaigns are formed.
pub struct CampaignOptions {
    /// A structural hub joins at least this many groups (default 5): a value shared by a few
    /// otherwise separate groups (a mule account used by two operations) links them.
    pub min_groups: u32,
    /// A structural hub is in less than this share of the reports of the groups it joins
    /// (default 0.3).
    pub max_coverage: f64,
    /// Values on a warning list (asked once per value, when it is first seen).
    pub listed: Option<ListedFn>,
    /// When set, the `min_groups` of *weak* values ([`is_weak`]: IP addresses, file and image
    /// hashes, remote-access ids), which are shared infrastructure by nature: the link graph
    /// treats such a value bridging two otherwise separate groups as a hub. Default unset
    /// (campaigns never link through weak values at all).
    pub weak_min_groups: Option<u32>,
}

impl Default for CampaignOptions {
    fn default() -> Self {
        CampaignOptions { min_groups: 5, max_coverage: 0.3, listed: None, weak_min_groups: None }
    }
}

/// Whether values of this kind are weak evidence of a link by themselves: IP addresses (shared
/// hosting, NAT, VPN exits), file and image hashes (shared files), remote-access ids (shared
/// tools). [`strong_keys`] gives none of them.
pub fn is_weak(kind: ObservableKind) -> bool {
    use ObservableKind::*;
    matches!(kind, Ipv4 | Ipv6 | Md5 | Sha1 | Sha256 | Pdq | RemoteAccess)
}

impl fmt::Debug for CampaignOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CampaignOptions")
            .field("min_groups", &self.min_groups)
            .field("weak_min_groups", &self.weak_min_groups)
            .field("max_coverage", &self.max_coverage)
            .field("listed", &self.listed.as_ref().map(|_| "fn"))
            .finish()
    }
}

const NONE: u32 = u32::MAX;
const ABSENT: u8 = 0;
const ALIVE: u8 = 1;
const REVOKED: u8 = 2;

/// Degree level: 0 for one report, 1 for 2–3, then one level per factor of four (4–15: 2,
/// 16–63: 3, …).
fn level(deg: usize) -> u8 {
    match deg {
        0 | 1 => 0,
        2 | 3 => 1,
        _ => 2 + ((usize::BITS - 1 - deg.leading_zeros()) as u8 - 2) / 2,
    }
}

/// A hub's figures in one campaign: non-trivial groups, its reports in them, their size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Contrib {
    k: u32,
    c: u32,
    s: u32,
}

/// The figures of a structural hub, per campaign it has a group in, with bounds for inserts
/// since they were computed.
#[derive(Clone, Debug, Default)]
struct HubStats {
    contrib: FxHashMap<u32, Contrib>,
    k_tot: u64,
    c_tot: u64,
    s_tot: u64,
    /// A lower bound of the current number of groups.
    k_lower: i64,
    /// An upper bound of how many of its reports may have joined a group since.
    c_extra: u64,
}

impl HubStats {
    fn add(&mut self, cid: u32, ct: Contrib) {
        if ct.k == 0 {
            return;
        }
        let e = self.contrib.entry(cid).or_default();
        e.k += ct.k;
        e.c += ct.c;
        e.s += ct.s;
        self.k_tot += u64::from(ct.k);
        self.c_tot += u64::from(ct.c);
        self.s_tot += u64::from(ct.s);
        self.k_lower += i64::from(ct.k);
    }

    fn remove(&mut self, cid: u32) -> Contrib {
        let ct = self.contrib.remove(&cid).unwrap_or_default();
        self.k_tot -= u64::from(ct.k);
        self.c_tot -= u64::from(ct.c);
        self.s_tot -= u64::from(ct.s);
        self.k_lower -= i64::from(ct.k);
        ct
    }
}

#[derive(Clone, Debug)]
struct Value {
    key: IndicatorKey,
    /// Live reports holding the value (unordered).
    reports: Vec<u32>,
    listed: bool,
    marked: Option<String>,
    /// `k` from which it is a structural hub (`min_groups`, or `weak_min_groups` for weak values).
    min_groups: u32,
    /// Structural hub (meaningful only when neither listed nor marked).
    hub: bool,
    /// Linker snapshot: an upper bound of `k`, and `c` at the last exact evaluation.
    k_bound: u32,
    c_snap: u32,
    hs: Option<Box<HubStats>>,
}

impl Value {
    fn fixed(&self) -> bool {
        self.listed || self.marked.is_some()
    }
    fn linker(&self) -> bool {
        !self.fixed() && !self.hub
    }
    fn structural(&self) -> bool {
        !self.fixed() && self.hub
    }
}

#[derive(Clone, Debug, Default)]
struct Campaign {
    /// Live reports, ascending.
    members: Vec<u32>,
    /// Linking values of two or more reports, all in this campaign.
    values: Vec<u32>,
    /// Structural hubs with a group here.
    hubs: Vec<u32>,
    /// Linkers of two or more groups kept linkers by their coverage alone.
    guarded: Vec<u32>,
    /// The campaign may grow to this size before a guarded linker must be checked again.
    zmin: u32,
}

/// Scratch space: a union-find over report slots with lazy reset, group counters, value marks.
#[derive(Clone, Debug, Default)]
struct Scratch {
    parent: Vec<u32>,
    size: Vec<u32>,
    stamp: Vec<u32>,
    epoch: u32,
    gstamp: Vec<u32>,
    gcount: Vec<u32>,
    gepoch: u32,
    touched: Vec<u32>,
    vstamp: Vec<u32>,
    vlocal: Vec<u32>,
    vepoch: u32,
}

impl Scratch {
    fn grow_reports(&mut self, n: usize) {
        if self.parent.len() < n {
            self.parent.resize(n, 0);
            self.size.resize(n, 0);
            self.stamp.resize(n, 0);
            self.gstamp.resize(n, 0);
            self.gcount.resize(n, 0);
        }
    }
    fn grow_values(&mut self, n: usize) {
        if self.vstamp.len() < n {
            self.vstamp.resize(n, 0);
            self.vlocal.resize(n, 0);
        }
    }
    fn new_uf(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
    }
    fn new_groups(&mut self) {
        self.gepoch = self.gepoch.wrapping_add(1);
        if self.gepoch == 0 {
            self.gstamp.fill(0);
            self.gepoch = 1;
        }
    }
    fn new_values(&mut self) {
        self.vepoch = self.vepoch.wrapping_add(1);
        if self.vepoch == 0 {
            self.vstamp.fill(0);
            self.vepoch = 1;
        }
    }
    fn find(&mut self, x: u32) -> u32 {
        let xi = x as usize;
        if self.stamp[xi] != self.epoch {
            self.stamp[xi] = self.epoch;
            self.parent[xi] = x;
            self.size[xi] = 1;
            return x;
        }
        let mut x = x;
        loop {
            let p = self.parent[x as usize];
            if p == x {
                return x;
            }
            let gp = self.parent[p as usize];
            self.parent[x as usize] = gp;
            x = gp;
        }
    }
    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        let (big, small) = if self.size[a as usize] >= self.size[b as usize] { (a, b) } else { (b, a) };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
    }
    /// The groups the given reports fall into: (k, c, s) over groups of two or more, and the
    /// groups themselves as (root, c, s) in `rec` when asked.
    fn groups(
        &mut self,
        reports: impl Iterator<Item = u32>,
        mut rec: Option<&mut Vec<(u32, u32, u32)>>,
    ) -> Contrib {
        self.new_groups();
        self.touched.clear();
        for x in reports {
            let r = self.find(x);
            let ri = r as usize;
            if self.gstamp[ri] != self.gepoch {
                self.gstamp[ri] = self.gepoch;
                self.gcount[ri] = 0;
                self.touched.push(r);
            }
            self.gcount[ri] += 1;
        }
        let mut out = Contrib::default();
        for i in 0..self.touched.len() {
            let r = self.touched[i] as usize;
            let s = self.size[r];
            if s >= 2 {
                out.k += 1;
                out.c += self.gcount[r];
                out.s += s;
                if let Some(rec) = rec.as_deref_mut() {
                    rec.push((r as u32, self.gcount[r], s));
                }
            }
        }
        out
    }
}

/// A value examined in a recomputation.
#[derive(Clone, Debug)]
struct PlanValue {
    value: u32,
    external: bool,
    hub: bool,
    figures: Contrib,
    /// One of its reports in the region (to find its component).
    first: u32,
    /// For hubs: figures per component.
    contrib: Vec<(u32, Contrib)>,
}

/// The outcome of clustering a region.
#[derive(Clone, Debug, Default)]
struct Plan {
    /// Component index of each report of the region (same order as the region's reports).
    comp: Vec<u32>,
    ncomp: usize,
    /// Component index by report slot (valid for the region's reports only).
    comp_of_slot: FxHashMap<u32, u32>,
    values: Vec<PlanValue>,
}

/// Work done beyond the fast path since the index was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// Exact recomputations of regions (whole campaigns).
    pub recomputations: u64,
    /// Reports in those regions, summed.
    pub reports_recomputed: u64,
    /// Re-examinations of one degree level of one campaign (a linker moved to that level).
    pub level_reevaluations: u64,
}

/// Work found necessary by an insert: campaigns to recompute, hubs whose campaigns to recompute.
#[derive(Default)]
struct Escalation {
    campaigns: Vec<u32>,
    hubs: Vec<u32>,
}

/// What to re-examine exactly in one campaign: single values, whole degree levels.
#[derive(Default)]
struct Recheck {
    values: Vec<u32>,
    levels: Vec<u8>,
}

impl Escalation {
    fn is_empty(&self) -> bool {
        self.campaigns.is_empty() && self.hubs.is_empty()
    }
}

/// Campaigns over reports fed one by one. See the module docs.
pub struct CampaignIndex {
    opts: CampaignOptions,
    /// Value ids; looked up without allocating through [`KeyRef`].
    ids: hashbrown::HashMap<IndicatorKey, u32, rustc_hash::FxBuildHasher>,
    values: Vec<Value>,
    /// Per report slot: (start, len) in `report_keys`.
    span: Vec<(u32, u32)>,
    report_keys: Vec<u32>,
    state: Vec<u8>,
    /// Per report slot: its campaign id, or NONE.
    campaign: Vec<u32>,
    campaigns: FxHashMap<u32, Campaign>,
    next_id: u32,
    sc: Scratch,
    work: Work,
}

impl fmt::Debug for CampaignIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CampaignIndex")
            .field("reports", &self.state.iter().filter(|s| **s == ALIVE).count())
            .field("values", &self.values.len())
            .field("campaigns", &self.campaigns.len())
            .finish()
    }
}

impl CampaignIndex {
    pub fn new(opts: CampaignOptions) -> Self {
        CampaignIndex {
            opts,
            ids: Default::default(),
            values: Vec::new(),
            span: Vec::new(),
            report_keys: Vec::new(),
            state: Vec::new(),
            campaign: Vec::new(),
            campaigns: FxHashMap::default(),
            next_id: 0,
            sc: Scratch::default(),
            work: Work::default(),
        }
    }

    /// Clusters reports from scratch: report slot `i` is the `i`-th item. The result is the
    /// one the same reports inserted one by one, in any order, give.
    pub fn build<I, K>(opts: CampaignOptions, reports: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: AsRef<[IndicatorKey]>,
    {
        let mut idx = CampaignIndex::new(opts);
        let mut slots = Vec::new();
        for (i, keys) in reports.into_iter().enumerate() {
            let slot = u32::try_from(i).expect("fewer than 2^32 reports");
            idx.load(slot, keys.as_ref());
            slots.push(slot);
        }
        let plan = idx.cluster(&slots);
        idx.apply(&[], &slots, plan);
        idx
    }

    /// Number of live (inserted, not revoked) reports.
    pub fn len(&self) -> usize {
        self.state.iter().filter(|s| **s == ALIVE).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of campaigns, campaigns of one included.
    pub fn campaign_count(&self) -> usize {
        self.campaigns.len()
    }

    /// The exact work done so far beyond the fast path (for benchmarks and operators).
    pub fn work(&self) -> Work {
        self.work
    }

    fn theta(&self) -> f64 {
        self.opts.max_coverage
    }

    fn is_hub_figures(&self, v: u32, f: Contrib) -> bool {
        f.k >= self.values[v as usize].min_groups && (f.c as f64) < self.theta() * (f.s as f64)
    }

    fn intern(&mut self, key: &IndicatorKey) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = u32::try_from(self.values.len()).expect("fewer than 2^32 values");
        let listed = self.opts.listed.as_ref().is_some_and(|f| f(key));
        let min_groups = match self.opts.weak_min_groups {
            Some(weak) if is_weak(key.kind) => weak,
            _ => self.opts.min_groups,
        };
        self.values.push(Value {
            key: key.clone(),
            reports: Vec::new(),
            listed,
            marked: None,
            min_groups,
            hub: false,
            k_bound: 0,
            c_snap: 0,
            hs: None,
        });
        self.ids.insert(key.clone(), id);
        self.sc.grow_values(self.values.len());
        id
    }

    fn keys_of(&self, slot: u32) -> &[u32] {
        let (start, len) = self.span[slot as usize];
        &self.report_keys[start as usize..(start + len) as usize]
    }

    fn deg(&self, v: u32) -> usize {
        self.values[v as usize].reports.len()
    }

    /// Records a report and its values, in no campaign yet. Returns the value ids.
    fn load(&mut self, report: u32, keys: &[IndicatorKey]) -> Vec<u32> {
        let slot = report as usize;
        if slot >= self.state.len() {
            self.state.resize(slot + 1, ABSENT);
            self.span.resize(slot + 1, (0, 0));
            self.campaign.resize(slot + 1, NONE);
            self.sc.grow_reports(slot + 1);
        }
        assert!(self.state[slot] == ABSENT, "report {report} inserted twice");
        let mut ids: Vec<u32> = keys.iter().map(|k| self.intern(k)).collect();
        ids.sort_unstable();
        ids.dedup();
        let start = u32::try_from(self.report_keys.len()).expect("fewer than 2^32 occurrences");
        self.report_keys.extend_from_slice(&ids);
        self.span[slot] = (start, ids.len() as u32);
        self.state[slot] = ALIVE;
        for &v in &ids {
            self.values[v as usize].reports.push(report);
        }
        ids
    }

    fn fresh_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The campaigns holding a value's reports.
    fn campaigns_of(&self, v: u32) -> Vec<u32> {
        let mut out: Vec<u32> =
            self.values[v as usize].reports.iter().map(|&r| self.campaign[r as usize]).collect();
        out.sort_unstable();
        out.dedup();
        out.retain(|&c| c != NONE);
        out
    }

    /// Whether the bounds still prove that a structural hub is one.
    fn hub_certain(&self, v: u32) -> bool {
        let val = &self.values[v as usize];
        let Some(hs) = val.hs.as_deref() else { return false };
        let k = u64::from(val.min_groups);
        let k_ok = hs.contrib.len() as u64 >= k || hs.k_lower >= k as i64;
        let c = (hs.c_tot + hs.c_extra) as f64;
        let s = (hs.s_tot + hs.c_extra) as f64;
        k_ok && c < self.theta() * s
    }

    /// Whether the bounds still prove that a linker of a campaign of `size` reports is one.
    fn linker_certain(&self, v: u32, size: usize) -> bool {
        let val = &self.values[v as usize];
        level(val.reports.len()) <= 1
            || val.k_bound < val.min_groups
            || (val.c_snap as f64) >= self.theta() * size as f64
    }

    fn zmin_of(&self, v: u32) -> u32 {
        let val = &self.values[v as usize];
        if val.k_bound < val.min_groups || level(val.reports.len()) <= 1 {
            return u32::MAX;
        }
        let z = (val.c_snap as f64 / self.theta()).floor();
        if z >= u32::MAX as f64 { u32::MAX } else { z as u32 }
    }

    // -----------------------------------------------------------------------------------------
    // Updates

    /// Adds report `report` (a dense slot, assigned by the caller in arrival order) with its
    /// strong indicators. Panics if the slot was already used.
    pub fn insert(&mut self, report: u32, keys: &[IndicatorKey]) {
        let ids = self.load(report, keys);
        let own = self.fresh_id();
        self.campaigns.insert(own, Campaign { members: vec![report], zmin: u32::MAX, ..Default::default() });
        self.campaign[report as usize] = own;

        let mut slow = Escalation::default();
        let mut targets = vec![own];
        let mut level_changed = Vec::new();
        // The new report's links to earlier reports: (value, its level). At a level above a
        // link's, the report is in a group with that link's other reports; at a level no link
        // is below, it is alone.
        let mut links: Vec<(u32, u8)> = Vec::new();
        for &v in &ids {
            let val = &self.values[v as usize];
            let deg = val.reports.len();
            if val.linker() && deg >= 2 {
                targets.push(self.campaign[val.reports[0] as usize]);
                links.push((v, level(deg)));
                if level(deg) != level(deg - 1) && level(deg) >= 2 {
                    level_changed.push(v);
                }
            }
        }
        let links_below =
            |lvl: u8, except: u32| links.iter().filter(|&&(u, l)| u != except && l < lvl).count() as u32;
        for &v in &ids {
            if !self.values[v as usize].structural() {
                continue;
            }
            let deg = self.deg(v);
            if links_below(level(deg), v) > 0 {
                // The new report may put one more of its reports in a group.
                self.values[v as usize].hs.as_mut().expect("hub stats").c_extra += 1;
            }
            if (level(deg) != level(deg - 1) && level(deg) >= 2) || !self.hub_certain(v) {
                slow.hubs.push(v);
            }
        }
        targets.sort_unstable();
        targets.dedup();
        if !slow.is_empty() {
            slow.campaigns.extend(targets);
            self.escalate(slow);
            return;
        }

        // Fast path: merge into the oldest campaign.
        let target = targets[0];
        self.merge_into(target, &targets[1..], &links);
        let mut esc = Escalation::default();
        let mut recheck = Recheck::default();
        // Hubs whose bounds moved: the new report's own, and those of reports it now links.
        let mut touched: Vec<u32> =
            ids.iter().copied().filter(|&v| self.values[v as usize].structural()).collect();
        for &v in &ids {
            if !self.values[v as usize].linker() {
                continue;
            }
            let deg = self.deg(v);
            if deg == 2 {
                // Shared for the first time: now a link; its earlier report may have been alone.
                self.campaigns.get_mut(&target).expect("target").values.push(v);
                let p = self.values[v as usize].reports[0];
                for i in 0..self.keys_of(p).len() {
                    let u = self.keys_of(p)[i];
                    if u == v {
                        continue;
                    }
                    let uv = &mut self.values[u as usize];
                    if uv.linker() && level(uv.reports.len()) >= 2 {
                        uv.k_bound += 1;
                        self.check_linker(u, target, &mut recheck);
                    } else if uv.structural() {
                        uv.hs.as_mut().expect("hub stats").c_extra += 1;
                        touched.push(u);
                    }
                }
            } else if deg > 2
                && level(deg) >= 2
                && !level_changed.contains(&v)
                && links_below(level(deg), v) > 0
            {
                // The new report is in a group at this value's level: maybe one more group.
                self.values[v as usize].k_bound += 1;
                self.check_linker(v, target, &mut recheck);
            }
        }
        {
            let camp = &self.campaigns[&target];
            if camp.members.len() as u64 > u64::from(camp.zmin) {
                // Guarded linkers whose groups the new report may have grown.
                for &g in &camp.guarded {
                    if self.zmin_of(g) < camp.members.len() as u32 && links_below(level(self.deg(g)), g) > 0 {
                        recheck.values.push(g);
                    }
                }
            }
            for &h in camp.hubs.iter().chain(&touched) {
                if !self.hub_certain(h) {
                    if self.values[h as usize].hs.as_deref().is_some_and(|hs| hs.contrib.len() <= 1)
                        && self.campaigns_of(h) == [target]
                    {
                        recheck.values.push(h);
                    } else {
                        esc.hubs.push(h);
                    }
                }
            }
        }
        if esc.is_empty() {
            recheck.levels.extend(level_changed.iter().map(|&v| level(self.deg(v))));
            self.verify(target, recheck, &mut esc);
        } else {
            esc.campaigns.push(target);
        }
        if !esc.is_empty() {
            self.escalate(esc);
        }
    }

    fn check_linker(&mut self, v: u32, cid: u32, recheck: &mut Recheck) {
        let size = self.campaigns[&cid].members.len();
        if self.linker_certain(v, size) {
            self.guard(v, cid);
        } else {
            recheck.values.push(v);
        }
    }

    /// Keeps a linker relying on its coverage in its campaign's guarded list.
    fn guard(&mut self, v: u32, cid: u32) {
        let z = self.zmin_of(v);
        if z == u32::MAX {
            return;
        }
        let camp = self.campaigns.get_mut(&cid).expect("campaign");
        camp.zmin = camp.zmin.min(z);
        if !camp.guarded.contains(&v) {
            camp.guarded.push(v);
        }
    }

    fn escalate(&mut self, esc: Escalation) {
        let mut region = esc.campaigns;
        for h in esc.hubs {
            region.extend(self.campaigns_of(h));
        }
        self.recompute(region);
    }

    /// Merges campaigns into `target` through a new report with the given links (value,
    /// level) to earlier reports.
    fn merge_into(&mut self, target: u32, others: &[u32], links: &[(u32, u8)]) {
        for &o in others {
            let oc = self.campaigns.remove(&o).expect("campaign to merge");
            for &x in &oc.members {
                self.campaign[x as usize] = target;
            }
            for &h in &oc.hubs {
                let hs = self.values[h as usize].hs.as_mut().expect("hub stats");
                // Same groups, now under the target's id (the new report's links are counted below).
                let ct = hs.remove(o);
                hs.add(target, ct);
            }
            let t = self.campaigns.get_mut(&target).expect("target campaign");
            t.members = merge_sorted(&t.members, &oc.members);
            t.values.extend_from_slice(&oc.values);
            t.guarded.extend_from_slice(&oc.guarded);
            t.zmin = t.zmin.min(oc.zmin);
            for h in oc.hubs {
                if !t.hubs.contains(&h) {
                    t.hubs.push(h);
                }
            }
        }
        if links.len() >= 2 {
            // At a hub's level, the report joins the groups of its links below that level into
            // one: as many groups fewer, less one.
            for i in 0..self.campaigns[&target].hubs.len() {
                let h = self.campaigns[&target].hubs[i];
                let lvl = level(self.deg(h));
                let m = links.iter().filter(|&&(_, l)| l < lvl).count() as i64;
                if m >= 2 {
                    self.values[h as usize].hs.as_mut().expect("hub stats").k_lower -= m - 1;
                }
            }
        }
    }

    /// Re-examines values of one campaign exactly, in order of level, against the groups of
    /// the campaign's linkers below each: the given values, and every value of the given levels
    /// (a linker moved to that level, so that the groups seen there changed). Figures are
    /// refreshed; a decision that flips escalates to a recomputation of the campaign.
    fn verify(&mut self, cid: u32, mut recheck: Recheck, esc: &mut Escalation) {
        if recheck.values.is_empty() && recheck.levels.is_empty() {
            return;
        }
        self.work.level_reevaluations += 1;
        recheck.values.sort_unstable();
        recheck.values.dedup();
        let mut levels: Vec<u8> = recheck.levels.clone();
        levels.extend(recheck.values.iter().map(|&v| level(self.deg(v))));
        levels.sort_unstable();
        levels.dedup();
        let camp_values = self.campaigns[&cid].values.clone();
        let camp_hubs = self.campaigns[&cid].hubs.clone();
        self.sc.new_uf();
        let mut built: u8 = 0;
        for lvl in levels {
            // The groups at `lvl`: the campaign's linkers below it.
            for &v in &camp_values {
                let val = &self.values[v as usize];
                let l = level(val.reports.len());
                if val.linker() && l >= built && l < lvl {
                    let first = val.reports[0];
                    for i in 1..val.reports.len() {
                        let x = self.values[v as usize].reports[i];
                        self.sc.union(first, x);
                    }
                }
            }
            built = lvl;
            let whole = recheck.levels.contains(&lvl);
            let linkers: Vec<u32> = if whole {
                camp_values
                    .iter()
                    .copied()
                    .filter(|&v| self.values[v as usize].linker() && level(self.deg(v)) == lvl)
                    .collect()
            } else {
                recheck
                    .values
                    .iter()
                    .copied()
                    .filter(|&v| self.values[v as usize].linker() && level(self.deg(v)) == lvl)
                    .collect()
            };
            for v in linkers {
                let f = self.sc.groups(self.values[v as usize].reports.iter().copied(), None);
                if self.is_hub_figures(v, f) {
                    esc.campaigns.push(cid);
                    return;
                }
                let val = &mut self.values[v as usize];
                val.k_bound = f.k;
                val.c_snap = f.c;
                let camp = self.campaigns.get_mut(&cid).expect("campaign");
                camp.guarded.retain(|&g| g != v);
                self.guard(v, cid);
            }
            let hubs: Vec<u32> = camp_hubs
                .iter()
                .chain(&recheck.values)
                .copied()
                .filter(|&h| {
                    self.values[h as usize].structural()
                        && level(self.deg(h)) == lvl
                        && (whole || recheck.values.contains(&h))
                })
                .collect();
            for h in hubs {
                let in_camp: Vec<u32> = self.values[h as usize]
                    .reports
                    .iter()
                    .copied()
                    .filter(|&r| self.campaign[r as usize] == cid)
                    .collect();
                let all_here = in_camp.len() == self.deg(h);
                let f = self.sc.groups(in_camp.into_iter(), None);
                let hs = self.values[h as usize].hs.as_mut().expect("hub stats");
                hs.remove(cid);
                hs.add(cid, f);
                if all_here {
                    // Exact now: every group of the hub is here.
                    hs.k_lower = hs.k_tot as i64;
                    hs.c_extra = 0;
                }
                let camp = self.campaigns.get_mut(&cid).expect("campaign");
                camp.hubs.retain(|&x| x != h);
                if f.k > 0 {
                    camp.hubs.push(h);
                }
                if !self.hub_certain(h) {
                    if all_here {
                        // Exact figures that no longer make a hub.
                        esc.campaigns.push(cid);
                        return;
                    }
                    esc.hubs.push(h);
                }
            }
        }
        // The guarded list and its bound, afresh.
        let guarded = std::mem::take(&mut self.campaigns.get_mut(&cid).expect("campaign").guarded);
        self.campaigns.get_mut(&cid).expect("campaign").zmin = u32::MAX;
        for g in guarded {
            if self.values[g as usize].linker() {
                self.guard(g, cid);
            }
        }
    }

    /// Revokes a report: it leaves its campaign and links nothing any more. Its campaign (and
    /// the campaigns of any hub whose degree level it changes) is recomputed.
    pub fn revoke(&mut self, report: u32) {
        let slot = report as usize;
        if self.state.get(slot) != Some(&ALIVE) {
            return;
        }
        self.state[slot] = REVOKED;
        let cid = self.campaign[slot];
        self.campaign[slot] = NONE;
        if let Some(c) = self.campaigns.get_mut(&cid) {
            c.members.retain(|&x| x != report);
        }
        let mut esc = Escalation { campaigns: vec![cid], hubs: Vec::new() };
        for i in 0..self.keys_of(report).len() {
            let v = self.keys_of(report)[i];
            let val = &mut self.values[v as usize];
            if let Some(pos) = val.reports.iter().position(|&x| x == report) {
                val.reports.swap_remove(pos);
            }
            let deg = val.reports.len();
            if deg == 0 {
                val.hub = false;
                val.hs = None;
                val.k_bound = 0;
                val.c_snap = 0;
            } else if val.structural() && level(deg) != level(deg + 1) {
                // Examined at another level now: everywhere.
                esc.hubs.push(v);
            }
        }
        self.escalate(esc);
    }

    /// Marks a value as a hub (an operator's decision): it stops linking at once.
    pub fn mark_hub(&mut self, key: &IndicatorKey, reason: impl Into<String>) {
        let v = self.intern(key);
        let region = self.campaigns_of(v);
        self.values[v as usize].marked = Some(reason.into());
        self.forget_status(v, &region);
        self.recompute(region);
    }

    /// Removes an operator's mark: the value is examined again like any other.
    pub fn unmark_hub(&mut self, key: &IndicatorKey) {
        let Some(&v) = self.ids.get(key) else { return };
        if self.values[v as usize].marked.take().is_some() {
            let region = self.campaigns_of(v);
            self.forget_status(v, &region);
            self.recompute(region);
        }
    }

    /// Puts a value on or off the warning lists (the engine calls this when its lists change).
    pub fn set_listed(&mut self, key: &IndicatorKey, listed: bool) {
        let v = self.intern(key);
        if self.values[v as usize].listed != listed {
            let region = self.campaigns_of(v);
            self.values[v as usize].listed = listed;
            self.forget_status(v, &region);
            self.recompute(region);
        }
    }

    /// Clears a value's structural status and its traces in campaigns, before a recomputation
    /// of all its campaigns decides it afresh.
    fn forget_status(&mut self, v: u32, region: &[u32]) {
        let val = &mut self.values[v as usize];
        val.hub = false;
        val.hs = None;
        val.k_bound = 0;
        val.c_snap = 0;
        for cid in region {
            if let Some(c) = self.campaigns.get_mut(cid) {
                c.hubs.retain(|&x| x != v);
                c.values.retain(|&x| x != v);
            }
        }
    }

    /// Recomputes whole campaigns exactly, growing the region while a hub reaching outside it
    /// is no longer certain.
    fn recompute(&mut self, region: Vec<u32>) {
        let mut region: Vec<u32> = region.into_iter().filter(|c| self.campaigns.contains_key(c)).collect();
        loop {
            region.sort_unstable();
            region.dedup();
            let mut reports: Vec<u32> =
                region.iter().flat_map(|c| self.campaigns[c].members.iter().copied()).collect();
            reports.sort_unstable();
            let plan = self.cluster(&reports);
            // Hubs that had groups in the region but no longer any report there (revoked).
            let in_plan: FxHashSet<u32> = plan.values.iter().map(|pv| pv.value).collect();
            let mut orphans: Vec<u32> = region
                .iter()
                .flat_map(|c| self.campaigns[c].hubs.iter().copied())
                .filter(|h| !in_plan.contains(h) && self.values[*h as usize].structural())
                .collect();
            orphans.sort_unstable();
            orphans.dedup();
            let mut grow = Vec::new();
            let gone = orphans.iter().map(|&value| PlanValue {
                value,
                external: true,
                hub: true,
                figures: Contrib::default(),
                first: NONE,
                contrib: Vec::new(),
            });
            for pv in plan.values.iter().filter(|pv| pv.external).cloned().chain(gone) {
                if !self.external_certain(&pv, &region) {
                    grow.extend(
                        self.campaigns_of(pv.value).into_iter().filter(|c| region.binary_search(c).is_err()),
                    );
                }
            }
            if grow.is_empty() {
                for h in orphans {
                    let hs = self.values[h as usize].hs.as_mut().expect("hub stats");
                    for c in &region {
                        hs.remove(*c);
                    }
                }
                self.apply(&region, &reports, plan);
                return;
            }
            region.extend(grow);
        }
    }

    /// Whether an external hub stays certain once its figures for the region are replaced.
    fn external_certain(&self, pv: &PlanValue, region: &[u32]) -> bool {
        let Some(hs) = self.values[pv.value as usize].hs.as_deref() else { return false };
        let mut hs = hs.clone();
        for c in region {
            hs.remove(*c);
        }
        // Components are not ids yet: key them out of the way of real ids.
        for &(comp, ct) in &pv.contrib {
            hs.add(u32::MAX - comp, ct);
        }
        let k = u64::from(self.values[pv.value as usize].min_groups);
        let k_ok = hs.contrib.len() as u64 >= k || hs.k_lower >= k as i64;
        let c = (hs.c_tot + hs.c_extra) as f64;
        let s = (hs.s_tot + hs.c_extra) as f64;
        k_ok && c < self.theta() * s
    }

    /// Clusters a region (whole campaigns, or every report): values in order of degree level,
    /// each level examined against the groups formed by the linkers below it.
    fn cluster(&mut self, reports: &[u32]) -> Plan {
        self.work.recomputations += 1;
        self.work.reports_recomputed += reports.len() as u64;
        self.sc.new_uf();
        self.sc.new_values();
        let mut vals: Vec<u32> = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        for &x in reports {
            let (start, len) = self.span[x as usize];
            for i in start..start + len {
                let v = self.report_keys[i as usize];
                if self.values[v as usize].fixed() {
                    continue;
                }
                let vi = v as usize;
                if self.sc.vstamp[vi] != self.sc.vepoch {
                    self.sc.vstamp[vi] = self.sc.vepoch;
                    self.sc.vlocal[vi] = vals.len() as u32;
                    vals.push(v);
                    counts.push(0);
                }
                counts[self.sc.vlocal[vi] as usize] += 1;
            }
        }
        // Occurrences per value (CSR).
        let mut offsets = Vec::with_capacity(vals.len() + 1);
        let mut total = 0u32;
        for &c in &counts {
            offsets.push(total);
            total += c;
        }
        offsets.push(total);
        let mut pos = offsets.clone();
        let mut occ = vec![0u32; total as usize];
        for &x in reports {
            let (start, len) = self.span[x as usize];
            for i in start..start + len {
                let v = self.report_keys[i as usize];
                if self.values[v as usize].fixed() {
                    continue;
                }
                let j = self.sc.vlocal[v as usize] as usize;
                occ[pos[j] as usize] = x;
                pos[j] += 1;
            }
        }
        let mut order: Vec<(u8, u32)> =
            (0..vals.len()).map(|j| (level(self.deg(vals[j])), j as u32)).collect();
        order.sort_unstable();

        let mut plan_values: Vec<PlanValue> = Vec::with_capacity(vals.len());
        let mut records: Vec<(u32, u32, u32, u32)> = Vec::new(); // (plan value, root, c, s)
        let mut rec: Vec<(u32, u32, u32)> = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let lvl = order[i].0;
            let mut end = i;
            while end < order.len() && order[end].0 == lvl {
                end += 1;
            }
            let level_start = plan_values.len();
            for &(_, j) in &order[i..end] {
                let j = j as usize;
                let v = vals[j];
                let span = &occ[offsets[j] as usize..offsets[j + 1] as usize];
                let external = (counts[j] as usize) < self.deg(v);
                rec.clear();
                let figures = if lvl <= 1 {
                    Contrib::default()
                } else {
                    self.sc.groups(span.iter().copied(), Some(&mut rec))
                };
                let hub = external || self.is_hub_figures(v, figures);
                let pi = plan_values.len() as u32;
                if hub {
                    records.extend(rec.iter().map(|&(r, c, s)| (pi, r, c, s)));
                }
                plan_values.push(PlanValue {
                    value: v,
                    external,
                    hub,
                    figures,
                    first: span[0],
                    contrib: Vec::new(),
                });
            }
            // Then the level's linkers link.
            for pv in &plan_values[level_start..] {
                if pv.hub {
                    continue;
                }
                let j = self.sc.vlocal[pv.value as usize] as usize;
                let span = &occ[offsets[j] as usize..offsets[j + 1] as usize];
                for &x in &span[1..] {
                    self.sc.union(span[0], x);
                }
            }
            i = end;
        }
        // Components.
        let mut comp = Vec::with_capacity(reports.len());
        let mut root_comp: FxHashMap<u32, u32> = FxHashMap::default();
        let mut comp_of_slot: FxHashMap<u32, u32> = FxHashMap::default();
        comp_of_slot.reserve(reports.len());
        for &x in reports {
            let r = self.sc.find(x);
            let n = root_comp.len() as u32;
            let c = *root_comp.entry(r).or_insert(n);
            comp.push(c);
            comp_of_slot.insert(x, c);
        }
        let ncomp = root_comp.len();
        // Hubs' groups per component.
        records.sort_unstable();
        for (pi, root, c, s) in records {
            let comp = root_comp[&self.sc.find(root)];
            let list = &mut plan_values[pi as usize].contrib;
            match list.last_mut() {
                Some((last, ct)) if *last == comp => {
                    ct.k += 1;
                    ct.c += c;
                    ct.s += s;
                }
                _ => list.push((comp, Contrib { k: 1, c, s })),
            }
        }
        for pv in &mut plan_values {
            pv.contrib.sort_unstable_by_key(|(c, _)| *c);
            let mut merged: Vec<(u32, Contrib)> = Vec::with_capacity(pv.contrib.len());
            for &(c, ct) in &pv.contrib {
                match merged.last_mut() {
                    Some((last, m)) if *last == c => {
                        m.k += ct.k;
                        m.c += ct.c;
                        m.s += ct.s;
                    }
                    _ => merged.push((c, ct)),
                }
            }
            pv.contrib = merged;
        }
        Plan { comp, ncomp, comp_of_slot, values: plan_values }
    }

    /// Installs a plan: new campaigns replace the region's, with stable ids.
    fn apply(&mut self, region: &[u32], reports: &[u32], plan: Plan) {
        // Ids: each old id goes to the new component holding most of its reports.
        let mut per: FxHashMap<(u32, u32), u32> = FxHashMap::default(); // (old id, comp) -> count
        for (i, &x) in reports.iter().enumerate() {
            let old = self.campaign[x as usize];
            if old != NONE {
                *per.entry((old, plan.comp[i])).or_default() += 1;
            }
        }
        let mut first_slot = vec![u32::MAX; plan.ncomp];
        for (i, &x) in reports.iter().enumerate() {
            let c = plan.comp[i] as usize;
            first_slot[c] = first_slot[c].min(x);
        }
        let mut cands: Vec<(u32, u32, u32)> =
            per.into_iter().map(|((old, comp), n)| (old, comp, n)).collect();
        // By old id ascending; within it by count descending, then first slot.
        cands.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then(b.2.cmp(&a.2)).then(first_slot[a.1 as usize].cmp(&first_slot[b.1 as usize]))
        });
        let mut comp_id = vec![NONE; plan.ncomp];
        let mut used_old: FxHashSet<u32> = FxHashSet::default();
        for (old, comp, _) in cands {
            if comp_id[comp as usize] == NONE && !used_old.contains(&old) {
                comp_id[comp as usize] = old;
                used_old.insert(old);
            }
        }
        // Fresh ids in order of first report, for determinism.
        let mut unnamed: Vec<usize> = (0..plan.ncomp).filter(|&c| comp_id[c] == NONE).collect();
        unnamed.sort_unstable_by_key(|&c| first_slot[c]);
        for c in unnamed {
            comp_id[c] = self.fresh_id();
        }

        // Old campaigns out.
        for c in region {
            self.campaigns.remove(c);
        }
        let mut new_camps: Vec<Campaign> =
            (0..plan.ncomp).map(|_| Campaign { zmin: u32::MAX, ..Default::default() }).collect();
        for (i, &x) in reports.iter().enumerate() {
            let c = plan.comp[i] as usize;
            new_camps[c].members.push(x);
            self.campaign[x as usize] = comp_id[c];
        }

        // Values.
        for pv in plan.values {
            let v = pv.value;
            let comp_first = plan.comp_of_slot[&pv.first] as usize;
            if !pv.hub {
                let deg = self.deg(v);
                let val = &mut self.values[v as usize];
                val.hub = false;
                val.hs = None;
                val.k_bound = pv.figures.k;
                val.c_snap = pv.figures.c;
                if deg >= 2 {
                    new_camps[comp_first].values.push(v);
                    let z = self.zmin_of(v);
                    if z != u32::MAX {
                        new_camps[comp_first].zmin = new_camps[comp_first].zmin.min(z);
                        new_camps[comp_first].guarded.push(v);
                    }
                }
                continue;
            }
            let val = &mut self.values[v as usize];
            val.hub = true;
            val.k_bound = 0;
            val.c_snap = 0;
            if pv.external {
                let hs = val.hs.get_or_insert_with(Default::default);
                for c in region {
                    hs.remove(*c);
                }
            } else {
                val.hs = Some(Box::default());
            }
            let hs = val.hs.as_mut().expect("hub stats");
            for &(comp, ct) in &pv.contrib {
                hs.add(comp_id[comp as usize], ct);
                new_camps[comp as usize].hubs.push(v);
            }
            if !pv.external {
                hs.k_lower = hs.k_tot as i64;
                hs.c_extra = 0;
            }
        }
        for (c, camp) in new_camps.into_iter().enumerate() {
            self.campaigns.insert(comp_id[c], camp);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Queries

    /// The campaign of a live report (a report linked to nothing is a campaign of one); `None`
    /// for a revoked or unknown report.
    pub fn campaign_of(&self, report: u32) -> Option<CampaignId> {
        match self.campaign.get(report as usize) {
            Some(&c) if c != NONE => Some(CampaignId(c)),
            _ => None,
        }
    }

    /// The live reports of a campaign, ascending; empty for an unknown id.
    pub fn members(&self, campaign: CampaignId) -> &[u32] {
        self.campaigns.get(&campaign.0).map_or(&[], |c| &c.members)
    }

    /// Every campaign (campaigns of one included) with its reports, in no particular order.
    pub fn campaigns(&self) -> impl Iterator<Item = (CampaignId, &[u32])> + '_ {
        self.campaigns.iter().map(|(id, c)| (CampaignId(*id), c.members.as_slice()))
    }

    /// The indicators linking a campaign's reports, with the number of its reports holding
    /// each, most shared first. Hubs are not among them.
    pub fn indicators(&self, campaign: CampaignId) -> Vec<(&IndicatorKey, u32)> {
        let Some(c) = self.campaigns.get(&campaign.0) else { return Vec::new() };
        let mut out: Vec<(&IndicatorKey, u32)> = c
            .values
            .iter()
            .map(|&v| {
                let val = &self.values[v as usize];
                (&val.key, val.reports.len() as u32)
            })
            .collect();
        out.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        out
    }

    fn reason(&self, v: u32) -> Option<HubReason> {
        let val = &self.values[v as usize];
        if let Some(m) = &val.marked {
            return Some(HubReason::Marked(m.clone()));
        }
        if val.listed {
            return Some(HubReason::Listed);
        }
        if val.hub {
            let hs = val.hs.as_deref().cloned().unwrap_or_default();
            let coverage = if hs.s_tot == 0 { 0.0 } else { hs.c_tot as f64 / hs.s_tot as f64 };
            return Some(HubReason::Structural { groups: hs.k_tot as u32, coverage });
        }
        None
    }

    /// Every hub held by at least one live report, or marked, with its reason and degree.
    pub fn hubs(&self) -> impl Iterator<Item = HubInfo<'_>> + '_ {
        self.values.iter().enumerate().filter_map(|(v, val)| {
            if val.reports.is_empty() && val.marked.is_none() {
                return None;
            }
            let reason = self.reason(v as u32)?;
            Some(HubInfo { key: &val.key, reason, degree: val.reports.len() as u32 })
        })
    }

    /// Whether a value is a hub (listed, marked or structural).
    pub fn is_hub(&self, key: &IndicatorKey) -> bool {
        self.is_hub_value(key.kind, &key.value)
    }

    /// [`CampaignIndex::is_hub`] without an [`IndicatorKey`]: no allocation (the link graph
    /// asks this of every node it traverses).
    pub fn is_hub_value(&self, kind: ObservableKind, value: &str) -> bool {
        self.ids.get(&KeyRef { kind, value }).is_some_and(|&v| {
            let val = &self.values[v as usize];
            val.marked.is_some() || val.listed || val.hub
        })
    }

    /// Why a value is a hub, if it is one.
    pub fn hub_reason(&self, key: &IndicatorKey) -> Option<HubReason> {
        self.ids.get(key).and_then(|&v| self.reason(v))
    }
}

fn merge_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/// Pairwise agreement of a clustering with the ground truth: over all pairs of items, a pair
/// is predicted when both items share a predicted label and true when both share a true label.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub predicted_pairs: u64,
    pub true_pairs: u64,
    pub correct_pairs: u64,
}

/// Pairwise precision, recall and F1 from the contingency counts (linear, never pairwise).
/// `predicted[i]` and `truth[i]` are item `i`'s labels; give each item that belongs to no
/// group (a noise singleton) a label of its own.
pub fn pair_scores(predicted: &[u64], truth: &[u64]) -> PairScores {
    assert_eq!(predicted.len(), truth.len(), "one label of each kind per item");
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let mut p: FxHashMap<u64, u64> = FxHashMap::default();
    let mut t: FxHashMap<u64, u64> = FxHashMap::default();
    let mut both: FxHashMap<(u64, u64), u64> = FxHashMap::default();
    for (&a, &b) in predicted.iter().zip(truth) {
        *p.entry(a).or_default() += 1;
        *t.entry(b).or_default() += 1;
        *both.entry((a, b)).or_default() += 1;
    }
    let predicted_pairs: u64 = p.values().map(|&n| pairs(n)).sum();
    let true_pairs: u64 = t.values().map(|&n| pairs(n)).sum();
    let correct_pairs: u64 = both.values().map(|&n| pairs(n)).sum();
    let precision = if predicted_pairs == 0 { 1.0 } else { correct_pairs as f64 / predicted_pairs as f64 };
    let recall = if true_pairs == 0 { 1.0 } else { correct_pairs as f64 / true_pairs as f64 };
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    PairScores { precision, recall, f1, predicted_pairs, true_pairs, correct_pairs }
}

#[cfg(test)]
mod tests;
