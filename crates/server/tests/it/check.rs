//! Bulk check: one result per selector, in order; bad selectors get their own error.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, OUTSIDER};

#[tokio::test]
async fn results_in_order_with_errors_per_selector() {
    let env = Env::new().await;
    let id = env
        .submit(
            AUTHOR,
            &json!({"kind": "scam", "title": "t", "tlp": "GREEN",
                "observables": [{"kind": "phone", "value": "+1 888 839 1214"},
                                {"kind": "iban", "value": "GB82 WEST 1234 5698 7654 32"}]}),
        )
        .await;
    let body = json!({"selectors": [
        {"kind": "phone", "value": "+1 (888) 839-1214"},
        {"kind": "iban", "value": "GB82 WEST 1234 5698 7654 33"},
        {"kind": "phone", "value": "+1 888 839 1298"},
        {"kind": "iban", "value": "gb82west12345698765432"},
    ]});
    let v = env.post("/api/v1/check", env.analyst(OUTSIDER), &body).await.expect(StatusCode::OK).json();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["index"], i, "{r}");
    }
    assert_eq!(results[0]["hit"], true);
    assert_eq!(results[0]["report_ids"], json!([id]));
    assert_eq!(results[1]["hit"], false);
    assert_eq!(results[1]["error"]["code"], "invalid_observable", "{}", results[1]);
    assert_eq!(results[2]["hit"], false);
    assert_eq!(results[2]["count"], 0);
    assert_eq!(results[3]["hit"], true, "{}", results[3]);
}

#[tokio::test]
async fn ten_thousand_selectors_and_no_more() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    env.submit(
        AUTHOR,
        &json!({"kind": "scam", "title": "t", "tlp": "GREEN",
            "observables": [{"kind": "phone", "value": "+1 888 839 1214"}]}),
    )
    .await;
    let mut selectors: Vec<Value> = (0..engine::CHECK_MAX_SELECTORS)
        .map(|i| json!({"kind": "md5", "value": format!("{i:032x}")}))
        .collect();
    selectors[9_999] = json!({"kind": "phone", "value": "+18888391214"});
    let body = json!({ "selectors": selectors });
    let v = env.post("/api/v1/check", token, &body).await.expect(StatusCode::OK).json();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), engine::CHECK_MAX_SELECTORS);
    assert_eq!(results.iter().filter(|r| r["hit"] == true).count(), 1);
    assert_eq!(results[9_999]["hit"], true);

    selectors.push(json!({"value": "+18888391214"}));
    let r = env.post("/api/v1/check", token, &json!({ "selectors": selectors })).await;
    r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "too_many");
    let r = env.post("/api/v1/check", token, &json!({"selectors": [{"value": "x", "colour": 1}]})).await;
    r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
}
