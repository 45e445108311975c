//! `/api/v1/graph/...` over HTTP: answers, exports with their content types, limits and errors.

use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, OUTSIDER, query};

/// Two GREEN reports joined by a phone, a third joined to the second by an IBAN.
async fn chain(env: &Env) -> Vec<String> {
    let mut ids = Vec::new();
    for (title, observables) in [
        ("first", json!([{"kind": "phone", "value": "+1 888 839 1214", "role": "scammer-phone"}])),
        (
            "second",
            json!([{"kind": "phone", "value": "+1 888 839 1214"}, {"kind": "iban", "value": "GB82 WEST 1234 5698 7654 32"}]),
        ),
        ("third <b>bold</b>", json!([{"kind": "iban", "value": "GB82WEST12345698765432", "role": "mule"}])),
    ] {
        let id = env
            .submit(
                AUTHOR,
                &json!({"kind": "scam", "title": title, "tlp": "GREEN", "observables": observables}),
            )
            .await;
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn queries_answer_on_the_callers_subgraph() {
    let env = Env::new().await;
    let ids = chain(&env).await;
    let token = env.analyst(OUTSIDER);

    let e = env
        .get("/api/v1/graph/expand?node=%2B1%20888%20839%201214", token)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(e["node"]["id"], "phone:+18888391214");
    assert_eq!(e["total"], 2);
    assert_eq!(e["neighbours"][0]["type"], "report");
    assert_eq!(e["edges"][0]["target"], "phone:+18888391214", "edges run report → observable: {e}");

    let uri = format!(
        "/api/v1/graph/path?from={}&to={}",
        query("+1 888 839 1214"),
        query(&format!("report:{}", ids[2]))
    );
    let p = env.get(&uri, token).await.expect(StatusCode::OK).json();
    assert_eq!(p["found"], true, "{p}");
    let path: Vec<&str> = p["path"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let second = format!("report:{}", ids[1]);
    let third = format!("report:{}", ids[2]);
    assert_eq!(path, ["phone:+18888391214", &second, "iban:GB82WEST12345698765432", &third]);
    assert_eq!(p["length"], 3);

    let c = env
        .post(
            "/api/v1/graph/connect",
            token,
            &json!({"selectors": ["+1 888 839 1214", "iban:GB82WEST12345698765432", "+1 202 555 0143"]}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(c["missing"], json!(["phone:+12025550143"]), "{c}");
    assert_eq!(c["nodes"].as_array().unwrap().len(), 3, "{c}");

    let n = env.get("/api/v1/graph/networks", token).await.expect(StatusCode::OK).json();
    assert_eq!(n["total"], 1);
    assert_eq!(n["networks"][0]["reports"], 3);
    assert_eq!(n["networks"][0]["id"], ids[0].as_str(), "the earliest report names the network");
    let one =
        env.get(&format!("/api/v1/graph/networks/{}", ids[2]), token).await.expect(StatusCode::OK).json();
    assert_eq!(one["id"], ids[0].as_str());
    assert_eq!(one["timeline"].as_array().unwrap().len(), 3);
    assert_eq!(one["weekly"][0]["reports"], 3);
    assert!(!one["key_nodes"].as_array().unwrap().is_empty());
    let nb = env
        .get(&format!("/api/v1/graph/neighbourhood?node=report:{}&depth=1", ids[0]), token)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(nb["nodes"].as_array().unwrap().len(), 2, "{nb}");
}

#[tokio::test]
async fn exports_carry_their_content_type_and_escape_values() {
    let env = Env::new().await;
    let ids = chain(&env).await;
    let token = env.analyst(OUTSIDER);
    for (format, content_type, marker) in [
        ("graphml", "application/graphml+xml", "<graphml"),
        ("gexf", "application/gexf+xml", "<gexf"),
        ("csv", "text/csv; charset=utf-8", "source,target,kind,role"),
    ] {
        let r = env
            .get(&format!("/api/v1/graph/networks/{}?format={format}", ids[0]), token)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.headers[header::CONTENT_TYPE], content_type);
        let disposition = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(disposition, format!("attachment; filename=\"dragnet-network.{format}\""));
        let body = r.text();
        assert!(body.contains(marker), "{body}");
        assert!(!body.contains("<b>"), "titles are escaped: {body}");
    }
    let csv = env.get(&format!("/api/v1/graph/networks/{}?format=csv", ids[0]), token).await.text();
    assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
    assert!(csv.contains(&format!("report:{},iban:GB82WEST12345698765432,holds,mule", ids[2])), "{csv}");
}

#[tokio::test]
async fn bad_parameters_name_what_is_wrong() {
    let env = Env::new().await;
    chain(&env).await;
    let token = env.analyst(AUTHOR);
    // Unknown parameters of strict routes, bad values and limits: 422 naming the parameter.
    for (uri, field) in [
        ("/api/v1/graph/networks?format=pdf", "query"),
        ("/api/v1/graph/neighbourhood?node=%2B18888391214&format=pdf", "format"),
        ("/api/v1/graph/neighbourhood?node=%2B18888391214&max_nodes=0", "max_nodes"),
        ("/api/v1/graph/neighbourhood?node=%2B18888391214&since=yesterday", "since"),
        ("/api/v1/graph/path?from=%2B18888391214&to=%2B18888391214&depth=40", "depth"),
        ("/api/v1/graph/expand?node=%2B18888391214&kinds=phone,planet", "kinds"),
        ("/api/v1/graph/expand?node=report:not-a-uuid", "node"),
    ] {
        let r = env.get(uri, token).await.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
        assert!(r.message().starts_with(field), "{uri}: {}", r.message());
    }
    let r = env.get("/api/v1/graph/expand?node=phone:12", token).await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_observable");
    assert!(r.message().starts_with("node.value: invalid phone"), "{}", r.message());
    let r = env.get("/api/v1/graph/expand?node=%2B12025550143", token).await;
    r.expect_error(StatusCode::NOT_FOUND, "not_found");
    let r = env.post("/api/v1/graph/connect", token, &json!({"selectors": ["+18888391214"]})).await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(r.message().starts_with("selectors"), "{}", r.message());
    let unauthenticated = env.call(axum::http::Method::GET, "/api/v1/graph/networks", None, None).await;
    let _: Value = unauthenticated.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated").json();
}

#[tokio::test]
async fn report_nodes_carry_their_own_time_and_connect_names_its_selectors() {
    let env = Env::new().await;
    let token = env.analyst(OUTSIDER);
    // One report observed on a given day, one with no observation time (its creation counts).
    let observed = env
        .submit(
            AUTHOR,
            &json!({"kind": "scam", "title": "observed", "tlp": "GREEN", "first_seen": "2026-02-01T10:00:00Z",
                "observables": [{"kind": "phone", "value": "+1 888 839 1214"}, {"kind": "iban", "value": "GB82 WEST 1234 5698 7654 32"}]}),
        )
        .await;
    let created = env
        .submit(
            AUTHOR,
            &json!({"kind": "scam", "title": "created", "tlp": "GREEN",
                "observables": [{"kind": "phone", "value": "+1 888 839 1214"}]}),
        )
        .await;
    let created_at = env
        .get(&format!("/api/v1/reports/{created}"), token)
        .await
        .expect(StatusCode::OK)
        .json()["created_at"]
        .clone();
    let expected = |id: &str| -> Value {
        match id.strip_prefix("report:") {
            Some(r) if r == observed => json!("2026-02-01T10:00:00Z"),
            Some(r) if r == created => created_at.clone(),
            Some(r) => panic!("unexpected report {r}"),
            None => Value::Null,
        }
    };
    let answers = [
        env.get("/api/v1/graph/expand?node=%2B18888391214", token).await.expect(StatusCode::OK).json()["neighbours"]
            .clone(),
        env.get("/api/v1/graph/neighbourhood?node=%2B18888391214", token).await.expect(StatusCode::OK).json()
            ["nodes"]
            .clone(),
        env.get(&format!("/api/v1/graph/networks/{observed}"), token).await.expect(StatusCode::OK).json()["nodes"]
            .clone(),
        env.post(
            "/api/v1/graph/connect",
            token,
            &json!({"selectors": [format!("report:{created}"), "GB82 WEST 1234 5698 7654 32"]}),
        )
        .await
        .expect(StatusCode::OK)
        .json()["nodes"]
            .clone(),
    ];
    for nodes in answers {
        let nodes = nodes.as_array().unwrap();
        assert!(nodes.iter().any(|n| n["type"] == "report"), "{nodes:?}");
        for n in nodes {
            assert_eq!(
                n.get("time").cloned().unwrap_or(Value::Null),
                expected(n["id"].as_str().unwrap()),
                "{n}"
            );
        }
    }
    // The time is the one the server's windows use: until the day after the observation, only
    // the observed report is in the neighbourhood.
    let nb = env
        .get("/api/v1/graph/neighbourhood?node=%2B18888391214&until=2026-02-02", token)
        .await
        .expect(StatusCode::OK)
        .json();
    let reports: Vec<&str> = nb["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "report")
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(reports, [format!("report:{observed}")]);
    // The connecting network names its selectors as node ids, canonical, in the order given.
    let c = env
        .post(
            "/api/v1/graph/connect",
            token,
            &json!({"selectors": ["iban:gb82 west 1234 5698 7654 32", "+1 (888) 839-1214", "+1 202 555 0143"]}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        c["selectors"],
        json!(["iban:GB82WEST12345698765432", "phone:+18888391214", "phone:+12025550143"]),
        "{c}"
    );
    assert_eq!(c["missing"], json!(["phone:+12025550143"]));
}
