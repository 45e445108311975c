//! The conformance suite every [`Store`] implementation passes.
//!
//! Instantiate it once per backend with [`store_test_suite!`](crate::store_test_suite) in an
//! integration test; the crate using it needs `tokio` (with `macros` and `rt`) as a
//! dev-dependency. The factory expression is awaited once per check and must give a fresh,
//! empty store each time:
//!
//! ```ignore
//! store::store_test_suite!(sqlite_memory, async {
//!     store::SqliteStore::open_in_memory().await.expect("open")
//! });
//! // A backend that is only tested when configured gives an `Option`; `None` skips every
//! // check with a message.
//! store::store_test_suite!(postgres, optional async {
//!     match std::env::var("DRAGNET_TEST_POSTGRES_URL") {
//!         Ok(url) => Some(fresh_postgres_store(&url).await),
//!         Err(_) => None,
//!     }
//! });
//! ```
//!
//! The factory may return a [`Harness`] instead of a store, e.g. a wrapper that deletes a
//! temporary directory when dropped.
//!
//! Each check is a public async function taking `&dyn Store`, so a backend can also run one
//! by hand.

use chrono::{DateTime, Duration, Utc};
use model::discovery::{AccessRequest, AccessRequestStatus};
use model::event::Event;
use model::hashlist::{HashCategory, HashEntry, HashKind, HashSet, HashSighting};
use model::org::{Community, CommunityId, OrgId, Organization, Role};
use model::report::{Audience, Report, ReportKind, ReportObservable};
use model::{ObservableKind, Tlp};
use uuid::Uuid;

use crate::taxii::{
    CollectionScope, StixObjectQuery, StixObjectRecord, StixScope, TaxiiApiRoot, TaxiiCollectionRecord,
    TaxiiStatusRecord,
};
use crate::{Store, StoreError, TokenRecord};

/// What a backend factory gives the suite: a store, or something that owns one.
pub trait Harness: Send + Sync {
    /// The store under test.
    fn store(&self) -> &dyn Store;

    /// Runs one SQL statement on the store's database directly, bypassing the store (to
    /// tamper with it); `None` when the harness cannot, and the checks that need it skip.
    fn raw_sql<'a>(&'a self, _sql: &'a str) -> Option<RawSqlFuture<'a>> {
        None
    }
}

/// What [`Harness::raw_sql`] returns: the rows affected.
pub type RawSqlFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64, StoreError>> + Send + 'a>>;

impl<S: Store> Harness for S {
    fn store(&self) -> &dyn Store {
        self
    }
}

/// Expands to a module `$backend` with one `#[tokio::test]` per check of the
/// [conformance suite](crate::testsuite).
///
/// `store_test_suite!(name, async { store })` runs every check on a fresh store from the
/// factory; `store_test_suite!(name, optional async { Some(store) or None })` skips every
/// check with a message when the factory gives `None`.
#[macro_export]
macro_rules! store_test_suite {
    ($backend:ident, optional $make:expr) => {
        $crate::__store_test_suite!($backend, $make);
    };
    ($backend:ident, $make:expr) => {
        $crate::__store_test_suite!($backend, async { ::std::option::Option::Some($make.await) });
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __store_test_suite {
    ($backend:ident, $make:expr) => {
        #[allow(unused_imports)]
        mod $backend {
            use super::*;

            async fn __harness() -> ::std::option::Option<impl $crate::testsuite::Harness> {
                $make.await
            }

            $crate::__store_test_suite!(@checks
                orgs_create_and_list,
                orgs_conflicts,
                communities_create_and_list,
                communities_set_members,
                communities_errors,
                tokens_create_and_lookup,
                tokens_list_by_org,
                tokens_revoke_and_touch,
                tokens_errors,
                reports_insert_and_get_in_order,
                reports_round_trip_every_field,
                reports_duplicate_in_batch_is_atomic_conflict,
                reports_duplicate_of_stored_is_atomic_conflict,
                reports_empty_batch,
                reports_revoke,
                reports_scan_pagination,
                reports_large_batch_round_trip,
                reports_count,
                victim_pii_is_kept_apart,
                text_with_nul_is_invalid,
                concurrent_writes_and_reads,
                hash_sets_create_list_update,
                hash_sets_errors,
                hash_entries_round_trip_and_pages,
                hash_entries_conflicts_are_atomic,
                hash_entries_withdraw_and_reinstate,
                hash_sightings_round_trip,
                alerts_round_trip,
                hub_marks_round_trip,
                reports_discoverable_flag,
                orgs_discoverable_setting,
                access_requests_round_trip_and_pages,
                access_requests_one_pending_per_owner_and_selector,
                access_requests_decide,
                stix_objects_insert_skip_duplicates_and_page,
                stix_objects_filters_and_scopes,
                stix_objects_delete,
                taxii_api_roots_and_collections,
                taxii_status_round_trip,
                events_append_in_order_and_page,
                events_are_atomic_with_their_change,
                events_concurrent_appends_are_gapless_in_commit_order,
                instance_key_is_kept,
                federation_instance_identity,
                federation_peer_orgs,
                federation_provenance_round_trip_and_dedupe,
                federation_peers_round_trip,
                audit_append_chains_and_pages,
                audit_list_filters_newest_first,
                audit_concurrent_appends_stay_linear,
                audit_entries_are_atomic_with_their_reports,
                integrity_check_of_a_sound_store,
            );
            $crate::__store_test_suite!(@harness_checks
                audit_tamper_edited_detail,
                audit_tamper_removed_middle,
                audit_tamper_swapped_seq,
                audit_tamper_truncated_head,
                audit_tamper_removed_genesis,
            );
        }
    };
    (@harness_checks $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let ::std::option::Option::Some(harness) = __harness().await else {
                    eprintln!(
                        "skipping {}::{}: backend not configured",
                        module_path!(),
                        stringify!($check)
                    );
                    return;
                };
                $crate::testsuite::$check(&harness).await;
            }
        )*
    };
    (@checks $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let ::std::option::Option::Some(harness) = __harness().await else {
                    eprintln!(
                        "skipping {}::{}: backend not configured",
                        module_path!(),
                        stringify!($check)
                    );
                    return;
                };
                $crate::testsuite::$check($crate::testsuite::Harness::store(&harness)).await;
            }
        )*
    };
}

// ----- fixtures -----

/// A time `micros` microseconds after the Unix epoch (microsecond precision, as stored).
pub fn at(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).expect("time in range")
}

/// 2025-06-15T12:26:40.123456Z, a base time for fixtures.
pub fn base_time() -> DateTime<Utc> {
    at(1_750_000_000_123_456)
}

/// A new organisation named `name`.
pub fn org(name: &str) -> Organization {
    Organization {
        peer: false,
        id: OrgId(Uuid::now_v7()),
        name: name.to_string(),
        operator: false,
        created_at: base_time(),
    }
}

/// A new token of `org` whose secret hash is `hash_byte` repeated.
pub fn token(org: OrgId, role: Role, hash_byte: u8) -> TokenRecord {
    TokenRecord {
        id: Uuid::now_v7(),
        org,
        role,
        label: format!("token {hash_byte}"),
        hash: [hash_byte; 32],
        created_at: base_time(),
        expires_at: None,
        revoked_at: None,
        last_used_at: None,
    }
}

/// A new report by `author` with `observables` observables; `seed` varies its contents.
pub fn report(author: OrgId, seed: usize, observables: usize) -> Report {
    let kinds = ObservableKind::ALL;
    Report {
        provenance: None,
        id: Uuid::now_v7(),
        kind: if seed.is_multiple_of(2) { ReportKind::Scam } else { ReportKind::Intel },
        title: format!("report {seed}"),
        narrative: format!("narrative of report {seed}"),
        tlp: Tlp::ALL[seed % Tlp::ALL.len()],
        audience: Audience::default(),
        author,
        labels: vec![format!("label-{}", seed % 7)],
        created_at: base_time() + Duration::microseconds(seed as i64),
        first_seen: None,
        last_seen: None,
        observables: (0..observables)
            .map(|i| ReportObservable {
                kind: kinds[(seed + i) % kinds.len()],
                value: format!("value-{seed}-{i}"),
                original: (i % 2 == 1).then(|| format!("Value-{seed}-{i}")),
                role: (i % 3 == 0).then(|| String::from("scammer-phone")),
            })
            .collect(),
        revoked_at: None,
        scam: None,
        victim_pii: None,
        discoverable: None,
    }
}

fn sorted_by_id(mut reports: Vec<Report>) -> Vec<Report> {
    reports.sort_by_key(|r| r.id);
    reports
}

async fn all_reports(store: &dyn Store, page: usize) -> Vec<Report> {
    let mut out: Vec<Report> = Vec::new();
    let mut after = None;
    loop {
        let batch = store.scan_reports(after, page).await.expect("scan");
        assert!(batch.len() <= page, "a page holds at most `limit` reports");
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        out.extend(batch);
    }
    out
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::Conflict { what }) => assert!(!what.is_empty()),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::NotFound { what }) => assert!(!what.is_empty()),
        other => panic!("expected not found, got {other:?}"),
    }
}

// ----- organisations -----

/// Organisations round-trip and are listed in id order.
pub async fn orgs_create_and_list(store: &dyn Store) {
    assert!(store.list_orgs().await.expect("list").is_empty());
    let mut a = org("Bank of Ñowhere — fraud team");
    a.operator = true;
    let b = org("acme");
    let c = org("ACME");
    for o in [&b, &a, &c] {
        store.create_org(o).await.expect("create");
    }
    let mut expected = vec![a, b, c];
    expected.sort_by_key(|o| o.id);
    assert_eq!(store.list_orgs().await.expect("list"), expected);
}

/// A taken organisation name or id is a conflict and changes nothing.
pub async fn orgs_conflicts(store: &dyn Store) {
    let a = org("acme");
    store.create_org(&a).await.expect("create");
    let same_name = org("acme");
    assert_conflict(store.create_org(&same_name).await);
    let mut same_id = org("other");
    same_id.id = a.id;
    assert_conflict(store.create_org(&same_id).await);
    assert_eq!(store.list_orgs().await.expect("list"), vec![a]);
}

// ----- communities -----

/// Communities round-trip with their members, sorted and deduplicated.
pub async fn communities_create_and_list(store: &dyn Store) {
    let orgs: Vec<Organization> = (0..3).map(|i| org(&format!("org {i}"))).collect();
    for o in &orgs {
        store.create_org(o).await.expect("create org");
    }
    let empty = Community {
        id: CommunityId(Uuid::now_v7()),
        name: String::from("empty"),
        members: vec![],
        created_at: base_time(),
    };
    let banks = Community {
        id: CommunityId(Uuid::now_v7()),
        name: String::from("banks 🏦"),
        members: vec![orgs[2].id, orgs[0].id, orgs[2].id],
        created_at: base_time() + Duration::seconds(1),
    };
    store.create_community(&banks).await.expect("create banks");
    store.create_community(&empty).await.expect("create empty");

    let mut expected_banks = banks.clone();
    expected_banks.members = vec![orgs[0].id, orgs[2].id];
    expected_banks.members.sort();
    let mut expected = vec![empty, expected_banks];
    expected.sort_by_key(|c| c.id);
    assert_eq!(store.list_communities().await.expect("list"), expected);
}

/// Setting members replaces them.
pub async fn communities_set_members(store: &dyn Store) {
    let orgs: Vec<Organization> = (0..4).map(|i| org(&format!("org {i}"))).collect();
    for o in &orgs {
        store.create_org(o).await.expect("create org");
    }
    let mut community = Community {
        id: CommunityId(Uuid::now_v7()),
        name: String::from("telcos"),
        members: vec![orgs[0].id, orgs[1].id],
        created_at: base_time(),
    };
    store.create_community(&community).await.expect("create");

    store.set_community_members(community.id, &[orgs[3].id, orgs[1].id]).await.expect("set");
    community.members = vec![orgs[1].id, orgs[3].id];
    assert_eq!(store.list_communities().await.expect("list"), vec![community.clone()]);

    store.set_community_members(community.id, &[]).await.expect("clear");
    community.members.clear();
    assert_eq!(store.list_communities().await.expect("list"), vec![community]);
}

