//! Prometheus metrics of the server, exposed at `GET /metrics`.
//!
//! The exposition is OpenMetrics text (`application/openmetrics-text; version=1.0.0`), which
//! Prometheus scrapes natively. Metrics:
//!
//! - `dragnet_http_requests_total{method, route, status}`: requests answered, by matched route
//!   template (`/api/v1/reports/{id}`, never the raw path, so observable values never become
//!   label values) or `unmatched`;
//! - `dragnet_http_request_duration_seconds{method, route}`: latency histogram;
//! - `dragnet_index_reports`, `dragnet_index_values`, `dragnet_index_occurrences`: sizes of the
//!   correlation index, read at scrape time (instance-wide totals, shown only to whoever can
//!   reach `/metrics`: keep it on an internal network);
//! - `dragnet_hashlist_sets`, `dragnet_hashlist_entries`, `dragnet_hashlist_pdq_index_bytes`:
//!   sizes of the in-memory hash lists, read at scrape time (instance-wide, like the above);
//! - `dragnet_graph_nodes`, `dragnet_graph_edges`, `dragnet_graph_bytes`: size and memory of the
//!   link graph, read at scrape time (instance-wide, like the above);
//! - `dragnet_ingest_records_total{outcome="accepted"|"rejected"}`: submitted report records.

use std::sync::atomic::AtomicI64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IngestLabels {
    outcome: &'static str,
}

type HistogramFamily = Family<LatencyLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.25 ms … ~8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The server's metrics registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    ingest: Family<IngestLabels, Counter>,
    reports: Gauge<i64, AtomicI64>,
    values: Gauge<i64, AtomicI64>,
    occurrences: Gauge<i64, AtomicI64>,
    hash_sets: Gauge<i64, AtomicI64>,
    hash_entries: Gauge<i64, AtomicI64>,
    pdq_bytes: Gauge<i64, AtomicI64>,
    graph_nodes: Gauge<i64, AtomicI64>,
    graph_edges: Gauge<i64, AtomicI64>,
    graph_bytes: Gauge<i64, AtomicI64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric registered and zeroed.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("dragnet");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let ingest = Family::<IngestLabels, Counter>::default();
        let (reports, values, occurrences) = (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register(
            "http_requests",
            "HTTP requests answered, by matched route and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "HTTP request latency, by matched route",
            prometheus_client::registry::Unit::Seconds,
            latency.clone(),
        );
        registry.register("ingest_records", "Submitted report records, by outcome", ingest.clone());
        registry.register("index_reports", "Reports in the correlation index", reports.clone());
        registry.register(
            "index_values",
            "Distinct canonical observables in the correlation index",
            values.clone(),
        );
        registry.register(
            "index_occurrences",
            "Observable occurrences (value in report) in the correlation index",
            occurrences.clone(),
        );
        let (hash_sets, hash_entries, pdq_bytes) = (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register("hashlist_sets", "Hash sets on the instance", hash_sets.clone());
        registry.register(
            "hashlist_entries",
            "Hash-list entries, withdrawn ones included",
            hash_entries.clone(),
        );
        registry.register("hashlist_pdq_index_bytes", "Memory of the PDQ matching index", pdq_bytes.clone());
        let (graph_nodes, graph_edges, graph_bytes) = (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register("graph_nodes", "Nodes of the link graph (reports and values)", graph_nodes.clone());
        registry.register("graph_edges", "Edges of the link graph", graph_edges.clone());
        registry.register("graph_bytes", "Memory of the link graph", graph_bytes.clone());
        // Make both outcomes visible from the first scrape.
        for outcome in ["accepted", "rejected"] {
            let _ = ingest.get_or_create(&IngestLabels { outcome });
        }
        Metrics {
            registry,
            requests,
            latency,
            ingest,
            reports,
            values,
            occurrences,
            hash_sets,
            hash_entries,
            pdq_bytes,
            graph_nodes,
            graph_edges,
            graph_bytes,
        }
    }

    /// Records one answered request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let (method, route) = (method.to_string(), route.to_string());
        self.latency
            .get_or_create(&LatencyLabels { method: method.clone(), route: route.clone() })
            .observe(seconds);
        self.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    }

    /// Records submitted records: how many were stored and how many rejected.
    pub fn observe_ingest(&self, accepted: usize, rejected: usize) {
        if accepted > 0 {
            self.ingest.get_or_create(&IngestLabels { outcome: "accepted" }).inc_by(accepted as u64);
        }
        if rejected > 0 {
            self.ingest.get_or_create(&IngestLabels { outcome: "rejected" }).inc_by(rejected as u64);
        }
    }

    /// The exposition, with the index gauges set to `index_sizes` (reports, values, occurrences)
    /// the hash-list gauges to `hash_sizes` (sets, entries, PDQ index bytes) and the graph
    /// gauges to `graph_sizes` (nodes, edges, bytes).
    pub fn render(
        &self,
        index_sizes: (usize, usize, usize),
        hash_sizes: (usize, usize, usize),
        graph_sizes: (usize, usize, usize),
    ) -> String {
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.hash_sets.set(gauge(hash_sizes.0));
        self.hash_entries.set(gauge(hash_sizes.1));
        self.pdq_bytes.set(gauge(hash_sizes.2));
        self.reports.set(gauge(index_sizes.0));
        self.values.set(gauge(index_sizes.1));
        self.occurrences.set(gauge(index_sizes.2));
        self.graph_nodes.set(gauge(graph_sizes.0));
        self.graph_edges.set(gauge(graph_sizes.1));
        self.graph_bytes.set(gauge(graph_sizes.2));
        let mut out = String::with_capacity(4096);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_metric() {
        let m = Metrics::new();
        m.observe_request("GET", "/api/v1/reports/{id}", 200, 0.002);
        m.observe_ingest(3, 1);
        let text = m.render((5, 7, 11), (2, 3, 4), (9, 8, 1024));
        for line in [
            "dragnet_index_reports 5",
            "dragnet_index_values 7",
            "dragnet_index_occurrences 11",
            "dragnet_hashlist_sets 2",
            "dragnet_hashlist_entries 3",
            "dragnet_hashlist_pdq_index_bytes 4",
            "dragnet_graph_nodes 9",
            "dragnet_graph_edges 8",
            "dragnet_graph_bytes 1024",
            r#"dragnet_ingest_records_total{outcome="accepted"} 3"#,
            r#"dragnet_ingest_records_total{outcome="rejected"} 1"#,
            r#"dragnet_http_requests_total{method="GET",route="/api/v1/reports/{id}",status="200"} 1"#,
            r#"dragnet_http_request_duration_seconds_count{method="GET",route="/api/v1/reports/{id}"} 1"#,
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }
}
