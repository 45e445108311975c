//! The link-analysis graph: reports and canonical observables as nodes, report↔observable
//! edges (with the observable's role in the report) and derived observable→observable edges
//! (a URL's host, an e-mail's domain, a domain's registrable domain, from
//! [`model::observable::canonicalize`]'s `related`).
//!
//! Storage is compact: dense `u32` node ids in struct-of-arrays tables (a one-byte tag per
//! node; report ids, access classes and times per report; observable values back to back in
//! chunks that never move, interned through a hash table of (node, 32-bit hash) entries),
//! adjacency in CSR arrays (offsets + edges). A bulk build leaves an eighth of headroom in
//! every table and vector, so the inserts after it grow nothing for a while. An insert
//! appends the rows of the nodes it creates to the CSR; edges it adds to older nodes wait in
//! one flat list of per-node chains, merged by [`LinkGraph::compact`] (run automatically once
//! they pass a quarter of the CSR).
//! [`LinkGraphBuilder`] builds the CSR in one go from a stream of reports. Each report keeps an
//! interned access class; revoking a report moves it to the revoked class.
//!
//! **Visibility.** Every query is answered on the viewer's subgraph for a [`Scope`], defined
//! once in `View`:
//! - a report node is visible iff [`model::can_see`] allows its access facts (a revoked report:
//!   its author organisation only) and its time (`first_seen`, else `created_at`) lies in the
//!   scope's window;
//! - an observable node exists iff a visible report holds it, or it is derived from an
//!   observable that exists (the derived edges form chains of at most two hops: URL → host →
//!   registrable domain);
//! - a report↔observable edge is visible iff its report is; a derived edge iff its source
//!   exists. Equivalently: the subgraph is the one induced by the nodes that exist.
//!
//! Every degree, total and path is computed over visible edges only, and every order is by
//! visible quantities and then by [`NodeRef`] (never by dense id), so an answer on the full
//! graph equals the answer on a graph built from only the reports the viewer may see: nothing
//! about hidden reports can be inferred from it.
//!
//! **Hubs** (a predicate on observables, part of the scope) are returned as nodes with their
//! visible degree but not traversed, unless they are the start node or the query allows it.
//!
//! The whole-graph algorithms live in submodules: `build` (bulk construction), `networks`
//! (components, networks and a network's detail), `communities` (Louvain), `betweenness`
//! (Brandes) and `connect` (the connecting network of a set of selectors).

mod access;
mod betweenness;
mod build;
mod communities;
mod connect;
mod networks;
mod values;

use std::cell::RefCell;
use std::hash::Hasher;

use chrono::{DateTime, Utc};
use hashbrown::HashTable;
use model::{ObservableKind, Report, ReportAccess, Viewer, can_see};
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use uuid::Uuid;
use values::Values;

pub use build::LinkGraphBuilder;
pub use connect::{ConnectOptions, Connection};
pub use networks::{
    COMMUNITY_MAX_NODES, Community, Components, KeyNode, NetworkDetail, NetworkDetailOptions, NetworkList,
    NetworkOptions, NetworkSummary, TimelineEntry,
};

/// A node, as callers name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeRef {
    Report(Uuid),
    Observable(ObservableKind, String),
}

/// What an edge is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeLabel {
    /// A report holds an observable, with the role it plays there (if any).
    Role(Option<String>),
    /// An observable implies another (URL → host, e-mail → domain, domain → registrable domain).
    Derived,
}

/// A hub predicate: hubs are shown but not traversed by default.
pub type IsHub<'a> = &'a dyn Fn(ObservableKind, &str) -> bool;

/// The hub predicate that marks nothing.
pub fn no_hubs(_: ObservableKind, _: &str) -> bool {
    false
}

/// Who asks, and which part of the graph the question is about: every query is answered on
/// the subgraph of reports the viewer may see whose time lies in `[from, to]`.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub viewer: &'a Viewer,
    pub is_hub: IsHub<'a>,
    /// Reports whose time is outside [from, to] are not in the subgraph (as if hidden).
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl<'a> Scope<'a> {
    /// All of time.
    pub fn new(viewer: &'a Viewer, is_hub: IsHub<'a>) -> Self {
        Scope { viewer, is_hub, from: None, to: None }
    }
}

impl std::fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("viewer", self.viewer)
            .field("from", &self.from)
            .field("to", &self.to)
            .finish()
    }
}

/// Edge label codes: derived edges in both directions, then role ids shifted by two.
const DERIVED_OUT: u32 = 0; // the target is derived from this node
const DERIVED_IN: u32 = 1; // this node is derived from the target
const ROLE_BASE: u32 = 2;

/// The tag of report nodes; an observable node's tag is its kind (`kind as u8`).
const REPORT: u8 = u8::MAX;

/// Inserts compact the graph once the append buffers hold more than this many edge ends and a
/// quarter of the CSR's.
const COMPACT_MIN: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Edge {
    target: u32,
    label: u32,
}

/// The label of an edge's other end.
fn reverse(label: u32) -> u32 {
    match label {
        DERIVED_OUT => DERIVED_IN,
        DERIVED_IN => DERIVED_OUT,
        role => role,
    }
}

/// Whether observables of `kind` can imply others. [`model::observable::canonicalize`] fills
/// `related` for URLs, e-mails and domains only, and canonicalising a phone number (say) is
/// costly, so the graph asks for the others' relations not at all (a test checks the model
/// still says nothing for them).
fn derives(tag: u8) -> bool {
    tag == ObservableKind::Url as u8
        || tag == ObservableKind::Email as u8
        || tag == ObservableKind::Domain as u8
}

/// A report's time as the graph keeps it: microseconds since the epoch.
fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

fn from_micros(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t).unwrap_or_default()
}

/// A node's name without allocating: ordered exactly like [`NodeRef`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key<'a> {
    Report(Uuid),
    Observable(ObservableKind, &'a str),
}

/// The 32-bit hash of an observable, as the observable index stores it.
fn value_hash(tag: u8, value: &str) -> u32 {
    let mut h = FxHasher::default();
    h.write_u8(tag);
    h.write(value.as_bytes());
    let h = h.finish();
    (h ^ (h >> 32)) as u32
}

