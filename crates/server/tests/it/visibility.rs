//! The visibility matrix (acceptance criterion): every TLP × every viewer relation × every read
//! path. Allowed viewers see the report; for everyone else, every answer is byte-identical to
//! the answer about a report or value that never existed.

use axum::http::StatusCode;
use model::Role;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, COMMUNITY, Env, MEMBER, NAMED, OUTSIDER, Resp, query, segment};

const FIRST_SEEN: &str = "2024-03-01T10:00:00Z";
const LAST_SEEN: &str = "2024-03-05T18:30:00Z";

/// The viewers and, per TLP, whether each may see a report authored by [`AUTHOR`] whose
/// audience names [`NAMED`] and [`COMMUNITY`] (of which [`MEMBER`] is a member).
pub(crate) const VIEWERS: [&str; 4] = [AUTHOR, NAMED, MEMBER, OUTSIDER];
pub(crate) const MATRIX: [(&str, [bool; 4]); 5] = [
    ("CLEAR", [true, true, true, true]),
    ("GREEN", [true, true, true, true]),
    ("AMBER", [true, true, true, false]),
    ("AMBER+STRICT", [true, true, false, false]),
    ("RED", [true, true, false, false]),
];

/// The observables of the report at TLP number `i`: a phone, and a URL that implies a domain.
pub(crate) struct Values {
    pub phone: String,
    pub url: String,
    pub domain: String,
}

pub(crate) fn values(i: usize) -> Values {
    Values {
        phone: format!("+1 888 839 12{i:02}"),
        url: format!("https://refund-desk-{i}.com/pay?case=1"),
        domain: format!("refund-desk-{i}.com"),
    }
}

/// Values no report holds.
pub(crate) fn never_seen() -> Values {
    Values {
        phone: "+1 888 839 1299".into(),
        url: "https://never-seen-refund.com/pay?case=1".into(),
        domain: "never-seen-refund.com".into(),
    }
}

pub(crate) fn report(tlp: &str, v: &Values) -> Value {
    json!({
        "kind": "scam",
        "title": format!("{tlp} tech-support scam"),
        "narrative": "caller claimed to be from the bank's fraud desk",
        "tlp": tlp,
        "audience": {"organizations": [NAMED], "communities": [COMMUNITY]},
        "labels": ["tech-support"],
        "first_seen": FIRST_SEEN,
        "last_seen": LAST_SEEN,
        "observables": [
            {"kind": "phone", "value": v.phone, "role": "scammer-phone"},
            {"kind": "url", "value": v.url, "role": "landing-page"},
        ],
    })
}

/// The read paths about one report and its values, as `(name, method+uri, body)`.
pub(crate) fn reads(id: &str, v: &Values) -> Vec<(String, String, Option<Value>)> {
    vec![
        ("get report".into(), format!("/api/v1/reports/{id}"), None),
        (
            "list by phone".into(),
            format!("/api/v1/reports?observable_kind=phone&observable={}", query(&v.phone)),
            None,
        ),
        ("list by domain (auto)".into(), format!("/api/v1/reports?observable={}", query(&v.domain)), None),
        ("lookup phone".into(), format!("/api/v1/observables/phone/{}", segment(&v.phone)), None),
        ("lookup url (auto)".into(), format!("/api/v1/observables/auto/{}", segment(&v.url)), None),
        ("lookup implied domain".into(), format!("/api/v1/observables/domain/{}", segment(&v.domain)), None),
        (
            "graph expand".into(),
            format!("/api/v1/graph/expand?node={}", query(&format!("phone:{}", v.phone))),
            None,
        ),
        (
            "graph neighbourhood".into(),
            format!("/api/v1/graph/neighbourhood?node={}&depth=3", query(&v.url)),
            None,
        ),
        (
            "graph path".into(),
            format!(
                "/api/v1/graph/path?from={}&to={}",
                query(&v.phone),
                query(&format!("domain:{}", v.domain))
            ),
            None,
        ),
        (
            "graph networks".into(),
            format!("/api/v1/graph/networks?min_reports=1&selector={}", query(&v.domain)),
            None,
        ),
        ("graph network".into(), format!("/api/v1/graph/networks/{id}"), None),
        (
            "graph network export".into(),
            format!("/api/v1/graph/networks/{}?format=graphml", query(&v.phone)),
            None,
        ),
        ("stix report".into(), format!("/api/v1/reports/{id}/stix"), None),
        ("misp report".into(), format!("/api/v1/reports/{id}/misp"), None),
        ("stix network".into(), format!("/api/v1/graph/networks/{}/stix", segment(&v.phone)), None),
        (
            "check".into(),
            "/api/v1/check".into(),
            Some(json!({"selectors": [
                {"kind": "phone", "value": v.phone},
                {"value": v.url},
                {"kind": "domain", "value": v.domain},
            ]})),
        ),
        (
            "access request".into(),
            "/api/v1/access-requests".into(),
            Some(json!({"kind": "phone", "value": v.phone})),
        ),
    ]
}

