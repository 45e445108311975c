//! Link analysis as a viewer sees it: [`graph::LinkGraph`] behind the API's node syntax,
//! hubs, limits and exports.
//!
//! **Hubs** are not traversed by default. A value is a hub for a viewer when it is on a
//! warning list, marked by an operator, or a *structural* hub of the reports that viewer may
//! see: the test campaign clustering uses ([`graph::CampaignIndex`]: it joins at least five
//! otherwise separate groups, two for weak values such as IP addresses and hashes, while being
//! in under 30% of their reports), run over every observable and derived value of the viewer's
//! visible reports. Structural hubs are decided per viewer, never over all reports, so a hub
//! badge or an unexpanded node reveals nothing about reports the viewer may not see. Each
//! viewer's hub index (keyed by organisation and communities, which is all
//! [`model::can_see`] reads) is built on its first graph query with no lock held, caught up
//! with what changed meanwhile, and kept current on every write; the [`VIEWER_HUBS_MAX`] most
//! recently used are kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use graph::{
    CampaignIndex, CampaignOptions, ConnectOptions, EdgeLabel, EdgeView, ExpandOptions, IndicatorKey,
    LinkGraph, NeighbourhoodOptions, NetworkDetailOptions, NetworkOptions, NodeRef, NodeView, PathOptions,
    Scope,
};
use model::{CommunityId, ObservableKind, OrgId, Report, Viewer, can_see};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Engine, EngineError};

/// How many viewers' hub indexes are kept in memory.
pub const VIEWER_HUBS_MAX: usize = 8;
/// The most nodes a graph answer may ask for.
pub const GRAPH_MAX_NODES: usize = 10_000;
/// The most edges a graph answer may ask for.
pub const GRAPH_MAX_EDGES: usize = 50_000;
/// The most selectors of a connecting-network query.
pub const CONNECT_MAX_SELECTORS: usize = 50;

type ViewerKey = (OrgId, Vec<CommunityId>);

fn viewer_key(v: &Viewer) -> ViewerKey {
    (v.org, v.communities.clone())
}

/// One viewer's structural hubs.
struct ViewerHubs {
    viewer: Viewer,
    index: CampaignIndex,
    slot_of: HashMap<Uuid, u32>,
    used: AtomicU64,
}

/// A snapshot of what a viewer's hub index is built from.
struct HubInputs {
    ids: Vec<Uuid>,
    keys: Vec<Vec<IndicatorKey>>,
}

/// The link graph and the hub indexes of recent viewers.
pub(crate) struct Links {
    pub(crate) graph: LinkGraph,
    lists: extract::WarningLists,
    marks: std::collections::HashSet<IndicatorKey>,
    viewers: HashMap<ViewerKey, ViewerHubs>,
    clock: AtomicU64,
}

impl Links {
    pub(crate) fn new(graph: LinkGraph, lists: extract::WarningLists) -> Links {
        Links { graph, lists, marks: Default::default(), viewers: HashMap::new(), clock: AtomicU64::new(0) }
    }

    /// Every observable and derived value of a report, as hub-index keys.
    fn keys(&self, id: Uuid) -> Vec<IndicatorKey> {
        let mut keys: Vec<IndicatorKey> =
            self.graph.report_values(id).into_iter().map(|(k, v)| IndicatorKey::new(k, v)).collect();
        keys.sort();
        keys.dedup();
        keys
    }

    pub(crate) fn insert(&mut self, reports: &[Report]) {
        for r in reports {
            self.graph.insert(r);
        }
        if self.viewers.is_empty() {
            return;
        }
        for r in reports {
            let access = r.access();
            let keys = self.keys(r.id);
            for hubs in self.viewers.values_mut() {
                if can_see(&hubs.viewer, &access) && !hubs.slot_of.contains_key(&r.id) {
                    let slot = hubs.slot_of.len() as u32;
                    hubs.index.insert(slot, &keys);
                    hubs.slot_of.insert(r.id, slot);
                }
            }
        }
    }

    pub(crate) fn revoke(&mut self, report: &Report) {
        self.graph.revoke(report.id);
        let mut access = report.access();
        access.revoked = true;
        for hubs in self.viewers.values_mut() {
            if let Some(&slot) = hubs.slot_of.get(&report.id)
                && !can_see(&hubs.viewer, &access)
            {
                hubs.index.revoke(slot);
            }
        }
    }

    /// A report's sharing changed (an access grant widened its audience): the graph takes its
    /// new access facts, and every cached viewer that may now see it gets it in its hub index.
    /// A viewer that no longer may (a narrower audience) loses its cached index, rebuilt on its
    /// next query.
    pub(crate) fn reshare(&mut self, report: &Report) {
        let access = report.access();
        if !self.graph.set_access(report.id, &access) {
            return;
        }
        let mut keys = None;
        let mut stale = Vec::new();
        for (key, hubs) in self.viewers.iter_mut() {
            let visible = can_see(&hubs.viewer, &access);
            match hubs.slot_of.get(&report.id) {
                Some(_) if !visible => stale.push(key.clone()),
                None if visible => {
                    let keys = keys.get_or_insert_with(|| {
                        let mut k: Vec<IndicatorKey> = self
                            .graph
                            .report_values(report.id)
                            .into_iter()
                            .map(|(k, v)| IndicatorKey::new(k, v))
                            .collect();
                        k.sort();
                        k.dedup();
                        k
                    });
                    let slot = hubs.slot_of.len() as u32;
                    hubs.index.insert(slot, keys);
                    hubs.slot_of.insert(report.id, slot);
                }
                _ => {}
            }
        }
        for key in stale {
            self.viewers.remove(&key);
        }
    }

