//! Bulk construction: reports are interned as they come (the same node tables and the same
//! dense ids as one-by-one inserts), their edges collected in one flat list, and the CSR arrays
//! built once at the end by counting degrees and placing each edge end — no append buffers,
//! no per-edge allocation.

use chrono::{DateTime, Utc};
use model::{ObservableKind, Report, ReportAccess};
use uuid::Uuid;

use super::{Batches, COMPACT_MIN, DERIVED_OUT, Edge, LinkGraph, Nodes, reverse};

/// Builds a [`LinkGraph`] from many reports much faster than inserting them one by one; the
/// graph answers exactly like the one-by-one graph of the same reports in the same order.
#[derive(Clone)]
pub struct LinkGraphBuilder {
    nodes: Nodes,
    /// Every edge once, as (a, b, label at a); b's label is the reverse.
    list: Vec<(u32, u32, u32)>,
    /// Per node: one more than the slot of the last large report that held it, so that the
    /// same value twice in one report makes one edge.
    stamp: Vec<u32>,
    /// Derived edges created while interning the current report's values.
    derived: Vec<(u32, u32)>,
}

impl Default for LinkGraphBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for LinkGraphBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkGraphBuilder")
            .field("nodes", &self.nodes.len())
            .field("edges", &self.list.len())
            .finish()
    }
}

impl LinkGraphBuilder {
    pub fn new() -> Self {
        LinkGraphBuilder { nodes: Nodes::new(), list: Vec::new(), stamp: Vec::new(), derived: Vec::new() }
    }

    /// Room for `reports` reports and `edges` report↔observable edges, reserved at once in
    /// every table and vector (node tables, observable index, edge list; as many observables
    /// are assumed as edges are given, at most): loading that much grows nothing. The values'
    /// bytes need no reservation (they are stored in chunks that never move).
    pub fn with_capacity(reports: usize, edges: usize) -> Self {
        let mut builder = Self::new();
        builder.nodes.reserve(reports, edges);
        builder.list.reserve(edges);
        builder
    }

    /// Adds a report (a report already added, same id, is ignored).
    pub fn add_report(&mut self, report: &Report) {
        let observables = report.observables.iter().map(|o| (o.kind, o.value.as_str(), o.role.as_deref()));
        self.add_parts(report.id, &report.access(), super::report_time(report), observables);
    }

    /// The same without a `Report`: for loading from other sources (benchmarks, edge lists).
    /// `observables` are (kind, canonical value, role).
    pub fn add_parts<'v>(
        &mut self,
        id: Uuid,
        access: &ReportAccess,
        time: DateTime<Utc>,
        observables: impl IntoIterator<Item = (ObservableKind, &'v str, Option<&'v str>)>,
    ) {
        let Some(r) = self.nodes.add_report(id, access, time) else { return };
        let stamp = self.nodes.slots[r as usize] + 1;
        let first = self.list.len();
        let mut batches = Batches::new(observables);
        while let Some(batch) = batches.next() {
            self.nodes.prefetch(batch);
            for &(kind, value, role) in batch {
                let o = self.nodes.observable(kind, value, &mut self.derived);
                // The same value twice in one report is one edge (the first role): a scan of the
                // report's edges so far while few, a stamp per node past that.
                let held = self.list.len() - first;
                if held < 32 {
                    if self.list[first..].iter().any(|e| e.1 == o) {
                        continue;
                    }
                } else {
                    if self.stamp.len() < self.nodes.len() {
                        self.stamp.resize(self.nodes.len(), 0);
                    }
                    if held == 32 {
                        for e in &self.list[first..] {
                            self.stamp[e.1 as usize] = stamp;
                        }
                    }
                    if self.stamp[o as usize] == stamp {
                        continue;
                    }
                    self.stamp[o as usize] = stamp;
                }
                let label = self.nodes.role_label(role);
                self.list.push((r, o, label));
            }
        }
        self.list.extend(self.derived.drain(..).map(|(a, d)| (a, d, DERIVED_OUT)));
    }

    /// The graph: CSR offsets from the degrees, then every edge end put in its place. Every
    /// table and vector is left an eighth larger than what it holds (see `Nodes::headroom`),
    /// so that the inserts that follow a bulk build grow nothing for a while.
    pub fn finish(self) -> LinkGraph {
        let LinkGraphBuilder { nodes, list, .. } = self;
        let n = nodes.len();
        // Degrees, then where each row ends; placing the edges from the last one down moves each
        // row's end to its start, keeping the rows in the order of the list (no cursor array).
        let mut offsets = Vec::with_capacity(n + 1 + (n / 8).max(COMPACT_MIN));
        offsets.resize(n + 1, 0u32);
        for &(a, b, _) in &list {
            offsets[a as usize] += 1;
            offsets[b as usize] += 1;
        }
        let mut total = 0u32;
        for o in offsets.iter_mut() {
            total = total.checked_add(*o).expect("more than u32::MAX edge ends");
            *o = total;
        }
        let mut edges = Vec::with_capacity(total as usize + (total as usize / 8).max(COMPACT_MIN));
        edges.resize(total as usize, Edge { target: 0, label: 0 });
        for &(a, b, label) in list.iter().rev() {
            let at = &mut offsets[b as usize];
            *at -= 1;
            edges[*at as usize] = Edge { target: a, label: reverse(label) };
            let at = &mut offsets[a as usize];
            *at -= 1;
            edges[*at as usize] = Edge { target: b, label };
        }
        drop(list);
        let mut nodes = nodes;
        nodes.headroom();
        LinkGraph {
            nodes,
            offsets,
            edges,
            pending_head: Default::default(),
            pending: Vec::new(),
            scratch: Default::default(),
        }
    }
}
