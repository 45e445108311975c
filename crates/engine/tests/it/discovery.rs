//! Hit/no-hit: discoverable reports, `held_elsewhere`, and the access request flow.

use std::sync::Arc;

use engine::{
    CampaignQuery, Engine, EngineError, EngineOptions, ExpandQuery, GraphLimits, Principal, SelectorInput,
};
use model::discovery::AccessRequestStatus;
use model::{ReportInput, Role};
use serde_json::json;
use store::SqliteStore;

use crate::as_role;

const PHONE: &str = "+1 888 839 1214";
const IBAN: &str = "GB82 WEST 1234 5698 7654 32";

/// Owner, requester and a third organisation, none in a community with another.
async fn cast(store: SqliteStore) -> Engine {
    let e = Engine::open(Arc::new(store), EngineOptions::default()).await.unwrap();
    for org in ["owner", "requester", "third"] {
        e.create_org(None, org, false).await.unwrap();
    }
    e
}

async fn engine() -> Engine {
    cast(SqliteStore::open_in_memory().await.unwrap()).await
}

fn report(tlp: &str, discoverable: Option<bool>, observables: &[(&str, &str)]) -> ReportInput {
    let mut v = json!({
        "kind": "scam",
        "title": format!("{tlp} report"),
        "tlp": tlp,
        "observables": observables.iter().map(|(k, v)| json!({"kind": k, "value": v})).collect::<Vec<_>>(),
    });
    if let Some(d) = discoverable {
        v["discoverable"] = json!(d);
    }
    serde_json::from_value(v).unwrap()
}

fn selector(value: &str) -> SelectorInput {
    SelectorInput { kind: None, value: value.into() }
}

/// Lookup and check answers as JSON: what the API serialises.
fn answers(e: &Engine, who: &Principal, value: &str) -> (serde_json::Value, serde_json::Value) {
    let lookup = serde_json::to_value(e.lookup(&who.viewer, None, value, None).unwrap()).unwrap();
    let check = serde_json::to_value(e.check(&who.viewer, &[selector(value)]).unwrap()).unwrap();
    (lookup, check)
}

fn held(e: &Engine, who: &Principal, value: &str) -> bool {
    let lookup = e.lookup(&who.viewer, None, value, None).unwrap().held_elsewhere;
    let check = e.check(&who.viewer, &[selector(value)]).unwrap()[0].held_elsewhere;
    assert_eq!(lookup, check, "lookup and check agree on {value}");
    lookup
}

