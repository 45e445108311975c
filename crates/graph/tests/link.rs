//! The link graph on small hand-built graphs with known answers, incremental inserts against a
//! graph built in one go, and visibility: what an outsider gets from the full graph equals what
//! they get from a graph of only the reports they may see.

use chrono::DateTime;
use graph::{
    ConnectOptions, EdgeLabel, EdgeView, ExpandOptions, LinkGraph, NeighbourhoodOptions,
    NetworkDetailOptions, NetworkOptions, NodeRef, NodeView, PathOptions, Scope, no_hubs,
};
use model::report::ReportObservable;
use model::{Audience, CommunityId, ObservableKind, OrgId, Report, ReportKind, Role, Tlp, Viewer, can_see};
use proptest::prelude::*;
use uuid::Uuid;

use ObservableKind::{Domain, Email, Phone, Telegram, Url};

fn org(n: u128) -> OrgId {
    OrgId(Uuid::from_u128(1000 + n))
}

fn viewer(n: u128) -> Viewer {
    Viewer::new(org(n), Role::Reader, vec![CommunityId(Uuid::from_u128(50))])
}

fn report(n: u128, obs: &[(ObservableKind, &str, Option<&str>)]) -> Report {
    Report {
        provenance: None,
        id: Uuid::from_u128(n),
        kind: ReportKind::Scam,
        title: format!("r{n}"),
        narrative: String::new(),
        tlp: Tlp::Green,
        audience: Audience::default(),
        author: org(1),
        labels: vec![],
        created_at: DateTime::from_timestamp(1_700_000_000 + n as i64, 0).unwrap(),
        first_seen: None,
        last_seen: None,
        observables: obs
            .iter()
            .map(|(kind, value, role)| ReportObservable {
                kind: *kind,
                value: value.to_string(),
                original: None,
                role: role.map(str::to_string),
            })
            .collect(),
        revoked_at: None,
        scam: None,
        victim_pii: None,
        discoverable: None,
    }
}

fn r(n: u128) -> NodeRef {
    NodeRef::Report(Uuid::from_u128(n))
}

fn o(kind: ObservableKind, value: &str) -> NodeRef {
    NodeRef::Observable(kind, value.to_string())
}

fn build(reports: &[Report]) -> LinkGraph {
    let mut g = LinkGraph::new();
    for rep in reports {
        g.insert(rep);
    }
    g
}

const P: &str = "+18888391214";
const E: &str = "bob@example.com";
const T: &str = "@alphacat";
const H: &str = "+442079460000";

/// A chain R1 - P - R2 - E - R3 - T - R4, plus a hub H shared by R1 and R4 and an isolated R5.
fn chain() -> Vec<Report> {
    vec![
        report(1, &[(Phone, P, Some("scammer-phone")), (Phone, H, None)]),
        report(2, &[(Phone, P, Some("scammer-phone")), (Email, E, None)]),
        report(3, &[(Email, E, None), (Telegram, T, None)]),
        report(4, &[(Telegram, T, None), (Phone, H, None)]),
        report(5, &[(Telegram, "@lonelycat", None)]),
    ]
}

fn hub_h(kind: ObservableKind, value: &str) -> bool {
    kind == Phone && value == H
}

#[test]
fn expand_orders_by_visible_degree_and_pages() {
    // P is held by R1 (3 observables), R2 (2) and R3 (1).
    let g = build(&[
        report(3, &[(Phone, P, None)]),
        report(2, &[(Phone, P, None), (Telegram, T, None)]),
        report(1, &[(Phone, P, Some("scammer-phone")), (Telegram, T, None), (Telegram, "@betacat", None)]),
    ]);
    let v = viewer(2);
    let all = g.expand(&Scope::new(&v, &no_hubs), &o(Phone, P), &ExpandOptions::default()).unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(all.node.visible_degree, 3);
    let order: Vec<_> = all.neighbours.iter().map(|n| (n.node.clone(), n.visible_degree)).collect();
    assert_eq!(order, vec![(r(1), 3), (r(2), 2), (r(3), 1)]);
    assert_eq!(all.neighbours[0].edge, EdgeLabel::Role(Some("scammer-phone".into())));
    assert_eq!(all.neighbours[1].edge, EdgeLabel::Role(None));

    let page = g
        .expand(
            &Scope::new(&v, &no_hubs),
            &o(Phone, P),
            &ExpandOptions { limit: 1, offset: 1, ..Default::default() },
        )
        .unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.neighbours.iter().map(|n| n.node.clone()).collect::<Vec<_>>(), vec![r(2)]);

    // A report's neighbours: T (in two reports) before @betacat and P (P is in three).
    let rep = g.expand(&Scope::new(&v, &no_hubs), &r(1), &ExpandOptions::default()).unwrap();
    let order: Vec<_> = rep.neighbours.iter().map(|n| n.node.clone()).collect();
    assert_eq!(order, vec![o(Phone, P), o(Telegram, T), o(Telegram, "@betacat")]);

    // Kind filter, and reports left out.
    let only = ExpandOptions { kinds: Some(vec![Telegram]), ..Default::default() };
    assert_eq!(g.expand(&Scope::new(&v, &no_hubs), &r(1), &only).unwrap().total, 2);
    let no_reports = ExpandOptions { reports: false, ..Default::default() };
    assert_eq!(g.expand(&Scope::new(&v, &no_hubs), &o(Phone, P), &no_reports).unwrap().total, 0);

    assert!(
        g.expand(&Scope::new(&v, &no_hubs), &o(Phone, "+10000000000"), &ExpandOptions::default()).is_none()
    );
    assert!(g.expand(&Scope::new(&v, &no_hubs), &r(9), &ExpandOptions::default()).is_none());
}

