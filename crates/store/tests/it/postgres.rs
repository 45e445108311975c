//! The conformance suite on PostgreSQL: opt-in, run when `DRAGNET_TEST_POSTGRES_URL` is set
//! (e.g. `postgres://postgres@127.0.0.1:5432/test`) and the `postgres` feature is on:
//! `cargo test -p store --features postgres`. Each check runs in a fresh schema, dropped
//! afterwards.

/// The environment variable naming the test database.
const URL_VAR: &str = "DRAGNET_TEST_POSTGRES_URL";

#[cfg(feature = "postgres")]
mod suite {
    use sqlx::postgres::{PgConnectOptions, PgConnection};
    use sqlx::{AssertSqlSafe, Connection};
    use store::testsuite::Harness;
    use store::{PgStore, Store};
    use uuid::Uuid;

    use super::URL_VAR;

    /// A store in its own schema, dropped with the harness.
    pub struct PgHarness {
        store: PgStore,
        url: String,
        schema: String,
    }

    impl Harness for PgHarness {
        fn store(&self) -> &dyn Store {
            &self.store
        }

        fn raw_sql<'a>(&'a self, sql: &'a str) -> Option<store::testsuite::RawSqlFuture<'a>> {
            Some(Box::pin(self.store.execute_unchecked(sql)))
        }
    }

    impl Drop for PgHarness {
        fn drop(&mut self) {
            // Drop runs inside the test's runtime: do the async cleanup on a thread of its own.
            let (url, schema) = (self.url.clone(), self.schema.clone());
            let cleanup = std::thread::spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                runtime.block_on(async {
                    if let Ok(mut conn) = PgConnection::connect(&url).await {
                        let sql = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
                        let _ = sqlx::query(AssertSqlSafe(sql)).execute(&mut conn).await;
                        let _ = conn.close().await;
                    }
                });
            });
            let _ = cleanup.join();
        }
    }

    /// A fresh store in a new schema, or `None` when no test database is configured.
    pub async fn fresh() -> Option<PgHarness> {
        let url = std::env::var(URL_VAR).ok()?;
        let schema = format!("dragnet_test_{}", Uuid::now_v7().simple());
        let mut conn = PgConnection::connect(&url).await.expect("connect to the test database");
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
            .execute(&mut conn)
            .await
            .expect("create schema");
        conn.close().await.expect("close");
        let options: PgConnectOptions = url.parse().expect("postgres url");
        let store = PgStore::connect_with(options.options([("search_path", schema.as_str())]))
            .await
            .expect("open store");
        Some(PgHarness { store, url, schema })
    }

    store::store_test_suite!(postgres, optional async { fresh().await });

    #[tokio::test]
    async fn migrations_are_idempotent() {
        let Some(harness) = fresh().await else {
            eprintln!("skipping: {URL_VAR} not set");
            return;
        };
        let options: PgConnectOptions = harness.url.parse().expect("postgres url");
        let again = PgStore::connect_with(options.options([("search_path", harness.schema.as_str())]))
            .await
            .expect("reopen");
        assert_eq!(again.count_reports().await.expect("count"), 0);
        again.close().await;
    }
}

#[cfg(not(feature = "postgres"))]
#[test]
fn postgres_suite_needs_the_feature() {
    if std::env::var_os(URL_VAR).is_some() {
        eprintln!("{URL_VAR} is set but the postgres backend is not built: add `--features postgres`");
    }
}
