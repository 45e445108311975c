//! Events through the engine: every write path records its events with the change, readers see
//! exactly what the visibility function admits, and streams deliver every event once in `seq`
//! order even when the bus reorders, repeats or loses events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::{
    Engine, EngineOptions, EventBus, EventView, HashQueryInput, HashSetInput, ImportFormat, InProcessBus,
    MatchRequest, StreamItem, StreamOptions, StreamRequest, Subscription,
};
use model::Role;
use model::event::{Event, EventType};
use model::hashlist::HashKind;
use store::SqliteStore;

use super::{as_role, engine, report};

fn from_start() -> StreamRequest {
    StreamRequest { after: Some("0".into()), ..Default::default() }
}

fn types(events: &[EventView]) -> Vec<EventType> {
    events.iter().map(EventView::event_type).collect()
}

const PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

#[tokio::test]
async fn every_write_path_records_its_events_for_their_readers_only() {
    let e = engine().await;
    let hotline = as_role(&e, "hotline", Role::Analyst).await;
    let hotline_reader = as_role(&e, "hotline", Role::Reader).await;
    let bank = as_role(&e, "bank", Role::Analyst).await;
    let csirt = as_role(&e, "csirt", Role::Analyst).await;
    let iban = ("iban", "GB82 WEST 1234 5698 7654 32");

    // The bank watches its mule IBAN.
    let rule =
        serde_json::json!({"name": "mules", "rule": {"type": "watch", "selectors": [{"value": iban.1}]}});
    e.create_alert_rule(&bank, serde_json::from_value(rule).unwrap()).await.unwrap();
    // Two AMBER reports to the fraud community (bank and hotline) sharing the IBAN: a campaign
    // and two alerts for the bank; the csirt sees none of it.
    let mut first = report("first", "AMBER", &[iban, ("phone", "+1 888 839 1214")]);
    first.audience.communities = vec!["fraud".into()];
    let first = e.submit(&hotline, first).await.unwrap();
    let mut second = report("second", "AMBER", &[iban]);
    second.audience.communities = vec!["fraud".into()];
    e.submit(&hotline, second).await.unwrap();
    use EventType::*;
    let seen = async |who: &engine::Principal| e.events_page(&who.viewer, &from_start(), 100).await.unwrap();
    // The second report joined the first's campaign; the bank's rule fired for both.
    assert_eq!(types(&seen(&hotline).await), [ReportCreated, ReportCreated, CampaignChanged]);
    let bank_view = seen(&bank).await;
    assert_eq!(types(&bank_view), [ReportCreated, AlertRaised, ReportCreated, CampaignChanged, AlertRaised]);
    let model::event::EventPayload::CampaignChanged(c) = &bank_view[3].payload else { panic!() };
    assert_eq!(c.reports, Some(2));
    assert!(seen(&csirt).await.is_empty());

    e.revoke_report(&hotline, first.id).await.unwrap();
    // A hash set of the hotline's, RED to the bank, matched by the bank.
    let set: HashSetInput = serde_json::from_value(serde_json::json!({
        "name": "confirmed", "category": "csam", "source": "queue", "tlp": "RED",
        "audience": {"organizations": ["bank"]}}))
    .unwrap();
    let set = e.create_hash_set(&hotline, set).await.unwrap();
    e.import_hash_entries(
        &hotline,
        set.id,
        ImportFormat::Csv { default: HashKind::Pdq },
        &format!("{PDQ},100,x\n"),
    )
    .await
    .unwrap();
    let query = HashQueryInput { kind: None, value: PDQ.into(), quality: None };
    let m = e.match_hashes(&bank, MatchRequest { hashes: vec![query], radius: None }).await.unwrap();
    assert_eq!(m.matches.len(), 1);

    let hotline_view = seen(&hotline).await;
    assert_eq!(types(&hotline_view), [ReportCreated, ReportCreated, ReportRevoked, SightingRecorded]);
    // Sightings are for the owner's analysts and admins. The campaign is gone once the first
    // report is revoked: its event is delivered to nobody any more.
    assert_eq!(types(&seen(&hotline_reader).await), [ReportCreated, ReportCreated, ReportRevoked]);
    let bank_view = seen(&bank).await;
    assert_eq!(
        types(&bank_view),
        [ReportCreated, AlertRaised, ReportCreated, AlertRaised, ReportRevoked, HashMatched]
    );
    assert!(seen(&csirt).await.is_empty());
    // One event, one id, whoever reads it; different events, different ids.
    assert_eq!(hotline_view[0].id, bank_view[0].id);
    assert_eq!(hotline_view[2].id, bank_view[4].id);
    let ids: std::collections::HashSet<&String> =
        hotline_view.iter().chain(&bank_view).map(|v| &v.id).collect();
    assert_eq!(ids.len(), 7, "4 for the hotline, 6 for the bank, 3 of them the same");
    // Nothing of the match itself: the queried hash is in no event.
    for v in hotline_view.iter().chain(&bank_view) {
        let json = serde_json::to_string(v).unwrap();
        assert!(!json.contains(PDQ), "{json}");
    }
    // Resuming after an id skips what came before it, whatever the reader.
    let after_second = StreamRequest { after: Some(bank_view[2].id.clone()), ..Default::default() };
    let rest = e.events_page(&bank.viewer, &after_second, 100).await.unwrap();
    assert_eq!(types(&rest), [AlertRaised, ReportRevoked, HashMatched]);
}

