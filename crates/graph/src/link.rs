//! The link-analysis graph: reports and canonical observables as nodes, report↔observable
//! edges (with the observable's role in the report) and derived observable→observable edges
//! (a URL's host, an e-mail's domain, a domain's registrable domain, from
//! [`model::observable::canonicalize`]'s `related`).
//!
//! Storage is compact: dense `u32` node ids, adjacency in CSR arrays (offsets + edges) for the
//! bulk and a small per-node append buffer for incremental inserts, merged by
//! [`LinkGraph::compact`] (run automatically when the buffers grow past a fraction of the CSR).
//! Each report keeps an interned access class; revoking a report moves it to the revoked class.
//!
//! **Visibility.** Every query is answered on the viewer's subgraph, defined once in `View`:
//! - a report node is visible iff [`model::can_see`] allows its access facts (a revoked report:
//!   its author organisation only);
//! - an observable node exists iff a visible report holds it, or it is derived from an
//!   observable that exists (the derived edges form chains of at most two hops: URL → host →
//!   registrable domain);
//! - a report↔observable edge is visible iff its report is; a derived edge iff its source exists.
//!
//! Every degree, total and path is computed over visible edges only, and every order is by
//! visible degree and then by [`NodeRef`] (never by dense id), so an answer on the full graph
//! equals the answer on a graph built from only the reports the viewer may see: nothing about
//! hidden reports can be inferred from it.
//!
//! **Hubs** (a predicate on observables passed to each query) are returned as nodes with their
//! visible degree but not traversed, unless they are the start node or the query allows it.

use std::cell::RefCell;

use model::{ObservableKind, Report, ReportAccess, Viewer, can_see};
use rustc_hash::{FxHashMap, FxHashSet};
use uuid::Uuid;

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

/// Edge label codes: derived edges in both directions, then role ids shifted by two.
const DERIVED_OUT: u32 = 0; // the target is derived from this node
const DERIVED_IN: u32 = 1; // this node is derived from the target
const ROLE_BASE: u32 = 2;

/// Inserts compact the graph once the append buffers hold more than this many edge ends and a
/// quarter of the CSR's.
const COMPACT_MIN: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Edge {
    target: u32,
    label: u32,
}

#[derive(Clone, Debug)]
enum Node {
    Report { id: Uuid, class: u32 },
    Observable { kind: ObservableKind, value: Box<str> },
}

/// The link graph. See the module docs.
pub struct LinkGraph {
    nodes: Vec<Node>,
    report_ids: FxHashMap<Uuid, u32>,
    /// One map per observable kind, indexed by `kind as usize`.
    observable_ids: Vec<FxHashMap<Box<str>, u32>>,
    classes: Vec<ReportAccess>,
    class_ids: FxHashMap<ReportAccess, u32>,
    /// Role names; 0 is "no role".
    roles: Vec<Box<str>>,
    role_ids: FxHashMap<Box<str>, u32>,
    /// CSR: the edges of node `v < offsets.len() - 1` are `edges[offsets[v]..offsets[v + 1]]`.
    offsets: Vec<u32>,
    edges: Vec<Edge>,
    /// Edges added since the last compaction, per node.
    pending: Vec<Vec<Edge>>,
    pending_count: usize,
}

impl Default for LinkGraph {
    fn default() -> Self {
        Self::new()
    }
}

impl LinkGraph {
    pub fn new() -> Self {
        LinkGraph {
            nodes: Vec::new(),
            report_ids: FxHashMap::default(),
            observable_ids: (0..ObservableKind::ALL.len()).map(|_| FxHashMap::default()).collect(),
            classes: Vec::new(),
            class_ids: FxHashMap::default(),
            roles: vec!["".into()],
            role_ids: FxHashMap::default(),
            offsets: vec![0],
            edges: Vec::new(),
            pending: Vec::new(),
            pending_count: 0,
        }
    }

    /// Number of nodes (visible or not: for operators' metrics only).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of undirected edges (visible or not: for operators' metrics only).
    pub fn edge_count(&self) -> usize {
        (self.edges.len() + self.pending_count) / 2
    }