/// The observable index's 64-bit hash from the stored 32 bits: a multiplication by an odd
/// constant, so the table's bucket bits and its control bits both depend on the whole hash.
fn spread(hash: u32) -> u64 {
    u64::from(hash).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

fn uuid_hash(id: &Uuid) -> u64 {
    let mut h = FxHasher::default();
    h.write_u128(id.as_u128());
    h.finish()
}

/// What each dense node id is, and the interning of report ids, observable values, access
/// classes and roles. Shared by [`LinkGraph`] and [`LinkGraphBuilder`].
#[derive(Clone)]
struct Nodes {
    /// Per node: [`REPORT`] or the observable's kind.
    tags: Vec<u8>,
    /// Per node: the report's slot (index into the `report_*` vectors) or the observable's
    /// value slot (in `values`).
    slots: Vec<u32>,
    report_ids: Vec<Uuid>,
    report_class: Vec<u32>,
    report_time: Vec<i64>,
    report_node: Vec<u32>,
    /// Report slots, by report id.
    report_index: HashTable<u32>,
    /// Every observable value, by value slot, in chunks that never move.
    values: Values,
    /// Observable node ids, by (kind, value), each with its value's 32-bit hash: a look-up
    /// compares the hashes first and reads a value's bytes only when they match (so a new
    /// value reads none), and growing the table rehashes from the stored hashes, never from
    /// the values.
    observable_index: HashTable<Interned>,
    classes: Vec<ReportAccess>,
    class_ids: FxHashMap<ReportAccess, u32>,
    /// Role names; 0 is "no role".
    roles: Vec<Box<str>>,
    role_ids: FxHashMap<Box<str>, u32>,
}

impl Nodes {
    fn new() -> Self {
        Nodes {
            tags: Vec::new(),
            slots: Vec::new(),
            report_ids: Vec::new(),
            report_class: Vec::new(),
            report_time: Vec::new(),
            report_node: Vec::new(),
            report_index: HashTable::new(),
            values: Values::new(),
            observable_index: HashTable::new(),
            classes: Vec::new(),
            class_ids: FxHashMap::default(),
            roles: vec!["".into()],
            role_ids: FxHashMap::default(),
        }
    }

    /// Room for `reports` and `observables` more, and the headroom `finish` leaves on top (see
    /// [`Nodes::headroom`]), so that a bulk load of that much neither grows nor, at its end,
    /// resizes anything.
    fn reserve(&mut self, reports: usize, observables: usize) {
        let reports = reports + headroom_for(self.report_ids.len() + reports);
        let observables = observables + headroom_for(self.values.len() + observables);
        self.tags.reserve(reports + observables);
        self.slots.reserve(reports + observables);
        self.report_ids.reserve(reports);
        self.report_class.reserve(reports);
        self.report_time.reserve(reports);
        self.report_node.reserve(reports);
        self.report_index.reserve(reports, |&s| uuid_hash(&self.report_ids[s as usize]));
        self.observable_index.reserve(observables, Interned::rehash);
        self.values.reserve(observables);
    }

    fn len(&self) -> usize {
        self.tags.len()
    }

    /// Room for an eighth more nodes, reports and values than the graph holds (at least
    /// [`COMPACT_MIN`]), in every table and vector: after a bulk build, inserts do not start
    /// with a rehash of every value or a copy of every array (oversized ones are trimmed to
    /// that, in place). The growth past that headroom is the usual doubling, amortised: a
    /// vector copies its contents once, the observable table moves each entry once without
    /// reading any value (its hashes are stored), the report table rehashes each report id
    /// (16 bytes) once.
    fn headroom(&mut self) {
        let (nodes, reports, values) =
            (headroom_for(self.len()), headroom_for(self.report_ids.len()), headroom_for(self.values.len()));
        headroom(&mut self.tags, nodes);
        headroom(&mut self.slots, nodes);
        headroom(&mut self.report_ids, reports);
        headroom(&mut self.report_class, reports);
        headroom(&mut self.report_time, reports);
        headroom(&mut self.report_node, reports);
        self.values.headroom(values);
        let Nodes { report_index, report_ids, observable_index, .. } = self;
        let report_hash = |&s: &u32| uuid_hash(&report_ids[s as usize]);
        report_index.shrink_to(report_index.len() + reports, report_hash);
        report_index.reserve(reports, report_hash);
        observable_index.shrink_to(observable_index.len() + values, Interned::rehash);
        observable_index.reserve(values, Interned::rehash);
    }

    fn is_report(&self, v: u32) -> bool {
        self.tags[v as usize] == REPORT
    }

    /// The report slot of a report node.
    fn slot(&self, v: u32) -> usize {
        self.slots[v as usize] as usize
    }

    fn value(&self, v: u32) -> &str {
        self.values.get(self.slots[v as usize])
    }

    fn key(&self, v: u32) -> Key<'_> {
        match self.tags[v as usize] {
            REPORT => Key::Report(self.report_ids[self.slot(v)]),
            tag => Key::Observable(ObservableKind::ALL[tag as usize], self.value(v)),
        }
    }

    fn node_ref(&self, v: u32) -> NodeRef {
        match self.key(v) {
            Key::Report(id) => NodeRef::Report(id),
            Key::Observable(kind, value) => NodeRef::Observable(kind, value.to_string()),
        }
    }

    fn report_slot(&self, id: &Uuid) -> Option<u32> {
        self.report_index.find(uuid_hash(id), |&s| self.report_ids[s as usize] == *id).copied()
    }

    fn lookup_observable(&self, kind: ObservableKind, value: &str) -> Option<u32> {
        let tag = kind as u8;
        let hash = value_hash(tag, value);
        self.observable_index.find(spread(hash), |e| self.is(e, hash, tag, value)).map(|e| e.node)
    }

    fn lookup(&self, node: &NodeRef) -> Option<u32> {
        match node {
            NodeRef::Report(id) => self.report_slot(id).map(|s| self.report_node[s as usize]),
            NodeRef::Observable(kind, value) => self.lookup_observable(*kind, value),
        }
    }

    fn push_node(&mut self, tag: u8, slot: u32) -> u32 {
        let id = u32::try_from(self.tags.len()).ok().filter(|&id| id != u32::MAX).expect("too many nodes");
        self.tags.push(tag);
        self.slots.push(slot);
        id
    }

    /// A new report node, or `None` when the report is already in the graph.
    fn add_report(&mut self, id: Uuid, access: &ReportAccess, time: DateTime<Utc>) -> Option<u32> {
        if self.report_slot(&id).is_some() {
            return None;
        }
        let class = self.intern_class(access);
        let slot = u32::try_from(self.report_ids.len()).expect("more than u32::MAX reports");
        let r = self.push_node(REPORT, slot);
        self.report_ids.push(id);
        self.report_class.push(class);
        self.report_time.push(micros(time));
        self.report_node.push(r);
        let Nodes { report_index, report_ids, .. } = self;
        report_index.insert_unique(uuid_hash(&id), slot, |&s| uuid_hash(&report_ids[s as usize]));
        Some(r)
    }

    /// Touches what looking up `batch` will read: each value, its table probe, and the
    /// candidate's stored bytes. The look-ups of one value are a chain of cache misses, but
    /// those of different values are independent, so done together here the processor overlaps
    /// them, and the look-ups proper then find everything in cache.
    fn prefetch(&self, batch: &[(ObservableKind, &str, Option<&str>)]) {
        let mut touched = 0u64;
        for &(kind, value, _) in batch {
            let hash = value_hash(kind as u8, value);
            self.observable_index.find(spread(hash), |e| {
                if e.hash == hash {
                    touched ^= self.value(e.node).len() as u64;
                }
                false
            });
        }
        std::hint::black_box(touched);
    }

    /// Whether entry `e` is the observable (`tag`, `value`) of hash `hash`.
    fn is(&self, e: &Interned, hash: u32, tag: u8, value: &str) -> bool {
        e.hash == hash && self.tags[e.node as usize] == tag && self.value(e.node) == value
    }

    /// The node of an observable, created with its derived observables on first sight; the
    /// derived edges created are pushed to `derived` as (source, derived).
    fn observable(&mut self, kind: ObservableKind, value: &str, derived: &mut Vec<(u32, u32)>) -> u32 {
        let tag = kind as u8;
        let hash = value_hash(tag, value);
        // One probe finds the value or the place of the new entry.
        let Nodes { observable_index, tags, slots, values, .. } = self;
        let is = |e: &Interned| {
            e.hash == hash && tags[e.node as usize] == tag && values.get(slots[e.node as usize]) == value
        };
        let vacant = match observable_index.entry(spread(hash), is, Interned::rehash) {
            hashbrown::hash_table::Entry::Occupied(e) => return e.get().node,
            hashbrown::hash_table::Entry::Vacant(vacant) => vacant,
        };
        let o = u32::try_from(tags.len()).ok().filter(|&id| id != u32::MAX).expect("too many nodes");
        let slot = values.push(value);
        tags.push(tag);
        slots.push(slot);
        vacant.insert(Interned { node: o, hash });
        if derives(tag) {
            let mut related = model::observable::canonicalize(kind, value, &Default::default())
                .map(|c| c.related)
                .unwrap_or_default();
            related.retain(|rel| !(rel.kind == kind && rel.value == value));
            related.sort_by(|a, b| (a.kind, &a.value).cmp(&(b.kind, &b.value)));
            related.dedup();
            for rel in related {
                let d = self.observable(rel.kind, &rel.value, derived);
                derived.push((o, d));
            }
        }
        o
    }

    fn intern_class(&mut self, access: &ReportAccess) -> u32 {
        if let Some(&id) = self.class_ids.get(access) {
            return id;
        }
        let id = u32::try_from(self.classes.len()).expect("more than u32::MAX access classes");
        self.classes.push(access.clone());
        self.class_ids.insert(access.clone(), id);
        id
    }

    /// The edge label of a role.
    fn role_label(&mut self, role: Option<&str>) -> u32 {
        let role = match role {
            None | Some("") => 0,
            Some(role) => match self.role_ids.get(role) {
                Some(&id) => id,
                None => {
                    let id = u32::try_from(self.roles.len()).expect("more than u32::MAX roles");
                    self.roles.push(role.into());
                    self.role_ids.insert(role.into(), id);
                    id
                }
            },
        };
        ROLE_BASE + role
    }

    fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let access_heap = |a: &ReportAccess| {
            a.audience_orgs.capacity() * size_of::<model::OrgId>()
                + a.audience_communities.capacity() * size_of::<model::CommunityId>()
        };
        // hashbrown's tables: one control byte per bucket plus the entry.
        let map_bytes = |cap: usize, entry: usize| cap * (entry + 1);
        self.tags.capacity()
            + self.slots.capacity() * 4
            + self.report_ids.capacity() * 16
            + self.report_class.capacity() * 4
            + self.report_time.capacity() * 8
            + self.report_node.capacity() * 4
            + self.report_index.allocation_size()
            + self.values.memory_bytes()
            + self.observable_index.allocation_size()
            + self.classes.capacity() * size_of::<ReportAccess>()
            + self.classes.iter().map(access_heap).sum::<usize>()
            + map_bytes(self.class_ids.capacity(), size_of::<(ReportAccess, u32)>())
            + self.class_ids.keys().map(access_heap).sum::<usize>()
            + self.roles.capacity() * size_of::<Box<str>>()
            + self.roles.iter().map(|r| r.len()).sum::<usize>()
            + map_bytes(self.role_ids.capacity(), size_of::<(Box<str>, u32)>())
            + self.role_ids.keys().map(|r| r.len()).sum::<usize>()
    }
}

