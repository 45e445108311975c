//! Campaigns on the demo dataset: the planted networks come out as campaigns, with totals
//! equal to the sums over the reports a viewer may see, and nothing hidden counted.

use engine::CampaignQuery;
use std::collections::{HashMap, HashSet};

use crate::demo_engine;
use model::scam::Amount;
use uuid::Uuid;

#[tokio::test]
async fn planted_networks_are_campaigns_with_exact_totals() {
    let (e, dataset) = demo_engine(3_000).await;
    for viewer_org in
        ["Metropolitan Police Cyber Crime Unit", "Northbridge Bank", "Silver Line Elder Fraud Hotline"]
    {
        let viewer = e.local_principal(viewer_org).unwrap().viewer;
        let campaigns =
            e.list_campaigns(&viewer, &CampaignQuery { limit: Some(1_000), ..Default::default() }).unwrap();
        // Ground truth: the visible reports holding each network's selectors.
        for n in &dataset.networks {
            let mut truth: HashSet<Uuid> = HashSet::new();
            // Only strong indicators link (an IP address or a hash does not).
            for (kind, value) in
                n.selectors.iter().filter(|(k, v)| !graph::strong_keys(&[(*k, v.as_str())]).is_empty())
            {
                let l = e.lookup(&viewer, Some(*kind), value, Some(1_000)).unwrap();
                truth.extend(l.occurrences.iter().map(|o| o.report_id));
            }
            if truth.len() < 2 {
                continue;
            }
            // The campaign holding the network's first visible report holds all of them.
            let (_, first) = (0, *truth.iter().next().unwrap());
            let mut found = None;
            for c in &campaigns {
                let view = e.get_campaign(&viewer, &c.id).await.unwrap();
                if view.members.iter().any(|r| r.id == first) {
                    found = Some(view);
                    break;
                }
            }
            let view = found.unwrap_or_else(|| panic!("{viewer_org}: no campaign for network {}", n.name));
            let ids: HashSet<Uuid> = view.members.iter().map(|r| r.id).collect();
            assert!(
                truth.is_subset(&ids),
                "{viewer_org}: network {} split: {} of {} in campaign {}",
                n.name,
                truth.intersection(&ids).count(),
                truth.len(),
                view.summary.id
            );
            // Nothing but planted networks: the bridge merges two of them, noise joins none.
            let planted: HashSet<Uuid> = dataset
                .networks
                .iter()
                .flat_map(|m| m.selectors.iter())
                .flat_map(|(k, v)| e.lookup(&viewer, Some(*k), v, Some(1_000)).unwrap().occurrences)
                .map(|o| o.report_id)
                .collect();
            assert!(
                ids.is_subset(&planted),
                "{viewer_org}: campaign {} holds {} unplanted reports; indicators {:?}",
                view.summary.id,
                ids.difference(&planted).count(),
                &view.indicators[..view.indicators.len().min(8)]
            );

            // Totals: recomputed here from each visible report's own intake facts.
            let mut losses: HashMap<String, (Amount, Amount)> = HashMap::new();
            let (mut scam, mut sixty) = (0, 0);
            for id in &ids {
                let r = e.get_report(&viewer, *id).await.unwrap();
                assert!(
                    r.victim_pii.is_none() || r.author == viewer_org,
                    "victim data only for its reporter"
                );
                let Some(s) = r.scam else { continue };
                scam += 1;
                sixty += usize::from(s.victim.age_bracket.is_60_plus());
                for l in s.losses {
                    let t = losses.entry(l.currency).or_default();
                    t.0 = t.0.checked_add(l.amount).unwrap();
                    t.1 = t.1.checked_add(l.recovered.unwrap_or_default()).unwrap();
                }
            }
            assert_eq!(view.summary.reports, ids.len());
            assert_eq!(view.totals.reports, scam);
            assert_eq!(view.totals.victims_60_plus, sixty);
            let got: HashMap<String, (Amount, Amount)> =
                view.totals.losses.iter().map(|m| (m.currency.clone(), (m.amount, m.recovered))).collect();
            assert_eq!(got, losses, "{viewer_org}: campaign {} losses", view.summary.id);
            let weekly: usize = view.weekly.iter().map(|w| w.reports).sum();
            assert_eq!(weekly, scam);
        }
    }
}

#[tokio::test]
async fn campaigns_are_found_by_selector_and_hidden_reports_do_not_count() {
    let (e, dataset) = demo_engine(2_000).await;
    let net = &dataset.networks[0];
    let (kind, value) = &net.selectors[0];
    let police = e.local_principal("Metropolitan Police Cyber Crime Unit").unwrap().viewer;
    let q = CampaignQuery { selector: Some((Some(*kind), value.clone())), ..Default::default() };
    let found = e.list_campaigns(&police, &q).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    // Another organisation's view of the same campaign counts only what it may see.
    let bank = e.local_principal("Carrow Savings Bank").unwrap().viewer;
    let theirs = e.list_campaigns(&bank, &q).unwrap();
    let visible_to = |v: &model::Viewer| {
        let mut ids = HashSet::new();
        for (k, val) in &net.selectors {
            ids.extend(
                e.lookup(v, Some(*k), val, Some(1_000)).unwrap().occurrences.into_iter().map(|o| o.report_id),
            );
        }
        ids.len()
    };
    assert!(visible_to(&bank) <= visible_to(&police) + 1_000);
    if let Some(c) = theirs.first() {
        let view = e.get_campaign(&bank, &c.id).await.unwrap();
        assert_eq!(view.members.len(), c.reports);
        for r in &view.members {
            e.get_report(&bank, r.id).await.expect("every counted report is visible to the bank");
        }
    }
    assert!(matches!(e.get_campaign(&police, "999999").await, Err(engine::EngineError::NotFound { .. })));
    assert!(matches!(e.get_campaign(&police, "x.y").await, Err(engine::EngineError::NotFound { .. })));
}
