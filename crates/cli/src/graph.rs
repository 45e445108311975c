//! `dragnet graph ...`: link analysis from the terminal, against a server or the data
//! directory, printed for people or exported for analysts' tools.

use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use engine::{
    GraphFormat, GraphLimits, NetworkListView, NetworkQuery, NetworkView, NetworksQuery, PathView,
    SubgraphView,
};
use serde::de::DeserializeOwned;

use crate::config::Settings;
use crate::query::{answer, client};

/// Nodes are written `report:<uuid>`, `<kind>:<value>` (e.g. `phone:+447400123456`) or as a
/// raw selector whose kind is inferred (`"+44 7400 123456"`, `evil-login.com`); values are
/// canonicalised as everywhere else. Hubs (warning-listed, operator-marked or structural:
/// values that bridge otherwise unrelated groups) are not traversed unless `--traverse-hubs`.
#[derive(Subcommand, Debug)]
pub enum GraphCommand {
    /// How two selectors are connected: a shortest path, never through hubs by default.
    ///
    /// Example: `dragnet graph path "+44 7400 123456" evil-login.com --org "Metropolitan Police"`
    Path(PathArgs),
    /// The networks you see: connected components over non-hub links, largest first.
    ///
    /// Example: `dragnet graph networks --min-reports 10 --server http://127.0.0.1:8080 --token dn_...`
    Networks(NetworksArgs),
    /// One network (by report id or any selector in it): size, organisations, key nodes,
    /// communities and timeline; or its graph exported with `--format`.
    ///
    /// Example: `dragnet graph network phone:+447400123456 --format gexf -o network.gexf`
    Network(NetworkArgs),
    /// The nodes within a few hops of a selector, exported or printed.
    ///
    /// Example: `dragnet graph neighbourhood btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyT --format graphml`
    Neighbourhood(NeighbourhoodArgs),
}

#[derive(Args, Debug)]
pub struct Common {
    /// With the data directory: the organisation whose view to use.
    #[arg(long)]
    org: Option<String>,
    /// Print the JSON answer (`--format` exports win over it).
    #[arg(long)]
    json: bool,
    /// Traverse hubs too.
    #[arg(long)]
    traverse_hubs: bool,
    /// Only reports seen at or after (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    since: Option<String>,
    /// Only reports seen at or before.
    #[arg(long)]
    until: Option<String>,
}

#[derive(Args, Debug)]
pub struct Export {
    /// Export the graph as `graphml`, `gexf` (Gephi) or `csv` (an edge list) instead of printing it.
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Write the export to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE", requires = "format")]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PathArgs {
    /// One end.
    from: String,
    /// The other end.
    to: String,
    /// Longest path to look for, in edges (default 6, at most 12).
    #[arg(long)]
    depth: Option<usize>,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    export: Export,
}

#[derive(Args, Debug)]
pub struct NetworksArgs {
    /// Only the network holding this selector.
    #[arg(long)]
    selector: Option<String>,
    /// Networks with at least this many visible reports.
    #[arg(long, default_value_t = 2)]
    min_reports: usize,
    /// At most this many networks.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
pub struct NetworkArgs {
    /// A report id or any selector in the network.
    id: String,
    /// At most this many nodes in the answer.
    #[arg(long)]
    max_nodes: Option<usize>,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    export: Export,
}

#[derive(Args, Debug)]
pub struct NeighbourhoodArgs {
    /// The start node.
    node: String,
    /// Hops (default 2, at most 4).
    #[arg(long)]
    depth: Option<usize>,
    /// At most this many nodes.
    #[arg(long)]
    max_nodes: Option<usize>,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    export: Export,
}

fn time(name: &str, raw: Option<&str>) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
    raw.map(|s| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&chrono::Utc))
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(|d| d.and_time(Default::default()).and_utc())
            })
            .map_err(|_| anyhow!("--{name}: expected an rfc 3339 time or a yyyy-mm-dd date, got {s:?}"))
    })
    .transpose()
}

