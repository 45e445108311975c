use std::path::{Path, PathBuf};

use model::org::OrgId;
use store::testsuite::{self, Harness};
use store::{SqliteStore, Store};
use uuid::Uuid;

/// A file-backed store in a fresh temporary directory, deleted on drop.
struct TempStore {
    store: SqliteStore,
    _dir: TempDir,
}

impl TempStore {
    async fn new() -> Self {
        let dir = TempDir::new();
        let store = SqliteStore::open(dir.path()).await.expect("open store");
        TempStore { store, _dir: dir }
    }
}

impl Harness for TempStore {
    fn store(&self) -> &dyn Store {
        &self.store
    }

    fn raw_sql<'a>(&'a self, sql: &'a str) -> Option<testsuite::RawSqlFuture<'a>> {
        Some(Box::pin(self.store.execute_unchecked(sql)))
    }
}

/// A fresh directory under the system temp dir, removed with its contents on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        TempDir(std::env::temp_dir().join(format!("dragnet-store-test-{}", Uuid::now_v7())))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

store::store_test_suite!(sqlite_memory, async {
    SqliteStore::open_in_memory().await.expect("open in-memory store")
});

store::store_test_suite!(sqlite_file, async { TempStore::new().await });

#[tokio::test]
async fn open_creates_the_directory_and_file() {
    let tmp = TempDir::new();
    let dir = tmp.path().join("nested").join("data");
    let store = SqliteStore::open(&dir).await.expect("open");
    assert_eq!(store.path(), Some(dir.join(store::DB_FILE).as_path()));
    assert!(dir.join(store::DB_FILE).is_file());
    store.close().await;
}

#[tokio::test]
async fn data_survives_reopening_and_migrations_are_idempotent() {
    let tmp = TempDir::new();
    let author = OrgId(Uuid::now_v7());
    let acme = testsuite::org("acme");
    let token = testsuite::token(acme.id, model::Role::Admin, 7);
    let reports: Vec<_> = (0..25).map(|i| testsuite::report(author, i, 3)).collect();
    {
        let store = SqliteStore::open(tmp.path()).await.expect("open");
        store.create_org(&acme).await.expect("create org");
        store.create_token(&token).await.expect("create token");
        store.insert_reports(&reports, &[]).await.expect("insert");
        store.close().await;
    }
    for _ in 0..2 {
        let store = SqliteStore::open(tmp.path()).await.expect("reopen");
        assert_eq!(store.list_orgs().await.expect("list"), vec![acme.clone()]);
        assert_eq!(store.token_by_hash(&[7; 32]).await.expect("lookup"), Some(token.clone()));
        assert_eq!(store.count_reports().await.expect("count"), 25);
        assert_eq!(store.scan_reports(None, 100).await.expect("scan"), sorted(&reports));
        store.close().await;
    }
}

#[tokio::test]
async fn data_survives_without_close() {
    // Durable when the call returns: no close, no checkpoint.
    let tmp = TempDir::new();
    let reports: Vec<_> = (0..3).map(|i| testsuite::report(OrgId(Uuid::now_v7()), i, 2)).collect();
    {
        let store = SqliteStore::open(tmp.path()).await.expect("open");
        store.insert_reports(&reports, &[]).await.expect("insert");
        drop(store);
    }
    let store = SqliteStore::open(tmp.path()).await.expect("reopen");
    assert_eq!(store.scan_reports(None, 10).await.expect("scan"), sorted(&reports));
}

#[tokio::test]
async fn two_stores_on_one_directory_see_each_other() {
    let tmp = TempDir::new();
    let a = SqliteStore::open(tmp.path()).await.expect("open a");
    let b = SqliteStore::open(tmp.path()).await.expect("open b");
    let reports = vec![testsuite::report(OrgId(Uuid::now_v7()), 1, 1)];
    a.insert_reports(&reports, &[]).await.expect("insert");
    assert_eq!(b.scan_reports(None, 10).await.expect("scan"), reports);
}

#[tokio::test]
async fn usable_as_shared_dyn_store() {
    let store: std::sync::Arc<dyn Store> =
        std::sync::Arc::new(SqliteStore::open_in_memory().await.expect("open"));
    let mut tasks = Vec::new();
    for t in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let reports: Vec<_> =
                (0..10).map(|i| testsuite::report(OrgId(Uuid::now_v7()), t * 10 + i, 1)).collect();
            store.insert_reports(&reports, &[]).await.expect("insert");
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    assert_eq!(store.count_reports().await.expect("count"), 40);
}

#[test]
fn default_data_dir_is_relative() {
    assert_eq!(store::default_data_dir(), PathBuf::from("dragnet-data"));
}

fn sorted(reports: &[model::report::Report]) -> Vec<model::report::Report> {
    let mut reports = reports.to_vec();
    reports.sort_by_key(|r| r.id);
    reports
}

/// Throughput sanity check: `cargo test -p store -- --ignored --nocapture insert_throughput`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures time; run by hand"]
async fn insert_throughput() {
    let tmp = TempDir::new();
    let store = SqliteStore::open(tmp.path()).await.expect("open");
    let author = OrgId(Uuid::now_v7());
    for round in 0..3 {
        let reports: Vec<_> = (0..20_000).map(|i| testsuite::report(author, round * 20_000 + i, 5)).collect();
        let started = std::time::Instant::now();
        store.insert_reports(&reports, &[]).await.expect("insert");
        let elapsed = started.elapsed();
        eprintln!(
            "round {round}: 20000 reports x 5 observables in {elapsed:?} ({:.0} reports/s)",
            20_000.0 / elapsed.as_secs_f64()
        );
    }
    let started = std::time::Instant::now();
    let mut after = None;
    let mut n = 0;
    loop {
        let page = store.scan_reports(after, 5_000).await.expect("scan");
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        n += page.len();
    }
    eprintln!("scanned {n} reports in {:?}", started.elapsed());
    store.close().await;
}
