//! Graph answers in analysts' formats: GraphML (yEd, Gephi, NetworkX, i2 imports), GEXF 1.2
//! (Gephi, NetworkX, graphology) and CSV edge lists. Every value is escaped: selectors, titles and labels are
//! attacker-controlled.

use std::fmt::Write;

use crate::links::{GraphNodeView, SubgraphView};

/// A format a graph answer can be exported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Json,
    GraphMl,
    Gexf,
    /// An edge list: `source,target,kind,role`.
    Csv,
}

impl GraphFormat {
    /// Parses `json`, `graphml`, `gexf` or `csv`.
    pub fn parse(s: &str) -> Option<GraphFormat> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Some(GraphFormat::Json),
            "graphml" => Some(GraphFormat::GraphMl),
            "gexf" => Some(GraphFormat::Gexf),
            "csv" => Some(GraphFormat::Csv),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            GraphFormat::Json => "application/json",
            GraphFormat::GraphMl => "application/graphml+xml",
            GraphFormat::Gexf => "application/gexf+xml",
            GraphFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            GraphFormat::Json => "json",
            GraphFormat::GraphMl => "graphml",
            GraphFormat::Gexf => "gexf",
            GraphFormat::Csv => "csv",
        }
    }
}

/// Escapes text for XML, dropping the characters XML 1.0 cannot carry at all (control
/// characters other than tab, line feed and carriage return).
fn escape(s: &str) -> String {
    let allowed = |c: char| {
        (!c.is_control() || matches!(c, '\t' | '\n' | '\r')) && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    if s.chars().all(allowed) {
        quick_xml::escape::escape(s).into_owned()
    } else {
        let kept: String = s.chars().filter(|&c| allowed(c)).collect();
        quick_xml::escape::escape(kept.as_str()).into_owned()
    }
}

/// The attributes every exported node carries, as (name, type, value).
fn node_attrs(n: &GraphNodeView) -> [(&'static str, &'static str, String); 8] {
    [
        ("type", "string", n.node_type.clone()),
        ("kind", "string", n.kind.map(|k| k.to_string()).unwrap_or_default()),
        ("degree", "int", n.degree.to_string()),
        ("hub", "boolean", n.hub.to_string()),
        ("depth", "int", n.depth.to_string()),
        ("organization", "string", n.organization.clone().unwrap_or_default()),
        ("tlp", "string", n.tlp.clone().unwrap_or_default()),
        ("time", "string", n.time.map(|t| t.to_rfc3339()).unwrap_or_default()),
    ]
}

const NODE_ATTRS: [(&str, &str); 8] = [
    ("type", "string"),
    ("kind", "string"),
    ("degree", "int"),
    ("hub", "boolean"),
    ("depth", "int"),
    ("organization", "string"),
    ("tlp", "string"),
    ("time", "string"),
];

/// Writes a graph answer in `format` (JSON is the caller's own serialisation).
pub fn export(graph: &SubgraphView, format: GraphFormat) -> String {
    match format {
        GraphFormat::Json => serde_json::to_string(graph).unwrap_or_default(),
        GraphFormat::GraphMl => graphml(graph),
        GraphFormat::Gexf => gexf(graph),
        GraphFormat::Csv => csv_edges(graph),
    }
}

fn graphml(g: &SubgraphView) -> String {
    let mut out = String::with_capacity(256 + 200 * (g.nodes.len() + g.edges.len()));
    out.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" "#,
        r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
        r#"xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#,
        "\n"
    ));
    out.push_str("  <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n");
    for (name, ty) in NODE_ATTRS {
        let _ = writeln!(out, "  <key id=\"{name}\" for=\"node\" attr.name=\"{name}\" attr.type=\"{ty}\"/>");
    }
    out.push_str("  <key id=\"edge_kind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n");
    out.push_str("  <key id=\"role\" for=\"edge\" attr.name=\"role\" attr.type=\"string\"/>\n");
    out.push_str("  <graph id=\"dragnet\" edgedefault=\"directed\">\n");
    for n in &g.nodes {
        let _ = writeln!(out, "    <node id=\"{}\">", escape(&n.id));
        let _ = writeln!(out, "      <data key=\"label\">{}</data>", escape(&n.label));
        for (name, _, value) in node_attrs(n) {
            if !value.is_empty() {
                let _ = writeln!(out, "      <data key=\"{name}\">{}</data>", escape(&value));
            }
        }
        out.push_str("    </node>\n");
    }
    for (i, e) in g.edges.iter().enumerate() {
        let _ = writeln!(
            out,
            "    <edge id=\"e{i}\" source=\"{}\" target=\"{}\">",
            escape(&e.source),
            escape(&e.target)
        );
        let _ = writeln!(out, "      <data key=\"edge_kind\">{}</data>", escape(&e.kind));
        if let Some(role) = &e.role {
            let _ = writeln!(out, "      <data key=\"role\">{}</data>", escape(role));
        }
        out.push_str("    </edge>\n");
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

fn gexf(g: &SubgraphView) -> String {
    let mut out = String::with_capacity(256 + 200 * (g.nodes.len() + g.edges.len()));
    out.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
        r#"xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">"#,
        "\n",
        "  <meta><creator>dragnet</creator></meta>\n",
        "  <graph mode=\"static\" defaultedgetype=\"directed\">\n",
        "    <attributes class=\"node\">\n"
    ));
    for (i, (name, ty)) in NODE_ATTRS.iter().enumerate() {
        // GEXF says `integer` where GraphML says `int`.
        let ty = if *ty == "int" { "integer" } else { ty };
        let _ = writeln!(out, "      <attribute id=\"{i}\" title=\"{name}\" type=\"{ty}\"/>");
    }
    out.push_str("    </attributes>\n    <attributes class=\"edge\">\n");
    out.push_str("      <attribute id=\"0\" title=\"kind\" type=\"string\"/>\n");
    out.push_str("      <attribute id=\"1\" title=\"role\" type=\"string\"/>\n");
    out.push_str("    </attributes>\n    <nodes>\n");
    for n in &g.nodes {
        let _ = writeln!(out, "      <node id=\"{}\" label=\"{}\">", escape(&n.id), escape(&n.label));
        out.push_str("        <attvalues>\n");
        for (i, (_, _, value)) in node_attrs(n).iter().enumerate() {
            if !value.is_empty() {
                let _ = writeln!(out, "          <attvalue for=\"{i}\" value=\"{}\"/>", escape(value));
            }
        }
        out.push_str("        </attvalues>\n      </node>\n");
    }
    out.push_str("    </nodes>\n    <edges>\n");
    for (i, e) in g.edges.iter().enumerate() {
        let _ = writeln!(
            out,
            "      <edge id=\"{i}\" source=\"{}\" target=\"{}\" label=\"{}\">",
            escape(&e.source),
            escape(&e.target),
            escape(e.role.as_deref().unwrap_or(&e.kind))
        );
        let _ = writeln!(out, "        <attvalues><attvalue for=\"0\" value=\"{}\"/>", escape(&e.kind));
        if let Some(role) = &e.role {
            let _ = writeln!(out, "          <attvalue for=\"1\" value=\"{}\"/>", escape(role));
        }
        out.push_str("        </attvalues>\n      </edge>\n");
    }
    out.push_str("    </edges>\n  </graph>\n</gexf>\n");
    out
}

fn csv_edges(g: &SubgraphView) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["source", "target", "kind", "role"]);
    for e in &g.edges {
        let _ = w.write_record([&e.source, &e.target, &e.kind, e.role.as_deref().unwrap_or("")]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
