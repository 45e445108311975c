//! Authentication and roles.

use axum::http::{Method, StatusCode, header};
use model::Role;
use serde_json::json;

use crate::harness::{AUTHOR, Env, NAMED, OPERATOR};

fn report() -> serde_json::Value {
    json!({"kind": "intel", "title": "c2 server", "tlp": "GREEN"})
}

#[tokio::test]
async fn missing_and_bad_tokens_are_401_with_a_challenge() {
    let env = Env::new().await;
    let r = env.call(Method::GET, "/api/v1/reports", None, None).await;
    let r = r.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(r.headers[header::WWW_AUTHENTICATE], r#"Bearer realm="dragnet""#);
    for bad in ["dn_0000", "not-a-token", "dn_"] {
        let r =
            env.get("/api/v1/reports", bad).await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
        assert_eq!(r.headers[header::WWW_AUTHENTICATE], r#"Bearer realm="dragnet", error="invalid_token""#);
    }
    // Another scheme is no bearer token.
    let req = axum::http::Request::get("/api/v1/reports")
        .header(header::AUTHORIZATION, format!("Basic {}", env.analyst(AUTHOR)))
        .body(axum::body::Body::empty())
        .unwrap();
    env.send(req).await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // Authentication comes before the body is read: a malformed body without a token is a 401.
    let r = env.post_raw("/api/v1/reports", "dn_bad", "{not json").await;
    r.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn roles_are_enforced() {
    let env = Env::new().await;
    let r = env.post("/api/v1/reports", env.token(AUTHOR, Role::Reader), &report()).await;
    r.expect_error(StatusCode::FORBIDDEN, "forbidden");
    // Contributors submit.
    env.post("/api/v1/reports", env.token(AUTHOR, Role::Contributor), &report())
        .await
        .expect(StatusCode::CREATED);

    // Only admins of an operator organisation manage organisations and communities.
    let org = json!({"name": "New Bank"});
    let r = env.post("/api/v1/organizations", env.token(AUTHOR, Role::Admin), &org).await;
    r.expect_error(StatusCode::FORBIDDEN, "forbidden");
    let r = env.post("/api/v1/organizations", env.token(OPERATOR, Role::Analyst), &org).await;
    r.expect_error(StatusCode::FORBIDDEN, "forbidden");
    let created = env.post("/api/v1/organizations", env.token(OPERATOR, Role::Admin), &org).await;
    let created = created.expect(StatusCode::CREATED).json();
    assert_eq!(created["name"], "New Bank");
    assert_eq!(created["operator"], false);
    let r = env.post("/api/v1/organizations", env.token(OPERATOR, Role::Admin), &org).await;
    r.expect_error(StatusCode::CONFLICT, "conflict");
    let orgs =
        env.get("/api/v1/organizations", env.token(NAMED, Role::Reader)).await.expect(StatusCode::OK).json();
    assert!(orgs["items"].as_array().unwrap().iter().any(|o| o["name"] == "New Bank"), "{orgs}");

    let community = json!({"name": "Banks", "members": [NAMED, "New Bank"]});
    let r = env.post("/api/v1/communities", env.token(AUTHOR, Role::Admin), &community).await;
    r.expect_error(StatusCode::FORBIDDEN, "forbidden");
    let c = env.post("/api/v1/communities", env.token(OPERATOR, Role::Admin), &community).await;
    assert_eq!(c.expect(StatusCode::CREATED).json()["members"], json!(["Named Org", "New Bank"]));
    let r = env
        .post(
            "/api/v1/communities",
            env.token(OPERATOR, Role::Admin),
            &json!({"name": "X", "members": ["Nobody"]}),
        )
        .await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(r.message().contains("members[0]"), "{}", r.message());
    let put = env
        .call(
            Method::PUT,
            "/api/v1/communities/Banks/members",
            Some(env.token(OPERATOR, Role::Admin)),
            Some(&json!({"members": [AUTHOR]})),
        )
        .await;
    assert_eq!(put.expect(StatusCode::OK).json()["members"], json!([AUTHOR]));
    let put = env
        .call(
            Method::PUT,
            "/api/v1/communities/No%20Such/members",
            Some(env.token(OPERATOR, Role::Admin)),
            Some(&json!({"members": []})),
        )
        .await;
    put.expect_error(StatusCode::NOT_FOUND, "not_found");
    let list = env.get("/api/v1/communities", env.analyst(NAMED)).await.expect(StatusCode::OK).json();
    assert!(list["items"].as_array().unwrap().iter().any(|c| c["name"] == "Banks"), "{list}");
}

#[tokio::test]
async fn tokens_lifecycle() {
    let env = Env::new().await;
    let admin = env.token(AUTHOR, Role::Admin);
    let created = env
        .post("/api/v1/tokens", admin, &json!({"organization": AUTHOR, "role": "reader", "label": "siem"}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let secret = created["token"].as_str().unwrap().to_string();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["role"], "reader");
    env.get("/api/v1/reports", &secret).await.expect(StatusCode::OK);
    let me = env.get("/api/v1/whoami", &secret).await.expect(StatusCode::OK).json();
    assert_eq!(me, json!({"organization": AUTHOR, "operator": false, "role": "reader", "token_id": id}));
    let op = env.get("/api/v1/whoami", env.token(OPERATOR, Role::Admin)).await.expect(StatusCode::OK).json();
    assert_eq!(
        (&op["organization"], &op["operator"], &op["role"]),
        (&json!(OPERATOR), &json!(true), &json!("admin"))
    );

    // Listed without secrets.
    let list = env.get("/api/v1/tokens", admin).await.expect(StatusCode::OK);
    assert!(!list.text().contains(&secret));
    let items = list.json()["items"].as_array().unwrap().clone();
    assert!(items.iter().any(|t| t["id"] == id.as_str() && t["label"] == "siem"));
    assert!(items.iter().all(|t| t.get("token").is_none() && t["organization"] == AUTHOR), "{items:?}");

    // Admins manage their own organisation's tokens only; others may not at all.
    let r = env.post("/api/v1/tokens", admin, &json!({"organization": NAMED, "role": "admin"})).await;
    r.expect_error(StatusCode::FORBIDDEN, "forbidden");
    let r = env
        .post("/api/v1/tokens", env.analyst(AUTHOR), &json!({"organization": AUTHOR, "role": "reader"}))
        .await;
    r.expect_error(StatusCode::FORBIDDEN, "forbidden");
    env.get("/api/v1/tokens", env.analyst(AUTHOR)).await.expect_error(StatusCode::FORBIDDEN, "forbidden");
    let r = env.post("/api/v1/tokens", admin, &json!({"organization": AUTHOR, "role": "superuser"})).await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(r.message().contains("superuser"), "{}", r.message());
    let r = env
        .post(
            "/api/v1/tokens",
            admin,
            &json!({"organization": AUTHOR, "role": "reader", "expires_at": "2001-01-01T00:00:00Z"}),
        )
        .await;
    r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let other_admin = env.token(NAMED, Role::Admin);
    let r = env.call(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(other_admin), None).await;
    r.expect_error(StatusCode::NOT_FOUND, "not_found");

    // Revoked: the token no longer works.
    let r = env.call(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(admin), None).await;
    assert!(r.expect(StatusCode::NO_CONTENT).body.is_empty());
    env.get("/api/v1/reports", &secret).await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    env.get("/api/v1/whoami", &secret).await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let r = env.call(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(admin), None).await;
    r.expect_error(StatusCode::NOT_FOUND, "not_found");
    let r = env.call(Method::DELETE, "/api/v1/tokens/not-a-uuid", Some(admin), None).await;
    r.expect_error(StatusCode::NOT_FOUND, "not_found");

    // The operator's admins see every organisation's tokens.
    let all = env.get("/api/v1/tokens", env.token(OPERATOR, Role::Admin)).await.expect(StatusCode::OK).json();
    assert!(all["items"].as_array().unwrap().iter().any(|t| t["organization"] == NAMED));
}

#[tokio::test]
async fn revoking_reports_needs_an_analyst() {
    let env = Env::new().await;
    let id = env.submit(AUTHOR, &report()).await;
    let uri = format!("/api/v1/reports/{id}/revoke");
    let r = env.post(&uri, env.token(AUTHOR, Role::Contributor), &json!({})).await;
    r.expect_error(StatusCode::FORBIDDEN, "forbidden");
    env.post(&uri, env.analyst(AUTHOR), &json!({})).await.expect(StatusCode::OK);
}