/// Observables are looked up in batches of this many (see [`Nodes::prefetch`]).
const BATCH: usize = 16;

/// A report's observables in batches of up to [`BATCH`], for [`Nodes::prefetch`].
struct Batches<'v, I> {
    source: I,
    batch: [(ObservableKind, &'v str, Option<&'v str>); BATCH],
    done: bool,
}

impl<'v, I: Iterator<Item = (ObservableKind, &'v str, Option<&'v str>)>> Batches<'v, I> {
    fn new(source: impl IntoIterator<IntoIter = I>) -> Self {
        Batches { source: source.into_iter(), batch: [(ObservableKind::Ipv4, "", None); BATCH], done: false }
    }

    /// The next batch (a lending iterator: the batch lives in `self`).
    fn next(&mut self) -> Option<&[(ObservableKind, &'v str, Option<&'v str>)]> {
        if self.done {
            return None;
        }
        let mut n = 0;
        while n < self.batch.len() {
            match self.source.next() {
                Some(x) => self.batch[n] = x,
                None => break,
            }
            n += 1;
        }
        self.done = n < self.batch.len();
        (n > 0).then(|| &self.batch[..n])
    }
}

/// An entry of the observable index: the node and the 32-bit hash of its kind and value.
#[derive(Clone, Copy)]
struct Interned {
    node: u32,
    hash: u32,
}

