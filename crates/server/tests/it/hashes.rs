//! Hash lists over HTTP: sets under TLP, imports in three formats, withdrawals, matching by
//! hash and by uploaded image, sightings.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use model::Role;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, MEMBER, NAMED, OUTSIDER};

const BRIDGE: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

pub fn image(file: &str) -> Vec<u8> {
    let p = shared().join("testdata/pdq").join(file);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn raw(
    env: &Env,
    uri: &str,
    token: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> crate::harness::Resp {
    let req = Request::post(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap();
    env.send(req).await
}

/// A multipart/form-data body with an `image` file field named `filename`, and text fields.
pub fn multipart(filename: &str, bytes: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "dragnet-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{filename}\"\r\nContent-Type: image/jpeg\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn new_set(env: &Env, name: &str, tlp: &str, orgs: &[&str]) -> String {
    let r = env
        .post(
            "/api/v1/hashsets",
            env.analyst(AUTHOR),
            &json!({"name": name, "category": "csam", "source": "hotline", "tlp": tlp, "audience": {"organizations": orgs}}),
        )
        .await
        .expect(StatusCode::CREATED);
    r.json()["id"].as_str().unwrap().to_string()
}

fn matched_sets(v: &Value) -> Vec<String> {
    v["matches"].as_array().unwrap().iter().map(|m| m["set"]["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn sets_entries_and_matching_follow_visibility() {
    let env = Env::new().await;
    let id = new_set(&env, "confirmed", "AMBER", &[NAMED]).await;
    let entries = format!("/api/v1/hashsets/{id}/entries");
    let csv = format!("hash,quality,label\n{BRIDGE},100,bridge.jpg\nnot-a-hash,100,x\n");
    let r = raw(&env, &entries, env.analyst(AUTHOR), "text/csv", csv).await.expect(StatusCode::OK).json();
    assert_eq!(r["added"], 1);
    assert_eq!(r["rejected"][0]["line"], 3);
    let ndjson = "{\"kind\":\"md5\",\"value\":\"D41D8CD98F00B204E9800998ECF8427E\"}\n{\"kind\":\"md5\"}\n";
    let r = raw(&env, &entries, env.analyst(AUTHOR), "application/x-ndjson", ndjson)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!((r["added"].as_u64(), r["rejected"][0]["line"].as_u64()), (Some(1), Some(2)));
    let r = env
        .post(&entries, env.analyst(AUTHOR), &json!([{"kind": "sha256", "value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "label": "empty"}, {"kind": "pdq", "value": BRIDGE}]))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!((r["added"].as_u64(), r["duplicates"].as_u64()), (Some(1), Some(1)));
    raw(&env, &entries, env.analyst(AUTHOR), "application/xml", "<x/>")
        .await
        .expect_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

    // The named organisation sees the set and matches; the outsider does not, and learns nothing.
    let set = env
        .get(&format!("/api/v1/hashsets/{id}"), env.token(NAMED, Role::Reader))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!((set["entries"].as_u64(), set["owner"].as_str()), (Some(3), Some(AUTHOR)));
    let body = json!({"hashes": [{"value": BRIDGE}, {"value": "d41d8cd98f00b204e9800998ecf8427e"}, {"value": "xyz"}]});
    let m = env
        .post("/api/v1/hashes/match", env.token(NAMED, Role::Reader), &body)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(matched_sets(&m), vec!["confirmed", "confirmed"]);
    assert_eq!(m["queries"][2]["error"]["code"], "invalid_input");
    assert_eq!(m["radius"], 31);
    let m =
        env.post("/api/v1/hashes/match", env.analyst(OUTSIDER), &body).await.expect(StatusCode::OK).json();
    assert!(matched_sets(&m).is_empty());
    env.get(&format!("/api/v1/hashsets/{id}"), env.analyst(OUTSIDER))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    env.get(&entries, env.analyst(OUTSIDER)).await.expect_error(StatusCode::NOT_FOUND, "not_found");
    let listed = env.get("/api/v1/hashsets", env.analyst(OUTSIDER)).await.expect(StatusCode::OK).json();
    assert_eq!(listed["items"], json!([]));
    // Community members are not named: AMBER with organisations only.
    let listed = env.get("/api/v1/hashsets", env.analyst(MEMBER)).await.expect(StatusCode::OK).json();
    assert_eq!(listed["items"], json!([]));

    // Withdraw: tombstone listed, no longer matched.
    let w = env
        .post(&format!("{entries}/withdraw"), env.analyst(AUTHOR), &json!({"values": [{"value": BRIDGE}]}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(w["withdrawn"], 1);
    env.post(
        &format!("{entries}/withdraw"),
        env.token(NAMED, Role::Admin),
        &json!({"values": [{"value": BRIDGE}]}),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let m = env
        .post("/api/v1/hashes/match", env.token(NAMED, Role::Reader), &json!({"hashes": [{"value": BRIDGE}]}))
        .await
        .json();
    assert!(matched_sets(&m).is_empty());
    let page = env
        .get(&format!("{entries}?limit=2"), env.token(NAMED, Role::Reader))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["items"][0]["withdrawn_at"].is_string());
    assert_eq!(page["items"][0]["matchable"], false);
    assert!(page["next_cursor"].is_string());

    // Sightings: the owner sees who matched; the matcher does not.
    let s = env
        .get(&format!("/api/v1/hashsets/{id}/sightings"), env.analyst(AUTHOR))
        .await
        .expect(StatusCode::OK)
        .json();
    let items = s["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["organization"] == NAMED && i["distance"] == 0));
    env.get(&format!("/api/v1/hashsets/{id}/sightings"), env.analyst(NAMED))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");

    // Update: widen to GREEN, the outsider now matches the md5.
    env.call(
        Method::PUT,
        &format!("/api/v1/hashsets/{id}"),
        Some(env.analyst(AUTHOR)),
        Some(&json!({"name": "confirmed", "category": "csam", "tlp": "GREEN"})),
    )
    .await
    .expect(StatusCode::OK);
    let m = env.post("/api/v1/hashes/match", env.analyst(OUTSIDER), &body).await.json();
    assert_eq!(matched_sets(&m), vec!["confirmed"]);
}

#[tokio::test]
async fn images_are_matched_from_raw_and_multipart_bodies() {
    let env = Env::new().await;
    let id = new_set(&env, "imgs", "GREEN", &[]).await;
    let jpg = image("bridge-mods/aaa-orig.jpg");
    let d = pdq::hash_image_dihedral(&jpg, &pdq::DecodeOptions::default()).unwrap();
    let line = format!("{},{},flipped\n", d.flipx.to_hex(), d.quality);
    raw(&env, &format!("/api/v1/hashsets/{id}/entries"), env.analyst(AUTHOR), "text/csv", line)
        .await
        .expect(StatusCode::OK);

    let r = raw(&env, "/api/v1/hashes/match", env.analyst(OUTSIDER), "image/jpeg", jpg.clone())
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(r["queries"][0]["value"], d.original.to_hex());
    assert_eq!(r["matches"][0]["transform"], "flipx");
    assert_eq!(r["matches"][0]["distance"], 0);
    let r =
        raw(&env, "/api/v1/hashes/match?dihedral=false", env.analyst(OUTSIDER), "image/jpeg", jpg.clone())
            .await
            .expect(StatusCode::OK)
            .json();
    assert_eq!(r["matches"], json!([]));

    let (ct, body) = multipart("holiday.jpg", &jpg, &[("radius", "10")]);
    let r = raw(&env, "/api/v1/hashes/match", env.analyst(OUTSIDER), &ct, body)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!((r["radius"].as_u64(), r["matches"][0]["transform"].as_str()), (Some(10), Some("flipx")));
    let (ct, body) = multipart("x.jpg", &jpg, &[("radius", "99")]);
    raw(&env, "/api/v1/hashes/match", env.analyst(OUTSIDER), &ct, body)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");

    // Broken images: clear errors naming the image.
    let r =
        raw(&env, "/api/v1/hashes/match", env.analyst(OUTSIDER), "image/jpeg", jpg[..jpg.len() / 2].to_vec())
            .await;
    let r = r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(r.message().starts_with("image: "), "{}", r.message());
    raw(&env, "/api/v1/hashes/match", env.analyst(OUTSIDER), "image/png", Vec::new())
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    raw(&env, "/api/v1/hashes/match", env.analyst(OUTSIDER), "text/plain", "hi")
        .await
        .expect_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

/// The shared test data: `shared/` beside the workspace, else `/tmp/shared` (which `.ci/run` links).
fn shared() -> std::path::PathBuf {
    let beside = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if beside.is_dir() { beside.to_path_buf() } else { std::path::PathBuf::from("/tmp/shared") }
}
