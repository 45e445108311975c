use std::path::PathBuf;

use model::stix::{deterministic_id, deterministic_id_of_object, sco_type, stix_id};
use model::{Observable, ObservableKind};
use serde_json::Value;

fn vectors_path() -> PathBuf {
    shared().join("testdata/stix/sco-deterministic-ids.tsv")
}

/// (type, contributing properties, expected id) for every vector in the shared TSV.
fn vectors() -> Vec<(String, Value, String)> {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the STIX id vectors must be present at {}: {e}", path.display()));
    let vectors: Vec<_> = text
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut cols = line.split('\t');
            let (Some(ty), Some(props), Some(id), None) =
                (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                panic!("malformed vector line: {line:?}");
            };
            let props: Value = serde_json::from_str(props)
                .unwrap_or_else(|e| panic!("bad JSON in vector line {line:?}: {e}"));
            (ty.to_owned(), props, id.to_owned())
        })
        .collect();
    assert!(vectors.len() >= 20, "expected the full vector file, found {} vectors", vectors.len());
    vectors
}

#[test]
fn all_vectors_match_deterministic_id() {
    for (ty, props, expected) in vectors() {
        assert_eq!(deterministic_id(&ty, &props), expected, "{ty} {props}");
    }
}

#[test]
fn all_vectors_match_from_whole_objects() {
    for (ty, props, expected) in vectors() {
        let mut object = props.as_object().unwrap().clone();
        object.insert("type".into(), Value::String(ty.clone()));
        object.insert("spec_version".into(), Value::String("2.1".into()));
        object.insert("id".into(), Value::String("ignored".into()));
        object.insert("x_custom".into(), Value::String("ignored".into()));
        assert_eq!(deterministic_id_of_object(&Value::Object(object)).unwrap(), expected, "{ty}");
    }
}

/// The vectors whose properties are exactly what an observable kind contributes.
#[test]
fn observable_ids_match_vectors() {
    let mut checked = 0;
    for (ty, props, expected) in vectors() {
        let obj = props.as_object().unwrap();
        let obs = match ty.as_str() {
            "ipv4-addr" | "ipv6-addr" | "domain-name" | "url" | "email-addr" => {
                let kind = match ty.as_str() {
                    "ipv4-addr" => ObservableKind::Ipv4,
                    "ipv6-addr" => ObservableKind::Ipv6,
                    "domain-name" => ObservableKind::Domain,
                    "url" => ObservableKind::Url,
                    _ => ObservableKind::Email,
                };
                Observable { kind, value: obj["value"].as_str().unwrap().to_owned() }
            }
            "file" => {
                let Some(hashes) = obj.get("hashes").and_then(Value::as_object) else { continue };
                if hashes.len() != 1 || obj.len() != 1 {
                    continue;
                }
                let (key, value) = hashes.iter().next().unwrap();
                let kind = match key.as_str() {
                    "MD5" => ObservableKind::Md5,
                    "SHA-1" => ObservableKind::Sha1,
                    "SHA-256" => ObservableKind::Sha256,
                    _ => continue,
                };
                Observable { kind, value: value.as_str().unwrap().to_owned() }
            }
            "user-account" if obj["account_type"] == "telegram" && obj.len() == 2 => Observable {
                kind: ObservableKind::Telegram,
                value: obj["user_id"].as_str().unwrap().to_owned(),
            },
            _ => continue,
        };
        assert_eq!(stix_id(&obs), expected, "{obs:?}");
        checked += 1;
    }
    assert!(checked >= 17, "only {checked} vectors map to observables");
}

#[test]
fn stix_id_agrees_with_deterministic_id_for_every_kind() {
    let opts = model::CanonicalizeOptions::default();
    for (kind, raw) in [
        (ObservableKind::Ipv4, "8.8.8.8"),
        (ObservableKind::Ipv6, "2001:db8::1"),
        (ObservableKind::Domain, "example.com"),
        (ObservableKind::Url, "https://example.com/login"),
        (ObservableKind::Email, "john@example.com"),
        (ObservableKind::Phone, "+18888391214"),
        (ObservableKind::Btc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        (ObservableKind::Eth, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
        (ObservableKind::Trx, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
        (ObservableKind::Ltc, "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9"),
        (ObservableKind::Iban, "DE89370400440532013000"),
        (ObservableKind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
        (ObservableKind::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        (ObservableKind::Sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (ObservableKind::Pdq, "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"),
        (ObservableKind::Telegram, "@support_refund_team"),
        (ObservableKind::RemoteAccess, "AnyDesk 123 456 789"),
    ] {
        let obs = model::observable::canonicalize(kind, raw, &opts)
            .unwrap_or_else(|e| panic!("{kind} {raw}: {e}"))
            .observable;
        let id = stix_id(&obs);
        let expected = deterministic_id(sco_type(kind), &model::stix::contributing_properties(&obs));
        assert_eq!(id, expected, "{kind}");
        assert!(id.starts_with(&format!("{}--", sco_type(kind))));
        let uuid = uuid::Uuid::parse_str(&id[sco_type(kind).len() + 2..]).unwrap();
        assert_eq!(uuid.get_version_num(), 5);
    }
}

#[test]
fn hashes_contribute_one_hash_by_preference() {
    let md5_only = serde_json::json!({"hashes": {"MD5": "d41d8cd98f00b204e9800998ecf8427e"}});
    let with_sha1 = serde_json::json!({"hashes": {
        "SHA-1": "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "MD5": "d41d8cd98f00b204e9800998ecf8427e",
    }});
    assert_eq!(deterministic_id("file", &md5_only), deterministic_id("file", &with_sha1));
}

/// The shared test data: `shared/` beside the workspace, else `/tmp/shared` (which `.ci/run` links).
fn shared() -> std::path::PathBuf {
    let beside = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if beside.is_dir() { beside.to_path_buf() } else { std::path::PathBuf::from("/tmp/shared") }
}
