//! Hash lists through the engine: sharing under TLP, imports, tombstones, matching by hash
//! and by image, sightings, and reloading from the store.

use std::path::PathBuf;
use std::sync::Arc;

use engine::{
    Engine, EngineError, EngineOptions, HashQueryInput, HashSetInput, ImageMatchOptions, ImportFormat,
    MatchRequest, WithdrawRequest,
};
use model::Role;
use model::hashlist::{HashCategory, HashKind};
use store::SqliteStore;

use super::{as_role, engine};

fn testdata(file: &str) -> PathBuf {
    shared().join("testdata/pdq").join(file)
}

fn set_input(name: &str, tlp: &str, orgs: &[&str]) -> HashSetInput {
    serde_json::from_value(serde_json::json!({
        "name": name,
        "category": "csam",
        "source": "hotline queue",
        "tlp": tlp,
        "audience": {"organizations": orgs},
    }))
    .unwrap()
}

fn q(value: &str) -> HashQueryInput {
    HashQueryInput { kind: None, value: value.into(), quality: None }
}

fn by_hashes(values: &[&str]) -> MatchRequest {
    MatchRequest { hashes: values.iter().map(|v| q(v)).collect(), radius: None }
}

/// A PDQ hash `bits` bits away from `hex` (the lowest bits of the last words flipped).
fn flip(hex: &str, bits: usize) -> String {
    let mut h = pdq::Hash256::from_hex(hex).unwrap();
    for b in 0..bits {
        h.words[b / 16] ^= 1 << (b % 16);
    }
    h.to_hex()
}

const BRIDGE: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

#[tokio::test]
async fn sets_are_shared_like_reports_and_only_visible_sets_match() {
    let e = engine().await;
    let hotline = as_role(&e, "hotline", Role::Analyst).await;
    let bank = as_role(&e, "bank", Role::Reader).await;
    let csirt = as_role(&e, "csirt", Role::Admin).await;

    let set = e.create_hash_set(&hotline, set_input("confirmed", "RED", &["bank"])).await.unwrap();
    assert_eq!(set.owner, "hotline");
    assert_eq!(set.category, HashCategory::Csam);
    let text = format!("{BRIDGE},100,bridge.jpg\n");
    let out = e
        .import_hash_entries(&hotline, set.id, ImportFormat::Csv { default: HashKind::Pdq }, &text)
        .await
        .unwrap();
    assert_eq!(out.added, 1);

    // bank is named: it sees the set and matches a near-duplicate.
    assert_eq!(e.list_hash_sets(&bank.viewer).len(), 1);
    let near = flip(BRIDGE, 20);
    let m = e.match_hashes(&bank, by_hashes(&[&near])).await.unwrap();
    assert_eq!(m.matches.len(), 1);
    assert_eq!(m.matches[0].distance, 20);
    assert_eq!(m.matches[0].set.name, "confirmed");
    assert_eq!(m.matches[0].entry.label.as_deref(), Some("bridge.jpg"));
    // Beyond the radius: nothing; a larger radius finds it.
    let far = flip(BRIDGE, 40);
    assert!(e.match_hashes(&bank, by_hashes(&[&far])).await.unwrap().matches.is_empty());
    let wide = MatchRequest { hashes: vec![q(&far)], radius: Some(40) };
    assert_eq!(e.match_hashes(&bank, wide).await.unwrap().matches.len(), 1);

    // csirt is not named: the set does not exist for it and never matches.
    assert!(e.list_hash_sets(&csirt.viewer).is_empty());
    assert!(matches!(e.get_hash_set(&csirt.viewer, set.id), Err(EngineError::NotFound { .. })));
    let m = e.match_hashes(&csirt, by_hashes(&[BRIDGE])).await.unwrap();
    assert!(m.matches.is_empty());
    assert_eq!(m.queries[0].match_count, 0);
    assert!(matches!(
        e.list_hash_entries(&csirt.viewer, set.id, None, None).await,
        Err(EngineError::NotFound { .. })
    ));

    // Widening the audience shows it at once.
    e.update_hash_set(&hotline, set.id, set_input("confirmed", "GREEN", &[])).await.unwrap();
    assert_eq!(e.match_hashes(&csirt, by_hashes(&[BRIDGE])).await.unwrap().matches.len(), 1);

    // Only the owner's writers change it.
    assert!(matches!(
        e.import_hash_entries(&bank, set.id, ImportFormat::JsonLines, "").await,
        Err(EngineError::Forbidden(_))
    ));
    assert!(matches!(
        e.create_hash_set(&bank, set_input("mine", "RED", &[])).await,
        Err(EngineError::Forbidden(_))
    ));
    assert!(matches!(
        e.create_hash_set(&hotline, set_input("confirmed", "RED", &[])).await,
        Err(EngineError::Conflict(_))
    ));
}

