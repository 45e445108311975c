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