/// Taken names and ids conflict; unknown communities and organisations are not found, and a
/// failed change leaves the community as it was.
pub async fn communities_errors(store: &dyn Store) {
    let a = org("a");
    store.create_org(&a).await.expect("create org");
    let community = Community {
        id: CommunityId(Uuid::now_v7()),
        name: String::from("isacs"),
        members: vec![a.id],
        created_at: base_time(),
    };
    store.create_community(&community).await.expect("create");

    let mut same_name = community.clone();
    same_name.id = CommunityId(Uuid::now_v7());
    assert_conflict(store.create_community(&same_name).await);
    let mut same_id = community.clone();
    same_id.name = String::from("other");
    assert_conflict(store.create_community(&same_id).await);

    let ghost = OrgId(Uuid::now_v7());
    let with_ghost = Community {
        id: CommunityId(Uuid::now_v7()),
        name: String::from("ghosts"),
        members: vec![a.id, ghost],
        created_at: base_time(),
    };
    assert_not_found(store.create_community(&with_ghost).await);
    assert_not_found(store.set_community_members(CommunityId(Uuid::now_v7()), &[a.id]).await);
    assert_not_found(store.set_community_members(community.id, &[ghost]).await);

    assert_eq!(store.list_communities().await.expect("list"), vec![community]);
}

// ----- tokens -----

/// Tokens are found by hash with every field intact, expiry included.
pub async fn tokens_create_and_lookup(store: &dyn Store) {
    let a = org("a");
    store.create_org(&a).await.expect("create org");
    let plain = token(a.id, Role::Reader, 1);
    let mut full = token(a.id, Role::Admin, 2);
    full.label = String::from("ingest — pipeline ✓");
    full.expires_at = Some(base_time() + Duration::days(90));
    full.revoked_at = Some(base_time() + Duration::days(1));
    full.last_used_at = Some(base_time() + Duration::microseconds(7));
    for t in [&plain, &full] {
        store.create_token(t).await.expect("create token");
    }
    assert_eq!(store.token_by_hash(&[1; 32]).await.expect("lookup"), Some(plain));
    assert_eq!(store.token_by_hash(&[2; 32]).await.expect("lookup"), Some(full));
    assert_eq!(store.token_by_hash(&[3; 32]).await.expect("lookup"), None);
}

/// Tokens list by organisation, or all, in id order.
pub async fn tokens_list_by_org(store: &dyn Store) {
    let a = org("a");
    let b = org("b");
    store.create_org(&a).await.expect("create org");
    store.create_org(&b).await.expect("create org");
    let tokens =
        [token(a.id, Role::Admin, 1), token(b.id, Role::Analyst, 2), token(a.id, Role::Contributor, 3)];
    for t in tokens.iter().rev() {
        store.create_token(t).await.expect("create token");
    }
    let mut of_a = vec![tokens[0].clone(), tokens[2].clone()];
    of_a.sort_by_key(|t| t.id);
    assert_eq!(store.list_tokens(Some(a.id)).await.expect("list"), of_a);
    assert_eq!(store.list_tokens(Some(b.id)).await.expect("list"), vec![tokens[1].clone()]);
    assert!(store.list_tokens(Some(OrgId(Uuid::now_v7()))).await.expect("list").is_empty());
    let mut all = tokens.to_vec();
    all.sort_by_key(|t| t.id);
    assert_eq!(store.list_tokens(None).await.expect("list"), all);
}

/// Revoking works once; touching records the last use.
pub async fn tokens_revoke_and_touch(store: &dyn Store) {
    let a = org("a");
    store.create_org(&a).await.expect("create org");
    let mut t = token(a.id, Role::Analyst, 9);
    store.create_token(&t).await.expect("create token");

    let used = base_time() + Duration::minutes(5);
    assert!(store.touch_token(t.id, used).await.expect("touch"));
    assert!(!store.touch_token(Uuid::now_v7(), used).await.expect("touch"));
    t.last_used_at = Some(used);

    let revoked = base_time() + Duration::hours(1);
    assert!(store.revoke_token(t.id, revoked).await.expect("revoke"));
    assert!(!store.revoke_token(t.id, revoked + Duration::hours(1)).await.expect("revoke"));
    assert!(!store.revoke_token(Uuid::now_v7(), revoked).await.expect("revoke"));
    t.revoked_at = Some(revoked);
    assert_eq!(store.token_by_hash(&[9; 32]).await.expect("lookup"), Some(t));
}

/// Taken ids and hashes conflict; a token of an unknown organisation is not found.
pub async fn tokens_errors(store: &dyn Store) {
    let a = org("a");
    store.create_org(&a).await.expect("create org");
    let t = token(a.id, Role::Reader, 1);
    store.create_token(&t).await.expect("create token");
    assert_conflict(store.create_token(&token(a.id, Role::Admin, 1)).await);
    let mut same_id = token(a.id, Role::Admin, 2);
    same_id.id = t.id;
    assert_conflict(store.create_token(&same_id).await);
    assert_not_found(store.create_token(&token(OrgId(Uuid::now_v7()), Role::Admin, 3)).await);
    assert_eq!(store.list_tokens(None).await.expect("list"), vec![t]);
}

// ----- reports -----

/// Reports come back in the order asked; unknown ids are skipped, repeated ids repeated.
pub async fn reports_insert_and_get_in_order(store: &dyn Store) {
    let author = OrgId(Uuid::now_v7());
    let reports: Vec<Report> = (0..10).map(|i| report(author, i, i % 4)).collect();
    store.insert_reports(&reports, &[]).await.expect("insert");

    let unknown = Uuid::now_v7();
    let ids = [reports[7].id, unknown, reports[2].id, reports[9].id, reports[2].id];
    let got = store.get_reports(&ids).await.expect("get");
    let expected = vec![reports[7].clone(), reports[2].clone(), reports[9].clone(), reports[2].clone()];
    assert_eq!(got, expected);
    assert!(store.get_reports(&[]).await.expect("get").is_empty());
    assert!(store.get_reports(&[unknown]).await.expect("get").is_empty());

    let all: Vec<Uuid> = reports.iter().map(|r| r.id).collect();
    assert_eq!(store.get_reports(&all).await.expect("get"), reports);
}

/// Every field of every variant round-trips exactly.
pub async fn reports_round_trip_every_field(store: &dyn Store) {
    let author = OrgId(Uuid::now_v7());
    let mut reports = Vec::new();
    for (i, tlp) in Tlp::ALL.into_iter().enumerate() {
        for kind in [ReportKind::Intel, ReportKind::Scam] {
            let mut r = report(author, i, 0);
            r.kind = kind;
            r.tlp = tlp;
            reports.push(r);
        }
    }
    // Everything set, unicode everywhere.
    let full = Report {
        provenance: None,
        id: Uuid::now_v7(),
        kind: ReportKind::Scam,
        title: String::from("Fake parcel SMS — «DHL» 📦 Zustellung fehlgeschlagen"),
        narrative: String::from(
            "Line one\nline two\ttabbed; quotes \" ' and \\ backslash; 中文; العربية; \u{7}bell",
        ),
        tlp: Tlp::AmberStrict,
        audience: Audience {
            organizations: vec![OrgId(Uuid::now_v7()), OrgId(Uuid::now_v7())],
            communities: vec![CommunityId(Uuid::now_v7())],
        },
        author,
        labels: vec![
            String::from("smishing"),
            String::from("parcel"),
            String::from("ünïcödé"),
            String::new(),
        ],
        created_at: base_time(),
        first_seen: Some(at(-1_234_567_890_123_456)),
        last_seen: Some(base_time() + Duration::microseconds(1)),
        observables: ObservableKind::ALL
            .into_iter()
            .enumerate()
            .map(|(i, kind)| ReportObservable {
                kind,
                value: format!("{kind}-välue-{i}"),
                original: (i.is_multiple_of(2)).then(|| format!(" {kind}-VÄLUE-{i} ")),
                role: (i % 3 != 0).then(|| format!("role-{i} ☎")),
            })
            .collect(),
        revoked_at: Some(base_time() + Duration::days(3)),
        scam: Some(scam_details()),
        victim_pii: None,
        discoverable: Some(true),
    };
    let mut full = full;
    full.observables.push(ReportObservable {
        kind: ObservableKind::Url,
        value: String::from("https://example.test/a?b=\"c\"&d=\\e"),
        original: Some(String::from("[\"json\", null, \u{1}, \u{1f}]")),
        role: Some(String::from("{\"role\": 1}")),
    });
    reports.push(full);
    // Nothing optional set, empty strings.
    let mut bare = report(author, 99, 1);
    bare.title = String::new();
    bare.narrative = String::new();
    bare.labels.clear();
    bare.observables[0].original = None;
    bare.observables[0].role = None;
    reports.push(bare);
    // Same value twice in one report, at different positions.
    let mut twice = report(author, 100, 2);
    twice.observables[1] = twice.observables[0].clone();
    reports.push(twice);

    store.insert_reports(&reports, &[]).await.expect("insert");
    let ids: Vec<Uuid> = reports.iter().map(|r| r.id).collect();
    assert_eq!(store.get_reports(&ids).await.expect("get"), reports);
    assert_eq!(all_reports(store, 1000).await, sorted_by_id(reports));
}

/// An id repeated within a batch is a conflict and nothing of the batch is stored.
pub async fn reports_duplicate_in_batch_is_atomic_conflict(store: &dyn Store) {
    let author = OrgId(Uuid::now_v7());
    let mut batch: Vec<Report> = (0..20).map(|i| report(author, i, 3)).collect();
    let mut dup = report(author, 99, 2);
    dup.id = batch[3].id;
    batch.push(dup);
    assert_conflict(store.insert_reports(&batch, &[]).await);
    assert_eq!(store.count_reports().await.expect("count"), 0);
    assert!(store.scan_reports(None, 100).await.expect("scan").is_empty());
}

/// An id already stored is a conflict, nothing of the batch is stored and what was stored
/// before is intact.
pub async fn reports_duplicate_of_stored_is_atomic_conflict(store: &dyn Store) {
    let author = OrgId(Uuid::now_v7());
    let first: Vec<Report> = (0..5).map(|i| report(author, i, 2)).collect();
    store.insert_reports(&first, &[]).await.expect("insert");

    // The duplicate sits after enough reports and observables to span several statements.
    let mut second: Vec<Report> = (10..1300).map(|i| report(author, i, 5)).collect();
    let mut dup = report(author, 4242, 1);
    dup.id = first[2].id;
    second.push(dup);
    second.push(report(author, 4243, 1));
    assert_conflict(store.insert_reports(&second, &[]).await);

    assert_eq!(store.count_reports().await.expect("count"), 5);
    assert_eq!(all_reports(store, 100).await, sorted_by_id(first.clone()));
    let ids: Vec<Uuid> = second.iter().map(|r| r.id).collect();
    assert_eq!(store.get_reports(&ids).await.expect("get"), vec![first[2].clone()]);

    // The store still takes writes.
    let third = vec![report(author, 5000, 1)];
    store.insert_reports(&third, &[]).await.expect("insert after conflict");
    assert_eq!(store.count_reports().await.expect("count"), 6);
}

/// An empty batch stores nothing and succeeds.
pub async fn reports_empty_batch(store: &dyn Store) {
    store.insert_reports(&[], &[]).await.expect("insert");
    assert_eq!(store.count_reports().await.expect("count"), 0);
}

/// Revoking sets the time once; unknown reports are not revoked.
pub async fn reports_revoke(store: &dyn Store) {
    let author = OrgId(Uuid::now_v7());
    let reports: Vec<Report> = (0..3).map(|i| report(author, i, 1)).collect();
    store.insert_reports(&reports, &[]).await.expect("insert");
    let when = base_time() + Duration::hours(2);
    assert!(store.revoke_report(reports[1].id, when, &[]).await.expect("revoke").is_some());
    assert!(
        store.revoke_report(reports[1].id, when + Duration::hours(1), &[]).await.expect("revoke").is_none()
    );
    assert!(store.revoke_report(Uuid::now_v7(), when, &[]).await.expect("revoke").is_none());

    let got = store.get_reports(&[reports[1].id, reports[0].id]).await.expect("get");
    let mut revoked = reports[1].clone();
    revoked.revoked_at = Some(when);
    assert_eq!(got, vec![revoked, reports[0].clone()]);
}

