//! `POST /api/v1/extract`: findings for posted text; nothing stored.

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::{Env, OUTSIDER};

#[tokio::test]
async fn findings_for_posted_text() {
    let env = Env::new().await;
    let token = env.analyst(OUTSIDER);
    let text = "call 020 7946 0958 or visit hxxps://secure-refund[.]help/pay; invoice.pdf";
    let v = env
        .post("/api/v1/extract", token, &json!({"text": text, "region": "GB"}))
        .await
        .expect(StatusCode::OK)
        .json();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{v}");
    assert_eq!(findings[0]["kind"], "phone");
    assert_eq!(findings[0]["value"], "+442079460958");
    assert_eq!(findings[0]["defanged"], false);
    assert_eq!(findings[1]["kind"], "url");
    assert_eq!(findings[1]["value"], "https://secure-refund.help/pay");
    assert_eq!(findings[1]["raw"], "hxxps://secure-refund[.]help/pay");
    assert_eq!(findings[1]["defanged"], true);
    let (s, e) =
        (findings[1]["start"].as_u64().unwrap() as usize, findings[1]["end"].as_u64().unwrap() as usize);
    assert_eq!(&text[s..e], "hxxps://secure-refund[.]help/pay");

    env.post("/api/v1/extract", token, &json!({"text": "x", "region": "Britain"}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    env.post("/api/v1/extract", token, &json!({"txt": "x"}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    env.call(axum::http::Method::POST, "/api/v1/extract", None, Some(&json!({"text": "x"})))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    // Nothing was stored.
    assert_eq!(env.engine.index_sizes().0, 0);
}
