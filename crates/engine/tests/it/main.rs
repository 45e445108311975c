//! The engine's use cases on a real store: permissions, durability, listings, correlation.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, Utc};
use engine::{Engine, EngineError, EngineOptions, Principal, ReportFilter, SelectorInput};
use model::{ObservableKind, ReportInput, ReportKind, Role};
use store::SqliteStore;

mod campaigns;
mod discovery;
mod events;
mod graph;
mod hashlists;
mod nodes;
mod taxii;

/// An engine holding the demo dataset with `reports` reports, loaded as each author.
pub(crate) async fn demo_engine(reports: usize) -> (Engine, demo::Dataset) {
    let dataset = demo::generate(&demo::DemoConfig { reports, ..Default::default() });
    let store = SqliteStore::open_in_memory().await.unwrap();
    // The built-in warning lists, as `dragnet` always loads them.
    let options = EngineOptions { warninglists: extract::WarningLists::builtin(), ..Default::default() };
    let e = Engine::open(Arc::new(store), options).await.unwrap();
    for o in &dataset.orgs {
        e.create_org(None, &o.name, o.operator).await.unwrap();
    }
    for c in &dataset.communities {
        e.create_community(None, &c.name, &c.members).await.unwrap();
    }
    let principals: HashMap<&str, engine::Principal> =
        dataset.orgs.iter().map(|o| (o.name.as_str(), e.local_principal(&o.name).unwrap())).collect();
    for chunk in dataset.reports.chunks(1_000) {
        let records = chunk.iter().map(|r| (&principals[r.author.as_str()], Ok(r.input.clone()))).collect();
        let out = e.import(records).await.unwrap();
        assert!(out.rejected.is_empty(), "{:?}", out.rejected.first());
    }
    (e, dataset)
}

async fn engine() -> Engine {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let e = Engine::open(
        Arc::new(store),
        EngineOptions { default_region: Some("US".into()), ..EngineOptions::default() },
    )
    .await
    .unwrap();
    e.create_org(None, "csirt", true).await.unwrap();
    e.create_org(None, "bank", false).await.unwrap();
    e.create_org(None, "hotline", false).await.unwrap();
    e.create_community(None, "fraud", &["bank".into(), "hotline".into()]).await.unwrap();
    e
}

fn report(title: &str, tlp: &str, observables: &[(&str, &str)]) -> ReportInput {
    serde_json::from_value(serde_json::json!({
        "kind": "scam",
        "title": title,
        "tlp": tlp,
        "observables": observables.iter().map(|(k, v)| serde_json::json!({"kind": k, "value": v})).collect::<Vec<_>>(),
    }))
    .unwrap()
}

async fn as_role(e: &Engine, org: &str, role: Role) -> Principal {
    let t = e.create_token(None, org, role, "test", None).await.unwrap();
    e.authenticate(&t.token).await.unwrap()
}

#[tokio::test]
async fn tokens_authenticate_until_revoked_or_expired() {
    let e = engine().await;
    let t = e.create_token(None, "bank", Role::Analyst, "ops", None).await.unwrap();
    let p = e.authenticate(&t.token).await.unwrap();
    assert_eq!(p.org_name, "bank");
    assert_eq!(p.viewer.role, Role::Analyst);
    assert_eq!(p.viewer.communities.len(), 1, "bank is in the fraud community");
    assert!(matches!(e.authenticate("dn_0000").await, Err(EngineError::Unauthenticated)));
    assert!(matches!(e.authenticate("garbage").await, Err(EngineError::Unauthenticated)));
    e.revoke_token(None, t.info.id).await.unwrap();
    assert!(matches!(e.authenticate(&t.token).await, Err(EngineError::Unauthenticated)));
    let past = e.create_token(None, "bank", Role::Reader, "old", Some(Utc::now() - Duration::days(1))).await;
    assert!(matches!(past, Err(EngineError::Invalid { .. })));
}