/// Paging with any page size visits every report exactly once, in id order.
pub async fn reports_scan_pagination(store: &dyn Store) {
    assert!(store.scan_reports(None, 10).await.expect("scan").is_empty());
    let author = OrgId(Uuid::now_v7());
    // Inserted out of order, in several batches, some without observables.
    let mut reports: Vec<Report> = (0..157).map(|i| report(author, i, i % 6)).collect();
    reports.reverse();
    for batch in reports.chunks(40) {
        store.insert_reports(batch, &[]).await.expect("insert");
    }
    let expected = sorted_by_id(reports);
    for page in [1, 7, 50, 156, 157, 158, 10_000] {
        assert_eq!(all_reports(store, page).await, expected, "page size {page}");
    }
    assert!(store.scan_reports(None, 0).await.expect("scan").is_empty());
    let last = expected.last().expect("reports").id;
    assert!(store.scan_reports(Some(last), 10).await.expect("scan").is_empty());
    // `after` need not be a stored id.
    let middle = &expected[80];
    let mut bytes = *middle.id.as_bytes();
    bytes[15] = bytes[15].wrapping_sub(1);
    let before_middle = Uuid::from_bytes(bytes);
    if before_middle < middle.id && before_middle > expected[79].id {
        let page = store.scan_reports(Some(before_middle), 2).await.expect("scan");
        assert_eq!(page, expected[80..82].to_vec());
    }
}

/// A batch large enough to need many statements round-trips exactly.
pub async fn reports_large_batch_round_trip(store: &dyn Store) {
    let author = OrgId(Uuid::now_v7());
    // 1 + 8 + 64 + 512 + 512 rows: every statement size, several observable layouts.
    let reports: Vec<Report> = (0..1097).map(|i| report(author, i, (i * 7) % 11)).collect();
    store.insert_reports(&reports, &[]).await.expect("insert");
    assert_eq!(store.count_reports().await.expect("count"), 1097);
    assert_eq!(all_reports(store, 300).await, sorted_by_id(reports.clone()));
    let ids: Vec<Uuid> = reports.iter().rev().map(|r| r.id).collect();
    let mut reversed = reports;
    reversed.reverse();
    assert_eq!(store.get_reports(&ids).await.expect("get"), reversed);
}

/// The count follows inserts; revoked reports still count.
pub async fn reports_count(store: &dyn Store) {
    assert_eq!(store.count_reports().await.expect("count"), 0);
    let author = OrgId(Uuid::now_v7());
    let a: Vec<Report> = (0..12).map(|i| report(author, i, 1)).collect();
    store.insert_reports(&a, &[]).await.expect("insert");
    assert_eq!(store.count_reports().await.expect("count"), 12);
    store.insert_reports(&[report(author, 12, 0)], &[]).await.expect("insert");
    assert!(store.revoke_report(a[0].id, base_time(), &[]).await.expect("revoke").is_some());
    assert_eq!(store.count_reports().await.expect("count"), 13);
}

/// Text with a NUL character is refused by every backend, and nothing is stored.
pub async fn text_with_nul_is_invalid(store: &dyn Store) {
    let invalid = |result: Result<Vec<model::event::Event>, StoreError>| match result {
        Err(StoreError::Invalid(reason)) => assert!(reason.contains("nul"), "{reason}"),
        other => panic!("expected invalid input, got {other:?}"),
    };
    invalid(store.create_org(&org("nul\0org")).await.map(|()| Vec::new()));
    assert!(store.list_orgs().await.expect("list").is_empty());

    let author = OrgId(Uuid::now_v7());
    let fine = report(author, 1, 2);
    let mut narrative = report(author, 2, 2);
    narrative.narrative.push('\0');
    invalid(store.insert_reports(&[fine.clone(), narrative], &[]).await);
    let mut original = report(author, 3, 2);
    original.observables[1].original = Some(String::from("a\0b"));
    invalid(store.insert_reports(&[fine.clone(), original], &[]).await);
    let mut label = report(author, 4, 0);
    label.labels.push(String::from("\0"));
    invalid(store.insert_reports(&[label], &[]).await);
    assert_eq!(store.count_reports().await.expect("count"), 0);
}

/// Concurrent writes and reads through one store all land.
pub async fn concurrent_writes_and_reads(store: &dyn Store) {
    let author = OrgId(Uuid::now_v7());
    let batches: Vec<Vec<Report>> =
        (0..4).map(|b| (0..50).map(|i| report(author, b * 100 + i, 2)).collect()).collect();
    let (r0, r1, r2, r3, count) = tokio::join!(
        store.insert_reports(&batches[0], &[]),
        store.insert_reports(&batches[1], &[]),
        store.insert_reports(&batches[2], &[]),
        store.insert_reports(&batches[3], &[]),
        store.count_reports(),
    );
    for r in [r0, r1, r2, r3] {
        r.expect("insert");
    }
    let count = count.expect("count");
    assert!(count <= 200 && count.is_multiple_of(50), "a batch is seen whole or not at all: {count}");
    let all: Vec<Report> = batches.into_iter().flatten().collect();
    assert_eq!(all_reports(store, 64).await, sorted_by_id(all));
}

// ----- scam intake -----

/// Intake facts with every field set.
pub fn scam_details() -> model::scam::ScamDetails {
    serde_json::from_value(serde_json::json!({
        "source": "third-party",
        "channel": "hotline",
        "victim": {"age_bracket": "80+", "country": "GB", "region": "Kent"},
        "incident": {"scam_type": "courier-cash-pickup", "contact_method": "phone-call",
                     "impersonated_brand": "Metropolitan Police", "remote_access_tool": "anydesk"},
        "losses": [
            {"amount": "12500.00", "currency": "GBP", "method": "courier", "paid_at": "2025-05-01T10:00:00Z"},
            {"amount": "0.000000000000000001", "currency": "BTC", "method": "crypto-atm", "recovered": "0"}
        ]
    }))
    .expect("valid intake facts")
}

/// Victim PII is stored with the report in its transaction and read back only through
/// `get_victim_pii`: reports come back without it.
pub async fn victim_pii_is_kept_apart(store: &dyn Store) {
    let author = OrgId(Uuid::now_v7());
    let mut with = report(author, 1, 1);
    with.scam = Some(scam_details());
    with.victim_pii = Some(model::scam::VictimPii {
        name: Some(String::from("Edna Q. Whitfield")),
        phone: Some(String::from("+44 20 7946 0018")),
        notes: Some(String::from("lives alone; daughter's number in file")),
        ..Default::default()
    });
    let mut empty = report(author, 2, 0);
    empty.victim_pii = Some(model::scam::VictimPii::default());
    let without = report(author, 3, 0);
    store.insert_reports(&[with.clone(), empty.clone(), without.clone()], &[]).await.expect("insert");
    for r in store.get_reports(&[with.id]).await.expect("get").into_iter().chain(all_reports(store, 10).await)
    {
        assert!(r.victim_pii.is_none(), "reports never carry victim data");
    }
    let got = store.get_reports(&[with.id]).await.expect("get");
    assert_eq!(got[0].scam, with.scam);
    let pii = store.get_victim_pii(&[without.id, with.id, empty.id, Uuid::now_v7()]).await.expect("pii");
    assert_eq!(pii, vec![(with.id, with.victim_pii.clone().unwrap())]);
    assert!(store.get_victim_pii(&[]).await.expect("pii").is_empty());
    // A failed batch stores no victim data either.
    let mut dup = report(author, 4, 0);
    dup.id = with.id;
    dup.victim_pii = Some(model::scam::VictimPii { name: Some(String::from("x")), ..Default::default() });
    let mut fresh = report(author, 5, 0);
    fresh.victim_pii = dup.victim_pii.clone();
    assert!(store.insert_reports(&[fresh.clone(), dup], &[]).await.is_err());
    assert!(store.get_victim_pii(&[fresh.id]).await.expect("pii").is_empty());
}

// ----- hash lists -----

/// A new hash set of `owner` named `name`.
pub fn hash_set(owner: OrgId, name: &str) -> HashSet {
    HashSet {
        id: Uuid::now_v7(),
        name: name.to_string(),
        owner,
        category: HashCategory::Csam,
        source: String::from("hotline queue"),
        description: String::from("confirmed by two analysts"),
        tlp: Tlp::Amber,
        audience: Audience::default(),
        created_at: base_time(),
    }
}

/// A new entry of `set`; `seed` makes its value.
pub fn hash_entry(set: Uuid, kind: HashKind, seed: u64) -> HashEntry {
    let hex: String = (0..kind.hex_len() / 16)
        .map(|i| format!("{:016x}", seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(i as u64)))
        .collect();
    HashEntry {
        id: Uuid::now_v7(),
        set_id: set,
        kind,
        value: hex,
        quality: (kind == HashKind::Pdq).then_some((seed % 101) as u8),
        label: seed.is_multiple_of(2).then(|| format!("file-{seed}.jpg")),
        added_at: base_time() + Duration::microseconds(seed as i64),
        withdrawn_at: None,
    }
}

async fn all_entries(store: &dyn Store, set: Option<Uuid>, page: usize) -> Vec<HashEntry> {
    let mut out: Vec<HashEntry> = Vec::new();
    let mut after = None;
    loop {
        let batch = match set {
            Some(set) => store.list_hash_entries(set, after, page).await.expect("list entries"),
            None => store.scan_hash_entries(after, page).await.expect("scan entries"),
        };
        assert!(batch.len() <= page);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        out.extend(batch);
    }
    out
}

/// Hash sets round-trip, are listed in id order and can be updated (owner and creation time
/// never change).
pub async fn hash_sets_create_list_update(store: &dyn Store) {
    let a = org("hotline");
    let b = org("platform");
    store.create_org(&a).await.expect("org");
    store.create_org(&b).await.expect("org");
    let mut one = hash_set(a.id, "confirmed");
    one.audience = Audience { organizations: vec![b.id], communities: vec![CommunityId(Uuid::now_v7())] };
    let two = hash_set(b.id, "confirmed");
    store.create_hash_set(&two).await.expect("create");
    store.create_hash_set(&one).await.expect("create");
    let mut expected = vec![one.clone(), two.clone()];
    expected.sort_by_key(|s| s.id);
    assert_eq!(store.list_hash_sets().await.expect("list"), expected);

    let mut changed = one.clone();
    changed.name = String::from("confirmed — 2025");
    changed.category = HashCategory::Ncii;
    changed.tlp = Tlp::Green;
    changed.description = String::new();
    changed.audience = Audience::default();
    changed.owner = b.id;
    changed.created_at = at(1);
    assert!(store.update_hash_set(&changed).await.expect("update"));
    changed.owner = one.owner;
    changed.created_at = one.created_at;
    let listed = store.list_hash_sets().await.expect("list");
    assert_eq!(listed.iter().find(|s| s.id == one.id), Some(&changed));
    assert!(!store.update_hash_set(&hash_set(a.id, "unknown")).await.expect("update unknown"));
}

/// Taken names and ids conflict, unknown owners are not found, NUL text is invalid.
pub async fn hash_sets_errors(store: &dyn Store) {
    let a = org("hotline");
    store.create_org(&a).await.expect("org");
    let set = hash_set(a.id, "confirmed");
    store.create_hash_set(&set).await.expect("create");
    assert_conflict(store.create_hash_set(&hash_set(a.id, "confirmed")).await);
    let mut same_id = hash_set(a.id, "other");
    same_id.id = set.id;
    assert_conflict(store.create_hash_set(&same_id).await);
    assert_not_found(store.create_hash_set(&hash_set(OrgId(Uuid::now_v7()), "orphan")).await);
    let mut nul = hash_set(a.id, "nul");
    nul.description = String::from("a\0b");
    assert!(matches!(store.create_hash_set(&nul).await, Err(StoreError::Invalid(_))));
    let other = hash_set(a.id, "second");
    store.create_hash_set(&other).await.expect("create");
    let mut rename = other.clone();
    rename.name = set.name.clone();
    assert!(matches!(store.update_hash_set(&rename).await, Err(StoreError::Conflict { .. })));
    assert_eq!(store.list_hash_sets().await.expect("list").len(), 2);
}