#[tokio::test]
async fn request_grant_and_read() {
    let e = engine().await;
    let owner = as_role(&e, "owner", Role::Analyst).await;
    let requester = as_role(&e, "requester", Role::Analyst).await;
    let requester_reader = as_role(&e, "requester", Role::Reader).await;
    let third = as_role(&e, "third", Role::Admin).await;

    // The requester holds the phone itself; the owner's report, discoverable, holds it too.
    e.submit(&requester, report("AMBER", None, &[("phone", PHONE)])).await.unwrap();
    let hidden = e
        .submit(&owner, report("AMBER+STRICT", Some(true), &[("phone", PHONE), ("iban", IBAN)]))
        .await
        .unwrap();
    assert_eq!(hidden.discoverable, Some(true), "the author sees its flag");
    let listed = e.list_reports(&owner.viewer, &Default::default(), None, None).await.unwrap();
    assert_eq!(listed.items[0].discoverable, Some(true));

    // Before: the requester counts its own report only, and learns the phone is held elsewhere.
    let lookup = e.lookup(&requester.viewer, None, PHONE, None).unwrap();
    assert_eq!((lookup.count, lookup.held_elsewhere), (1, true));
    assert!(held(&e, &requester, IBAN));
    assert!(held(&e, &third, PHONE), "any organisation that cannot read it may learn it is held");
    assert!(!held(&e, &owner, PHONE), "the owner reads its own report");
    let (json_lookup, json_check) = answers(&e, &requester, IBAN);
    assert_eq!(json_lookup["held_elsewhere"], true);
    assert_eq!(json_lookup["count"], 0);
    assert_eq!(json_lookup["organizations"], json!([]), "no organisation named: {json_lookup}");
    assert_eq!(json_check[0]["held_elsewhere"], true);
    assert_eq!(json_check[0]["report_ids"], json!([]));
    assert!(matches!(e.get_report(&requester.viewer, hidden.id).await, Err(EngineError::NotFound { .. })));

    // The graph and campaigns as the requester sees them before (its hub index is cached now).
    let node = "phone:+18888391214";
    let expanded = e
        .graph_expand(&requester.viewer, node, &ExpandQuery::default(), &GraphLimits::default())
        .await
        .unwrap();
    assert_eq!(expanded.total, 1);
    let campaigns = |who: &Principal| {
        e.list_campaigns(
            &who.viewer,
            &CampaignQuery {
                selector: Some((None, PHONE.into())),
                min_reports: Some(2),
                ..Default::default()
            },
        )
        .unwrap()
    };
    assert!(campaigns(&requester).is_empty());

    // The request: pending, routed to the owner alone; sent again, it is the same request.
    let sent = e.request_access(&requester_reader, &selector(PHONE)).await.unwrap();
    assert_eq!(sent.request.status, AccessRequestStatus::Pending);
    assert_eq!((sent.request.kind.as_str(), sent.request.value.as_str()), ("phone", "+18888391214"));
    assert_eq!(sent.routed.len(), 1);
    assert_eq!(sent.routed[0].owner, owner.viewer.org);
    let again = e.request_access(&requester, &selector("+1 (888) 839-1214")).await;
    let again = again.unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(again.request.id, sent.request.id);
    assert!(again.routed.is_empty(), "one pending request per requester, owner and selector");
    let outgoing = e.list_outgoing_access_requests(&requester_reader, None, None).await.unwrap();
    assert_eq!(outgoing.items.len(), 1);
    assert_eq!(outgoing.items[0].id, sent.request.id);
    assert_eq!(outgoing.items[0].status, AccessRequestStatus::Pending);

    // The owner sees who asked and which selector; nobody else sees anything of it.
    let incoming = e.list_incoming_access_requests(&owner, None, None, None).await.unwrap();
    assert_eq!(incoming.items.len(), 1);
    let asked = &incoming.items[0];
    assert_eq!((asked.requester.as_str(), asked.value.as_str()), ("requester", "+18888391214"));
    let as_json = serde_json::to_value(asked).unwrap();
    let mut keys: Vec<&str> = as_json.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "id", "kind", "requester", "status", "value"], "never more: {as_json}");
    assert!(e.list_incoming_access_requests(&third, None, None, None).await.unwrap().items.is_empty());
    assert!(e.list_incoming_access_requests(&requester, None, None, None).await.unwrap().items.is_empty());
    assert!(e.list_outgoing_access_requests(&third, None, None).await.unwrap().items.is_empty());
    assert!(matches!(e.grant_access_request(&third, asked.id).await, Err(EngineError::NotFound { .. })));
    assert!(matches!(e.grant_access_request(&requester, asked.id).await, Err(EngineError::NotFound { .. })));
    let owner_reader = as_role(&e, "owner", Role::Reader).await;
    assert!(matches!(
        e.list_incoming_access_requests(&owner_reader, None, None, None).await,
        Err(EngineError::Forbidden(_))
    ));
    assert!(matches!(e.grant_access_request(&owner_reader, asked.id).await, Err(EngineError::Forbidden(_))));

    // Granted: the requester joins the report's audience and reads it everywhere.
    let grant = e.grant_access_request(&owner, asked.id).await.unwrap();
    assert_eq!(grant.reports, vec![hidden.id]);
    assert_eq!(grant.request.status, AccessRequestStatus::Granted);
    assert!(matches!(e.grant_access_request(&owner, asked.id).await, Err(EngineError::Conflict(_))));
    assert!(matches!(e.decline_access_request(&owner, asked.id).await, Err(EngineError::Conflict(_))));
    let read = e.get_report(&requester.viewer, hidden.id).await.unwrap();
    assert_eq!(read.audience.organizations, vec!["requester"]);
    assert_eq!(read.discoverable, None, "the flag is the author's business");
    let lookup = e.lookup(&requester.viewer, None, PHONE, None).unwrap();
    assert_eq!((lookup.count, lookup.held_elsewhere), (2, false));
    assert!(lookup.occurrences.iter().any(|o| o.report_id == hidden.id));
    assert!(!held(&e, &requester, IBAN), "the whole report is shared, its IBAN too");
    assert_eq!(e.lookup(&requester.viewer, None, IBAN, None).unwrap().count, 1);
    let expanded = e
        .graph_expand(&requester.viewer, node, &ExpandQuery::default(), &GraphLimits::default())
        .await
        .unwrap();
    assert_eq!(expanded.total, 2, "the link graph and the cached hub index follow the grant");
    assert_eq!(campaigns(&requester).len(), 1, "campaigns link the newly visible report");
    assert_eq!(campaigns(&requester)[0].reports, 2);
    let outgoing = e.list_outgoing_access_requests(&requester, None, None).await.unwrap();
    assert_eq!(outgoing.items[0].status, AccessRequestStatus::Granted);

    // The third organisation learns nothing new: still hidden, still merely "held elsewhere".
    assert!(matches!(e.get_report(&third.viewer, hidden.id).await, Err(EngineError::NotFound { .. })));
    let lookup = e.lookup(&third.viewer, None, PHONE, None).unwrap();
    assert_eq!((lookup.count, lookup.held_elsewhere), (0, true));
    assert!(
        e.graph_expand(&third.viewer, node, &ExpandQuery::default(), &GraphLimits::default()).await.is_err()
    );
}