    pub(crate) fn set_mark(&mut self, kind: ObservableKind, value: &str, marked: bool) {
        let key = IndicatorKey::new(kind, value);
        for hubs in self.viewers.values_mut() {
            if marked {
                hubs.index.mark_hub(&key, "marked");
            } else {
                hubs.index.unmark_hub(&key);
            }
        }
        if marked {
            self.marks.insert(key);
        } else {
            self.marks.remove(&key);
        }
    }

    fn has_viewer(&self, viewer: &Viewer) -> bool {
        self.viewers.contains_key(&viewer_key(viewer))
    }

    /// What building a viewer's hub index needs from the graph (taken under the read lock).
    fn hub_inputs(&self, viewer: &Viewer) -> HubInputs {
        let mut inputs = HubInputs { ids: Vec::new(), keys: Vec::new() };
        for (id, access) in self.graph.reports() {
            if can_see(viewer, access) {
                inputs.ids.push(id);
                inputs.keys.push(self.keys(id));
            }
        }
        inputs
    }

    fn hub_options(&self) -> CampaignOptions {
        CampaignOptions {
            listed: Some(crate::campaigns::listed(self.lists.clone())),
            weak_min_groups: Some(2),
            ..Default::default()
        }
    }

    /// Installs a viewer's hub index built from [`Links::hub_inputs`] without a lock (under the
    /// write lock, briefly): reports added or revoked since are applied, the current marks too, and
    /// the least recently used viewer is evicted when the cache is full.
    fn install_viewer(&mut self, viewer: &Viewer, inputs: HubInputs, mut index: CampaignIndex) {
        if self.has_viewer(viewer) {
            return;
        }
        let mut slot_of: HashMap<Uuid, u32> =
            inputs.ids.iter().enumerate().map(|(i, id)| (*id, i as u32)).collect();
        let mut added = Vec::new();
        for (id, access) in self.graph.reports() {
            let visible = can_see(viewer, access);
            match slot_of.get(&id) {
                // Revoked since.
                Some(&slot) if !visible => index.revoke(slot),
                // Added since, or shared with the viewer since (an access grant).
                None if visible => added.push(id),
                _ => {}
            }
        }
        for id in added {
            let slot = slot_of.len() as u32;
            index.insert(slot, &self.keys(id));
            slot_of.insert(id, slot);
        }
        // Marks are applied here, under the lock, as they are now.
        for key in &self.marks {
            index.mark_hub(key, "marked");
        }
        if self.viewers.len() >= VIEWER_HUBS_MAX
            && let Some(oldest) = self
                .viewers
                .iter()
                .min_by_key(|(_, h)| h.used.load(Ordering::Relaxed))
                .map(|(k, _)| k.clone())
        {
            self.viewers.remove(&oldest);
        }
        self.viewers.insert(
            viewer_key(viewer),
            ViewerHubs { viewer: viewer.clone(), index, slot_of, used: AtomicU64::new(0) },
        );
    }

    /// The hub predicate of a viewer whose index exists.
    pub(crate) fn is_hub<'a>(&'a self, viewer: &Viewer) -> impl Fn(ObservableKind, &str) -> bool + 'a {
        let hubs = self.viewers.get(&viewer_key(viewer));
        if let Some(h) = hubs {
            h.used.store(self.clock.fetch_add(1, Ordering::Relaxed) + 1, Ordering::Relaxed);
        }
        // No allocation on the common path: marks are few (usually none), and the index and
        // the lists are asked with borrowed values.
        move |kind, value| {
            hubs.is_some_and(|h| h.index.is_hub_value(kind, value))
                || self.lists.is_listed(kind, value)
                || !self.marks.is_empty() && self.marks.contains(&IndicatorKey::new(kind, value))
        }
    }
}

// ---- views ------------------------------------------------------------------------------------

/// A node of a graph answer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct GraphNodeView {
    /// `report:<uuid>` or `<kind>:<canonical value>`: the syntax every graph query takes.
    pub id: String,
    /// `report` or `observable`.
    #[serde(rename = "type")]
    pub node_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ObservableKind>,
    /// The canonical value (observables) or the title (reports).
    pub label: String,
    /// Edges to nodes the caller may see.
    pub degree: usize,
    /// Not traversed unless asked: a warning-listed, marked or structural hub.
    pub hub: bool,
    /// Hops from the start (neighbourhoods), else 0.
    #[serde(default)]
    pub depth: usize,
    /// Reports: author organisation, TLP and time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<DateTime<Utc>>,
}