/// Entries of every kind round-trip through scans, per-set listings and look-ups by id.
pub async fn hash_entries_round_trip_and_pages(store: &dyn Store) {
    let a = org("hotline");
    store.create_org(&a).await.expect("org");
    let s1 = hash_set(a.id, "one");
    let s2 = hash_set(a.id, "two");
    store.create_hash_set(&s1).await.expect("set");
    store.create_hash_set(&s2).await.expect("set");
    let kinds = [HashKind::Pdq, HashKind::Md5, HashKind::Sha256];
    let entries: Vec<HashEntry> = (0..1_300u64)
        .map(|i| {
            let mut e = hash_entry(if i % 3 == 0 { s2.id } else { s1.id }, kinds[(i % 3) as usize], i);
            if i % 7 == 0 {
                e.withdrawn_at = Some(base_time() + Duration::seconds(i as i64));
            }
            if i == 5 {
                e.label = Some(String::from("naïve \"quoted\", label"));
            }
            e
        })
        .collect();
    store.insert_hash_entries(&entries[..1_000]).await.expect("insert");
    store.insert_hash_entries(&entries[1_000..]).await.expect("insert");
    store.insert_hash_entries(&[]).await.expect("empty batch");
    let mut sorted = entries.clone();
    sorted.sort_by_key(|e| e.id);
    assert_eq!(all_entries(store, None, 257).await, sorted);
    let of_s2: Vec<HashEntry> = sorted.iter().filter(|e| e.set_id == s2.id).cloned().collect();
    assert_eq!(all_entries(store, Some(s2.id), 100).await, of_s2);
    assert!(all_entries(store, Some(Uuid::now_v7()), 10).await.is_empty());
    let ask = [entries[9].id, Uuid::now_v7(), entries[3].id, entries[9].id];
    assert_eq!(
        store.get_hash_entries(&ask).await.expect("get"),
        vec![entries[9].clone(), entries[3].clone(), entries[9].clone()]
    );
    assert!(store.scan_hash_entries(None, 0).await.expect("scan").is_empty());
}

/// A batch with a taken id, a value already in its set (also within the batch), an unknown set
/// or a malformed value stores nothing.
pub async fn hash_entries_conflicts_are_atomic(store: &dyn Store) {
    let a = org("hotline");
    store.create_org(&a).await.expect("org");
    let s1 = hash_set(a.id, "one");
    let s2 = hash_set(a.id, "two");
    store.create_hash_set(&s1).await.expect("set");
    store.create_hash_set(&s2).await.expect("set");
    let first = hash_entry(s1.id, HashKind::Pdq, 1);
    store.insert_hash_entries(std::slice::from_ref(&first)).await.expect("insert");

    let fresh = hash_entry(s1.id, HashKind::Pdq, 2);
    let mut same_value = hash_entry(s1.id, HashKind::Pdq, 3);
    same_value.value = first.value.clone();
    assert_conflict(store.insert_hash_entries(&[fresh.clone(), same_value]).await);
    let mut same_id = hash_entry(s1.id, HashKind::Pdq, 4);
    same_id.id = first.id;
    assert_conflict(store.insert_hash_entries(&[fresh.clone(), same_id]).await);
    let twin = hash_entry(s1.id, HashKind::Md5, 5);
    let mut twin2 = hash_entry(s1.id, HashKind::Md5, 6);
    twin2.value = twin.value.clone();
    assert_conflict(store.insert_hash_entries(&[twin, twin2]).await);
    assert_not_found(
        store.insert_hash_entries(&[fresh.clone(), hash_entry(Uuid::now_v7(), HashKind::Md5, 7)]).await,
    );
    let mut upper = hash_entry(s1.id, HashKind::Sha256, 8);
    upper.value = upper.value.to_uppercase();
    assert!(matches!(store.insert_hash_entries(&[fresh.clone(), upper]).await, Err(StoreError::Invalid(_))));
    let mut short = hash_entry(s1.id, HashKind::Md5, 9);
    short.value.pop();
    assert!(matches!(store.insert_hash_entries(&[short]).await, Err(StoreError::Invalid(_))));
    assert_eq!(all_entries(store, None, 100).await, vec![first.clone()]);

    // The same value in another set, or as another kind, is fine.
    let mut other_set = hash_entry(s2.id, HashKind::Pdq, 10);
    other_set.value = first.value.clone();
    let mut other_kind = hash_entry(s1.id, HashKind::Sha256, 11);
    other_kind.value = first.value.clone();
    store.insert_hash_entries(&[other_set, other_kind]).await.expect("insert");
    assert_eq!(all_entries(store, None, 100).await.len(), 3);
}

/// Withdrawing keeps the entry as a tombstone with its first withdrawal time; reinstating
/// clears it; counts say what changed.
pub async fn hash_entries_withdraw_and_reinstate(store: &dyn Store) {
    let a = org("hotline");
    store.create_org(&a).await.expect("org");
    let s = hash_set(a.id, "one");
    store.create_hash_set(&s).await.expect("set");
    let entries: Vec<HashEntry> = (0..5).map(|i| hash_entry(s.id, HashKind::Pdq, i)).collect();
    store.insert_hash_entries(&entries).await.expect("insert");
    let t1 = base_time() + Duration::days(1);
    let t2 = base_time() + Duration::days(2);
    let ids = [entries[0].id, entries[1].id, Uuid::now_v7()];
    assert_eq!(store.set_hash_entries_withdrawn(&ids, Some(t1)).await.expect("withdraw"), 2);
    assert_eq!(
        store.set_hash_entries_withdrawn(&[entries[1].id, entries[2].id], Some(t2)).await.expect("withdraw"),
        1
    );
    let got = all_entries(store, Some(s.id), 10).await;
    let when: Vec<Option<DateTime<Utc>>> = got.iter().map(|e| e.withdrawn_at).collect();
    assert_eq!(when, vec![Some(t1), Some(t1), Some(t2), None, None]);
    assert_eq!(
        store.set_hash_entries_withdrawn(&[entries[0].id, entries[3].id], None).await.expect("reinstate"),
        1
    );
    let got = store.get_hash_entries(&[entries[0].id, entries[3].id]).await.expect("get");
    assert_eq!(got, vec![entries[0].clone(), entries[3].clone()]);
    assert_eq!(store.set_hash_entries_withdrawn(&[], Some(t1)).await.expect("empty"), 0);
}

/// Sightings round-trip per set in id order; unknown entries are not found.
pub async fn hash_sightings_round_trip(store: &dyn Store) {
    let a = org("hotline");
    let b = org("platform");
    store.create_org(&a).await.expect("org");
    store.create_org(&b).await.expect("org");
    let s1 = hash_set(a.id, "one");
    let s2 = hash_set(a.id, "two");
    store.create_hash_set(&s1).await.expect("set");
    store.create_hash_set(&s2).await.expect("set");
    let e1 = hash_entry(s1.id, HashKind::Pdq, 1);
    let e2 = hash_entry(s2.id, HashKind::Md5, 2);
    store.insert_hash_entries(&[e1.clone(), e2.clone()]).await.expect("entries");
    let sightings: Vec<HashSighting> = (0..30u32)
        .map(|i| HashSighting {
            id: Uuid::now_v7(),
            set_id: if i % 3 == 0 { s2.id } else { s1.id },
            entry_id: if i % 3 == 0 { e2.id } else { e1.id },
            org: if i % 2 == 0 { a.id } else { b.id },
            distance: i,
            at: base_time() + Duration::microseconds(i64::from(i)),
        })
        .collect();
    store.insert_hash_sightings(&sightings[..20], &[]).await.expect("insert");
    store.insert_hash_sightings(&sightings[20..], &[]).await.expect("insert");
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let page = store.list_hash_sightings(s1.id, after, 7).await.expect("list");
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        got.extend(page);
    }
    let expected: Vec<HashSighting> = sightings.iter().filter(|s| s.set_id == s1.id).cloned().collect();
    assert_eq!(got, expected);
    let mut dup = sightings[0].clone();
    dup.distance = 99;
    assert_conflict(store.insert_hash_sightings(&[dup], &[]).await);
    let mut orphan = sightings[1].clone();
    orphan.id = Uuid::now_v7();
    orphan.entry_id = Uuid::now_v7();
    assert_not_found(store.insert_hash_sightings(&[orphan], &[]).await);
    assert_eq!(store.list_hash_sightings(s2.id, None, 100).await.expect("list").len(), 10);
}

// ----- alerts -----

/// Rules round-trip until deleted; alerts round-trip per organisation in id order.
pub async fn alerts_round_trip(store: &dyn Store) {
    use model::alert::{Alert, AlertRule, RuleKind, WatchedSelector};
    let a = org("bank");
    let b = org("hotline");
    store.create_org(&a).await.expect("org");
    store.create_org(&b).await.expect("org");
    let watch = AlertRule {
        id: Uuid::now_v7(),
        org: a.id,
        name: String::from("our mule accounts — ünïcode"),
        rule: RuleKind::Watch {
            selectors: vec![WatchedSelector {
                kind: Some(ObservableKind::Iban),
                value: String::from("GB82WEST12345698765432"),
            }],
            scam_only: true,
        },
        created_at: base_time(),
    };
    let growth = AlertRule {
        id: Uuid::now_v7(),
        org: b.id,
        name: String::from("fast campaigns"),
        rule: RuleKind::CampaignGrowth { threshold: 20, window_days: 7 },
        created_at: base_time(),
    };
    store.create_alert_rule(&watch).await.expect("rule");
    store.create_alert_rule(&growth).await.expect("rule");
    assert_conflict(store.create_alert_rule(&watch).await);
    let mut orphan = growth.clone();
    orphan.id = Uuid::now_v7();
    orphan.org = OrgId(Uuid::now_v7());
    assert_not_found(store.create_alert_rule(&orphan).await);
    assert_eq!(store.list_alert_rules().await.expect("rules"), vec![watch.clone(), growth.clone()]);

    let alerts: Vec<Alert> = (0..12)
        .map(|i| Alert {
            id: Uuid::now_v7(),
            rule_id: if i % 3 == 0 { growth.id } else { watch.id },
            org: if i % 3 == 0 { b.id } else { a.id },
            created_at: base_time() + Duration::seconds(i),
            report_id: (i % 3 != 0).then(Uuid::now_v7),
            campaign: (i % 3 == 0).then(|| format!("{i}")),
            selector: (i % 3 != 0).then(|| String::from("iban:GB82WEST12345698765432")),
            message: format!("alert {i}"),
        })
        .collect();
    store.insert_alerts(&alerts[..5], &[]).await.expect("alerts");
    store.insert_alerts(&alerts[5..], &[]).await.expect("alerts");
    assert_conflict(store.insert_alerts(&alerts[..1], &[]).await);
    let mut page = Vec::new();
    let mut after = None;
    loop {
        let got = store.list_alerts(Some(a.id), after, 3).await.expect("list");
        let Some(last) = got.last() else { break };
        after = Some(last.id);
        page.extend(got);
    }
    assert_eq!(page, alerts.iter().filter(|x| x.org == a.id).cloned().collect::<Vec<_>>());
    assert_eq!(store.list_alerts(None, None, 100).await.expect("all").len(), 12);

    assert!(store.delete_alert_rule(watch.id, base_time()).await.expect("delete"));
    assert!(!store.delete_alert_rule(watch.id, base_time()).await.expect("again"));
    assert_eq!(store.list_alert_rules().await.expect("rules"), vec![growth]);
    assert_eq!(
        store.list_alerts(Some(a.id), None, 100).await.expect("kept").len(),
        8,
        "alerts outlive their rule"
    );
}

/// Hub marks are upserted by kind and value, listed in that order, and removed.
pub async fn hub_marks_round_trip(store: &dyn Store) {
    use model::campaign::HubMark;
    let mark = |kind, value: &str, reason: &str| HubMark {
        kind,
        value: value.to_string(),
        reason: reason.to_string(),
        marked_by: OrgId(Uuid::now_v7()),
        marked_at: base_time(),
    };
    let a = mark(ObservableKind::Phone, "+18005550100", "the hotline's own number");
    let b = mark(ObservableKind::Domain, "paypal.com", "impersonated brand");
    store.set_hub_mark(&a).await.expect("mark");
    store.set_hub_mark(&b).await.expect("mark");
    let a2 = mark(ObservableKind::Phone, "+18005550100", "renamed — ünïcode");
    store.set_hub_mark(&a2).await.expect("upsert");
    assert_eq!(store.list_hub_marks().await.expect("list"), vec![b.clone(), a2]);
    assert!(store.delete_hub_mark(ObservableKind::Phone, "+18005550100").await.expect("delete"));
    assert!(!store.delete_hub_mark(ObservableKind::Phone, "+18005550100").await.expect("again"));
    assert_eq!(store.list_hub_marks().await.expect("list"), vec![b]);
}