#[tokio::test]
async fn imports_report_bad_lines_dedup_and_withdrawals_are_tombstones() {
    let e = engine().await;
    let hotline = as_role(&e, "hotline", Role::Analyst).await;
    let set = e.create_hash_set(&hotline, set_input("list", "GREEN", &[])).await.unwrap();
    let low = flip(BRIDGE, 100);
    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let csv = format!(
        "kind,hash,quality,label\npdq,{BRIDGE},100,a\npdq,{low},30,blurry\nmd5,{md5},,\nsha256,{sha},,x\npdq,zz,90,\npdq,{BRIDGE},90,again\n"
    );
    let out = e
        .import_hash_entries(&hotline, set.id, ImportFormat::Csv { default: HashKind::Pdq }, &csv)
        .await
        .unwrap();
    assert_eq!((out.added, out.duplicates, out.reinstated), (4, 1, 0));
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].line, 6);
    assert_eq!(e.get_hash_set(&hotline.viewer, set.id).unwrap().entries, 4);

    // Quality < 50 is kept but never matched; md5 and sha256 match exactly.
    let m = e.match_hashes(&hotline, by_hashes(&[&low, md5])).await.unwrap();
    assert_eq!(m.queries[0].match_count, 0);
    assert_eq!(m.queries[1].match_count, 1);
    assert_eq!(m.matches[0].entry.kind, HashKind::Md5);
    let sha_q = HashQueryInput { kind: Some(HashKind::Sha256), value: sha.to_uppercase(), quality: None };
    assert_eq!(
        e.match_hashes(&hotline, MatchRequest { hashes: vec![sha_q], radius: None })
            .await
            .unwrap()
            .matches
            .len(),
        1
    );
    // A query hash of low quality is refused with a reason; bad hashes name their position.
    let lowq = HashQueryInput { kind: None, value: BRIDGE.into(), quality: Some(20) };
    let m =
        e.match_hashes(&hotline, MatchRequest { hashes: vec![lowq, q("abc")], radius: None }).await.unwrap();
    assert_eq!(m.queries[0].error.as_ref().unwrap().code, "low_quality");
    assert!(m.queries[1].error.as_ref().unwrap().message.contains("hashes[1]"));
    assert!(matches!(
        e.match_hashes(&hotline, MatchRequest { hashes: vec![], radius: Some(64) }).await,
        Err(EngineError::Invalid { .. })
    ));

    // Withdraw by value and by id: tombstones stay listed, never match.
    let entries = e.list_hash_entries(&hotline.viewer, set.id, None, None).await.unwrap().items;
    let md5_id = entries.iter().find(|x| x.kind == HashKind::Md5).unwrap().id;
    let w = WithdrawRequest {
        ids: vec![md5_id, uuid::Uuid::now_v7()],
        values: vec![q(BRIDGE), q(&flip(BRIDGE, 3))],
    };
    let out = e.withdraw_hash_entries(&hotline, set.id, w).await.unwrap();
    assert_eq!(out.withdrawn, 2);
    assert_eq!(out.not_found.len(), 2);
    assert!(e.match_hashes(&hotline, by_hashes(&[BRIDGE, md5])).await.unwrap().matches.is_empty());
    let listed = e.list_hash_entries(&hotline.viewer, set.id, None, None).await.unwrap().items;
    assert_eq!(listed.len(), 4);
    assert_eq!(listed.iter().filter(|x| x.withdrawn_at.is_some()).count(), 2);
    let view = e.get_hash_set(&hotline.viewer, set.id).unwrap();
    assert_eq!((view.entries, view.withdrawn), (2, 2));
    let again = WithdrawRequest { ids: vec![md5_id], values: vec![] };
    assert_eq!(e.withdraw_hash_entries(&hotline, set.id, again).await.unwrap().already_withdrawn, 1);

    // Sending a withdrawn value again reinstates it.
    let out = e
        .import_hash_entries(
            &hotline,
            set.id,
            ImportFormat::JsonLines,
            &format!("{{\"kind\":\"pdq\",\"value\":\"{BRIDGE}\"}}\n"),
        )
        .await
        .unwrap();
    assert_eq!(out.reinstated, 1);
    assert_eq!(e.match_hashes(&hotline, by_hashes(&[BRIDGE])).await.unwrap().matches.len(), 1);
}

