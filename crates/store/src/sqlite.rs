//! The SQLite backend: one file, `dragnet.db`, in a data directory.
//!
//! One writer connection serialises every write (SQLite allows one writer at a time anyway);
//! reads use a small pool of read-only connections, which WAL mode lets run alongside the
//! writer. Every write transaction starts with `BEGIN IMMEDIATE` and commits with
//! `synchronous=FULL`, so it is durable when the method returns.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use model::alert::{Alert, AlertRule};
use model::campaign::HubMark;
use model::discovery::{AccessRequest, AccessRequestStatus};
use model::event::Event;
use model::hashlist::{HashEntry, HashKind, HashSet, HashSighting};
use model::org::{Community, CommunityId, OrgId, Organization};
use model::report::{Audience, Report, ReportKind, ReportObservable};
use model::scam::VictimPii;
use model::{ObservableKind, Tlp};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, ConnectOptions, Row, Sqlite, Transaction};
use uuid::Uuid;

use crate::codec::{
    audience_json, check_batch, check_entries, check_hash_set, check_text, event_from, events_data,
    from_micros, hash_value_hex, in_requested_order, labels_json, micros, opt_from_micros, opt_micros,
    parse_enum, parse_role, pii_json, scam_json, uuid_from_bytes,
};
use crate::error::{is_foreign_key_violation, is_unique_violation, written};
use crate::taxii::{
    StixObjectQuery, StixObjectRecord, TaxiiApiRoot, TaxiiCollectionRecord, TaxiiStatusRecord,
};
use crate::{Store, StoreError, TokenRecord};

/// The name of the database file inside the data directory.
pub const DB_FILE: &str = "dragnet.db";

/// How many read-only connections a file-backed store opens at most.
const READ_CONNECTIONS: u32 = 4;

/// How long a connection waits for a lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The most ids bound in one `IN (…)` list.
const IN_LIST_CHUNK: usize = 500;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The SQLite implementation of [`Store`].
///
/// Cheap to clone: clones share the connection pools.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    path: Option<PathBuf>,
}

impl SqliteStore {
    /// Opens (creating when needed) the store in `dir`: the directory is created, the
    /// database file [`DB_FILE`] inside it is opened in WAL mode with `synchronous=FULL`,
    /// `foreign_keys=ON` and a busy timeout, and pending migrations are applied.
    pub async fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
        let file = dir.join(DB_FILE);
        let common = SqliteConnectOptions::new()
            .filename(&file)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Full)
            .disable_statement_logging();
        let writer_options = common
            .clone()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            // Checkpoint the write-ahead log every ~40 MB rather than every 4 MB: fewer, larger
            // copies into the database file during bulk ingest. Durability is the WAL's.
            .pragma("wal_autocheckpoint", "10000");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(writer_options)
            .await?;
        MIGRATOR.run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .connect_with(common.read_only(true))
            .await?;
        tracing::debug!(path = %file.display(), "opened sqlite store");
        Ok(SqliteStore { writer, reader, path: Some(file) })
    }

    /// Opens a fresh, empty store that lives in memory only, for tests.
    ///
    /// An in-memory SQLite database lives as long as its one connection, so this store uses a
    /// single connection for reads and writes that is never closed while the store lives.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let options =
            SqliteConnectOptions::new().in_memory(true).foreign_keys(true).disable_statement_logging();
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { writer: pool.clone(), reader: pool, path: None })
    }

    /// The database file, or `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Closes every connection, waiting for those in use to be returned. Closing lets SQLite
    /// checkpoint the write-ahead log into the database file. Further calls fail.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The first report of `reports` whose id is already stored, if any.
    async fn first_stored_report(&self, reports: &[Report]) -> Result<Option<Uuid>, StoreError> {
        for chunk in reports.chunks(IN_LIST_CHUNK) {
            let sql = format!("SELECT id FROM reports WHERE id IN ({}) LIMIT 1", placeholders(chunk.len()));
            let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
            for report in chunk {
                query = query.bind(report.id.as_bytes().as_slice());
            }
            if let Some(row) = query.fetch_optional(&self.writer).await? {
                return Ok(Some(uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?));
            }
        }
        Ok(None)
    }
}

// ----- multi-row inserts -----

/// Rows per multi-row `INSERT` statement, largest first. A batch is cut into statements of
/// these sizes, so only four distinct statements per table are ever prepared (and cached),
/// and the largest stays well under SQLite's 32766 bound-parameter limit.
const LADDER: [usize; 4] = [512, 64, 8, 1];

/// A multi-row `INSERT` statement, built once per [`LADDER`] size.
struct MultiInsert {
    head: &'static str,
    row: &'static str,
    sql: OnceLock<[String; LADDER.len()]>,
}

impl MultiInsert {
    const fn new(head: &'static str, row: &'static str) -> Self {
        MultiInsert { head, row, sql: OnceLock::new() }
    }

    /// The largest ladder size not above `remaining` (which is at least 1), and its SQL.
    fn step(&'static self, remaining: usize) -> (usize, &'static str) {
        let all = self.sql.get_or_init(|| {
            LADDER.map(|rows| {
                let mut sql = String::with_capacity(self.head.len() + rows * (self.row.len() + 1));
                sql.push_str(self.head);
                for i in 0..rows {
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push_str(self.row);
                }
                sql
            })
        });
        let i = LADDER.iter().position(|&rows| rows <= remaining).unwrap_or(LADDER.len() - 1);
        (LADDER[i], all[i].as_str())
    }
}

static INSERT_REPORTS: MultiInsert = MultiInsert::new(
    "INSERT INTO reports (id, kind, title, narrative, tlp, author_org, audience, labels, \
     created_at, first_seen, last_seen, revoked_at, scam, discoverable) VALUES ",
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
);

static INSERT_OBSERVABLES: MultiInsert = MultiInsert::new(
    "INSERT INTO report_observables (report_id, position, kind, value, original, role) VALUES ",
    "(?,?,?,?,?,?)",
);