// ----- hit/no-hit -----

/// A report's `discoverable` flag round-trips (set, never, unset) and can be changed later.
pub async fn reports_discoverable_flag(store: &dyn Store) {
    let author = OrgId(Uuid::now_v7());
    let mut reports: Vec<Report> = (0..3).map(|i| report(author, i, 1)).collect();
    reports[0].discoverable = Some(true);
    reports[1].discoverable = Some(false);
    store.insert_reports(&reports, &[]).await.expect("insert");
    let ids: Vec<Uuid> = reports.iter().map(|r| r.id).collect();
    let flags = |rs: Vec<Report>| rs.into_iter().map(|r| r.discoverable).collect::<Vec<_>>();
    assert_eq!(flags(store.get_reports(&ids).await.expect("get")), vec![Some(true), Some(false), None]);
    assert_eq!(flags(all_reports(store, 2).await), vec![Some(true), Some(false), None]);

    assert!(store.set_report_discoverable(ids[0], None).await.expect("set"));
    assert!(store.set_report_discoverable(ids[1], Some(true)).await.expect("set"));
    assert!(store.set_report_discoverable(ids[2], Some(false)).await.expect("set"));
    assert!(!store.set_report_discoverable(Uuid::now_v7(), Some(true)).await.expect("unknown"));
    assert_eq!(flags(store.get_reports(&ids).await.expect("get")), vec![None, Some(true), Some(false)]);
    // Nothing else of the reports changed.
    let mut expected = reports.clone();
    for (r, flag) in expected.iter_mut().zip([None, Some(true), Some(false)]) {
        r.discoverable = flag;
    }
    assert_eq!(store.get_reports(&ids).await.expect("get"), expected);
}

/// An organisation's "all our reports are discoverable" setting: off by default, listed in id
/// order when on.
pub async fn orgs_discoverable_setting(store: &dyn Store) {
    let orgs: Vec<Organization> = (0..3).map(|i| org(&format!("org {i}"))).collect();
    for o in &orgs {
        store.create_org(o).await.expect("org");
    }
    assert!(store.list_discoverable_orgs().await.expect("list").is_empty());
    assert!(store.set_org_reports_discoverable(orgs[2].id, true).await.expect("on"));
    assert!(store.set_org_reports_discoverable(orgs[0].id, true).await.expect("on"));
    assert!(store.set_org_reports_discoverable(orgs[0].id, true).await.expect("on again"));
    assert_eq!(store.list_discoverable_orgs().await.expect("list"), vec![orgs[0].id, orgs[2].id]);
    assert!(store.set_org_reports_discoverable(orgs[0].id, false).await.expect("off"));
    assert_eq!(store.list_discoverable_orgs().await.expect("list"), vec![orgs[2].id]);
    assert!(!store.set_org_reports_discoverable(OrgId(Uuid::now_v7()), true).await.expect("unknown"));
    // The setting is not part of the organisation's record.
    assert_eq!(store.list_orgs().await.expect("orgs"), orgs);
}

/// A pending access request record from `requester` to `owner` about a phone number.
pub fn access_request(request_id: Uuid, requester: OrgId, owner: OrgId, value: &str) -> AccessRequest {
    AccessRequest {
        id: Uuid::now_v7(),
        request_id,
        requester,
        requester_token: Some(Uuid::now_v7()),
        kind: ObservableKind::Phone,
        value: value.to_string(),
        owner,
        status: AccessRequestStatus::Pending,
        created_at: base_time(),
        decided_at: None,
        decided_by: None,
    }
}

async fn three_orgs(store: &dyn Store) -> [OrgId; 3] {
    let orgs = [org("requester"), org("owner a"), org("owner b")];
    for o in &orgs {
        store.create_org(o).await.expect("org");
    }
    [orgs[0].id, orgs[1].id, orgs[2].id]
}

/// Access requests round-trip; owners page through theirs by id (optionally by status),
/// requesters through whole requests; lookups by selector and pending counts.
pub async fn access_requests_round_trip_and_pages(store: &dyn Store) {
    let [requester, a, b] = three_orgs(store).await;
    let mut all = Vec::new();
    for i in 0..5 {
        let request_id = Uuid::now_v7();
        let value = format!("+1888839121{i}");
        let mut records = vec![access_request(request_id, requester, a, &value)];
        if i % 2 == 0 {
            records.push(access_request(request_id, requester, b, &value));
        }
        store.insert_access_requests(&records, &[]).await.expect("insert");
        all.extend(records);
    }
    // Every field, a local request (no token) and a decided one.
    let mut full = access_request(Uuid::now_v7(), requester, b, "+447400123456");
    full.requester_token = None;
    full.kind = ObservableKind::Iban;
    full.value = "GB82WEST12345698765432 ünïcode".into();
    full.status = AccessRequestStatus::Declined;
    full.decided_at = Some(base_time() + Duration::microseconds(7));
    full.decided_by = Some(Uuid::now_v7());
    store.insert_access_requests(std::slice::from_ref(&full), &[]).await.expect("insert");
    all.push(full.clone());
    store.insert_access_requests(&[], &[]).await.expect("empty batch");

    for r in &all {
        assert_eq!(store.get_access_request(r.id).await.expect("get").as_ref(), Some(r));
    }
    assert_eq!(store.get_access_request(Uuid::now_v7()).await.expect("get"), None);

    // The owner's view, by id, in pages.
    let to_b: Vec<AccessRequest> = all.iter().filter(|r| r.owner == b).cloned().collect();
    assert_eq!(to_b.len(), 4);
    let page = store.list_access_requests_to(b, None, None, 3).await.expect("page");
    assert_eq!(page, to_b[..3]);
    let rest = store.list_access_requests_to(b, None, Some(page[2].id), 3).await.expect("page");
    assert_eq!(rest, to_b[3..]);
    let pending = store
        .list_access_requests_to(b, Some(AccessRequestStatus::Pending), None, 10)
        .await
        .expect("pending");
    assert_eq!(pending, to_b[..3]);
    let declined = store
        .list_access_requests_to(b, Some(AccessRequestStatus::Declined), None, 10)
        .await
        .expect("declined");
    assert_eq!(declined, vec![full.clone()]);
    assert!(store.list_access_requests_to(requester, None, None, 10).await.expect("none").is_empty());

    // The requester's view: whole requests, by request id then id.
    let mut from = all.clone();
    from.sort_by_key(|r| (r.request_id, r.id));
    let first = store.list_access_requests_from(requester, None, 2).await.expect("page");
    let ids: std::collections::BTreeSet<Uuid> = first.iter().map(|r| r.request_id).collect();
    assert_eq!(ids.len(), 2, "two requests");
    assert_eq!(first, from[..3], "the first request has two records, the second one");
    let last = first.last().unwrap().request_id;
    let second = store.list_access_requests_from(requester, Some(last), 100).await.expect("page");
    assert_eq!(second, from[3..]);
    assert!(store.list_access_requests_from(a, None, 10).await.expect("none").is_empty());

    let about = store
        .access_requests_for_selector(requester, ObservableKind::Phone, "+18888391210")
        .await
        .expect("selector");
    assert_eq!(about, all[..2]);
    let none = store
        .access_requests_for_selector(requester, ObservableKind::Iban, "+18888391210")
        .await
        .expect("selector");
    assert!(none.is_empty(), "the kind is part of the selector");
    assert_eq!(store.count_pending_access_requests_from(requester).await.expect("count"), 5);
    assert_eq!(store.count_pending_access_requests_from(a).await.expect("count"), 0);
}

/// One pending record per requester, owner and selector: a second is a conflict and its whole
/// batch is refused; once decided, a new one may be sent. Unknown requesters are not found.
pub async fn access_requests_one_pending_per_owner_and_selector(store: &dyn Store) {
    let [requester, a, b] = three_orgs(store).await;
    let first = access_request(Uuid::now_v7(), requester, a, "+18888391214");
    store.insert_access_requests(std::slice::from_ref(&first), &[]).await.expect("insert");
    let again = Uuid::now_v7();
    let batch = [
        access_request(again, requester, b, "+18888391214"),
        access_request(again, requester, a, "+18888391214"),
    ];
    assert_conflict(store.insert_access_requests(&batch, &[]).await);
    assert_eq!(store.get_access_request(batch[0].id).await.expect("get"), None, "atomic");
    // Within one batch too.
    let twice = [
        access_request(again, requester, b, "+18888391215"),
        access_request(again, requester, b, "+18888391215"),
    ];
    assert_conflict(store.insert_access_requests(&twice, &[]).await);
    assert_eq!(store.get_access_request(twice[0].id).await.expect("get"), None, "atomic");
    // The same id twice.
    assert_conflict(store.insert_access_requests(std::slice::from_ref(&first), &[]).await);
    // Another owner, another selector, another requester: fine.
    store.insert_access_requests(&batch[..1], &[]).await.expect("other owner");
    store
        .insert_access_requests(&[access_request(Uuid::now_v7(), requester, a, "+18888391216")], &[])
        .await
        .expect("other selector");
    store
        .insert_access_requests(&[access_request(Uuid::now_v7(), b, a, "+18888391214")], &[])
        .await
        .expect("b");
    assert_not_found(
        store
            .insert_access_requests(&[access_request(Uuid::now_v7(), OrgId(Uuid::now_v7()), a, "+1")], &[])
            .await,
    );
    // Declined, it may be asked again.
    assert!(
        store
            .decide_access_request(first.id, AccessRequestStatus::Declined, base_time(), None, &[], &[])
            .await
            .expect("decline")
            .is_some()
    );
    store
        .insert_access_requests(&[access_request(Uuid::now_v7(), requester, a, "+18888391214")], &[])
        .await
        .expect("asked again");
}

/// Declining and granting: only pending records are decided; a grant replaces the audiences of
/// the reports it opens in the same transaction, and nothing changes when a report is unknown.
pub async fn access_requests_decide(store: &dyn Store) {
    let [requester, a, b] = three_orgs(store).await;
    let mut opened = report(a, 2, 1);
    opened.tlp = Tlp::Amber;
    opened.audience = Audience { organizations: vec![b], communities: vec![CommunityId(Uuid::now_v7())] };
    let untouched = report(a, 3, 1);
    store.insert_reports(&[opened.clone(), untouched.clone()], &[]).await.expect("reports");
    let to_decline = access_request(Uuid::now_v7(), requester, a, "+18888391214");
    let to_grant = access_request(Uuid::now_v7(), requester, a, "+18888391215");
    store.insert_access_requests(&[to_decline.clone(), to_grant.clone()], &[]).await.expect("insert");

    let by = Some(Uuid::now_v7());
    let when = base_time() + Duration::seconds(60);
    let invalid =
        store.decide_access_request(to_decline.id, AccessRequestStatus::Pending, when, by, &[], &[]).await;
    assert!(matches!(invalid, Err(StoreError::Invalid(_))), "{invalid:?}");
    assert!(
        store
            .decide_access_request(to_decline.id, AccessRequestStatus::Declined, when, by, &[], &[])
            .await
            .expect("decline")
            .is_some()
    );
    let declined = store.get_access_request(to_decline.id).await.expect("get").expect("there");
    assert_eq!(
        declined,
        AccessRequest {
            status: AccessRequestStatus::Declined,
            decided_at: Some(when),
            decided_by: by,
            ..to_decline.clone()
        }
    );
    for status in [AccessRequestStatus::Declined, AccessRequestStatus::Granted] {
        let again =
            store.decide_access_request(to_decline.id, status, when, by, &[], &[]).await.expect("again");
        assert!(again.is_none(), "decided once");
    }
    assert!(
        store
            .decide_access_request(Uuid::now_v7(), AccessRequestStatus::Granted, when, by, &[], &[])
            .await
            .expect("unknown")
            .is_none()
    );

    // A grant naming an unknown report changes nothing.
    let mut wider = opened.audience.clone();
    wider.organizations.push(requester);
    let missing = store
        .decide_access_request(
            to_grant.id,
            AccessRequestStatus::Granted,
            when,
            None,
            &[(opened.id, wider.clone()), (Uuid::now_v7(), wider.clone())],
            &[],
        )
        .await;
    assert_not_found(missing.map(|_| ()));
    assert_eq!(store.get_access_request(to_grant.id).await.expect("get"), Some(to_grant.clone()));
    assert_eq!(store.get_reports(&[opened.id]).await.expect("get"), vec![opened.clone()]);

    // The grant and its event (the report, as it is now) commit together.
    let before = store.last_event_seq().await.expect("last");
    let updated = Event::report_updated(&Report { audience: wider.clone(), ..opened.clone() }, "a", when);
    let appended = store
        .decide_access_request(
            to_grant.id,
            AccessRequestStatus::Granted,
            when,
            None,
            &[(opened.id, wider.clone())],
            std::slice::from_ref(&updated),
        )
        .await
        .expect("grant")
        .expect("decided");
    assert_eq!(appended, with_seqs(&[updated], before + 1));
    assert!(appended[0].access.audience_orgs.contains(&requester));
    assert_eq!(store.events_after(before, 10).await.expect("events"), appended);
    let granted = store.get_access_request(to_grant.id).await.expect("get").expect("there");
    assert_eq!(
        (granted.status, granted.decided_at, granted.decided_by),
        (AccessRequestStatus::Granted, Some(when), None)
    );
    let expected = Report { audience: wider, ..opened.clone() };
    assert_eq!(store.get_reports(&[opened.id, untouched.id]).await.expect("get"), vec![expected, untouched]);
}