    /// Adds a report, its observables and their derived observables. A report already in the
    /// graph (same id) is ignored.
    pub fn insert(&mut self, report: &Report) {
        if self.report_ids.contains_key(&report.id) {
            return;
        }
        let class = self.intern_class(&report.access());
        let r = self.push_node(Node::Report { id: report.id, class });
        self.report_ids.insert(report.id, r);
        let mut held = FxHashSet::default();
        for obs in &report.observables {
            let o = self.observable(obs.kind, &obs.value);
            // The same value twice in one report is one edge (the first role).
            if !held.insert(o) {
                continue;
            }
            let role = match obs.role.as_deref() {
                None | Some("") => 0,
                Some(role) => self.intern_role(role),
            };
            self.add_edge(r, o, ROLE_BASE + role, ROLE_BASE + role);
        }
        if self.pending_count > COMPACT_MIN && self.pending_count > self.edges.len() / 4 {
            self.compact();
        }
    }

    /// Marks a report revoked: from now on only its author organisation sees it. Returns false
    /// when the report is not in the graph.
    pub fn revoke(&mut self, id: Uuid) -> bool {
        let Some(&r) = self.report_ids.get(&id) else { return false };
        let Node::Report { class, .. } = self.nodes[r as usize] else { return false };
        let mut access = self.classes[class as usize].clone();
        access.revoked = true;
        let revoked = self.intern_class(&access);
        if let Node::Report { class, .. } = &mut self.nodes[r as usize] {
            *class = revoked;
        }
        true
    }

    /// Merges the append buffers into the CSR arrays.
    pub fn compact(&mut self) {
        let n = self.nodes.len();
        let mut offsets = Vec::with_capacity(n + 1);
        let mut edges = Vec::with_capacity(self.edges.len() + self.pending_count);
        offsets.push(0u32);
        for v in 0..n {
            edges.extend(self.csr(v as u32).iter().copied());
            edges.append(&mut self.pending[v]);
            offsets.push(u32::try_from(edges.len()).expect("more than u32::MAX edge ends"));
        }
        self.offsets = offsets;
        self.edges = edges;
        self.pending = vec![Vec::new(); n];
        self.pending_count = 0;
    }

    fn push_node(&mut self, node: Node) -> u32 {
        let id = u32::try_from(self.nodes.len()).expect("more than u32::MAX nodes");
        self.nodes.push(node);
        self.pending.push(Vec::new());
        id
    }

    /// The node of an observable, created with its derived observables on first sight.
    fn observable(&mut self, kind: ObservableKind, value: &str) -> u32 {
        if let Some(&o) = self.observable_ids[kind as usize].get(value) {
            return o;
        }
        let o = self.push_node(Node::Observable { kind, value: value.into() });
        self.observable_ids[kind as usize].insert(value.into(), o);
        let related = model::observable::canonicalize(kind, value, &Default::default())
            .map(|c| c.related)
            .unwrap_or_default();
        for rel in related {
            if rel.kind == kind && rel.value == value {
                continue;
            }
            let d = self.observable(rel.kind, &rel.value);
            if !self.raw_edges(o).any(|e| e.target == d) {
                self.add_edge(o, d, DERIVED_OUT, DERIVED_IN);
            }
        }
        o
    }