#[tokio::test]
async fn decline_and_ask_again() {
    let e = engine().await;
    let owner = as_role(&e, "owner", Role::Admin).await;
    let requester = as_role(&e, "requester", Role::Reader).await;
    let hidden = e.submit(&owner, report("AMBER", Some(true), &[("phone", PHONE)])).await.unwrap();
    let sent = e.request_access(&requester, &selector(PHONE)).await.unwrap();
    let id = sent.routed[0].id;
    let declined = e.decline_access_request(&owner, id).await.unwrap();
    assert_eq!(declined.status, AccessRequestStatus::Declined);
    assert!(declined.decided_at.is_some());
    let incoming = e
        .list_incoming_access_requests(&owner, Some(AccessRequestStatus::Pending), None, None)
        .await
        .unwrap();
    assert!(incoming.items.is_empty());
    let outgoing = e.list_outgoing_access_requests(&requester, None, None).await.unwrap();
    assert_eq!(outgoing.items[0].status, AccessRequestStatus::Declined);
    assert!(matches!(e.get_report(&requester.viewer, hidden.id).await, Err(EngineError::NotFound { .. })));
    assert!(held(&e, &requester, PHONE));
    // A new request after a decline is a new request.
    let again = e.request_access(&requester, &selector(PHONE)).await.unwrap();
    assert_ne!(again.request.id, sent.request.id);
    assert_eq!(again.request.status, AccessRequestStatus::Pending);
    let outgoing = e.list_outgoing_access_requests(&requester, None, Some(1)).await.unwrap();
    assert_eq!(outgoing.items.len(), 1);
    assert_eq!(outgoing.items[0].id, sent.request.id, "oldest first");
    let next = outgoing.next_cursor.expect("a second page");
    let page = e.list_outgoing_access_requests(&requester, Some(&next), Some(1)).await.unwrap();
    assert_eq!(page.items[0].id, again.request.id);
    assert!(page.next_cursor.is_none());
    // The owner revokes the report: nothing is held elsewhere, and a grant has nothing to open.
    e.revoke_report(&owner, hidden.id).await.unwrap();
    assert!(!held(&e, &requester, PHONE));
    let grant = e.grant_access_request(&owner, again.routed[0].id).await;
    assert!(matches!(grant, Err(EngineError::Conflict(_))), "{grant:?}");
}