fn format_of(export: &Export) -> anyhow::Result<Option<GraphFormat>> {
    export
        .format
        .as_deref()
        .map(|f| {
            GraphFormat::parse(f)
                .ok_or_else(|| anyhow!("--format: expected graphml, gexf, csv or json, got {f:?}"))
        })
        .transpose()
}

/// Writes an export to `--output` or standard output.
fn write_export(export: &Export, body: &str) -> anyhow::Result<()> {
    match &export.output {
        Some(path) => {
            std::fs::write(path, body).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{body}"),
    }
    Ok(())
}

/// Calls a graph route of a server: `GET path?query` (JSON or an export body).
pub(crate) async fn get_raw(
    settings: &Settings,
    path: &[&str],
    query: &[(&str, String)],
) -> anyhow::Result<Option<reqwest::Response>> {
    let Some((http, mut url, token)) = client(settings)? else { return Ok(None) };
    url.path_segments_mut().map_err(|()| anyhow!("invalid server url"))?.pop_if_empty().extend(path);
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in query {
            q.append_pair(k, v);
        }
    }
    Ok(Some(http.get(url).bearer_auth(token).send().await.context("cannot reach the server")?))
}

async fn get_json<T: DeserializeOwned>(
    settings: &Settings,
    path: &[&str],
    query: &[(&str, String)],
) -> anyhow::Result<Option<T>> {
    match get_raw(settings, path, query).await? {
        Some(resp) => Ok(Some(answer(resp).await?)),
        None => Ok(None),
    }
}

fn common_query(c: &Common) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    if c.traverse_hubs {
        q.push(("traverse_hubs", "true".to_string()));
    }
    if let Some(s) = &c.since {
        q.push(("since", s.clone()));
    }
    if let Some(u) = &c.until {
        q.push(("until", u.clone()));
    }
    q
}

fn limits(c: &Common) -> anyhow::Result<GraphLimits> {
    Ok(GraphLimits {
        since: time("since", c.since.as_deref())?,
        until: time("until", c.until.as_deref())?,
        traverse_hubs: Some(c.traverse_hubs),
        ..Default::default()
    })
}

async fn local(
    settings: &Settings,
    c: &Common,
) -> anyhow::Result<(std::sync::Arc<engine::Engine>, engine::Principal)> {
    let org = c.org.as_deref().ok_or_else(|| anyhow!("give --org NAME (whose view) or --server URL"))?;
    let engine = crate::open_configured(settings).await?;
    let who = engine.local_principal(org)?;
    Ok((engine, who))
}

/// Serves an export from a server unchanged, or `None` when this is not an export to a server.
async fn server_export(
    settings: &Settings,
    export: &Export,
    path: &[&str],
    mut query: Vec<(&'static str, String)>,
) -> anyhow::Result<bool> {
    let Some(format) = format_of(export)? else { return Ok(false) };
    query.push(("format", format.extension().to_string()));
    let Some(resp) = get_raw(settings, path, &query).await? else { return Ok(false) };
    let status = resp.status();
    let body = resp.text().await.context("cannot read the server's answer")?;
    if !status.is_success() {
        bail!("server answered {status}: {body}");
    }
    write_export(export, &body)?;
    Ok(true)
}

/// Writes an answer as asked: its graph exported (`--format`), or the whole answer as JSON
/// (`--json`). Returns false when neither was asked (the caller prints it for people).
fn emit<T: serde::Serialize>(
    export: &Export,
    json: bool,
    answer: &T,
    graph: &SubgraphView,
) -> anyhow::Result<bool> {
    if let Some(format) = format_of(export)? {
        write_export(export, &engine::export_graph(graph, format))?;
        return Ok(true);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(answer)?);
        return Ok(true);
    }
    Ok(false)
}

