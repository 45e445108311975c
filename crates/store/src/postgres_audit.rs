//! The PostgreSQL backend's audit log (see `migrations/postgres/0010_audit.sql`).

use chrono::{DateTime, Utc};
use model::audit::{AuditActor, AuditEntry, AuditRecord, seal};
use model::org::OrgId;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use crate::StoreError;
use crate::audit::AuditQuery;
use crate::codec::{from_micros, micros, parse_role};
use crate::postgres::PgStore;
use crate::sqlite_audit::check_record;

/// The key of the transaction-level advisory lock every audit append takes (`b"dragnetau"`).
const AUDIT_LOCK: i64 = 0x6472_6167_6e65_7461;

macro_rules! audit_columns {
    () => {
        "seq, at, actor_kind, actor_org, actor_token, actor_role, action, object_type, object_id, \
         detail, prev_hash, hash"
    };
}

fn hash_of(bytes: &[u8], what: &str, seq: i64) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(bytes)
        .map_err(|_| StoreError::Corrupt(format!("audit entry {seq}: {what} of {} bytes", bytes.len())))
}

fn entry_from_row(row: &PgRow) -> Result<AuditEntry, StoreError> {
    let seq: i64 = row.try_get(0)?;
    Ok(AuditEntry {
        seq: seq as u64,
        record: AuditRecord {
            at: row.try_get(1)?,
            actor: AuditActor {
                kind: row.try_get(2)?,
                org: row.try_get::<Option<Uuid>, _>(3)?.map(OrgId),
                token: row.try_get(4)?,
                role: row.try_get::<Option<&str>, _>(5)?.map(parse_role).transpose()?,
            },
            action: row.try_get(6)?,
            object_type: row.try_get(7)?,
            object_id: row.try_get(8)?,
            detail: row.try_get(9)?,
        },
        prev_hash: hash_of(row.try_get(10)?, "prev_hash", seq)?,
        hash: hash_of(row.try_get(11)?, "hash", seq)?,
    })
}

impl PgStore {
    pub(crate) async fn pg_append_audit(
        &self,
        records: &[AuditRecord],
    ) -> Result<Vec<AuditEntry>, StoreError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        records.iter().try_for_each(check_record)?;
        let mut tx = self.pool().begin().await?;
        match append_audit_in(&mut tx, records).await {
            Ok(out) => {
                tx.commit().await?;
                Ok(out)
            }
            Err(e) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = %rollback, "rollback of an audit append failed");
                }
                Err(e.into())
            }
        }
    }

    pub(crate) async fn pg_audit_entries(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log WHERE ($1::int8 IS NULL OR seq > $1) ORDER BY seq LIMIT $2"
        ))
        .bind(after.map(|s| s as i64))
        .bind(limit as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    pub(crate) async fn pg_audit_head(&self) -> Result<Option<(u64, [u8; 32])>, StoreError> {
        let head: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(self.pool())
            .await?;
        head.map(|(s, h)| Ok((s as u64, hash_of(&h, "head hash", s)?))).transpose()
    }

    pub(crate) async fn pg_list_audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log WHERE ($1::uuid IS NULL OR actor_org = $1) AND ($2::text IS NULL OR action = $2) \
             AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::int8 IS NULL OR seq < $4) \
             ORDER BY seq DESC LIMIT $5"
        ))
        .bind(q.org.map(|o| o.0))
        .bind(q.action.as_deref())
        .bind(q.since)
        .bind(q.before.map(|s| s as i64))
        .bind(q.limit as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    pub(crate) async fn pg_integrity_check(&self) -> Result<Vec<String>, StoreError> {
        // PostgreSQL enforces its constraints on every write; what the store adds is that its
        // sequences run without gaps.
        let mut problems = Vec::new();
        for table in ["events", "audit_log"] {
            let (count, max): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*), COALESCE(MAX(seq), 0)::int8 FROM {table}"
            )))
            .fetch_one(self.pool())
            .await?;
            if count != max {
                problems.push(format!("{table}: {count} rows but the largest seq is {max}"));
            }
        }
        Ok(problems)
    }

    /// Runs one statement as is, bypassing every check of the store. For tests that tamper
    /// with the database (the audit chain's), never for the application.
    #[doc(hidden)]
    pub async fn execute_unchecked(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(self.pool()).await?.rows_affected())
    }
}