#[tokio::test]
async fn admin_rights_follow_role_and_operator() {
    let e = engine().await;
    let bank_admin = as_role(&e, "bank", Role::Admin).await;
    let csirt_admin = as_role(&e, "csirt", Role::Admin).await;
    let bank_analyst = as_role(&e, "bank", Role::Analyst).await;
    assert!(matches!(e.create_org(Some(&bank_admin), "x", false).await, Err(EngineError::Forbidden(_))));
    e.create_org(Some(&csirt_admin), "x", false).await.unwrap();
    assert!(matches!(e.create_org(Some(&csirt_admin), " X ", false).await, Err(EngineError::Conflict(_))));
    // An admin manages its own organisation's tokens only; operators manage every one.
    e.create_token(Some(&bank_admin), "bank", Role::Reader, "", None).await.unwrap();
    let other = e.create_token(Some(&bank_admin), "hotline", Role::Reader, "", None).await;
    assert!(matches!(other, Err(EngineError::Forbidden(_))));
    let hotline_token = e.create_token(Some(&csirt_admin), "hotline", Role::Reader, "", None).await.unwrap();
    assert!(matches!(
        e.create_token(Some(&bank_analyst), "bank", Role::Reader, "", None).await,
        Err(EngineError::Forbidden(_))
    ));
    // A token of another organisation is "not found" for a non-operator admin.
    assert!(matches!(
        e.revoke_token(Some(&bank_admin), hotline_token.info.id).await,
        Err(EngineError::NotFound { .. })
    ));
    let listed = e.list_tokens(Some(&bank_admin)).await.unwrap();
    assert!(listed.iter().all(|t| t.organization == "bank"));
    assert!(e.list_tokens(Some(&csirt_admin)).await.unwrap().iter().any(|t| t.organization == "hotline"));
}

