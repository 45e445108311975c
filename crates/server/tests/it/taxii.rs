//! TAXII 2.1 over HTTP: discovery, collections, the add / read / delete flow, every filter,
//! pagination with visibility, Basic authentication, the error statuses and the medallion
//! migration.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use model::Role;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, MEMBER, OUTSIDER, Resp};

const TAXII: &str = "application/taxii+json;version=2.1";
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const PUBLIC: &str = "6c0f9d5e-0c1e-4a57-9f0c-7c1ea2b0c1ea";

enum Auth<'a> {
    Bearer(&'a str),
    Basic(&'a str, &'a str),
    None,
}

async fn taxii(env: &Env, method: Method, uri: &str, auth: Auth<'_>, body: Option<String>) -> Resp {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::ACCEPT, TAXII)
        .header(header::HOST, "taxii.example:8443");
    req = match auth {
        Auth::Bearer(t) => req.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Basic(u, p) => req.header(
            header::AUTHORIZATION,
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))),
        ),
        Auth::None => req,
    };
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, TAXII);
            Body::from(b)
        }
        None => Body::empty(),
    };
    let r = env.send(req.body(body).unwrap()).await;
    assert_eq!(r.headers[header::CONTENT_TYPE], TAXII, "{uri}: {}", r.text());
    r
}

async fn get(env: &Env, uri: &str, token: &str) -> Resp {
    taxii(env, Method::GET, uri, Auth::Bearer(token), None).await
}

/// Asserts a TAXII error resource with this status.
#[track_caller]
fn expect_taxii_error(r: Resp, status: StatusCode) -> Value {
    let r = r.expect(status);
    let v = r.json();
    assert_eq!(v["http_status"], status.as_u16().to_string(), "{v}");
    assert!(v["title"].is_string() && v["description"].is_string(), "{v}");
    v
}

fn indicator(n: u32, modified: &str, marking: Option<&str>) -> Value {
    let mut v = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2020-01-01T00:00:00.000Z",
        "modified": modified,
        "pattern": "[domain-name:value = 'evil.example']",
        "pattern_type": "stix",
        "valid_from": "2020-01-01T00:00:00Z",
        "x_vendor": {"nested": [1.50, "é"]},
    });
    if let Some(m) = marking {
        v["object_marking_refs"] = json!([m]);
    }
    v
}

fn envelope(objects: &[Value]) -> String {
    json!({ "objects": objects }).to_string()
}

fn short_ids(v: &Value) -> Vec<String> {
    v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let id = o["id"].as_str().unwrap();
            id[id.len() - 2..].to_string()
        })
        .collect()
}

/// An org collection URL.
fn objects_url(env: &Env, org: &str) -> String {
    let id = env.engine.local_principal(org).unwrap().viewer.org.0;
    format!("/taxii2/api/collections/{id}/objects/")
}