/// Without the mark nothing changes: a hidden report answers exactly like none, and requests
/// about it are refused exactly like requests about a value nobody holds.
#[tokio::test]
async fn not_discoverable_is_indistinguishable_from_never_existed() {
    let e = engine().await;
    let owner = as_role(&e, "owner", Role::Analyst).await;
    let requester = as_role(&e, "requester", Role::Analyst).await;
    let before = answers(&e, &requester, PHONE);
    let hidden = e.submit(&owner, report("AMBER", None, &[("phone", PHONE)])).await.unwrap();
    e.submit(&owner, report("AMBER", Some(false), &[("iban", IBAN)])).await.unwrap();
    e.submit(&owner, report("RED", None, &[("phone", "+1 888 839 1215")])).await.unwrap();
    assert_eq!(answers(&e, &requester, PHONE), before, "byte-identical to never-existed");
    assert!(answers(&e, &requester, PHONE).0.get("held_elsewhere").is_none());
    assert!(!held(&e, &requester, IBAN));

    let refusal = |r: Result<engine::RequestedAccess, EngineError>| match r {
        Err(err @ EngineError::NotFound { .. }) => err.to_string(),
        other => panic!("expected not found, got {other:?}"),
    };
    let hidden_answer = refusal(e.request_access(&requester, &selector(PHONE)).await);
    let never_answer = refusal(e.request_access(&requester, &selector("+1 888 839 1299")).await);
    assert_eq!(hidden_answer, never_answer);
    // A value the requester reads itself (a GREEN report) is refused the same way.
    e.submit(&owner, report("GREEN", Some(true), &[("phone", "+1 888 839 1216")])).await.unwrap();
    assert_eq!(refusal(e.request_access(&requester, &selector("+1 888 839 1216")).await), never_answer);
    // Nothing was recorded for anyone.
    assert!(e.list_incoming_access_requests(&owner, None, None, None).await.unwrap().items.is_empty());
    assert!(e.list_outgoing_access_requests(&requester, None, None).await.unwrap().items.is_empty());
    // Marked later, the same report is discoverable.
    let marked = e.set_report_discoverable(&owner, hidden.id, Some(true)).await.unwrap();
    assert_eq!(marked.discoverable, Some(true));
    assert!(held(&e, &requester, PHONE));
    e.set_report_discoverable(&owner, hidden.id, None).await.unwrap();
    assert_eq!(answers(&e, &requester, PHONE), before);
}

