//! Campaign clustering on the generated ground-truth scenario: pairwise F1 of dragnet's
//! method and of the naive "link on every shared value" baseline.

use demo::{Scenario, campaign_scenario};
use extract::WarningLists;
use graph::{CampaignIndex, CampaignOptions, IndicatorKey, PairScores, pair_scores, strong_keys};
use rustc_hash::FxHashMap;

/// Ground-truth labels: the campaign, or a label of its own for a noise report.
fn truth(s: &Scenario) -> Vec<u64> {
    s.reports.iter().enumerate().map(|(i, r)| r.campaign.map_or(u64::MAX - i as u64, u64::from)).collect()
}

fn keys(s: &Scenario) -> Vec<Vec<IndicatorKey>> {
    s.reports
        .iter()
        .map(|r| strong_keys(&r.observables.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()))
        .collect()
}

fn with_lists() -> CampaignOptions {
    let lists = WarningLists::builtin();
    CampaignOptions {
        listed: Some(Box::new(move |k: &IndicatorKey| lists.is_listed(k.kind, &k.value))),
        ..Default::default()
    }
}

fn labels(idx: &CampaignIndex, n: usize) -> Vec<u64> {
    (0..n as u32).map(|r| u64::from(idx.campaign_of(r).expect("live report").0)).collect()
}

/// The naive baseline: union-find over every shared value (every observable as written, and
/// the strong keys, so that URLs and e-mails meet their domains), hubs and IPs included.
fn naive(s: &Scenario, keys: &[Vec<IndicatorKey>]) -> Vec<u64> {
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let mut parent: Vec<u32> = (0..s.reports.len() as u32).collect();
    let mut first: FxHashMap<String, u32> = FxHashMap::default();
    for (i, r) in s.reports.iter().enumerate() {
        let values = r
            .observables
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .chain(keys[i].iter().map(|k| k.to_string()));
        for v in values {
            let other = *first.entry(v).or_insert(i as u32);
            let (a, b) = (find(&mut parent, other), find(&mut parent, i as u32));
            parent[a as usize] = b;
        }
    }
    (0..parent.len() as u32).map(|i| u64::from(find(&mut parent, i))).collect()
}

fn show(name: &str, s: &PairScores) -> String {
    format!("{name}: precision {:.3} recall {:.3} F1 {:.3}", s.precision, s.recall, s.f1)
}

#[test]
fn dragnet_clusters_the_scenario_and_the_naive_baseline_does_not() {
    for seed in [1, 2, 3] {
        let s = campaign_scenario(seed, 20_000);
        let n = s.reports.len();
        let keys = keys(&s);
        let truth = truth(&s);

        // As the engine does: report by report, in arrival order.
        let mut idx = CampaignIndex::new(with_lists());
        for (i, k) in keys.iter().enumerate() {
            idx.insert(i as u32, k);
        }
        let dragnet = pair_scores(&labels(&idx, n), &truth);
        // The same partition from scratch.
        let batch = CampaignIndex::build(with_lists(), &keys);
        assert_eq!(
            pair_scores(&labels(&batch, n), &labels(&idx, n)).f1,
            1.0,
            "seed {seed}: incremental ≠ batch"
        );

        let structure_only = CampaignIndex::build(CampaignOptions::default(), &keys);
        let structure_only = pair_scores(&labels(&structure_only, n), &truth);
        let naive = pair_scores(&naive(&s, &keys), &truth);

        let structural: Vec<String> = idx
            .hubs()
            .filter(|h| matches!(h.reason, graph::HubReason::Structural { .. }))
            .map(|h| format!("{} ({})", h.key, h.degree))
            .collect();
        println!(
            "seed {seed}: {} campaigns in truth, {} found\n  {}\n  {}\n  {}\n  structural hubs: {}",
            s.campaigns,
            idx.campaigns().filter(|(_, m)| m.len() > 1).count(),
            show("dragnet (lists + structure)", &dragnet),
            show("dragnet (structure only)", &structure_only),
            show("naive (every shared value)", &naive),
            structural.join(", ")
        );
        assert!(dragnet.f1 >= 0.95, "seed {seed}: dragnet F1 {:.3}", dragnet.f1);
        assert!(naive.f1 < dragnet.f1 - 0.3, "seed {seed}: naive F1 {:.3}", naive.f1);
    }
}