/// An edge of a graph answer: report → observable (`role`), or source → derived value.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct GraphEdgeView {
    pub source: String,
    pub target: String,
    /// `holds` or `derived`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// A subgraph: nodes and the edges between them.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubgraphView {
    pub nodes: Vec<GraphNodeView>,
    pub edges: Vec<GraphEdgeView>,
    /// A limit cut something off.
    pub truncated: bool,
}

impl GraphNodeView {
    /// The report this node is, if it is one.
    pub fn report_id(&self) -> Option<Uuid> {
        self.id.strip_prefix("report:").and_then(|id| Uuid::parse_str(id).ok())
    }
}

impl SubgraphView {
    /// The reports among its nodes (for the audit of reads).
    pub fn report_ids(&self) -> Vec<Uuid> {
        self.nodes.iter().filter_map(GraphNodeView::report_id).collect()
    }
}

/// A node's neighbours.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExpansionView {
    pub node: GraphNodeView,
    /// Neighbours matching the filter, before paging.
    pub total: usize,
    pub neighbours: Vec<GraphNodeView>,
    /// The edge to each neighbour, in the same order.
    pub edges: Vec<GraphEdgeView>,
}

/// A shortest path.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PathView {
    /// Whether a path was found within the limits.
    pub found: bool,
    /// Node ids from `from` to `to`: of the shortest paths, the smallest by node id.
    pub path: Vec<String>,
    pub length: usize,
    /// Every node and edge on a shortest path between the two.
    #[serde(flatten)]
    pub graph: SubgraphView,
}

/// A connecting network.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConnectionView {
    #[serde(flatten)]
    pub graph: SubgraphView,
    /// The selectors as node ids (`report:<uuid>` or `<kind>:<canonical value>`), in the order
    /// given, so that a caller can tell its selectors among the answer's nodes.
    pub selectors: Vec<String>,
    /// Selectors no visible report holds.
    pub missing: Vec<String>,
    /// Pairs with no path within the limits.
    pub unconnected: Vec<[String; 2]>,
}

/// A network in a listing.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NetworkSummaryView {
    /// The id of its earliest visible report.
    pub id: Uuid,
    pub reports: usize,
    pub observables: usize,
    pub edges: usize,
    pub organizations: Vec<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Observables per kind, most first.
    pub kinds: Vec<KindCountView>,
    /// Its most connected observables.
    pub top: Vec<GraphNodeView>,
    /// Hubs it touches (not members), with their visible degree.
    pub hubs: Vec<GraphNodeView>,
    /// Its visible reports (for the audit of reads; not in answers).
    #[serde(skip)]
    #[schema(ignore)]
    pub report_ids: Vec<Uuid>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KindCountView {
    pub kind: ObservableKind,
    pub count: usize,
}

/// Networks, largest first.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NetworkListView {
    pub total: usize,
    pub networks: Vec<NetworkSummaryView>,
}

/// A community inside a network.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GraphCommunityView {
    pub id: usize,
    pub reports: usize,
    pub observables: usize,
    pub top: Vec<GraphNodeView>,
    /// Member node ids.
    pub members: Vec<String>,
}

/// A key node: most between, then most connected.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KeyNodeView {
    pub node: GraphNodeView,
    /// Approximate betweenness centrality, normalised to 0..1.
    pub betweenness: f64,
}

/// A report on a network's timeline.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimelineEntryView {
    pub report: Uuid,
    pub time: DateTime<Utc>,
    pub organization: String,
}

impl ExpansionView {
    /// The reports among the node and its neighbours shown (for the audit of reads).
    pub fn report_ids(&self) -> Vec<Uuid> {
        std::iter::once(&self.node).chain(&self.neighbours).filter_map(GraphNodeView::report_id).collect()
    }
}

impl NetworkView {
    /// Its reports (the timeline holds every one; for the audit of reads).
    pub fn report_ids(&self) -> Vec<Uuid> {
        self.timeline.iter().map(|t| t.report).collect()
    }
}

/// One network: summary, subgraph, communities, key nodes and timeline.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NetworkView {
    #[serde(flatten)]
    pub summary: NetworkSummaryView,
    #[serde(flatten)]
    pub graph: SubgraphView,
    pub communities: Vec<GraphCommunityView>,
    /// Communities were not computed: the network is larger than community detection takes.
    pub communities_skipped: bool,
    pub key_nodes: Vec<KeyNodeView>,
    /// Betweenness was estimated from sampled sources rather than computed exactly.
    pub betweenness_sampled: bool,
    /// Every report, oldest first.
    pub timeline: Vec<TimelineEntryView>,
    /// Reports per week (Mondays), oldest first.
    pub weekly: Vec<WeekCountView>,
}

/// Reports in one week.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WeekCountView {
    /// The Monday the week starts on.
    pub week: chrono::NaiveDate,
    pub reports: usize,
}

// ---- queries ----------------------------------------------------------------------------------

/// Limits and filters common to graph queries. Unset fields take the query's defaults.
#[derive(Clone, Debug, Default)]
pub struct GraphLimits {
    /// Only reports seen at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only reports seen at or before this time.
    pub until: Option<DateTime<Utc>>,
    /// Traverse hubs too (default false).
    pub traverse_hubs: Option<bool>,
    /// At most this many nodes in the answer.
    pub max_nodes: Option<usize>,
    /// At most this many edges in the answer.
    pub max_edges: Option<usize>,
    /// Hops (neighbourhood, default 2, at most 4) or path length (path, default 6, at most 12).
    pub depth: Option<usize>,
    /// Neighbours taken from each node (neighbourhood, default 50).
    pub per_node: Option<usize>,
}

