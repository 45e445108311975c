//! Batches: good records are kept, each bad one is reported with its index and reason.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, NAMED};

fn good(title: &str) -> Value {
    json!({
        "kind": "scam",
        "title": title,
        "tlp": "AMBER",
        "audience": {"organizations": [NAMED]},
        "observables": [
            {"kind": "phone", "value": "+1 888 839 1214", "role": "scammer-phone"},
            {"kind": "iban", "value": "GB82 WEST 1234 5698 7654 32", "role": "mule-account"},
        ],
    })
}

#[tokio::test]
async fn malformed_records_are_reported_and_the_rest_kept() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    let records = json!([
        good("first good"),
        42,
        {"kind": "scam", "tlp": "GREEN"},
        {"kind": "scam", "title": "purple", "tlp": "PURPLE"},
        {"kind": "scam", "title": "bad iban", "tlp": "GREEN",
         "observables": [{"kind": "iban", "value": "GB82 WEST 1234 5698 7654 33"}]},
        {"kind": "scam", "title": "unknown audience", "tlp": "AMBER",
         "audience": {"organizations": ["Nobody Org"]}},
        good("second good"),
    ]);
    let outcome = env.post("/api/v1/reports/batch", token, &records).await.expect(StatusCode::OK).json();

    let accepted: Vec<u64> =
        outcome["accepted"].as_array().unwrap().iter().map(|a| a["index"].as_u64().unwrap()).collect();
    assert_eq!(accepted, [0, 6], "{outcome}");
    let rejected = outcome["rejected"].as_array().unwrap();
    let expected = [
        (1, "invalid_input", "invalid type: integer `42`"),
        (2, "invalid_input", "missing field `title`"),
        (3, "invalid_input", "tlp"),
        (4, "invalid_observable", "observables[0]"),
        (5, "invalid_input", "audience.organizations[0]"),
    ];
    assert_eq!(rejected.len(), expected.len(), "{outcome}");
    for (r, (index, code, needle)) in rejected.iter().zip(expected) {
        assert_eq!(r["index"], index, "{r}");
        assert_eq!(r["error"]["code"], code, "{r}");
        let message = r["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "record {index}: {message:?} should name {needle:?}");
    }
    assert!(rejected[3]["error"]["message"].as_str().unwrap().contains("iban"), "{}", rejected[3]);
    assert!(rejected[4]["error"]["message"].as_str().unwrap().contains("Nobody Org"), "{}", rejected[4]);

    // The good records are stored, readable by id and listed.
    for a in outcome["accepted"].as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        let r = env.get(&format!("/api/v1/reports/{id}"), token).await.expect(StatusCode::OK).json();
        assert_eq!(r["id"], id);
        let named = env.get(&format!("/api/v1/reports/{id}"), env.analyst(NAMED)).await;
        named.expect(StatusCode::OK);
    }
    let listed = env.get("/api/v1/reports", token).await.expect(StatusCode::OK).json();
    let titles: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), 2, "{listed}");
    assert!(titles.contains(&"first good") && titles.contains(&"second good"));

    // The server keeps serving.
    env.get("/api/v1/reports", token).await.expect(StatusCode::OK);
    let metrics =
        env.call(axum::http::Method::GET, "/metrics", None, None).await.expect(StatusCode::OK).text();
    assert!(metrics.contains(r#"dragnet_ingest_records_total{outcome="accepted"} 2"#), "{metrics}");
    assert!(metrics.contains(r#"dragnet_ingest_records_total{outcome="rejected"} 5"#), "{metrics}");
}

#[tokio::test]
async fn object_form_and_bad_bodies() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    let outcome = env
        .post("/api/v1/reports/batch", token, &json!({"reports": [good("wrapped")]}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(outcome["accepted"].as_array().unwrap().len(), 1, "{outcome}");
    assert_eq!(outcome["rejected"], json!([]));

    // Not JSON at all: nothing can be kept, the whole body is rejected with serde's position.
    let r = env.post_raw("/api/v1/reports/batch", token, r#"[{"kind": "scam",]"#).await;
    let r = r.expect_error(StatusCode::BAD_REQUEST, "invalid_json");
    assert!(r.message().contains("line 1 column"), "{}", r.message());
    // JSON, but not a batch.
    let r = env.post("/api/v1/reports/batch", token, &json!("reports")).await;
    r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let r = env.post("/api/v1/reports/batch", token, &json!({"records": []})).await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(r.message().contains("records"), "{}", r.message());
    // An empty batch is fine.
    let outcome = env.post("/api/v1/reports/batch", token, &json!([])).await.expect(StatusCode::OK).json();
    assert_eq!(outcome, json!({"accepted": [], "rejected": []}));
    // Over the record limit: refused before anything is parsed or stored.
    let many = Value::Array(vec![json!(1); engine::BATCH_MAX_REPORTS + 1]);
    let r = env.post("/api/v1/reports/batch", token, &many).await;
    r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "too_many");
    // Readers may not submit.
    let r =
        env.post("/api/v1/reports/batch", env.token(AUTHOR, model::Role::Reader), &json!([good("x")])).await;
    r.expect_error(StatusCode::FORBIDDEN, "forbidden");
    let listed = env.get("/api/v1/reports", token).await.expect(StatusCode::OK).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
}