#[test]
fn derived_edges_url_to_domain_to_registrable() {
    let url = "https://www.shop.example.co.uk/login";
    let g = build(&[
        report(1, &[(Url, url, Some("phishing-url"))]),
        report(2, &[(Email, "eve@example.co.uk", None)]),
    ]);
    let v = viewer(2);
    let x = g.expand(&Scope::new(&v, &no_hubs), &o(Url, url), &ExpandOptions::default()).unwrap();
    let got: Vec<_> = x.neighbours.iter().map(|n| (n.node.clone(), n.edge.clone())).collect();
    // The host (degree 2: the URL and its registrable domain) before the report (degree 1).
    assert_eq!(
        got,
        vec![
            (o(Domain, "www.shop.example.co.uk"), EdgeLabel::Derived),
            (r(1), EdgeLabel::Role(Some("phishing-url".into())))
        ]
    );
    let host = g
        .expand(&Scope::new(&v, &no_hubs), &o(Domain, "www.shop.example.co.uk"), &ExpandOptions::default())
        .unwrap();
    let got: Vec<_> = host.neighbours.iter().map(|n| n.node.clone()).collect();
    assert_eq!(got, vec![o(Domain, "example.co.uk"), o(Url, url)]);
    // The registrable domain joins the URL's report and the e-mail's report.
    let path = g.shortest_path(&Scope::new(&v, &no_hubs), &r(1), &r(2), &PathOptions::default()).unwrap();
    assert_eq!(
        path,
        vec![
            r(1),
            o(Url, url),
            o(Domain, "www.shop.example.co.uk"),
            o(Domain, "example.co.uk"),
            o(Email, "eve@example.co.uk"),
            r(2)
        ]
    );
    let hood =
        g.neighbourhood(&Scope::new(&v, &no_hubs), &o(Url, url), &NeighbourhoodOptions::default()).unwrap();
    assert!(!hood.truncated);
    // Truncated to two nodes: the host (degree 2) before the report (degree 1).
    let small = NeighbourhoodOptions { max_nodes: 2, ..Default::default() };
    let two = g.neighbourhood(&Scope::new(&v, &no_hubs), &o(Url, url), &small).unwrap();
    assert_eq!(
        two.nodes.iter().map(|n| n.node.clone()).collect::<Vec<_>>(),
        vec![o(Url, url), o(Domain, "www.shop.example.co.uk")]
    );
    assert!(two.truncated);
    assert!(hood.edges.contains(&EdgeView {
        from: o(Domain, "www.shop.example.co.uk"),
        to: o(Domain, "example.co.uk"),
        label: EdgeLabel::Derived
    }));
}

#[test]
fn k_hop_neighbourhood() {
    let g = build(&chain());
    let v = viewer(2);
    let names = |k: usize, max_nodes: usize, traverse_hubs: bool| {
        let opts = NeighbourhoodOptions { k, max_nodes, traverse_hubs, ..Default::default() };
        let h = g.neighbourhood(&Scope::new(&v, &hub_h), &r(1), &opts).unwrap();
        (h.nodes.iter().map(|n| (n.node.clone(), n.depth)).collect::<Vec<_>>(), h.truncated, h.edges.len())
    };
    // Hub H is shown (depth 1) but not traversed: R4 is not reached through it.
    assert_eq!(
        names(2, 100, false),
        (vec![(r(1), 0), (o(Phone, P), 1), (o(Phone, H), 1), (r(2), 2)], false, 3)
    );
    assert_eq!(
        names(2, 100, true),
        (vec![(r(1), 0), (o(Phone, P), 1), (o(Phone, H), 1), (r(2), 2), (r(4), 2)], false, 4)
    );
    assert_eq!(
        names(4, 100, false),
        (
            vec![
                (r(1), 0),
                (o(Phone, P), 1),
                (o(Phone, H), 1),
                (r(2), 2),
                (o(Email, E), 3),
                (r(3), 4),
                (o(Domain, "example.com"), 4)
            ],
            false,
            6
        )
    );
    // Truncated: P and H both have degree 2, so by name.
    assert_eq!(names(4, 3, false), (vec![(r(1), 0), (o(Phone, P), 1), (o(Phone, H), 1)], true, 2));
    assert_eq!(names(4, 2, false), (vec![(r(1), 0), (o(Phone, P), 1)], true, 1));
    // k is capped at 4.
    assert_eq!(names(9, 100, false), names(4, 100, false));
    // The hub as the start is expanded.
    let h = g
        .neighbourhood(
            &Scope::new(&v, &hub_h),
            &o(Phone, H),
            &NeighbourhoodOptions { k: 1, ..Default::default() },
        )
        .unwrap();
    assert_eq!(h.nodes.len(), 3);
    assert!(h.nodes[0].hub);
    // Per-node cap.
    let capped = g
        .neighbourhood(
            &Scope::new(&v, &no_hubs),
            &r(1),
            &NeighbourhoodOptions { k: 1, per_node: 1, ..Default::default() },
        )
        .unwrap();
    assert_eq!(capped.nodes.len(), 2);
    assert!(capped.truncated);
}

#[test]
fn shortest_paths() {
    let g = build(&chain());
    let v = viewer(2);
    let long = vec![r(1), o(Phone, P), r(2), o(Email, E), r(3), o(Telegram, T), r(4)];
    // Hubs not traversed: the long way round.
    assert_eq!(
        g.shortest_path(&Scope::new(&v, &hub_h), &r(1), &r(4), &PathOptions::default()),
        Some(long.clone())
    );
    assert_eq!(
        g.shortest_path(
            &Scope::new(&v, &hub_h),
            &r(1),
            &r(4),
            &PathOptions { max_depth: 5, ..Default::default() }
        ),
        None
    );
    // Through the hub when allowed, or when no hub predicate says so.
    let short = Some(vec![r(1), o(Phone, H), r(4)]);
    let through = PathOptions { traverse_hubs: true, ..Default::default() };
    assert_eq!(g.shortest_path(&Scope::new(&v, &hub_h), &r(1), &r(4), &through), short);
    assert_eq!(g.shortest_path(&Scope::new(&v, &no_hubs), &r(1), &r(4), &PathOptions::default()), short);
    // A hub as an end is fine.
    assert_eq!(
        g.shortest_path(&Scope::new(&v, &hub_h), &o(Phone, H), &r(4), &PathOptions::default()),
        Some(vec![o(Phone, H), r(4)])
    );
    // Reversed.
    let mut rev = long.clone();
    rev.reverse();
    assert_eq!(g.shortest_path(&Scope::new(&v, &hub_h), &r(4), &r(1), &PathOptions::default()), Some(rev));
    // Not connected; unknown node; itself.
    assert_eq!(g.shortest_path(&Scope::new(&v, &no_hubs), &r(1), &r(5), &PathOptions::default()), None);
    assert_eq!(g.shortest_path(&Scope::new(&v, &no_hubs), &r(1), &r(9), &PathOptions::default()), None);
    assert_eq!(
        g.shortest_path(&Scope::new(&v, &no_hubs), &r(1), &r(1), &PathOptions::default()),
        Some(vec![r(1)])
    );
    // Node budget.
    let tight = PathOptions { max_nodes: 3, ..Default::default() };
    assert_eq!(g.shortest_path(&Scope::new(&v, &hub_h), &r(1), &r(4), &tight), None);
}

#[test]
fn smallest_of_equal_shortest_paths() {
    // R1 and R2 share both P and T: two paths of length 2; P sorts before T (Phone < Telegram).
    let g = build(&[
        report(1, &[(Telegram, T, None), (Phone, P, None)]),
        report(2, &[(Telegram, T, None), (Phone, P, None)]),
    ]);
    let v = viewer(2);
    assert_eq!(
        g.shortest_path(&Scope::new(&v, &no_hubs), &r(2), &r(1), &PathOptions::default()),
        Some(vec![r(2), o(Phone, P), r(1)])
    );
}