async fn insert_report_rows(
    tx: &mut Transaction<'static, Sqlite>,
    reports: &[Report],
) -> Result<(), sqlx::Error> {
    let mut rest = reports;
    while !rest.is_empty() {
        let (rows, sql) = INSERT_REPORTS.step(rest.len());
        let (chunk, tail) = rest.split_at(rows);
        let mut query = sqlx::query(sql);
        for r in chunk {
            query = query
                .bind(r.id.as_bytes().as_slice())
                .bind(r.kind.as_str())
                .bind(r.title.as_str())
                .bind(r.narrative.as_str())
                .bind(r.tlp.as_str())
                .bind(r.author.0.as_bytes().as_slice())
                .bind(audience_json(&r.audience))
                .bind(labels_json(&r.labels))
                .bind(micros(r.created_at))
                .bind(opt_micros(r.first_seen))
                .bind(opt_micros(r.last_seen))
                .bind(opt_micros(r.revoked_at))
                .bind(scam_json(r))
                .bind(r.discoverable);
        }
        query.execute(&mut **tx).await?;
        rest = tail;
    }
    Ok(())
}

async fn insert_observable_rows(
    tx: &mut Transaction<'static, Sqlite>,
    rows_to_insert: &[(&Uuid, i64, &ReportObservable)],
) -> Result<(), sqlx::Error> {
    let mut rest = rows_to_insert;
    while !rest.is_empty() {
        let (rows, sql) = INSERT_OBSERVABLES.step(rest.len());
        let (chunk, tail) = rest.split_at(rows);
        let mut query = sqlx::query(sql);
        for (report_id, position, o) in chunk {
            query = query
                .bind(report_id.as_bytes().as_slice())
                .bind(*position)
                .bind(o.kind.as_str())
                .bind(o.value.as_str())
                .bind(o.original.as_deref())
                .bind(o.role.as_deref());
        }
        query.execute(&mut **tx).await?;
        rest = tail;
    }
    Ok(())
}

static INSERT_HASH_ENTRIES: MultiInsert = MultiInsert::new(
    "INSERT INTO hash_entries (id, set_id, kind, value, quality, label, added_at, withdrawn_at) VALUES ",
    "(?,?,?,?,?,?,?,?)",
);

macro_rules! hash_set_columns {
    () => {
        "id, name, owner_org, category, source, description, tlp, audience, created_at"
    };
}

fn hash_set_from_row(row: &SqliteRow) -> Result<HashSet, StoreError> {
    let audience: &str = row.try_get(7)?;
    Ok(HashSet {
        id: uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?,
        name: row.try_get(1)?,
        owner: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(2)?)?),
        category: parse_enum("hash category", row.try_get(3)?)?,
        source: row.try_get(4)?,
        description: row.try_get(5)?,
        tlp: parse_enum("tlp", row.try_get(6)?)?,
        audience: serde_json::from_str(audience)
            .map_err(|e| StoreError::Corrupt(format!("hash set audience: {e}")))?,
        created_at: from_micros(row.try_get(8)?)?,
    })
}

macro_rules! hash_entry_columns {
    () => {
        "id, set_id, kind, value, quality, label, added_at, withdrawn_at"
    };
}

fn hash_entry_from_row(row: &SqliteRow) -> Result<HashEntry, StoreError> {
    let kind: HashKind = parse_enum("hash kind", row.try_get(2)?)?;
    let quality: Option<i64> = row.try_get(4)?;
    Ok(HashEntry {
        id: uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?,
        set_id: uuid_from_bytes(row.try_get::<&[u8], _>(1)?)?,
        kind,
        value: hash_value_hex(kind, row.try_get::<&[u8], _>(3)?)?,
        quality: quality
            .map(|q| u8::try_from(q).map_err(|_| StoreError::Corrupt(format!("quality {q}"))))
            .transpose()?,
        label: row.try_get(5)?,
        added_at: from_micros(row.try_get(6)?)?,
        withdrawn_at: opt_from_micros(row.try_get(7)?)?,
    })
}

