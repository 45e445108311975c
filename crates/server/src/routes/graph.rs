//! `/api/v1/graph/...`: link analysis on the subgraph of reports the caller may see. Nodes are
//! written `report:<uuid>`, `<kind>:<value>` or as a raw selector (its kind inferred and the
//! value canonicalised as everywhere else). Subgraph answers can be exported with
//! `format=graphml|gexf|csv` (CSV is an edge list). Whole-graph work (networks, communities,
//! betweenness, wide searches) runs off the runtime's other tasks (`cpu`, `cpu_future`).

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use engine::{
    ConnectInput, ConnectionView, ExpandQuery, ExpansionView, GraphFormat, GraphLimits, NetworkListView,
    NetworkQuery, NetworkView, NetworksQuery, PathView, Principal, SubgraphView,
};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{Path, Query, parse_bool, parse_limit, parse_time};
use crate::json::Json;
use crate::routes::cpu_future;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/graph/expand", get(expand))
        .route("/api/v1/graph/neighbourhood", get(neighbourhood))
        .route("/api/v1/graph/path", get(path))
        .route("/api/v1/graph/connect", post(connect))
        .route("/api/v1/graph/networks", get(networks))
        .route("/api/v1/graph/networks/{id}", get(network))
}

/// Answers JSON, or the subgraph part of it in an analysts' format (as a download).
fn answer<T: Serialize>(
    full: &T,
    graph: &SubgraphView,
    format: Option<&str>,
    name: &str,
) -> Result<Response, ApiError> {
    let format = match format.map(str::trim).filter(|f| !f.is_empty()) {
        None => GraphFormat::Json,
        Some(f) => GraphFormat::parse(f).ok_or_else(|| {
            ApiError::invalid("format", format!("expected json, graphml, gexf or csv, got {f:?}"))
        })?,
    };
    if format == GraphFormat::Json {
        return Ok(Json(full).into_response());
    }
    let body = engine::export_graph(graph, format);
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"dragnet-{name}.{}\"", format.extension()),
            ),
        ],
        body,
    )
        .into_response())
}

/// Limits shared by the graph queries (all optional).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitParams {
    /// Only reports seen at or after (RFC 3339 or `YYYY-MM-DD`).
    pub since: Option<String>,
    /// Only reports seen at or before.
    pub until: Option<String>,
    /// Traverse hubs too (`true`/`false`, default false).
    #[param(value_type = Option<bool>)]
    pub traverse_hubs: Option<String>,
    /// At most this many nodes in the answer (at most 10,000).
    #[param(value_type = Option<usize>)]
    pub max_nodes: Option<String>,
    /// At most this many edges in the answer (at most 50,000).
    #[param(value_type = Option<usize>)]
    pub max_edges: Option<String>,
    /// Hops (neighbourhood: default 2, at most 4) or longest path (path: default 6, at most 12).
    #[param(value_type = Option<usize>)]
    pub depth: Option<String>,
    /// Neighbours taken from each node in a neighbourhood (default 50).
    #[param(value_type = Option<usize>)]
    pub per_node: Option<String>,
    /// `json` (default), `graphml`, `gexf` or `csv` (an edge list).
    pub format: Option<String>,
}

impl LimitParams {
    fn limits(&self) -> Result<GraphLimits, ApiError> {
        Ok(GraphLimits {
            since: parse_time("since", self.since.as_deref())?,
            until: parse_time("until", self.until.as_deref())?,
            traverse_hubs: Some(parse_bool("traverse_hubs", self.traverse_hubs.as_deref())?),
            max_nodes: parse_limit("max_nodes", self.max_nodes.as_deref())?,
            max_edges: parse_limit("max_edges", self.max_edges.as_deref())?,
            depth: parse_limit("depth", self.depth.as_deref())?,
            per_node: parse_limit("per_node", self.per_node.as_deref())?,
        })
    }
}

/// Parameters of `GET /api/v1/graph/expand`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExpandParams {
    /// The node: `report:<uuid>`, `<kind>:<value>` or a raw selector.
    pub node: String,
    /// Only observable neighbours of these kinds, comma separated (e.g. `phone,iban`).
    pub kinds: Option<String>,
    /// Include report neighbours (default true).
    #[param(value_type = Option<bool>)]
    pub reports: Option<String>,
    /// Default 50, at most 1,000.
    #[param(value_type = Option<usize>)]
    pub limit: Option<String>,
    #[param(value_type = Option<usize>)]
    pub offset: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// A node's neighbours on the caller's subgraph, most connected first, paginated. Each
