//! Whole-graph accessors for callers that keep per-viewer structures of their own (the engine's
//! hub indexes). They are not answers to a viewer: such callers filter every report through
//! [`model::can_see`] before using it.

use model::{ObservableKind, ReportAccess};
use rustc_hash::FxHashSet;
use uuid::Uuid;

use super::{DERIVED_OUT, Key, LinkGraph};

impl LinkGraph {
    /// Every report in the graph, visible or not, in insertion order, with its access facts
    /// (revocation included).
    pub fn reports(&self) -> impl Iterator<Item = (Uuid, &ReportAccess)> + '_ {
        let n = &self.nodes;
        n.report_ids.iter().zip(&n.report_class).map(|(id, &class)| (*id, &n.classes[class as usize]))
    }

    /// The values a report holds and every value derived from them (a URL's host and its
    /// registrable domain, an e-mail's domain), each once, sorted. Empty for a report not in
    /// the graph.
    pub fn report_values(&self, id: Uuid) -> Vec<(ObservableKind, &str)> {
        let Some(slot) = self.nodes.report_slot(&id) else { return Vec::new() };
        let r = self.nodes.report_node[slot as usize];
        let mut seen: FxHashSet<u32> = FxHashSet::default();
        let mut stack: Vec<u32> = self.raw_edges(r).map(|e| e.target).collect();
        while let Some(v) = stack.pop() {
            if seen.insert(v) {
                stack.extend(self.raw_edges(v).filter(|e| e.label == DERIVED_OUT).map(|e| e.target));
            }
        }
        let mut values: Vec<(ObservableKind, &str)> = seen
            .into_iter()
            .filter_map(|v| match self.nodes.key(v) {
                Key::Observable(kind, value) => Some((kind, value)),
                Key::Report(_) => None,
            })
            .collect();
        values.sort_unstable();
        values
    }
}