/// The victim PII rows of a batch: one per report that has any.
async fn insert_pii_rows(
    tx: &mut Transaction<'static, Sqlite>,
    reports: &[Report],
) -> Result<(), sqlx::Error> {
    for r in reports {
        if let Some(data) = pii_json(r) {
            sqlx::query("INSERT INTO victim_pii (report_id, data) VALUES (?, ?)")
                .bind(r.id.as_bytes().as_slice())
                .bind(data)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

static INSERT_EVENTS: MultiInsert =
    MultiInsert::new("INSERT INTO events (seq, at, type, data) VALUES ", "(?,?,?,?)");

/// Appends events (their JSON already checked, `data[i]` for `events[i]`) inside a write
/// transaction: `seq`s follow the largest stored one. The one writer connection serialises
/// writes, so `seq` order is commit order and no `seq` is skipped.
pub(crate) async fn append_events_in(
    tx: &mut Transaction<'static, Sqlite>,
    events: &[Event],
    data: &[String],
) -> Result<Vec<Event>, sqlx::Error> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let last: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut **tx).await?;
    let mut out: Vec<Event> = events.to_vec();
    for (i, e) in out.iter_mut().enumerate() {
        e.seq = (last + 1 + i as i64) as u64;
    }
    let mut rest: Vec<(&Event, &String)> = out.iter().zip(data).collect();
    while !rest.is_empty() {
        let (rows, sql) = INSERT_EVENTS.step(rest.len());
        let tail = rest.split_off(rows);
        let mut query = sqlx::query(sql);
        for (e, d) in &rest {
            query =
                query.bind(e.seq as i64).bind(micros(e.at)).bind(e.event_type().as_str()).bind(d.as_str());
        }
        query.execute(&mut **tx).await?;
        rest = tail;
    }
    Ok(out)
}

/// Commits `tx` with the value of `result`, or rolls it back (now, not when the connection is
/// next used) and returns the error.
async fn finish_write<T>(
    tx: Transaction<'static, Sqlite>,
    result: Result<T, StoreError>,
) -> Result<T, StoreError> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

// ----- reading rows -----

/// Reports as one JSON array per query, built by SQLite: `SELECT reports_json!() FROM
/// (SELECT * FROM reports …) r` returns a single row holding a JSON array with one
/// [`ReportJson`] per report.
///
/// sqlx's cost per row (a copy of every value, a hand-over between threads) dwarfs SQLite's,
/// so a scan that returned a row per report, or per observable, spent most of its time there.
/// Letting SQLite serialise a whole page and serde_json read it back makes scanning a million
/// reports several times faster. Neither aggregate is ordered in SQL (an `ORDER BY` inside an
/// aggregate costs a sorter per group); [`parse_reports`] restores id and position order.
macro_rules! reports_json {
    () => {
        "json_group_array(json_array(\
            hex(r.id), r.kind, r.title, r.narrative, r.tlp, hex(r.author_org), \
            json(r.audience), json(r.labels), r.created_at, r.first_seen, r.last_seen, \
            r.revoked_at, json(r.scam), r.discoverable, \
            json((SELECT p.data FROM report_provenance p WHERE p.report_id = r.id)), \
            json((SELECT json_group_array(json_array(o.position, o.kind, o.value, o.original, \
                                                     o.role)) \
                  FROM report_observables o WHERE o.report_id = r.id))))"
    };
}

/// One report as [`reports_json`] writes it.
#[derive(serde::Deserialize)]
struct ReportJson(
    Uuid,
    ReportKind,
    String,
    String,
    Tlp,
    OrgId,
    Audience,
    Vec<String>,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<model::scam::ScamDetails>,
    Option<i64>,
    Option<model::federation::Provenance>,
    Vec<ObservableJson>,
);

/// One observable as [`reports_json`] writes it: position, kind, value, original, role.
#[derive(serde::Deserialize)]
struct ObservableJson(i64, ObservableKind, String, Option<String>, Option<String>);

/// Reads the JSON array built by [`reports_json`], in id order with observables in position
/// order.
fn parse_reports(json: &str) -> Result<Vec<Report>, StoreError> {
    let rows: Vec<ReportJson> =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("reports: {e}")))?;
    let mut reports = rows.into_iter().map(report_from_json).collect::<Result<Vec<_>, _>>()?;
    if !reports.is_sorted_by_key(|r| r.id) {
        reports.sort_unstable_by_key(|r| r.id);
    }
    Ok(reports)
}

fn report_from_json(row: ReportJson) -> Result<Report, StoreError> {
    let ReportJson(
        id,
        kind,
        title,
        narrative,
        tlp,
        author,
        audience,
        labels,
        created_at,
        first_seen,
        last_seen,
        revoked_at,
        scam,
        discoverable,
        provenance,
        mut observables,
    ) = row;
    if !observables.is_sorted_by_key(|o| o.0) {
        observables.sort_unstable_by_key(|o| o.0);
    }
    let times = || -> Result<_, StoreError> {
        Ok((
            from_micros(created_at)?,
            opt_from_micros(first_seen)?,
            opt_from_micros(last_seen)?,
            opt_from_micros(revoked_at)?,
        ))
    };
    let (created_at, first_seen, last_seen, revoked_at) = times().map_err(|e| match e {
        StoreError::Corrupt(msg) => StoreError::Corrupt(format!("report {id}: {msg}")),
        other => other,
    })?;
    Ok(Report {
        provenance,
        id,
        kind,
        title,
        narrative,
        tlp,
        audience,
        author,
        labels,
        created_at,
        first_seen,
        last_seen,
        observables: observables
            .into_iter()
            .map(|ObservableJson(_, kind, value, original, role)| ReportObservable {
                kind,
                value,
                original,
                role,
            })
            .collect(),
        revoked_at,
        scam,
        victim_pii: None,
        discoverable: discoverable.map(|d| d != 0),
    })
}

fn org_from_row(row: &SqliteRow) -> Result<Organization, StoreError> {
    Ok(Organization {
        peer: row.try_get(4)?,
        id: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?),
        name: row.try_get(1)?,
        operator: row.try_get(2)?,
        created_at: from_micros(row.try_get(3)?)?,
    })
}

macro_rules! token_columns {
    () => {
        "id, org_id, role, label, hash, created_at, expires_at, revoked_at, last_used_at"
    };
}

fn token_from_row(row: &SqliteRow) -> Result<TokenRecord, StoreError> {
    let hash: &[u8] = row.try_get(4)?;
    Ok(TokenRecord {
        id: uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?,
        org: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(1)?)?),
        role: parse_role(row.try_get::<&str, _>(2)?)?,
        label: row.try_get(3)?,
        hash: <[u8; 32]>::try_from(hash)
            .map_err(|_| StoreError::Corrupt(format!("token hash of {} bytes", hash.len())))?,
        created_at: from_micros(row.try_get(5)?)?,
        expires_at: opt_from_micros(row.try_get(6)?)?,
        revoked_at: opt_from_micros(row.try_get(7)?)?,
        last_used_at: opt_from_micros(row.try_get(8)?)?,
    })
}

/// `?,?,…` with `n` placeholders.
fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 2);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('?');
    }
    s
}

/// Whether a unique violation is about `table.column` (SQLite names it in the message).
fn violates(err: &sqlx::Error, table_column: &str) -> bool {
    err.as_database_error().is_some_and(|e| e.message().contains(table_column))
}