pub(crate) async fn read(env: &Env, token: &str, uri: &str, body: &Option<Value>) -> Resp {
    match body {
        Some(b) => env.post(uri, token, b).await,
        None => env.get(uri, token).await,
    }
}

/// Removes what depends on the value itself (not on any report) from a lookup or check answer.
pub(crate) fn strip_value_facts(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        if let Some(o) = v.as_object_mut() {
            for k in ["canonical", "stix_id", "related", "flags"] {
                o.remove(k);
            }
        }
    }
    strip(&mut v);
    if let Some(results) = v.get_mut("results").and_then(Value::as_array_mut) {
        results.iter_mut().for_each(strip);
    }
    v
}

/// Asserts what an allowed viewer sees on one read path.
pub(crate) fn assert_visible(ctx: &str, name: &str, answer: &Resp, id: &str, failures: &mut Vec<String>) {
    let mut fail = |m: String| failures.push(format!("{ctx}: {name}: {m}"));
    if name == "access request" {
        // A reader of the report has nothing to ask for: refused like a value nobody holds.
        if answer.status != StatusCode::NOT_FOUND {
            fail(format!("status {} body {}", answer.status, answer.text()));
        }
        return;
    }
    if answer.status != StatusCode::OK {
        fail(format!("status {} body {}", answer.status, answer.text()));
        return;
    }
    if name.starts_with("graph") || name.starts_with("stix") || name.starts_with("misp") {
        if !answer.text().contains(id) {
            fail(format!("answer does not name the report: {}", answer.text()));
        }
        return;
    }
    let v = answer.json();
    if name.starts_with("get") {
        if v["id"] != id || v["author"] != AUTHOR {
            fail(format!("wrong report {v}"));
        }
    } else if name.starts_with("list") {
        let ids: Vec<&str> =
            v["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        if ids != [id] {
            fail(format!("items {ids:?}, expected [{id}]"));
        }
    } else if name.starts_with("lookup") {
        let occurrences = v["occurrences"].as_array().unwrap();
        let expected_org = json!([AUTHOR]);
        if v["count"] != 1
            || occurrences.len() != 1
            || occurrences[0]["report_id"] != id
            || occurrences[0]["organization"] != AUTHOR
            || v["organizations"] != expected_org
            || v["first_seen"] != FIRST_SEEN
            || v["last_seen"] != LAST_SEEN
        {
            fail(format!("lookup {v}"));
        }
    } else {
        for r in v["results"].as_array().unwrap() {
            if r["hit"] != true
                || r["count"] != 1
                || r["report_ids"] != json!([id])
                || r.get("error").is_some()
            {
                fail(format!("check result {r}"));
            }
        }
    }
}