impl Interned {
    /// The table's hash of an entry: from the stored hash, without reading the value.
    fn rehash(&self) -> u64 {
        spread(self.hash)
    }
}

/// The headroom left past `len` elements: an eighth, at least [`COMPACT_MIN`].
fn headroom_for(len: usize) -> usize {
    (len / 8).max(COMPACT_MIN)
}

/// Leaves room for `extra` more elements in `v` past its length, trimming (in place, as the
/// allocator does for a shrink) a vector reserved much larger than that.
fn headroom<T>(v: &mut Vec<T>, extra: usize) {
    let want = v.len() + extra;
    if v.capacity() < want {
        v.reserve_exact(extra);
    } else if v.capacity() > want + extra {
        v.shrink_to(want);
    }
}

/// The link graph. See the module docs.
#[derive(Clone)]
pub struct LinkGraph {
    nodes: Nodes,
    /// CSR: the edges of node `v < offsets.len() - 1` are `edges[offsets[v]..offsets[v + 1]]`.
    offsets: Vec<u32>,
    edges: Vec<Edge>,
    /// Edges added since the last compaction to nodes already in the CSR: each node's newest
    /// by `pending_head` (indexed by node, [`NONE`] past its end; positions plus one), older ones chained through
    /// `pending` (no allocation per node).
    pending_head: Vec<u32>,
    pending: Vec<Pending>,
    /// Scratch space of inserts, kept to save allocations.
    scratch: Scratch,
}

/// An edge end waiting for compaction, and the index of its node's previous one.
#[derive(Clone, Copy, Debug)]
struct Pending {
    edge: Edge,
    next: u32,
}

/// The end of a chain of pending edges (chains hold positions in `pending` plus one).
const NONE: u32 = 0;

#[derive(Clone, Default)]
struct Scratch {
    held: Vec<u32>,
    derived: Vec<(u32, u32)>,
    new_edges: Vec<(u32, Edge)>,
}

/// The edges of one node: its CSR row, then its pending edges.
struct RawEdges<'g> {
    row: std::slice::Iter<'g, Edge>,
    pending: &'g [Pending],
    next: u32,
}

impl Iterator for RawEdges<'_> {
    type Item = Edge;

    fn next(&mut self) -> Option<Edge> {
        if let Some(&e) = self.row.next() {
            return Some(e);
        }
        if self.next == NONE {
            return None;
        }
        let p = self.pending[self.next as usize - 1];
        self.next = p.next;
        Some(p.edge)
    }
}

impl Default for LinkGraph {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for LinkGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkGraph")
            .field("nodes", &self.node_count())
            .field("edges", &self.edge_count())
            .finish()
    }
}

impl LinkGraph {
    pub fn new() -> Self {
        LinkGraph {
            nodes: Nodes::new(),
            offsets: vec![0],
            edges: Vec::new(),
            pending_head: Vec::new(),
            pending: Vec::new(),
            scratch: Scratch::default(),
        }
    }