async fn org_exists(tx: &mut Transaction<'static, Sqlite>, id: OrgId) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT 1 FROM organizations WHERE id = ?")
        .bind(id.0.as_bytes().as_slice())
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

/// Checks every member exists, then inserts the (deduplicated) members of `community`.
async fn insert_members(
    tx: &mut Transaction<'static, Sqlite>,
    community: CommunityId,
    members: &[OrgId],
) -> Result<(), StoreError> {
    let mut members = members.to_vec();
    members.sort_unstable();
    members.dedup();
    for &org in &members {
        if !org_exists(tx, org).await? {
            return Err(StoreError::not_found(format!("organization {org}")));
        }
    }
    for org in members {
        sqlx::query("INSERT INTO community_members (community_id, org_id) VALUES (?, ?)")
            .bind(community.0.as_bytes().as_slice())
            .bind(org.0.as_bytes().as_slice())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn create_org(&self, org: &Organization) -> Result<(), StoreError> {
        check_text(|| String::from("organization name"), &org.name)?;
        let result = sqlx::query(
            "INSERT INTO organizations (id, name, operator, created_at, peer) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(org.id.0.as_bytes().as_slice())
        .bind(org.name.as_str())
        .bind(org.operator)
        .bind(micros(org.created_at))
        .bind(org.peer)
        .execute(&self.writer)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) && violates(&e, "organizations.name") => {
                Err(StoreError::conflict(format!("organization named {:?}", org.name)))
            }
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::conflict(format!("organization {}", org.id)))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn list_orgs(&self) -> Result<Vec<Organization>, StoreError> {
        sqlx::query("SELECT id, name, operator, created_at, peer FROM organizations ORDER BY id")
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(org_from_row)
            .collect()
    }

    async fn create_community(&self, community: &Community) -> Result<(), StoreError> {
        check_text(|| String::from("community name"), &community.name)?;
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query("INSERT INTO communities (id, name, created_at) VALUES (?, ?, ?)")
            .bind(community.id.0.as_bytes().as_slice())
            .bind(community.name.as_str())
            .bind(micros(community.created_at))
            .execute(&mut *tx)
            .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) && violates(&e, "communities.name") => {
                return Err(StoreError::conflict(format!("community named {:?}", community.name)));
            }
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::conflict(format!("community {}", community.id)));
            }
            Err(e) => return Err(e.into()),
        }
        insert_members(&mut tx, community.id, &community.members).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_community_members(&self, id: CommunityId, members: &[OrgId]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT 1 FROM communities WHERE id = ?")
            .bind(id.0.as_bytes().as_slice())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Err(StoreError::not_found(format!("community {id}")));
        }
        sqlx::query("DELETE FROM community_members WHERE community_id = ?")
            .bind(id.0.as_bytes().as_slice())
            .execute(&mut *tx)
            .await?;
        insert_members(&mut tx, id, members).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_communities(&self) -> Result<Vec<Community>, StoreError> {
        let mut conn = self.reader.acquire().await?;
        // One read transaction so communities and members are one snapshot.
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let mut communities = sqlx::query("SELECT id, name, created_at FROM communities ORDER BY id")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| {
                Ok(Community {
                    id: CommunityId(uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?),
                    name: row.try_get(1)?,
                    members: Vec::new(),
                    created_at: from_micros(row.try_get(2)?)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let index: HashMap<CommunityId, usize> =
            communities.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let members =
            sqlx::query("SELECT community_id, org_id FROM community_members ORDER BY community_id, org_id")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        for row in &members {
            let community = CommunityId(uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?);
            let org = OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(1)?)?);
            if let Some(&i) = index.get(&community) {
                communities[i].members.push(org);
            }
        }
        Ok(communities)
    }

    async fn create_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        check_text(|| String::from("token label"), &token.label)?;
        let result = sqlx::query(concat!(
            "INSERT INTO tokens (",
            token_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(token.id.as_bytes().as_slice())
        .bind(token.org.0.as_bytes().as_slice())
        .bind(token.role.as_str())
        .bind(token.label.as_str())
        .bind(token.hash.as_slice())
        .bind(micros(token.created_at))
        .bind(opt_micros(token.expires_at))
        .bind(opt_micros(token.revoked_at))
        .bind(opt_micros(token.last_used_at))
        .execute(&self.writer)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) && violates(&e, "tokens.hash") => {
                Err(StoreError::conflict("token with this secret"))
            }
            Err(e) if is_unique_violation(&e) => Err(StoreError::conflict(format!("token {}", token.id))),
            Err(e) if is_foreign_key_violation(&e) => {
                Err(StoreError::not_found(format!("organization {}", token.org)))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<TokenRecord>, StoreError> {
        sqlx::query(concat!("SELECT ", token_columns!(), " FROM tokens WHERE hash = ?"))
            .bind(hash.as_slice())
            .fetch_optional(&self.reader)
            .await?
            .as_ref()
            .map(token_from_row)
            .transpose()
    }

    async fn list_tokens(&self, org: Option<OrgId>) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = match org {
            Some(org) => {
                sqlx::query(concat!("SELECT ", token_columns!(), " FROM tokens WHERE org_id = ? ORDER BY id"))
                    .bind(org.0.as_bytes().as_slice())
                    .fetch_all(&self.reader)
                    .await?
            }
            None => {
                sqlx::query(concat!("SELECT ", token_columns!(), " FROM tokens ORDER BY id"))
                    .fetch_all(&self.reader)
                    .await?
            }
        };
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_token(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(micros(at))
            .bind(id.as_bytes().as_slice())
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn touch_token(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE tokens SET last_used_at = ? WHERE id = ?")
            .bind(micros(at))
            .bind(id.as_bytes().as_slice())
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_reports(&self, reports: &[Report], events: &[Event]) -> Result<Vec<Event>, StoreError> {
        self.insert_reports_audited(reports, events, &[]).await
    }

    async fn insert_reports_audited(
        &self,
        reports: &[Report],
        events: &[Event],
        audit: &[model::audit::AuditRecord],
    ) -> Result<Vec<Event>, StoreError> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        check_batch(reports)?;
        audit.iter().try_for_each(crate::sqlite_audit::check_record)?;
        let data = events_data(events)?;
        let observables: Vec<(&Uuid, i64, &ReportObservable)> = reports
            .iter()
            .flat_map(|r| r.observables.iter().enumerate().map(move |(i, o)| (&r.id, i as i64, o)))
            .collect();

        let started = Instant::now();
        let mut tx = self.begin_write().await?;
        let written = match insert_report_rows(&mut tx, reports).await {
            Ok(()) => match insert_observable_rows(&mut tx, &observables).await {
                Ok(()) => match insert_pii_rows(&mut tx, reports).await {
                    Ok(()) => {
                        match crate::sqlite_federation::insert_provenance_rows(&mut tx, reports).await {
                            Ok(()) => match append_events_in(&mut tx, events, &data).await {
                                Ok(appended) => crate::sqlite_audit::append_audit_in(&mut tx, audit)
                                    .await
                                    .map(|_| appended),
                                Err(e) => Err(e),
                            },
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let appended = match written {
            Ok(appended) => {
                tx.commit().await?;
                appended
            }
            Err(e) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = %rollback, "rollback of a failed report batch failed");
                }
                if is_unique_violation(&e) {
                    let what = match self.first_stored_report(reports).await? {
                        Some(id) => format!("report {id}"),
                        None => String::from("a report of the batch"),
                    };
                    return Err(StoreError::conflict(what));
                }
                return Err(e.into());
            }
        };
        tracing::debug!(
            reports = reports.len(),
            observables = observables.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "stored report batch"
        );
        Ok(appended)
    }

    async fn get_reports(&self, ids: &[Uuid]) -> Result<Vec<Report>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut unique: Vec<Uuid> = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();

        let mut found: HashMap<Uuid, Report> = HashMap::with_capacity(unique.len());
        for chunk in unique.chunks(IN_LIST_CHUNK) {
            let sql = format!(
                concat!("SELECT ", reports_json!(), " FROM (SELECT * FROM reports WHERE id IN ({})) r"),
                placeholders(chunk.len())
            );
            let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).persistent(false);
            for id in chunk {
                query = query.bind(id.as_bytes().as_slice());
            }
            let json = query.fetch_one(&self.reader).await?;
            found.extend(parse_reports(&json)?.into_iter().map(|r| (r.id, r)));
        }

        Ok(in_requested_order(ids, found))
    }

    async fn revoke_report(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        events: &[Event],
    ) -> Result<Option<Vec<Event>>, StoreError> {
        let data = events_data(events)?;
        let mut tx = self.begin_write().await?;
        let result: Result<Option<Vec<Event>>, StoreError> = async {
            let done = sqlx::query("UPDATE reports SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(micros(at))
                .bind(id.as_bytes().as_slice())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Ok(None);
            }
            Ok(Some(append_events_in(&mut tx, events, &data).await?))
        }
        .await;
        finish_write(tx, result).await
    }

    async fn scan_reports(&self, after: Option<Uuid>, limit: usize) -> Result<Vec<Report>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // The page with its observables as one JSON value (see `reports_json!`).
        let json: String = match after {
            Some(after) => {
                sqlx::query_scalar(concat!(
                    "SELECT ",
                    reports_json!(),
                    " FROM (SELECT * FROM reports WHERE id > ? ORDER BY id LIMIT ?) r"
                ))
                .bind(after.as_bytes().as_slice())
                .bind(limit)
                .fetch_one(&self.reader)
                .await?
            }
            None => {
                sqlx::query_scalar(concat!(
                    "SELECT ",
                    reports_json!(),
                    " FROM (SELECT * FROM reports ORDER BY id LIMIT ?) r"
                ))
                .bind(limit)
                .fetch_one(&self.reader)
                .await?
            }
        };
        parse_reports(&json)
    }

    async fn count_reports(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports").fetch_one(&self.reader).await?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("report count {n}")))
    }

    async fn get_victim_pii(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, VictimPii)>, StoreError> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            let sql = format!(
                "SELECT report_id, data FROM victim_pii WHERE report_id IN ({})",
                placeholders(chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
            for id in chunk {
                query = query.bind(id.as_bytes().as_slice());
            }
            for row in query.fetch_all(&self.reader).await? {
                let id = uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?;
                let data: &str = row.try_get(1)?;
                let pii: VictimPii = serde_json::from_str(data)
                    .map_err(|e| StoreError::Corrupt(format!("victim data of report {id}: {e}")))?;
                found.insert(id, (id, pii));
            }
        }
        Ok(in_requested_order(ids, found))
    }

    // ----- hub marks -----

    async fn set_hub_mark(&self, mark: &HubMark) -> Result<(), StoreError> {
        check_text(|| "hub mark value".to_string(), &mark.value)?;
        check_text(|| "hub mark reason".to_string(), &mark.reason)?;
        sqlx::query(
            "INSERT INTO hub_marks (kind, value, reason, marked_by, marked_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (kind, value) DO UPDATE SET reason = excluded.reason, marked_by = excluded.marked_by, \
             marked_at = excluded.marked_at",
        )
        .bind(mark.kind.as_str())
        .bind(mark.value.as_str())
        .bind(mark.reason.as_str())
        .bind(mark.marked_by.0.as_bytes().as_slice())
        .bind(micros(mark.marked_at))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn delete_hub_mark(&self, kind: ObservableKind, value: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM hub_marks WHERE kind = ? AND value = ?")
            .bind(kind.as_str())
            .bind(value)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_hub_marks(&self) -> Result<Vec<HubMark>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, value, reason, marked_by, marked_at FROM hub_marks ORDER BY kind, value",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HubMark {
                    kind: parse_enum("observable kind", row.try_get(0)?)?,
                    value: row.try_get(1)?,
                    reason: row.try_get(2)?,
                    marked_by: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(3)?)?),
                    marked_at: from_micros(row.try_get(4)?)?,
                })
            })
            .collect()
    }

    // ----- hit/no-hit -----

    async fn set_report_discoverable(
        &self,
        id: Uuid,
        discoverable: Option<bool>,
    ) -> Result<bool, StoreError> {
        self.sqlite_set_report_discoverable(id, discoverable).await
    }

    async fn set_org_reports_discoverable(&self, org: OrgId, on: bool) -> Result<bool, StoreError> {
        self.sqlite_set_org_reports_discoverable(org, on).await
    }

    async fn list_discoverable_orgs(&self) -> Result<Vec<OrgId>, StoreError> {
        self.sqlite_list_discoverable_orgs().await
    }

    async fn insert_access_requests(
        &self,
        requests: &[AccessRequest],
        events: &[Event],
    ) -> Result<Vec<Event>, StoreError> {
        self.sqlite_insert_access_requests(requests, events).await
    }

    async fn get_access_request(&self, id: Uuid) -> Result<Option<AccessRequest>, StoreError> {
        self.sqlite_get_access_request(id).await
    }

    async fn list_access_requests_to(
        &self,
        owner: OrgId,
        status: Option<AccessRequestStatus>,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        self.sqlite_list_access_requests_to(owner, status, after, limit).await
    }

    async fn list_access_requests_from(
        &self,
        requester: OrgId,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        self.sqlite_list_access_requests_from(requester, after, limit).await
    }

    async fn access_requests_for_selector(
        &self,
        requester: OrgId,
        kind: ObservableKind,
        value: &str,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        self.sqlite_access_requests_for_selector(requester, kind, value).await
    }

    async fn count_pending_access_requests_from(&self, requester: OrgId) -> Result<u64, StoreError> {
        self.sqlite_count_pending_access_requests_from(requester).await
    }

    async fn decide_access_request(
        &self,
        id: Uuid,
        status: AccessRequestStatus,
        at: DateTime<Utc>,
        by: Option<Uuid>,
        audiences: &[(Uuid, Audience)],
        events: &[Event],
    ) -> Result<Option<Vec<Event>>, StoreError> {
        self.sqlite_decide_access_request(id, status, at, by, audiences, events).await
    }

    // ----- alerts -----

    async fn create_alert_rule(&self, rule: &AlertRule) -> Result<(), StoreError> {
        check_text(|| format!("name of alert rule {}", rule.id), &rule.name)?;
        let json = serde_json::to_string(&rule.rule).map_err(|e| StoreError::Invalid(e.to_string()))?;
        check_text(|| format!("alert rule {}", rule.id), &json)?;
        let result = sqlx::query(
            "INSERT INTO alert_rules (id, org_id, name, rule, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(rule.id.as_bytes().as_slice())
        .bind(rule.org.0.as_bytes().as_slice())
        .bind(rule.name.as_str())
        .bind(json)
        .bind(micros(rule.created_at))
        .execute(&self.writer)
        .await;
        written(result, || format!("alert rule {}", rule.id), || format!("organization {}", rule.org))
    }

    async fn list_alert_rules(&self) -> Result<Vec<AlertRule>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, org_id, name, rule, created_at FROM alert_rules WHERE deleted_at IS NULL ORDER BY id",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                let id = uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?;
                Ok(AlertRule {
                    id,
                    org: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(1)?)?),
                    name: row.try_get(2)?,
                    rule: serde_json::from_str(row.try_get(3)?)
                        .map_err(|e| StoreError::Corrupt(format!("alert rule {id}: {e}")))?,
                    created_at: from_micros(row.try_get(4)?)?,
                })
            })
            .collect()
    }

    async fn delete_alert_rule(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE alert_rules SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL")
            .bind(micros(at))
            .bind(id.as_bytes().as_slice())
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_alerts(&self, alerts: &[Alert], events: &[Event]) -> Result<Vec<Event>, StoreError> {
        if alerts.is_empty() {
            return Ok(Vec::new());
        }
        let data = events_data(events)?;
        let mut tx = self.begin_write().await?;
        for a in alerts {
            let json = serde_json::to_string(a).map_err(|e| StoreError::Invalid(e.to_string()))?;
            check_text(|| format!("alert {}", a.id), &json)?;
            let result = sqlx::query(
                "INSERT INTO alerts (id, rule_id, org_id, data, created_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(a.id.as_bytes().as_slice())
            .bind(a.rule_id.as_bytes().as_slice())
            .bind(a.org.0.as_bytes().as_slice())
            .bind(json)
            .bind(micros(a.created_at))
            .execute(&mut *tx)
            .await;
            match result {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::conflict(format!("alert {}", a.id)));
                }
                Err(e) if is_foreign_key_violation(&e) => {
                    return Err(StoreError::not_found(format!("alert rule {}", a.rule_id)));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let appended = append_events_in(&mut tx, events, &data).await.map_err(StoreError::from);
        finish_write(tx, appended).await
    }

    async fn list_alerts(
        &self,
        org: Option<OrgId>,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<Alert>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or(Uuid::nil());
        let rows = match org {
            Some(org) => {
                sqlx::query("SELECT data FROM alerts WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?")
                    .bind(org.0.as_bytes().as_slice())
                    .bind(after.as_bytes().as_slice())
                    .bind(limit)
                    .fetch_all(&self.reader)
                    .await?
            }
            None => {
                sqlx::query("SELECT data FROM alerts WHERE id > ? ORDER BY id LIMIT ?")
                    .bind(after.as_bytes().as_slice())
                    .bind(limit)
                    .fetch_all(&self.reader)
                    .await?
            }
        };
        rows.iter()
            .map(|row| {
                serde_json::from_str(row.try_get(0)?).map_err(|e| StoreError::Corrupt(format!("alert: {e}")))
            })
            .collect()
    }

    // ----- hash lists -----

    async fn create_hash_set(&self, set: &HashSet) -> Result<(), StoreError> {
        check_hash_set(set)?;
        let result = sqlx::query(
            "INSERT INTO hash_sets (id, name, owner_org, category, source, description, tlp, audience, \
             created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(set.id.as_bytes().as_slice())
        .bind(set.name.as_str())
        .bind(set.owner.0.as_bytes().as_slice())
        .bind(set.category.as_str())
        .bind(set.source.as_str())
        .bind(set.description.as_str())
        .bind(set.tlp.as_str())
        .bind(audience_json(&set.audience))
        .bind(micros(set.created_at))
        .execute(&self.writer)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) && violates(&e, "hash_sets.name") => {
                Err(StoreError::conflict(format!("hash set name {:?}", set.name)))
            }
            Err(e) if is_unique_violation(&e) => Err(StoreError::conflict(format!("hash set {}", set.id))),
            Err(e) if is_foreign_key_violation(&e) => {
                Err(StoreError::not_found(format!("organization {}", set.owner)))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn update_hash_set(&self, set: &HashSet) -> Result<bool, StoreError> {
        check_hash_set(set)?;
        let result = sqlx::query(
            "UPDATE hash_sets SET name = ?, category = ?, source = ?, description = ?, tlp = ?, \
             audience = ? WHERE id = ?",
        )
        .bind(set.name.as_str())
        .bind(set.category.as_str())
        .bind(set.source.as_str())
        .bind(set.description.as_str())
        .bind(set.tlp.as_str())
        .bind(audience_json(&set.audience))
        .bind(set.id.as_bytes().as_slice())
        .execute(&self.writer)
        .await;
        match result {
            Ok(done) => Ok(done.rows_affected() == 1),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::conflict(format!("hash set name {:?}", set.name)))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn list_hash_sets(&self) -> Result<Vec<HashSet>, StoreError> {
        let rows = sqlx::query(concat!("SELECT ", hash_set_columns!(), " FROM hash_sets ORDER BY id"))
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(hash_set_from_row).collect()
    }

    async fn insert_hash_entries(&self, entries: &[HashEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let values = check_entries(entries)?;
        let mut tx = self.begin_write().await?;
        let mut rest: Vec<(&HashEntry, &Vec<u8>)> = entries.iter().zip(&values).collect();
        let mut rest = rest.as_mut_slice();
        let mut written = Ok(());
        while !rest.is_empty() {
            let (rows, sql) = INSERT_HASH_ENTRIES.step(rest.len());
            let (chunk, tail) = rest.split_at_mut(rows);
            let mut query = sqlx::query(sql);
            for (e, value) in chunk.iter() {
                query = query
                    .bind(e.id.as_bytes().as_slice())
                    .bind(e.set_id.as_bytes().as_slice())
                    .bind(e.kind.as_str())
                    .bind(value.as_slice())
                    .bind(e.quality.map(i64::from))
                    .bind(e.label.as_deref())
                    .bind(micros(e.added_at))
                    .bind(opt_micros(e.withdrawn_at));
            }
            if let Err(e) = query.execute(&mut *tx).await {
                written = Err(e);
                break;
            }
            rest = tail;
        }
        match written {
            Ok(()) => Ok(tx.commit().await?),
            Err(e) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = %rollback, "rollback of a failed hash entry batch failed");
                }
                if is_unique_violation(&e) {
                    Err(StoreError::conflict("an entry of the batch (same id, or same value in its set)"))
                } else if is_foreign_key_violation(&e) {
                    Err(StoreError::not_found("the hash set of an entry of the batch"))
                } else {
                    Err(e.into())
                }
            }
        }
    }

    async fn set_hash_entries_withdrawn(
        &self,
        ids: &[Uuid],
        at: Option<DateTime<Utc>>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut changed = 0;
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            let condition = if at.is_some() { "withdrawn_at IS NULL" } else { "withdrawn_at IS NOT NULL" };
            let sql = format!(
                "UPDATE hash_entries SET withdrawn_at = ? WHERE {condition} AND id IN ({})",
                placeholders(chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false).bind(opt_micros(at));
            for id in chunk {
                query = query.bind(id.as_bytes().as_slice());
            }
            changed += query.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn scan_hash_entries(
        &self,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<HashEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or(Uuid::nil());
        let rows = sqlx::query(concat!(
            "SELECT ",
            hash_entry_columns!(),
            " FROM hash_entries WHERE id > ? ORDER BY id LIMIT ?"
        ))
        .bind(after.as_bytes().as_slice())
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(hash_entry_from_row).collect()
    }

    async fn list_hash_entries(
        &self,
        set_id: Uuid,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<HashEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or(Uuid::nil());
        let rows = sqlx::query(concat!(
            "SELECT ",
            hash_entry_columns!(),
            " FROM hash_entries WHERE set_id = ? AND id > ? ORDER BY id LIMIT ?"
        ))
        .bind(set_id.as_bytes().as_slice())
        .bind(after.as_bytes().as_slice())
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(hash_entry_from_row).collect()
    }

    async fn get_hash_entries(&self, ids: &[Uuid]) -> Result<Vec<HashEntry>, StoreError> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            let sql = format!(
                concat!("SELECT ", hash_entry_columns!(), " FROM hash_entries WHERE id IN ({})"),
                placeholders(chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
            for id in chunk {
                query = query.bind(id.as_bytes().as_slice());
            }
            for row in query.fetch_all(&self.reader).await? {
                let e = hash_entry_from_row(&row)?;
                found.insert(e.id, e);
            }
        }
        Ok(in_requested_order(ids, found))
    }

    async fn insert_hash_sightings(
        &self,
        sightings: &[HashSighting],
        events: &[Event],
    ) -> Result<Vec<Event>, StoreError> {
        if sightings.is_empty() {
            return Ok(Vec::new());
        }
        let data = events_data(events)?;
        let mut tx = self.begin_write().await?;
        for s in sightings {
            let result = sqlx::query(
                "INSERT INTO hash_sightings (id, set_id, entry_id, org_id, distance, at) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(s.id.as_bytes().as_slice())
            .bind(s.set_id.as_bytes().as_slice())
            .bind(s.entry_id.as_bytes().as_slice())
            .bind(s.org.0.as_bytes().as_slice())
            .bind(i64::from(s.distance))
            .bind(micros(s.at))
            .execute(&mut *tx)
            .await;
            match result {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::conflict(format!("hash sighting {}", s.id)));
                }
                Err(e) if is_foreign_key_violation(&e) => {
                    return Err(StoreError::not_found(format!(
                        "hash entry {} of set {}",
                        s.entry_id, s.set_id
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let appended = append_events_in(&mut tx, events, &data).await.map_err(StoreError::from);
        finish_write(tx, appended).await
    }

    async fn append_events(&self, events: &[Event]) -> Result<Vec<Event>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let data = events_data(events)?;
        let mut tx = self.begin_write().await?;
        let appended = append_events_in(&mut tx, events, &data).await.map_err(StoreError::from);
        finish_write(tx, appended).await
    }

    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query("SELECT seq, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after)
            .bind(limit)
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(|row| event_from(row.try_get(0)?, row.try_get(1)?)).collect()
    }

    async fn last_event_seq(&self) -> Result<u64, StoreError> {
        let last: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&self.reader).await?;
        Ok(u64::try_from(last).unwrap_or(0))
    }

    async fn instance_key(&self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        sqlx::query("INSERT INTO instance_keys (name, key) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(fresh)
            .execute(&self.writer)
            .await?;
        Ok(sqlx::query_scalar("SELECT key FROM instance_keys WHERE name = ?")
            .bind(name)
            .fetch_one(&self.writer)
            .await?)
    }

    async fn instance_identity(
        &self,
        fresh: &model::federation::Instance,
    ) -> Result<model::federation::Instance, StoreError> {
        self.sqlite_instance_identity(fresh).await
    }

    async fn set_instance_name(&self, name: &str) -> Result<(), StoreError> {
        self.sqlite_set_instance_name(name).await
    }

    async fn set_org_peer(&self, org: OrgId, peer: bool) -> Result<bool, StoreError> {
        self.sqlite_set_org_peer(org, peer).await
    }

    async fn find_federated_report(
        &self,
        instance: Uuid,
        report_id: Uuid,
    ) -> Result<Option<Uuid>, StoreError> {
        self.sqlite_find_federated_report(instance, report_id).await
    }

    async fn create_peer(&self, peer: &crate::PeerRecord) -> Result<(), StoreError> {
        self.sqlite_create_peer(peer).await
    }

    async fn list_peers(&self) -> Result<Vec<crate::PeerRecord>, StoreError> {
        self.sqlite_list_peers().await
    }

    async fn delete_peer(&self, id: Uuid) -> Result<bool, StoreError> {
        self.sqlite_delete_peer(id).await
    }

    async fn set_peer_state(&self, id: Uuid, state: &crate::PeerState) -> Result<bool, StoreError> {
        self.sqlite_set_peer_state(id, state).await
    }

    async fn list_hash_sightings(
        &self,
        set_id: Uuid,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<HashSighting>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or(Uuid::nil());
        let rows = sqlx::query(
            "SELECT id, set_id, entry_id, org_id, distance, at FROM hash_sightings \
             WHERE set_id = ? AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(set_id.as_bytes().as_slice())
        .bind(after.as_bytes().as_slice())
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HashSighting {
                    id: uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?,
                    set_id: uuid_from_bytes(row.try_get::<&[u8], _>(1)?)?,
                    entry_id: uuid_from_bytes(row.try_get::<&[u8], _>(2)?)?,
                    org: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(3)?)?),
                    distance: u32::try_from(row.try_get::<i64, _>(4)?)
                        .map_err(|_| StoreError::Corrupt("negative sighting distance".into()))?,
                    at: from_micros(row.try_get(5)?)?,
                })
            })
            .collect()
    }

    // ----- STIX objects and TAXII resources -----

    async fn insert_stix_objects(
        &self,
        objects: &[StixObjectRecord],
    ) -> Result<Vec<Option<i64>>, StoreError> {
        self.sqlite_insert_stix_objects(objects).await
    }

    async fn list_stix_objects(&self, query: &StixObjectQuery) -> Result<Vec<StixObjectRecord>, StoreError> {
        self.sqlite_list_stix_objects(query).await
    }

    async fn delete_stix_objects(&self, seqs: &[i64]) -> Result<u64, StoreError> {
        self.sqlite_delete_stix_objects(seqs).await
    }

    async fn last_stix_date_added(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.sqlite_last_stix_date_added().await
    }

    async fn create_taxii_api_root(&self, root: &TaxiiApiRoot) -> Result<(), StoreError> {
        self.sqlite_create_taxii_api_root(root).await
    }

    async fn list_taxii_api_roots(&self) -> Result<Vec<TaxiiApiRoot>, StoreError> {
        self.sqlite_list_taxii_api_roots().await
    }

    async fn create_taxii_collection(&self, collection: &TaxiiCollectionRecord) -> Result<(), StoreError> {
        self.sqlite_create_taxii_collection(collection).await
    }

    async fn list_taxii_collections(&self) -> Result<Vec<TaxiiCollectionRecord>, StoreError> {
        self.sqlite_list_taxii_collections().await
    }

    async fn insert_taxii_status(&self, status: &TaxiiStatusRecord) -> Result<(), StoreError> {
        self.sqlite_insert_taxii_status(status).await
    }

    async fn get_taxii_status(&self, id: Uuid) -> Result<Option<TaxiiStatusRecord>, StoreError> {
        self.sqlite_get_taxii_status(id).await
    }

    async fn append_audit(
        &self,
        records: &[model::audit::AuditRecord],
    ) -> Result<Vec<model::audit::AuditEntry>, StoreError> {
        self.sqlite_append_audit(records).await
    }

    async fn audit_entries(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<model::audit::AuditEntry>, StoreError> {
        self.sqlite_audit_entries(after, limit).await
    }

    async fn audit_head(&self) -> Result<Option<(u64, [u8; 32])>, StoreError> {
        self.sqlite_audit_head().await
    }

    async fn list_audit(
        &self,
        query: &crate::audit::AuditQuery,
    ) -> Result<Vec<model::audit::AuditEntry>, StoreError> {
        self.sqlite_list_audit(query).await
    }

    async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        self.sqlite_integrity_check().await
    }
}
