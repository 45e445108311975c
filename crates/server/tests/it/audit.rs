//! `GET /api/v1/audit` and what the read paths record: AMBER/RED reads and victim data reads
//! leave entries, each organisation's admins see their own organisation's entries only.

use axum::http::StatusCode;
use model::Role;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, NAMED, OUTSIDER};
use crate::intake::intake_body;

fn report(tlp: &str, domain: &str) -> Value {
    json!({
        "kind": "intel",
        "title": format!("{tlp} phishing kit"),
        "tlp": tlp,
        "audience": {"organizations": [NAMED]},
        "observables": [{"kind": "domain", "value": domain}],
    })
}

/// Every entry of `org`'s admin, following the cursors (pages of `limit`).
async fn all_entries(env: &Env, org: &str, query: &str, limit: usize) -> Vec<Value> {
    let admin = env.token(org, Role::Admin);
    let mut out = Vec::new();
    let mut uri = format!("/api/v1/audit?limit={limit}{query}");
    loop {
        let page = env.get(&uri, admin).await.expect(StatusCode::OK).json();
        let items = page["items"].as_array().expect("items").clone();
        assert!(items.len() <= limit);
        out.extend(items);
        match page["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/audit?limit={limit}{query}&cursor={c}"),
            None => break,
        }
    }
    out
}

fn with_action<'a>(entries: &'a [Value], action: &str) -> Vec<&'a Value> {
    entries.iter().filter(|e| e["action"] == action).collect()
}

#[tokio::test]
async fn reads_of_amber_reports_and_victim_data_are_recorded_per_organisation() {
    let env = Env::new().await;
    let amber = env.submit(AUTHOR, &report("AMBER", "amber-kit-audit.com")).await;
    let green = env.submit(AUTHOR, &report("GREEN", "green-kit-audit.com")).await;
    let scam = env
        .post("/api/v1/intake", env.analyst(AUTHOR), &intake_body("AMBER"))
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The named organisation reads the AMBER report, the GREEN one, and looks the AMBER
    // report's domain up; the author's reader opens its scam report, victim data included.
    let named = env.token(NAMED, Role::Reader);
    env.get(&format!("/api/v1/reports/{amber}"), named).await.expect(StatusCode::OK);
    env.get(&format!("/api/v1/reports/{green}"), named).await.expect(StatusCode::OK);
    env.get("/api/v1/observables/domain/amber-kit-audit.com", named).await.expect(StatusCode::OK);
    let own = env.get(&format!("/api/v1/reports/{scam}"), env.token(AUTHOR, Role::Reader)).await;
    assert!(own.expect(StatusCode::OK).json()["victim_pii"]["name"].is_string());

    let named_entries = all_entries(&env, NAMED, "", 2).await;
    assert!(named_entries.iter().all(|e| e["organization"] == NAMED), "{named_entries:#?}");
    let reads = with_action(&named_entries, "report.read");
    assert_eq!(reads.len(), 1, "the AMBER read only, not the GREEN one: {named_entries:#?}");
    assert_eq!(reads[0]["object_id"], amber.as_str());
    assert_eq!(reads[0]["actor"], "token");
    assert_eq!(reads[0]["role"], "reader");
    let lookups = with_action(&named_entries, "observable.lookup");
    assert_eq!(lookups.len(), 1);
    assert_eq!(lookups[0]["detail"]["reports"], json!([amber]));

    let author_entries = all_entries(&env, AUTHOR, "", 50).await;
    assert!(author_entries.iter().all(|e| e["organization"] == AUTHOR));
    assert!(with_action(&author_entries, "report.read").iter().all(|e| e["object_id"] == scam.as_str()));
    let pii = with_action(&author_entries, "pii.read");
    assert_eq!(pii.len(), 1, "{author_entries:#?}");
    assert_eq!(pii[0]["object_id"], scam.as_str());
    let body = serde_json::to_string(&author_entries).unwrap();
    crate::intake::assert_no_pii("the audit log", &body);
    let created: Vec<&str> = with_action(&author_entries, "report.create")
        .iter()
        .map(|e| e["object_id"].as_str().unwrap())
        .collect();
    for id in [&amber, &green, &scam] {
        assert!(created.contains(&id.as_str()), "{id} created: {created:?}");
    }
    // Newest first, and filters apply.
    let seqs: Vec<u64> = author_entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
    let only = all_entries(&env, AUTHOR, "&action=pii.read", 50).await;
    assert_eq!(only.len(), 1);
    let later = all_entries(&env, AUTHOR, "&since=2999-01-01T00:00:00Z", 50).await;
    assert!(later.is_empty());

    // An organisation that did nothing sees nothing of the others.
    assert!(all_entries(&env, OUTSIDER, "", 50).await.is_empty());
    let summary = env.engine.verify_audit().await.expect("the chain verifies");
    assert!(summary.entries >= 8, "{summary:?}");
}