    fn add_edge(&mut self, a: u32, b: u32, label_ab: u32, label_ba: u32) {
        self.pending[a as usize].push(Edge { target: b, label: label_ab });
        self.pending[b as usize].push(Edge { target: a, label: label_ba });
        self.pending_count += 2;
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

    fn intern_role(&mut self, role: &str) -> u32 {
        if let Some(&id) = self.role_ids.get(role) {
            return id;
        }
        let id = u32::try_from(self.roles.len()).expect("more than u32::MAX roles");
        self.roles.push(role.into());
        self.role_ids.insert(role.into(), id);
        id
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
    fn raw_edges(&self, v: u32) -> impl Iterator<Item = Edge> + '_ {
        self.csr(v).iter().chain(self.pending[v as usize].iter()).copied()
    }

    fn lookup(&self, node: &NodeRef) -> Option<u32> {
        match node {
            NodeRef::Report(id) => self.report_ids.get(id).copied(),
            NodeRef::Observable(kind, value) => {
                self.observable_ids[*kind as usize].get(value.as_str()).copied()
            }
        }
    }

    fn node_ref(&self, v: u32) -> NodeRef {
        match &self.nodes[v as usize] {
            Node::Report { id, .. } => NodeRef::Report(*id),
            Node::Observable { kind, value } => NodeRef::Observable(*kind, value.to_string()),
        }
    }

    fn label(&self, label: u32) -> EdgeLabel {
        match label {
            DERIVED_OUT | DERIVED_IN => EdgeLabel::Derived,
            role => match &*self.roles[(role - ROLE_BASE) as usize] {
                "" => EdgeLabel::Role(None),
                name => EdgeLabel::Role(Some(name.to_string())),
            },
        }
    }

    fn view<'g>(&'g self, viewer: &Viewer, is_hub: IsHub<'g>) -> View<'g> {
        View {
            graph: self,
            class_visible: self.classes.iter().map(|access| can_see(viewer, access)).collect(),
            is_hub,
            exists_memo: RefCell::default(),
        }
    }

    /// The visible neighbours of `node`, most connected first (visible degree descending, then
    /// [`NodeRef`]), paginated. `None` when the node does not exist for the viewer. A hub is
    /// expanded like any node when named here.
    pub fn expand(
        &self,
        viewer: &Viewer,
        node: &NodeRef,
        is_hub: IsHub<'_>,
        opts: &ExpandOptions,
    ) -> Option<Expansion> {
        let view = self.view(viewer, is_hub);
        let v = self.lookup(node).filter(|&v| view.exists(v))?;
        let mut neighbours: Vec<(usize, NodeRef, u32, u32)> = view
            .edges(v)
            .filter(|e| match &self.nodes[e.target as usize] {
                Node::Report { .. } => opts.reports,
                Node::Observable { kind, .. } => opts.kinds.as_ref().is_none_or(|ks| ks.contains(kind)),
            })
            .map(|e| (view.degree(e.target), self.node_ref(e.target), e.target, e.label))
            .collect();
        neighbours.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let total = neighbours.len();
        let neighbours = neighbours
            .into_iter()
            .skip(opts.offset)
            .take(opts.limit)
            .map(|(degree, node, t, label)| NeighbourView {
                node,
                edge: self.label(label),
                visible_degree: degree,
                hub: view.hub(t),
            })
            .collect();
        Some(Expansion {
            node: NodeView { node: node.clone(), visible_degree: view.degree(v), hub: view.hub(v), depth: 0 },
            total,
            neighbours,
        })
    }

    /// The nodes within `k` hops of `start` (breadth first, `k` at most 4) and the visible edges
    /// between them. Hubs other than the start are included but not expanded unless
    /// `traverse_hubs`; each expanded node contributes at most `per_node` neighbours (most
    /// connected first); at most `max_nodes` nodes and `max_edges` edges. `truncated` says
    /// whether any cap cut something off. `None` when the start does not exist for the viewer.
    pub fn neighbourhood(
        &self,
        viewer: &Viewer,
        start: &NodeRef,
        is_hub: IsHub<'_>,
        opts: &NeighbourhoodOptions,
    ) -> Option<Neighbourhood> {
        let view = self.view(viewer, is_hub);
        let s = self.lookup(start).filter(|&v| view.exists(v))?;
        let k = opts.k.min(4);
        let max_nodes = opts.max_nodes.max(1);
        let mut truncated = false;
        let mut depth_of: FxHashMap<u32, usize> = FxHashMap::default();
        depth_of.insert(s, 0);
        let mut order = vec![s];
        let mut layer = vec![s];
        for depth in 1..=k {
            let mut layer_refs: Vec<(NodeRef, u32)> = layer.iter().map(|&v| (self.node_ref(v), v)).collect();
            layer_refs.sort();
            let mut next = Vec::new();
            for (_, v) in layer_refs {
                if v != s && view.hub(v) && !opts.traverse_hubs {
                    continue;
                }
                let ranked = view.ranked_neighbours(v);
                if ranked.len() > opts.per_node {
                    truncated = true;
                }
                for (_, _, t) in ranked.into_iter().take(opts.per_node) {
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
                if !depth_of.contains_key(&e.target) || !matches!(e.label, DERIVED_OUT) && !view.is_report(v)
                {
                    continue;
                }
                edges.push(EdgeView {
                    from: self.node_ref(v),
                    to: self.node_ref(e.target),
                    label: self.label(e.label),
                });
            }
        }
        edges.sort();
        if edges.len() > opts.max_edges {
            edges.truncate(opts.max_edges);
            truncated = true;
        }
        let nodes = order
            .iter()
            .map(|&v| NodeView {
                node: self.node_ref(v),
                visible_degree: view.degree(v),
                hub: view.hub(v),
                depth: depth_of[&v],
            })
            .collect();
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
        viewer: &Viewer,
        a: &NodeRef,
        b: &NodeRef,
        is_hub: IsHub<'_>,
        opts: &PathOptions,
    ) -> Option<Vec<NodeRef>> {
        let view = self.view(viewer, is_hub);
        let sa = self.lookup(a).filter(|&v| view.exists(v))?;
        let sb = self.lookup(b).filter(|&v| view.exists(v))?;
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
                    allowed(t)
                        && (dist_b.get(&t) == Some(&(d - j - 1))
                            || dist_a.get(&t) == Some(&(j + 1)) && good.contains(&t))
                })
                .min_by_key(|&t| self.node_ref(t))?;
            path.push(next);
            v = next;
        }
        Some(path.into_iter().map(|v| self.node_ref(v)).collect())
    }
}