    /// The graph of `reports`, built in one go (see [`LinkGraphBuilder`]).
    pub fn build<'r>(reports: impl IntoIterator<Item = &'r Report>) -> LinkGraph {
        let mut builder = LinkGraphBuilder::new();
        for report in reports {
            builder.add_report(report);
        }
        builder.finish()
    }

    /// Number of nodes (visible or not: for operators' metrics only).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of undirected edges (visible or not: for operators' metrics only).
    pub fn edge_count(&self) -> usize {
        (self.edges.len() + self.pending.len()) / 2
    }

    /// The dense id of a node (visible or not), for callers that index per-node data such as
    /// [`Components::labels`]. Dense ids are an implementation detail of one graph: never show
    /// them, and never order anything by them.
    pub fn node_id(&self, node: &NodeRef) -> Option<u32> {
        self.nodes.lookup(node)
    }

    /// The name of dense id `id` (visible or not); panics when there is no such node.
    pub fn node(&self, id: u32) -> NodeRef {
        self.nodes.node_ref(id)
    }

    /// Heap bytes held: vectors by capacity, hash tables by capacity × (entry + one control
    /// byte), value and role strings by length. Allocator overhead (headers, rounding) is not
    /// counted; the append buffers count their vectors' capacity plus the map's entries.
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        self.nodes.memory_bytes()
            + self.offsets.capacity() * 4
            + self.edges.capacity() * size_of::<Edge>()
            + self.pending_head.capacity() * 4
            + self.pending.capacity() * size_of::<Pending>()
            + self.scratch.held.capacity() * 4
            + self.scratch.derived.capacity() * 8
            + self.scratch.new_edges.capacity() * size_of::<(u32, Edge)>()
    }

    /// Adds a report, its observables and their derived observables. A report already in the
    /// graph (same id) is ignored.
    pub fn insert(&mut self, report: &Report) {
        let observables = report.observables.iter().map(|o| (o.kind, o.value.as_str(), o.role.as_deref()));
        self.insert_parts(report.id, &report.access(), report_time(report), observables);
    }

    /// [`LinkGraph::insert`] without a `Report`: the report's id, access facts, time and
    /// observables (kind, canonical value, role).
    pub fn insert_parts<'v>(
        &mut self,
        id: Uuid,
        access: &ReportAccess,
        time: DateTime<Utc>,
        observables: impl IntoIterator<Item = (ObservableKind, &'v str, Option<&'v str>)>,
    ) {
        let first_new = u32::try_from(self.nodes.len()).expect("too many nodes");
        let Some(r) = self.nodes.add_report(id, access, time) else { return };
        let Scratch { mut held, mut derived, mut new_edges } = std::mem::take(&mut self.scratch);
        let mut held_set: FxHashSet<u32> = FxHashSet::default();
        let mut batches = Batches::new(observables);
        while let Some(batch) = batches.next() {
            self.nodes.prefetch(batch);
            for &(kind, value, role) in batch {
                let o = self.nodes.observable(kind, value, &mut derived);
                // The same value twice in one report is one edge (the first role). Reports are
                // mostly small: a scan, and a set past a few dozen observables.
                let seen = if held.len() < 32 {
                    let seen = held.contains(&o);
                    held.push(o);
                    if held.len() == 32 {
                        held_set.extend(held.iter().copied());
                    }
                    seen
                } else {
                    !held_set.insert(o)
                };
                if seen {
                    continue;
                }
                let label = self.nodes.role_label(role);
                self.link(r, o, label, first_new, &mut new_edges);
            }
        }
        for (a, d) in derived.drain(..) {
            self.link(a, d, DERIVED_OUT, first_new, &mut new_edges);
        }
        // The new nodes' rows go straight to the end of the CSR: all their edges are known.
        new_edges.sort_by_key(|e| e.0);
        let mut next = new_edges.iter().peekable();
        for v in first_new..self.nodes.len() as u32 {
            while let Some((_, e)) = next.next_if(|e| e.0 == v) {
                self.edges.push(*e);
            }
            self.offsets.push(u32::try_from(self.edges.len()).expect("more than u32::MAX edge ends"));
        }
        held.clear();
        new_edges.clear();
        self.scratch = Scratch { held, derived, new_edges };
        if self.pending.len() > COMPACT_MIN && self.pending.len() > self.edges.len() / 4 {
            self.compact();
        }
    }

    /// Adds the edge `a`–`b`: ends at new nodes (ids from `first_new`) are collected for their
    /// rows, ends at older nodes wait in the pending chains.
    fn link(&mut self, a: u32, b: u32, label: u32, first_new: u32, new_edges: &mut Vec<(u32, Edge)>) {
        for (x, e) in [(a, Edge { target: b, label }), (b, Edge { target: a, label: reverse(label) })] {
            if x >= first_new {
                new_edges.push((x, e));
            } else {
                let at = u32::try_from(self.pending.len() + 1).expect("too many pending edges");
                if self.pending_head.len() <= x as usize {
                    // Room for every node the node tables have room for. Zeros (NONE) from a
                    // fresh allocation are the operating system's zero pages until written, so
                    // the first insert after a bulk build does not fill an array per node.
                    let len = self.nodes.tags.capacity().max(self.nodes.len());
                    if self.pending_head.capacity() == 0 {
                        self.pending_head = vec![NONE; len];
                    } else {
                        self.pending_head.resize(len, NONE);
                    }
                }
                let next = std::mem::replace(&mut self.pending_head[x as usize], at);
                self.pending.push(Pending { edge: e, next });
            }
        }
    }

    /// Marks a report revoked: from now on only its author organisation sees it. Returns false
    /// when the report is not in the graph.
    pub fn revoke(&mut self, id: Uuid) -> bool {
        let Some(slot) = self.nodes.report_slot(&id) else { return false };
        let slot = slot as usize;
        let mut access = self.nodes.classes[self.nodes.report_class[slot] as usize].clone();
        access.revoked = true;
        self.nodes.report_class[slot] = self.nodes.intern_class(&access);
        true
    }

    /// Gives a report new access facts (a wider audience after an access grant, a revocation):
    /// from now on every query sees it as `can_see` decides on them. Returns false when the
    /// report is not in the graph.
    pub fn set_access(&mut self, id: Uuid, access: &ReportAccess) -> bool {
        let Some(slot) = self.nodes.report_slot(&id) else { return false };
        self.nodes.report_class[slot as usize] = self.nodes.intern_class(access);
        true
    }

    /// Merges the pending edges into the CSR arrays.
    pub fn compact(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let n = self.nodes.len();
        let mut offsets = Vec::with_capacity(n + 1);
        let mut edges = Vec::with_capacity(self.edges.len() + self.pending.len());
        let mut chain = Vec::new();
        offsets.push(0u32);
        for v in 0..n as u32 {
            edges.extend_from_slice(self.csr(v));
            if let Some(&head) = self.pending_head.get(v as usize) {
                let mut at = head;
                // Newest first in the chain: put back in the order of arrival.
                while at != NONE {
                    chain.push(self.pending[at as usize - 1].edge);
                    at = self.pending[at as usize - 1].next;
                }
                edges.extend(chain.drain(..).rev());
            }
            offsets.push(u32::try_from(edges.len()).expect("more than u32::MAX edge ends"));
        }
        self.offsets = offsets;
        self.edges = edges;
        self.pending.clear();
        self.pending_head.clear();
    }

    fn csr(&self, v: u32) -> &[Edge] {
        let v = v as usize;
        if v + 1 < self.offsets.len() {
            &self.edges[self.offsets[v] as usize..self.offsets[v + 1] as usize]
        } else {
            &[]
        }
    }

    /// Every edge of `v`, visible or not.
    fn raw_edges(&self, v: u32) -> RawEdges<'_> {
        let next = if self.pending.is_empty() {
            NONE
        } else {
            self.pending_head.get(v as usize).copied().unwrap_or(NONE)
        };
        RawEdges { row: self.csr(v).iter(), pending: &self.pending, next }
    }

    fn label(&self, label: u32) -> EdgeLabel {
        match label {
            DERIVED_OUT | DERIVED_IN => EdgeLabel::Derived,
            role => match &*self.nodes.roles[(role - ROLE_BASE) as usize] {
                "" => EdgeLabel::Role(None),
                name => EdgeLabel::Role(Some(name.to_string())),
            },
        }
    }

    /// The edge `v`–`e.target` as shown: report → observable, or source → derived.
    fn edge_view(&self, v: u32, e: Edge) -> EdgeView {
        let (from, to) =
            if self.nodes.is_report(v) || e.label == DERIVED_OUT { (v, e.target) } else { (e.target, v) };
        EdgeView { from: self.nodes.node_ref(from), to: self.nodes.node_ref(to), label: self.label(e.label) }
    }

    fn view<'g>(&'g self, scope: &Scope<'g>) -> View<'g> {
        View {
            graph: self,
            class_visible: self.nodes.classes.iter().map(|access| can_see(scope.viewer, access)).collect(),
            from: scope.from.map_or(i64::MIN, micros),
            to: scope.to.map_or(i64::MAX, micros),
            is_hub: scope.is_hub,
            exists_memo: RefCell::default(),
            degree_memo: RefCell::default(),
            hub_memo: RefCell::default(),
            dense: None,
        }
    }

    /// The visible neighbours of `node`, most connected first (visible degree descending, then
    /// [`NodeRef`]), paginated. `None` when the node does not exist for the viewer. A hub is
    /// expanded like any node when named here.
    pub fn expand(&self, scope: &Scope, node: &NodeRef, opts: &ExpandOptions) -> Option<Expansion> {
        let view = self.view(scope);
        let v = self.nodes.lookup(node).filter(|&v| view.exists(v))?;
        let mut neighbours: Vec<(usize, Key, u32, u32)> = view
            .edges(v)
            .filter(|e| match self.nodes.tags[e.target as usize] {
                REPORT => opts.reports,
                tag => opts.kinds.as_ref().is_none_or(|ks| ks.iter().any(|k| *k as u8 == tag)),
            })
            .map(|e| (view.degree(e.target), self.nodes.key(e.target), e.target, e.label))
            .collect();
        neighbours.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let total = neighbours.len();
        let neighbours = neighbours
            .into_iter()
            .skip(opts.offset)
            .take(opts.limit)
            .map(|(degree, _, t, label)| NeighbourView {
                node: self.nodes.node_ref(t),
                edge: self.label(label),
                visible_degree: degree,
                hub: view.hub(t),
            })
            .collect();
        Some(Expansion { node: view.node_view(v, 0), total, neighbours })
    }

    /// The nodes within `k` hops of `start` (breadth first, `k` at most 4) and the visible edges
    /// between them. Hubs other than the start are included but not expanded unless
    /// `traverse_hubs`; each expanded node contributes at most `per_node` neighbours (most
    /// connected first); at most `max_nodes` nodes and `max_edges` edges. `truncated` says
    /// whether any cap cut something off. `None` when the start does not exist for the viewer.
    pub fn neighbourhood(
        &self,
        scope: &Scope,
        start: &NodeRef,
        opts: &NeighbourhoodOptions,
    ) -> Option<Neighbourhood> {
        let view = self.view(scope);
        let s = self.nodes.lookup(start).filter(|&v| view.exists(v))?;
        let k = opts.k.min(4);
        let max_nodes = opts.max_nodes.max(1);
        let mut truncated = false;
        let mut depth_of: FxHashMap<u32, usize> = FxHashMap::default();
        depth_of.insert(s, 0);
        let mut order = vec![s];
        let mut layer = vec![s];
        for depth in 1..=k {
            layer.sort_by_key(|&v| self.nodes.key(v));
            let mut next = Vec::new();
            for &v in &layer {
                if v != s && view.hub(v) && !opts.traverse_hubs {
                    continue;
                }
                let ranked = view.ranked_neighbours(v);
                if ranked.len() > opts.per_node {
                    truncated = true;
                }
                for (_, t) in ranked.into_iter().take(opts.per_node) {
                    if depth_of.contains_key(&t) {
                        continue;
                    }
                    if order.len() >= max_nodes {
                        truncated = true;
                        break;
                    }
                    depth_of.insert(t, depth);
                    order.push(t);
                    next.push(t);
                }
            }
            if next.is_empty() {
                break;
            }
            layer = next;
        }
        let mut edges = Vec::new();
        for &v in &order {
            for e in view.edges(v) {
                // Each undirected edge once, from its report end or its source end.
                if !depth_of.contains_key(&e.target) || e.label != DERIVED_OUT && !self.nodes.is_report(v) {
                    continue;
                }
                edges.push(self.edge_view(v, e));
            }
        }
        edges.sort();
        if edges.len() > opts.max_edges {
            edges.truncate(opts.max_edges);
            truncated = true;
        }
        let nodes = order.iter().map(|&v| view.node_view(v, depth_of[&v])).collect();
        Some(Neighbourhood { nodes, edges, truncated })
    }

    /// A shortest path from `a` to `b` on the viewer's subgraph, as the nodes along it (both
    /// ends included), or `None` when there is none within `max_depth` edges, or the search
    /// reaches more than `max_nodes` nodes (counted by whole layers, before looking for a
    /// meeting). Interior nodes are never hubs unless
    /// `traverse_hubs`. Among shortest paths, the lexicographically smallest by [`NodeRef`] is
    /// returned. Bidirectional breadth-first search, a whole layer at a time.
    pub fn shortest_path(
        &self,
        scope: &Scope,
        a: &NodeRef,
        b: &NodeRef,
        opts: &PathOptions,
    ) -> Option<Vec<NodeRef>> {
        let view = self.view(scope);
        let sa = self.nodes.lookup(a).filter(|&v| view.exists(v))?;
        let sb = self.nodes.lookup(b).filter(|&v| view.exists(v))?;
        if sa == sb {
            return Some(vec![a.clone()]);
        }
        let allowed = |v: u32| v == sa || v == sb || opts.traverse_hubs || !view.hub(v);
        let mut dist_a: FxHashMap<u32, usize> = FxHashMap::default();
        let mut dist_b: FxHashMap<u32, usize> = FxHashMap::default();
        dist_a.insert(sa, 0);
        dist_b.insert(sb, 0);
        let (mut front_a, mut front_b) = (vec![sa], vec![sb]);
        let (mut la, mut lb) = (0usize, 0usize);
        let d = loop {
            if la + lb >= opts.max_depth || front_a.is_empty() || front_b.is_empty() {
                return None;
            }
            let from_a = front_a.len() <= front_b.len();
            let (front, dist, other, level) = if from_a {
                (&mut front_a, &mut dist_a, &dist_b, &mut la)
            } else {
                (&mut front_b, &mut dist_b, &dist_a, &mut lb)
            };
            *level += 1;
            let mut next = Vec::new();
            let mut best: Option<usize> = None;
            for &v in front.iter() {
                for e in view.edges(v) {
                    let t = e.target;
                    if dist.contains_key(&t) || !allowed(t) {
                        continue;
                    }
                    dist.insert(t, *level);
                    // The budget counts whole layers: stopping as soon as it is passed gives
                    // the same answer whatever the order within the layer.
                    if dist.len() + other.len() > opts.max_nodes {
                        return None;
                    }
                    next.push(t);
                    if let Some(&o) = other.get(&t) {
                        best = Some(best.map_or(*level + o, |b: usize| b.min(*level + o)));
                    }
                }
            }
            *front = next;
            if let Some(d) = best {
                break d;
            }
        };
        if d > opts.max_depth {
            return None;
        }
        // Which nodes reached from `a` lie on a shortest path: from the deepest layer down.
        let mut good: FxHashSet<u32> = FxHashSet::default();
        let mut by_layer: Vec<Vec<u32>> = vec![Vec::new(); la + 1];
        for (&v, &i) in &dist_a {
            by_layer[i].push(v);
        }
        for i in (0..=la).rev() {
            for &v in &by_layer[i] {
                let on_path = d.checked_sub(i).is_some_and(|rest| dist_b.get(&v) == Some(&rest))
                    || view
                        .edges(v)
                        .any(|e| dist_a.get(&e.target) == Some(&(i + 1)) && good.contains(&e.target));
                if on_path {
                    good.insert(v);
                }
            }
        }
        // Walk from `a`, taking the smallest next node on a shortest path.
        let mut path = vec![sa];
        let mut v = sa;
        for j in 0..d {
            let next = view
                .edges(v)
                .map(|e| e.target)
                .filter(|&t| {
                    (dist_b.get(&t) == Some(&(d - j - 1))
                        || dist_a.get(&t) == Some(&(j + 1)) && good.contains(&t))
                        && allowed(t)
                })
                .min_by_key(|&t| self.nodes.key(t))?;
            path.push(next);
            v = next;
        }
        Some(path.into_iter().map(|v| self.nodes.node_ref(v)).collect())
    }
}