// ----- STIX objects and TAXII resources -----

/// A STIX object row of `collection` added at `base_time() + added` µs.
pub fn stix_record(
    collection: Uuid,
    id: &str,
    version_micros: i64,
    added: i64,
    tlp: Tlp,
) -> StixObjectRecord {
    let ty = id.split("--").next().unwrap_or("x").to_string();
    StixObjectRecord {
        seq: 0,
        collection,
        id: id.to_string(),
        ty,
        spec_version: "2.1".to_string(),
        version: at(1_600_000_000_000_000 + version_micros),
        created: Some(at(1_600_000_000_000_000)),
        modified: Some(at(1_600_000_000_000_000 + version_micros)),
        date_added: base_time() + Duration::microseconds(added),
        media_type: "application/stix+json;version=2.1".to_string(),
        author: OrgId(Uuid::from_u128(7)),
        tlp,
        audience: Audience { organizations: vec![OrgId(Uuid::from_u128(8))], communities: vec![] },
        created_by_ref: Some("identity--f431f809-377b-45e0-aa1c-6a4751cae5ff".to_string()),
        body: format!("{{ \"id\" : \"{id}\",\n \"x_é\": [1.50, 2e3] }}"),
    }
}

fn ids_of(rows: &[StixObjectRecord]) -> Vec<(String, i64)> {
    rows.iter().map(|r| (r.id.clone(), r.version.timestamp_micros() - 1_600_000_000_000_000)).collect()
}

const IND_A: &str = "indicator--00000000-0000-4000-8000-00000000000a";
const IND_B: &str = "indicator--00000000-0000-4000-8000-00000000000b";
const MAL_C: &str = "malware--00000000-0000-4000-8000-00000000000c";

/// Rows are stored as given (text exactly), a `(collection, id, version)` already stored is
/// skipped, and pages follow `(date_added, seq)` with a cursor.
pub async fn stix_objects_insert_skip_duplicates_and_page(store: &dyn Store) {
    let c = Uuid::now_v7();
    let rows = vec![
        stix_record(c, IND_A, 1, 10, Tlp::Amber),
        stix_record(c, IND_B, 1, 20, Tlp::Green),
        stix_record(c, IND_A, 2, 20, Tlp::Red),
        stix_record(c, IND_A, 1, 30, Tlp::Amber),
    ];
    let seqs = store.insert_stix_objects(&rows).await.expect("insert");
    assert!(seqs[0].is_some() && seqs[1].is_some() && seqs[2].is_some(), "{seqs:?}");
    assert_eq!(seqs[3], None, "the same version again is skipped");
    assert!(seqs[0] < seqs[1] && seqs[1] < seqs[2]);
    let again = store.insert_stix_objects(&rows[..1]).await.expect("again");
    assert_eq!(again, vec![None]);
    assert_eq!(store.insert_stix_objects(&[]).await.expect("empty"), vec![]);

    let all =
        store.list_stix_objects(&StixObjectQuery::new(StixScope::Collection(c), 100)).await.expect("list");
    assert_eq!(ids_of(&all), vec![(IND_A.into(), 1), (IND_B.into(), 1), (IND_A.into(), 2)]);
    let mut expected = rows[0].clone();
    expected.seq = seqs[0].expect("seq");
    assert_eq!(all[0], expected, "every field round-trips, the body byte for byte");
    assert_eq!(all[2].tlp, Tlp::Red);

    let mut q = StixObjectQuery::new(StixScope::Collection(c), 2);
    let page1 = store.list_stix_objects(&q).await.expect("page 1");
    assert_eq!(page1.len(), 2);
    let last = page1.last().expect("last");
    q.after = Some((last.date_added, last.seq));
    let page2 = store.list_stix_objects(&q).await.expect("page 2");
    assert_eq!(ids_of(&page2), vec![(IND_A.into(), 2)], "same date_added, later seq");
    q.with_body = false;
    q.after = None;
    let facts = store.list_stix_objects(&q).await.expect("facts");
    assert!(facts.iter().all(|r| r.body.is_empty()));
    assert_eq!(
        store.last_stix_date_added().await.expect("last"),
        Some(base_time() + Duration::microseconds(20))
    );
}

/// Each filter restricts the rows; the TLP scope reads every collection.
pub async fn stix_objects_filters_and_scopes(store: &dyn Store) {
    let (c1, c2) = (Uuid::now_v7(), Uuid::now_v7());
    let mut old = stix_record(c1, MAL_C, 5, 40, Tlp::Clear);
    old.spec_version = "2.0".to_string();
    store
        .insert_stix_objects(&[
            stix_record(c1, IND_A, 1, 10, Tlp::Clear),
            stix_record(c1, IND_B, 1, 20, Tlp::Amber),
            stix_record(c1, IND_A, 2, 30, Tlp::Clear),
            old,
            stix_record(c2, IND_A, 1, 50, Tlp::Clear),
            stix_record(c2, IND_B, 3, 60, Tlp::Red),
        ])
        .await
        .expect("insert");
    let run = |f: &dyn Fn(&mut StixObjectQuery)| {
        let mut q = StixObjectQuery::new(StixScope::Collection(c1), 100);
        f(&mut q);
        async move { ids_of(&store.list_stix_objects(&q).await.expect("list")) }
    };
    assert_eq!(
        run(&|q| q.added_after = Some(base_time() + Duration::microseconds(20))).await,
        vec![(IND_A.into(), 2), (MAL_C.into(), 5)]
    );
    assert_eq!(
        run(&|q| q.ids = vec![IND_B.into(), MAL_C.into()]).await,
        vec![(IND_B.into(), 1), (MAL_C.into(), 5)]
    );
    assert_eq!(run(&|q| q.types = vec!["malware".into()]).await, vec![(MAL_C.into(), 5)]);
    assert_eq!(run(&|q| q.spec_versions = vec!["2.0".into()]).await, vec![(MAL_C.into(), 5)]);
    assert_eq!(
        run(&|q| q.versions = vec![at(1_600_000_000_000_002), at(1_600_000_000_000_005)]).await,
        vec![(IND_A.into(), 2), (MAL_C.into(), 5)]
    );
    assert_eq!(
        run(&|q| {
            q.ids = vec![IND_A.into()];
            q.limit = 1;
        })
        .await,
        vec![(IND_A.into(), 1)]
    );
    let clear =
        store.list_stix_objects(&StixObjectQuery::new(StixScope::Tlp(Tlp::Clear), 100)).await.expect("clear");
    assert_eq!(
        ids_of(&clear),
        vec![(IND_A.into(), 1), (IND_A.into(), 2), (MAL_C.into(), 5), (IND_A.into(), 1)],
        "every collection's CLEAR rows"
    );
    assert_eq!(clear[3].collection, c2);
}

/// Deleting by `seq` removes exactly those rows.
pub async fn stix_objects_delete(store: &dyn Store) {
    let c = Uuid::now_v7();
    let seqs = store
        .insert_stix_objects(&[
            stix_record(c, IND_A, 1, 10, Tlp::Green),
            stix_record(c, IND_A, 2, 20, Tlp::Green),
        ])
        .await
        .expect("insert");
    let first = seqs[0].expect("seq");
    assert_eq!(store.delete_stix_objects(&[first, 999_999_999]).await.expect("delete"), 1);
    assert_eq!(store.delete_stix_objects(&[first]).await.expect("again"), 0);
    let left =
        store.list_stix_objects(&StixObjectQuery::new(StixScope::Collection(c), 10)).await.expect("list");
    assert_eq!(ids_of(&left), vec![(IND_A.into(), 2)]);
    assert_eq!(
        store.insert_stix_objects(&[stix_record(c, IND_A, 1, 30, Tlp::Green)]).await.expect("re-add").len(),
        1
    );
}

/// Api roots and collections round-trip; taken ids conflict; a collection needs its root.
pub async fn taxii_api_roots_and_collections(store: &dyn Store) {
    let root = TaxiiApiRoot {
        path: "trustgroup1".into(),
        title: "Malware Research Group".into(),
        description: Some("for researchers".into()),
        max_content_length: 9_765_625,
        created_at: base_time(),
    };
    store.create_taxii_api_root(&root).await.expect("root");
    assert!(store.create_taxii_api_root(&root).await.expect_err("twice").is_conflict());
    assert_eq!(store.list_taxii_api_roots().await.expect("roots"), vec![root]);
    let community = CommunityId(Uuid::now_v7());
    let coll = |id: Uuid, api_root: &str, scope| TaxiiCollectionRecord {
        id,
        api_root: api_root.into(),
        title: "High Value Indicator Collection".into(),
        description: None,
        alias: Some("high-value".into()),
        scope,
        can_read: true,
        can_write: false,
        media_types: vec!["application/stix+json;version=2.1".into()],
        owner: OrgId(Uuid::from_u128(7)),
        created_at: base_time(),
    };
    let a = coll(Uuid::from_u128(1), "trustgroup1", CollectionScope::Organization(OrgId(Uuid::from_u128(7))));
    let b = coll(Uuid::from_u128(2), "trustgroup1", CollectionScope::Community(community));
    let c = coll(Uuid::from_u128(3), "trustgroup1", CollectionScope::Public);
    for x in [&a, &b, &c] {
        store.create_taxii_collection(x).await.expect("collection");
    }
    assert!(store.create_taxii_collection(&a).await.expect_err("twice").is_conflict());
    let orphan = coll(Uuid::from_u128(4), "nowhere", CollectionScope::Public);
    assert!(store.create_taxii_collection(&orphan).await.expect_err("no root").is_not_found());
    assert_eq!(store.list_taxii_collections().await.expect("list"), vec![a, b, c]);
}

/// Status resources round-trip by id; an unknown id is `None`.
pub async fn taxii_status_round_trip(store: &dyn Store) {
    let status = TaxiiStatusRecord {
        id: Uuid::now_v7(),
        api_root: "api".into(),
        org: OrgId(Uuid::from_u128(7)),
        request_timestamp: base_time(),
        total_count: 3,
        success_count: 2,
        failure_count: 1,
        pending_count: 0,
        details: serde_json::json!({"successes": [{"id": IND_A, "version": "2020-01-01T00:00:00.000Z"}], "failures": [{"id": IND_B, "message": "created: is required"}], "pendings": []}),
    };
    store.insert_taxii_status(&status).await.expect("status");
    assert!(store.insert_taxii_status(&status).await.expect_err("twice").is_conflict());
    assert_eq!(store.get_taxii_status(status.id).await.expect("get"), Some(status));
    assert_eq!(store.get_taxii_status(Uuid::now_v7()).await.expect("unknown"), None);
}

