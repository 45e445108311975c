use std::collections::BTreeSet;

use model::ObservableKind::{self, Btc, Domain, Email, Iban, Ipv4, Phone};
use proptest::prelude::*;

use super::*;

fn key(kind: ObservableKind, value: impl Into<String>) -> IndicatorKey {
    IndicatorKey::new(kind, value)
}

/// The partition as sets of caller ids (`ids[slot]` is the caller's id of slot `slot`).
fn partition(idx: &CampaignIndex, ids: &[u32]) -> BTreeSet<Vec<u32>> {
    idx.campaigns()
        .map(|(_, m)| {
            let mut v: Vec<u32> = m.iter().map(|&s| ids[s as usize]).collect();
            v.sort_unstable();
            v
        })
        .collect()
}

fn identity(n: usize) -> Vec<u32> {
    (0..n as u32).collect()
}

fn insert_all(reports: &[Vec<IndicatorKey>]) -> CampaignIndex {
    let mut idx = CampaignIndex::new(CampaignOptions::default());
    for (i, r) in reports.iter().enumerate() {
        idx.insert(i as u32, r);
    }
    idx
}

/// A campaign of `n` reports chained by its own values: report `i` shares one value with
/// report `i - 1`, and holds `extra` with the given share (one in `every` reports).
fn chained(tag: &str, n: usize, extra: &[(IndicatorKey, usize)]) -> Vec<Vec<IndicatorKey>> {
    (0..n)
        .map(|i| {
            let mut keys = vec![key(Iban, format!("{tag}-link{i}"))];
            if i > 0 {
                keys.push(key(Iban, format!("{tag}-link{}", i - 1)));
            }
            for (k, every) in extra {
                if i % every == 0 {
                    keys.push(k.clone());
                }
            }
            keys
        })
        .collect()
}