fn print_subgraph(g: &SubgraphView) {
    for n in &g.nodes {
        let hub = if n.hub { format!("  [hub +{}]", n.degree) } else { String::new() };
        println!(
            "  {}  {}  (degree {}){hub}",
            n.id,
            if n.node_type == "report" { &n.label } else { "" },
            n.degree
        );
    }
    if g.truncated {
        println!("  … truncated by the limits");
    }
}

pub async fn run(settings: &Settings, cmd: GraphCommand) -> anyhow::Result<i32> {
    match cmd {
        GraphCommand::Path(a) => path(settings, a).await,
        GraphCommand::Networks(a) => networks(settings, a).await,
        GraphCommand::Network(a) => network(settings, a).await,
        GraphCommand::Neighbourhood(a) => neighbourhood(settings, a).await,
    }
}

async fn path(settings: &Settings, a: PathArgs) -> anyhow::Result<i32> {
    let mut query = common_query(&a.common);
    query.push(("from", a.from.clone()));
    query.push(("to", a.to.clone()));
    if let Some(d) = a.depth {
        query.push(("depth", d.to_string()));
    }
    if server_export(settings, &a.export, &["api", "v1", "graph", "path"], query.clone()).await? {
        return Ok(0);
    }
    let view: PathView = match get_json(settings, &["api", "v1", "graph", "path"], &query).await? {
        Some(v) => v,
        None => {
            let (engine, who) = local(settings, &a.common).await?;
            let limits = GraphLimits { depth: a.depth, ..limits(&a.common)? };
            engine.graph_path(&who.viewer, &a.from, &a.to, &limits).await?
        }
    };
    if emit(&a.export, a.common.json, &view, &view.graph)? {
        return Ok(if view.found { 0 } else { 1 });
    }
    if !view.found {
        println!("no path between {} and {} within the limits", a.from, a.to);
        return Ok(1);
    }
    let labels: std::collections::HashMap<&str, &engine::GraphNodeView> =
        view.graph.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    println!("path of length {}:", view.length);
    for id in &view.path {
        let n = labels.get(id.as_str());
        let title =
            n.filter(|n| n.node_type == "report").map(|n| format!("  \"{}\"", n.label)).unwrap_or_default();
        let org = n.and_then(|n| n.organization.as_deref()).map(|o| format!("  ({o})")).unwrap_or_default();
        println!("  {id}{title}{org}");
    }
    let on_paths = view.graph.nodes.len();
    if on_paths > view.path.len() {
        println!("{on_paths} nodes lie on shortest paths between them (--format graphml to see all)");
    }
    Ok(0)
}

async fn networks(settings: &Settings, a: NetworksArgs) -> anyhow::Result<i32> {
    let mut query = common_query(&a.common);
    query.retain(|(k, _)| *k != "traverse_hubs");
    query.push(("min_reports", a.min_reports.to_string()));
    query.push(("limit", a.limit.to_string()));
    if let Some(s) = &a.selector {
        query.push(("selector", s.clone()));
    }
    let view: NetworkListView = match get_json(settings, &["api", "v1", "graph", "networks"], &query).await? {
        Some(v) => v,
        None => {
            let (engine, who) = local(settings, &a.common).await?;
            let q = NetworksQuery {
                selector: a.selector.clone(),
                min_reports: Some(a.min_reports),
                limit: Some(a.limit),
                offset: None,
                since: time("since", a.common.since.as_deref())?,
                until: time("until", a.common.until.as_deref())?,
            };
            engine.graph_networks(&who.viewer, &q)?
        }
    };
    if a.common.json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(0);
    }
    println!("{} networks with at least {} reports", view.total, a.min_reports);
    for n in &view.networks {
        println!(
            "\n{}  {} reports, {} selectors, {} to {}",
            n.id,
            n.reports,
            n.observables,
            n.first_seen.format("%Y-%m-%d"),
            n.last_seen.format("%Y-%m-%d")
        );
        println!("  organisations: {}", n.organizations.join(", "));
        let top: Vec<String> = n.top.iter().map(|t| format!("{} ({})", t.id, t.degree)).collect();
        println!("  most connected: {}", top.join(", "));
        if !n.hubs.is_empty() {
            let hubs: Vec<String> = n.hubs.iter().map(|h| format!("{} (+{})", h.id, h.degree)).collect();
            println!("  touches hubs: {}", hubs.join(", "));
        }
    }
    Ok(0)
}

