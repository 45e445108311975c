//! An image sent for matching leaves no trace: after uploads (multipart with a file name, and
//! a raw body) that match a shared entry, no file of the data directory, no log line (every
//! target at TRACE) and no database row holds the image's bytes, its file name, or the hashes
//! computed from it. The match itself is recorded (a sighting), so the check is not vacuous.
//!
//! Its own test binary: it installs the global log subscriber.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use engine::{Engine, EngineOptions};
use model::Role;
use server::{AppState, app};
use store::SqliteStore;
use tower::ServiceExt;

const FILE_NAME: &str = "victim-7731-private-holiday-photo.jpg";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every file under `dir`, with its contents.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

async fn post(app: &axum::Router, token: &str, content_type: &str, body: Vec<u8>) -> serde_json::Value {
    let req = Request::post("/api/v1/hashes/match")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn an_uploaded_image_leaves_no_trace() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let image =
        std::fs::read(shared().join("testdata/pdq/bridge-mods/aaa-orig.jpg")).expect("shared pdq test data");
    let d = pdq::hash_image_dihedral(&image, &pdq::DecodeOptions::default()).unwrap();
    let md5: [u8; 16] = {
        use md5::Digest as _;
        md5::Md5::digest(&image).into()
    };
    let sha256: [u8; 32] = {
        use sha2::Digest as _;
        sha2::Sha256::digest(&image).into()
    };
    // The shared entry is a near-duplicate (3 bits off), so the upload matches without the
    // image's own hash ever being a stored value.
    let mut near = d.original;
    for b in 0..3 {
        near.words[b] ^= 1;
    }

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let engine = Arc::new(Engine::open(Arc::new(store.clone()), EngineOptions::default()).await.unwrap());
    engine.create_org(None, "hotline", false).await.unwrap();
    engine.create_org(None, "platform", false).await.unwrap();
    let owner = engine.create_token(None, "hotline", Role::Analyst, "owner", None).await.unwrap();
    let matcher = engine.create_token(None, "platform", Role::Reader, "matcher", None).await.unwrap();
    let owner = engine.authenticate(&owner.token).await.unwrap();
    let set = engine
        .create_hash_set(
            &owner,
            serde_json::from_value(serde_json::json!({"name": "known", "category": "csam", "tlp": "GREEN"}))
                .unwrap(),
        )
        .await
        .unwrap();
    let entry = format!("{},{}\n", near.to_hex(), d.quality);
    engine
        .import_hash_entries(
            &owner,
            set.id,
            engine::ImportFormat::Csv { default: model::hashlist::HashKind::Pdq },
            &entry,
        )
        .await
        .unwrap();
    let app = app(AppState::new(engine.clone()));

    // Multipart, with a file name.
    let boundary = "b0undary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{FILE_NAME}\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&image);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let m = post(&app, &matcher.token, &format!("multipart/form-data; boundary={boundary}"), body).await;
    assert_eq!(m["matches"][0]["distance"], 3, "{m}");
    // A raw body.
    let m = post(&app, &matcher.token, "image/jpeg", image.clone()).await;
    assert_eq!(m["matches"][0]["distance"], 3, "{m}");

    // The matches are recorded for the owner.
    let sightings = engine.list_hash_sightings(&owner, set.id, None, None).await.unwrap();
    assert_eq!(sightings.items.len(), 2);

    // What must appear nowhere: the file name, pieces of the image from across the file, and
    // the hashes of the image (raw and hex).
    let mut needles: Vec<(String, Vec<u8>)> = vec![
        ("file name".into(), FILE_NAME.as_bytes().to_vec()),
        ("file name stem".into(), b"victim-7731".to_vec()),
        ("pdq hex".into(), d.original.to_hex().into_bytes()),
        ("md5 hex".into(), hex(&md5).into_bytes()),
        ("md5 bytes".into(), md5.to_vec()),
        ("sha256 hex".into(), hex(&sha256).into_bytes()),
        ("sha256 bytes".into(), sha256.to_vec()),
    ];
    let pdq_bytes: Vec<u8> =
        (0..32).map(|i| u8::from_str_radix(&d.original.to_hex()[2 * i..2 * i + 2], 16).unwrap()).collect();
    needles.push(("pdq bytes".into(), pdq_bytes));
    let step = image.len() / 16;
    for k in 0..16 {
        let at = 600 + k * step.saturating_sub(40);
        if at + 32 <= image.len() {
            needles.push((format!("image bytes at {at}"), image[at..at + 32].to_vec()));
            needles.push((format!("image hex at {at}"), hex(&image[at..at + 16]).into_bytes()));
        }
    }

    let check = |what: &str, haystack: &[u8]| {
        for (name, needle) in &needles {
            assert!(!contains(haystack, needle), "{what} holds the {name}");
        }
    };
    // While the store is open (write-ahead log and shared memory included), then after it
    // is closed and checkpointed.
    for (path, bytes) in files(dir.path()) {
        check(&path, &bytes);
    }
    store.close().await;
    let all = files(dir.path());
    assert!(all.iter().any(|(p, _)| p.ends_with(store::DB_FILE)));
    for (path, bytes) in &all {
        check(path, bytes);
    }
    let logs = logs.0.lock().unwrap().clone();
    assert!(contains(&logs, b"/api/v1/hashes/match"), "the logs were captured");
    check("the log", &logs);
}

/// The shared test data: `shared/` beside the workspace, else `/tmp/shared` (which `.ci/run` links).
fn shared() -> std::path::PathBuf {
    let beside = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if beside.is_dir() { beside.to_path_buf() } else { std::path::PathBuf::from("/tmp/shared") }
}
