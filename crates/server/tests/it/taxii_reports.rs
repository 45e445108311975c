//! STIX added over TAXII becomes dragnet reports: a STIX `report` with its SCOs and indicator
//! patterns is a report (same UUID) that lookups, campaigns and the graph see, under the
//! visibility of its marking; loose observables are gathered; adding again adds nothing; a
//! report may name objects added by an earlier request.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use model::Role;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, OUTSIDER, Resp, segment};

const TAXII: &str = "application/taxii+json;version=2.1";
const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const GREEN_1_0: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
const REPORT: &str = "report--5c0f2d9e-4b1a-4c3e-9a51-2f7d3c1e8b01";

async fn add(env: &Env, org: &str, objects: &[Value]) -> Value {
    let token = env.token(org, Role::Contributor);
    let collection = env.engine.local_principal(org).unwrap().viewer.org.0;
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/taxii2/api/collections/{collection}/objects/"))
        .header(header::ACCEPT, TAXII)
        .header(header::CONTENT_TYPE, TAXII)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(json!({"objects": objects}).to_string()))
        .unwrap();
    let r: Resp = env.send(req).await.expect(StatusCode::ACCEPTED);
    r.json()
}

fn ipv4(value: &str, n: u32) -> Value {
    json!({"type": "ipv4-addr", "spec_version": "2.1", "id": format!("ipv4-addr--00000000-0000-4000-8000-{n:012}"), "value": value})
}

fn indicator(pattern: &str, n: u32, marking: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-9000-{n:012}"),
        "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z",
        "pattern": pattern, "pattern_type": "stix", "valid_from": "2024-03-01T10:00:00Z",
        "object_marking_refs": [marking],
    })
}

fn report(refs: &[&str], marking: &str) -> Value {
    json!({
        "type": "report", "spec_version": "2.1", "id": REPORT,
        "created": "2024-03-02T08:00:00.000Z", "modified": "2024-03-02T08:00:00.000Z",
        "published": "2024-03-02T08:00:00Z", "name": "Refund scam infrastructure",
        "description": "Callers claim to be from a bank's fraud team.",
        "report_types": ["threat-report"], "object_refs": refs,
        "object_marking_refs": [marking],
    })
}