/// neighbour carries its visible degree; hubs are flagged (expand them explicitly by naming
/// them here).
#[utoipa::path(
    get, path = "/api/v1/graph/expand", tag = "graph",
    security(("bearer" = [])),
    params(ExpandParams),
    responses(
        (status = 200, body = ExpansionView),
        (status = 401, body = ErrorResponse),
        (status = 404, description = "no report the caller may see holds the node", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn expand(
    State(state): State<AppState>,
    who: Principal,
    Query(p): Query<ExpandParams>,
) -> Result<Json<ExpansionView>, ApiError> {
    let q = ExpandQuery {
        kinds: p.kinds.clone(),
        reports: Some(p.reports.as_deref().is_none() || parse_bool("reports", p.reports.as_deref())?),
        limit: parse_limit("limit", p.limit.as_deref())?,
        offset: parse_limit("offset", p.offset.as_deref())?,
    };
    let limits = GraphLimits {
        since: parse_time("since", p.since.as_deref())?,
        until: parse_time("until", p.until.as_deref())?,
        ..Default::default()
    };
    let view = cpu_future(state.engine.graph_expand(&who.viewer, &p.node, &q, &limits)).await?;
    state.engine.audit_report_reads(&who, "graph.expand", &view.report_ids()).await?;
    Ok(Json(view))
}

/// Parameters of `GET /api/v1/graph/neighbourhood`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NodeParam {
    /// The start node: `report:<uuid>`, `<kind>:<value>` or a raw selector.
    pub node: String,
}

/// The nodes within `depth` hops of a node (breadth first, most connected neighbours first,
/// hubs shown but not expanded) and the edges between them.
#[utoipa::path(
    get, path = "/api/v1/graph/neighbourhood", tag = "graph",
    security(("bearer" = [])),
    params(NodeParam, LimitParams),
    responses(
        (status = 200, body = SubgraphView),
        (status = 401, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn neighbourhood(
    State(state): State<AppState>,
    who: Principal,
    Query(node): Query<NodeParam>,
    Query(p): Query<LimitParams>,
) -> Result<Response, ApiError> {
    let limits = p.limits()?;
    let view = cpu_future(state.engine.graph_neighbourhood(&who.viewer, &node.node, &limits)).await?;
    state.engine.audit_report_reads(&who, "graph.neighbourhood", &view.report_ids()).await?;
    answer(&view, &view, p.format.as_deref(), "neighbourhood")
}

/// Parameters of `GET /api/v1/graph/path`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PathParams {
    /// One end: `report:<uuid>`, `<kind>:<value>` or a raw selector.
    pub from: String,
    /// The other end.
    pub to: String,
}

/// How two nodes are connected: a shortest path (never through hubs unless
/// `traverse_hubs=true`) and every node and edge on any shortest path between them.
#[utoipa::path(
    get, path = "/api/v1/graph/path", tag = "graph",
    security(("bearer" = [])),
    params(PathParams, LimitParams),
    responses(
        (status = 200, description = "`found: false` when there is no path within the limits", body = PathView),
        (status = 401, body = ErrorResponse),
        (status = 404, description = "an end no visible report holds", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn path(
    State(state): State<AppState>,
    who: Principal,
    Query(ends): Query<PathParams>,
    Query(p): Query<LimitParams>,
) -> Result<Response, ApiError> {
    let limits = p.limits()?;
    let view = cpu_future(state.engine.graph_path(&who.viewer, &ends.from, &ends.to, &limits)).await?;
    state.engine.audit_report_reads(&who, "graph.path", &view.graph.report_ids()).await?;
    answer(&view, &view.graph, p.format.as_deref(), "path")
}

/// Parameters of `POST /api/v1/graph/connect`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// `json` (default), `graphml`, `gexf` or `csv` (an edge list).
    pub format: Option<String>,
}

/// The connecting network of a set of selectors (like i2's "find connecting network"): every
/// node and edge on a shortest path between any two of them, with the selectors no visible
/// report holds and the pairs with no path within the limits.
#[utoipa::path(
    post, path = "/api/v1/graph/connect", tag = "graph",
    security(("bearer" = [])),
    params(FormatParam),
    request_body = ConnectInput,
    responses(
        (status = 200, body = ConnectionView),
        (status = 401, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn connect(
    State(state): State<AppState>,
    who: Principal,
    Query(f): Query<FormatParam>,
    Json(input): Json<ConnectInput>,
) -> Result<Response, ApiError> {
    let view = cpu_future(state.engine.graph_connect(&who.viewer, &input)).await?;
    state.engine.audit_report_reads(&who, "graph.connect", &view.graph.report_ids()).await?;
    answer(&view, &view.graph, f.format.as_deref(), "connecting-network")
}

/// Parameters of `GET /api/v1/graph/networks`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NetworksParams {
    /// Only the network holding this node.
    pub selector: Option<String>,
    /// Networks with at least this many visible reports (default 2).
    #[param(value_type = Option<usize>)]
    pub min_reports: Option<String>,
    /// Default 50, at most 1,000.
    #[param(value_type = Option<usize>)]
    pub limit: Option<String>,
    #[param(value_type = Option<usize>)]
    pub offset: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// The networks the caller sees, largest first: connected components of the caller's
/// subgraph over non-hub edges (a busy phone number in many reports of one network does not
/// split it; a hub such as a CDN address or a brand's real site does not merge networks), with
/// size, organisations, first and last seen, observables per kind, most connected values and
/// the hubs each touches.
#[utoipa::path(
    get, path = "/api/v1/graph/networks", tag = "graph",
    security(("bearer" = [])),
    params(NetworksParams),
    responses(
        (status = 200, body = NetworkListView),
        (status = 401, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn networks(
    State(state): State<AppState>,
    who: Principal,
    Query(p): Query<NetworksParams>,
) -> Result<Json<NetworkListView>, ApiError> {
    let q = NetworksQuery {
        selector: p.selector,
        min_reports: parse_limit("min_reports", p.min_reports.as_deref())?,
        limit: parse_limit("limit", p.limit.as_deref())?,
        offset: parse_limit("offset", p.offset.as_deref())?,
        since: parse_time("since", p.since.as_deref())?,
        until: parse_time("until", p.until.as_deref())?,
    };
    let list = crate::routes::cpu(|| state.engine.graph_networks(&who.viewer, &q))?;
    let ids: Vec<_> = list.networks.iter().flat_map(|n| n.report_ids.iter().copied()).collect();
    state.engine.audit_report_reads(&who, "graph.networks", &ids).await?;
    Ok(Json(list))
}

/// Parameters of `GET /api/v1/graph/networks/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NetworkParams {
    /// Detect communities (Louvain) (default true).
    #[param(value_type = Option<bool>)]
    pub communities: Option<String>,
    /// How many key nodes (by betweenness, then degree) (default 20, at most 200).
    #[param(value_type = Option<usize>)]
    pub key_nodes: Option<String>,
    #[param(value_type = Option<usize>)]
    pub max_nodes: Option<String>,
    #[param(value_type = Option<usize>)]
    pub max_edges: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// `json` (default), `graphml`, `gexf` or `csv` (an edge list).
    pub format: Option<String>,
}

/// One network: named by its id, any of its reports' ids, or any node in it. Its subgraph
/// (most connected nodes first when capped), communities, key nodes (approximate betweenness
/// and degree) and the timeline of its reports.
#[utoipa::path(
    get, path = "/api/v1/graph/networks/{id}", tag = "graph",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "a report id, `report:<uuid>`, `<kind>:<value>` or a raw selector"), NetworkParams),
    responses(
        (status = 200, body = NetworkView),
        (status = 401, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub(crate) async fn network(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(p): Query<NetworkParams>,
) -> Result<Response, ApiError> {
    let q = NetworkQuery {
        communities: Some(
            p.communities.as_deref().is_none() || parse_bool("communities", p.communities.as_deref())?,
        ),
        key_nodes: parse_limit("key_nodes", p.key_nodes.as_deref())?,
        max_nodes: parse_limit("max_nodes", p.max_nodes.as_deref())?,
        max_edges: parse_limit("max_edges", p.max_edges.as_deref())?,
        since: parse_time("since", p.since.as_deref())?,
        until: parse_time("until", p.until.as_deref())?,
    };
    let view = cpu_future(state.engine.graph_network(&who.viewer, &id, &q)).await?;
    state.engine.audit_report_reads(&who, "graph.network", &view.report_ids()).await?;
    answer(&view, &view.graph, p.format.as_deref(), "network")
}
