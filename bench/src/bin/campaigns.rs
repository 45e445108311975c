//! Campaign clustering: quality against the scenario's ground truth, and speed.
//!
//! 1. Generates `demo::campaign_scenario(--seed, --reports)` and maps each report to its strong
//!    indicators (`graph::strong_keys`, as the engine does at ingest).
//! 2. Clusters from scratch with dragnet's method (`CampaignIndex::build`, the built-in warning
//!    lists as the listed predicate; and again with no lists, structure alone), and with two
//!    baselines: naive (union-find over every shared value — every observable as written, IPs
//!    included, and the strong keys — hubs and all) and strong keys without hub handling.
//! 3. Pairwise precision, recall and F1 of each against the ground truth (from contingency
//!    counts; a noise report is a group of its own).
//! 4. Incremental cost: builds the first `reports - tail` reports, then inserts the last
//!    `--tail` one by one, timing each insert; checks the result equals the from-scratch build.
//!    Then the whole scenario inserted one by one from empty.

use std::time::Instant;

use bench::{arg, rate};
use demo::{Scenario, campaign_scenario};
use extract::WarningLists;
use graph::{CampaignIndex, CampaignOptions, HubReason, IndicatorKey, PairScores, pair_scores, strong_keys};
use rustc_hash::FxHashMap;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

fn truth(s: &Scenario) -> Vec<u64> {
    s.reports.iter().enumerate().map(|(i, r)| r.campaign.map_or(u64::MAX - i as u64, u64::from)).collect()
}

/// Union-find over the given values of each report.
fn link_everything<'a>(n: usize, values: impl Iterator<Item = (usize, String)> + 'a) -> Vec<u64> {
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut first: FxHashMap<String, u32> = FxHashMap::default();
    for (i, v) in values {
        let other = *first.entry(v).or_insert(i as u32);
        let (a, b) = (find(&mut parent, other), find(&mut parent, i as u32));
        parent[a as usize] = b;
    }
    (0..n as u32).map(|i| u64::from(find(&mut parent, i))).collect()
}

fn show(name: &str, s: &PairScores, secs: f64) {
    println!(
        "{name:<40} precision {:.3}  recall {:.3}  F1 {:.3}   ({:.2} s)",
        s.precision, s.recall, s.f1, secs
    );
}