/// A report's time as the graph keeps it: `first_seen`, else `created_at`.
fn report_time(report: &Report) -> DateTime<Utc> {
    report.first_seen.unwrap_or(report.created_at)
}

/// The viewer's subgraph: the one definition of what a viewer sees of the graph.
struct View<'g> {
    graph: &'g LinkGraph,
    /// `can_see` per access class.
    class_visible: Vec<bool>,
    /// The scope's window, in microseconds, both ends included.
    from: i64,
    to: i64,
    is_hub: IsHub<'g>,
    exists_memo: RefCell<FxHashMap<u32, bool>>,
    degree_memo: RefCell<FxHashMap<u32, usize>>,
    /// The hub predicate's answer per observable: a search meets a value once per edge to it,
    /// and the predicate (hub indexes, warning lists, marks) costs string look-ups.
    hub_memo: RefCell<FxHashMap<u32, bool>>,
    /// Existence of every node, for whole-graph answers (see [`View::densify`]).
    dense: Option<Vec<bool>>,
}

impl View<'_> {
    fn is_report(&self, v: u32) -> bool {
        self.graph.nodes.is_report(v)
    }

    /// Whether the report in `slot` is in the subgraph: the one place visibility is decided.
    fn report_visible(&self, slot: usize) -> bool {
        let nodes = &self.graph.nodes;
        self.class_visible[nodes.report_class[slot] as usize]
            && (self.from..=self.to).contains(&nodes.report_time[slot])
    }

    /// Whether `v` is in the viewer's subgraph (memoised for observables: a popular domain
    /// is asked about once per answer, not once per neighbour).
    fn exists(&self, v: u32) -> bool {
        if let Some(dense) = &self.dense {
            return dense[v as usize];
        }
        if self.is_report(v) {
            return self.report_visible(self.graph.nodes.slot(v));
        }
        if let Some(&known) = self.exists_memo.borrow().get(&v) {
            return known;
        }
        let known = self.exists_within(v, 3);
        self.exists_memo.borrow_mut().insert(v, known);
        known
    }

    fn exists_within(&self, v: u32, hops: u32) -> bool {
        if self.is_report(v) {
            return self.report_visible(self.graph.nodes.slot(v));
        }
        self.graph.raw_edges(v).any(|e| match e.label {
            DERIVED_OUT => false,
            DERIVED_IN => hops > 0 && self.exists_within(e.target, hops - 1),
            _ => self.exists_within(e.target, 0),
        })
    }

    /// Computes the existence of every node at once, in time linear in the visible part of
    /// the graph: visible reports, what they hold, and what that derives.
    fn densify(&mut self) {
        let g = self.graph;
        let mut exists = vec![false; g.nodes.len()];
        let mut derive = Vec::new();
        for (slot, &r) in g.nodes.report_node.iter().enumerate() {
            if !self.report_visible(slot) {
                continue;
            }
            exists[r as usize] = true;
            for e in g.raw_edges(r) {
                let t = e.target as usize;
                if !exists[t] {
                    exists[t] = true;
                    if derives(g.nodes.tags[t]) {
                        derive.push(e.target);
                    }
                }
            }
        }
        while let Some(v) = derive.pop() {
            for e in g.raw_edges(v) {
                if e.label == DERIVED_OUT && !exists[e.target as usize] {
                    exists[e.target as usize] = true;
                    derive.push(e.target);
                }
            }
        }
        self.dense = Some(exists);
    }

    /// Whether an edge of `v` (a node that exists) is in the viewer's subgraph.
    fn edge_visible(&self, v: u32, e: Edge) -> bool {
        if let Some(dense) = &self.dense {
            return dense[e.target as usize];
        }
        match e.label {
            DERIVED_OUT => self.exists(v),
            DERIVED_IN => self.exists(e.target),
            _ if self.is_report(v) => self.exists(v),
            _ => self.exists(e.target),
        }
    }

    /// The visible edges of `v`.
    fn edges(&self, v: u32) -> impl Iterator<Item = Edge> + '_ {
        self.graph.raw_edges(v).filter(move |&e| self.edge_visible(v, e))
    }

    /// The visible degree of `v` (memoised: hubs are asked about by many answers' parts).
    fn degree(&self, v: u32) -> usize {
        if let Some(&d) = self.degree_memo.borrow().get(&v) {
            return d;
        }
        let d = self.edges(v).count();
        self.degree_memo.borrow_mut().insert(v, d);
        d
    }

    fn hub(&self, v: u32) -> bool {
        match self.graph.nodes.tags[v as usize] {
            REPORT => false,
            tag => self.observable_hub(v, tag),
        }
    }

    /// Whether observable `v`, of tag `tag`, is a hub (memoised).
    fn observable_hub(&self, v: u32, tag: u8) -> bool {
        if let Some(&known) = self.hub_memo.borrow().get(&v) {
            return known;
        }
        let known = self.ask_hub(v, tag);
        self.hub_memo.borrow_mut().insert(v, known);
        known
    }

    /// The hub predicate itself, unmemoised: for passes that ask once per node.
    fn ask_hub(&self, v: u32, tag: u8) -> bool {
        (self.is_hub)(ObservableKind::ALL[tag as usize], self.graph.nodes.value(v))
    }

    /// Whether every report is in the subgraph (every access class visible, the window open),
    /// and so every node: each was created by a report or derived from a value of one.
    fn everything_visible(&self) -> bool {
        self.from == i64::MIN && self.to == i64::MAX && self.class_visible.iter().all(|&c| c)
    }

    fn node_view(&self, v: u32, depth: usize) -> NodeView {
        NodeView {
            node: self.graph.nodes.node_ref(v),
            visible_degree: self.degree(v),
            hub: self.hub(v),
            depth,
        }
    }

    /// The visible neighbours of `v`, most connected first, then by [`NodeRef`].
    fn ranked_neighbours(&self, v: u32) -> Vec<(usize, u32)> {
        let nodes = &self.graph.nodes;
        let mut ranked: Vec<_> = self.edges(v).map(|e| (self.degree(e.target), e.target)).collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| nodes.key(a.1).cmp(&nodes.key(b.1))));
        ranked
    }
}