/// The viewer's subgraph: the one definition of what a viewer sees of the graph.
struct View<'g> {
    graph: &'g LinkGraph,
    /// `can_see` per access class.
    class_visible: Vec<bool>,
    is_hub: IsHub<'g>,
    exists_memo: RefCell<FxHashMap<u32, bool>>,
}

impl View<'_> {
    fn is_report(&self, v: u32) -> bool {
        matches!(self.graph.nodes[v as usize], Node::Report { .. })
    }

    /// Whether `v` is in the viewer's subgraph (memoised for observables: a popular domain
    /// is asked about once per answer, not once per neighbour).
    fn exists(&self, v: u32) -> bool {
        if self.is_report(v) {
            return self.exists_within(v, 0);
        }
        if let Some(&known) = self.exists_memo.borrow().get(&v) {
            return known;
        }
        let known = self.exists_within(v, 3);
        self.exists_memo.borrow_mut().insert(v, known);
        known
    }

    fn exists_within(&self, v: u32, hops: u32) -> bool {
        match self.graph.nodes[v as usize] {
            Node::Report { class, .. } => self.class_visible[class as usize],
            Node::Observable { .. } => self.graph.raw_edges(v).any(|e| match e.label {
                DERIVED_OUT => false,
                DERIVED_IN => hops > 0 && self.exists_within(e.target, hops - 1),
                _ => self.exists_within(e.target, 0),
            }),
        }
    }

    /// Whether an edge of `v` is in the viewer's subgraph.
    fn edge_visible(&self, v: u32, e: Edge) -> bool {
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

    fn degree(&self, v: u32) -> usize {
        self.edges(v).count()
    }

    fn hub(&self, v: u32) -> bool {
        match &self.graph.nodes[v as usize] {
            Node::Report { .. } => false,
            Node::Observable { kind, value } => (self.is_hub)(*kind, value),
        }
    }

    /// The visible neighbours of `v`, most connected first, then by [`NodeRef`].
    fn ranked_neighbours(&self, v: u32) -> Vec<(usize, NodeRef, u32)> {
        let mut ranked: Vec<_> =
            self.edges(v).map(|e| (self.degree(e.target), self.graph.node_ref(e.target), e.target)).collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
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

/// An edge in a [`Neighbourhood`]: report → observable for roles, source → derived for
/// derived edges.
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