fn main() {
    let n: usize = arg("reports", 200_000);
    let seed: u64 = arg("seed", 1);
    let tail: usize = arg::<usize>("tail", 10_000).min(n.saturating_sub(1));

    let started = Instant::now();
    let s = campaign_scenario(seed, n);
    let truth = truth(&s);
    let sizes = {
        let mut sizes = vec![0usize; s.campaigns as usize];
        for r in &s.reports {
            if let Some(c) = r.campaign {
                sizes[c as usize] += 1;
            }
        }
        sizes.sort_unstable();
        sizes
    };
    println!(
        "scenario: {} reports, {} campaigns (sizes {}–{}, median {}), {} noise reports, {} observables; generated in {:.1} s",
        rate(n as f64),
        s.campaigns,
        sizes.first().unwrap_or(&0),
        sizes.last().unwrap_or(&0),
        sizes.get(sizes.len() / 2).unwrap_or(&0),
        rate(s.reports.iter().filter(|r| r.campaign.is_none()).count() as f64),
        rate(s.reports.iter().map(|r| r.observables.len()).sum::<usize>() as f64),
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let keys: Vec<Vec<IndicatorKey>> = s
        .reports
        .iter()
        .map(|r| strong_keys(&r.observables.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()))
        .collect();
    println!(
        "strong keys: {} (kind, value) links, mapped in {:.2} s",
        rate(keys.iter().map(Vec::len).sum::<usize>() as f64),
        started.elapsed().as_secs_f64()
    );

    // From scratch.
    let started = Instant::now();
    let dragnet = CampaignIndex::build(with_lists(), &keys);
    let build_secs = started.elapsed().as_secs_f64();
    let dragnet_scores = pair_scores(&labels(&dragnet, n), &truth);
    let started = Instant::now();
    let structure = CampaignIndex::build(CampaignOptions::default(), &keys);
    let structure_secs = started.elapsed().as_secs_f64();
    let structure_scores = pair_scores(&labels(&structure, n), &truth);
    let started = Instant::now();
    let naive = link_everything(
        n,
        s.reports.iter().enumerate().flat_map(|(i, r)| {
            r.observables
                .iter()
                .map(move |(k, v)| (i, format!("{k}:{v}")))
                .chain(keys[i].iter().map(move |k| (i, k.to_string())))
        }),
    );
    let naive_secs = started.elapsed().as_secs_f64();
    let naive_scores = pair_scores(&naive, &truth);
    let started = Instant::now();
    let strong_only = link_everything(
        n,
        keys.iter().enumerate().flat_map(|(i, ks)| ks.iter().map(move |k| (i, k.to_string()))),
    );
    let strong_secs = started.elapsed().as_secs_f64();
    let strong_scores = pair_scores(&strong_only, &truth);

    println!();
    show("dragnet (warning lists + structure)", &dragnet_scores, build_secs);
    show("dragnet (structure alone, no lists)", &structure_scores, structure_secs);
    show("strong keys, no hub handling", &strong_scores, strong_secs);
    show("naive: link on every shared value", &naive_scores, naive_secs);
    let mut structural: Vec<(u32, String, u32, f64)> = dragnet
        .hubs()
        .filter_map(|h| match h.reason {
            HubReason::Structural { groups, coverage } => {
                Some((h.degree, h.key.to_string(), groups, coverage))
            }
            _ => None,
        })
        .collect();
    structural.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let listed = dragnet.hubs().filter(|h| h.reason == HubReason::Listed).count();
    println!(
        "hubs: {listed} listed; {} structural{}",
        structural.len(),
        if structural.is_empty() { "" } else { ", the largest:" }
    );
    for (degree, key, groups, coverage) in structural.iter().take(8) {
        println!("  {key:<48} {degree:>6} reports, {groups:>5} groups, coverage {coverage:.3}");
    }
    println!(
        "campaigns found: {} of two or more reports ({} in truth)",
        dragnet.campaigns().filter(|(_, m)| m.len() > 1).count(),
        sizes.iter().filter(|&&x| x > 1).count()
    );

    // Incremental: the last `tail` reports one by one.
    let head = n - tail;
    let mut idx = CampaignIndex::build(with_lists(), &keys[..head]);
    let before = idx.work();
    let mut times = Vec::with_capacity(tail);
    let started = Instant::now();
    for (i, k) in keys.iter().enumerate().skip(head) {
        let t = Instant::now();
        idx.insert(i as u32, k);
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let tail_secs = started.elapsed().as_secs_f64();
    let after = idx.work();
    let same = pair_scores(&labels(&idx, n), &labels(&dragnet, n)).f1 == 1.0;
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
    let pct = |p: f64| {
        times
            .get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    println!();
    println!(
        "incremental: last {} reports inserted one by one after {}: {:.2} s, mean {:.1} µs, p50 {:.1} µs, p99 {:.1} µs, max {:.0} µs; {} exact recomputations ({} reports), {} level re-examinations; result {} the from-scratch build",
        rate(tail as f64),
        rate(head as f64),
        tail_secs,
        mean,
        pct(0.5),
        pct(0.99),
        times.last().copied().unwrap_or(0.0),
        after.recomputations - before.recomputations,
        rate((after.reports_recomputed - before.reports_recomputed) as f64),
        after.level_reevaluations - before.level_reevaluations,
        if same { "identical to" } else { "DIFFERENT FROM" }
    );
    let started = Instant::now();
    let mut all = CampaignIndex::new(with_lists());
    for (i, k) in keys.iter().enumerate() {
        all.insert(i as u32, k);
    }
    let all_secs = started.elapsed().as_secs_f64();
    let same_all = pair_scores(&labels(&all, n), &labels(&dragnet, n)).f1 == 1.0;
    println!(
        "incremental from empty: {} reports one by one in {:.2} s ({:.1} µs/report, {} exact recomputations, {} level re-examinations); result {} the from-scratch build",
        rate(n as f64),
        all_secs,
        all_secs * 1e6 / n as f64,
        all.work().recomputations,
        all.work().level_reevaluations,
        if same_all { "identical to" } else { "DIFFERENT FROM" }
    );

    println!(
        "campaigns: dragnet F1 {:.3} vs naive {:.3} ({:.1}×), {} reports clustered in {:.2} s, incremental {:.1} µs/report (p99 {:.1} µs)",
        dragnet_scores.f1,
        naive_scores.f1,
        dragnet_scores.f1 / naive_scores.f1.max(1e-9),
        rate(n as f64),
        build_secs,
        mean,
        pct(0.99)
    );
}