fn at(secs: i64) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
}

/// The scopes every answer is asked in: all of time, a window, and open-ended windows.
fn scopes<'a>(v: &'a Viewer, is_hub: graph::IsHub<'a>) -> Vec<Scope<'a>> {
    vec![
        Scope::new(v, is_hub),
        Scope { from: Some(at(2)), to: Some(at(4)), ..Scope::new(v, is_hub) },
        Scope { from: Some(at(3)), ..Scope::new(v, is_hub) },
        Scope { to: Some(at(2)), ..Scope::new(v, is_hub) },
    ]
}

/// Every answer of `g` for `v` on the given nodes, in every scope of [`scopes`], as text.
fn answers(g: &LinkGraph, v: &Viewer, nodes: &[NodeRef], is_hub: graph::IsHub<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for scope in scopes(v, is_hub) {
        out.extend(answers_in(g, &scope, nodes));
    }
    out
}

fn answers_in(g: &LinkGraph, scope: &Scope, nodes: &[NodeRef]) -> Vec<String> {
    let mut out = Vec::new();
    for a in nodes {
        for opts in [
            ExpandOptions::default(),
            ExpandOptions { limit: 2, offset: 1, ..Default::default() },
            ExpandOptions { kinds: Some(vec![Domain]), reports: false, ..Default::default() },
        ] {
            out.push(format!("{:?}", g.expand(scope, a, &opts)));
        }
        for opts in [
            NeighbourhoodOptions::default(),
            NeighbourhoodOptions { k: 3, max_nodes: 4, max_edges: 3, per_node: 2, traverse_hubs: false },
            NeighbourhoodOptions { k: 4, traverse_hubs: true, ..Default::default() },
        ] {
            out.push(format!("{:?}", g.neighbourhood(scope, a, &opts)));
        }
        for b in nodes {
            out.push(format!("{:?}", g.shortest_path(scope, a, b, &PathOptions::default())));
            let opts = PathOptions { max_depth: 3, max_nodes: 6, traverse_hubs: true };
            out.push(format!("{:?}", g.shortest_path(scope, a, b, &opts)));
            out.push(format!(
                "{:?}",
                g.connecting(scope, &[a.clone(), b.clone()], &ConnectOptions::default())
            ));
        }
        let one = NetworkOptions { min_reports: 1, containing: Some(a.clone()), ..Default::default() };
        out.push(format!("{:?}", g.networks(scope, &one)));
        for opts in [
            NetworkDetailOptions { communities: true, ..Default::default() },
            NetworkDetailOptions {
                max_nodes: 3,
                max_edges: 2,
                key_nodes: 3,
                betweenness_samples: 1,
                ..Default::default()
            },
        ] {
            out.push(format!("{:?}", g.network(scope, a, &opts)));
        }
    }
    out.push(format!("{:?}", components(g, scope)));
    for opts in [
        NetworkOptions::default(),
        NetworkOptions { min_reports: 1, ..Default::default() },
        NetworkOptions { min_reports: 1, limit: 1, offset: 1, ..Default::default() },
    ] {
        out.push(format!("{:?}", g.networks(scope, &opts)));
    }
    for opts in [
        ConnectOptions::default(),
        ConnectOptions { max_result_nodes: 2, ..Default::default() },
        ConnectOptions { max_nodes: 3, max_depth: 4, ..Default::default() },
        ConnectOptions { traverse_hubs: true, ..Default::default() },
    ] {
        out.push(format!("{:?}", g.connecting(scope, nodes, &opts)));
    }
    out
}

/// The components as sets of names, by label, and their count.
fn components(g: &LinkGraph, scope: &Scope) -> (Vec<Vec<NodeRef>>, usize) {
    let c = g.components(scope);
    assert_eq!(c.labels.len(), g.node_count());
    let mut groups = vec![Vec::new(); c.count];
    for (id, &label) in c.labels.iter().enumerate() {
        if label != u32::MAX {
            groups[label as usize].push(g.node(id as u32));
        }
    }
    for group in &mut groups {
        assert!(!group.is_empty());
        group.sort();
    }
    (groups, c.count)
}

fn all_nodes(reports: &[Report]) -> Vec<NodeRef> {
    let mut nodes: Vec<NodeRef> = reports.iter().map(|rep| NodeRef::Report(rep.id)).collect();
    for rep in reports {
        for obs in &rep.observables {
            nodes.push(NodeRef::Observable(obs.kind, obs.value.clone()));
            if let Ok(c) = model::observable::canonicalize(obs.kind, &obs.value, &Default::default()) {
                for rel in c.related {
                    nodes.push(NodeRef::Observable(rel.kind, rel.value.clone()));
                    let c2 =
                        model::observable::canonicalize(rel.kind, &rel.value, &Default::default()).unwrap();
                    nodes.extend(c2.related.into_iter().map(|x| NodeRef::Observable(x.kind, x.value)));
                }
            }
        }
    }
    nodes.sort();
    nodes.dedup();
    nodes
}

#[test]
fn incremental_inserts_equal_one_go() {
    let reports = chain();
    let nodes = all_nodes(&reports);
    let v = viewer(2);
    let mut one_go = build(&reports);
    one_go.compact();
    let expected = answers(&one_go, &v, &nodes, &hub_h);
    let mut g = LinkGraph::new();
    for (i, rep) in reports.iter().rev().enumerate() {
        g.insert(rep);
        g.insert(rep); // a second insert of the same report changes nothing
        if i == 1 {
            g.compact();
        }
    }
    assert_eq!(g.edge_count(), one_go.edge_count());
    assert_eq!(answers(&g, &v, &nodes, &hub_h), expected);
    assert_eq!(answers(&build(&reports), &v, &nodes, &hub_h), expected);
    // Built in one go by the builder, with the same report twice.
    let mut twice = reports.clone();
    twice.push(reports[0].clone());
    let built = LinkGraph::build(&twice);
    assert_eq!(built.edge_count(), one_go.edge_count());
    assert_eq!(answers(&built, &v, &nodes, &hub_h), expected);
}

/// Observables of the random graphs: some derive others (URL → host → registrable domain,
/// e-mail → domain).
const POOL: [(ObservableKind, &str); 8] = [
    (Url, "https://www.shop.example.co.uk/a"),
    (Url, "https://example.co.uk/b"),
    (Email, "bob@example.co.uk"),
    (Domain, "www.shop.example.co.uk"),
    (Domain, "example.co.uk"),
    (Phone, P),
    (Telegram, T),
    (Email, E),
];

fn random_hub(kind: ObservableKind, value: &str) -> bool {
    kind == Telegram && value == T
}

