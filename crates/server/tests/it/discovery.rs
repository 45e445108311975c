//! Hit/no-hit over HTTP: the discoverable matrix (every TLP × viewer × read path with the mark),
//! and the whole request / grant / decline flow.

use axum::http::{Method, StatusCode};
use model::Role;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, MEMBER, NAMED, OUTSIDER, segment};
use crate::visibility::{MATRIX, VIEWERS, assert_visible, never_seen, read, reads, report, values};

/// Removes the `held_elsewhere` mark from a lookup or check answer.
fn without_mark(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("held_elsewhere");
    }
    if let Some(results) = v.get_mut("results").and_then(Value::as_array_mut) {
        for r in results {
            if let Some(o) = r.as_object_mut() {
                o.remove("held_elsewhere");
            }
        }
    }
    v
}

/// Whether every lookup or check result of an answer carries `held_elsewhere: true`.
fn marked(v: &Value) -> bool {
    match v.get("results").and_then(Value::as_array) {
        Some(results) => results.iter().all(|r| r["held_elsewhere"] == true),
        None => v["held_elsewhere"] == true,
    }
}

/// The visibility matrix with every report discoverable (RED through its organisation's
/// setting, which RED ignores): allowed viewers read as before; for the others every read path
/// answers exactly like a report that never existed, except that lookups and checks add
/// `held_elsewhere: true` (nothing else: no count, organisation, TLP or id) — and never for RED;
/// and an access request is accepted, for anything but RED.
#[tokio::test]
async fn discoverable_matrix() {
    let env = Env::new().await;
    let empty = Env::new().await;
    let mut ids = Vec::new();
    for (i, (tlp, _)) in MATRIX.iter().enumerate() {
        let mut r = report(tlp, &values(i));
        if *tlp != "RED" {
            r["discoverable"] = json!(true);
        }
        ids.push(env.submit(AUTHOR, &r).await);
    }
    env.call(
        Method::PUT,
        "/api/v1/discovery",
        Some(env.token(AUTHOR, Role::Admin)),
        Some(&json!({"reports_discoverable": true})),
    )
    .await
    .expect(StatusCode::OK);

    let mut failures = Vec::new();
    let mut checked = 0;
    for (i, (tlp, allowed)) in MATRIX.iter().enumerate() {
        let (id, v) = (&ids[i], values(i));
        let discoverable = *tlp != "RED";
        for (viewer, &may_see) in VIEWERS.iter().zip(allowed) {
            let token = env.token(viewer, Role::Reader);
            let ctx = format!("{tlp} / {viewer}");
            for (name, uri, body) in reads(id, &v) {
                checked += 1;
                let answer = read(&env, token, &uri, &body).await;
                if may_see {
                    assert_visible(&ctx, &name, &answer, id, &mut failures);
                    if answer.status == StatusCode::OK && answer.text().contains("held_elsewhere") {
                        failures.push(format!("{ctx}: {name}: marked although readable: {}", answer.text()));
                    }
                    continue;
                }
                let twin = read(&empty, empty.token(viewer, Role::Reader), &uri, &body).await;
                let name = format!("{ctx}: {name}");
                if name.ends_with("access request") {
                    let expected = if discoverable { StatusCode::ACCEPTED } else { twin.status };
                    if answer.status != expected || (!discoverable && answer.body != twin.body) {
                        failures.push(format!("{name}: {} {}", answer.status, answer.text()));
                    }
                    continue;
                }
                let is_value_answer = name.contains("lookup") || name.ends_with("check");
                if discoverable && is_value_answer {
                    let (a, t) = (answer.json(), twin.json());
                    if answer.status != twin.status || !marked(&a) || without_mark(a.clone()) != t {
                        failures.push(format!("{name}: expected the never-existed answer plus the mark\n  got:   {a}\n  never: {t}"));
                    }
                } else if (answer.status, &answer.body) != (twin.status, &twin.body) {
                    failures.push(format!(
                        "{name}: differs from never-existed\n  got:   {} {}\n  never: {} {}",
                        answer.status,
                        answer.text(),
                        twin.status,
                        twin.text()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} reads wrong:\n{}", failures.len(), failures.join("\n"));
}

/// The whole flow: mark, look up, check, ask, see the request (who and which selector only),
/// grant, read; decline; a third organisation learns nothing of it.
#[tokio::test]
async fn request_grant_decline_flow() {
    let env = Env::new().await;
    let v = values(3);
    let hidden = env.submit(AUTHOR, &report("AMBER+STRICT", &v)).await;
    let lookup_uri = format!("/api/v1/observables/phone/{}", segment(&v.phone));
    let check_body = json!({"selectors": [{"kind": "phone", "value": v.phone}]});
    let outsider = env.analyst(OUTSIDER);
    let before_lookup = env.get(&lookup_uri, outsider).await.expect(StatusCode::OK).body;
    let before_check = env.post("/api/v1/check", outsider, &check_body).await.expect(StatusCode::OK).body;
    let request = json!({"value": v.phone});
    let refused = env.post("/api/v1/access-requests", outsider, &request).await;
    let refused = refused.expect_error(StatusCode::NOT_FOUND, "not_found");
    let never = env
        .post("/api/v1/access-requests", outsider, &json!({"value": never_seen().phone}))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(refused.body, never.body, "requests cannot probe");

    // Only analysts and admins of the author change a report's sharing; RED never.
    let mark_uri = format!("/api/v1/reports/{hidden}/discoverable");
    env.post(&mark_uri, env.token(AUTHOR, Role::Contributor), &json!({"discoverable": true}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let other = env.post(&mark_uri, env.analyst(NAMED), &json!({"discoverable": true})).await;
    let random = env
        .post(
            &format!("/api/v1/reports/{}/discoverable", uuid::Uuid::now_v7()),
            env.analyst(NAMED),
            &json!({"discoverable": true}),
        )
        .await;
    assert_eq!((other.status, other.body.clone()), (random.status, random.body));
    other.expect_error(StatusCode::NOT_FOUND, "not_found");
    env.post(&mark_uri, env.analyst(AUTHOR), &json!({"discoverable": "yes"}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let marked = env.post(&mark_uri, env.analyst(AUTHOR), &json!({"discoverable": true})).await;
    assert_eq!(marked.expect(StatusCode::OK).json()["discoverable"], true);
    let mut red = report("RED", &values(4));
    red["discoverable"] = json!(true);
    let r = env.post("/api/v1/reports", env.analyst(AUTHOR), &red).await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(r.message().starts_with("discoverable: "), "{}", r.message());

    // The outsider learns "held elsewhere", nothing more.
    let lookup = env.get(&lookup_uri, outsider).await.expect(StatusCode::OK).json();
    assert_eq!(lookup["held_elsewhere"], true);
    let before: Value = serde_json::from_slice(&before_lookup).unwrap();
    assert_eq!(without_mark(lookup.clone()), before);
    let check = env.post("/api/v1/check", outsider, &check_body).await.expect(StatusCode::OK).json();
    assert_eq!(check["results"][0]["held_elsewhere"], true);
    assert_eq!(without_mark(check), serde_json::from_slice::<Value>(&before_check).unwrap());

    // The request: 202, the same request when sent again (written another way).
    let sent = env.post("/api/v1/access-requests", env.token(OUTSIDER, Role::Reader), &request).await;
    let sent = sent.expect(StatusCode::ACCEPTED).json();
    assert_eq!(sent["status"], "pending");
    assert_eq!(sent["kind"], "phone");
    let mut keys: Vec<&str> = sent.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "id", "kind", "status", "value"], "{sent}");
    let again =
        env.post("/api/v1/access-requests", outsider, &json!({"kind": "phone", "value": v.phone})).await;
    assert_eq!(again.expect(StatusCode::ACCEPTED).json(), sent);

    // The owner sees who asked and which selector; the others nothing.
    let incoming =
        env.get("/api/v1/access-requests/incoming", env.analyst(AUTHOR)).await.expect(StatusCode::OK).json();
    let items = incoming["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{incoming}");
    assert_eq!(items[0]["requester"], OUTSIDER);
    assert_eq!(items[0]["value"], sent["value"]);
    let mut keys: Vec<&str> = items[0].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "id", "kind", "requester", "status", "value"], "{incoming}");
    let request_id = items[0]["id"].as_str().unwrap().to_string();
    env.get("/api/v1/access-requests/incoming", env.token(AUTHOR, Role::Reader))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    env.get("/api/v1/access-requests/incoming?status=maybe", env.analyst(AUTHOR))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    for viewer in [NAMED, MEMBER] {
        for list in ["incoming", "outgoing"] {
            let page = env.get(&format!("/api/v1/access-requests/{list}"), env.analyst(viewer)).await;
            assert_eq!(page.expect(StatusCode::OK).json()["items"], json!([]), "{viewer} {list}");
        }
    }
    let grant_uri = format!("/api/v1/access-requests/{request_id}/grant");
    let stranger = env.post(&grant_uri, env.analyst(NAMED), &json!({})).await;
    let random = env
        .post(
            &format!("/api/v1/access-requests/{}/grant", uuid::Uuid::now_v7()),
            env.analyst(NAMED),
            &json!({}),
        )
        .await;
    assert_eq!((stranger.status, stranger.body.clone()), (random.status, random.body));
    stranger.expect_error(StatusCode::NOT_FOUND, "not_found");
    env.post(&grant_uri, env.token(AUTHOR, Role::Contributor), &json!({}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");

    // Granted: the outsider reads the report by id and by lookup.
    let granted = env.post(&grant_uri, env.analyst(AUTHOR), &json!({})).await.expect(StatusCode::OK).json();
    assert_eq!(granted["status"], "granted");
    assert_eq!(granted["reports"], json!([hidden]));
    env.post(&grant_uri, env.analyst(AUTHOR), &json!({}))
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    let read = env.get(&format!("/api/v1/reports/{hidden}"), outsider).await.expect(StatusCode::OK).json();
    assert_eq!(read["id"], hidden.as_str());
    assert!(read["audience"]["organizations"].as_array().unwrap().contains(&json!(OUTSIDER)));
    assert!(read.get("discoverable").is_none(), "the flag is shown to the author only: {read}");
    let lookup = env.get(&lookup_uri, outsider).await.expect(StatusCode::OK).json();
    assert_eq!(lookup["count"], 1);
    assert_eq!(lookup["occurrences"][0]["report_id"], hidden.as_str());
    assert!(lookup.get("held_elsewhere").is_none(), "{lookup}");
    let outgoing = env.get("/api/v1/access-requests/outgoing", outsider).await.expect(StatusCode::OK).json();
    assert_eq!(outgoing["items"][0]["status"], "granted");
    assert_eq!(outgoing["items"][0]["id"], sent["id"]);

    // The community member still learns only "held elsewhere", asks, and is declined.
    let member = env.analyst(MEMBER);
    let lookup = env.get(&lookup_uri, member).await.expect(StatusCode::OK).json();
    assert_eq!((lookup["count"].clone(), lookup["held_elsewhere"].clone()), (json!(0), json!(true)));
    env.post("/api/v1/access-requests", member, &request).await.expect(StatusCode::ACCEPTED);
    let pending = env
        .get("/api/v1/access-requests/incoming?status=pending", env.analyst(AUTHOR))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(pending["items"].as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending["items"][0]["requester"], MEMBER);
    let decline_uri =
        format!("/api/v1/access-requests/{}/decline", pending["items"][0]["id"].as_str().unwrap());
    let declined =
        env.post(&decline_uri, env.analyst(AUTHOR), &json!({})).await.expect(StatusCode::OK).json();
    assert_eq!(declined["status"], "declined");
    env.post(&decline_uri, env.analyst(AUTHOR), &json!({}))
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    env.get(&format!("/api/v1/reports/{hidden}"), member)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let outgoing = env.get("/api/v1/access-requests/outgoing", member).await.expect(StatusCode::OK).json();
    assert_eq!(outgoing["items"][0]["status"], "declined");
}

/// The organisation setting: read by anyone of the organisation, changed by its admins only.
#[tokio::test]
async fn organisation_setting() {
    let env = Env::new().await;
    let v = values(5);
    env.submit(AUTHOR, &report("AMBER", &v)).await;
    let got =
        env.get("/api/v1/discovery", env.token(AUTHOR, Role::Reader)).await.expect(StatusCode::OK).json();
    assert_eq!(got, json!({"organization": AUTHOR, "reports_discoverable": false}));
    let on = json!({"reports_discoverable": true});
    env.call(Method::PUT, "/api/v1/discovery", Some(env.analyst(AUTHOR)), Some(&on))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    env.call(
        Method::PUT,
        "/api/v1/discovery",
        Some(env.token(AUTHOR, Role::Admin)),
        Some(&json!({"on": true})),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let uri = format!("/api/v1/observables/phone/{}", segment(&v.phone));
    assert!(env.get(&uri, env.analyst(OUTSIDER)).await.json().get("held_elsewhere").is_none());
    let set =
        env.call(Method::PUT, "/api/v1/discovery", Some(env.token(AUTHOR, Role::Admin)), Some(&on)).await;
    assert_eq!(
        set.expect(StatusCode::OK).json(),
        json!({"organization": AUTHOR, "reports_discoverable": true})
    );
    assert_eq!(env.get(&uri, env.analyst(OUTSIDER)).await.json()["held_elsewhere"], true);
    // Another organisation's setting is its own.
    let other = env.get("/api/v1/discovery", env.analyst(OUTSIDER)).await.expect(StatusCode::OK).json();
    assert_eq!(other["reports_discoverable"], false);
}
