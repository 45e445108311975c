//! The connecting network of a set of selectors (i2's "find connecting network"): every node
//! and edge on any shortest path between each pair of selectors — the shortest-path DAG of
//! each pair, not one path — within limits.
//!
//! One breadth-first search per selector, a whole layer at a time (so that a budget cut depends
//! only on the layers' contents, never on the order within a layer); a node lies on a shortest
//! path between `a` and `b` at distance `d` iff its distances from both add up to `d`.

use rustc_hash::{FxHashMap, FxHashSet};

use super::{DERIVED_OUT, Edge, EdgeView, LinkGraph, NodeRef, NodeView, Scope, View, reverse};

/// Options of [`LinkGraph::connecting`].
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Pairs further apart than this many edges are unconnected (default 6).
    pub max_depth: usize,
    /// Each selector's search stops before the layer that takes it past this many nodes
    /// (default 10,000).
    pub max_nodes: usize,
    /// Let paths pass through hubs (default false; selectors that are hubs are always ends).
    pub traverse_hubs: bool,
    /// At most this many nodes in the answer besides the selectors (default 500): pairs, the
    /// closest first, whose paths would pass it are left out.
    pub max_result_nodes: usize,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions { max_depth: 6, max_nodes: 10_000, traverse_hubs: false, max_result_nodes: 500 }
    }
}

/// The answer of [`LinkGraph::connecting`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// The selectors in the viewer's subgraph and every node on a shortest path between a
    /// connected pair of them, sorted by [`NodeRef`].
    pub nodes: Vec<NodeView>,
    /// Every edge on those shortest paths, sorted.
    pub edges: Vec<EdgeView>,
    /// Selectors not in the viewer's subgraph, in the order given.
    pub missing: Vec<NodeRef>,
    /// Pairs of selectors (in the order given) with no path within the limits.
    pub unconnected: Vec<(NodeRef, NodeRef)>,
    /// Whether a limit (a search's node budget, the result's size) may have cut something off.
    pub truncated: bool,
}

/// One selector's breadth-first search: distances of every node up to `reach` hops.
struct Search {
    dist: FxHashMap<u32, usize>,
    reach: usize,
}

impl LinkGraph {
    /// The union of the shortest paths between every pair of `selectors` on the viewer's
    /// subgraph (see [`ConnectOptions`]). Interior nodes are never hubs unless
    /// `traverse_hubs`.
    pub fn connecting(&self, scope: &Scope, selectors: &[NodeRef], opts: &ConnectOptions) -> Connection {
        let view = self.view(scope);
        let mut present: Vec<(NodeRef, u32)> = Vec::new();
        let mut missing = Vec::new();
        for s in selectors {
            if present.iter().any(|p| &p.0 == s) || missing.contains(s) {
                continue;
            }
            match self.nodes.lookup(s).filter(|&v| view.exists(v)) {
                Some(v) => present.push((s.clone(), v)),
                None => missing.push(s.clone()),
            }
        }
        let selector: FxHashSet<u32> = present.iter().map(|p| p.1).collect();
        let searches: Vec<Search> =
            present.iter().map(|p| self.search(&view, p.1, &selector, opts)).collect();
        let interior = |v: u32| opts.traverse_hubs || !view.hub(v);

        let mut truncated = false;
        let mut pairs = Vec::new();
        let mut unconnected = Vec::new();
        for i in 0..present.len() {
            for j in i + 1..present.len() {
                match searches[i].dist.get(&present[j].1) {
                    Some(&d) if d <= searches[j].reach => pairs.push((d, i, j)),
                    _ => {
                        if searches[i].reach < opts.max_depth || searches[j].reach < opts.max_depth {
                            truncated = true;
                        }
                        unconnected.push((present[i].0.clone(), present[j].0.clone()));
                    }
                }
            }
        }
        pairs.sort_unstable();

        let mut nodes: FxHashSet<u32> = selector.clone();
        let mut added = 0usize;
        let mut edges: FxHashSet<(u32, Edge)> = FxHashSet::default();
        for (d, i, j) in pairs {
            let (a, b) = (&searches[i].dist, &searches[j].dist);
            let (sa, sb) = (present[i].1, present[j].1);
            let dag: Vec<u32> = a
                .iter()
                .filter(|&(&v, &da)| {
                    da <= d && b.get(&v) == Some(&(d - da)) && (v == sa || v == sb || interior(v))
                })
                .map(|(&v, _)| v)
                .collect();
            let new = dag.iter().filter(|v| !nodes.contains(v)).count();
            if added + new > opts.max_result_nodes {
                truncated = true;
                continue;
            }
            added += new;
            let on_dag: FxHashSet<u32> = dag.iter().copied().collect();
            for &u in &dag {
                for e in view.edges(u) {
                    let t = e.target;
                    // A step away from `a` and towards `b`.
                    if on_dag.contains(&t)
                        && a.get(&t) == Some(&(a[&u] + 1))
                        && b.get(&t).map(|x| x + 1) == Some(b[&u])
                    {
                        // Each edge from its report end or its source end.
                        if self.nodes.is_report(u) || e.label == DERIVED_OUT {
                            edges.insert((u, e));
                        } else {
                            edges.insert((t, Edge { target: u, label: reverse(e.label) }));
                        }
                    }
                }
            }
            nodes.extend(dag);
        }

        let mut nodes: Vec<u32> = nodes.into_iter().collect();
        nodes.sort_by_key(|&v| self.nodes.key(v));
        let mut edges: Vec<EdgeView> = edges.into_iter().map(|(from, e)| self.edge_view(from, e)).collect();
        edges.sort();
        Connection {
            nodes: nodes.into_iter().map(|v| view.node_view(v, 0)).collect(),
            edges,
            missing,
            unconnected,
            truncated,
        }
    }

    /// Breadth-first from `s` up to `max_depth` hops, a whole layer at a time, stopping before
    /// the layer that takes it past `max_nodes`. Hubs other than `s` are entered only when they
    /// are selectors and expanded only when `traverse_hubs`.
    fn search(&self, view: &View, s: u32, selector: &FxHashSet<u32>, opts: &ConnectOptions) -> Search {
        let mut dist: FxHashMap<u32, usize> = FxHashMap::default();
        dist.insert(s, 0);
        let mut layer = vec![s];
        for depth in 1..=opts.max_depth {
            let mut next = Vec::new();
            for &v in &layer {
                if v != s && !opts.traverse_hubs && view.hub(v) {
                    continue;
                }
                for e in view.edges(v) {
                    let t = e.target;
                    if dist.contains_key(&t) || !(opts.traverse_hubs || selector.contains(&t) || !view.hub(t))
                    {
                        continue;
                    }
                    dist.insert(t, depth);
                    next.push(t);
                    // A layer that takes the search past `max_nodes` is dropped whole: stop
                    // building it as soon as that is certain.
                    if dist.len() > opts.max_nodes {
                        for t in next {
                            dist.remove(&t);
                        }
                        return Search { dist, reach: depth - 1 };
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            layer = next;
        }
        Search { dist, reach: opts.max_depth }
    }
}