#[tokio::test]
async fn discovery_api_root_and_collections() {
    let env = Env::new().await;
    let token = env.token(MEMBER, Role::Reader);
    let r =
        taxii(&env, Method::GET, "/taxii2/", Auth::Basic(MEMBER, token), None).await.expect(StatusCode::OK);
    let d = r.json();
    assert_eq!(d["default"], "http://taxii.example:8443/taxii2/api/");
    assert_eq!(d["api_roots"], json!(["http://taxii.example:8443/taxii2/api/"]));
    let root = get(&env, "/taxii2/api", token).await.expect(StatusCode::OK).json();
    assert_eq!(root["title"], "dragnet");
    assert_eq!(root["versions"], json!([TAXII]));
    assert!(root["max_content_length"].as_u64().unwrap() >= 1 << 20);
    let colls = get(&env, "/taxii2/api/collections/", token).await.expect(StatusCode::OK).json();
    let colls = colls["collections"].as_array().unwrap().clone();
    let titles: Vec<&str> = colls.iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, [MEMBER, crate::harness::COMMUNITY, "TLP:CLEAR"]);
    assert!(colls.iter().all(|c| c["can_read"] == true && c["can_write"] == false), "a reader");
    let one =
        get(&env, &format!("/taxii2/api/collections/{}", colls[1]["id"].as_str().unwrap()), token).await;
    assert_eq!(one.expect(StatusCode::OK).json()["title"], crate::harness::COMMUNITY);
    // Another organisation's collection answers like an unknown one.
    let author = env.engine.local_principal(AUTHOR).unwrap().viewer.org.0;
    let hidden = get(&env, &format!("/taxii2/api/collections/{author}/"), token).await;
    let unknown = get(&env, &format!("/taxii2/api/collections/{}/", uuid::Uuid::now_v7()), token).await;
    let (h, u) = (
        expect_taxii_error(hidden, StatusCode::NOT_FOUND),
        expect_taxii_error(unknown, StatusCode::NOT_FOUND),
    );
    assert_eq!(h["error_code"], u["error_code"]);
    expect_taxii_error(get(&env, "/taxii2/nope/", token).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn add_read_versions_manifest_status_and_delete() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    let url = objects_url(&env, AUTHOR);
    // One object as a client wrote it: spacing, key order and number spelling are kept.
    let raw = r#"{"type":"indicator", "spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000009","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","pattern":"[url:value = 'x']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z","x_vendor":{"nested":[1.50, "\u00e9"]}}"#;
    let r = taxii(&env, Method::POST, &url, Auth::Bearer(token), Some(format!("{{\"objects\": [ {raw} ]}}")))
        .await;
    r.expect(StatusCode::ACCEPTED);
    let nine = get(&env, &format!("{url}indicator--00000000-0000-4000-8000-000000000009/"), token).await;
    assert_eq!(nine.text(), format!("{{\"more\":false,\"objects\":[{raw}]}}"));
    taxii(
        &env,
        Method::DELETE,
        &format!("{url}indicator--00000000-0000-4000-8000-000000000009/"),
        Auth::Bearer(token),
        None,
    )
    .await
    .expect(StatusCode::OK);
    let body = envelope(&[
        indicator(1, "2020-01-01T00:00:00.000Z", None),
        indicator(1, "2021-01-01T00:00:00.000Z", None),
        indicator(2, "2020-01-01T00:00:00.000Z", Some(GREEN)),
        json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000003", "created": "2017-13-01T00:00:00Z", "modified": "2017-01-01T00:00:00Z"}),
    ]);
    let r =
        taxii(&env, Method::POST, &url, Auth::Bearer(token), Some(body)).await.expect(StatusCode::ACCEPTED);
    let status = r.json();
    assert_eq!(status["status"], "complete");
    assert_eq!(
        (status["total_count"].as_u64(), status["success_count"].as_u64(), status["failure_count"].as_u64()),
        (Some(4), Some(3), Some(1))
    );
    assert_eq!(
        status["failures"][0]["message"],
        "objects[3].created: invalid timestamp \"2017-13-01T00:00:00Z\""
    );
    assert_eq!(status["successes"][1]["version"], "2021-01-01T00:00:00.000Z");
    let status_url = format!("/taxii2/api/status/{}/", status["id"].as_str().unwrap());
    assert_eq!(get(&env, &status_url, token).await.expect(StatusCode::OK).json()["success_count"], 3);
    expect_taxii_error(get(&env, &status_url, env.analyst(MEMBER)).await, StatusCode::NOT_FOUND);

    // Objects: the latest version of each, exactly as received.
    let r = get(&env, &url, token).await.expect(StatusCode::OK);
    let first = r.headers["x-taxii-date-added-first"].to_str().unwrap().to_string();
    let last = r.headers["x-taxii-date-added-last"].to_str().unwrap().to_string();
    assert!(first < last, "{first} {last}");
    let v = r.json();
    assert_eq!(v["more"], false);
    assert_eq!(short_ids(&v), ["01", "02"]);
    assert_eq!(v["objects"][0]["modified"], "2021-01-01T00:00:00.000Z");
    let one = "indicator--00000000-0000-4000-8000-000000000001";
    let versions = get(&env, &format!("{url}{one}/versions/"), token).await.expect(StatusCode::OK).json();
    assert_eq!(versions["versions"], json!(["2020-01-01T00:00:00.000Z", "2021-01-01T00:00:00.000Z"]));
    let obj = get(&env, &format!("{url}{one}?match[version]=all"), token).await.expect(StatusCode::OK).json();
    assert_eq!(obj["objects"].as_array().unwrap().len(), 2);
    let manifest_url = url.replace("/objects/", "/manifest/");
    let m = get(&env, &manifest_url, token).await.expect(StatusCode::OK).json();
    assert_eq!(m["objects"][0]["version"], "2021-01-01T00:00:00.000Z");
    assert_eq!(m["objects"][0]["media_type"], "application/stix+json;version=2.1");
    // Posting the same versions again stores nothing new.
    let again = envelope(&[indicator(1, "2020-01-01T00:00:00.000Z", None)]);
    let r =
        taxii(&env, Method::POST, &url, Auth::Bearer(token), Some(again)).await.expect(StatusCode::ACCEPTED);
    assert_eq!(r.json()["success_count"], 1);
    assert_eq!(
        get(&env, &format!("{url}{one}/versions"), token).await.json()["versions"].as_array().unwrap().len(),
        2
    );
    // Delete one version, then the rest.
    let del = taxii(
        &env,
        Method::DELETE,
        &format!("{url}{one}/?match[version]=2020-01-01T00:00:00.000Z"),
        Auth::Bearer(token),
        None,
    )
    .await;
    del.expect(StatusCode::OK);
    assert_eq!(
        get(&env, &format!("{url}{one}/versions/"), token).await.json()["versions"],
        json!(["2021-01-01T00:00:00.000Z"])
    );
    taxii(&env, Method::DELETE, &format!("{url}{one}"), Auth::Bearer(token), None)
        .await
        .expect(StatusCode::OK);
    expect_taxii_error(get(&env, &format!("{url}{one}/"), token).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_filter() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    let url = objects_url(&env, AUTHOR);
    let mut old = indicator(3, "2019-01-01T00:00:00.000Z", None);
    old.as_object_mut().unwrap().remove("spec_version");
    old["created"] = json!("2019-01-01T00:00:00.000Z");
    let malware = json!({"type": "malware", "spec_version": "2.1", "id": "malware--00000000-0000-4000-8000-000000000004", "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z", "is_family": true, "name": "x"});
    let bodies = [
        envelope(&[
            indicator(1, "2020-01-01T00:00:00.000Z", None),
            indicator(2, "2020-01-01T00:00:00.000Z", None),
        ]),
        envelope(&[indicator(1, "2021-01-01T00:00:00.000Z", None), old, malware]),
        envelope(&[indicator(3, "2020-06-01T00:00:00.000Z", None)]),
    ];
    for b in bodies {
        taxii(&env, Method::POST, &url, Auth::Bearer(token), Some(b)).await.expect(StatusCode::ACCEPTED);
    }
    let m = get(&env, &url.replace("/objects/", "/manifest/"), token).await.json();
    let added: Vec<String> = m["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["date_added"].as_str().unwrap().to_string())
        .collect();
    let ids = |q: &str| {
        let env = &env;
        let url = format!("{url}?{q}");
        async move { short_ids(&get(env, &url, token).await.expect(StatusCode::OK).json()) }
    };
    assert_eq!(ids("").await, ["02", "01", "04", "03"]);
    assert_eq!(ids("match[type]=malware").await, ["04"]);
    assert_eq!(ids("match[id]=indicator--00000000-0000-4000-8000-000000000002,malware--00000000-0000-4000-8000-000000000004").await, ["02", "04"]);
    assert_eq!(ids("match[version]=first").await, ["01", "02", "04", "03"]);
    assert_eq!(ids("match[version]=all").await, ["01", "02", "01", "04", "03"]);
    assert_eq!(ids("match[version]=2020-01-01T00:00:00.000Z").await, ["01", "02", "04"]);
    assert_eq!(ids("match[spec_version]=2.0").await, ["03"]);
    assert_eq!(
        ids("match[spec_version]=2.0,2.1&match[version]=all").await,
        ["01", "02", "01", "03", "04", "03"]
    );
    // added_after: strictly after the second object's date_added (medallion picks first/last
    // among the versions added after).
    let after = format!(
        "added_after={}",
        m["objects"].as_array().unwrap().iter().find(|o| o["id"].as_str().unwrap().ends_with("02")).unwrap()
            ["date_added"]
            .as_str()
            .unwrap()
    );
    assert_eq!(ids(&after).await, ["01", "04", "03"]);
    assert!(!added.is_empty());
    // Bad filters are 400.
    for q in [
        "added_after=yesterday",
        "match[version]=soon",
        "limit=0",
        "limit=x",
        "next=zzz",
        "match[spec_version]=3.0",
    ] {
        expect_taxii_error(get(&env, &format!("{url}?{q}"), token).await, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn pagination_never_counts_or_shows_hidden_objects() {
    let env = Env::new().await;
    let community =
        env.engine.create_community(None, "taxii circle", &[AUTHOR.into(), MEMBER.into()]).await.unwrap().id;
    let url = format!("/taxii2/api/collections/{community}/objects/");
    let author = env.analyst(AUTHOR);
    // 25 objects, every fifth RED (the author's only); the rest AMBER for the community.
    let objects: Vec<Value> =
        (1..=25).map(|n| indicator(n, "2020-01-01T00:00:00.000Z", (n % 5 == 0).then_some(RED))).collect();
    taxii(&env, Method::POST, &url, Auth::Bearer(author), Some(envelope(&objects)))
        .await
        .expect(StatusCode::ACCEPTED);
    let member = env.token(MEMBER, Role::Reader);
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let q = match &next {
            Some(n) => format!("{url}?limit=6&next={n}"),
            None => format!("{url}?limit=6"),
        };
        let v = get(&env, &q, member).await.expect(StatusCode::OK).json();
        pages.push(v["objects"].as_array().unwrap().len());
        seen.extend(short_ids(&v));
        if v["more"] == false {
            assert!(v.get("next").is_none());
            break;
        }
        next = Some(v["next"].as_str().unwrap().to_string());
    }
    let expected: Vec<String> = (1..=25).filter(|n| n % 5 != 0).map(|n| format!("{n:02}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(pages, [6, 6, 6, 2], "20 visible objects, pages of 6");
    let m = get(&env, &url.replace("/objects/", "/manifest/"), member).await.json();
    assert_eq!(m["objects"].as_array().unwrap().len(), 20);
    let hidden = "indicator--00000000-0000-4000-8000-000000000005";
    let (h, u) = (
        get(&env, &format!("{url}{hidden}/"), member).await,
        get(&env, &format!("{url}indicator--00000000-0000-4000-8000-000000000099/"), member).await,
    );
    assert_eq!(
        expect_taxii_error(h, StatusCode::NOT_FOUND)["error_code"],
        expect_taxii_error(u, StatusCode::NOT_FOUND)["error_code"]
    );
    // The author sees all 25; an outsider is not in the community's scope.
    assert_eq!(short_ids(&get(&env, &url, author).await.json()).len(), 25);
    expect_taxii_error(get(&env, &url, env.analyst(OUTSIDER)).await, StatusCode::NOT_FOUND);
    // A member may not delete the author's object.
    let del = taxii(
        &env,
        Method::DELETE,
        &format!("{url}indicator--00000000-0000-4000-8000-000000000001/"),
        Auth::Bearer(env.analyst(MEMBER)),
        None,
    )
    .await;
    expect_taxii_error(del, StatusCode::FORBIDDEN);
    // The public collection holds CLEAR objects only.
    let public = format!("/taxii2/api/collections/{PUBLIC}/objects/");
    let r = taxii(
        &env,
        Method::POST,
        &public,
        Auth::Bearer(author),
        Some(envelope(&[
            indicator(30, "2020-01-01T00:00:00.000Z", None),
            indicator(31, "2020-01-01T00:00:00.000Z", Some(RED)),
        ])),
    )
    .await;
    assert_eq!(r.expect(StatusCode::ACCEPTED).json()["failure_count"], 1);
    assert_eq!(short_ids(&get(&env, &public, env.analyst(OUTSIDER)).await.json()), ["30"]);
}

#[tokio::test]
async fn basic_authentication() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    let id = env.engine.authenticate(token).await.unwrap().token_id.unwrap().to_string();
    taxii(&env, Method::GET, "/taxii2/", Auth::Basic(&id, token), None).await.expect(StatusCode::OK);
    taxii(&env, Method::GET, "/taxii2/", Auth::Basic(AUTHOR, token), None).await.expect(StatusCode::OK);
    for auth in
        [Auth::Basic(MEMBER, token), Auth::Basic(AUTHOR, "dn_wrong"), Auth::None, Auth::Bearer("dn_nope")]
    {
        let r = taxii(&env, Method::GET, "/taxii2/", auth, None).await;
        assert_eq!(r.headers[header::WWW_AUTHENTICATE], r#"Basic realm="dragnet""#);
        expect_taxii_error(r, StatusCode::UNAUTHORIZED);
    }
    let intake = env.engine.create_token(None, AUTHOR, Role::Intake, "form", None).await.unwrap().token;
    expect_taxii_error(get(&env, "/taxii2/", &intake).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn error_statuses() {
    let env = Env::new().await;
    let token = env.analyst(AUTHOR);
    let url = objects_url(&env, AUTHOR);
    // 406: an Accept the server cannot answer; taxii+json without version and */* are fine.
    let accept = |a: &'static str| {
        Request::get("/taxii2/")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::ACCEPT, a)
            .body(Body::empty())
            .unwrap()
    };
    expect_taxii_error(env.send(accept("application/json")).await, StatusCode::NOT_ACCEPTABLE);
    expect_taxii_error(
        env.send(accept("application/taxii+json;version=2.0")).await,
        StatusCode::NOT_ACCEPTABLE,
    );
    env.send(accept("application/taxii+json")).await.expect(StatusCode::OK);
    env.send(accept("*/*")).await.expect(StatusCode::OK);
    // 415: not taxii+json.
    let req = Request::post(&url)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(envelope(&[])))
        .unwrap();
    let r = env.send(req).await;
    assert_eq!(r.headers[header::CONTENT_TYPE], TAXII);
    expect_taxii_error(r, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // 400: not json; 422: no objects or not an envelope.
    let post = |b: String| taxii(&env, Method::POST, &url, Auth::Bearer(token), Some(b));
    expect_taxii_error(post("{\"objects\": [".into()).await, StatusCode::BAD_REQUEST);
    expect_taxii_error(post(envelope(&[])).await, StatusCode::UNPROCESSABLE_ENTITY);
    expect_taxii_error(post("[1]".into()).await, StatusCode::UNPROCESSABLE_ENTITY);
    // 413: over the api root's max_content_length.
    let big = format!("{{\"objects\": [], \"x\": \"{}\"}}", "a".repeat(10 << 20));
    expect_taxii_error(post(big).await, StatusCode::PAYLOAD_TOO_LARGE);
    // 403: a reader may not write.
    let r = taxii(
        &env,
        Method::POST,
        &url,
        Auth::Bearer(env.token(AUTHOR, Role::Reader)),
        Some(envelope(&[indicator(1, "2020-01-01T00:00:00.000Z", None)])),
    )
    .await;
    expect_taxii_error(r, StatusCode::FORBIDDEN);
    // Routing errors under /taxii2 are TAXII errors too.
    expect_taxii_error(get(&env, "/taxii2/api/nothing/here/", token).await, StatusCode::NOT_FOUND);
    expect_taxii_error(
        taxii(&env, Method::PUT, "/taxii2/", Auth::Bearer(token), None).await,
        StatusCode::METHOD_NOT_ALLOWED,
    );
}

#[tokio::test]
async fn medallion_migration_over_http() {
    let env = Env::new().await;
    let data: Value = serde_json::from_str(
        &std::fs::read_to_string("/tmp/shared/testdata/stix/taxii/medallion-default_data.json").unwrap(),
    )
    .unwrap();
    let owner = env.engine.local_principal(AUTHOR).unwrap().viewer.org;
    env.engine.import_medallion(&data, owner).await.unwrap();
    let token = env.analyst(AUTHOR);
    let d = get(&env, "/taxii2/", token).await.expect(StatusCode::OK).json();
    assert_eq!(d["api_roots"].as_array().unwrap().len(), 4);
    let base = "/taxii2/trustgroup1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116";
    let m = get(&env, &format!("{base}/manifest/"), token).await.expect(StatusCode::OK);
    assert_eq!(m.headers["x-taxii-date-added-first"], "2014-05-08T09:00:00.000000Z");
    let v = m.json();
    let added: Vec<&str> =
        v["objects"].as_array().unwrap().iter().map(|o| o["date_added"].as_str().unwrap()).collect();
    assert_eq!(added[..2], ["2014-05-08T09:00:00.000000Z", "2016-11-01T03:04:05.000000Z"]);
    assert!(added.windows(2).all(|w| w[0] <= w[1]), "{added:?}");
    let versions = get(
        &env,
        &format!("{base}/objects/indicator--6770298f-0fd8-471a-ab8c-1c658a46574e/versions/"),
        token,
    )
    .await
    .json();
    assert_eq!(
        versions["versions"],
        json!(["2016-11-03T12:30:59.000Z", "2016-12-25T12:30:59.444Z", "2017-01-27T13:49:53.935Z"])
    );
    // can_read false is 403; can_write false refuses a POST with 403.
    expect_taxii_error(
        get(&env, "/taxii2/trustgroup1/collections/64993447-4d7e-4f70-b94d-d7f33742ee63/objects/", token)
            .await,
        StatusCode::FORBIDDEN,
    );
    let r = taxii(
        &env,
        Method::POST,
        "/taxii2/trustgroup1/collections/52892447-4d7e-4f70-b94d-d7f22742ff63/objects/",
        Auth::Bearer(token),
        Some(envelope(&[indicator(1, "2020-01-01T00:00:00.000Z", None)])),
    )
    .await;
    expect_taxii_error(r, StatusCode::FORBIDDEN);
    let s = get(&env, "/taxii2/trustgroup1/status/2d086da7-4bdc-4f91-900e-d77486753710/", token)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(s["pending_count"], 2);
    // Another organisation sees none of these collections.
    let other = get(&env, "/taxii2/trustgroup1/collections/", env.analyst(OUTSIDER))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(other, json!({}));
}