// ----- events -----

/// The `report.created` events of reports (not yet stored: `seq` 0).
pub fn report_events(reports: &[Report]) -> Vec<Event> {
    reports.iter().map(|r| Event::report_created(r, "author", r.created_at)).collect()
}

/// Every stored event, paging by `page`.
async fn all_events(store: &dyn Store, page: usize) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    let mut after = 0;
    loop {
        let batch = store.events_after(after, page).await.expect("events");
        assert!(batch.len() <= page);
        let Some(last) = batch.last() else { break };
        after = last.seq;
        out.extend(batch);
    }
    out
}

#[track_caller]
fn with_seqs(events: &[Event], first: u64) -> Vec<Event> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut e = e.clone();
            e.seq = first + i as u64;
            e
        })
        .collect()
}

/// Events get `seq`s from 1 in order, round-trip exactly and page by `seq`.
pub async fn events_append_in_order_and_page(store: &dyn Store) {
    assert_eq!(store.last_event_seq().await.expect("last"), 0);
    assert!(store.events_after(0, 10).await.expect("events").is_empty());
    let author = OrgId(Uuid::now_v7());
    let reports: Vec<Report> = (0..3).map(|i| report(author, i, i + 1)).collect();
    let events = report_events(&reports);
    let stored = store.insert_reports(&reports, &events).await.expect("insert");
    assert_eq!(stored, with_seqs(&events, 1));
    let mut campaign = Event::campaign_changed(&reports[0], "17".into(), base_time());
    campaign.labels = vec!["ünïcode \u{1F600}".into()];
    let derived = store.append_events(std::slice::from_ref(&campaign)).await.expect("append");
    assert_eq!(derived, with_seqs(&[campaign], 4));
    let revoked = Event::report_revoked(&reports[1], base_time() + Duration::seconds(1));
    let got = store
        .revoke_report(reports[1].id, base_time(), std::slice::from_ref(&revoked))
        .await
        .expect("revoke");
    assert_eq!(got, Some(with_seqs(&[revoked], 5)));
    assert!(store.append_events(&[]).await.expect("append").is_empty());

    let all = all_events(store, 2).await;
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    assert_eq!(&all[..3], &stored[..]);
    assert_eq!(all[3], derived[0]);
    assert_eq!(store.last_event_seq().await.expect("last"), 5);
    assert_eq!(store.events_after(3, 1).await.expect("events"), vec![all[3].clone()]);
    assert!(store.events_after(5, 10).await.expect("events").is_empty());
    assert!(store.events_after(u64::MAX, 10).await.expect("events").is_empty());
}

/// A write and its events commit together or not at all.
pub async fn events_are_atomic_with_their_change(store: &dyn Store) {
    let a = org("bank");
    store.create_org(&a).await.expect("org");
    let first: Vec<Report> = (0..2).map(|i| report(a.id, i, 1)).collect();
    store.insert_reports(&first, &report_events(&first)).await.expect("insert");
    // A conflicting batch stores neither its reports nor its events.
    let again = vec![report(a.id, 5, 1), first[0].clone()];
    assert_conflict(store.insert_reports(&again, &report_events(&again)).await);
    // An event that cannot be stored fails the write: the report is not stored either.
    let fine = report(a.id, 6, 1);
    let mut bad = Event::report_created(&fine, "author", fine.created_at);
    bad.labels = vec![String::from("nul \0 inside")];
    match store.insert_reports(std::slice::from_ref(&fine), &[bad]).await {
        Err(StoreError::Invalid(_)) => {}
        other => panic!("expected invalid, got {other:?}"),
    }
    assert!(store.get_reports(&[fine.id]).await.expect("get").is_empty());
    // A revocation that changes nothing appends nothing.
    let unknown = report(a.id, 7, 0);
    let e = Event::report_revoked(&unknown, base_time());
    assert_eq!(store.revoke_report(unknown.id, base_time(), &[e]).await.expect("revoke"), None);
    // Alerts and sightings that fail append nothing.
    let alert = model::alert::Alert {
        id: Uuid::now_v7(),
        rule_id: Uuid::now_v7(),
        org: a.id,
        created_at: base_time(),
        report_id: None,
        campaign: Some("3".into()),
        selector: None,
        message: "grown".into(),
    };
    let alert_event = Event::alert(alert.clone(), None, vec![]);
    assert_not_found(store.insert_alerts(&[alert], &[alert_event]).await);
    let sighting = HashSighting {
        id: Uuid::now_v7(),
        set_id: Uuid::now_v7(),
        entry_id: Uuid::now_v7(),
        org: a.id,
        distance: 0,
        at: base_time(),
    };
    let sighting_event = Event::sighting(
        a.id,
        model::event::SightingEvent {
            id: sighting.id,
            set_id: sighting.set_id,
            set_name: "set".into(),
            entry_id: sighting.entry_id,
            hash_kind: HashKind::Md5,
            organization: "bank".into(),
            distance: 0,
        },
        base_time(),
    );
    assert_not_found(store.insert_hash_sightings(&[sighting], &[sighting_event]).await);
    // Only the first batch's events are stored, and the next write continues without a gap.
    assert_eq!(store.last_event_seq().await.expect("last"), 2);
    let next = vec![report(a.id, 8, 1)];
    let stored = store.insert_reports(&next, &report_events(&next)).await.expect("insert");
    assert_eq!(stored[0].seq, 3);
    assert_eq!(all_events(store, 100).await.len(), 3);
}

/// Concurrent writers get distinct `seq`s without gaps, each write's events contiguous, and a
/// reader following along never sees a `seq` before a lower one (`seq` order is commit order).
pub async fn events_concurrent_appends_are_gapless_in_commit_order(store: &dyn Store) {
    let author = OrgId(Uuid::now_v7());
    let writes = 8usize;
    let per_write = 5usize;
    let done = std::sync::atomic::AtomicBool::new(false);
    let reader = async {
        // Reads follow the writers: every page continues exactly where the last ended.
        let mut seen = 0u64;
        let mut polls = 0;
        loop {
            let finished = done.load(std::sync::atomic::Ordering::SeqCst);
            for e in store.events_after(seen, 1_000).await.expect("events") {
                assert_eq!(e.seq, seen + 1, "a reader saw seq {} after {seen}", e.seq);
                seen = e.seq;
            }
            polls += 1;
            if finished {
                return (seen, polls);
            }
            tokio::task::yield_now().await;
        }
    };
    let writers = async {
        let batches: Vec<Vec<Report>> = (0..writes)
            .map(|w| (0..per_write).map(|i| report(author, 1_000 + w * per_write + i, 1)).collect())
            .collect();
        let results = futures_join_all(batches.iter().enumerate().map(|(w, batch)| async move {
            let events = report_events(batch);
            if w % 2 == 0 {
                store.insert_reports(batch, &events).await.expect("insert")
            } else {
                store.append_events(&events).await.expect("append")
            }
        }))
        .await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        results
    };
    let (results, (seen, _)) = tokio::join!(writers, reader);
    let total = (writes * per_write) as u64;
    assert_eq!(seen, total);
    let mut firsts: Vec<u64> = Vec::new();
    for events in &results {
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs.len(), per_write);
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "one write's events are contiguous: {seqs:?}");
        firsts.push(seqs[0]);
    }
    firsts.sort_unstable();
    assert_eq!(firsts, (0..writes as u64).map(|w| 1 + w * per_write as u64).collect::<Vec<_>>());
    let all = all_events(store, 7).await;
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=total).collect::<Vec<_>>());
}

/// Runs futures concurrently on the current task and collects their outputs in order.
async fn futures_join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut all = true;
        for (i, f) in pending.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(out.iter_mut().map(|o| o.take().expect("ready")).collect())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

/// An instance key is created once and then kept, whatever later callers propose.
pub async fn instance_key_is_kept(store: &dyn Store) {
    let first = store.instance_key("stream-ids", &[7u8; 32]).await.expect("key");
    assert_eq!(first, vec![7u8; 32]);
    assert_eq!(store.instance_key("stream-ids", &[9u8; 32]).await.expect("key"), first);
    assert_eq!(store.instance_key("other", &[1u8; 16]).await.expect("key"), vec![1u8; 16]);
}

/// The instance's identity is created once and kept; only its name changes.
pub async fn federation_instance_identity(store: &dyn Store) {
    use model::federation::Instance;
    let first = Instance { id: Uuid::now_v7(), name: "alpha".into() };
    assert_eq!(store.instance_identity(&first).await.expect("identity"), first);
    let other = Instance { id: Uuid::now_v7(), name: "beta".into() };
    assert_eq!(store.instance_identity(&other).await.expect("identity"), first);
    store.set_instance_name("alpha prime").await.expect("rename");
    let now = store.instance_identity(&other).await.expect("identity");
    assert_eq!((now.id, now.name.as_str()), (first.id, "alpha prime"));
    assert!(matches!(store.set_instance_name("a\0b").await, Err(StoreError::Invalid(_))));
}

/// Peer organisations: created as such, or marked later.
pub async fn federation_peer_orgs(store: &dyn Store) {
    let mut a = org("peer-a");
    a.peer = true;
    let b = org("member-b");
    store.create_org(&a).await.expect("a");
    store.create_org(&b).await.expect("b");
    let peers = |orgs: Vec<Organization>| -> Vec<String> {
        orgs.into_iter().filter(|o| o.peer).map(|o| o.name).collect()
    };
    assert_eq!(peers(store.list_orgs().await.expect("list")), vec!["peer-a".to_string()]);
    assert!(store.set_org_peer(b.id, true).await.expect("mark"));
    assert!(store.set_org_peer(a.id, false).await.expect("unmark"));
    assert!(!store.set_org_peer(OrgId(Uuid::now_v7()), true).await.expect("unknown"));
    assert_eq!(peers(store.list_orgs().await.expect("list")), vec!["member-b".to_string()]);
}

fn provenance(origin: Uuid, original: Uuid, peer: Uuid, on_peer: Uuid) -> model::federation::Provenance {
    model::federation::Provenance {
        origin_instance: origin,
        origin_name: Some("origin".into()),
        original_report_id: original,
        original_author: "Police".into(),
        peer_instance: peer,
        peer_name: "peer".into(),
        peer_url: Some("https://peer.example".into()),
        peer_report_id: on_peer,
        chain: vec![origin, peer],
        imported_at: base_time(),
    }
}

/// A federated report keeps its provenance; the same origin report is refused a second time
/// (by the same peer or another), and it is found by its origin and by its id on the peer.
pub async fn federation_provenance_round_trip_and_dedupe(store: &dyn Store) {
    let o = org("receiver");
    store.create_org(&o).await.expect("org");
    let (origin, original, peer, on_peer) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut r = report(o.id, 1, 3);
    r.provenance = Some(provenance(origin, original, peer, on_peer));
    let local = report(o.id, 2, 1);
    store.insert_reports(&[r.clone(), local.clone()], &[]).await.expect("insert");
    let got = store.get_reports(&[r.id, local.id]).await.expect("get");
    assert_eq!(got[0].provenance, r.provenance);
    assert_eq!(got[1].provenance, None);
    let scanned = store.scan_reports(None, 10).await.expect("scan");
    assert_eq!(scanned.iter().find(|x| x.id == r.id).and_then(|x| x.provenance.clone()), r.provenance);

    assert_eq!(store.find_federated_report(origin, original).await.expect("by origin"), Some(r.id));
    assert_eq!(store.find_federated_report(peer, on_peer).await.expect("by source"), Some(r.id));
    assert_eq!(store.find_federated_report(origin, on_peer).await.expect("mixed"), None);
    assert_eq!(store.find_federated_report(peer, original).await.expect("mixed"), None);

    // The same origin report through another peer: a conflict, nothing of the batch stored.
    let mut again = report(o.id, 3, 1);
    again.provenance = Some(provenance(origin, original, Uuid::now_v7(), Uuid::now_v7()));
    let other = report(o.id, 4, 1);
    let err = store.insert_reports(&[other.clone(), again], &[]).await.expect_err("duplicate origin");
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert!(store.get_reports(&[other.id]).await.expect("get").is_empty());
}

