//! Link analysis on the demo dataset and on small hand-built cases: the planted criminal
//! networks come out as networks (not merged through hub values), paths join their
//! selectors, and an outsider learns nothing about hidden reports.

use std::collections::HashSet;

use engine::{ConnectInput, EngineError, GraphFormat, GraphLimits, NetworkQuery, NetworksQuery};
use model::Role;
use uuid::Uuid;

use crate::{as_role, demo_engine, engine, report};

#[tokio::test]
async fn planted_networks_are_networks_and_paths_join_their_selectors() {
    // 3,000 reports by default; `DRAGNET_GRAPH_DEMO_REPORTS=12000` checks the full demo.
    let reports =
        std::env::var("DRAGNET_GRAPH_DEMO_REPORTS").ok().and_then(|v| v.parse().ok()).unwrap_or(3_000);
    let (e, dataset) = demo_engine(reports).await;
    for viewer_org in [
        "National CSIRT",
        "Metropolitan Police Cyber Crime Unit",
        "Northbridge Bank",
        "Silver Line Elder Fraud Hotline",
    ] {
        let viewer = e.local_principal(viewer_org).unwrap().viewer;
        // Ground truth: the reports the viewer may see holding each network's selectors.
        let truth: Vec<HashSet<Uuid>> = dataset
            .networks
            .iter()
            .map(|n| {
                n.selectors
                    .iter()
                    .flat_map(|(k, v)| e.lookup(&viewer, Some(*k), v, Some(1_000)).unwrap().occurrences)
                    .map(|o| o.report_id)
                    .collect()
            })
            .collect();
        let planted: HashSet<Uuid> = truth.iter().flatten().copied().collect();
        let list =
            e.graph_networks(&viewer, &NetworksQuery { limit: Some(1_000), ..Default::default() }).unwrap();
        assert!(list.total >= 2, "{viewer_org}: {} networks", list.total);
        let (mut recovered, mut paths) = (0, 0);
        for (i, n) in dataset.networks.iter().enumerate() {
            let Some(first) = truth[i].iter().min() else { continue };
            let q = NetworkQuery { communities: Some(true), ..Default::default() };
            let net = e.graph_network(&viewer, &first.to_string(), &q).await.unwrap();
            let ids: HashSet<Uuid> = net.timeline.iter().map(|t| t.report).collect();
            assert_eq!(ids.len(), net.summary.reports);
            // Nothing but planted reports: noise joins no network through a hub value.
            assert!(
                ids.is_subset(&planted),
                "{viewer_org}: network of {} holds {} unplanted reports; hubs {:?}",
                n.name,
                ids.difference(&planted).count(),
                net.summary.hubs.iter().map(|h| &h.id).collect::<Vec<_>>()
            );
            // It merges with another planted network only where they share a selector.
            for (j, m) in dataset.networks.iter().enumerate() {
                if j == i || ids.is_disjoint(&truth[j]) {
                    continue;
                }
                let shared = n.selectors.iter().any(|s| m.selectors.contains(s));
                assert!(shared, "{viewer_org}: {} merged with {} without a shared selector", n.name, m.name);
            }
            if truth[i].is_subset(&ids) {
                recovered += 1;
            }
            // The network listing names the same network.
            assert!(list.networks.iter().any(|s| s.id == net.summary.id) || list.total > 1_000);

            // A path between two selectors of the network held by different reports.
            let held: Vec<&(model::ObservableKind, String)> = n
                .selectors
                .iter()
                .filter(|(k, v)| e.lookup(&viewer, Some(*k), v, Some(1)).unwrap().count > 0)
                .collect();
            if held.len() >= 2 {
                let (a, b) = (held[0], held[held.len() - 1]);
                let from = format!("{}:{}", a.0, a.1);
                let to = format!("{}:{}", b.0, b.1);
                let p = e.graph_path(&viewer, &from, &to, &GraphLimits::default()).await.unwrap();
                if truth[i].is_subset(&ids) {
                    paths += 1;
                    assert!(p.found, "{viewer_org}: no path from {from} to {to} in {}", n.name);
                    assert_eq!(p.path.first(), Some(&from));
                    assert_eq!(p.path.last(), Some(&to));
                    assert_eq!(p.length + 1, p.path.len());
                    // Every step of the path is an edge of the answer.
                    for w in p.path.windows(2) {
                        assert!(
                            p.graph.edges.iter().any(|e| (e.source == w[0] && e.target == w[1])
                                || (e.source == w[1] && e.target == w[0])),
                            "{viewer_org}: step {} → {} is not an edge",
                            w[0],
                            w[1]
                        );
                    }
                }
            }
        }
        // Every planted network's visible reports come out in one network, for every viewer (the
        // bridged pair as one network, which counts for both).
        eprintln!("{viewer_org}: {recovered} of {} planted networks recovered whole", dataset.networks.len());
        assert_eq!(recovered, dataset.networks.len(), "{viewer_org}: networks recovered whole");
        assert_eq!(paths, dataset.networks.len(), "{viewer_org}: a path checked in every network");
    }
}