#[test]
fn levels() {
    assert_eq!([0, 1, 2, 3, 4, 15, 16, 63, 64, 255, 256].map(level), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
}

#[test]
fn a_busy_phone_of_one_campaign_is_not_a_hub() {
    // 300 reports, the phone in every one, each with a one-off wallet: the phone is all
    // that links them.
    let phone = key(Phone, "+18885550100");
    let reports: Vec<Vec<IndicatorKey>> =
        (0..300).map(|i| vec![phone.clone(), key(Btc, format!("wallet{i}"))]).collect();
    let idx = insert_all(&reports);
    assert!(!idx.is_hub(&phone));
    assert_eq!(idx.campaign_count(), 1);

    // 300 reports split by 20 mule accounts into 20 groups; the phone is in 90% of them.
    let reports: Vec<Vec<IndicatorKey>> = (0..300)
        .map(|i| {
            let mut keys = vec![key(Iban, format!("mule{}", i % 20))];
            if i % 7 != 0 {
                keys.push(phone.clone());
            }
            keys
        })
        .collect();
    let idx = insert_all(&reports);
    assert!(!idx.is_hub(&phone), "{:?}", idx.hub_reason(&phone));
    assert_eq!(idx.campaign_count(), 1);
    let batch = CampaignIndex::build(CampaignOptions::default(), &reports);
    assert_eq!(partition(&batch, &identity(300)), partition(&idx, &identity(300)));
}

#[test]
fn a_popular_domain_over_ten_campaigns_is_a_hub() {
    let microsoft = key(Domain, "microsoft.com");
    let mut reports = Vec::new();
    let mut truth = Vec::new();
    for c in 0..10 {
        for r in chained(&format!("c{c}"), 40, &[(microsoft.clone(), 5)]) {
            reports.push(r);
            truth.push(c);
        }
    }
    let idx = insert_all(&reports);
    match idx.hub_reason(&microsoft) {
        Some(HubReason::Structural { groups, coverage }) => {
            // Figures as of the value's last exact evaluation.
            assert!(groups >= 3, "{groups}");
            assert!(coverage < 0.3, "{coverage}");
        }
        other => panic!("not a structural hub: {other:?}"),
    }
    let batch = CampaignIndex::build(CampaignOptions::default(), &reports);
    assert_eq!(
        batch.hub_reason(&microsoft),
        Some(HubReason::Structural { groups: 10, coverage: 80.0 / 400.0 })
    );
    assert_eq!(idx.campaign_count(), 10);
    for (slot, c) in truth.iter().enumerate() {
        let members = idx.members(idx.campaign_of(slot as u32).unwrap());
        assert_eq!(members.len(), 40);
        assert!(members.iter().all(|&m| truth[m as usize] == *c));
    }
}

#[test]
fn the_hotlines_own_number_is_a_hub() {
    // 20 campaigns chained by their own accounts, each with a busy phone in half of its
    // reports; the hotline's number in one report in 20 of every campaign, and in lone
    // reports of no campaign.
    let hotline = key(Phone, "+448081234567");
    let mut reports = Vec::new();
    for c in 0..20 {
        let busy = key(Phone, format!("+1888555{c:04}"));
        reports.extend(chained(&format!("c{c}"), 100, &[(busy, 2), (hotline.clone(), 20)]));
    }
    for i in 0..30 {
        reports.push(vec![hotline.clone(), key(Email, format!("victim{i}@example.org"))]);
    }
    let idx = insert_all(&reports);
    assert!(matches!(idx.hub_reason(&hotline), Some(HubReason::Structural { .. })));
    let sizes: BTreeSet<usize> = idx.campaigns().map(|(_, m)| m.len()).collect();
    assert_eq!(sizes, BTreeSet::from([1, 100]));
    assert_eq!(idx.campaign_count(), 20 + 30);
    let hubs: Vec<_> = idx.hubs().collect();
    assert_eq!(hubs.len(), 1);
    assert_eq!(hubs[0].degree, 20 * 5 + 30);
}

#[test]
fn a_hub_above_busy_phones_is_found_even_with_nothing_else_linking() {
    // 40 campaigns whose reports share nothing but the campaign's busy phone (30 reports
    // each); the hotline's number in 3 reports of each and in 30 lone reports: 150 reports,
    // a degree level above the busy phones'.
    let hotline = key(Phone, "+448081234567");
    let mut reports = Vec::new();
    for c in 0..40 {
        for i in 0..30 {
            let mut keys = vec![key(Phone, format!("+1888555{c:04}")), key(Btc, format!("c{c}-w{i}"))];
            if i % 10 == 3 {
                keys.push(hotline.clone());
            }
            reports.push(keys);
        }
    }
    for i in 0..30 {
        reports.push(vec![hotline.clone(), key(Email, format!("victim{i}@example.org"))]);
    }
    let idx = insert_all(&reports);
    assert!(matches!(idx.hub_reason(&hotline), Some(HubReason::Structural { .. })));
    assert_eq!(idx.campaign_count(), 40 + 30);
}

#[test]
fn chains_form_one_campaign() {
    let reports = vec![
        vec![key(Phone, "+15550001")],
        vec![key(Phone, "+15550001"), key(Iban, "GB00X")],
        vec![key(Iban, "GB00X"), key(Btc, "bc1qexample")],
        vec![key(Btc, "bc1qexample")],
        vec![key(Btc, "unrelated")],
    ];
    let idx = insert_all(&reports);
    let a = idx.campaign_of(0).unwrap();
    assert_eq!(idx.members(a), &[0, 1, 2, 3]);
    assert_ne!(idx.campaign_of(4), Some(a));
    let linking: Vec<String> = idx.indicators(a).iter().map(|(k, n)| format!("{k}={n}")).collect();
    assert_eq!(linking, ["phone:+15550001=2", "btc:bc1qexample=2", "iban:GB00X=2"]);
}

#[test]
fn merges_keep_the_older_id_and_revoking_splits() {
    let mut idx = CampaignIndex::new(CampaignOptions::default());
    idx.insert(0, &[key(Phone, "+15550001")]);
    idx.insert(1, &[key(Iban, "GB00X")]);
    let a = idx.campaign_of(0).unwrap();
    let b = idx.campaign_of(1).unwrap();
    assert!(a < b);
    idx.insert(2, &[key(Phone, "+15550001"), key(Iban, "GB00X")]);
    assert_eq!(idx.campaign_of(1), Some(a));
    assert_eq!(idx.campaign_of(2), Some(a));
    assert_eq!(idx.members(b), &[] as &[u32]);

    idx.revoke(2);
    assert_eq!(idx.campaign_of(2), None);
    assert_ne!(idx.campaign_of(0), idx.campaign_of(1));
    assert_eq!(idx.campaign_count(), 2);
    assert!(idx.indicators(idx.campaign_of(0).unwrap()).is_empty());
}

#[test]
fn marked_hubs_stop_linking_and_unmarking_restores() {
    let shared = key(Email, "support@helpdesk.example");
    let mut reports = chained("a", 10, &[]);
    reports.extend(chained("b", 10, &[]));
    reports[3].push(shared.clone());
    reports[15].push(shared.clone());
    let mut idx = insert_all(&reports);
    assert_eq!(idx.campaign_count(), 1);
    let id = idx.campaign_of(0).unwrap();

    idx.mark_hub(&shared, "our own contact address");
    assert_eq!(idx.campaign_count(), 2);
    assert_eq!(idx.hub_reason(&shared), Some(HubReason::Marked("our own contact address".into())));
    assert_eq!(idx.campaign_of(0), Some(id), "the part holding most reports keeps the id");
    // Marks hold for reports that come later.
    idx.insert(20, &[shared.clone(), key(Iban, "a-link0")]);
    assert_eq!(idx.campaign_count(), 2);

    idx.unmark_hub(&shared);
    assert_eq!(idx.campaign_count(), 1);
    assert!(!idx.is_hub(&shared));
}

#[test]
fn listed_values_never_link() {
    let opts = CampaignOptions {
        listed: Some(Box::new(|k: &IndicatorKey| k.kind == Domain && k.value == "paypal.com")),
        ..Default::default()
    };
    let mut idx = CampaignIndex::new(opts);
    idx.insert(0, &[key(Domain, "paypal.com"), key(Phone, "+15550001")]);
    idx.insert(1, &[key(Domain, "paypal.com"), key(Phone, "+15550002")]);
    assert_ne!(idx.campaign_of(0), idx.campaign_of(1));
    assert_eq!(idx.hub_reason(&key(Domain, "paypal.com")), Some(HubReason::Listed));
    idx.set_listed(&key(Domain, "paypal.com"), false);
    assert_eq!(idx.campaign_of(0), idx.campaign_of(1));
}

#[test]
fn strong_keys_map_to_registrable_domains() {
    let keys = strong_keys(&[
        (ObservableKind::Url, "https://login.secure-paypal.co.uk/verify?id=1"),
        (Email, "agent.12@mail.scam-desk.com"),
        (Domain, "www.example.com"),
        (ObservableKind::Ipv4, "104.21.3.4"),
        (ObservableKind::Url, "http://104.21.3.4/x"),
        (Phone, "+18888391214"),
        (ObservableKind::Sha256, &"a".repeat(64)),
    ]);
    let shown: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    assert_eq!(
        shown,
        [
            "domain:example.com",
            "domain:scam-desk.com",
            "domain:secure-paypal.co.uk",
            "email:agent.12@mail.scam-desk.com",
            "phone:+18888391214"
        ]
    );
}

#[test]
fn pair_scores_from_contingency() {
    // Truth {0,1,2} {3}; predicted {0,1} {2,3}.
    let s = pair_scores(&[0, 0, 1, 1], &[7, 7, 7, 8]);
    assert_eq!((s.true_pairs, s.predicted_pairs, s.correct_pairs), (3, 2, 1));
    assert!((s.precision - 0.5).abs() < 1e-12);
    assert!((s.recall - 1.0 / 3.0).abs() < 1e-12);
}

fn hub_list(i: &CampaignIndex) -> Vec<String> {
    let mut v: Vec<String> = i.hubs().map(|h| h.key.to_string()).collect();
    v.sort();
    v
}

/// Options that make structural hubs common in small scenarios (three groups suffice, two for
/// weak values), so that the incremental bookkeeping of hubs is exercised.
fn eager() -> CampaignOptions {
    CampaignOptions { min_groups: 3, weak_min_groups: Some(2), ..Default::default() }
}

/// Inserts `reports` in `order` (slot `i` holds `reports[order[i]]`), checking after every
/// insert that the partition and the hubs are those of a batch over the same reports; then
/// revokes the slots flagged in `revoke`, checking the same after each.
fn replay(reports: &[Vec<IndicatorKey>], order: &[u32], revoke: &[bool]) -> Result<(), String> {
    let mut idx = CampaignIndex::new(eager());
    let mut live: Vec<u32> = Vec::new();
    let check = |idx: &CampaignIndex, live: &[u32], what: &str| -> Result<(), String> {
        let kept: Vec<u32> = live.iter().copied().filter(|&r| r != u32::MAX).collect();
        let rest: Vec<Vec<IndicatorKey>> = kept.iter().map(|&r| reports[r as usize].clone()).collect();
        let batch = CampaignIndex::build(eager(), &rest);
        let (a, b) = (partition(idx, live), partition(&batch, &kept));
        if a != b {
            return Err(format!("{what}: incremental {a:?}\nbatch {b:?}"));
        }
        let (a, b) = (hub_list(idx), hub_list(&batch));
        if a != b {
            return Err(format!("{what}: hubs {a:?}, batch {b:?}"));
        }
        Ok(())
    };
    for (slot, &r) in order.iter().enumerate() {
        idx.insert(slot as u32, &reports[r as usize]);
        live.push(r);
        check(&idx, &live, &format!("after inserting slot {slot}"))?;
    }
    for (slot, &gone) in revoke.iter().enumerate().take(order.len()) {
        if gone {
            idx.revoke(slot as u32);
            live[slot] = u32::MAX;
            check(&idx, &live, &format!("after revoking slot {slot}"))?;
        }
    }
    Ok(())
}

/// Reports over small pools: per-campaign values (one busy), values spread across campaigns
/// (a hotline, a popular domain, accounts shared by two campaigns, hosting addresses shared by
/// some), one-offs.
fn scenario(max: usize, campaigns: u8) -> impl Strategy<Value = Vec<Vec<IndicatorKey>>> {
    let report = (0..campaigns, prop::collection::vec(0u8..24, 1..4), 0u8..12, 0u32..1000);
    prop::collection::vec(report, 1..max).prop_map(|specs| {
        specs
            .into_iter()
            .map(|(c, picks, hub, one_off)| {
                let mut keys: Vec<IndicatorKey> = picks
                    .into_iter()
                    .map(|p| match p {
                        0..=7 => key(Phone, format!("c{c}-busy")),
                        8..=19 => key(Iban, format!("c{c}-v{}", p % 6)),
                        _ => key(Btc, format!("one-off-{c}-{p}-{one_off}")),
                    })
                    .collect();
                match hub {
                    0 => keys.push(key(Phone, "hotline")),
                    1 => keys.push(key(Domain, "microsoft.com")),
                    2 => keys.push(key(Iban, format!("shared-{}", c % 2))),
                    3 => keys.push(key(Ipv4, format!("192.0.2.{}", c % 3))),
                    _ => {}
                }
                keys
            })
            .collect()
    })
}

/// `PROPTEST_CASES` when set (for long runs), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn with_order_and_revocations(
    reports: impl Strategy<Value = Vec<Vec<IndicatorKey>>>,
) -> impl Strategy<Value = (Vec<Vec<IndicatorKey>>, Vec<u32>, Vec<bool>)> {
    reports.prop_flat_map(|r| {
        let n = r.len();
        (
            Just(r),
            Just((0..n as u32).collect::<Vec<u32>>()).prop_shuffle(),
            prop::collection::vec(prop::bool::weighted(0.15), n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(300), ..ProptestConfig::default() })]

    #[test]
    fn incremental_in_any_order_equals_batch(
        (reports, order, revoke) in with_order_and_revocations(scenario(160, 6))
    ) {
        prop_assert_eq!(replay(&reports, &order, &revoke), Ok(()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(24), ..ProptestConfig::default() })]

    /// Fewer, bigger campaigns: degrees reach the higher levels.
    #[test]
    fn incremental_equals_batch_at_higher_degrees(
        (reports, order, revoke) in with_order_and_revocations(scenario(700, 3))
    ) {
        prop_assert_eq!(replay(&reports, &order, &revoke), Ok(()));
    }
}