#[tokio::test]
async fn every_tlp_every_viewer_every_read_path() {
    let env = Env::new().await;
    // The same cast with no report at all: what "never existed" answers.
    let empty = Env::new().await;
    let mut ids = Vec::new();
    for (i, (tlp, _)) in MATRIX.iter().enumerate() {
        ids.push(env.submit(AUTHOR, &report(tlp, &values(i))).await);
    }
    let random_id = uuid::Uuid::now_v7().to_string();
    let never = never_seen();

    let mut failures = Vec::new();
    let mut checked = 0;
    for (i, (tlp, allowed)) in MATRIX.iter().enumerate() {
        let (id, v) = (&ids[i], values(i));
        for (viewer, &may_see) in VIEWERS.iter().zip(allowed) {
            for role in [Role::Reader, Role::Admin] {
                let token = env.token(viewer, role);
                let ctx = format!("{tlp} / {viewer} ({role})");

                // Listing every visible report, and by TLP.
                for uri in
                    ["/api/v1/reports?limit=1000".to_string(), format!("/api/v1/reports?tlp={}", query(tlp))]
                {
                    let listed = env.get(&uri, token).await.expect(StatusCode::OK).json();
                    let has = listed["items"].as_array().unwrap().iter().any(|r| r["id"] == id.as_str());
                    if has != may_see {
                        failures.push(format!("{ctx}: {uri}: listed {has}, expected {may_see}"));
                    }
                }

                for ((name, uri, body), (_, never_uri, never_body)) in
                    reads(id, &v).into_iter().zip(reads(&random_id, &never))
                {
                    checked += 1;
                    let answer = read(&env, token, &uri, &body).await;
                    if may_see {
                        assert_visible(&ctx, &name, &answer, id, &mut failures);
                        continue;
                    }
                    let name = format!("{ctx}: {name}");
                    // Hidden: byte-identical to the same question on an instance that never held it…
                    let twin = read(&empty, empty.token(viewer, role), &uri, &body).await;
                    if (answer.status, &answer.body) != (twin.status, &twin.body) {
                        failures.push(format!(
                            "{name}: differs from never-existed\n  hidden: {} {}\n  never:  {} {}",
                            answer.status,
                            answer.text(),
                            twin.status,
                            twin.text()
                        ));
                    }
                    // …and to a never-seen value or a random id here, but for the value's own facts.
                    let other = read(&env, token, &never_uri, &never_body).await;
                    let same = if name.contains("get report") {
                        (answer.status, &answer.body) == (other.status, &other.body)
                    } else {
                        answer.status == other.status
                            && strip_value_facts(answer.json()) == strip_value_facts(other.json())
                    };
                    if !same {
                        failures.push(format!(
                            "{name}: differs from a never-seen value\n  hidden: {} {}\n  never:  {} {}",
                            answer.status,
                            answer.text(),
                            other.status,
                            other.text()
                        ));
                    }
                }
            }
        }
    }
    // The event stream is a read path too: replayed from the first event, each viewer's stream
    // carries a report's events exactly when it may see the report (the rest of this test is
    // done first: the end marker is one more report).
    env.submit(AUTHOR, &json!({"kind": "intel", "title": "end of the matrix", "tlp": "CLEAR"})).await;
    for (v, viewer) in VIEWERS.iter().enumerate() {
        for role in [Role::Reader, Role::Admin] {
            let mut stream =
                crate::stream::Sse::open(&env.app, env.token(viewer, role), "?after=0", None).await;
            let frames = stream.until(|f| f.data["data"]["title"] == "end of the matrix").await;
            for (i, (tlp, allowed)) in MATRIX.iter().enumerate() {
                checked += 1;
                let about = |f: &&crate::stream::Frame| {
                    f.data["data"]["id"] == ids[i].as_str() || f.data["data"]["report_id"] == ids[i].as_str()
                };
                let has = frames.iter().any(|f| about(&f));
                if has != allowed[v] {
                    failures.push(format!(
                        "{tlp} / {viewer} ({role}): stream carried it {has}, expected {}",
                        allowed[v]
                    ));
                }
                if !allowed[v] && stream.raw.contains(ids[i].as_str()) {
                    failures.push(format!("{tlp} / {viewer} ({role}): the stream names the hidden report"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} reads wrong:\n{}", failures.len(), failures.join("\n"));
}

/// Numbers derived from several reports count the visible ones only: an outsider sees the
/// CLEAR report's occurrence of a shared phone, never the RED one's (its count, organisation
/// or wider first/last seen).
#[tokio::test]
async fn derived_numbers_count_visible_reports_only() {
    let env = Env::new().await;
    let phone = "+1 888 839 1214";
    let clear = env
        .submit(
            AUTHOR,
            &json!({"kind": "scam", "title": "clear", "tlp": "CLEAR",
                "first_seen": FIRST_SEEN, "last_seen": LAST_SEEN,
                "observables": [{"kind": "phone", "value": phone}]}),
        )
        .await;
    let red = env
        .submit(
            NAMED,
            &json!({"kind": "scam", "title": "red", "tlp": "RED",
                "audience": {"organizations": [AUTHOR]},
                "first_seen": "2020-01-01T00:00:00Z", "last_seen": "2030-01-01T00:00:00Z",
                "observables": [{"kind": "phone", "value": phone}]}),
        )
        .await;

    let uri = format!("/api/v1/observables/phone/{}", segment(phone));
    for viewer in [OUTSIDER, MEMBER] {
        let v = env.get(&uri, env.analyst(viewer)).await.expect(StatusCode::OK).json();
        assert_eq!(v["count"], 1, "{viewer}: {v}");
        assert_eq!(v["organizations"], json!([AUTHOR]), "{viewer}: {v}");
        assert_eq!(v["first_seen"], FIRST_SEEN, "{viewer}: {v}");
        assert_eq!(v["last_seen"], LAST_SEEN, "{viewer}: {v}");
        assert_eq!(v["occurrences"].as_array().unwrap().len(), 1);
        assert_eq!(v["occurrences"][0]["report_id"], clear.as_str());
        let c = env
            .post("/api/v1/check", env.analyst(viewer), &json!({"selectors": [{"value": phone}]}))
            .await
            .expect(StatusCode::OK)
            .json();
        assert_eq!(c["results"][0]["count"], 1, "{c}");
        assert_eq!(c["results"][0]["report_ids"], json!([clear]), "{c}");
    }
    // The author of the CLEAR report is a named recipient of the RED one: it sees both.
    let v = env.get(&uri, env.analyst(AUTHOR)).await.expect(StatusCode::OK).json();
    assert_eq!(v["count"], 2, "{v}");
    assert_eq!(v["organizations"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["first_seen"], "2020-01-01T00:00:00Z");
    let ids: Vec<&str> =
        v["occurrences"].as_array().unwrap().iter().map(|o| o["report_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&red.as_str()) && ids.contains(&clear.as_str()), "{v}");
}

/// A revoked report disappears for everyone but its author: other organisations' answers are
/// those of a report that never existed.
#[tokio::test]
async fn revoked_reports_vanish_for_everyone_else() {
    let env = Env::new().await;
    let empty = Env::new().await;
    let v = values(7);
    let id = env.submit(AUTHOR, &report("GREEN", &v)).await;
    let revoked = env
        .post(&format!("/api/v1/reports/{id}/revoke"), env.analyst(AUTHOR), &json!({}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(revoked["revoked_at"].is_string(), "{revoked}");

    for viewer in [NAMED, MEMBER, OUTSIDER] {
        for (name, uri, body) in reads(&id, &v) {
            let answer = read(&env, env.analyst(viewer), &uri, &body).await;
            let twin = read(&empty, empty.analyst(viewer), &uri, &body).await;
            assert_eq!((answer.status, answer.text()), (twin.status, twin.text()), "{viewer}: {name}");
        }
    }
    // The author still reads it by id and, when asked, in listings.
    env.get(&format!("/api/v1/reports/{id}"), env.analyst(AUTHOR)).await.expect(StatusCode::OK);
    let listed = env.get("/api/v1/reports", env.analyst(AUTHOR)).await.expect(StatusCode::OK).json();
    assert!(listed["items"].as_array().unwrap().is_empty(), "{listed}");
    let listed = env
        .get("/api/v1/reports?include_revoked=true", env.analyst(AUTHOR))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(listed["items"][0]["id"], id.as_str());
    // Another organisation cannot revoke what it cannot see, nor tell it exists.
    let other = env.post(&format!("/api/v1/reports/{id}/revoke"), env.analyst(NAMED), &json!({})).await;
    let random = env
        .post(&format!("/api/v1/reports/{}/revoke", uuid::Uuid::now_v7()), env.analyst(NAMED), &json!({}))
        .await;
    assert_eq!((other.status, other.text()), (random.status, random.text()));
}