#[tokio::test]
async fn graph_answers_hide_what_the_viewer_may_not_see() {
    let e = engine().await;
    let hotline = as_role(&e, "hotline", Role::Analyst).await;
    let bank = as_role(&e, "bank", Role::Analyst).await;
    let csirt = as_role(&e, "csirt", Role::Analyst).await;
    // A GREEN chain phone — report — e-mail, and a RED report linking the e-mail to a wallet.
    e.submit(
        &hotline,
        report("call", "GREEN", &[("phone", "+1 888 839 1214"), ("email", "bob@refund-desk.com")]),
    )
    .await
    .unwrap();
    e.submit(
        &hotline,
        report(
            "wallet",
            "RED",
            &[("email", "bob@refund-desk.com"), ("btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")],
        ),
    )
    .await
    .unwrap();
    let wallet = "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
    // The author sees the path; others do not even see the wallet.
    let own =
        e.graph_path(&hotline.viewer, "+1 888 839 1214", wallet, &GraphLimits::default()).await.unwrap();
    assert!(own.found);
    assert_eq!(own.length, 4);
    for v in [&bank.viewer, &csirt.viewer] {
        let err = e.graph_path(v, "+1 888 839 1214", wallet, &GraphLimits::default()).await.unwrap_err();
        assert!(matches!(err, EngineError::NotFound { .. }), "{err}");
        let n = e.graph_neighbourhood(v, "email:bob@refund-desk.com", &GraphLimits::default()).await.unwrap();
        assert!(n.nodes.iter().all(|n| !n.id.starts_with("btc:")));
        let mail = n.nodes.iter().find(|n| n.id == "email:bob@refund-desk.com").unwrap();
        // One visible report and its domain: the RED report does not count.
        assert_eq!(mail.degree, 2, "{:?}", n.nodes);
        let list =
            e.graph_networks(v, &NetworksQuery { min_reports: Some(1), ..Default::default() }).unwrap();
        assert_eq!(list.total, 1);
        assert_eq!(list.networks[0].reports, 1);
    }
    // Connecting network: the wallet is missing for the bank, present for the author.
    let input =
        ConnectInput { selectors: vec!["+1 888 839 1214".into(), wallet.into()], ..Default::default() };
    let c = e.graph_connect(&bank.viewer, &input).await.unwrap();
    assert_eq!(c.missing, vec![wallet.to_string()]);
    let c = e.graph_connect(&hotline.viewer, &input).await.unwrap();
    assert!(c.missing.is_empty() && c.unconnected.is_empty());
    // Both shortest paths: through the e-mail, and through the domain both reports hold.
    assert_eq!(c.graph.nodes.len(), 6, "{:?}", c.graph.nodes);
    // Exports carry what the answer holds, escaped.
    let xml = engine::export_graph(&c.graph, GraphFormat::GraphMl);
    assert!(xml.contains("<node id=\"btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\">"));
    let csv = engine::export_graph(&c.graph, GraphFormat::Csv);
    assert_eq!(csv.lines().count(), 1 + c.graph.edges.len());
}

#[tokio::test]
async fn hostile_labels_are_escaped_in_exports() {
    let e = engine().await;
    let hotline = as_role(&e, "hotline", Role::Analyst).await;
    e.submit(
        &hotline,
        report("<script>alert(1)</script> & \"quotes\"", "GREEN", &[("phone", "+1 888 839 1214")]),
    )
    .await
    .unwrap();
    let n = e.graph_neighbourhood(&hotline.viewer, "+1 888 839 1214", &GraphLimits::default()).await.unwrap();
    for format in [GraphFormat::GraphMl, GraphFormat::Gexf] {
        let xml = engine::export_graph(&n, format);
        assert!(!xml.contains("<script>"), "{xml}");
        assert!(xml.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"), "{xml}");
        assert!(!xml.contains('\u{1}'));
        // Well-formed: every element closes, every entity is known.
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                    for a in e.attributes() {
                        a.unwrap().normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap();
                    }
                }
                Ok(quick_xml::events::Event::Text(t)) => {
                    t.decode().unwrap();
                }
                Ok(_) => {}
                Err(err) => panic!("{format:?} is not well-formed xml: {err}\n{xml}"),
            }
        }
    }
}
