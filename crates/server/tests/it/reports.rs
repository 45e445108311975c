//! Submitting, reading and looking up: the happy paths and the encoding of values in paths.

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::{AUTHOR, Env, NAMED, segment};

#[tokio::test]
async fn submit_read_and_look_up() {
    let env = Env::new().await;
    let url = "https://Refund-Desk.com/pay?case=1&ref=a b#top";
    let r = env
        .post(
            "/api/v1/reports",
            env.analyst(AUTHOR),
            &json!({"kind": "scam", "title": " refund scam ", "tlp": "tlp:amber",
                "audience": {"organizations": [NAMED]}, "labels": ["refund"],
                "observables": [{"value": url, "role": "landing-page"},
                                {"kind": "phone", "value": "+1 888 839 1214"}]}),
        )
        .await
        .expect(StatusCode::CREATED);
    let view = r.json();
    assert_eq!(view["title"], "refund scam");
    assert_eq!(view["tlp"], "AMBER");
    assert_eq!(view["author"], AUTHOR);
    assert_eq!(view["audience"], json!({"organizations": [NAMED], "communities": []}));
    let id = view["id"].as_str().unwrap();
    let kinds: Vec<&str> =
        view["observables"].as_array().unwrap().iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"url") && kinds.contains(&"phone") && kinds.contains(&"domain"), "{view}");

    let got =
        env.get(&format!("/api/v1/reports/{id}"), env.analyst(NAMED)).await.expect(StatusCode::OK).json();
    // Whether the report is discoverable (hit/no-hit) is shown to its author only.
    let mut view = view.clone();
    assert_eq!(view.as_object_mut().unwrap().remove("discoverable"), Some(json!(false)));
    assert_eq!(got, view);

    // A URL as a path segment: percent-encoded, with `auto` or its kind, written any way.
    for kind in ["auto", "url"] {
        let uri = format!("/api/v1/observables/{kind}/{}", segment(url));
        let v = env.get(&uri, env.analyst(NAMED)).await.expect(StatusCode::OK).json();
        assert_eq!(v["kind"], "url", "{v}");
        assert_eq!(v["count"], 1, "{v}");
        assert_eq!(v["occurrences"][0]["report_id"], id);
        assert_eq!(v["occurrences"][0]["role"], "landing-page");
    }
    // A literal `+` stays a plus in a path.
    let v = env.get("/api/v1/observables/phone/+1%20888%20839%201214?limit=0", env.analyst(NAMED)).await;
    let v = v.expect(StatusCode::OK).json();
    assert_eq!(v["count"], 1, "{v}");
    assert_eq!(v["occurrences"], json!([]));
    assert!(v["stix_id"].as_str().unwrap().starts_with("phone-number--") || v["stix_id"].is_string());
}