/// Options of [`LinkGraph::expand`].
#[derive(Clone, Debug)]
pub struct ExpandOptions {
    /// At most this many neighbours (default 50).
    pub limit: usize,
    /// Skip this many (default 0).
    pub offset: usize,
    /// Only observable neighbours of these kinds (default: all).
    pub kinds: Option<Vec<ObservableKind>>,
    /// Report neighbours too (default true).
    pub reports: bool,
}

impl Default for ExpandOptions {
    fn default() -> Self {
        ExpandOptions { limit: 50, offset: 0, kinds: None, reports: true }
    }
}

/// Options of [`LinkGraph::neighbourhood`].
#[derive(Clone, Debug)]
pub struct NeighbourhoodOptions {
    /// Hops, at most 4 (default 2).
    pub k: usize,
    /// Default 200.
    pub max_nodes: usize,
    /// Default 1000.
    pub max_edges: usize,
    /// Neighbours taken from each expanded node, most connected first (default 50).
    pub per_node: usize,
    /// Expand hubs too (default false).
    pub traverse_hubs: bool,
}

impl Default for NeighbourhoodOptions {
    fn default() -> Self {
        NeighbourhoodOptions { k: 2, max_nodes: 200, max_edges: 1000, per_node: 50, traverse_hubs: false }
    }
}