/// Appends audit records inside a transaction. It takes the audit log's advisory lock first,
/// held until the transaction ends, so appends are serialised and each links to the entry
/// committed before it. A transaction that also appends events takes the events' lock first
/// (no transaction takes them the other way round).
pub(crate) async fn append_audit_in(
    tx: &mut Transaction<'static, Postgres>,
    records: &[AuditRecord],
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    // Serialised like event appends: the head read after the lock is granted is the last
    // committed one, so every entry links to the entry committed before it.
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(AUDIT_LOCK).execute(&mut **tx).await?;
    let head: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_optional(&mut **tx).await?;
    let (mut seq, mut prev) = match head {
        Some((s, h)) => (s as u64, <[u8; 32]>::try_from(h.as_slice()).map_err(|_| bad_head())?),
        None => (0, model::audit::GENESIS),
    };
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let mut r = r.clone();
        r.at = from_micros(micros(r.at)).map_err(|_| bad_head())?;
        seq += 1;
        let e = seal(seq, r, prev);
        prev = e.hash;
        out.push(e);
    }
    let col = |f: &dyn Fn(&AuditEntry) -> Option<String>| out.iter().map(f).collect::<Vec<_>>();
    sqlx::query(concat!(
        "INSERT INTO audit_log (",
        audit_columns!(),
        ") SELECT * FROM UNNEST($1::int8[], $2::timestamptz[], $3::text[], $4::uuid[], $5::uuid[], \
             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bytea[], $12::bytea[])"
    ))
    .bind(out.iter().map(|e| e.seq as i64).collect::<Vec<_>>())
    .bind(out.iter().map(|e| e.record.at).collect::<Vec<DateTime<Utc>>>())
    .bind(col(&|e| Some(e.record.actor.kind.clone())))
    .bind(out.iter().map(|e| e.record.actor.org.map(|o| o.0)).collect::<Vec<_>>())
    .bind(out.iter().map(|e| e.record.actor.token).collect::<Vec<_>>())
    .bind(col(&|e| e.record.actor.role.map(|r| r.as_str().to_string())))
    .bind(col(&|e| Some(e.record.action.clone())))
    .bind(col(&|e| Some(e.record.object_type.clone())))
    .bind(col(&|e| Some(e.record.object_id.clone())))
    .bind(col(&|e| e.record.detail.clone()))
    .bind(out.iter().map(|e| e.prev_hash.to_vec()).collect::<Vec<_>>())
    .bind(out.iter().map(|e| e.hash.to_vec()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(seq as i64)
    .bind(prev.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(out)
}

fn bad_head() -> sqlx::Error {
    sqlx::Error::Protocol("corrupt audit head or time".into())
}

impl PgStore {
    /// Creates the database `name` on the server of `url` (connecting to `url`'s database to do
    /// it). For tests that need a whole database of their own, never for the application.
    #[doc(hidden)]
    pub async fn create_database(url: &str, name: &str) -> Result<(), StoreError> {
        Self::admin_statement(url, format!("CREATE DATABASE \"{}\"", name.replace('"', ""))).await
    }

    /// Drops the database `name` (closing its connections). See [`PgStore::create_database`].
    #[doc(hidden)]
    pub async fn drop_database(url: &str, name: &str) -> Result<(), StoreError> {
        Self::admin_statement(
            url,
            format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", name.replace('"', "")),
        )
        .await
    }

    async fn admin_statement(url: &str, sql: String) -> Result<(), StoreError> {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await?;
        c.close().await?;
        Ok(())
    }
}