#[tokio::test]
async fn revocation_hides_a_report_from_everyone_but_its_author() {
    let e = engine().await;
    let hotline = as_role(&e, "hotline", Role::Analyst).await;
    let hotline_reader = as_role(&e, "hotline", Role::Reader).await;
    let bank = as_role(&e, "bank", Role::Analyst).await;
    let r = e.submit(&hotline, report("call", "GREEN", &[("phone", "+1 888 839 1214")])).await.unwrap();
    assert_eq!(e.lookup(&bank.viewer, None, "+18888391214", None).unwrap().count, 1);
    assert!(matches!(e.revoke_report(&bank, r.id).await, Err(EngineError::NotFound { .. })));
    assert!(matches!(e.revoke_report(&hotline_reader, r.id).await, Err(EngineError::Forbidden(_))));
    let revoked = e.revoke_report(&hotline, r.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(e.lookup(&bank.viewer, None, "+18888391214", None).unwrap().count, 0);
    assert!(matches!(e.get_report(&bank.viewer, r.id).await, Err(EngineError::NotFound { .. })));
    assert_eq!(e.get_report(&hotline.viewer, r.id).await.unwrap().id, r.id);
    let own = e.list_reports(&hotline.viewer, &ReportFilter::default(), None, None).await.unwrap();
    assert!(own.items.is_empty(), "revoked reports are left out of listings by default");
    let with_revoked = ReportFilter { include_revoked: true, ..Default::default() };
    assert_eq!(e.list_reports(&hotline.viewer, &with_revoked, None, None).await.unwrap().items.len(), 1);
}

#[tokio::test]
async fn the_index_is_rebuilt_from_the_store_on_reopen() {
    let dir = std::env::temp_dir().join(format!("dragnet-engine-{}", uuid::Uuid::now_v7()));
    let id;
    {
        let store = Arc::new(SqliteStore::open(&dir).await.unwrap());
        let e = Engine::open(store.clone(), EngineOptions::default()).await.unwrap();
        e.create_org(None, "a", false).await.unwrap();
        e.create_org(None, "b", false).await.unwrap();
        let a = e.local_principal("a").unwrap();
        id = e.submit(&a, report("x", "RED", &[("iban", "GB82 WEST 1234 5698 7654 32")])).await.unwrap().id;
        e.submit(&a, report("y", "GREEN", &[("iban", "GB82WEST12345698765432")])).await.unwrap();
        store.close().await;
    }
    let store = Arc::new(SqliteStore::open(&dir).await.unwrap());
    let e = Engine::open(store, EngineOptions::default()).await.unwrap();
    let a = e.local_principal("a").unwrap();
    let b = e.local_principal("b").unwrap();
    assert_eq!(e.index_sizes().0, 2);
    assert_eq!(
        e.lookup(&a.viewer, Some(ObservableKind::Iban), "gb82west12345698765432", None).unwrap().count,
        2
    );
    assert_eq!(
        e.lookup(&b.viewer, Some(ObservableKind::Iban), "gb82west12345698765432", None).unwrap().count,
        1
    );
    assert_eq!(e.get_report(&a.viewer, id).await.unwrap().tlp.as_str(), "RED");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn listings_filter_and_page_without_gaps() {
    let e = engine().await;
    let hotline = e.local_principal("hotline").unwrap();
    let bank = e.local_principal("bank").unwrap();
    for i in 0..25 {
        let mut r = report(
            &format!("r{i}"),
            if i % 5 == 0 { "RED" } else { "GREEN" },
            &[("phone", "+1 888 839 1214")],
        );
        if i % 2 == 0 {
            r.labels.push("even".into());
        }
        if i % 3 == 0 {
            r.kind = ReportKind::Intel;
        }
        e.submit(&hotline, r).await.unwrap();
    }
    // The bank sees the 20 GREEN reports; walk them 7 at a time.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page =
            e.list_reports(&bank.viewer, &ReportFilter::default(), cursor.as_deref(), Some(7)).await.unwrap();
        seen.extend(page.items.iter().map(|r| r.title.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 20);
    assert_eq!(seen[0], "r24", "newest first");
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 20);
    let f = |filter: ReportFilter| {
        let e = &e;
        let v = bank.viewer.clone();
        async move { e.list_reports(&v, &filter, None, Some(100)).await.unwrap().items.len() }
    };
    assert_eq!(f(ReportFilter { label: Some("even".into()), ..Default::default() }).await, 10);
    assert_eq!(f(ReportFilter { kind: Some(ReportKind::Intel), ..Default::default() }).await, 7);
    assert_eq!(f(ReportFilter { tlp: Some(model::Tlp::Red), ..Default::default() }).await, 0);
    assert_eq!(f(ReportFilter { author: Some("HOTLINE".into()), ..Default::default() }).await, 20);
    assert_eq!(f(ReportFilter { author: Some("nobody".into()), ..Default::default() }).await, 0);
    assert_eq!(
        f(ReportFilter { since: Some(Utc::now() + Duration::hours(1)), ..Default::default() }).await,
        0
    );
    let by_value = ReportFilter { observable: Some((None, "(888) 839-1214".into())), ..Default::default() };
    assert_eq!(f(by_value).await, 20);
    assert!(matches!(
        e.list_reports(&bank.viewer, &ReportFilter::default(), Some("nonsense"), None).await,
        Err(EngineError::Invalid { .. })
    ));
}

#[tokio::test]
async fn urls_correlate_with_their_domains_and_batches_keep_good_records() {
    let e = engine().await;
    let hotline = e.local_principal("hotline").unwrap();
    let bank = e.local_principal("bank").unwrap();
    let records = vec![
        Ok(report("url", "GREEN", &[("url", "HTTPS://Secure-Refund.help/pay?x=1")])),
        Err("invalid report json: expected value at line 1 column 1".to_string()),
        Ok(report("bad iban", "GREEN", &[("iban", "GB82 WEST 1234 5698 7654 33")])),
        Ok(report("bad tlp", "PURPLE", &[])),
        Ok(report("domain", "AMBER", &[("domain", "secure-refund.help")])),
        Ok(ReportInput { narrative: "nul \0 inside".into(), ..report("nul", "GREEN", &[]) }),
        Ok(report("nul value", "GREEN", &[("url", "https://example.com/\0")])),
    ];
    let outcome = e.submit_batch(&hotline, records).await.unwrap();
    assert_eq!(outcome.accepted.iter().map(|a| a.index).collect::<Vec<_>>(), [0, 4]);
    let rejected: Vec<_> = outcome.rejected.iter().map(|r| (r.index, r.error.code.as_str())).collect();
    assert_eq!(
        rejected,
        [
            (1, "invalid_input"),
            (2, "invalid_observable"),
            (3, "invalid_input"),
            (5, "invalid_input"),
            (6, "invalid_input")
        ]
    );
    assert!(outcome.rejected[1].error.message.starts_with("observables[0].value: invalid iban"));
    assert!(outcome.rejected[2].error.message.starts_with("tlp:"));
    // The URL's host correlates with the domain report; the AMBER one is hidden from the bank.
    let own = e.lookup(&hotline.viewer, Some(ObservableKind::Domain), "SECURE-REFUND.HELP.", None).unwrap();
    assert_eq!(own.count, 2);
    let bank_view = e.lookup(&bank.viewer, Some(ObservableKind::Domain), "secure-refund.help", None).unwrap();
    assert_eq!(bank_view.count, 1);
    let checked = e
        .check(
            &bank.viewer,
            &[
                SelectorInput { kind: None, value: "https://secure-refund.help/pay?x=1".into() },
                SelectorInput { kind: Some(ObservableKind::Iban), value: "not an iban".into() },
            ],
        )
        .unwrap();
    assert!(checked[0].hit);
    assert_eq!(checked[1].error.as_ref().unwrap().code, "invalid_observable");
}

#[tokio::test]
async fn narratives_without_observables_get_extracted_ones() {
    let e = engine().await;
    let hotline = as_role(&e, "hotline", Role::Contributor).await;
    let mut input = report("pop-up", "green", &[]);
    input.narrative = "A pop-up said call Microsoft at 1 - { 8 8 8 } - ( 8 3 9 ) - ( 1 2 1 4 ), then \
        hxxps://secure-refund[.]help/pay and bitcoin to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq; \
        invoice.pdf attached."
        .into();
    let view = e.submit(&hotline, input).await.unwrap();
    let got: Vec<(ObservableKind, &str, Option<&str>)> =
        view.observables.iter().map(|o| (o.kind, o.value.as_str(), o.role.as_deref())).collect();
    assert!(got.contains(&(ObservableKind::Phone, "+18888391214", Some("extracted"))), "{got:?}");
    assert!(got.contains(&(ObservableKind::Url, "https://secure-refund.help/pay", Some("extracted"))));
    assert!(got.contains(&(
        ObservableKind::Btc,
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        Some("extracted")
    )));
    assert!(got.contains(&(ObservableKind::Domain, "secure-refund.help", Some("derived"))), "{got:?}");
    assert_eq!(got.len(), 4, "nothing invented: {got:?}");
    let phone = view.observables.iter().find(|o| o.kind == ObservableKind::Phone).unwrap();
    assert_eq!(phone.original.as_deref(), Some("1 - { 8 8 8 } - ( 8 3 9 ) - ( 1 2 1 4 )"));
    // The extracted phone correlates like a submitted one.
    let bank = as_role(&e, "bank", Role::Reader).await;
    let hits = e.lookup(&bank.viewer, Some(ObservableKind::Phone), "(888) 839-1214", None).unwrap();
    assert_eq!(hits.count, 1);

    // An intel report's explicit observables win: nothing is extracted then.
    let mut input = report("explicit", "green", &[("domain", "other-scam.com")]);
    input.kind = model::ReportKind::Intel;
    input.narrative = "call (844) 390-5364".into();
    let view = e.submit(&hotline, input).await.unwrap();
    assert_eq!(view.observables.len(), 1);
    // A scam report gets both, but never the victim's own number.
    let mut input = report("explicit", "green", &[("domain", "other-scam.com")]);
    input.narrative = "they said call (844) 390-5364; I gave them my number 202-555-0143".into();
    input.victim_pii =
        Some(model::scam::VictimPii { phone: Some("+1 202 555 0143".into()), ..Default::default() });
    let view = e.submit(&hotline, input).await.unwrap();
    let got: Vec<&str> = view.observables.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(got, vec!["other-scam.com", "+18443905364"], "{got:?}");

    // The extract use case itself.
    let found = e.extract("call 020 7946 0958", Some("gb")).unwrap();
    assert_eq!(found[0].value, "+442079460958");
    assert!(e.extract("call (844) 390-5364", None).unwrap().len() == 1);
    assert!(matches!(e.extract("x", Some("GBR")), Err(EngineError::Invalid { .. })));
}