impl GraphLimits {
    fn check(&self) -> Result<(), EngineError> {
        if self.max_nodes.is_some_and(|n| n == 0 || n > GRAPH_MAX_NODES) {
            return Err(EngineError::invalid("max_nodes", format!("must be 1 to {GRAPH_MAX_NODES}")));
        }
        if self.max_edges.is_some_and(|n| n > GRAPH_MAX_EDGES) {
            return Err(EngineError::invalid("max_edges", format!("must be at most {GRAPH_MAX_EDGES}")));
        }
        if let (Some(f), Some(t)) = (self.since, self.until)
            && f > t
        {
            return Err(EngineError::invalid("since", "must not be after until"));
        }
        Ok(())
    }
}

/// Options of a node expansion.
#[derive(Clone, Debug, Default)]
pub struct ExpandQuery {
    /// Only observable neighbours of these kinds (comma separated).
    pub kinds: Option<String>,
    /// Include report neighbours (default true).
    pub reports: Option<bool>,
    /// Default 50, at most 1,000.
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// Options of a network listing.
#[derive(Clone, Debug, Default)]
pub struct NetworksQuery {
    /// Only the network holding this node (`report:<uuid>`, `<kind>:<value>` or a raw selector).
    pub selector: Option<String>,
    /// Networks with at least this many visible reports (default 2).
    pub min_reports: Option<usize>,
    /// Default 50, at most 1,000.
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    /// Only reports seen at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only reports seen at or before this time.
    pub until: Option<DateTime<Utc>>,
}

/// Options of one network.
#[derive(Clone, Debug, Default)]
pub struct NetworkQuery {
    /// Detect communities (Louvain) (default true).
    pub communities: Option<bool>,
    /// Key nodes to return (default 20).
    pub key_nodes: Option<usize>,
    pub max_nodes: Option<usize>,
    pub max_edges: Option<usize>,
    /// Only reports seen at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only reports seen at or before this time.
    pub until: Option<DateTime<Utc>>,
}

/// A connecting-network request.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConnectInput {
    /// Two or more nodes (`report:<uuid>`, `<kind>:<value>` or raw selectors).
    pub selectors: Vec<String>,
    /// Longest path considered between two selectors (default 6, at most 12).
    pub max_depth: Option<usize>,
    pub max_nodes: Option<usize>,
    pub traverse_hubs: Option<bool>,
    /// Only reports seen at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only reports seen at or before this time.
    pub until: Option<DateTime<Utc>>,
}

const PATH_MAX_DEPTH: usize = 12;

fn node_id(n: &NodeRef) -> String {
    match n {
        NodeRef::Report(id) => format!("report:{id}"),
        NodeRef::Observable(kind, value) => format!("{kind}:{value}"),
    }
}

/// A node as the graph knows it: reports by id (titles, authors and times come from the store,
/// see `Engine::node_views`).
fn bare_view(n: &NodeView) -> GraphNodeView {
    let (node_type, kind, label) = match &n.node {
        NodeRef::Report(id) => ("report", None, id.to_string()),
        NodeRef::Observable(kind, value) => ("observable", Some(*kind), value.clone()),
    };
    GraphNodeView {
        id: node_id(&n.node),
        node_type: node_type.into(),
        kind,
        label,
        degree: n.visible_degree,
        hub: n.hub,
        depth: n.depth,
        organization: None,
        tlp: None,
        time: None,
    }
}

/// Whether observable `b` is derived from observable `a` (a URL's or e-mail's domain, a
/// host's registrable domain): derived edges run from `a` to `b`.
fn derives(a: &NodeRef, b: &NodeRef) -> bool {
    match (a, b) {
        (NodeRef::Observable(ka, va), NodeRef::Observable(kb, vb)) => match (ka, kb) {
            (ObservableKind::Url | ObservableKind::Email, ObservableKind::Domain) => true,
            (ObservableKind::Domain, ObservableKind::Domain) => va.len() > vb.len(),
            _ => false,
        },
        _ => false,
    }
}

fn edge_view(e: &EdgeView) -> GraphEdgeView {
    let (kind, role) = match &e.label {
        EdgeLabel::Role(role) => ("holds", role.clone()),
        EdgeLabel::Derived => ("derived", None),
    };
    GraphEdgeView { source: node_id(&e.from), target: node_id(&e.to), kind: kind.into(), role }
}

