//! TAXII collections on the engine: access facts of added objects, visibility before
//! pagination, version selection, deletes, status and the medallion migration.

use engine::{EngineError, PUBLIC_COLLECTION_ID, TAXII_DEFAULT_ROOT as API, TaxiiFilter};
use model::Role;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::{as_role, engine};

const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";

fn indicator(n: u32, modified: &str, marking: Option<&str>) -> Value {
    let mut v = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2020-01-01T00:00:00.000Z",
        "modified": modified,
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "valid_from": "2020-01-01T00:00:00Z",
    });
    if let Some(m) = marking {
        v["object_marking_refs"] = json!([m]);
    }
    v
}

fn body(objects: &[Value]) -> String {
    json!({ "objects": objects }).to_string()
}

fn filter(params: &[(&str, &str)]) -> TaxiiFilter {
    TaxiiFilter::from_params(params.iter().copied()).unwrap()
}

fn ids(page: &engine::ObjectPage) -> Vec<String> {
    page.objects.iter().map(|o| o.id[o.id.len() - 2..].to_string()).collect()
}

#[tokio::test]
async fn collections_in_scope_and_access_of_added_objects() {
    let e = engine().await;
    let bank = as_role(&e, "bank", Role::Contributor).await;
    let hotline = as_role(&e, "hotline", Role::Reader).await;
    let csirt = as_role(&e, "csirt", Role::Analyst).await;
    let bank_colls = e.taxii_collections(&bank, API).await.unwrap();
    assert_eq!(bank_colls.len(), 3, "own organisation, the fraud community, public");
    assert_eq!(bank_colls[0].id, bank.viewer.org.0);
    assert_eq!(bank_colls[0].title, "bank");
    assert!(bank_colls.iter().all(|c| c.can_write));
    let fraud = bank_colls[1].id;
    assert!(e.taxii_collections(&hotline, API).await.unwrap().iter().all(|c| c.can_read && !c.can_write));
    // An organisation's collection is not in another's scope: the same answer as unknown.
    assert!(matches!(
        e.taxii_collection(&csirt, API, bank.viewer.org.0).await,
        Err(EngineError::NotFound { .. })
    ));
    assert!(matches!(e.taxii_collection(&csirt, API, fraud).await, Err(EngineError::NotFound { .. })));

    // Into the community: unmarked = AMBER for its members; RED = the author only; GREEN = all.
    let out = e
        .taxii_add_body(
            &bank,
            API,
            fraud,
            &body(&[
                indicator(1, "2020-01-01T00:00:00.000Z", None),
                indicator(2, "2020-01-01T00:00:00.000Z", Some(RED)),
                indicator(3, "2020-01-01T00:00:00.000Z", Some(GREEN)),
                json!({"type": "indicator", "id": "indicator--bad"}),
            ]),
        )
        .await
        .unwrap();
    assert_eq!((out.status.total_count, out.status.success_count, out.status.failure_count), (4, 3, 1));
    assert_eq!(
        out.status.failures[0]["message"],
        "objects[3].id: invalid identifier \"indicator--bad\" (expected <type>--<uuid>)"
    );
    assert_eq!(out.stored.len(), 3);
    assert!(
        out.stored.windows(2).all(|w| w[0].date_added < w[1].date_added),
        "strictly increasing date_added"
    );
    let all = filter(&[]);
    assert_eq!(ids(&e.taxii_objects(&bank, API, fraud, &all).await.unwrap()), ["01", "02", "03"]);
    assert_eq!(ids(&e.taxii_objects(&hotline, API, fraud, &all).await.unwrap()), ["01", "03"]);
    // The same version again: a success, no second row.
    let again = e
        .taxii_add_body(&bank, API, fraud, &body(&[indicator(1, "2020-01-01T00:00:00.000Z", None)]))
        .await
        .unwrap();
    assert_eq!((again.status.success_count, again.stored.len()), (1, 0));
    // Writers only; readers are refused.
    assert!(matches!(
        e.taxii_add_body(&hotline, API, fraud, &body(&[indicator(9, "2020-01-01T00:00:00.000Z", None)]))
            .await,
        Err(EngineError::Forbidden(_))
    ));
    // The public collection takes CLEAR (or unmarked, made CLEAR) objects only and shows every
    // CLEAR object.
    let public = e
        .taxii_add_body(
            &csirt,
            API,
            PUBLIC_COLLECTION_ID,
            &body(&[
                indicator(4, "2020-01-01T00:00:00.000Z", None),
                indicator(5, "2020-01-01T00:00:00.000Z", Some(RED)),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(public.status.failure_count, 1);
    assert!(public.status.failures[0]["message"].as_str().unwrap().contains("TLP:CLEAR objects only"));
    e.taxii_add_body(
        &bank,
        API,
        bank.viewer.org.0,
        &body(&[indicator(6, "2020-01-01T00:00:00.000Z", Some(CLEAR))]),
    )
    .await
    .unwrap();
    assert_eq!(ids(&e.taxii_objects(&hotline, API, PUBLIC_COLLECTION_ID, &all).await.unwrap()), ["04", "06"]);
    // Status: only the requesting organisation.
    assert_eq!(e.taxii_status(&bank, API, out.status.id).await.unwrap().success_count, 3);
    assert!(matches!(e.taxii_status(&hotline, API, out.status.id).await, Err(EngineError::NotFound { .. })));
    // Intake tokens get nothing.
    let intake = as_role(&e, "bank", Role::Intake).await;
    assert!(matches!(e.taxii_collections(&intake, API).await, Err(EngineError::Forbidden(_))));
}

#[tokio::test]
async fn hidden_objects_never_count_appear_or_shift_a_page() {
    let e = engine().await;
    let bank = as_role(&e, "bank", Role::Contributor).await;
    let hotline = as_role(&e, "hotline", Role::Reader).await;
    let fraud = e.taxii_collections(&bank, API).await.unwrap()[1].id;
    // 30 objects, every third RED (hidden from hotline).
    let objects: Vec<Value> = (1..=30)
        .map(|n| indicator(n, "2020-01-01T00:00:00.000Z", if n % 3 == 0 { Some(RED) } else { None }))
        .collect();
    let raws: Vec<Box<RawValue>> =
        objects.iter().map(|o| RawValue::from_string(o.to_string()).unwrap()).collect();
    let raw_refs: Vec<&RawValue> = raws.iter().map(|r| r.as_ref()).collect();
    e.taxii_add_objects(&bank, API, fraud, &raw_refs).await.unwrap();
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = vec![("limit", "7")];
        if let Some(n) = &next {
            params.push(("next", n.as_str()));
        }
        let page = e.taxii_objects(&hotline, API, fraud, &filter(&params)).await.unwrap();
        pages += 1;
        assert!(page.objects.len() == 7 || !page.more, "full pages while more follow");
        seen.extend(ids(&page));
        if !page.more {
            assert!(page.next.is_none());
            break;
        }
        next = page.next;
    }
    let expected: Vec<String> = (1..=30).filter(|n| n % 3 != 0).map(|n| format!("{n:02}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(pages, 3, "20 visible objects in pages of 7");
    let manifest = e.taxii_manifest(&hotline, API, fraud, &filter(&[("limit", "100")])).await.unwrap();
    assert_eq!(manifest.objects.len(), 20);
    assert!(matches!(
        e.taxii_object(&hotline, API, fraud, "indicator--00000000-0000-4000-8000-000000000003", &filter(&[]))
            .await,
        Err(EngineError::NotFound { .. })
    ));
    // A writer gets the same not-found as for an unknown object; a reader is refused first.
    let hotline_writer = as_role(&e, "hotline", Role::Analyst).await;
    let hidden = "indicator--00000000-0000-4000-8000-000000000003";
    assert!(matches!(
        e.taxii_delete_object(&hotline, API, fraud, hidden, &filter(&[])).await,
        Err(EngineError::Forbidden(_))
    ));
    assert!(matches!(
        e.taxii_delete_object(
            &hotline_writer,
            API,
            fraud,
            "indicator--00000000-0000-4000-8000-000000000003",
            &filter(&[])
        )
        .await,
        Err(EngineError::NotFound { .. })
    ));
}

#[tokio::test]
async fn versions_first_last_all_spec_version_and_delete() {
    let e = engine().await;
    let bank = as_role(&e, "bank", Role::Analyst).await;
    let coll = bank.viewer.org.0;
    let mut old = indicator(1, "2019-06-01T00:00:00.000Z", None);
    old["created"] = json!("2019-01-01T00:00:00.000Z");
    old.as_object_mut().unwrap().remove("spec_version");
    e.taxii_add_body(
        &bank,
        API,
        coll,
        &body(&[
            indicator(1, "2020-01-01T00:00:00.000Z", None),
            indicator(1, "2020-06-01T00:00:00.000Z", None),
            old,
            indicator(2, "2020-01-01T00:00:00.000Z", None),
        ]),
    )
    .await
    .unwrap();
    let one = "indicator--00000000-0000-4000-8000-000000000001";
    let versions = |page: engine::ObjectPage| {
        page.objects.iter().map(|o| stix::object::format_timestamp(o.version)).collect::<Vec<_>>()
    };
    let last = e.taxii_object(&bank, API, coll, one, &filter(&[])).await.unwrap();
    assert_eq!(versions(last), ["2020-06-01T00:00:00.000Z"]);
    let first = e.taxii_object(&bank, API, coll, one, &filter(&[("match[version]", "first")])).await.unwrap();
    assert_eq!(
        versions(first),
        ["2020-01-01T00:00:00.000Z"],
        "the 2.0 version is not the latest spec_version"
    );
    let old20 =
        e.taxii_object(&bank, API, coll, one, &filter(&[("match[spec_version]", "2.0")])).await.unwrap();
    assert_eq!(versions(old20), ["2019-06-01T00:00:00.000Z"]);
    let all = e.taxii_versions(&bank, API, coll, one, &filter(&[])).await.unwrap();
    assert_eq!(versions(all), ["2020-01-01T00:00:00.000Z", "2020-06-01T00:00:00.000Z"]);
    let exact = e
        .taxii_objects(&bank, API, coll, &filter(&[("match[version]", "2020-01-01T00:00:00Z")]))
        .await
        .unwrap();
    assert_eq!(ids(&exact), ["01", "02"]);
    let typed = e.taxii_objects(&bank, API, coll, &filter(&[("match[type]", "malware")])).await.unwrap();
    assert!(typed.objects.is_empty());
    assert!(TaxiiFilter::from_params([("added_after", "yesterday")]).is_err());
    assert!(TaxiiFilter::from_params([("limit", "0")]).is_err());
    // Another organisation may not delete what it can see but did not add.
    let hotline = as_role(&e, "hotline", Role::Analyst).await;
    let fraud = e.taxii_collections(&bank, API).await.unwrap()[1].id;
    e.taxii_add_body(&bank, API, fraud, &body(&[indicator(7, "2020-01-01T00:00:00.000Z", None)]))
        .await
        .unwrap();
    let seven = "indicator--00000000-0000-4000-8000-000000000007";
    assert!(matches!(
        e.taxii_delete_object(&hotline, API, fraud, seven, &filter(&[])).await,
        Err(EngineError::Forbidden(_))
    ));
    assert_eq!(
        e.taxii_delete_object(&bank, API, coll, one, &filter(&[("match[spec_version]", "2.1")]))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        versions(e.taxii_object(&bank, API, coll, one, &filter(&[])).await.unwrap()),
        ["2019-06-01T00:00:00.000Z"]
    );
}

#[tokio::test]
async fn medallion_import_keeps_ids_versions_and_date_added() {
    let e = engine().await;
    let data: Value = serde_json::from_str(
        &std::fs::read_to_string("/tmp/shared/testdata/stix/taxii/medallion-default_data.json").unwrap(),
    )
    .unwrap();
    let bank = as_role(&e, "bank", Role::Contributor).await;
    let out = e.import_medallion(&data, bank.viewer.org).await.unwrap();
    assert_eq!((out.api_roots, out.collections, out.objects, out.statuses), (3, 5, 8, 2));
    // The indicators' patterns became observables of the owner's (AMBER) reports.
    assert!(!out.mapped.reports.is_empty(), "{:?}", out.mapped);
    assert!(
        matches!(e.import_medallion(&data, bank.viewer.org).await, Err(EngineError::Conflict(_))),
        "a second load is refused"
    );
    let roots: Vec<String> = e.taxii_api_roots().await.unwrap().into_iter().map(|r| r.path).collect();
    assert_eq!(roots, ["api", "api1", "api2", "trustgroup1"]);
    let colls = e.taxii_collections(&bank, "trustgroup1").await.unwrap();
    assert_eq!(colls.len(), 5);
    let hv: uuid::Uuid = "91a7b528-80eb-42ed-a74d-c6fbd5a26116".parse().unwrap();
    let manifest = e.taxii_manifest(&bank, "trustgroup1", hv, &filter(&[])).await.unwrap();
    let first = manifest.manifest_json()["objects"][0].clone();
    assert_eq!(first["date_added"], "2014-05-08T09:00:00.000000Z");
    assert_eq!(first["id"], "relationship--2f9a9aa9-108a-4333-83e2-4fb25add0463");
    // The latest spec_version only: the malware's 2.0 version (2018) is left out by default.
    let malware = e
        .taxii_object(&bank, "trustgroup1", hv, "malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec", &filter(&[]))
        .await
        .unwrap();
    assert_eq!(stix::object::format_timestamp(malware.objects[0].version), "2017-01-27T13:49:53.997Z");
    let secret: uuid::Uuid = "64993447-4d7e-4f70-b94d-d7f33742ee63".parse().unwrap();
    assert!(matches!(
        e.taxii_objects(&bank, "trustgroup1", secret, &filter(&[])).await,
        Err(EngineError::Forbidden(_))
    ));
    let status = e
        .taxii_status(&bank, "trustgroup1", "2d086da7-4bdc-4f91-900e-d77486753710".parse().unwrap())
        .await
        .unwrap();
    assert_eq!((status.status.as_str(), status.pending_count), ("pending", 2));
    // Another organisation is not in the collections' scope.
    let hotline = as_role(&e, "hotline", Role::Reader).await;
    assert!(e.taxii_collections(&hotline, "trustgroup1").await.unwrap().is_empty());
}
