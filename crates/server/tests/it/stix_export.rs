//! STIX 2.1 bundles over HTTP: content type, what a bundle holds for a report, a campaign and a
//! network, no victim data, and hidden answers like absent.

use axum::http::StatusCode;
use model::Role;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, OUTSIDER, segment};
use crate::intake::{assert_no_pii, intake_body};

fn objects_of<'a>(bundle: &'a Value, ty: &str) -> Vec<&'a Value> {
    bundle["objects"].as_array().unwrap().iter().filter(|o| o["type"] == ty).collect()
}

fn scam(phone: &str, tlp: &str) -> Value {
    json!({
        "kind": "scam", "title": format!("caller {phone}"), "tlp": tlp,
        "observables": [{"kind": "phone", "value": phone}, {"kind": "domain", "value": "refund-desk-help.com"}],
    })
}

#[tokio::test]
async fn a_report_exports_as_a_bundle_with_deterministic_observable_ids() {
    let env = Env::new().await;
    let id = env.submit(AUTHOR, &scam("+1 888 839 1214", "GREEN")).await;
    let token = env.token(OUTSIDER, Role::Reader);
    let r = env.get(&format!("/api/v1/reports/{id}/stix"), token).await.expect(StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/stix+json;version=2.1");
    let b = r.json();
    assert_eq!(b["type"], "bundle");
    let reports = objects_of(&b, "report");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["name"], "caller +1 888 839 1214");
    assert!(r.text().contains(&id), "the bundle names the dragnet report id");
    // The SCO ids are the ones a lookup gives (deterministic STIX ids of canonical values).
    let lookup =
        env.get("/api/v1/observables/phone/%2B18888391214", token).await.expect(StatusCode::OK).json();
    let phones = objects_of(&b, "phone-number");
    assert_eq!(phones.len(), 1);
    assert_eq!(phones[0]["value"], "+18888391214");
    assert_eq!(phones[0]["id"], lookup["stix_id"]);
    assert_eq!(objects_of(&b, "domain-name").len(), 1);
    // One indicator per observable, on the TLP:GREEN marking, by the author's identity.
    let indicators = objects_of(&b, "indicator");
    assert_eq!(indicators.len(), 2);
    assert!(indicators.iter().any(|i| i["pattern"] == "[phone-number:value = '+18888391214']"));
    let identities = objects_of(&b, "identity");
    assert!(identities.iter().any(|i| i["name"] == AUTHOR && reports[0]["created_by_ref"] == i["id"]));
    assert_eq!(reports[0]["object_marking_refs"], json!([model::Tlp::Green.stix_marking_id()]));
}

#[tokio::test]
async fn hidden_reports_campaigns_and_networks_answer_like_absent_ones() {
    let env = Env::new().await;
    let amber = env.submit(AUTHOR, &scam("+1 888 839 1214", "AMBER")).await;
    let outsider = env.token(OUTSIDER, Role::Admin);
    let hidden = env.get(&format!("/api/v1/reports/{amber}/stix"), outsider).await;
    let absent = env.get(&format!("/api/v1/reports/{}/stix", uuid::Uuid::now_v7()), outsider).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!((hidden.status, hidden.body), (absent.status, absent.body));
    let hidden = env.get(&format!("/api/v1/graph/networks/{}/stix", segment("+18888391214")), outsider).await;
    let absent = env.get(&format!("/api/v1/graph/networks/{}/stix", segment("+18005550100")), outsider).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!((hidden.status, hidden.body), (absent.status, absent.body));
    env.get("/api/v1/campaigns/1/stix", outsider).await.expect_error(StatusCode::NOT_FOUND, "not_found");
    // The author reads its own.
    env.get(&format!("/api/v1/reports/{amber}/stix"), env.token(AUTHOR, Role::Reader))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn campaigns_and_networks_export_their_visible_reports() {
    let env = Env::new().await;
    let phone = "+1 888 839 1214";
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(env.submit(AUTHOR, &scam(phone, "GREEN")).await);
    }
    // One more the outsider may not see: never in its bundles.
    let hidden = env.submit(AUTHOR, &scam(phone, "RED")).await;
    let token = env.token(OUTSIDER, Role::Reader);
    let list = env.get("/api/v1/campaigns", token).await.expect(StatusCode::OK).json();
    let campaign = list["items"][0]["id"].as_str().expect("a campaign").to_string();
    for uri in
        [format!("/api/v1/campaigns/{campaign}/stix"), format!("/api/v1/graph/networks/{}/stix", ids[0])]
    {
        let r = env.get(&uri, token).await.expect(StatusCode::OK);
        let b = r.json();
        assert_eq!(objects_of(&b, "report").len(), 3, "{uri}");
        for id in &ids {
            assert!(r.text().contains(id.as_str()), "{uri} lacks report {id}");
        }
        assert!(!r.text().contains(&hidden), "{uri} names a hidden report");
    }
    let b = env.get(&format!("/api/v1/campaigns/{campaign}/stix"), token).await.json();
    assert_eq!(objects_of(&b, "campaign").len(), 1);
    let b = env.get(&format!("/api/v1/graph/networks/{}/stix", ids[0]), token).await.json();
    let groupings = objects_of(&b, "grouping");
    assert_eq!(groupings.len(), 1);
    assert_eq!(groupings[0]["context"], "suspicious-activity");
}

#[tokio::test]
async fn victim_data_never_leaves_in_a_bundle_even_for_the_reporter() {
    let env = Env::new().await;
    let intake = env.engine.create_token(None, AUTHOR, Role::Intake, "hotline", None).await.unwrap().token;
    let r =
        env.post("/api/v1/intake", &intake, &intake_body("GREEN")).await.expect(StatusCode::CREATED).json();
    let id = r["id"].as_str().unwrap();
    for viewer in [AUTHOR, OUTSIDER] {
        let b = env.get(&format!("/api/v1/reports/{id}/stix"), env.token(viewer, Role::Admin)).await;
        let b = b.expect(StatusCode::OK);
        assert_no_pii(&format!("the bundle {viewer} exports"), &b.text());
        assert!(b.text().contains("+18888391214"), "the scammer's number is exported");
    }
}
