//! The SQLite backend's audit log (see `migrations/sqlite/0010_audit.sql`).

use model::audit::{AuditActor, AuditEntry, AuditRecord, seal};
use model::org::OrgId;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use crate::StoreError;
use crate::audit::AuditQuery;
use crate::codec::{check_text, from_micros, micros, parse_role, uuid_from_bytes};
use crate::sqlite::SqliteStore;

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

fn entry_from_row(row: &SqliteRow) -> Result<AuditEntry, StoreError> {
    let seq: i64 = row.try_get(0)?;
    Ok(AuditEntry {
        seq: seq as u64,
        record: AuditRecord {
            at: from_micros(row.try_get(1)?)?,
            actor: AuditActor {
                kind: row.try_get(2)?,
                org: row.try_get::<Option<&[u8]>, _>(3)?.map(uuid_from_bytes).transpose()?.map(OrgId),
                token: row.try_get::<Option<&[u8]>, _>(4)?.map(uuid_from_bytes).transpose()?,
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

/// Checks what a record holds can be stored (no NUL characters).
pub(crate) fn check_record(r: &AuditRecord) -> Result<(), StoreError> {
    for (what, v) in [
        ("audit actor", r.actor.kind.as_str()),
        ("audit action", r.action.as_str()),
        ("audit object type", r.object_type.as_str()),
        ("audit object id", r.object_id.as_str()),
        ("audit detail", r.detail.as_deref().unwrap_or("")),
    ] {
        check_text(|| what.to_string(), v)?;
    }
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn sqlite_append_audit(
        &self,
        records: &[AuditRecord],
    ) -> Result<Vec<AuditEntry>, StoreError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        records.iter().try_for_each(check_record)?;
        let mut tx = self.begin_write().await?;
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

    pub(crate) async fn sqlite_audit_entries(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log WHERE (? IS NULL OR seq > ?) ORDER BY seq LIMIT ?"
        ))
        .bind(after.map(|s| s as i64))
        .bind(after.map(|s| s as i64))
        .bind(limit as i64)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    pub(crate) async fn sqlite_audit_head(&self) -> Result<Option<(u64, [u8; 32])>, StoreError> {
        let head: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(self.reader())
            .await?;
        head.map(|(s, h)| Ok((s as u64, hash_of(&h, "head hash", s)?))).transpose()
    }

    pub(crate) async fn sqlite_list_audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let org = q.org.map(|o| o.0.as_bytes().to_vec());
        let since = q.since.map(micros);
        let before = q.before.map(|s| s as i64);
        let rows = sqlx::query(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log WHERE (?1 IS NULL OR actor_org = ?1) AND (?2 IS NULL OR action = ?2) \
             AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR seq < ?4) ORDER BY seq DESC LIMIT ?5"
        ))
        .bind(org)
        .bind(q.action.as_deref())
        .bind(since)
        .bind(before)
        .bind(q.limit as i64)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    pub(crate) async fn sqlite_integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(self.reader()).await?;
        problems.extend(rows.into_iter().filter(|r| r != "ok").map(|r| format!("integrity_check: {r}")));
        let rows = sqlx::query("PRAGMA foreign_key_check").fetch_all(self.reader()).await?;
        for row in &rows {
            let table: String = row.try_get(0)?;
            let parent: String = row.try_get(2)?;
            problems.push(format!("foreign_key_check: a row of {table} refers to a missing {parent} row"));
        }
        problems.extend(sequence_problems(self.reader()).await?);
        Ok(problems)
    }

    /// Runs one statement as is, bypassing every check of the store. For tests that tamper
    /// with the database (the audit chain's), never for the application.
    #[doc(hidden)]
    pub async fn execute_unchecked(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(self.writer()).await?.rows_affected())
    }
}

/// Gaps in the event and audit sequences (each must run 1..=max).
async fn sequence_problems(pool: &sqlx::SqlitePool) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    for table in ["events", "audit_log"] {
        let (count, max): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM {table}"
        )))
        .fetch_one(pool)
        .await?;
        if count != max {
            problems.push(format!("{table}: {count} rows but the largest seq is {max}"));
        }
    }
    Ok(problems)
}

/// Appends audit records inside a write transaction (the one writer connection serialises
/// appends): each links to the recorded head, which moves to the last.
pub(crate) async fn append_audit_in(
    tx: &mut Transaction<'static, Sqlite>,
    records: &[AuditRecord],
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
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
        let a = &e.record.actor;
        sqlx::query(concat!(
            "INSERT INTO audit_log (",
            audit_columns!(),
            ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
        ))
        .bind(e.seq as i64)
        .bind(micros(e.record.at))
        .bind(a.kind.as_str())
        .bind(a.org.map(|o| o.0.as_bytes().to_vec()))
        .bind(a.token.map(|t| t.as_bytes().to_vec()))
        .bind(a.role.map(|r| r.as_str()))
        .bind(e.record.action.as_str())
        .bind(e.record.object_type.as_str())
        .bind(e.record.object_id.as_str())
        .bind(e.record.detail.as_deref())
        .bind(e.prev_hash.as_slice())
        .bind(e.hash.as_slice())
        .execute(&mut **tx)
        .await?;
        out.push(e);
    }
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(seq as i64)
    .bind(prev.as_slice())
    .execute(&mut **tx)
    .await?;
    Ok(out)
}

fn bad_head() -> sqlx::Error {
    sqlx::Error::Protocol("corrupt audit head or time".into())
}