impl Engine {
    fn links(&self) -> std::sync::RwLockReadGuard<'_, Links> {
        self.links.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The links, with the viewer's hub index built.
    pub(crate) fn links_for(&self, viewer: &Viewer) -> std::sync::RwLockReadGuard<'_, Links> {
        let (inputs, opts) = {
            let links = self.links();
            if links.has_viewer(viewer) {
                return links;
            }
            (links.hub_inputs(viewer), links.hub_options())
        };
        // The index is built with no lock held: queries and writes go on meanwhile, and what
        // they changed is applied when it is installed.
        let started = std::time::Instant::now();
        let reports = inputs.ids.len();
        let index = CampaignIndex::build(opts, &inputs.keys);
        self.links.write().unwrap_or_else(|e| e.into_inner()).install_viewer(viewer, inputs, index);
        tracing::debug!(reports, elapsed_ms = started.elapsed().as_millis() as u64, "viewer hub index built");
        self.links()
    }

    /// Link graph sizes, for metrics: (nodes, edges, bytes).
    pub fn graph_sizes(&self) -> (usize, usize, usize) {
        let links = self.links();
        (links.graph.node_count(), links.graph.edge_count(), links.graph.memory_bytes())
    }

    /// Parses a graph node: `report:<uuid>`, `<kind>:<value>` (canonicalised) or a raw selector
    /// whose kind is inferred.
    pub fn graph_node(&self, field: &str, raw: &str) -> Result<NodeRef, EngineError> {
        let raw = raw.trim();
        if let Some(id) = raw.strip_prefix("report:") {
            let id = Uuid::parse_str(id.trim())
                .map_err(|_| EngineError::invalid(field, format!("{id:?} is not a report id (a uuid)")))?;
            return Ok(NodeRef::Report(id));
        }
        let (kind, value) = match raw.split_once(':') {
            Some((k, v)) => match k.parse::<ObservableKind>() {
                Ok(kind) => (Some(kind), v),
                Err(_) => (None, raw),
            },
            None => (None, raw),
        };
        if value.is_empty() {
            return Err(EngineError::invalid(field, "is empty"));
        }
        let c = self.canonical(kind, value, || field.to_string())?;
        Ok(NodeRef::Observable(c.observable.kind, c.observable.value))
    }

    /// Turns graph nodes into views, with report titles, authors and TLPs (reports the graph
    /// returned, so visible to the viewer).
    async fn node_views(&self, nodes: &[NodeView]) -> Result<Vec<GraphNodeView>, EngineError> {
        let ids: Vec<Uuid> = nodes
            .iter()
            .filter_map(|n| match n.node {
                NodeRef::Report(id) => Some(id),
                _ => None,
            })
            .collect();
        let reports: HashMap<Uuid, Report> = if ids.is_empty() {
            HashMap::new()
        } else {
            self.store.get_reports(&ids).await?.into_iter().map(|r| (r.id, r)).collect()
        };
        let dir = self.directory();
        Ok(nodes
            .iter()
            .map(|n| {
                let mut v = bare_view(n);
                if let NodeRef::Report(id) = &n.node
                    && let Some(r) = reports.get(id)
                {
                    v.label = r.title.clone();
                    v.organization = Some(dir.org_name(r.author));
                    v.tlp = Some(r.tlp.to_string());
                    v.time = Some(r.first_seen.unwrap_or(r.created_at));
                }
                v
            })
            .collect())
    }

    async fn subgraph_view(
        &self,
        nodes: &[NodeView],
        edges: &[EdgeView],
        truncated: bool,
    ) -> Result<SubgraphView, EngineError> {
        Ok(SubgraphView {
            nodes: self.node_views(nodes).await?,
            edges: edges.iter().map(edge_view).collect(),
            truncated,
        })
    }

    /// A node's visible neighbours, most connected first.
    pub async fn graph_expand(
        &self,
        viewer: &Viewer,
        node: &str,
        q: &ExpandQuery,
        limits: &GraphLimits,
    ) -> Result<ExpansionView, EngineError> {
        limits.check()?;
        let node = self.graph_node("node", node)?;
        let limit = q.limit.unwrap_or(50);
        if limit == 0 || limit > 1_000 {
            return Err(EngineError::invalid("limit", "must be 1 to 1000"));
        }
        let kinds = match q.kinds.as_deref().filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(s) => Some(
                s.split(',')
                    .map(|k| {
                        k.trim().parse::<ObservableKind>().map_err(|_| {
                            EngineError::invalid("kinds", format!("unknown kind {:?}", k.trim()))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        let opts =
            ExpandOptions { limit, offset: q.offset.unwrap_or(0), kinds, reports: q.reports.unwrap_or(true) };
        let expansion = {
            let links = self.links_for(viewer);
            let is_hub = links.is_hub(viewer);
            let scope = Scope { from: limits.since, to: limits.until, ..Scope::new(viewer, &is_hub) };
            links.graph.expand(&scope, &node, &opts).ok_or_else(|| EngineError::not_found("node"))?
        };
        let mut nodes = vec![expansion.node.clone()];
        nodes.extend(expansion.neighbours.iter().map(|n| NodeView {
            node: n.node.clone(),
            visible_degree: n.visible_degree,
            hub: n.hub,
            depth: 1,
        }));
        let mut views = self.node_views(&nodes).await?.into_iter();
        let node_view = views.next().expect("the expanded node");
        let edges = expansion
            .neighbours
            .iter()
            .map(|n| {
                // Edges run report → observable and source → derived value.
                let (from, to) = match (&expansion.node.node, &n.node) {
                    (NodeRef::Observable(..), NodeRef::Report(_)) => (&n.node, &expansion.node.node),
                    (a, b) if derives(b, a) => (&n.node, &expansion.node.node),
                    _ => (&expansion.node.node, &n.node),
                };
                edge_view(&EdgeView { from: from.clone(), to: to.clone(), label: n.edge.clone() })
            })
            .collect();
        Ok(ExpansionView { node: node_view, total: expansion.total, neighbours: views.collect(), edges })
    }

    /// The nodes within a few hops of a node and the edges between them.
    pub async fn graph_neighbourhood(
        &self,
        viewer: &Viewer,
        node: &str,
        limits: &GraphLimits,
    ) -> Result<SubgraphView, EngineError> {
        limits.check()?;
        let node = self.graph_node("node", node)?;
        let d = NeighbourhoodOptions::default();
        let opts = NeighbourhoodOptions {
            k: limits.depth.unwrap_or(d.k).min(4),
            max_nodes: limits.max_nodes.unwrap_or(d.max_nodes),
            max_edges: limits.max_edges.unwrap_or(d.max_edges),
            per_node: limits.per_node.unwrap_or(d.per_node).max(1),
            traverse_hubs: limits.traverse_hubs.unwrap_or(false),
        };
        let n = {
            let links = self.links_for(viewer);
            let is_hub = links.is_hub(viewer);
            let scope = Scope { from: limits.since, to: limits.until, ..Scope::new(viewer, &is_hub) };
            links.graph.neighbourhood(&scope, &node, &opts).ok_or_else(|| EngineError::not_found("node"))?
        };
        self.subgraph_view(&n.nodes, &n.edges, n.truncated).await
    }

    /// A shortest path between two nodes (never through hubs unless asked).
    pub async fn graph_path(
        &self,
        viewer: &Viewer,
        from: &str,
        to: &str,
        limits: &GraphLimits,
    ) -> Result<PathView, EngineError> {
        limits.check()?;
        let a = self.graph_node("from", from)?;
        let b = self.graph_node("to", to)?;
        let depth = limits.depth.unwrap_or(6);
        if depth == 0 || depth > PATH_MAX_DEPTH {
            return Err(EngineError::invalid("depth", format!("must be 1 to {PATH_MAX_DEPTH}")));
        }
        let d = PathOptions::default();
        let opts = PathOptions {
            max_depth: depth,
            max_nodes: limits.max_nodes.map_or(d.max_nodes, |n| n.max(d.max_nodes)),
            traverse_hubs: limits.traverse_hubs.unwrap_or(false),
        };
        let (path, c) = {
            let links = self.links_for(viewer);
            let is_hub = links.is_hub(viewer);
            let scope = Scope { from: limits.since, to: limits.until, ..Scope::new(viewer, &is_hub) };
            let c = links.graph.connecting(
                &scope,
                &[a.clone(), b.clone()],
                &ConnectOptions {
                    max_depth: opts.max_depth,
                    max_nodes: opts.max_nodes,
                    traverse_hubs: opts.traverse_hubs,
                    max_result_nodes: limits.max_nodes.unwrap_or(ConnectOptions::default().max_result_nodes),
                },
            );
            if let Some(m) = c.missing.first() {
                let field = if *m == a { "from" } else { "to" };
                return Err(EngineError::not_found(format!("{field} node")));
            }
            (links.graph.shortest_path(&scope, &a, &b, &opts).unwrap_or_default(), c)
        };
        let graph = self.subgraph_view(&c.nodes, &c.edges, c.truncated).await?;
        Ok(PathView {
            found: !path.is_empty(),
            length: path.len().saturating_sub(1),
            path: path.iter().map(node_id).collect(),
            graph,
        })
    }

    /// The connecting network of a set of selectors: every node on a shortest path between
    /// two of them.
    pub async fn graph_connect(
        &self,
        viewer: &Viewer,
        input: &ConnectInput,
    ) -> Result<ConnectionView, EngineError> {
        if input.selectors.len() < 2 || input.selectors.len() > CONNECT_MAX_SELECTORS {
            return Err(EngineError::invalid("selectors", format!("give 2 to {CONNECT_MAX_SELECTORS}")));
        }
        let limits = GraphLimits {
            since: input.since,
            until: input.until,
            traverse_hubs: input.traverse_hubs,
            max_nodes: input.max_nodes,
            ..Default::default()
        };
        limits.check()?;
        let nodes: Vec<NodeRef> = input
            .selectors
            .iter()
            .enumerate()
            .map(|(i, s)| self.graph_node(&format!("selectors[{i}]"), s))
            .collect::<Result<_, _>>()?;
        let depth = input.max_depth.unwrap_or(6);
        if depth == 0 || depth > PATH_MAX_DEPTH {
            return Err(EngineError::invalid("max_depth", format!("must be 1 to {PATH_MAX_DEPTH}")));
        }
        let d = ConnectOptions::default();
        let opts = ConnectOptions {
            max_depth: depth,
            max_nodes: d.max_nodes,
            traverse_hubs: input.traverse_hubs.unwrap_or(false),
            max_result_nodes: input.max_nodes.unwrap_or(d.max_result_nodes),
        };
        let c = {
            let links = self.links_for(viewer);
            let is_hub = links.is_hub(viewer);
            let scope = Scope { from: input.since, to: input.until, ..Scope::new(viewer, &is_hub) };
            links.graph.connecting(&scope, &nodes, &opts)
        };
        Ok(ConnectionView {
            graph: self.subgraph_view(&c.nodes, &c.edges, c.truncated).await?,
            selectors: nodes.iter().map(node_id).collect(),
            missing: c.missing.iter().map(node_id).collect(),
            unconnected: c.unconnected.iter().map(|(a, b)| [node_id(a), node_id(b)]).collect(),
        })
    }

    fn network_summary_view(&self, s: &graph::NetworkSummary) -> NetworkSummaryView {
        let dir = self.directory();
        NetworkSummaryView {
            id: s.id,
            reports: s.reports,
            observables: s.observables,
            edges: s.edges,
            organizations: s.organizations.iter().map(|o| dir.org_name(*o)).collect(),
            first_seen: s.first_seen,
            last_seen: s.last_seen,
            kinds: s.kinds.iter().map(|(kind, count)| KindCountView { kind: *kind, count: *count }).collect(),
            top: s.top.iter().map(bare_view).collect(),
            hubs: s.hubs.iter().map(bare_view).collect(),
            report_ids: s.report_ids.clone(),
        }
    }

    /// The networks the viewer sees: connected components of their subgraph over non-hub
    /// edges, largest first.
    pub fn graph_networks(&self, viewer: &Viewer, q: &NetworksQuery) -> Result<NetworkListView, EngineError> {
        GraphLimits { since: q.since, until: q.until, ..Default::default() }.check()?;
        let limit = q.limit.unwrap_or(50);
        if limit == 0 || limit > 1_000 {
            return Err(EngineError::invalid("limit", "must be 1 to 1000"));
        }
        let containing = q.selector.as_deref().map(|s| self.graph_node("selector", s)).transpose()?;
        let opts = NetworkOptions {
            min_reports: q.min_reports.unwrap_or(2),
            limit,
            offset: q.offset.unwrap_or(0),
            containing,
        };
        let list = {
            let links = self.links_for(viewer);
            let is_hub = links.is_hub(viewer);
            let scope = Scope { from: q.since, to: q.until, ..Scope::new(viewer, &is_hub) };
            links.graph.networks(&scope, &opts)
        };
        Ok(NetworkListView {
            total: list.total,
            networks: list.networks.iter().map(|s| self.network_summary_view(s)).collect(),
        })
    }

    /// One network (named by any of its reports, or any node in it): its subgraph,
    /// communities, key nodes and timeline.
    pub async fn graph_network(
        &self,
        viewer: &Viewer,
        member: &str,
        q: &NetworkQuery,
    ) -> Result<NetworkView, EngineError> {
        let limits = GraphLimits {
            since: q.since,
            until: q.until,
            max_nodes: q.max_nodes,
            max_edges: q.max_edges,
            ..Default::default()
        };
        limits.check()?;
        let member = match Uuid::parse_str(member.trim()) {
            Ok(id) => NodeRef::Report(id),
            Err(_) => self.graph_node("network", member)?,
        };
        let d = NetworkDetailOptions::default();
        let opts = NetworkDetailOptions {
            max_nodes: q.max_nodes.unwrap_or(d.max_nodes),
            max_edges: q.max_edges.unwrap_or(d.max_edges),
            communities: q.communities.unwrap_or(true),
            key_nodes: q.key_nodes.unwrap_or(d.key_nodes).min(200),
            ..d
        };
        let detail = {
            let links = self.links_for(viewer);
            let is_hub = links.is_hub(viewer);
            let scope = Scope { from: q.since, to: q.until, ..Scope::new(viewer, &is_hub) };
            links.graph.network(&scope, &member, &opts).ok_or_else(|| EngineError::not_found("network"))?
        };
        let summary = self.network_summary_view(&detail.summary);
        let graph = self.subgraph_view(&detail.nodes, &detail.edges, detail.truncated).await?;
        let by_id: HashMap<&str, &GraphNodeView> = graph.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        let view_of = |n: &NodeView| {
            by_id.get(node_id(&n.node).as_str()).map_or_else(|| bare_view(n), |v| (*v).clone())
        };
        let communities = detail
            .communities
            .iter()
            .map(|c| GraphCommunityView {
                id: c.id,
                reports: c.reports,
                observables: c.observables,
                top: c.top.iter().map(view_of).collect(),
                members: c.members.iter().map(node_id).collect(),
            })
            .collect();
        let key_nodes = detail
            .key_nodes
            .iter()
            .map(|k| KeyNodeView { node: view_of(&k.node), betweenness: k.betweenness })
            .collect();
        let dir = self.directory();
        let timeline: Vec<TimelineEntryView> = detail
            .timeline
            .iter()
            .map(|t| TimelineEntryView {
                report: t.report,
                time: t.time,
                organization: dir.org_name(t.organization),
            })
            .collect();
        drop(dir);
        let mut weeks: std::collections::BTreeMap<chrono::NaiveDate, usize> = Default::default();
        for t in &timeline {
            *weeks.entry(crate::scams::period_start(t.time, crate::scams::Interval::Week)).or_default() += 1;
        }
        let weekly = weeks.into_iter().map(|(week, reports)| WeekCountView { week, reports }).collect();
        Ok(NetworkView {
            summary,
            graph,
            communities,
            communities_skipped: detail.communities_skipped,
            key_nodes,
            betweenness_sampled: detail.betweenness_sampled,
            timeline,
            weekly,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use model::report::ReportObservable;
    use model::{Audience, ReportKind, Role, Tlp};

    use super::*;

    fn org(n: u128) -> OrgId {
        OrgId(Uuid::from_u128(1_000 + n))
    }

    /// Report `n` of group `g` by `author`: the group's phone; in a quarter of the reports (one
    /// per group of four) a hosting address every group uses (a weak value: a hub from two
    /// groups on), in another quarter one of two handles (to be marked).
    fn report(n: u128, g: u128, author: u128, tlp: Tlp) -> Report {
        let obs = |kind, value: String| ReportObservable { kind, value, original: None, role: None };
        let mut observables = vec![obs(ObservableKind::Phone, format!("+1888839{:04}", 1000 + g))];
        if n.is_multiple_of(4) {
            observables.push(obs(ObservableKind::Ipv4, "203.0.113.7".to_string()));
        }
        if n % 4 == 1 {
            observables.push(obs(ObservableKind::Telegram, format!("@shared_handle_{}", n % 2)));
        }
        Report {
            provenance: None,
            id: Uuid::from_u128(n),
            kind: ReportKind::Scam,
            title: format!("r{n}"),
            narrative: String::new(),
            tlp,
            audience: Audience::default(),
            author: org(author),
            labels: vec![],
            created_at: DateTime::from_timestamp(1_700_000_000 + n as i64, 0).unwrap(),
            first_seen: None,
            last_seen: None,
            observables,
            revoked_at: None,
            scam: None,
            victim_pii: None,
            discoverable: None,
        }
    }

    /// Each hub and why (structural figures are as of each value's last exact evaluation, so
    /// they are left out).
    fn hubs(index: &CampaignIndex) -> Vec<(IndicatorKey, String)> {
        let why = |r: &graph::HubReason| match r {
            graph::HubReason::Listed => "listed".to_string(),
            graph::HubReason::Marked(m) => format!("marked: {m}"),
            graph::HubReason::Structural { .. } => "structural".to_string(),
        };
        let mut h: Vec<_> = index.hubs().map(|h| (h.key.clone(), why(&h.reason))).collect();
        h.sort();
        h
    }

    /// A hub index built off-lock and caught up on install equals one built afterwards from
    /// scratch: reports added, revoked, marked and unmarked meanwhile are all applied.
    #[test]
    fn a_hub_index_built_off_lock_catches_up() {
        let viewer = Viewer::new(org(2), Role::Analyst, vec![]);
        let first: Vec<Report> = (0..40).map(|n| report(n, n / 4, 1 + n % 2, Tlp::Green)).collect();
        let mut links = Links::new(LinkGraph::build(&first), extract::WarningLists::empty());
        links.set_mark(ObservableKind::Telegram, "@shared_handle_1", true);
        let inputs = links.hub_inputs(&viewer);
        let index = CampaignIndex::build(links.hub_options(), &inputs.keys);

        // Meanwhile: more groups, a RED report the viewer may not see, a revocation, and the
        // marks change.
        let later: Vec<Report> =
            (40..80).map(|n| report(n, n / 4, 1, if n % 7 == 0 { Tlp::Red } else { Tlp::Green })).collect();
        links.insert(&later);
        // Report 2 is by organisation 1: hidden from the viewer once revoked.
        links.revoke(&first[2]);
        links.set_mark(ObservableKind::Telegram, "@shared_handle_1", false);
        links.set_mark(ObservableKind::Telegram, "@shared_handle_0", true);
        links.install_viewer(&viewer, inputs, index);

        let fresh_inputs = links.hub_inputs(&viewer);
        let mut fresh = CampaignIndex::build(links.hub_options(), &fresh_inputs.keys);
        for key in &links.marks {
            fresh.mark_hub(key, "marked");
        }
        let installed = &links.viewers[&viewer_key(&viewer)];
        assert_eq!(installed.index.len(), fresh.len(), "live reports");
        assert_eq!(installed.index.len(), fresh_inputs.ids.len());
        assert!(fresh_inputs.ids.iter().all(|id| installed.slot_of.contains_key(id)));
        assert_eq!(hubs(&installed.index), hubs(&fresh));
        let ip = IndicatorKey::new(ObservableKind::Ipv4, "203.0.113.7");
        assert!(installed.index.is_hub(&ip), "a weak value shared by many groups is a hub");
        assert!(installed.index.is_hub(&IndicatorKey::new(ObservableKind::Telegram, "@shared_handle_0")));
        // Unmarked meanwhile: a hub again only by the structure (it spans many groups too).
        let unmarked = IndicatorKey::new(ObservableKind::Telegram, "@shared_handle_1");
        assert!(matches!(installed.index.hub_reason(&unmarked), Some(graph::HubReason::Structural { .. })));
    }
}