#[tokio::test]
async fn images_match_with_their_rotations_and_owners_see_sightings() {
    let e = engine().await;
    let hotline = as_role(&e, "hotline", Role::Analyst).await;
    let bank = as_role(&e, "bank", Role::Reader).await;
    let set = e.create_hash_set(&hotline, set_input("imgs", "AMBER", &["bank"])).await.unwrap();
    let bytes = std::fs::read(testdata("bridge-mods/aaa-orig.jpg")).expect("shared pdq test data");
    let d = pdq::hash_image_dihedral(&bytes, &pdq::DecodeOptions::default()).unwrap();
    // The set holds the hash of the image turned a quarter: only the dihedral query finds it.
    let line = format!("{},{},rotated\n", d.rot90.to_hex(), d.quality);
    e.import_hash_entries(&hotline, set.id, ImportFormat::Csv { default: HashKind::Pdq }, &line)
        .await
        .unwrap();

    let plain = ImageMatchOptions { radius: None, dihedral: false };
    let m = e.match_image(&bank, bytes.clone(), plain).await.unwrap();
    assert_eq!(m.queries[0].value.as_deref(), Some(d.original.to_hex().as_str()));
    assert!(m.matches.iter().all(|x| x.entry.label.as_deref() != Some("rotated")));
    let m = e.match_image(&bank, bytes.clone(), ImageMatchOptions::default()).await.unwrap();
    let hit = m.matches.iter().find(|x| x.entry.label.as_deref() == Some("rotated")).expect("dihedral match");
    assert_eq!((hit.distance, hit.transform.as_deref()), (0, Some("rot90")));

    // The file's own MD5 matches exactly.
    let md5 = format!("{:x}", md5_of(&bytes));
    e.import_hash_entries(
        &hotline,
        set.id,
        ImportFormat::JsonLines,
        &format!("{{\"kind\":\"md5\",\"value\":\"{md5}\"}}"),
    )
    .await
    .unwrap();
    let m = e.match_image(&bank, bytes.clone(), ImageMatchOptions::default()).await.unwrap();
    assert!(m.matches.iter().any(|x| x.entry.kind == HashKind::Md5 && x.distance == 0));

    // Not an image: a clear error.
    let bad = e.match_image(&bank, b"GIF89a\x01".to_vec(), ImageMatchOptions::default()).await;
    assert!(matches!(bad, Err(EngineError::Invalid { ref field, .. }) if field == "image"), "{bad:?}");

    // The owner sees who matched, when and how close; nobody else does.
    let s = e.list_hash_sightings(&hotline, set.id, None, None).await.unwrap();
    assert_eq!(s.items.len(), 3, "one per match: rot90 twice, md5 once");
    assert!(s.items.iter().all(|x| x.organization == "bank"));
    assert!(matches!(e.list_hash_sightings(&bank, set.id, None, None).await, Err(EngineError::Forbidden(_))));
}

fn md5_of(bytes: &[u8]) -> u128 {
    use md5::Digest as _;
    u128::from_be_bytes(md5::Md5::digest(bytes).into())
}

#[tokio::test]
async fn hash_lists_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let set_id;
    {
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let e = Engine::open(Arc::new(store.clone()), EngineOptions::default()).await.unwrap();
        e.create_org(None, "hotline", false).await.unwrap();
        let p = as_role(&e, "hotline", Role::Analyst).await;
        let set = e.create_hash_set(&p, set_input("kept", "RED", &[])).await.unwrap();
        set_id = set.id;
        let lines: String = (1..=300).map(|i| format!("{},90,n{i}\n", flip(BRIDGE, i % 200))).collect();
        let out = e
            .import_hash_entries(&p, set.id, ImportFormat::Csv { default: HashKind::Pdq }, &lines)
            .await
            .unwrap();
        assert_eq!(out.added + out.duplicates, 300);
        let w = WithdrawRequest { ids: vec![], values: vec![q(&flip(BRIDGE, 5))] };
        e.withdraw_hash_entries(&p, set.id, w).await.unwrap();
        store.close().await;
    }
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let e = Engine::open(Arc::new(store), EngineOptions::default()).await.unwrap();
    let p = e.local_principal("hotline").unwrap();
    let view = e.get_hash_set(&p.viewer, set_id).unwrap();
    assert_eq!((view.entries, view.withdrawn), (199, 1));
    let m = e
        .match_hashes(&p, MatchRequest { hashes: vec![q(&flip(BRIDGE, 5))], radius: Some(0) })
        .await
        .unwrap();
    assert!(m.matches.is_empty(), "a withdrawal survives a restart");
    let m = e
        .match_hashes(&p, MatchRequest { hashes: vec![q(&flip(BRIDGE, 6))], radius: Some(0) })
        .await
        .unwrap();
    assert_eq!(m.matches.len(), 1);
}

/// The shared test data: `shared/` beside the workspace, else `/tmp/shared` (which `.ci/run` links).
fn shared() -> std::path::PathBuf {
    let beside = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if beside.is_dir() { beside.to_path_buf() } else { std::path::PathBuf::from("/tmp/shared") }
}