async fn network(settings: &Settings, a: NetworkArgs) -> anyhow::Result<i32> {
    let mut query = common_query(&a.common);
    query.retain(|(k, _)| *k != "traverse_hubs");
    if let Some(m) = a.max_nodes {
        query.push(("max_nodes", m.to_string()));
    }
    let path = ["api", "v1", "graph", "networks", a.id.as_str()];
    if server_export(settings, &a.export, &path, query.clone()).await? {
        return Ok(0);
    }
    let view: NetworkView = match get_json(settings, &path, &query).await? {
        Some(v) => v,
        None => {
            let (engine, who) = local(settings, &a.common).await?;
            let q = NetworkQuery {
                communities: Some(true),
                key_nodes: None,
                max_nodes: a.max_nodes,
                max_edges: None,
                since: time("since", a.common.since.as_deref())?,
                until: time("until", a.common.until.as_deref())?,
            };
            engine.graph_network(&who.viewer, &a.id, &q).await?
        }
    };
    if emit(&a.export, a.common.json, &view, &view.graph)? {
        return Ok(0);
    }
    let s = &view.summary;
    println!("network {}: {} reports, {} selectors, {} links", s.id, s.reports, s.observables, s.edges);
    println!(
        "seen {} to {} by {}",
        s.first_seen.format("%Y-%m-%d"),
        s.last_seen.format("%Y-%m-%d"),
        s.organizations.join(", ")
    );
    println!("\nkey nodes (betweenness, degree):");
    for k in view.key_nodes.iter().take(10) {
        println!("  {:.3}  {:>5}  {}", k.betweenness, k.node.degree, k.node.id);
    }
    if !view.communities.is_empty() {
        println!("\n{} communities:", view.communities.len());
        for c in view.communities.iter().take(10) {
            let top: Vec<&str> = c.top.iter().map(|t| t.id.as_str()).collect();
            println!("  #{}  {} reports, {} selectors: {}", c.id, c.reports, c.observables, top.join(", "));
        }
    }
    println!("\nreports per week:");
    for w in &view.weekly {
        println!("  {}  {}", w.week, w.reports);
    }
    Ok(0)
}

async fn neighbourhood(settings: &Settings, a: NeighbourhoodArgs) -> anyhow::Result<i32> {
    let mut query = common_query(&a.common);
    query.push(("node", a.node.clone()));
    if let Some(d) = a.depth {
        query.push(("depth", d.to_string()));
    }
    if let Some(m) = a.max_nodes {
        query.push(("max_nodes", m.to_string()));
    }
    let path = ["api", "v1", "graph", "neighbourhood"];
    if server_export(settings, &a.export, &path, query.clone()).await? {
        return Ok(0);
    }
    let view: SubgraphView = match get_json(settings, &path, &query).await? {
        Some(v) => v,
        None => {
            let (engine, who) = local(settings, &a.common).await?;
            let limits = GraphLimits { depth: a.depth, max_nodes: a.max_nodes, ..limits(&a.common)? };
            engine.graph_neighbourhood(&who.viewer, &a.node, &limits).await?
        }
    };
    if emit(&a.export, a.common.json, &view, &view)? {
        return Ok(0);
    }
    println!("{} nodes, {} edges around {}", view.nodes.len(), view.edges.len(), a.node);
    print_subgraph(&view);
    Ok(0)
}