/// Peers round-trip with their state; url and collection are unique together.
pub async fn federation_peers_round_trip(store: &dyn Store) {
    use crate::{PeerRecord, PeerState};
    use model::federation::PeerKind;
    let o = org("receiving");
    store.create_org(&o).await.expect("org");
    let p = PeerRecord {
        id: Uuid::now_v7(),
        url: "https://b.example".into(),
        kind: PeerKind::Dragnet,
        token: "dn_secret".into(),
        collection: None,
        receiving_org: o.id,
        allow_private: false,
        created_at: base_time(),
        state: PeerState::default(),
    };
    store.create_peer(&p).await.expect("create");
    let t = PeerRecord {
        id: Uuid::now_v7(),
        url: "https://b.example".into(),
        kind: PeerKind::Taxii,
        collection: Some("c1".into()),
        allow_private: true,
        ..p.clone()
    };
    store.create_peer(&t).await.expect("same url, another collection");
    let dup = PeerRecord { id: Uuid::now_v7(), ..t.clone() };
    assert!(matches!(store.create_peer(&dup).await, Err(StoreError::Conflict { .. })));
    let orphan = PeerRecord {
        id: Uuid::now_v7(),
        url: "https://c.example".into(),
        receiving_org: OrgId(Uuid::now_v7()),
        ..p.clone()
    };
    assert!(matches!(store.create_peer(&orphan).await, Err(StoreError::NotFound { .. })));
    assert_eq!(store.list_peers().await.expect("list"), vec![p.clone(), t.clone()]);

    let state = PeerState {
        remote_instance: Some(Uuid::now_v7()),
        remote_name: Some("bravo".into()),
        cursor: Some("0123abcd".into()),
        last_ok_at: Some(at(1_750_000_001_000_001)),
        last_error: Some("connection refused".into()),
        last_error_at: Some(at(1_750_000_002_000_002)),
        imported: 42,
    };
    assert!(store.set_peer_state(p.id, &state).await.expect("state"));
    let listed = store.list_peers().await.expect("list");
    assert_eq!(listed[0].state, state);
    assert_eq!(listed[1].state, PeerState::default());
    assert!(store.delete_peer(p.id).await.expect("delete"));
    assert!(!store.delete_peer(p.id).await.expect("again"));
    assert!(!store.set_peer_state(p.id, &state).await.expect("gone"));
    assert_eq!(store.list_peers().await.expect("list"), vec![t]);
}

// ----- audit log -----

fn audit_record(org: Option<OrgId>, action: &str, n: u64) -> model::audit::AuditRecord {
    let actor = match org {
        Some(o) => model::audit::AuditActor::org(o, Role::Admin, Some(Uuid::from_u128(n as u128))),
        None => model::audit::AuditActor::cli(),
    };
    model::audit::AuditRecord::new(
        base_time() + Duration::seconds(n as i64),
        actor,
        action,
        "report",
        Uuid::from_u128(1000 + n as u128),
        Some(serde_json::json!({ "n": n, "tlp": "amber" })),
    )
}

async fn audit_chain(store: &dyn Store, n: u64) -> Vec<model::audit::AuditEntry> {
    let org = OrgId(Uuid::now_v7());
    let records: Vec<_> = (1..=n).map(|i| audit_record(Some(org), "report.create", i)).collect();
    let mut out = Vec::new();
    // Several appends, so that links cross transactions.
    for chunk in records.chunks(2) {
        out.extend(store.append_audit(chunk).await.expect("append audit"));
    }
    out
}

pub async fn audit_append_chains_and_pages(store: &dyn Store) {
    assert_eq!(store.audit_head().await.unwrap(), None);
    assert!(store.append_audit(&[]).await.unwrap().is_empty());
    assert_eq!(crate::audit::verify(store).await.unwrap().entries, 0);
    let written = audit_chain(store, 5).await;
    assert_eq!(written.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    assert_eq!(written[0].prev_hash, model::audit::GENESIS);
    for w in written.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
    assert_eq!(store.audit_head().await.unwrap(), Some((5, written[4].hash)));
    // What is read back is what was written, page by page.
    let first = store.audit_entries(None, 2).await.unwrap();
    let rest = store.audit_entries(Some(2), 10).await.unwrap();
    let read: Vec<_> = first.into_iter().chain(rest).collect();
    assert_eq!(read, written);
    let summary = crate::audit::verify(store).await.expect("intact chain verifies");
    assert_eq!(summary.entries, 5);
    assert_eq!(summary.head, Some((5, written[4].hash)));
    // A record without org, token, role or detail round-trips too.
    let mut bare = audit_record(None, "org.create", 6);
    bare.detail = None;
    let e = store.append_audit(&[bare.clone()]).await.unwrap().remove(0);
    assert_eq!((e.seq, &e.record, e.prev_hash), (6, &bare, written[4].hash));
    assert_eq!(store.audit_entries(Some(5), 10).await.unwrap(), vec![e]);
    // NUL is refused, nothing appended.
    let mut bad = audit_record(None, "org.create", 7);
    bad.object_id = "a\0b".into();
    assert!(matches!(store.append_audit(&[bad]).await, Err(StoreError::Invalid(_))));
    assert_eq!(store.audit_head().await.unwrap().map(|h| h.0), Some(6));
}

pub async fn audit_list_filters_newest_first(store: &dyn Store) {
    let (a, b) = (OrgId(Uuid::now_v7()), OrgId(Uuid::now_v7()));
    let records = vec![
        audit_record(Some(a), "report.create", 1),
        audit_record(Some(b), "report.create", 2),
        audit_record(Some(a), "report.read", 3),
        audit_record(None, "org.create", 4),
        audit_record(Some(a), "report.create", 5),
    ];
    store.append_audit(&records).await.unwrap();
    let seqs = |v: Vec<model::audit::AuditEntry>| v.into_iter().map(|e| e.seq).collect::<Vec<_>>();
    let q = |org, action: Option<&str>, since, before, limit| crate::audit::AuditQuery {
        org,
        action: action.map(str::to_string),
        since,
        before,
        limit,
    };
    assert_eq!(seqs(store.list_audit(&q(None, None, None, None, 10)).await.unwrap()), vec![5, 4, 3, 2, 1]);
    assert_eq!(seqs(store.list_audit(&q(Some(a), None, None, None, 10)).await.unwrap()), vec![5, 3, 1]);
    assert_eq!(seqs(store.list_audit(&q(Some(a), None, None, None, 2)).await.unwrap()), vec![5, 3]);
    assert_eq!(seqs(store.list_audit(&q(Some(a), None, None, Some(3), 2)).await.unwrap()), vec![1]);
    assert_eq!(
        seqs(store.list_audit(&q(Some(a), Some("report.create"), None, None, 10)).await.unwrap()),
        vec![5, 1]
    );
    let since = Some(base_time() + Duration::seconds(3));
    assert_eq!(seqs(store.list_audit(&q(Some(a), None, since, None, 10)).await.unwrap()), vec![5, 3]);
    assert_eq!(
        seqs(store.list_audit(&q(Some(b), Some("report.read"), None, None, 10)).await.unwrap()),
        Vec::<u64>::new()
    );
}

pub async fn audit_concurrent_appends_stay_linear(store: &dyn Store) {
    let org = OrgId(Uuid::now_v7());
    let tasks = (0..8u64).map(|t| async move {
        for i in 0..10u64 {
            store.append_audit(&[audit_record(Some(org), "report.create", t * 100 + i)]).await.unwrap();
        }
    });
    futures_join_all(tasks).await;
    let summary = crate::audit::verify(store).await.expect("a chain appended concurrently verifies");
    assert_eq!(summary.entries, 80);
}

pub async fn integrity_check_of_a_sound_store(store: &dyn Store) {
    let o = org("integrity");
    store.create_org(&o).await.unwrap();
    let reports: Vec<_> = (0..5).map(|i| report(o.id, i, 3)).collect();
    store.insert_reports(&reports, &[]).await.unwrap();
    audit_chain(store, 3).await;
    assert_eq!(store.integrity_check().await.unwrap(), Vec::<String>::new());
}

/// Writes a chain of 6 entries, runs the tampering statements and returns what verification
/// says; `None` (the check skips) when the harness cannot run SQL.
async fn tampered(harness: &dyn Harness, statements: &[&str]) -> Option<model::audit::ChainBreak> {
    let store = harness.store();
    audit_chain(store, 6).await;
    crate::audit::verify(store).await.expect("intact before tampering");
    for sql in statements {
        let Some(run) = harness.raw_sql(sql) else {
            eprintln!("skipping: this harness cannot run SQL");
            return None;
        };
        run.await.expect("tampering statement");
    }
    match crate::audit::verify(store).await {
        Err(crate::audit::VerifyError::Broken(b)) => Some(b),
        other => panic!("tampering went unnoticed: {other:?}"),
    }
}

pub async fn audit_tamper_edited_detail(harness: &dyn Harness) {
    let Some(b) =
        tampered(harness, &["UPDATE audit_log SET detail = '{\"n\":3,\"tlp\":\"clear\"}' WHERE seq = 3"])
            .await
    else {
        return;
    };
    assert_eq!(b, model::audit::ChainBreak::Edited { seq: 3 });
    assert_eq!(b.to_string(), "entry seq 3 edited: its fields do not match its hash");
}

pub async fn audit_tamper_removed_middle(harness: &dyn Harness) {
    let Some(b) = tampered(harness, &["DELETE FROM audit_log WHERE seq = 4"]).await else { return };
    assert_eq!(b, model::audit::ChainBreak::Removed { from: 4, to: 4 });
    assert_eq!(b.to_string(), "entries removed: seq 4 to 4 missing");
}

pub async fn audit_tamper_swapped_seq(harness: &dyn Harness) {
    let Some(b) = tampered(
        harness,
        &[
            "UPDATE audit_log SET seq = -1 WHERE seq = 2",
            "UPDATE audit_log SET seq = 2 WHERE seq = 3",
            "UPDATE audit_log SET seq = 3 WHERE seq = -1",
        ],
    )
    .await
    else {
        return;
    };
    assert_eq!(b, model::audit::ChainBreak::Reordered { seq: 2, written_as: 3 });
    assert_eq!(b.to_string(), "entry seq 2 reordered: it was written as seq 3");
}

pub async fn audit_tamper_truncated_head(harness: &dyn Harness) {
    let Some(b) = tampered(harness, &["DELETE FROM audit_log WHERE seq > 4"]).await else { return };
    assert_eq!(b, model::audit::ChainBreak::Removed { from: 5, to: 6 });
}

pub async fn audit_tamper_removed_genesis(harness: &dyn Harness) {
    let Some(b) = tampered(harness, &["DELETE FROM audit_log WHERE seq < 3"]).await else { return };
    assert!(matches!(b, model::audit::ChainBreak::BadGenesis { seq: 3, .. }), "{b:?}");
    assert_eq!(b.to_string(), "bad genesis at seq 3: the chain starts at seq 3: seq 1 to 2 removed");
}

pub async fn audit_entries_are_atomic_with_their_reports(store: &dyn Store) {
    let o = org("audited");
    store.create_org(&o).await.unwrap();
    store.append_audit(&[audit_record(Some(o.id), "org.create", 1)]).await.unwrap();
    let reports: Vec<_> = (0..3).map(|i| report(o.id, i, 2)).collect();
    let records: Vec<_> = (2..5).map(|i| audit_record(Some(o.id), "report.create", i)).collect();
    store.insert_reports_audited(&reports, &[], &records).await.unwrap();
    let entries = store.audit_entries(None, 10).await.unwrap();
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    assert_eq!(entries[1].record, records[0]);
    // A batch that conflicts stores neither its reports nor its audit entries.
    let again = vec![report(o.id, 9, 1), reports[0].clone()];
    let more: Vec<_> = (5..7).map(|i| audit_record(Some(o.id), "report.create", i)).collect();
    assert!(store.insert_reports_audited(&again, &[], &more).await.unwrap_err().is_conflict());
    assert_eq!(store.audit_head().await.unwrap().map(|h| h.0), Some(4));
    assert_eq!(store.count_reports().await.unwrap(), 3);
    assert_eq!(crate::audit::verify(store).await.unwrap().entries, 4);
}
