//! Components and networks of the viewer's subgraph, and one network in detail (its nodes and
//! edges, communities, key nodes and timeline).
//!
//! A network is a connected component of the viewer's subgraph over non-hub nodes that holds
//! at least one report: hubs are not traversed, so neither are observables reachable only
//! through hubs. A hub is no member; it is listed as attached to each network it touches.
//!
//! Everything here is ordered by visible quantities and then by [`NodeRef`]: components are
//! numbered by their first report in insertion order (report-less ones after, by their smallest
//! node), networks are identified by their earliest report, and the local graph a network's
//! algorithms run on is indexed in [`NodeRef`] order, so that neither hidden reports nor dense
//! ids change any answer.

use chrono::{DateTime, Utc};
use model::{ObservableKind, OrgId};
use rustc_hash::{FxHashMap, FxHashSet};
use uuid::Uuid;

use super::{
    DERIVED_OUT, EdgeView, Key, LinkGraph, NodeRef, NodeView, REPORT, Scope, View, betweenness, communities,
    derives, from_micros,
};

/// Community detection runs on networks of at most this many members.
pub const COMMUNITY_MAX_NODES: usize = 200_000;

/// The root of `x` in a union-find forest, halving the path on the way.
fn find(parent: &mut [u32], mut x: u32) -> u32 {
    loop {
        let p = parent[x as usize];
        if p == x {
            return x;
        }
        let g = parent[p as usize];
        parent[x as usize] = g;
        x = g;
    }
}

/// Betweenness is exact on networks of at most `betweenness_samples` × this many members.
const EXACT_BETWEENNESS_FACTOR: usize = 16;

/// How components are ordered: networks by id, then report-less components by smallest member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum ComponentKey<'a> {
    Network(i64, Uuid),
    Rest(Key<'a>),
}

/// Dense component labels (for benchmarks and the engine's caches).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Components {
    /// `labels[v]` for every node id, `u32::MAX` for nodes outside the subgraph or hubs.
    /// Components holding reports (networks) come first, in the order of their ids (earliest
    /// report); then the others, by their smallest member ([`NodeRef`] order).
    pub labels: Vec<u32>,
    pub count: usize,
}

/// Options of [`LinkGraph::networks`].
#[derive(Clone, Debug)]
pub struct NetworkOptions {
    /// Only networks of at least this many reports (default 2; networks hold at least one).
    pub min_reports: usize,
    /// At most this many (default 50).
    pub limit: usize,
    /// Skip this many (default 0).
    pub offset: usize,
    /// Only the network holding this node (for a hub: the networks it is attached to).
    pub containing: Option<NodeRef>,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        NetworkOptions { min_reports: 2, limit: 50, offset: 0, containing: None }
    }
}

/// The answer of [`LinkGraph::networks`]: largest first (reports descending, then id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkList {
    /// Networks matching the options, before paging.
    pub total: usize,
    pub networks: Vec<NetworkSummary>,
}

/// A network in a few figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkSummary {
    /// The network's id: its earliest visible report (min (time, uuid)). Stable as it grows.
    pub id: Uuid,
    pub reports: usize,
    pub observables: usize,
    /// Member–member edges plus member–hub edges.
    pub edges: usize,
    /// Authors of its reports, by report count descending, then id.
    pub organizations: Vec<OrgId>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Observables per kind, most first (then by kind).
    pub kinds: Vec<(ObservableKind, usize)>,
    /// At most 5 most connected observables (visible degree, then [`NodeRef`]).
    pub top: Vec<NodeView>,
    /// At most 10 attached hubs, most connected first (visible degree, then [`NodeRef`]).
    pub hubs: Vec<NodeView>,
    /// Its reports, by id.
    pub report_ids: Vec<Uuid>,
}

/// Options of [`LinkGraph::network`].
#[derive(Clone, Debug)]
pub struct NetworkDetailOptions {
    /// At most this many nodes, most connected first (default 2000).
    pub max_nodes: usize,
    /// At most this many edges, those between the most connected nodes first (default 10,000).
    pub max_edges: usize,
    /// Detect communities (default false).
    pub communities: bool,
    /// At most this many key nodes (default 20; 0 skips betweenness).
    pub key_nodes: usize,
    /// Betweenness is estimated from this many sources on large networks (default 64).
    pub betweenness_samples: usize,
}