#[tokio::test]
async fn red_is_never_discoverable() {
    let e = engine().await;
    let owner = as_role(&e, "owner", Role::Analyst).await;
    let owner_admin = as_role(&e, "owner", Role::Admin).await;
    let requester = as_role(&e, "requester", Role::Analyst).await;
    let refused = e.submit(&owner, report("RED", Some(true), &[("phone", PHONE)])).await;
    match refused {
        Err(EngineError::Invalid { field, message }) => {
            assert_eq!(field, "discoverable");
            assert!(message.contains("TLP:RED"), "{message}");
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    let red = e.submit(&owner, report("RED", Some(false), &[("phone", PHONE)])).await.unwrap();
    assert!(matches!(
        e.set_report_discoverable(&owner, red.id, Some(true)).await,
        Err(EngineError::Invalid { .. })
    ));
    // Not even the organisation-wide setting makes it discoverable.
    let red = e.submit(&owner, report("RED", None, &[("iban", IBAN)])).await.unwrap();
    e.set_reports_discoverable(Some(&owner_admin), "owner", true).await.unwrap();
    assert!(!held(&e, &requester, IBAN));
    assert!(!held(&e, &requester, PHONE));
    assert_eq!(e.get_report(&owner.viewer, red.id).await.unwrap().discoverable, Some(false));
}

#[tokio::test]
async fn the_organisation_setting_covers_reports_without_a_flag() {
    let e = engine().await;
    let owner = as_role(&e, "owner", Role::Analyst).await;
    let owner_admin = as_role(&e, "owner", Role::Admin).await;
    let requester = as_role(&e, "requester", Role::Admin).await;
    let plain = e.submit(&owner, report("AMBER", None, &[("phone", PHONE)])).await.unwrap();
    e.submit(&owner, report("AMBER+STRICT", Some(false), &[("iban", IBAN)])).await.unwrap();
    assert!(!held(&e, &requester, PHONE));
    assert_eq!(plain.discoverable, Some(false));

    // Only the organisation's own admins change it.
    assert!(matches!(
        e.set_reports_discoverable(Some(&owner), "owner", true).await,
        Err(EngineError::Forbidden(_))
    ));
    assert!(matches!(
        e.set_reports_discoverable(Some(&requester), "owner", true).await,
        Err(EngineError::Forbidden(_))
    ));
    assert!(!e.discovery_setting(&owner).reports_discoverable);
    let on = e.set_reports_discoverable(Some(&owner_admin), "owner", true).await.unwrap();
    assert!(on.reports_discoverable);
    assert!(e.discovery_setting(&owner).reports_discoverable);
    assert!(held(&e, &requester, PHONE), "a report without a flag follows the setting");
    assert!(!held(&e, &requester, IBAN), "a report that says no stays undiscoverable");
    assert_eq!(e.get_report(&owner.viewer, plain.id).await.unwrap().discoverable, Some(true));
    // New reports follow it too.
    e.submit(&owner, report("AMBER", None, &[("phone", "+1 888 839 1217")])).await.unwrap();
    assert!(held(&e, &requester, "+1 888 839 1217"));
    // Requests flow as for a marked report.
    let sent = e.request_access(&requester, &selector(PHONE)).await.unwrap();
    assert_eq!(sent.routed[0].owner, owner.viewer.org);
    e.set_reports_discoverable(None, "owner", false).await.unwrap();
    assert!(!held(&e, &requester, PHONE));
    assert!(matches!(
        e.request_access(&requester, &selector(PHONE)).await,
        Err(EngineError::NotFound { .. })
    ));
}

/// Several owners: the request is recorded once per owner and the requester sees one request;
/// one grant is enough for it to read as `granted`.
#[tokio::test]
async fn a_request_reaches_every_owner_and_reads_as_one() {
    let e = engine().await;
    let owner = as_role(&e, "owner", Role::Analyst).await;
    let third = as_role(&e, "third", Role::Analyst).await;
    let requester = as_role(&e, "requester", Role::Analyst).await;
    e.submit(&owner, report("AMBER", Some(true), &[("phone", PHONE)])).await.unwrap();
    e.submit(&third, report("AMBER", Some(true), &[("phone", PHONE)])).await.unwrap();
    let sent = e.request_access(&requester, &selector(PHONE)).await.unwrap();
    assert_eq!(sent.routed.len(), 2);
    assert!(sent.routed.iter().all(|r| r.request_id == sent.request.id));
    let outgoing = e.list_outgoing_access_requests(&requester, None, None).await.unwrap();
    assert_eq!(outgoing.items.len(), 1, "one request, whatever the number of owners");
    let to_owner = e.list_incoming_access_requests(&owner, None, None, None).await.unwrap().items;
    let to_third = e.list_incoming_access_requests(&third, None, None, None).await.unwrap().items;
    assert_eq!((to_owner.len(), to_third.len()), (1, 1));
    e.decline_access_request(&third, to_third[0].id).await.unwrap();
    let status = e.list_outgoing_access_requests(&requester, None, None).await.unwrap().items[0].status;
    assert_eq!(status, AccessRequestStatus::Pending, "the owner has not decided yet");
    e.grant_access_request(&owner, to_owner[0].id).await.unwrap();
    let status = e.list_outgoing_access_requests(&requester, None, None).await.unwrap().items[0].status;
    assert_eq!(status, AccessRequestStatus::Granted);
    let lookup = e.lookup(&requester.viewer, None, PHONE, None).unwrap();
    assert_eq!((lookup.count, lookup.held_elsewhere), (1, true), "the third's report stays hidden");
}

/// Flags, the organisation setting and granted audiences are stored: an engine opened again on
/// the same store answers the same.
#[tokio::test]
async fn discovery_survives_a_restart() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let e = cast(store.clone()).await;
    let owner = as_role(&e, "owner", Role::Admin).await;
    let requester = as_role(&e, "requester", Role::Analyst).await;
    let granted = e.submit(&owner, report("AMBER", Some(true), &[("phone", PHONE)])).await.unwrap();
    e.submit(&owner, report("AMBER", None, &[("iban", IBAN)])).await.unwrap();
    e.set_reports_discoverable(Some(&owner), "owner", true).await.unwrap();
    let sent = e.request_access(&requester, &selector(PHONE)).await.unwrap();
    e.grant_access_request(&owner, sent.routed[0].id).await.unwrap();
    drop(e);

    let e = Engine::open(Arc::new(store), EngineOptions::default()).await.unwrap();
    let requester = e.local_principal("requester").unwrap();
    assert!(held(&e, &requester, IBAN), "the organisation setting is stored");
    assert!(!held(&e, &requester, PHONE));
    assert_eq!(e.get_report(&requester.viewer, granted.id).await.unwrap().id, granted.id);
    let outgoing = e.list_outgoing_access_requests(&requester, None, None).await.unwrap();
    assert_eq!(outgoing.items[0].status, AccessRequestStatus::Granted);
}