#[tokio::test]
async fn only_admins_read_the_audit_log() {
    let env = Env::new().await;
    for role in [Role::Analyst, Role::Contributor, Role::Reader] {
        env.get("/api/v1/audit", env.token(AUTHOR, role))
            .await
            .expect_error(StatusCode::FORBIDDEN, "forbidden");
    }
    env.call(axum::http::Method::GET, "/api/v1/audit", None, None).await.expect(StatusCode::UNAUTHORIZED);
    env.get("/api/v1/audit?cursor=nope", env.token(AUTHOR, Role::Admin))
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    // Token creation by the CLI at set-up is recorded as the CLI's, under no organisation.
    let entries = all_entries(&env, AUTHOR, "", 1000).await;
    assert!(entries.is_empty(), "{entries:#?}");
}

/// An AMBER scam report naming NAMED, holding `phone` and a shared domain.
fn amber_scam(phone: &str) -> Value {
    json!({
        "kind": "scam", "title": format!("caller {phone}"), "tlp": "AMBER",
        "audience": {"organizations": [NAMED]},
        "observables": [{"kind": "phone", "value": phone}, {"kind": "domain", "value": "refund-desk-audit.com"}],
    })
}

/// The report ids an entry names.
fn named_reports(e: &Value) -> Vec<String> {
    let mut ids: Vec<String> =
        e["detail"]["reports"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn campaign_graph_export_taxii_and_stream_reads_of_amber_reports_are_recorded() {
    let env = Env::new().await;
    let mut amber = Vec::new();
    for _ in 0..3 {
        amber.push(env.submit(AUTHOR, &amber_scam("+1 888 839 1214")).await);
    }
    amber.sort();
    // A GREEN report in the same campaign and network: read, never recorded.
    let green = env
        .submit(
            AUTHOR,
            &json!({"kind": "scam", "title": "green caller", "tlp": "GREEN",
            "observables": [{"kind": "phone", "value": "+1 888 839 1214"}]}),
        )
        .await;
    let named = env.token(NAMED, Role::Reader);
    let list = env.get("/api/v1/campaigns", named).await.expect(StatusCode::OK).json();
    let campaign = list["items"][0]["id"].as_str().expect("a campaign").to_string();
    assert!(list["items"][0].get("report_ids").is_none(), "ids stay out of answers: {list}");
    let node = "phone:%2B18888391214";
    for uri in [
        format!("/api/v1/campaigns/{campaign}"),
        format!("/api/v1/campaigns/{campaign}/stix"),
        format!("/api/v1/campaigns/{campaign}/misp"),
        format!("/api/v1/graph/expand?node={node}"),
        format!("/api/v1/graph/neighbourhood?node={node}"),
        format!("/api/v1/graph/path?from=report:{}&to=report:{}", amber[0], amber[1]),
        format!("/api/v1/graph/networks/{}", amber[0]),
        "/api/v1/graph/networks".to_string(),
        format!("/api/v1/graph/networks/{}/stix", amber[0]),
    ] {
        env.get(&uri, named).await.expect(StatusCode::OK);
    }
    env.post(
        "/api/v1/graph/connect",
        named,
        &json!({"selectors": [format!("report:{}", amber[0]), "refund-desk-audit.com"]}),
    )
    .await
    .expect(StatusCode::OK);

    let entries = all_entries(&env, NAMED, "", 100).await;
    for (action, all) in [
        ("campaign.list", true),
        ("campaign.read", true),
        ("campaign.export_stix", true),
        ("campaign.export_misp", true),
        ("graph.expand", true),
        ("graph.neighbourhood", true),
        ("graph.path", false),
        ("graph.network", true),
        ("graph.networks", true),
        ("network.export_stix", true),
        ("graph.connect", false),
    ] {
        let found = with_action(&entries, action);
        assert_eq!(found.len(), 1, "{action}: {entries:#?}");
        let ids = named_reports(found[0]);
        assert!(!ids.contains(&green), "{action} names the GREEN report: {ids:?}");
        if all {
            assert_eq!(ids, amber, "{action}");
        } else {
            assert!(ids.contains(&amber[0]), "{action}: {ids:?}");
        }
        assert_eq!(found[0]["detail"]["count"], ids.len());
    }

    // TAXII: an AMBER object read back is recorded, by object id; a CLEAR one is not.
    let contributor = env.token(AUTHOR, Role::Contributor);
    let collection = env.engine.local_principal(AUTHOR).unwrap().viewer.org.0;
    let amber_marking = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
    let objects = json!({"objects": [
        {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--00000000-0000-4000-8000-000000000001",
         "value": "203.0.113.7", "object_marking_refs": [amber_marking]},
        {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--00000000-0000-4000-8000-000000000002",
         "value": "203.0.113.8",
         "object_marking_refs": ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]},
    ]});
    let taxii = |method: axum::http::Method, uri: String, token: &str, body: Option<String>| {
        let mut req = axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("accept", "application/taxii+json;version=2.1")
            .header("authorization", format!("Bearer {token}"));
        if body.is_some() {
            req = req.header("content-type", "application/taxii+json;version=2.1");
        }
        req.body(axum::body::Body::from(body.unwrap_or_default())).unwrap()
    };
    let base = format!("/taxii2/api/collections/{collection}");
    env.send(taxii(
        axum::http::Method::POST,
        format!("{base}/objects/"),
        contributor,
        Some(objects.to_string()),
    ))
    .await
    .expect(StatusCode::ACCEPTED);
    let admin = env.token(AUTHOR, Role::Admin);
    for path in ["objects/", "manifest/"] {
        env.send(taxii(axum::http::Method::GET, format!("{base}/{path}"), admin, None))
            .await
            .expect(StatusCode::OK);
    }
    let author_entries = all_entries(&env, AUTHOR, "", 100).await;
    for action in ["taxii.objects", "taxii.manifest"] {
        let found = with_action(&author_entries, action);
        assert_eq!(found.len(), 1, "{action}: {author_entries:#?}");
        assert_eq!(found[0]["object_id"], "ipv4-addr--00000000-0000-4000-8000-000000000001", "{action}");
    }

    // The stream: NAMED's client receives an AMBER report; once it disconnects, the stream
    // has recorded what it delivered.
    let mut sse = crate::stream::Sse::open(&env.app, named, "?type=report.created", None).await;
    let fresh = env.submit(AUTHOR, &amber_scam("+1 888 839 1215")).await;
    sse.until(|f| f.data["data"]["id"] == fresh.as_str()).await;
    drop(sse);
    let mut streamed = Vec::new();
    for _ in 0..100 {
        streamed = all_entries(&env, NAMED, "&action=stream.read", 100).await;
        if !streamed.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(streamed.len(), 1, "{streamed:#?}");
    assert_eq!(named_reports(&streamed[0]), vec![fresh.clone()]);
    env.engine.verify_audit().await.expect("the chain verifies");
}