impl Default for NetworkDetailOptions {
    fn default() -> Self {
        NetworkDetailOptions {
            max_nodes: 2000,
            max_edges: 10_000,
            communities: false,
            key_nodes: 20,
            betweenness_samples: 64,
        }
    }
}

/// The answer of [`LinkGraph::network`].
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkDetail {
    pub summary: NetworkSummary,
    /// Members and attached hubs, most connected first (visible degree, then [`NodeRef`]).
    pub nodes: Vec<NodeView>,
    /// The network's edges between the nodes shown, sorted.
    pub edges: Vec<EdgeView>,
    /// Whether `nodes` or `edges` were capped.
    pub truncated: bool,
    /// Empty unless asked; largest first (members descending, then smallest member).
    pub communities: Vec<Community>,
    /// Communities were asked for but the network has more than [`COMMUNITY_MAX_NODES`]
    /// members.
    pub communities_skipped: bool,
    /// Betweenness descending, then visible degree descending, then [`NodeRef`].
    pub key_nodes: Vec<KeyNode>,
    /// Whether betweenness was estimated from samples rather than computed exactly.
    pub betweenness_sampled: bool,
    /// Every report of the network, oldest first (then by id).
    pub timeline: Vec<TimelineEntry>,
}

/// A community of a network (Louvain modularity optimisation on its member–member edges).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Community {
    pub id: usize,
    pub reports: usize,
    pub observables: usize,
    /// At most 5 most connected observables.
    pub top: Vec<NodeView>,
    /// Sorted.
    pub members: Vec<NodeRef>,
}

/// A member of a network and how much it bridges the network.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyNode {
    pub node: NodeView,
    /// Share of shortest paths between other members through this one (0..1, rounded to nine
    /// decimals), over member–member edges.
    pub betweenness: f64,
}

/// A report of a network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    pub report: Uuid,
    pub time: DateTime<Utc>,
    pub organization: OrgId,
}

/// A network's members indexed in [`NodeRef`] order, with their member–member adjacency
/// (sorted): what communities and betweenness run on.
pub(super) struct LocalGraph {
    pub offsets: Vec<usize>,
    pub targets: Vec<u32>,
}

impl LocalGraph {
    /// A graph of `n` nodes from an undirected edge list (tests).
    #[cfg(test)]
    pub fn from_edges(n: usize, edges: &[(u32, u32)]) -> LocalGraph {
        let mut adjacency = vec![Vec::new(); n];
        for &(a, b) in edges {
            adjacency[a as usize].push(b);
            adjacency[b as usize].push(a);
        }
        let mut offsets = vec![0];
        let mut targets = Vec::new();
        for mut a in adjacency {
            a.sort_unstable();
            targets.extend(a);
            offsets.push(targets.len());
        }
        LocalGraph { offsets, targets }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn neighbours(&self, i: u32) -> &[u32] {
        &self.targets[self.offsets[i as usize]..self.offsets[i as usize + 1]]
    }
}

impl LinkGraph {
    /// Dense component labels of the viewer's subgraph over non-hub nodes (see
    /// [`Components`]). Breadth-first over the CSR, in time linear in the graph.
    pub fn components(&self, scope: &Scope) -> Components {
        let mut view = self.view(scope);
        // The common case: every report visible, so every node exists (each was created by a
        // report or derived from a value of one) and the existence pass can be skipped.
        if !view.everything_visible() {
            view.densify();
        }
        self.label_components(&view)
    }