/// Options of [`LinkGraph::shortest_path`].
#[derive(Clone, Debug)]
pub struct PathOptions {
    /// At most this many edges (default 6).
    pub max_depth: usize,
    /// Give up past this many visited nodes (default 10,000).
    pub max_nodes: usize,
    /// Let the path pass through hubs (default false).
    pub traverse_hubs: bool,
}

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions { max_depth: 6, max_nodes: 10_000, traverse_hubs: false }
    }
}

/// A node in an answer, with its degree in the viewer's subgraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    pub node: NodeRef,
    pub visible_degree: usize,
    pub hub: bool,
    /// Hops from the start (neighbourhoods; 0 elsewhere).
    pub depth: usize,
}

/// A neighbour in an [`Expansion`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeighbourView {
    pub node: NodeRef,
    pub edge: EdgeLabel,
    pub visible_degree: usize,
    pub hub: bool,
}

/// The answer of [`LinkGraph::expand`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    pub node: NodeView,
    /// Visible neighbours matching the filter, before paging.
    pub total: usize,
    pub neighbours: Vec<NeighbourView>,
}

/// An edge in an answer: report → observable for roles, source → derived for derived edges.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EdgeView {
    pub from: NodeRef,
    pub to: NodeRef,
    pub label: EdgeLabel,
}

/// The answer of [`LinkGraph::neighbourhood`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neighbourhood {
    /// In breadth-first order: the start, then each layer.
    pub nodes: Vec<NodeView>,
    /// Sorted.
    pub edges: Vec<EdgeView>,
    pub truncated: bool,
}
