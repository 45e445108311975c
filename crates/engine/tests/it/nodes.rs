//! Two engines on one store and one bus: two nodes of a deployment. What one node commits,
//! the other applies (from the bus, or by polling the store), answering the same; internal
//! `state.changed` events are applied but never delivered to anyone.

use std::sync::Arc;
use std::time::Duration;

use engine::{CampaignQuery, Engine, EngineOptions, EventBus, InProcessBus, StreamOptions, StreamRequest};
use model::Role;
use model::event::EventType;
use store::{SqliteStore, Store};

use super::report;

async fn node(store: &Arc<dyn Store>, bus: Option<Arc<dyn EventBus>>) -> Arc<Engine> {
    let options = EngineOptions { default_region: Some("US".into()), bus, ..EngineOptions::default() };
    Arc::new(Engine::open(Arc::clone(store), options).await.unwrap())
}

/// Waits until `check` holds on `e` (each node applies asynchronously).
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("never: {what}");
}

fn lookup_count(e: &Engine, p: &engine::Principal, value: &str) -> usize {
    e.lookup(&p.viewer, None, value, None).map(|l| l.count).unwrap_or(0)
}

async fn writes_on_one_node_are_applied_on_the_other(shared_bus: bool) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let bus: Arc<dyn EventBus> = Arc::new(InProcessBus::default());
    let a = node(&store, Some(Arc::clone(&bus))).await;
    // Without the shared bus, the second node learns everything from polling the store.
    let b = node(&store, shared_bus.then(|| Arc::clone(&bus))).await;
    let _sync_a = a.spawn_sync(Duration::from_millis(50));
    let _sync_b = b.spawn_sync(Duration::from_millis(50));

    // Organisations, communities and tokens written on A authenticate on B.
    a.create_org(None, "csirt", true).await.unwrap();
    a.create_org(None, "bank", false).await.unwrap();
    a.create_org(None, "hotline", false).await.unwrap();
    a.create_community(None, "fraud", &["bank".into(), "hotline".into()]).await.unwrap();
    eventually("the directory reaches b", || {
        b.list_orgs().len() == 3
            && b.local_principal("hotline").is_ok_and(|p| p.viewer.communities.len() == 1)
    })
    .await;
    let t = a.create_token(None, "hotline", Role::Analyst, "test", None).await.unwrap();
    let hotline = b.authenticate(&t.token).await.unwrap();
    assert_eq!(hotline.viewer.communities.len(), 1, "b knows the hotline is in the fraud community");
    let t = b.create_token(None, "bank", Role::Analyst, "test", None).await.unwrap();
    let bank = a.authenticate(&t.token).await.unwrap();

    // B streams everything the bank may see from the start.
    let request = StreamRequest { after: Some("0".into()), ..Default::default() };
    let mut stream = b.stream(bank.clone(), request, StreamOptions::default()).await.unwrap();

    // Reports written on both nodes, linked into one campaign; an alert rule written on B.
    let rule = serde_json::json!({"name": "mule", "rule": {"type": "watch", "selectors": [{"value": "GB82 WEST 1234 5698 7654 32"}]}});
    b.create_alert_rule(&bank, serde_json::from_value(rule).unwrap()).await.unwrap();
    eventually("the rule reaches a", || a.list_alert_rules(&bank.viewer).len() == 1).await;
    let iban = ("iban", "GB82 WEST 1234 5698 7654 32");
    let mut r1 = report("one", "AMBER", &[iban, ("phone", "+1 888 839 1214")]);
    r1.audience.communities = vec!["fraud".into()];
    a.submit(&hotline, r1).await.unwrap();
    let mut r2 = report("two", "AMBER", &[iban]);
    r2.audience.communities = vec!["fraud".into()];
    b.submit(&hotline, r2).await.unwrap();
    let mut r3 = report("three", "GREEN", &[("domain", "three-example.net")]);
    r3.audience.communities = vec!["fraud".into()];
    let r3 = a.submit(&hotline, r3).await.unwrap();
    for (name, e) in [("a", &a), ("b", &b)] {
        eventually(&format!("{name} holds every report"), || {
            lookup_count(e, &bank, "three-example.net") == 1
        })
        .await;
        eventually(&format!("{name} holds the iban twice"), || {
            lookup_count(e, &bank, "GB82 WEST 1234 5698 7654 32") == 2
        })
        .await;
    }
    let q = CampaignQuery::default();
    let ca = a.list_campaigns(&bank.viewer, &q).unwrap();
    let cb = b.list_campaigns(&bank.viewer, &q).unwrap();
    assert_eq!(ca.len(), 1);
    assert_eq!(
        ca.iter().map(|c| (&c.id, c.reports)).collect::<Vec<_>>(),
        cb.iter().map(|c| (&c.id, c.reports)).collect::<Vec<_>>(),
        "both nodes number the campaign alike"
    );

    // A revocation on B hides the report on A.
    b.revoke_report(&hotline, r3.id).await.unwrap();
    eventually("a applies the revocation", || lookup_count(&a, &bank, "three-example.net") == 0).await;
    // Discovery settings and hash sets.
    b.set_reports_discoverable(None, "hotline", true).await.unwrap();
    eventually("a applies the discovery setting", || {
        let p = a.local_principal("hotline").unwrap();
        a.discovery_setting(&p).reports_discoverable
    })
    .await;
    let set = serde_json::json!({"name": "s", "category": "csam", "source": "q", "tlp": "RED", "audience": {"organizations": ["bank"]}});
    a.create_hash_set(&hotline, serde_json::from_value(set).unwrap()).await.unwrap();
    eventually("b applies the hash set", || b.list_hash_sets(&bank.viewer).len() == 1).await;

    // The bank's stream on B: report, alert, report, campaign, alert, report (GREEN), revoked;
    // every event once, no internal one, although the store holds them.
    let mut got = Vec::new();
    while got.len() < 7 {
        let item =
            tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("in time").unwrap();
        let engine::StreamItem::Event(v) = item else { panic!("{item:?}") };
        got.push(v.event_type());
    }
    use EventType::*;
    assert_eq!(
        got,
        [
            ReportCreated,
            AlertRaised,
            ReportCreated,
            CampaignChanged,
            AlertRaised,
            ReportCreated,
            ReportRevoked
        ]
    );
    let stored = store.events_after(0, 1000).await.unwrap();
    assert!(stored.iter().any(|e| e.event_type() == StateChanged), "state changes are stored");
    assert!(tokio::time::timeout(Duration::from_millis(300), stream.next()).await.is_err(), "nothing more");
    // Nobody reads an internal event, not even an operator admin from the first event.
    let csirt = a.local_principal("csirt").unwrap();
    for e in [&a, &b] {
        let all = e
            .events_page(
                &csirt.viewer,
                &StreamRequest { after: Some("0".into()), ..Default::default() },
                1000,
            )
            .await
            .unwrap();
        assert!(all.iter().all(|v| !v.event_type().is_internal()));
    }
    assert_eq!(a.applied_seq(), stored.last().unwrap().seq);
    eventually("b applied every event", || b.applied_seq() == stored.last().unwrap().seq).await;
}

#[tokio::test]
async fn writes_on_one_node_are_applied_on_the_other_through_the_bus() {
    writes_on_one_node_are_applied_on_the_other(true).await;
}

#[tokio::test]
async fn writes_on_one_node_are_applied_on_the_other_by_polling_the_store() {
    writes_on_one_node_are_applied_on_the_other(false).await;
}