    /// The viewer's networks, largest first, paginated (see [`NetworkOptions`]).
    pub fn networks(&self, scope: &Scope, opts: &NetworkOptions) -> NetworkList {
        let min_reports = opts.min_reports.max(1);
        let mut view = self.view(scope);
        let mut found: Vec<(usize, (i64, Uuid), Vec<u32>)> = Vec::new();
        if let Some(node) = &opts.containing {
            let Some(v) = self.nodes.lookup(node).filter(|&v| view.exists(v)) else {
                return NetworkList { total: 0, networks: Vec::new() };
            };
            let starts: Vec<u32> = if view.hub(v) {
                view.edges(v).map(|e| e.target).filter(|&t| !view.hub(t)).collect()
            } else {
                vec![v]
            };
            let mut seen: FxHashSet<u32> = FxHashSet::default();
            for s in starts {
                if seen.contains(&s) {
                    continue;
                }
                let members = self.local_component(&view, s);
                seen.extend(members.iter().copied());
                if let Some((reports, id)) = self.reports_and_id(&members) {
                    found.push((reports, id, members));
                }
            }
            found.retain(|f| f.0 >= min_reports);
            found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.1.cmp(&b.1.1)));
            let total = found.len();
            let networks = found
                .into_iter()
                .skip(opts.offset)
                .take(opts.limit)
                .map(|(_, _, members)| {
                    let set: FxHashSet<u32> = members.iter().copied().collect();
                    self.summary(&view, &members, &|v| set.contains(&v))
                })
                .collect();
            return NetworkList { total, networks };
        }
        view.densify();
        let Components { labels, count } = self.label_components(&view);
        let mut reports = vec![0usize; count];
        let mut ids: Vec<(i64, Uuid)> = vec![(i64::MAX, Uuid::max()); count];
        for (slot, &r) in self.nodes.report_node.iter().enumerate() {
            let c = labels[r as usize];
            if c == u32::MAX {
                continue;
            }
            reports[c as usize] += 1;
            let id = (self.nodes.report_time[slot], self.nodes.report_ids[slot]);
            ids[c as usize] = ids[c as usize].min(id);
        }
        let mut order: Vec<usize> = (0..count).filter(|&c| reports[c] >= min_reports).collect();
        order.sort_by(|&a, &b| reports[b].cmp(&reports[a]).then(ids[a].cmp(&ids[b])));
        let total = order.len();
        let page: Vec<usize> = order.into_iter().skip(opts.offset).take(opts.limit).collect();
        let mut position = vec![u32::MAX; count];
        for (i, &c) in page.iter().enumerate() {
            position[c] = i as u32;
        }
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); page.len()];
        for (v, &c) in labels.iter().enumerate() {
            if c != u32::MAX && position[c as usize] != u32::MAX {
                members[position[c as usize] as usize].push(v as u32);
            }
        }
        let networks =
            members.iter().map(|m| self.summary(&view, m, &|v| labels[v as usize] != u32::MAX)).collect();
        NetworkList { total, networks }
    }

    /// The network holding `member` (a non-hub node of the viewer's subgraph), in detail.
    /// `None` when the node does not exist for the viewer, is a hub, or its component holds no
    /// report.
    pub fn network(
        &self,
        scope: &Scope,
        member: &NodeRef,
        opts: &NetworkDetailOptions,
    ) -> Option<NetworkDetail> {
        let view = self.view(scope);
        let s = self.nodes.lookup(member).filter(|&v| view.exists(v) && !view.hub(v))?;
        let mut members = self.local_component(&view, s);
        self.reports_and_id(&members)?;
        members.sort_by_key(|&v| self.nodes.key(v));
        let index: FxHashMap<u32, u32> = members.iter().enumerate().map(|(i, &v)| (v, i as u32)).collect();
        let is_member = |v: u32| index.contains_key(&v);
        let summary = self.summary(&view, &members, &is_member);

        // The local graph, and every attached hub.
        let mut offsets = Vec::with_capacity(members.len() + 1);
        let mut targets = Vec::new();
        let mut hubs: FxHashSet<u32> = FxHashSet::default();
        offsets.push(0);
        for &v in &members {
            let start = targets.len();
            for e in view.edges(v) {
                match index.get(&e.target) {
                    Some(&j) => targets.push(j),
                    None => {
                        hubs.insert(e.target);
                    }
                }
            }
            targets[start..].sort_unstable();
            offsets.push(targets.len());
        }
        let local = LocalGraph { offsets, targets };
        let degree: Vec<usize> = members.iter().map(|&v| view.degree(v)).collect();

        // Nodes, most connected first, capped; the edges between them.
        let mut shown: Vec<(usize, u32)> = members.iter().zip(&degree).map(|(&v, &d)| (d, v)).collect();
        shown.extend(hubs.iter().map(|&h| (view.degree(h), h)));
        shown.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| self.nodes.key(a.1).cmp(&self.nodes.key(b.1))));
        let mut truncated = shown.len() > opts.max_nodes;
        shown.truncate(opts.max_nodes);
        let rank: FxHashMap<u32, usize> = shown.iter().enumerate().map(|(i, &(_, v))| (v, i)).collect();
        let mut edges: Vec<((usize, usize), EdgeView)> = Vec::new();
        for &(_, v) in &shown {
            for e in view.edges(v) {
                let Some(&rt) = rank.get(&e.target) else { continue };
                let hub_hub = !is_member(v) && !is_member(e.target);
                // Each edge once: from its report end or its source end.
                if hub_hub || !self.nodes.is_report(v) && e.label != DERIVED_OUT {
                    continue;
                }
                let rv = rank[&v];
                edges.push(((rv.max(rt), rv.min(rt)), self.edge_view(v, e)));
            }
        }
        if edges.len() > opts.max_edges {
            edges.sort();
            edges.truncate(opts.max_edges);
            truncated = true;
        }
        let mut edges: Vec<EdgeView> = edges.into_iter().map(|(_, e)| e).collect();
        edges.sort();
        let nodes = shown
            .iter()
            .map(|&(d, v)| NodeView {
                node: self.nodes.node_ref(v),
                visible_degree: d,
                hub: !is_member(v),
                depth: 0,
            })
            .collect();

        let mut timeline: Vec<(i64, Uuid, OrgId)> = members
            .iter()
            .filter(|&&v| self.nodes.is_report(v))
            .map(|&v| {
                let slot = self.nodes.slot(v);
                let author = self.nodes.classes[self.nodes.report_class[slot] as usize].author;
                (self.nodes.report_time[slot], self.nodes.report_ids[slot], author)
            })
            .collect();
        timeline.sort();
        let timeline = timeline
            .into_iter()
            .map(|(t, report, organization)| TimelineEntry { report, time: from_micros(t), organization })
            .collect();

        let (mut communities, mut communities_skipped) = (Vec::new(), false);
        if opts.communities {
            if members.len() > COMMUNITY_MAX_NODES {
                communities_skipped = true;
            } else {
                communities = self.communities(&members, &degree, &communities::louvain(&local));
            }
        }

        let mut key_nodes = Vec::new();
        let mut betweenness_sampled = false;
        if opts.key_nodes > 0 {
            let n = members.len();
            let samples = opts.betweenness_samples.max(1);
            let sources: Vec<u32> = if n <= samples.saturating_mul(EXACT_BETWEENNESS_FACTOR) {
                (0..n as u32).collect()
            } else {
                betweenness_sampled = true;
                (0..samples).map(|i| (i * n / samples) as u32).collect()
            };
            // Rounded, so that equal shares computed along different paths tie exactly.
            let scores: Vec<f64> = betweenness::normalised(&local, &sources)
                .into_iter()
                .map(|b| (b * 1e9).round() / 1e9)
                .collect();
            let mut ranked: Vec<u32> = (0..n as u32).collect();
            ranked.sort_by(|&a, &b| {
                scores[b as usize]
                    .total_cmp(&scores[a as usize])
                    .then(degree[b as usize].cmp(&degree[a as usize]))
                    .then(a.cmp(&b))
            });
            key_nodes = ranked
                .into_iter()
                .take(opts.key_nodes)
                .map(|i| KeyNode {
                    node: NodeView {
                        node: self.nodes.node_ref(members[i as usize]),
                        visible_degree: degree[i as usize],
                        hub: false,
                        depth: 0,
                    },
                    betweenness: scores[i as usize],
                })
                .collect();
        }

        Some(NetworkDetail {
            summary,
            nodes,
            edges,
            truncated,
            communities,
            communities_skipped,
            key_nodes,
            betweenness_sampled,
            timeline,
        })
    }

    /// Labels every node of a dense view: its component, or `u32::MAX` outside the subgraph
    /// and for hubs.
    fn label_components(&self, view: &View) -> Components {
        let n = self.nodes.len();
        let tags = &self.nodes.tags;
        // Union-find: `parent` per member (itself at first), `u32::MAX` outside the subgraph
        // and for hubs. Without a dense view, every node exists (see
        // `View::everything_visible`).
        let dense = view.dense.as_deref();
        debug_assert!(dense.is_some() || view.everything_visible());
        let mut parent: Vec<u32> = tags
            .iter()
            .enumerate()
            .map(|(v, &tag)| {
                let member = dense.is_none_or(|d| d[v]) && (tag == REPORT || !view.ask_hub(v as u32, tag));
                if member { v as u32 } else { u32::MAX }
            })
            .collect();
        // Every edge once, from its report end or from its source end (only observables that
        // derive others have such edges): a streaming pass over the report rows of the CSR.
        // A root is linked under the smaller root, so each component's root is its smallest
        // node and every parent is smaller than its child.
        let union = |parent: &mut [u32], v: usize, t: u32| {
            if parent[t as usize] == u32::MAX {
                return;
            }
            let (a, b) = (find(parent, v as u32), find(parent, t));
            if a != b {
                parent[a.max(b) as usize] = a.min(b);
            }
        };
        for v in 0..n {
            let tag = tags[v];
            if parent[v] == u32::MAX || tag != REPORT && !derives(tag) {
                continue;
            }
            if self.pending.is_empty() {
                let row = &self.edges[self.offsets[v] as usize..self.offsets[v + 1] as usize];
                for e in row {
                    if tag == REPORT || e.label == DERIVED_OUT {
                        union(&mut parent, v, e.target);
                    }
                }
            } else {
                for e in self.raw_edges(v as u32) {
                    if tag == REPORT || e.label == DERIVED_OUT {
                        union(&mut parent, v, e.target);
                    }
                }
            }
        }
        // Every member straight to its root (parents are smaller: done in node order).
        for v in 0..n {
            let p = parent[v];
            if p != u32::MAX {
                parent[v] = parent[p as usize];
            }
        }
        // Each component's rank key: its network id (earliest report), or for report-less
        // ones their smallest member; `index` per root: the component's place in `keys`.
        let mut index = vec![u32::MAX; n];
        let mut keys: Vec<ComponentKey> = Vec::new();
        for (slot, &r) in self.nodes.report_node.iter().enumerate() {
            let root = parent[r as usize];
            if root == u32::MAX {
                continue;
            }
            let id = (self.nodes.report_time[slot], self.nodes.report_ids[slot]);
            match index[root as usize] {
                u32::MAX => {
                    index[root as usize] = keys.len() as u32;
                    keys.push(ComponentKey::Network(id.0, id.1));
                }
                c => {
                    if let ComponentKey::Network(t, u) = &mut keys[c as usize] {
                        (*t, *u) = (*t, *u).min(id);
                    }
                }
            }
        }
        for (v, &root) in parent.iter().enumerate() {
            if root == u32::MAX {
                continue;
            }
            match index[root as usize] {
                u32::MAX => {
                    index[root as usize] = keys.len() as u32;
                    keys.push(ComponentKey::Rest(self.nodes.key(v as u32)));
                }
                c => {
                    if let ComponentKey::Rest(smallest) = &mut keys[c as usize] {
                        *smallest = (*smallest).min(self.nodes.key(v as u32));
                    }
                }
            }
        }
        // Renumber in key order: the labels then depend on neither dense ids nor the order in
        // which reports arrived.
        let mut order: Vec<u32> = (0..keys.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
        let mut renumber = vec![0u32; keys.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old as usize] = new as u32;
        }
        // In place (`index` is by root).
        for label in parent.iter_mut().filter(|l| **l != u32::MAX) {
            *label = renumber[index[*label as usize] as usize];
        }
        Components { labels: parent, count: keys.len() }
    }

    /// The members of the component of `start` (a non-hub node that exists), breadth first on
    /// a memoised view: for answers about one network without scanning the whole graph.
    fn local_component(&self, view: &View, start: u32) -> Vec<u32> {
        let mut seen: FxHashSet<u32> = FxHashSet::default();
        seen.insert(start);
        let mut queue = vec![start];
        let mut i = 0;
        while i < queue.len() {
            let v = queue[i];
            i += 1;
            for e in view.edges(v) {
                if !seen.contains(&e.target) && !view.hub(e.target) {
                    seen.insert(e.target);
                    queue.push(e.target);
                }
            }
        }
        queue
    }

    /// The number of reports among `members` and the network's id, or `None` without reports.
    fn reports_and_id(&self, members: &[u32]) -> Option<(usize, (i64, Uuid))> {
        let mut reports = 0;
        let mut id: Option<(i64, Uuid)> = None;
        for &v in members.iter().filter(|&&v| self.nodes.is_report(v)) {
            let slot = self.nodes.slot(v);
            reports += 1;
            let this = (self.nodes.report_time[slot], self.nodes.report_ids[slot]);
            id = Some(id.map_or(this, |id| id.min(this)));
        }
        id.map(|id| (reports, id))
    }

    /// A network's summary from its members; `is_member` tells members from hubs among the
    /// members' neighbours (every other neighbour is a hub).
    fn summary(&self, view: &View, members: &[u32], is_member: &dyn Fn(u32) -> bool) -> NetworkSummary {
        let nodes = &self.nodes;
        let (mut reports, mut observables, mut degree_sum, mut hub_edges) = (0usize, 0usize, 0usize, 0usize);
        let mut orgs: FxHashMap<OrgId, usize> = FxHashMap::default();
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        let mut id = (i64::MAX, Uuid::max());
        let mut kinds = [0usize; ObservableKind::ALL.len()];
        let mut top: Vec<(usize, u32)> = Vec::new();
        let mut hubs: FxHashSet<u32> = FxHashSet::default();
        let mut report_ids = Vec::new();
        for &v in members {
            let mut degree = 0;
            for e in view.edges(v) {
                degree += 1;
                if !is_member(e.target) {
                    hub_edges += 1;
                    hubs.insert(e.target);
                }
            }
            degree_sum += degree;
            if nodes.is_report(v) {
                reports += 1;
                let slot = nodes.slot(v);
                *orgs.entry(nodes.classes[nodes.report_class[slot] as usize].author).or_default() += 1;
                let t = nodes.report_time[slot];
                (first, last) = (first.min(t), last.max(t));
                id = id.min((t, nodes.report_ids[slot]));
                report_ids.push(nodes.report_ids[slot]);
            } else {
                observables += 1;
                kinds[nodes.tags[v as usize] as usize] += 1;
                top.push((degree, v));
            }
        }
        let mut organizations: Vec<(OrgId, usize)> = orgs.into_iter().collect();
        organizations.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut kinds: Vec<(ObservableKind, usize)> =
            ObservableKind::ALL.iter().map(|&k| (k, kinds[k as usize])).filter(|k| k.1 > 0).collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let hubs: Vec<(usize, u32)> = hubs.into_iter().map(|h| (view.degree(h), h)).collect();
        report_ids.sort_unstable();
        let view_of = |(d, v): (usize, u32), hub: bool| NodeView {
            node: nodes.node_ref(v),
            visible_degree: d,
            hub,
            depth: 0,
        };
        NetworkSummary {
            id: id.1,
            reports,
            observables,
            edges: (degree_sum + hub_edges) / 2,
            organizations: organizations.into_iter().map(|o| o.0).collect(),
            first_seen: from_micros(first),
            last_seen: from_micros(last),
            kinds,
            top: self.most_connected(top, 5).into_iter().map(|x| view_of(x, false)).collect(),
            hubs: self.most_connected(hubs, 10).into_iter().map(|x| view_of(x, true)).collect(),
            report_ids,
        }
    }

    /// The `k` most connected of (degree, node): degree descending, then [`NodeRef`].
    fn most_connected(&self, mut nodes: Vec<(usize, u32)>, k: usize) -> Vec<(usize, u32)> {
        if k == 0 {
            return Vec::new();
        }
        if nodes.len() > k {
            // Only those at least as connected as the k-th can be among the k.
            nodes.select_nth_unstable_by(k - 1, |a, b| b.0.cmp(&a.0));
            let cut = nodes[k - 1].0;
            nodes.retain(|n| n.0 >= cut);
        }
        nodes.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| self.nodes.key(a.1).cmp(&self.nodes.key(b.1))));
        nodes.truncate(k);
        nodes
    }

    /// The communities of a network from the community of each member (members in
    /// [`NodeRef`] order, communities numbered from 0 in any order).
    fn communities(&self, members: &[u32], degree: &[usize], of: &[u32]) -> Vec<Community> {
        let count = of.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        let mut groups: Vec<Vec<u32>> = vec![Vec::new(); count];
        for (i, &c) in of.iter().enumerate() {
            groups[c as usize].push(i as u32);
        }
        groups.retain(|g| !g.is_empty());
        // Largest first, then by smallest member (members are in NodeRef order).
        groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        groups
            .into_iter()
            .enumerate()
            .map(|(id, group)| {
                let reports = group.iter().filter(|&&i| self.nodes.is_report(members[i as usize])).count();
                let top: Vec<(usize, u32)> = group
                    .iter()
                    .map(|&i| (degree[i as usize], members[i as usize]))
                    .filter(|&(_, v)| !self.nodes.is_report(v))
                    .collect();
                Community {
                    id,
                    reports,
                    observables: group.len() - reports,
                    top: self
                        .most_connected(top, 5)
                        .into_iter()
                        .map(|(d, v)| NodeView {
                            node: self.nodes.node_ref(v),
                            visible_degree: d,
                            hub: false,
                            depth: 0,
                        })
                        .collect(),
                    members: group.iter().map(|&i| self.nodes.node_ref(members[i as usize])).collect(),
                }
            })
            .collect()
    }
}