fn random_report() -> impl Strategy<Value = (u128, usize, u8, bool, bool, Vec<usize>, Option<i64>)> {
    (
        0u128..3,                                            // author
        0usize..5,                                           // tlp
        0u8..4,                                              // audience: bit 0 org 2, bit 1 community
        any::<bool>(),                                       // revoked
        any::<bool>(),                                       // with roles
        proptest::collection::vec(0usize..POOL.len(), 0..4), // observables
        proptest::option::of(0i64..6),                       // first seen
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// For an outsider (organisation 2, member of community 50), every answer on the full graph
    /// equals the answer on a graph of only the reports they may see; and the insertion order
    /// and compaction change no answer.
    #[test]
    fn hidden_reports_change_nothing(specs in proptest::collection::vec(random_report(), 1..8)) {
        let mut reports = Vec::new();
        let mut revoked = Vec::new();
        for (i, (author, tlp, audience, revoke, roles, obs, seen)) in specs.into_iter().enumerate() {
            let mut rep = report(i as u128 + 1, &[]);
            rep.first_seen = seen.map(at);
            rep.author = org(author);
            rep.tlp = Tlp::ALL[tlp];
            if audience & 1 != 0 {
                rep.audience.organizations.push(org(2));
            }
            if audience & 2 != 0 {
                rep.audience.communities.push(CommunityId(Uuid::from_u128(50)));
            }
            rep.observables = obs
                .iter()
                .map(|&k| ReportObservable {
                    kind: POOL[k].0,
                    value: POOL[k].1.to_string(),
                    original: None,
                    role: roles.then(|| format!("role{}", k % 2)),
                })
                .collect();
            if revoke {
                revoked.push(rep.id);
            }
            reports.push(rep);
        }
        let v = viewer(2);
        let mut full = build(&reports);
        for id in &revoked {
            full.revoke(*id);
        }
        let visible: Vec<Report> = reports
            .iter()
            .filter(|rep| {
                let mut access = rep.access();
                access.revoked = revoked.contains(&rep.id);
                can_see(&v, &access)
            })
            .cloned()
            .collect();
        let mut only_visible = build(&visible);
        for id in &revoked {
            only_visible.revoke(*id);
        }
        let nodes = all_nodes(&reports);
        prop_assert_eq!(answers(&full, &v, &nodes, &random_hub), answers(&only_visible, &v, &nodes, &random_hub));

        // Inserted in the other order, compacted half way: the same answers, for every viewer.
        let mut reversed = LinkGraph::new();
        for (i, rep) in reports.iter().rev().enumerate() {
            reversed.insert(rep);
            if i == reports.len() / 2 {
                reversed.compact();
            }
        }
        for id in &revoked {
            reversed.revoke(*id);
        }
        // Built in one go: the same answers.
        let mut built = LinkGraph::build(&reports);
        for id in &revoked {
            built.revoke(*id);
        }
        for who in [viewer(1), viewer(2)] {
            let expected = answers(&full, &who, &nodes, &random_hub);
            prop_assert_eq!(&expected, &answers(&reversed, &who, &nodes, &random_hub));
            prop_assert_eq!(&expected, &answers(&built, &who, &nodes, &random_hub));
        }
    }
}

#[test]
fn hidden_report_hand_built() {
    // R1 (GREEN) holds P; R2 (RED, org 1 only) holds P and the URL. The outsider sees P with
    // degree 1, no URL, no host domain, and no path to R2.
    let url = "https://www.shop.example.co.uk/a";
    let mut red = report(2, &[(Phone, P, None), (Url, url, None)]);
    red.tlp = Tlp::Red;
    let reports = vec![report(1, &[(Phone, P, None)]), red];
    let g = build(&reports);
    let outsider = viewer(2);
    let x = g.expand(&Scope::new(&outsider, &no_hubs), &o(Phone, P), &ExpandOptions::default()).unwrap();
    assert_eq!((x.total, x.node.visible_degree), (1, 1));
    assert!(g.expand(&Scope::new(&outsider, &no_hubs), &o(Url, url), &ExpandOptions::default()).is_none());
    assert!(
        g.expand(&Scope::new(&outsider, &no_hubs), &o(Domain, "example.co.uk"), &ExpandOptions::default())
            .is_none()
    );
    assert!(
        g.shortest_path(&Scope::new(&outsider, &no_hubs), &r(1), &r(2), &PathOptions::default()).is_none()
    );
    // The author sees it all.
    let author = viewer(1);
    let x = g.expand(&Scope::new(&author, &no_hubs), &o(Phone, P), &ExpandOptions::default()).unwrap();
    assert_eq!(x.total, 2);
    assert!(
        g.expand(&Scope::new(&author, &no_hubs), &o(Domain, "example.co.uk"), &ExpandOptions::default())
            .is_some()
    );
    // Revoked: the author still sees it (the one visibility function), the outsider never did.
    let mut g = g;
    let green_revoked = reports[0].id;
    assert!(g.revoke(green_revoked));
    assert!(g.expand(&Scope::new(&outsider, &no_hubs), &o(Phone, P), &ExpandOptions::default()).is_none());
    assert_eq!(
        g.expand(&Scope::new(&author, &no_hubs), &o(Phone, P), &ExpandOptions::default()).unwrap().total,
        2
    );
    assert!(!g.revoke(Uuid::from_u128(99)));
}

#[test]
fn automatic_compaction_changes_no_answer() {
    // 600 reports in 30 groups sharing a phone, each with its own handle: 2,400 edge ends, so
    // inserts compact on the way.
    let phones: Vec<String> = (0..30).map(|i| format!("+1888839{:04}", 1000 + i)).collect();
    let handles: Vec<String> = (0..600).map(|i| format!("@handle{i:04}")).collect();
    let reports: Vec<Report> = (0..600)
        .map(|i| report(i as u128 + 1, &[(Phone, &phones[i % 30], None), (Telegram, &handles[i], None)]))
        .collect();
    let incremental = build(&reports);
    let mut one_go = build(&reports);
    one_go.compact();
    assert_eq!(incremental.edge_count(), 1200);
    assert_eq!(one_go.edge_count(), 1200);
    let v = viewer(2);
    let nodes: Vec<NodeRef> =
        vec![r(1), r(599), o(Phone, &phones[0]), o(Phone, &phones[29]), o(Telegram, &handles[7])];
    assert_eq!(answers(&incremental, &v, &nodes, &no_hubs), answers(&one_go, &v, &nodes, &no_hubs));
    let x = incremental
        .expand(&Scope::new(&v, &no_hubs), &o(Phone, &phones[3]), &ExpandOptions::default())
        .unwrap();
    assert_eq!((x.total, x.neighbours.len()), (20, 20));
}

#[test]
fn time_window_hides_reports_outside_it() {
    // The chain's reports are at seconds 1..=5; R3 was first seen at second 9.
    let mut reports = chain();
    reports[2].first_seen = Some(at(9));
    let g = build(&reports);
    let v = viewer(2);
    let window = Scope { from: Some(at(2)), to: Some(at(9)), ..Scope::new(&v, &hub_h) };
    // P is held by R1 (outside) and R2 (inside).
    let x = g.expand(&window, &o(Phone, P), &ExpandOptions::default()).unwrap();
    assert_eq!((x.total, x.node.visible_degree), (1, 1));
    assert!(g.expand(&window, &r(1), &ExpandOptions::default()).is_none());
    assert_eq!(
        g.shortest_path(&window, &r(2), &r(4), &PathOptions::default()),
        Some(vec![r(2), o(Email, E), r(3), o(Telegram, T), r(4)])
    );
    // Both ends included; R3 is timed by its first sighting, not its creation.
    let narrow = Scope { from: Some(at(3)), to: Some(at(3)), ..Scope::new(&v, &hub_h) };
    assert!(g.expand(&narrow, &r(3), &ExpandOptions::default()).is_none());
    let just_r3 = Scope { from: Some(at(9)), to: Some(at(9)), ..Scope::new(&v, &hub_h) };
    let x = g.expand(&just_r3, &r(3), &ExpandOptions::default()).unwrap();
    assert_eq!(x.total, 2);
    assert!(g.expand(&just_r3, &o(Phone, P), &ExpandOptions::default()).is_none());
}

#[test]
fn builder_parts_equal_inserts() {
    let reports = chain();
    let mut builder = graph::LinkGraphBuilder::with_capacity(reports.len(), 16);
    for rep in &reports {
        let obs = rep.observables.iter().map(|o| (o.kind, o.value.as_str(), o.role.as_deref()));
        builder.add_parts(rep.id, &rep.access(), rep.created_at, obs);
    }
    // The same report again, and a value twice in one report: one edge.
    builder.add_report(&reports[1]);
    let twice = report(6, &[(Phone, P, Some("a")), (Phone, P, Some("b"))]);
    builder.add_report(&twice);
    let built = builder.finish();
    let mut all = reports.clone();
    all.push(twice);
    let one_by_one = build(&all);
    assert_eq!(built.edge_count(), one_by_one.edge_count());
    assert_eq!(built.node_count(), one_by_one.node_count());
    let v = viewer(2);
    let nodes = all_nodes(&all);
    assert_eq!(answers(&built, &v, &nodes, &hub_h), answers(&one_by_one, &v, &nodes, &hub_h));
    let x = built.expand(&Scope::new(&v, &no_hubs), &r(6), &ExpandOptions::default()).unwrap();
    assert_eq!(x.neighbours[0].edge, EdgeLabel::Role(Some("a".into())));
    // Dense ids name nodes both ways.
    let id = built.node_id(&o(Phone, P)).unwrap();
    assert_eq!(built.node(id), o(Phone, P));
    assert_eq!(built.node_id(&o(Phone, "+10000000000")), None);
}

#[test]
fn only_urls_emails_and_domains_derive() {
    // The graph canonicalises only these kinds to find derived observables: the model must
    // derive nothing from the others.
    let samples = [
        (Phone, P),
        (Telegram, T),
        (ObservableKind::Ipv4, "198.51.100.7"),
        (ObservableKind::Ipv6, "2001:db8::1"),
        (ObservableKind::Iban, "GB82WEST12345698765432"),
        (ObservableKind::Sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (ObservableKind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
        (ObservableKind::RemoteAccess, "anydesk:123456789"),
    ];
    for (kind, value) in samples {
        let c = model::observable::canonicalize(kind, value, &Default::default()).unwrap();
        assert!(c.related.is_empty(), "{kind:?} derives {:?}", c.related);
    }
}

fn names(nodes: &[NodeView]) -> Vec<(NodeRef, usize)> {
    nodes.iter().map(|n| (n.node.clone(), n.visible_degree)).collect()
}

#[test]
fn components_and_networks_of_the_chain() {
    let g = build(&chain());
    let v = viewer(2);
    let scope = Scope::new(&v, &hub_h);
    // The chain (with E's domain) and R5 with its handle; the hub H is in neither.
    let (groups, count) = components(&g, &scope);
    assert_eq!(count, 2);
    assert_eq!(
        groups[0],
        vec![r(1), r(2), r(3), r(4), o(Domain, "example.com"), o(Email, E), o(Phone, P), o(Telegram, T)]
    );
    assert_eq!(groups[1], vec![r(5), o(Telegram, "@lonelycat")]);
    assert_eq!(g.components(&scope).labels[g.node_id(&o(Phone, H)).unwrap() as usize], u32::MAX);

    let list = g.networks(&scope, &NetworkOptions::default());
    assert_eq!(list.total, 1);
    let net = &list.networks[0];
    assert_eq!(net.id, Uuid::from_u128(1));
    assert_eq!((net.reports, net.observables), (4, 4));
    // Seven member–member edges (six in the chain, E's domain) and two to the hub.
    assert_eq!(net.edges, 9);
    assert_eq!(net.organizations, vec![org(1)]);
    assert_eq!((net.first_seen, net.last_seen), (at(1), at(4)));
    assert_eq!(net.kinds, vec![(Domain, 1), (Email, 1), (Phone, 1), (Telegram, 1)]);
    assert_eq!(
        names(&net.top),
        vec![(o(Email, E), 3), (o(Phone, P), 2), (o(Telegram, T), 2), (o(Domain, "example.com"), 1)]
    );
    assert_eq!(names(&net.hubs), vec![(o(Phone, H), 2)]);
    assert!(net.hubs[0].hub && !net.top[0].hub);

    // Singletons count with min_reports 1; paging.
    let all = g.networks(&scope, &NetworkOptions { min_reports: 1, ..Default::default() });
    assert_eq!(all.total, 2);
    assert_eq!(all.networks[1].id, Uuid::from_u128(5));
    let second =
        g.networks(&scope, &NetworkOptions { min_reports: 1, offset: 1, limit: 1, ..Default::default() });
    assert_eq!((second.total, second.networks.len(), second.networks[0].reports), (2, 1, 1));
    // The network holding a node; a hub's networks are those it is attached to.
    let holding =
        |node: NodeRef| NetworkOptions { min_reports: 1, containing: Some(node), ..Default::default() };
    assert_eq!(g.networks(&scope, &holding(r(5))).networks[0].id, Uuid::from_u128(5));
    assert_eq!(g.networks(&scope, &holding(o(Email, E))).networks, list.networks);
    assert_eq!(g.networks(&scope, &holding(o(Phone, H))).networks, list.networks);
    assert_eq!(g.networks(&scope, &holding(r(9))).total, 0);

    // Without hubs, H is a member and nothing changes but the figures.
    let flat = g.networks(&Scope::new(&v, &no_hubs), &NetworkOptions::default());
    assert_eq!((flat.networks[0].observables, flat.networks[0].edges), (5, 9));
    assert!(flat.networks[0].hubs.is_empty());

    // A hub of hundreds of reports is no hub unless the predicate says so: a busy phone in
    // one network is a member like any other.
    let busy: Vec<Report> = (1..=300).map(|i| report(i, &[(Phone, P, None)])).collect();
    let g = build(&busy);
    let list = g.networks(&Scope::new(&v, &no_hubs), &NetworkOptions::default());
    assert_eq!((list.total, list.networks[0].reports, list.networks[0].observables), (1, 300, 1));
}

#[test]
fn network_detail_of_the_chain() {
    let g = build(&chain());
    let v = viewer(2);
    let scope = Scope::new(&v, &hub_h);
    let opts = NetworkDetailOptions { key_nodes: 3, ..Default::default() };
    let net = g.network(&scope, &o(Email, E), &opts).unwrap();
    assert_eq!(net.summary, g.networks(&scope, &NetworkOptions::default()).networks[0]);
    // Members and the hub, most connected first, then by name.
    assert_eq!(
        names(&net.nodes),
        vec![
            (o(Email, E), 3),
            (r(1), 2),
            (r(2), 2),
            (r(3), 2),
            (r(4), 2),
            (o(Phone, P), 2),
            (o(Phone, H), 2),
            (o(Telegram, T), 2),
            (o(Domain, "example.com"), 1)
        ]
    );
    assert_eq!(net.edges.len(), 9);
    assert!(net.edges.contains(&EdgeView { from: r(4), to: o(Phone, H), label: EdgeLabel::Role(None) }));
    assert!(net.edges.contains(&EdgeView {
        from: o(Email, E),
        to: o(Domain, "example.com"),
        label: EdgeLabel::Derived
    }));
    assert!(!net.truncated);
    assert!(net.communities.is_empty() && !net.communities_skipped);
    // E splits the members into {R1, P, R2}, {R3, T, R4} and {example.com}: 15 of the 21
    // pairs of other members; R2 and R3 each 10 (tied on degree, so by name).
    let key: Vec<_> = net.key_nodes.iter().map(|k| (k.node.node.clone(), k.betweenness)).collect();
    assert_eq!(key.len(), 3);
    assert_eq!((key[0].0.clone(), key[1].0.clone(), key[2].0.clone()), (o(Email, E), r(2), r(3)));
    assert!((key[0].1 - 15.0 / 21.0).abs() < 1e-9 && (key[1].1 - 10.0 / 21.0).abs() < 1e-9);
    assert!(!net.betweenness_sampled);
    let times: Vec<_> = net.timeline.iter().map(|t| (t.report, t.time, t.organization)).collect();
    assert_eq!(times, (1..=4).map(|i| (Uuid::from_u128(i), at(i as i64), org(1))).collect::<Vec<_>>());

    // Capped: the three most connected nodes and the one edge between them.
    let small =
        g.network(&scope, &r(1), &NetworkDetailOptions { max_nodes: 3, ..Default::default() }).unwrap();
    assert_eq!(names(&small.nodes), vec![(o(Email, E), 3), (r(1), 2), (r(2), 2)]);
    assert_eq!(small.edges, vec![EdgeView { from: r(2), to: o(Email, E), label: EdgeLabel::Role(None) }]);
    assert!(small.truncated);
    let few_edges =
        g.network(&scope, &r(1), &NetworkDetailOptions { max_edges: 1, ..Default::default() }).unwrap();
    assert_eq!(few_edges.edges, small.edges);
    assert!(few_edges.truncated);

    // Hubs, unknown nodes and report-less components have no network.
    assert!(g.network(&scope, &o(Phone, H), &opts).is_none());
    assert!(g.network(&scope, &r(9), &opts).is_none());
    let url = report(7, &[(Url, "https://www.shop.example.co.uk/a", None)]);
    let g = build(&[url]);
    let hub_url = |kind: ObservableKind, _: &str| kind == Url;
    let scope = Scope::new(&v, &hub_url);
    assert!(g.network(&scope, &o(Domain, "www.shop.example.co.uk"), &opts).is_none());
    let (groups, _) = components(&g, &scope);
    assert_eq!(
        groups,
        vec![vec![r(7)], vec![o(Domain, "example.co.uk"), o(Domain, "www.shop.example.co.uk")]]
    );
}

#[test]
fn communities_of_two_dense_groups() {
    // Reports 1–3 all hold A1–A3, reports 4–6 all hold B1–B3; report 3 also holds B1.
    let a = ["@a1", "@a2", "@a3"];
    let b = ["@b1", "@b2", "@b3"];
    let group = |n: u128, values: &[&str], extra: Option<&str>| {
        let mut obs: Vec<(ObservableKind, &str, Option<&str>)> =
            values.iter().map(|v| (Telegram, *v, None)).collect();
        obs.extend(extra.map(|x| (Telegram, x, None)));
        report(n, &obs)
    };
    let reports = vec![
        group(1, &a, None),
        group(2, &a, None),
        group(3, &a, Some("@b1")),
        group(4, &b, None),
        group(5, &b, None),
        group(6, &b, None),
    ];
    let g = build(&reports);
    let v = viewer(2);
    let scope = Scope::new(&v, &no_hubs);
    let opts = NetworkDetailOptions { communities: true, key_nodes: 2, ..Default::default() };
    let net = g.network(&scope, &r(1), &opts).unwrap();
    let members: Vec<_> =
        net.communities.iter().map(|c| (c.id, c.reports, c.observables, c.members.clone())).collect();
    let t = |x: &str| o(Telegram, x);
    assert_eq!(
        members,
        vec![
            (0, 3, 3, vec![r(1), r(2), r(3), t("@a1"), t("@a2"), t("@a3")]),
            (1, 3, 3, vec![r(4), r(5), r(6), t("@b1"), t("@b2"), t("@b3")]),
        ]
    );
    assert_eq!(names(&net.communities[1].top)[0], (t("@b1"), 4));
    // The bridge's ends are the key nodes.
    let key: Vec<_> = net.key_nodes.iter().map(|k| k.node.node.clone()).collect();
    assert_eq!(key, vec![r(3), t("@b1")]);
}

#[test]
fn connecting_network_is_every_shortest_path() {
    // Two shortest paths between R1 and R2 (through P and through T): both are returned.
    let g = build(&[
        report(1, &[(Telegram, T, None), (Phone, P, None)]),
        report(2, &[(Telegram, T, None), (Phone, P, None)]),
        report(3, &[(Telegram, "@other", None)]),
    ]);
    let v = viewer(2);
    let scope = Scope::new(&v, &no_hubs);
    let c = g.connecting(&scope, &[r(2), r(1), r(9), r(3)], &ConnectOptions::default());
    assert_eq!(names(&c.nodes), vec![(r(1), 2), (r(2), 2), (r(3), 1), (o(Phone, P), 2), (o(Telegram, T), 2)]);
    assert_eq!(c.edges.len(), 4);
    assert_eq!(c.missing, vec![r(9)]);
    assert_eq!(c.unconnected, vec![(r(2), r(3)), (r(1), r(3))]);
    assert!(!c.truncated);

    let g = build(&chain());
    let scope = Scope::new(&v, &hub_h);
    let chain_nodes = vec![r(1), r(2), r(3), r(4), o(Email, E), o(Phone, P), o(Telegram, T)];
    // Three selectors: the union of the three pairs' paths; the hub is not crossed.
    let c = g.connecting(&scope, &[r(1), r(3), r(4)], &ConnectOptions::default());
    assert_eq!(c.nodes.iter().map(|n| n.node.clone()).collect::<Vec<_>>(), chain_nodes);
    assert_eq!(c.edges.len(), 6);
    assert!(c.unconnected.is_empty());
    // Through hubs when allowed: R1 and R4 are two hops apart.
    let through = ConnectOptions { traverse_hubs: true, ..Default::default() };
    let c = g.connecting(&scope, &[r(1), r(4)], &through);
    assert_eq!(c.nodes.iter().map(|n| n.node.clone()).collect::<Vec<_>>(), vec![r(1), r(4), o(Phone, H)]);
    assert!(c.nodes[2].hub);
    // A hub as a selector is an end, never crossed.
    // H–R2 through R1 and P (H is expanded as an end), R4–R2 the long way round (not through
    // H).
    let c = g.connecting(&scope, &[o(Phone, H), r(4), r(2)], &ConnectOptions::default());
    assert_eq!(c.unconnected, vec![]);
    let expected = vec![r(1), r(2), r(3), r(4), o(Email, E), o(Phone, P), o(Phone, H), o(Telegram, T)];
    assert_eq!(c.nodes.iter().map(|n| n.node.clone()).collect::<Vec<_>>(), expected);
    // Limits: depth, the result's size, a search's budget.
    let short = ConnectOptions { max_depth: 5, ..Default::default() };
    let c = g.connecting(&scope, &[r(1), r(4)], &short);
    assert_eq!((c.unconnected, c.truncated), (vec![(r(1), r(4))], false));
    let small = ConnectOptions { max_result_nodes: 2, ..Default::default() };
    let c = g.connecting(&scope, &[r(1), r(4), r(3)], &small);
    // R3–R4 (two hops, one new node) fits; R1–R3 and R1–R4 would pass the cap.
    assert_eq!(names(&c.nodes), vec![(r(1), 2), (r(3), 2), (r(4), 2), (o(Telegram, T), 2)]);
    assert!(c.truncated && c.unconnected.is_empty());
    let tight = ConnectOptions { max_nodes: 3, ..Default::default() };
    let c = g.connecting(&scope, &[r(1), r(4)], &tight);
    assert_eq!((c.unconnected.len(), c.truncated), (1, true));
}

#[test]
fn sampled_betweenness_on_a_long_path() {
    // p1 - R1 - p2 - R2 - ... - R20 - p21: 41 members, more than 16 × one sample.
    let phones: Vec<String> = (1..=21).map(|i| format!("+1888839{:04}", 1000 + i)).collect();
    let reports: Vec<Report> = (0..20)
        .map(|i| report(i as u128 + 1, &[(Phone, &phones[i], None), (Phone, &phones[i + 1], None)]))
        .collect();
    let g = build(&reports);
    let v = viewer(2);
    let opts = NetworkDetailOptions { key_nodes: 1, betweenness_samples: 1, ..Default::default() };
    let net = g.network(&Scope::new(&v, &no_hubs), &r(7), &opts).unwrap();
    assert!(net.betweenness_sampled);
    // The one source is the smallest member, R1: p2 lies on its paths to the 38 members past
    // p2, scaled by 41 sources over the 40 × 39 ordered pairs.
    assert_eq!(net.key_nodes[0].node.node, o(Phone, &phones[1]));
    assert!((net.key_nodes[0].betweenness - 38.0 * 41.0 / 1560.0).abs() < 1e-9);
    // Exact with enough samples: the middle of the path is the key node.
    let exact = NetworkDetailOptions { key_nodes: 1, betweenness_samples: 3, ..Default::default() };
    let net = g.network(&Scope::new(&v, &no_hubs), &r(7), &exact).unwrap();
    assert!(!net.betweenness_sampled);
    assert_eq!(net.key_nodes[0].node.node, o(Phone, &phones[10]));
}

/// Time on the CPU of this thread (Linux; zero elsewhere): wall time alone says little on a
/// shared two-core machine.
fn cpu_time() -> std::time::Duration {
    let ns = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .unwrap_or(0);
    std::time::Duration::from_nanos(ns)
}

/// Wall and CPU time of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, String) {
    let (wall, cpu) = (std::time::Instant::now(), cpu_time());
    let out = f();
    (out, format!("{:.2?} wall, {:.2?} cpu", wall.elapsed(), cpu_time() - cpu))
}

/// Scale figures, printed (no timing assertions): a bipartite graph of 1M reports × 10
/// observables drawn from 2M Telegram handles (10M edges), loaded through the builder and
/// through one-by-one inserts; components, networks and memory. Run with
/// `cargo test --release -p graph --test link -- --ignored --nocapture scale_figures`.
#[test]
#[ignore]
fn scale_figures() {
    const REPORTS: usize = 1_000_000;
    const PER_REPORT: usize = 10;
    const VALUES: u64 = 2_000_000;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let values: Vec<String> = (0..VALUES).map(|i| format!("@handle{i}")).collect();
    let picks: Vec<u32> = (0..REPORTS * PER_REPORT).map(|_| (next() % VALUES) as u32).collect();
    let access = report(0, &[]).access();
    let time = at(0);
    let parts = |i: usize| {
        picks[i * PER_REPORT..(i + 1) * PER_REPORT]
            .iter()
            .map(|&p| (Telegram, values[p as usize].as_str(), None))
    };

    // What reading the input alone costs (the values are scattered on the heap).
    let (bytes, took) = timed(|| (0..REPORTS).flat_map(parts).map(|p| p.1.len()).sum::<usize>());
    println!("reading the input ({bytes} bytes): {took}");

    let (g, took) = timed(|| {
        let mut builder = graph::LinkGraphBuilder::with_capacity(REPORTS, REPORTS * PER_REPORT);
        for i in 0..REPORTS {
            builder.add_parts(Uuid::from_u128(i as u128 + 1), &access, time, parts(i));
        }
        builder.finish()
    });
    let edges = g.edge_count();
    println!("builder: {} nodes, {edges} edges: {took}", g.node_count());

    let v = viewer(1);
    let scope = Scope::new(&v, &no_hubs);
    let (c, took) = timed(|| g.components(&scope));
    println!("components: {}: {took}", c.count);
    let (list, took) = timed(|| g.networks(&scope, &NetworkOptions::default()));
    println!("networks: {}: {took}", list.total);
    let bytes = g.memory_bytes();
    println!(
        "memory: {:.1} MiB, {:.1} bytes/edge",
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / edges as f64
    );
    drop(g);

    let (g, took) = timed(|| {
        let mut g = LinkGraph::new();
        for i in 0..REPORTS {
            g.insert_parts(Uuid::from_u128(i as u128 + 1), &access, time, parts(i));
        }
        g
    });
    println!("insert, one by one, compaction included: {REPORTS} reports: {took}");
    println!("memory after inserts: {:.1} bytes/edge", g.memory_bytes() as f64 / g.edge_count() as f64);
    drop(g);

    // Values that derive others: canonicalising a new URL costs what it costs, once per value.
    let urls: Vec<String> =
        (0..200_000).map(|i| format!("https://www.shop{}.example.co.uk/p/{i}", i % 50_000)).collect();
    let (g, took) = timed(|| {
        let mut builder = graph::LinkGraphBuilder::new();
        for (i, url) in urls.iter().enumerate() {
            builder.add_parts(Uuid::from_u128(i as u128 + 1), &access, time, [(Url, url.as_str(), None)]);
        }
        builder.finish()
    });
    println!("urls: {} distinct URLs, {} nodes: {took}", urls.len(), g.node_count());
}

#[test]
fn large_reports_hold_each_value_once() {
    // 40 distinct handles, each twice: 40 edges, by insert and by the builder (both switch
    // from a scan to a set past 32 values).
    let handles: Vec<String> = (0..40).map(|i| format!("@big{i:02}")).collect();
    let mut obs: Vec<(ObservableKind, &str, Option<&str>)> =
        handles.iter().map(|h| (Telegram, h.as_str(), None)).collect();
    obs.extend(handles.iter().rev().map(|h| (Telegram, h.as_str(), Some("again"))));
    let big = report(1, &obs);
    let inserted = build(std::slice::from_ref(&big));
    let built = LinkGraph::build([&big]);
    assert_eq!((inserted.edge_count(), built.edge_count()), (40, 40));
    let v = viewer(2);
    let x = built
        .expand(&Scope::new(&v, &no_hubs), &r(1), &ExpandOptions { limit: 100, ..Default::default() })
        .unwrap();
    assert_eq!(x.total, 40);
    assert!(x.neighbours.iter().all(|n| n.edge == EdgeLabel::Role(None)));
    let nodes = all_nodes(std::slice::from_ref(&big));
    assert_eq!(answers(&built, &v, &nodes[..3], &no_hubs), answers(&inserted, &v, &nodes[..3], &no_hubs));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// `components` (union-find over the CSR, with a shortcut when every report is visible)
    /// agrees with the breadth-first search `network` runs from each member: a component
    /// holding a report is exactly that network's members, and a report-less one has no
    /// network. Every report visible (the shortcut), a window, and some reports hidden, built
    /// at once and inserted one by one with edges still pending.
    #[test]
    fn components_are_the_networks_members(
        specs in proptest::collection::vec((proptest::collection::vec(0usize..POOL.len(), 0..4), 0i64..6, any::<bool>()), 1..10)
    ) {
        let reports: Vec<Report> = specs
            .iter()
            .enumerate()
            .map(|(i, (obs, seen, hidden))| {
                let mut rep = report(i as u128 + 1, &[]);
                rep.first_seen = Some(at(*seen));
                if *hidden {
                    rep.tlp = Tlp::Red;
                    rep.author = org(3);
                }
                rep.observables = obs
                    .iter()
                    .map(|&k| ReportObservable { kind: POOL[k].0, value: POOL[k].1.to_string(), original: None, role: None })
                    .collect();
                rep
            })
            .collect();
        let all_green: Vec<Report> =
            reports.iter().cloned().map(|rep| Report { tlp: Tlp::Green, author: org(1), ..rep }).collect();
        let v = viewer(2);
        for reports in [&reports, &all_green] {
            let inserted = build(reports);
            let built = LinkGraph::build(reports.iter());
            for g in [&inserted, &built] {
                for scope in [Scope::new(&v, &random_hub), Scope { from: Some(at(1)), to: Some(at(4)), ..Scope::new(&v, &random_hub) }] {
                    let (groups, _) = components(g, &scope);
                    let opts = NetworkDetailOptions { max_nodes: usize::MAX, key_nodes: 0, ..Default::default() };
                    for group in &groups {
                        let has_report = group.iter().any(|n| matches!(n, NodeRef::Report(_)));
                        let detail = g.network(&scope, &group[0], &opts);
                        prop_assert_eq!(detail.is_some(), has_report);
                        if let Some(detail) = detail {
                            let mut members: Vec<NodeRef> =
                                detail.nodes.iter().filter(|n| !n.hub).map(|n| n.node.clone()).collect();
                            members.sort();
                            prop_assert_eq!(&members, group);
                        }
                    }
                }
            }
        }
    }
}

/// A wider audience given after the fact (an access grant) answers like a graph built with it:
/// the organisation added sees the report and its edges, an outsider still does not.
#[test]
fn set_access_widens_like_a_fresh_build() {
    let mut reports = chain();
    for rep in &mut reports {
        rep.tlp = Tlp::Amber;
    }
    let nodes = all_nodes(&reports);
    let mut graph = build(&reports);
    let mut widened = reports.clone();
    for rep in widened.iter_mut().take(2) {
        rep.audience.organizations.push(org(2));
        assert!(graph.set_access(rep.id, &rep.access()));
    }
    assert!(!graph.set_access(Uuid::from_u128(999), &reports[0].access()));
    let fresh = build(&widened);
    for who in [viewer(1), viewer(2), viewer(3)] {
        assert_eq!(answers(&graph, &who, &nodes, &random_hub), answers(&fresh, &who, &nodes, &random_hub));
    }
    let (granted, outsider) = (viewer(2), viewer(3));
    let scope = Scope::new(&granted, &no_hubs);
    let seen = graph.expand(&scope, &o(Phone, P), &ExpandOptions::default()).expect("visible now");
    assert_eq!(seen.total, 2, "both reports holding the phone were widened");
    let outsider = Scope::new(&outsider, &no_hubs);
    assert!(graph.expand(&outsider, &o(Phone, P), &ExpandOptions::default()).is_none());
}