#[tokio::test]
async fn a_stix_report_becomes_a_dragnet_report_under_its_marking() {
    let env = Env::new().await;
    let objects = [
        ipv4("203.0.113.77", 1),
        indicator(
            "[phone-number:value = '+1 888 839 1214'] OR [url:value = 'https://Refund-Desk-Help.com/claim']",
            1,
            AMBER,
        ),
        report(
            &[
                "ipv4-addr--00000000-0000-4000-8000-000000000001",
                "indicator--00000000-0000-4000-9000-000000000001",
            ],
            AMBER,
        ),
    ];
    let status = add(&env, AUTHOR, &objects).await;
    assert_eq!(status["success_count"], 3, "{status}");
    let id = REPORT.trim_start_matches("report--");
    let author = env.token(AUTHOR, Role::Reader);
    let r = env.get(&format!("/api/v1/reports/{id}"), author).await.expect(StatusCode::OK).json();
    assert_eq!(r["title"], "Refund scam infrastructure");
    assert_eq!(r["tlp"], "AMBER");
    let mut values: Vec<&str> =
        r["observables"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap()).collect();
    values.sort_unstable();
    // Canonical values: the phone in E.164, the URL's host lower-cased (and its derived domain).
    assert!(values.contains(&"+18888391214"), "{values:?}");
    assert!(values.contains(&"203.0.113.77"), "{values:?}");
    assert!(values.iter().any(|v| v.starts_with("https://refund-desk-help.com/claim")), "{values:?}");
    let phone = r["observables"].as_array().unwrap().iter().find(|o| o["value"] == "+18888391214").unwrap();
    assert_eq!(phone["original"], "+1 888 839 1214", "the value as received is kept");
    let lookup =
        env.get(&format!("/api/v1/observables/phone/{}", segment("+18888391214")), author).await.json();
    assert_eq!(lookup["count"], 1, "{lookup}");
    // AMBER with no audience: the outsider sees nothing, as if it did not exist.
    let outsider = env.token(OUTSIDER, Role::Reader);
    env.get(&format!("/api/v1/reports/{id}"), outsider)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let lookup =
        env.get(&format!("/api/v1/observables/phone/{}", segment("+18888391214")), outsider).await.json();
    assert_eq!(lookup["count"], 0, "{lookup}");

    // Adding the same objects again adds no report.
    let before =
        env.get("/api/v1/reports?limit=1000", author).await.json()["items"].as_array().unwrap().len();
    add(&env, AUTHOR, &objects).await;
    let after = env.get("/api/v1/reports?limit=1000", author).await.json()["items"].as_array().unwrap().len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn loose_observables_are_gathered_and_later_reports_find_earlier_objects() {
    let env = Env::new().await;
    // First request: observables only (one marked TLP 1.0 GREEN, one unmarked: the org
    // collection's AMBER).
    add(
        &env,
        AUTHOR,
        &[ipv4("198.51.100.23", 7), indicator("[domain-name:value = 'Parcel-Fee-Pay.com']", 7, GREEN_1_0)],
    )
    .await;
    let outsider = env.token(OUTSIDER, Role::Reader);
    let author = env.token(AUTHOR, Role::Reader);
    let green = env.get("/api/v1/observables/domain/parcel-fee-pay.com", outsider).await.json();
    assert_eq!(green["count"], 1, "the GREEN indicator's value is shared: {green}");
    let amber = env.get("/api/v1/observables/ipv4/198.51.100.23", outsider).await.json();
    assert_eq!(amber["count"], 0, "the unmarked SCO stays AMBER: {amber}");
    assert_eq!(env.get("/api/v1/observables/ipv4/198.51.100.23", author).await.json()["count"], 1);

    // Second request: a GREEN report naming the SCO of the first.
    let green_2 = model::Tlp::Green.stix_marking_id();
    add(&env, AUTHOR, &[report(&["ipv4-addr--00000000-0000-4000-8000-000000000007"], green_2)]).await;
    let id = REPORT.trim_start_matches("report--");
    let r = env.get(&format!("/api/v1/reports/{id}"), outsider).await.expect(StatusCode::OK).json();
    let values: Vec<&str> =
        r["observables"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["198.51.100.23"]);
}

#[tokio::test]
async fn large_adds_resolve_and_deduplicate_in_chunks() {
    let env = Env::new().await;
    let n = 1_200;
    let scos: Vec<Value> = (0..n)
        .map(|i| {
            json!({"type": "domain-name", "spec_version": "2.1",
                   "id": format!("domain-name--00000000-0000-4000-a000-{i:012}"), "value": format!("gang-{i}-pay.com")})
        })
        .collect();
    let first = add(&env, AUTHOR, &scos).await;
    assert_eq!(first["success_count"], n, "{}", first["failures"]);
    // The same SCOs again: already there, nothing new stored or made.
    let author = env.token(AUTHOR, Role::Reader);
    let reports = |v: Value| v["items"].as_array().unwrap().len();
    let before = reports(env.get("/api/v1/reports?limit=1000", author).await.json());
    let again = add(&env, AUTHOR, &scos).await;
    assert_eq!(again["success_count"], n);
    assert_eq!(reports(env.get("/api/v1/reports?limit=1000", author).await.json()), before);
    // A report naming every one of them, in a later request.
    let refs: Vec<String> = scos.iter().map(|o| o["id"].as_str().unwrap().to_string()).collect();
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    add(&env, AUTHOR, &[report(&refs, model::Tlp::Green.stix_marking_id())]).await;
    let id = REPORT.trim_start_matches("report--");
    let r = env.get(&format!("/api/v1/reports/{id}"), author).await.expect(StatusCode::OK).json();
    assert_eq!(r["observables"].as_array().unwrap().len(), n);
}

#[tokio::test]
async fn reports_dragnet_would_refuse_are_made_to_fit() {
    let env = Env::new().await;
    let mut r =
        report(&["ipv4-addr--00000000-0000-4000-8000-000000000009"], model::Tlp::Green.stix_marking_id());
    r["name"] = json!("Refund\u{7} scam");
    r["labels"] = json!(["fine", "two\nlines"]);
    r["description"] = json!("é".repeat(150_000));
    add(&env, AUTHOR, &[ipv4("192.0.2.44", 9), r]).await;
    let id = REPORT.trim_start_matches("report--");
    let got = env.get(&format!("/api/v1/reports/{id}"), env.token(AUTHOR, Role::Reader)).await;
    let got = got.expect(StatusCode::OK).json();
    assert_eq!(got["title"], "Refund  scam");
    assert_eq!(got["labels"], json!(["threat-report", "fine"]));
    assert_eq!(got["narrative"].as_str().unwrap().len(), 200_000);
}

#[tokio::test]
async fn the_default_api_root_takes_its_title_and_size_limit_from_the_settings() {
    let options = engine::EngineOptions {
        taxii_title: Some("Metropolitan Police TAXII".into()),
        taxii_max_content_length: Some(2_000),
        ..Default::default()
    };
    let env = Env::with_options(options).await;
    let token = env.token(AUTHOR, Role::Reader);
    let get = |uri: &'static str| {
        Request::builder()
            .uri(uri)
            .header(header::ACCEPT, TAXII)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let discovery = env.send(get("/taxii2/")).await.expect(StatusCode::OK).json();
    assert_eq!(discovery["title"], "Metropolitan Police TAXII");
    let root = env.send(get("/taxii2/api/")).await.expect(StatusCode::OK).json();
    assert_eq!(
        (root["title"].as_str(), root["max_content_length"].as_u64()),
        (Some("Metropolitan Police TAXII"), Some(2_000))
    );
    // A body over the limit is refused whole.
    let collection = env.engine.local_principal(AUTHOR).unwrap().viewer.org.0;
    let objects: Vec<Value> = (0..20).map(|i| ipv4(&format!("192.0.2.{i}"), i)).collect();
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/taxii2/api/collections/{collection}/objects/"))
        .header(header::ACCEPT, TAXII)
        .header(header::CONTENT_TYPE, TAXII)
        .header(header::AUTHORIZATION, format!("Bearer {}", env.token(AUTHOR, Role::Contributor)))
        .body(Body::from(json!({"objects": objects}).to_string()))
        .unwrap();
    env.send(req).await.expect(StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_hidden_copy_of_an_sco_neither_swallows_nor_reveals_the_same_sco_sent_again() {
    let env = Env::new().await;
    // A community both organisations belong to; its collection is shared.
    env.engine.create_community(None, "Pair", &[AUTHOR.to_string(), OUTSIDER.to_string()]).await.unwrap();
    let pair = env.engine.list_communities().into_iter().find(|c| c.name == "Pair").unwrap().id;
    let post = |org: &'static str, body: Value| {
        let token = env.token(org, Role::Contributor).to_string();
        Request::builder()
            .method(Method::POST)
            .uri(format!("/taxii2/api/collections/{pair}/objects/"))
            .header(header::ACCEPT, TAXII)
            .header(header::CONTENT_TYPE, TAXII)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(json!({"objects": [body]}).to_string()))
            .unwrap()
    };
    let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
    let mut sco = ipv4("192.0.2.200", 77);
    sco["object_marking_refs"] = json!([red]);
    env.send(post(AUTHOR, sco.clone())).await.expect(StatusCode::ACCEPTED);
    // The outsider sends the same RED SCO: its own copy is stored (a new version), readable by it.
    env.send(post(OUTSIDER, sco.clone())).await.expect(StatusCode::ACCEPTED);
    let id = sco["id"].as_str().unwrap();
    let token = env.token(OUTSIDER, Role::Reader);
    let req = Request::builder()
        .uri(format!("/taxii2/api/collections/{pair}/objects/{id}/versions/"))
        .header(header::ACCEPT, TAXII)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let versions = env.send(req).await.expect(StatusCode::OK).json();
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1, "only its own copy: {versions}");
}