/// A bus that delivers each batch late, reversed, twice, and loses every third event: what a
/// bus spanning nodes may do. Streams must still deliver every event once, in order.
#[derive(Debug, Default)]
struct UnreliableBus {
    inner: InProcessBus,
    held: Mutex<Vec<Arc<Event>>>,
    count: Mutex<usize>,
}

impl EventBus for UnreliableBus {
    fn publish(&self, events: &[Arc<Event>]) {
        let mut held = self.held.lock().unwrap();
        let mut count = self.count.lock().unwrap();
        for e in events {
            *count += 1;
            if !(*count).is_multiple_of(3) {
                held.push(Arc::clone(e));
            }
        }
        // Hold events back until three are waiting, then send them newest first, twice.
        if held.len() >= 3 {
            let batch: Vec<Arc<Event>> = held.drain(..).rev().collect();
            self.inner.publish(&batch);
            self.inner.publish(&batch);
        }
    }

    fn subscribe(&self) -> Subscription {
        self.inner.subscribe()
    }
}

#[tokio::test]
async fn streams_deliver_every_event_once_in_order_over_an_unreliable_bus() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let options = EngineOptions { bus: Some(Arc::new(UnreliableBus::default())), ..EngineOptions::default() };
    let e = Arc::new(Engine::open(Arc::new(store), options).await.unwrap());
    e.create_org(None, "hotline", false).await.unwrap();
    let hotline = e.local_principal("hotline").unwrap();
    let request = StreamRequest { types: vec![EventType::ReportCreated], ..Default::default() };
    let mut stream = e.stream(hotline.clone(), request, StreamOptions::default()).await.unwrap();
    let n = 30;
    let mut got = Vec::new();
    for i in 0..n {
        let md5 = format!("{i:032x}");
        e.submit(&hotline, report(&format!("r{i}"), "GREEN", &[("md5", &md5)])).await.unwrap();
    }
    // The last events may still be held by the bus: one more write flushes it.
    e.submit(&hotline, report("flush", "GREEN", &[("md5", "f0000000000000000000000000000000")]))
        .await
        .unwrap();
    e.submit(&hotline, report("flush", "GREEN", &[("md5", "f1000000000000000000000000000000")]))
        .await
        .unwrap();
    e.submit(&hotline, report("flush", "GREEN", &[("md5", "f2000000000000000000000000000000")]))
        .await
        .unwrap();
    while got.len() < n {
        let item = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("in time")
            .expect("open");
        let StreamItem::Event(v) = item else { panic!("{item:?}") };
        let model::event::EventPayload::ReportCreated(r) = &v.payload else { panic!("{v:?}") };
        got.push(r.title.clone());
    }
    assert_eq!(got, (0..n).map(|i| format!("r{i}")).collect::<Vec<_>>());
}

/// Hit/no-hit: an access request tells each owner who asks about which selector and the
/// requester that its request is out (never to whom); a grant is a `report.updated` the
/// requester now reads. Nobody else sees any of it.
#[tokio::test]
async fn access_requests_and_grants_are_events_for_their_parties_only() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let e = Engine::open(Arc::new(store), EngineOptions::default()).await.unwrap();
    for org in ["owner", "requester", "third"] {
        e.create_org(None, org, false).await.unwrap();
    }
    let owner = as_role(&e, "owner", Role::Analyst).await;
    let requester = as_role(&e, "requester", Role::Analyst).await;
    let third = as_role(&e, "third", Role::Admin).await;
    let mut input = report("held", "AMBER+STRICT", &[("phone", "+1 888 839 1214")]);
    input.discoverable = Some(true);
    let held = e.submit(&owner, input).await.unwrap();
    let selector = engine::SelectorInput { kind: None, value: "+1 888 839 1214".into() };
    let sent = e.request_access(&requester, &selector).await.unwrap();
    // Asked again: the same request, no new event.
    e.request_access(&requester, &selector).await.unwrap();

    use EventType::*;
    let seen = async |who: &engine::Principal| e.events_page(&who.viewer, &from_start(), 100).await.unwrap();
    let to_owner = seen(&owner).await;
    assert_eq!(types(&to_owner), [ReportCreated, AccessRequested]);
    let by_requester = seen(&requester).await;
    assert_eq!(types(&by_requester), [AccessRequested]);
    let json = |v: &EventView| serde_json::to_value(v).unwrap()["data"].clone();
    assert_eq!(
        json(&to_owner[1]),
        serde_json::json!({"id": sent.routed[0].id, "requester": "requester", "owner": "owner",
                           "selector_kind": "phone", "selector_value": "+18888391214"})
    );
    assert_eq!(
        json(&by_requester[0]),
        serde_json::json!({"id": sent.request.id, "requester": "requester",
                           "selector_kind": "phone", "selector_value": "+18888391214"})
    );
    assert!(seen(&third).await.is_empty());

    e.grant_access_request(&owner, sent.routed[0].id).await.unwrap();
    let by_requester = seen(&requester).await;
    assert_eq!(types(&by_requester), [AccessRequested, ReportUpdated]);
    let model::event::EventPayload::ReportUpdated(r) = &by_requester[1].payload else { panic!() };
    assert_eq!((r.id, r.title.as_str()), (held.id, "held"));
    assert_eq!(types(&seen(&owner).await), [ReportCreated, AccessRequested, ReportUpdated]);
    assert!(seen(&third).await.is_empty());
}
