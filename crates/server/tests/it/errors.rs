//! The error shape and the service routes: every failure answers
//! `{"error": {"code", "message"}}`.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env};

/// Every route of the API, as `(method, path template)`.
const ROUTES: [(&str, &str); 62] = [
    ("get", "/healthz"),
    ("get", "/metrics"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/organizations"),
    ("post", "/api/v1/organizations"),
    ("get", "/api/v1/communities"),
    ("post", "/api/v1/communities"),
    ("put", "/api/v1/communities/{name}/members"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("get", "/api/v1/whoami"),
    ("get", "/api/v1/instance"),
    ("get", "/api/v1/reports"),
    ("post", "/api/v1/reports"),
    ("post", "/api/v1/reports/batch"),
    ("get", "/api/v1/reports/{id}"),
    ("post", "/api/v1/reports/{id}/revoke"),
    ("post", "/api/v1/reports/{id}/discoverable"),
    ("get", "/api/v1/observables/{kind}/{value}"),
    ("post", "/api/v1/check"),
    ("post", "/api/v1/access-requests"),
    ("get", "/api/v1/access-requests/incoming"),
    ("get", "/api/v1/access-requests/outgoing"),
    ("post", "/api/v1/access-requests/{id}/grant"),
    ("post", "/api/v1/access-requests/{id}/decline"),
    ("get", "/api/v1/discovery"),
    ("put", "/api/v1/discovery"),
    ("post", "/api/v1/extract"),
    ("get", "/api/v1/hashsets"),
    ("post", "/api/v1/hashsets"),
    ("get", "/api/v1/hashsets/{id}"),
    ("put", "/api/v1/hashsets/{id}"),
    ("get", "/api/v1/hashsets/{id}/entries"),
    ("post", "/api/v1/hashsets/{id}/entries"),
    ("post", "/api/v1/hashsets/{id}/entries/withdraw"),
    ("get", "/api/v1/hashsets/{id}/sightings"),
    ("post", "/api/v1/hashes/match"),
    ("post", "/api/v1/intake"),
    ("get", "/api/v1/stats/scams"),
    ("get", "/api/v1/campaigns"),
    ("get", "/api/v1/campaigns/{id}"),
    ("get", "/api/v1/campaigns/hubs"),
    ("post", "/api/v1/campaigns/hubs"),
    ("delete", "/api/v1/campaigns/hubs/{kind}/{value}"),
    ("get", "/api/v1/alerts"),
    ("get", "/api/v1/alerts/rules"),
    ("post", "/api/v1/alerts/rules"),
    ("delete", "/api/v1/alerts/rules/{id}"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/graph/expand"),
    ("get", "/api/v1/graph/neighbourhood"),
    ("get", "/api/v1/graph/path"),
    ("post", "/api/v1/graph/connect"),
    ("get", "/api/v1/graph/networks"),
    ("get", "/api/v1/graph/networks/{id}"),
    ("get", "/api/v1/reports/{id}/misp"),
    ("get", "/api/v1/campaigns/{id}/misp"),
    ("get", "/api/v1/reports/{id}/stix"),
    ("get", "/api/v1/campaigns/{id}/stix"),
    ("get", "/api/v1/graph/networks/{id}/stix"),
    ("get", "/api/v1/stream"),
];

#[tokio::test]
async fn malformed_json_is_400_invalid_json() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    let r = env.post_raw("/api/v1/reports", token, "{\"kind\": \"scam\",\n \"title\": }").await;
    let r = r.expect_error(StatusCode::BAD_REQUEST, "invalid_json");
    assert!(r.message().contains("line 2 column"), "{}", r.message());
    let r = env.post_raw("/api/v1/check", token, "").await;
    r.expect_error(StatusCode::BAD_REQUEST, "invalid_json");
    // Well-formed JSON of the wrong shape names the field.
    let r = env.post("/api/v1/reports", token, &json!({"kind": "scam", "tlp": "GREEN"})).await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(r.message().contains("missing field `title`"), "{}", r.message());
    let r = env
        .post("/api/v1/reports", token, &json!({"kind": "scam", "title": "t", "tlp": "GREEN", "colour": 1}))
        .await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(r.message().contains("unknown field `colour`"), "{}", r.message());
    // The engine's own validation names the field too.
    let r = env.post("/api/v1/reports", token, &json!({"kind": "scam", "title": " ", "tlp": "GREEN"})).await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(r.message().starts_with("title: "), "{}", r.message());
    let bad_iban = json!({"kind": "scam", "title": "t", "tlp": "GREEN",
        "observables": [{"kind": "iban", "value": "GB82 WEST 1234 5698 7654 33"}]});
    let r = env.post("/api/v1/reports", token, &bad_iban).await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_observable");
    assert!(r.message().starts_with("observables[0].value: "), "{}", r.message());
    // Not declared as JSON.
    let req = Request::post("/api/v1/reports")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    env.send(req).await.expect_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn routing_errors_have_the_shape() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    let r = env.get("/api/v1/nope", token).await.expect_error(StatusCode::NOT_FOUND, "not_found");
    assert!(r.message().contains("/api/v1/nope"), "{}", r.message());
    env.call(Method::GET, "/nothing-here", None, None).await.expect_error(StatusCode::NOT_FOUND, "not_found");
    let r = env.call(Method::DELETE, "/api/v1/reports", Some(token), None).await;
    let r = r.expect_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(r.headers[header::ALLOW], "GET,HEAD,POST");
    let r = env.call(Method::POST, "/healthz", None, None).await;
    r.expect_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    // Unknown ids are plain not-found.
    let r =
        env.get("/api/v1/reports/not-a-uuid", token).await.expect_error(StatusCode::NOT_FOUND, "not_found");
    let random = env.get(&format!("/api/v1/reports/{}", uuid::Uuid::now_v7()), token).await;
    assert_eq!(r.body, random.body);
}

#[tokio::test]
async fn bad_parameters_are_named() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    for (uri, field) in [
        ("/api/v1/reports?limit=abc", "limit"),
        ("/api/v1/reports?limit=0", "limit"),
        ("/api/v1/reports?limit=5000", "limit"),
        ("/api/v1/reports?kind=rumour", "kind"),
        ("/api/v1/reports?tlp=PURPLE", "tlp"),
        ("/api/v1/reports?since=yesterday", "since"),
        ("/api/v1/reports?cursor=xyz", "cursor"),
        ("/api/v1/reports?observable_kind=phone", "observable_kind"),
        ("/api/v1/reports?include_revoked=maybe", "include_revoked"),
        ("/api/v1/reports?colour=red", "colour"),
        ("/api/v1/observables/colour/red", "kind"),
        ("/api/v1/observables/phone/%2B18888391214?limit=100000", "limit"),
    ] {
        let r = env.get(uri, token).await.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
        assert!(r.message().contains(field), "{uri}: {}", r.message());
    }
    let r = env.get("/api/v1/observables/iban/GB82WEST12345698765433", token).await;
    r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_observable");
    // Well-formed filters work, including a date and an encoded `+`.
    for uri in [
        "/api/v1/reports?kind=scam&tlp=AMBER%2BSTRICT&since=2024-01-01&until=2100-01-01T00:00:00Z&label=x&author=Named%20Org",
        "/api/v1/reports?author=Nobody",
    ] {
        let v = env.get(uri, token).await.expect(StatusCode::OK).json();
        assert_eq!(v, json!({"items": [], "next_cursor": null}), "{uri}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    let big = format!(
        "{{\"kind\": \"scam\", \"title\": \"t\", \"tlp\": \"GREEN\", \"narrative\": \"{}\"}}",
        "a".repeat(5 << 20)
    );
    let r = env.post_raw("/api/v1/reports", token, big.clone()).await;
    r.expect_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // The batch route takes larger bodies (here one record, over the engine's narrative limit).
    let r =
        env.post_raw("/api/v1/reports/batch", token, format!("[{big}]")).await.expect(StatusCode::OK).json();
    assert_eq!(r["rejected"][0]["index"], 0, "{r}");
    assert!(r["rejected"][0]["error"]["message"].as_str().unwrap().contains("narrative"), "{r}");
}

#[tokio::test]
async fn security_headers_on_every_answer() {
    let env = Env::new().await;
    for r in [
        env.call(Method::GET, "/healthz", None, None).await,
        env.get("/api/v1/reports", env.analyst(AUTHOR)).await,
        env.call(Method::GET, "/api/v1/reports", None, None).await,
        env.call(Method::GET, "/nope", None, None).await,
    ] {
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(r.headers[header::CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'none'");
    }
}

#[tokio::test]
async fn healthz_and_metrics() {
    let env = Env::new().await;
    let r = env.call(Method::GET, "/healthz", None, None).await.expect(StatusCode::OK);
    assert_eq!(r.json(), json!({"status": "ok"}));

    env.submit(
        AUTHOR,
        &json!({"kind": "scam", "title": "t", "tlp": "GREEN",
            "observables": [{"kind": "phone", "value": "+1 888 839 1214"}]}),
    )
    .await;
    env.get("/api/v1/reports/not-a-uuid", env.analyst(AUTHOR)).await;
    let r = env.call(Method::GET, "/metrics", None, None).await.expect(StatusCode::OK);
    assert!(r.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = r.text();
    for needle in [
        "dragnet_index_reports 1\n",
        "dragnet_index_values ",
        "dragnet_index_occurrences ",
        r#"dragnet_ingest_records_total{outcome="accepted"} 1"#,
        r#"dragnet_http_requests_total{method="POST",route="/api/v1/reports",status="201"} 1"#,
        r#"dragnet_http_requests_total{method="GET",route="/api/v1/reports/{id}",status="404"} 1"#,
        r#"dragnet_http_request_duration_seconds_bucket{le="#,
        "# EOF",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // Raw paths never become labels.
    assert!(!text.contains("not-a-uuid"));
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let env = Env::new().await;
    let r = env.call(Method::GET, "/api/v1/openapi.json", None, None).await.expect(StatusCode::OK);
    let doc: Value = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    let mut listed = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys().filter(|k| *k != "parameters") {
            listed.insert((method.clone(), path.clone()));
        }
    }
    let expected: BTreeSet<(String, String)> =
        ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(listed, expected);
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for schema in ["ReportInput", "ReportView", "LookupView", "CheckResult", "BatchOutcome", "ErrorResponse"]
    {
        assert!(doc["components"]["schemas"].get(schema).is_some(), "schema {schema} missing");
    }
    // Authenticated routes declare the bearer scheme; the service routes do not.
    for (method, path) in ROUTES {
        let op = &doc["paths"][path][method];
        let secured = op.get("security").is_some();
        assert_eq!(
            secured,
            !matches!(path, "/healthz" | "/metrics" | "/api/v1/openapi.json"),
            "{method} {path}"
        );
    }
}

/// Every TAXII 2.1 route (its own API, not in the OpenAPI document), as `(method, path)`.
const TAXII_ROUTES: [(&str, &str); 10] = [
    ("GET", "/taxii2/"),
    ("GET", "/taxii2/{root}/"),
    ("GET", "/taxii2/{root}/status/{id}/"),
    ("GET", "/taxii2/{root}/collections/"),
    ("GET", "/taxii2/{root}/collections/{id}/"),
    ("GET", "/taxii2/{root}/collections/{id}/objects/"),
    ("POST", "/taxii2/{root}/collections/{id}/objects/"),
    ("GET", "/taxii2/{root}/collections/{id}/objects/{object_id}/"),
    ("DELETE", "/taxii2/{root}/collections/{id}/objects/{object_id}/"),
    ("GET", "/taxii2/{root}/collections/{id}/manifest/"),
];

/// Each TAXII route answers in the TAXII media type, with and without its trailing slash, and
/// is routed (an unknown id is the engine's 404, never a routing error).
#[tokio::test]
async fn taxii_routes_are_routed_with_and_without_trailing_slash() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    let org = env.engine.local_principal(AUTHOR).unwrap().viewer.org.0;
    let object = "indicator--00000000-0000-4000-8000-000000000001";
    let mut routes: Vec<(&str, String)> = TAXII_ROUTES.iter().map(|(m, p)| (*m, p.to_string())).collect();
    routes.push(("GET", "/taxii2/{root}/collections/{id}/objects/{object_id}/versions/".into()));
    for (method, template) in routes {
        let path = template
            .replace("{root}", "api")
            .replace("{id}", &org.to_string())
            .replace("{object_id}", object)
            .replace(&format!("/status/{org}"), &format!("/status/{}", uuid::Uuid::now_v7()));
        for uri in [path.clone(), path.trim_end_matches('/').to_string()] {
            let mut req = Request::builder()
                .method(method)
                .uri(&uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"));
            let body = if method == "POST" {
                req = req.header(header::CONTENT_TYPE, "application/taxii+json;version=2.1");
                Body::from(r#"{"objects": []}"#)
            } else {
                Body::empty()
            };
            let r = env.send(req.body(body).unwrap()).await;
            assert_eq!(
                r.headers[header::CONTENT_TYPE],
                "application/taxii+json;version=2.1",
                "{method} {uri}"
            );
            let v: Value = if r.body.is_empty() { json!({}) } else { r.json() };
            assert!(r.status != StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}: {v}");
            if r.status == StatusCode::NOT_FOUND {
                let description = v["description"].as_str().unwrap_or_default();
                assert!(!description.starts_with("no route"), "{method} {uri}: {v}");
            }
        }
    }
}
