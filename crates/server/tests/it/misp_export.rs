//! MISP events over HTTP: what an event holds for a report and a campaign, determinism, no
//! victim data, and hidden answers like absent.

use axum::http::StatusCode;
use model::Role;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, OUTSIDER};
use crate::intake::{assert_no_pii, intake_body};

fn attributes(event: &Value) -> Vec<&Value> {
    event["Event"]["Attribute"].as_array().unwrap().iter().collect()
}

fn scam(phone: &str, tlp: &str) -> Value {
    json!({
        "kind": "scam", "title": format!("caller {phone}"), "tlp": tlp, "labels": ["tech-support"],
        "observables": [{"kind": "phone", "value": phone, "role": "scammer-phone"},
                        {"kind": "domain", "value": "refund-desk-help.com"},
                        {"kind": "eth", "value": "0x52908400098527886E0F7030069857D2E4169EE7"}],
    })
}

#[tokio::test]
async fn a_report_exports_as_a_deterministic_misp_event() {
    let env = Env::new().await;
    let id = env.submit(AUTHOR, &scam("+1 888 839 1214", "GREEN")).await;
    let token = env.token(OUTSIDER, Role::Reader);
    let r = env.get(&format!("/api/v1/reports/{id}/misp"), token).await.expect(StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/json");
    let e = r.json();
    let uuid = misp::export::event_uuid(id.parse().unwrap()).to_string();
    assert_eq!(e["Event"]["uuid"], uuid);
    assert_eq!(e["Event"]["info"], "caller +1 888 839 1214");
    assert_eq!(e["Event"]["Orgc"]["name"], AUTHOR);
    assert_eq!(e["Event"]["distribution"], "1", "TLP:GREEN is this community");
    let tags: Vec<&str> =
        e["Event"]["Tag"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(tags, ["tlp:green", "tech-support"]);
    let attrs = attributes(&e);
    let phone = attrs.iter().find(|a| a["type"] == "phone-number").expect("a phone-number attribute");
    assert_eq!(phone["value"], "+18888391214");
    assert_eq!(phone["comment"], "scammer-phone");
    assert!(attrs.iter().any(|a| a["type"] == "domain" && a["value"] == "refund-desk-help.com"));
    // MISP has no ethereum type: a text attribute naming the kind.
    assert!(attrs.iter().any(|a| a["type"] == "text"
        && a["value"] == "0x52908400098527886e0f7030069857d2e4169ee7"
        && a["comment"] == "dragnet:eth"));
    assert!(attrs.iter().any(|a| a["category"] == "Internal reference" && a["value"] == id.as_str()));
    // The same report gives the same bytes.
    let again = env.get(&format!("/api/v1/reports/{id}/misp"), token).await.expect(StatusCode::OK);
    assert_eq!(r.text(), again.text());
}

#[tokio::test]
async fn hidden_reports_and_campaigns_answer_like_absent_ones() {
    let env = Env::new().await;
    let amber = env.submit(AUTHOR, &scam("+1 888 839 1214", "AMBER")).await;
    let outsider = env.token(OUTSIDER, Role::Admin);
    let hidden = env.get(&format!("/api/v1/reports/{amber}/misp"), outsider).await;
    let absent = env.get(&format!("/api/v1/reports/{}/misp", uuid::Uuid::now_v7()), outsider).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!((hidden.status, hidden.body), (absent.status, absent.body));
    let hidden = env.get("/api/v1/campaigns/1/misp", outsider).await;
    let absent = env.get("/api/v1/campaigns/9999/misp", outsider).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!((hidden.status, hidden.body), (absent.status, absent.body));
    let r = env.get(&format!("/api/v1/reports/{amber}/misp"), env.token(AUTHOR, Role::Reader)).await;
    let e = r.expect(StatusCode::OK).json();
    assert_eq!(e["Event"]["distribution"], "0", "AMBER for nobody else is the organisation only");
}

#[tokio::test]
async fn a_campaign_exports_its_visible_reports_in_one_event() {
    let env = Env::new().await;
    let phone = "+1 888 839 1214";
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(env.submit(AUTHOR, &scam(phone, "GREEN")).await);
    }
    let hidden = env.submit(AUTHOR, &scam(phone, "RED")).await;
    let token = env.token(OUTSIDER, Role::Reader);
    let list = env.get("/api/v1/campaigns", token).await.expect(StatusCode::OK).json();
    let campaign = list["items"][0]["id"].as_str().expect("a campaign").to_string();
    let r = env.get(&format!("/api/v1/campaigns/{campaign}/misp"), token).await.expect(StatusCode::OK);
    let e = r.json();
    assert_eq!(e["Event"]["uuid"], misp::export::campaign_event_uuid(&campaign).to_string());
    for id in &ids {
        assert!(r.text().contains(id.as_str()), "the event lacks report {id}");
    }
    assert!(!r.text().contains(&hidden), "the event names a hidden report");
    let phones = attributes(&e).into_iter().filter(|a| a["type"] == "phone-number").count();
    assert_eq!(phones, 1, "one attribute per value across the campaign's reports");
}

#[tokio::test]
async fn victim_data_never_leaves_in_an_event_even_for_the_reporter() {
    let env = Env::new().await;
    let intake = env.engine.create_token(None, AUTHOR, Role::Intake, "hotline", None).await.unwrap().token;
    let r =
        env.post("/api/v1/intake", &intake, &intake_body("GREEN")).await.expect(StatusCode::CREATED).json();
    let id = r["id"].as_str().unwrap();
    for viewer in [AUTHOR, OUTSIDER] {
        let e = env.get(&format!("/api/v1/reports/{id}/misp"), env.token(viewer, Role::Admin)).await;
        let e = e.expect(StatusCode::OK);
        assert_no_pii(&format!("the event {viewer} exports"), &e.text());
        assert!(e.text().contains("+18888391214"), "the scammer's number is exported");
    }
}
