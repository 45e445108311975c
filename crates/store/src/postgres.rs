//! The PostgreSQL backend (cargo feature `postgres`).
//!
//! Same tables as the SQLite backend in native types (see `migrations/postgres`). Batches of
//! reports are written with one `INSERT … SELECT FROM UNNEST(…)` per table, one array per
//! column, so a batch of any size is two statements in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use model::alert::{Alert, AlertRule};
use model::campaign::HubMark;
use model::discovery::{AccessRequest, AccessRequestStatus};
use model::event::Event;
use model::hashlist::{HashEntry, HashKind, HashSet, HashSighting};
use model::org::{Community, CommunityId, OrgId, Organization};
use model::report::{Audience, Report, ReportObservable};
use model::scam::VictimPii;
use model::{ObservableKind, Tlp};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, Postgres, Row, Transaction};
use uuid::Uuid;

use crate::codec::{
    audience_json, check_batch, check_entries, check_hash_set, check_text, event_from, events_data,
    from_micros, hash_value_hex, in_requested_order, labels_json, micros, parse_enum, parse_role, pii_json,
    scam_json,
};
use crate::error::{is_foreign_key_violation, is_unique_violation, written};
use crate::taxii::{
    StixObjectQuery, StixObjectRecord, TaxiiApiRoot, TaxiiCollectionRecord, TaxiiStatusRecord,
};
use crate::{Store, StoreError, TokenRecord};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How many connections a [`PgStore`] opens at most.
const MAX_CONNECTIONS: u32 = 8;

/// The PostgreSQL implementation of [`Store`].
///
/// Cheap to clone: clones share the connection pool.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Connects to the database at `url` (`postgres://user@host:port/db`) and applies pending
    /// migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse()?;
        Self::connect_with(options).await
    }

    /// Connects with explicit options (e.g. a `search_path` that selects a schema) and
    /// applies pending migrations.
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options.disable_statement_logging())
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PgStore { pool })
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A time as stored: truncated to the microsecond, like every backend.
fn trunc(t: DateTime<Utc>) -> DateTime<Utc> {
    from_micros(micros(t)).unwrap_or(t)
}

fn opt_trunc(t: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    t.map(trunc)
}

/// The constraint a unique or foreign-key violation names, if any.
fn constraint(err: &sqlx::Error) -> Option<&str> {
    err.as_database_error().and_then(|e| e.constraint())
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn org_from_row(row: &PgRow) -> Result<Organization, StoreError> {
    Ok(Organization {
        peer: row.try_get(4)?,
        id: OrgId(row.try_get(0)?),
        name: row.try_get(1)?,
        operator: row.try_get(2)?,
        created_at: row.try_get(3)?,
    })
}

macro_rules! token_columns {
    () => {
        "id, org_id, role, label, hash, created_at, expires_at, revoked_at, last_used_at"
    };
}

fn token_from_row(row: &PgRow) -> Result<TokenRecord, StoreError> {
    let hash: Vec<u8> = row.try_get(4)?;
    Ok(TokenRecord {
        id: row.try_get(0)?,
        org: OrgId(row.try_get(1)?),
        role: parse_role(row.try_get::<&str, _>(2)?)?,
        label: row.try_get(3)?,
        hash: <[u8; 32]>::try_from(hash.as_slice())
            .map_err(|_| corrupt(format!("token hash of {} bytes", hash.len())))?,
        created_at: row.try_get(5)?,
        expires_at: row.try_get(6)?,
        revoked_at: row.try_get(7)?,
        last_used_at: row.try_get(8)?,
    })
}

macro_rules! report_columns {
    () => {
        "id, kind, title, narrative, tlp, author_org, audience::text, labels::text, created_at, \
         first_seen, last_seen, revoked_at, scam::text, discoverable, \
         (SELECT p.data::text FROM report_provenance p WHERE p.report_id = reports.id)"
    };
}

fn report_from_row(row: &PgRow) -> Result<Report, StoreError> {
    let id: Uuid = row.try_get(0)?;
    let bad = |what: &str, e: &dyn std::fmt::Display| corrupt(format!("report {id}: {what}: {e}"));
    let kind: &str = row.try_get(1)?;
    let tlp: &str = row.try_get(4)?;
    let audience: &str = row.try_get(6)?;
    let labels: &str = row.try_get(7)?;
    let scam: Option<&str> = row.try_get(12)?;
    let provenance: Option<&str> = row.try_get(14)?;
    Ok(Report {
        provenance: provenance.map(serde_json::from_str).transpose().map_err(|e| bad("provenance", &e))?,
        id,
        kind: kind.parse().map_err(|e: String| bad("kind", &e))?,
        title: row.try_get(2)?,
        narrative: row.try_get(3)?,
        tlp: Tlp::parse(tlp).map_err(|e| bad("tlp", &e))?,
        author: OrgId(row.try_get(5)?),
        audience: serde_json::from_str(audience).map_err(|e| bad("audience", &e))?,
        labels: serde_json::from_str(labels).map_err(|e| bad("labels", &e))?,
        created_at: row.try_get(8)?,
        first_seen: row.try_get(9)?,
        last_seen: row.try_get(10)?,
        observables: Vec::new(),
        revoked_at: row.try_get(11)?,
        scam: scam.map(serde_json::from_str).transpose().map_err(|e| bad("scam", &e))?,
        victim_pii: None,
        discoverable: row.try_get(13)?,
    })
}

/// Fills in the observables of `reports` (keyed by id) in one query.
async fn attach_observables<'c, E>(executor: E, reports: &mut HashMap<Uuid, Report>) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    if reports.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = reports.keys().copied().collect();
    let rows = sqlx::query(
        "SELECT report_id, kind, value, original, role FROM report_observables \
         WHERE report_id = ANY($1) ORDER BY report_id, position",
    )
    .bind(ids)
    .fetch_all(executor)
    .await?;
    for row in &rows {
        let report_id: Uuid = row.try_get(0)?;
        let kind: &str = row.try_get(1)?;
        let observable = ReportObservable {
            kind: kind.parse::<ObservableKind>().map_err(|e| corrupt(format!("report {report_id}: {e}")))?,
            value: row.try_get(2)?,
            original: row.try_get(3)?,
            role: row.try_get(4)?,
        };
        if let Some(report) = reports.get_mut(&report_id) {
            report.observables.push(observable);
        }
    }
    Ok(())
}

async fn insert_batch(
    tx: &mut Transaction<'static, Postgres>,
    reports: &[Report],
) -> Result<(), sqlx::Error> {
    let n = reports.len();
    let mut ids = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut titles = Vec::with_capacity(n);
    let mut narratives = Vec::with_capacity(n);
    let mut tlps = Vec::with_capacity(n);
    let mut authors = Vec::with_capacity(n);
    let mut audiences = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    let mut created = Vec::with_capacity(n);
    let mut first_seen = Vec::with_capacity(n);
    let mut last_seen = Vec::with_capacity(n);
    let mut revoked = Vec::with_capacity(n);
    let mut scams = Vec::with_capacity(n);
    let mut discoverable = Vec::with_capacity(n);
    for r in reports {
        discoverable.push(r.discoverable);
        scams.push(scam_json(r));
        ids.push(r.id);
        kinds.push(r.kind.as_str());
        titles.push(r.title.as_str());
        narratives.push(r.narrative.as_str());
        tlps.push(r.tlp.as_str());
        authors.push(r.author.0);
        audiences.push(audience_json(&r.audience));
        labels.push(labels_json(&r.labels));
        created.push(trunc(r.created_at));
        first_seen.push(opt_trunc(r.first_seen));
        last_seen.push(opt_trunc(r.last_seen));
        revoked.push(opt_trunc(r.revoked_at));
    }
    sqlx::query(
        "INSERT INTO reports (id, kind, title, narrative, tlp, author_org, audience, labels, created_at, \
                              first_seen, last_seen, revoked_at, scam, discoverable) \
         SELECT id, kind, title, narrative, tlp, author_org, audience::jsonb, labels::jsonb, created_at, \
                first_seen, last_seen, revoked_at, scam::jsonb, discoverable \
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[], \
                     $8::text[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], \
                     $12::timestamptz[], $13::text[], $14::bool[]) \
              AS t (id, kind, title, narrative, tlp, author_org, audience, labels, created_at, first_seen, \
                    last_seen, revoked_at, scam, discoverable)",
    )
    .bind(ids)
    .bind(kinds)
    .bind(titles)
    .bind(narratives)
    .bind(tlps)
    .bind(authors)
    .bind(audiences)
    .bind(labels)
    .bind(created)
    .bind(first_seen)
    .bind(last_seen)
    .bind(revoked)
    .bind(scams)
    .bind(discoverable)
    .execute(&mut **tx)
    .await?;

    let (pii_ids, pii_data): (Vec<Uuid>, Vec<String>) =
        reports.iter().filter_map(|r| pii_json(r).map(|d| (r.id, d))).unzip();
    if !pii_ids.is_empty() {
        sqlx::query(
            "INSERT INTO victim_pii (report_id, data) SELECT id, data::jsonb FROM UNNEST($1::uuid[], $2::text[]) AS t (id, data)",
        )
        .bind(pii_ids)
        .bind(pii_data)
        .execute(&mut **tx)
        .await?;
    }

    crate::postgres_federation::insert_provenance_rows(tx, reports).await?;

    let m: usize = reports.iter().map(|r| r.observables.len()).sum();
    if m == 0 {
        return Ok(());
    }
    let mut report_ids = Vec::with_capacity(m);
    let mut positions = Vec::with_capacity(m);
    let mut kinds = Vec::with_capacity(m);
    let mut values = Vec::with_capacity(m);
    let mut originals = Vec::with_capacity(m);
    let mut roles = Vec::with_capacity(m);
    for r in reports {
        for (i, o) in r.observables.iter().enumerate() {
            report_ids.push(r.id);
            positions.push(i32::try_from(i).unwrap_or(i32::MAX));
            kinds.push(o.kind.as_str());
            values.push(o.value.as_str());
            originals.push(o.original.as_deref());
            roles.push(o.role.as_deref());
        }
    }
    sqlx::query(
        "INSERT INTO report_observables (report_id, position, kind, value, original, role) \
         SELECT * FROM UNNEST($1::uuid[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::text[])",
    )
    .bind(report_ids)
    .bind(positions)
    .bind(kinds)
    .bind(values)
    .bind(originals)
    .bind(roles)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The key of the transaction-level advisory lock every event append takes (`b"dragnet\0ev"`).
const EVENTS_LOCK: i64 = 0x6472_6167_6e65_7476;

/// Appends events (their JSON already checked, `data[i]` for `events[i]`) at the end of a write
/// transaction. It first takes the events' advisory lock, held until the transaction ends, so
/// appends are serialised: the transaction that takes `seq` N commits (or rolls back, and N is
/// taken again) before another can read the largest `seq`. Hence `seq` order is commit order
/// and there are no gaps. Callers append last, so the lock is held only for the commit.
pub(crate) async fn append_events_in(
    tx: &mut Transaction<'static, Postgres>,
    events: &[Event],
    data: Vec<String>,
) -> Result<Vec<Event>, sqlx::Error> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(EVENTS_LOCK).execute(&mut **tx).await?;
    // A new statement, a new snapshot (READ COMMITTED): it sees every append committed before
    // the lock was granted.
    let last: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut **tx).await?;
    let mut out: Vec<Event> = events.to_vec();
    for (i, e) in out.iter_mut().enumerate() {
        e.seq = (last + 1 + i as i64) as u64;
    }
    sqlx::query(
        "INSERT INTO events (seq, at, type, data) \
         SELECT seq, at, type, data::jsonb \
         FROM UNNEST($1::int8[], $2::timestamptz[], $3::text[], $4::text[]) AS t (seq, at, type, data)",
    )
    .bind(out.iter().map(|e| e.seq as i64).collect::<Vec<_>>())
    .bind(out.iter().map(|e| trunc(e.at)).collect::<Vec<_>>())
    .bind(out.iter().map(|e| e.event_type().as_str()).collect::<Vec<_>>())
    .bind(data)
    .execute(&mut **tx)
    .await?;
    Ok(out)
}

/// Checks every member exists, then inserts the (deduplicated) members of `community`.
/// Commits `tx` when `result` is a success, rolls it back otherwise — now, not when the
/// connection is next used: a dropped transaction would keep its locks until then.
async fn finish<T>(
    tx: Transaction<'static, Postgres>,
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

async fn create_community_in(
    tx: &mut Transaction<'static, Postgres>,
    community: &Community,
) -> Result<(), StoreError> {
    let inserted = sqlx::query("INSERT INTO communities (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(community.id.0)
        .bind(community.name.as_str())
        .bind(trunc(community.created_at))
        .execute(&mut **tx)
        .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) && constraint(&e) == Some("communities_name_key") => {
            return Err(StoreError::conflict(format!("community named {:?}", community.name)));
        }
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::conflict(format!("community {}", community.id)));
        }
        Err(e) => return Err(e.into()),
    }
    insert_members(tx, community.id, &community.members).await
}

async fn set_members_in(
    tx: &mut Transaction<'static, Postgres>,
    id: CommunityId,
    members: &[OrgId],
) -> Result<(), StoreError> {
    let exists = sqlx::query("SELECT 1 FROM communities WHERE id = $1 FOR UPDATE")
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
    if !exists {
        return Err(StoreError::not_found(format!("community {id}")));
    }
    sqlx::query("DELETE FROM community_members WHERE community_id = $1")
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    insert_members(tx, id, members).await
}

async fn insert_members(
    tx: &mut Transaction<'static, Postgres>,
    community: CommunityId,
    members: &[OrgId],
) -> Result<(), StoreError> {
    let mut members: Vec<Uuid> = members.iter().map(|m| m.0).collect();
    members.sort_unstable();
    members.dedup();
    if members.is_empty() {
        return Ok(());
    }
    let known: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM organizations WHERE id = ANY($1)")
        .bind(&members)
        .fetch_all(&mut **tx)
        .await?;
    if let Some(missing) = members.iter().find(|m| !known.contains(m)) {
        return Err(StoreError::not_found(format!("organization {missing}")));
    }
    sqlx::query("INSERT INTO community_members (community_id, org_id) SELECT $1, UNNEST($2::uuid[])")
        .bind(community.0)
        .bind(&members)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl Store for PgStore {
    async fn create_org(&self, org: &Organization) -> Result<(), StoreError> {
        check_text(|| String::from("organization name"), &org.name)?;
        let result = sqlx::query(
            "INSERT INTO organizations (id, name, operator, created_at, peer) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(org.id.0)
        .bind(org.name.as_str())
        .bind(org.operator)
        .bind(trunc(org.created_at))
        .bind(org.peer)
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) && constraint(&e) == Some("organizations_name_key") => {
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
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(org_from_row)
            .collect()
    }

    async fn create_community(&self, community: &Community) -> Result<(), StoreError> {
        check_text(|| String::from("community name"), &community.name)?;
        let mut tx = self.pool.begin().await?;
        let result = create_community_in(&mut tx, community).await;
        finish(tx, result).await
    }

    async fn set_community_members(&self, id: CommunityId, members: &[OrgId]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let result = set_members_in(&mut tx, id, members).await;
        finish(tx, result).await
    }

    async fn list_communities(&self) -> Result<Vec<Community>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.created_at, \
                    COALESCE(ARRAY(SELECT m.org_id FROM community_members m \
                                   WHERE m.community_id = c.id ORDER BY m.org_id), '{}') \
             FROM communities c ORDER BY c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let members: Vec<Uuid> = row.try_get(3)?;
                Ok(Community {
                    id: CommunityId(row.try_get(0)?),
                    name: row.try_get(1)?,
                    members: members.into_iter().map(OrgId).collect(),
                    created_at: row.try_get(2)?,
                })
            })
            .collect()
    }

    async fn create_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        check_text(|| String::from("token label"), &token.label)?;
        let result = sqlx::query(concat!(
            "INSERT INTO tokens (",
            token_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(token.id)
        .bind(token.org.0)
        .bind(token.role.as_str())
        .bind(token.label.as_str())
        .bind(token.hash.as_slice())
        .bind(trunc(token.created_at))
        .bind(opt_trunc(token.expires_at))
        .bind(opt_trunc(token.revoked_at))
        .bind(opt_trunc(token.last_used_at))
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) && constraint(&e) == Some("tokens_hash_key") => {
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
        sqlx::query(concat!("SELECT ", token_columns!(), " FROM tokens WHERE hash = $1"))
            .bind(hash.as_slice())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(token_from_row)
            .transpose()
    }

    async fn list_tokens(&self, org: Option<OrgId>) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = match org {
            Some(org) => {
                sqlx::query(concat!(
                    "SELECT ",
                    token_columns!(),
                    " FROM tokens WHERE org_id = $1 ORDER BY id"
                ))
                .bind(org.0)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(concat!("SELECT ", token_columns!(), " FROM tokens ORDER BY id"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_token(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(trunc(at))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn touch_token(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
            .bind(trunc(at))
            .bind(id)
            .execute(&self.pool)
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
        let mut tx = self.pool.begin().await?;
        let written = match insert_batch(&mut tx, reports).await {
            Ok(()) => match append_events_in(&mut tx, events, data).await {
                Ok(appended) => {
                    crate::postgres_audit::append_audit_in(&mut tx, audit).await.map(|_| appended)
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match written {
            Ok(appended) => {
                tx.commit().await?;
                Ok(appended)
            }
            Err(e) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = %rollback, "rollback of a failed report batch failed");
                }
                if !is_unique_violation(&e) {
                    return Err(e.into());
                }
                let ids: Vec<Uuid> = reports.iter().map(|r| r.id).collect();
                let stored: Option<Uuid> =
                    sqlx::query_scalar("SELECT id FROM reports WHERE id = ANY($1) ORDER BY id LIMIT 1")
                        .bind(ids)
                        .fetch_optional(&self.pool)
                        .await?;
                Err(StoreError::conflict(match stored {
                    Some(id) => format!("report {id}"),
                    None => String::from("a report of the batch"),
                }))
            }
        }
    }

    async fn get_reports(&self, ids: &[Uuid]) -> Result<Vec<Report>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut unique = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(concat!("SELECT ", report_columns!(), " FROM reports WHERE id = ANY($1)"))
            .bind(unique)
            .fetch_all(&mut *tx)
            .await?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            let report = report_from_row(row)?;
            found.insert(report.id, report);
        }
        attach_observables(&mut *tx, &mut found).await?;
        tx.commit().await?;
        Ok(in_requested_order(ids, found))
    }

    async fn revoke_report(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        events: &[Event],
    ) -> Result<Option<Vec<Event>>, StoreError> {
        let data = events_data(events)?;
        let mut tx = self.pool.begin().await?;
        let result: Result<Option<Vec<Event>>, StoreError> = async {
            let done = sqlx::query("UPDATE reports SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(trunc(at))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Ok(None);
            }
            Ok(Some(append_events_in(&mut tx, events, data).await?))
        }
        .await;
        finish(tx, result).await
    }

    async fn scan_reports(&self, after: Option<Uuid>, limit: usize) -> Result<Vec<Report>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin().await?;
        let rows = match after {
            Some(after) => {
                sqlx::query(concat!(
                    "SELECT ",
                    report_columns!(),
                    " FROM reports WHERE id > $1 ORDER BY id LIMIT $2"
                ))
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?
            }
            None => {
                sqlx::query(concat!("SELECT ", report_columns!(), " FROM reports ORDER BY id LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?
            }
        };
        let mut order = Vec::with_capacity(rows.len());
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            let report = report_from_row(row)?;
            order.push(report.id);
            found.insert(report.id, report);
        }
        attach_observables(&mut *tx, &mut found).await?;
        tx.commit().await?;
        Ok(in_requested_order(&order, found))
    }

    async fn count_reports(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports").fetch_one(&self.pool).await?;
        u64::try_from(n).map_err(|_| corrupt(format!("report count {n}")))
    }

    async fn get_victim_pii(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, VictimPii)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query("SELECT report_id, data::text FROM victim_pii WHERE report_id = ANY($1)")
            .bind(ids)
            .fetch_all(&self.pool)
            .await?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            let id: Uuid = row.try_get(0)?;
            let data: &str = row.try_get(1)?;
            let pii: VictimPii = serde_json::from_str(data)
                .map_err(|e| corrupt(format!("victim data of report {id}: {e}")))?;
            found.insert(id, (id, pii));
        }
        Ok(in_requested_order(ids, found))
    }

    // ----- hub marks -----

    async fn set_hub_mark(&self, mark: &HubMark) -> Result<(), StoreError> {
        check_text(|| "hub mark value".to_string(), &mark.value)?;
        check_text(|| "hub mark reason".to_string(), &mark.reason)?;
        sqlx::query(
            "INSERT INTO hub_marks (kind, value, reason, marked_by, marked_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (kind, value) DO UPDATE SET reason = excluded.reason, marked_by = excluded.marked_by, \
             marked_at = excluded.marked_at",
        )
        .bind(mark.kind.as_str())
        .bind(mark.value.as_str())
        .bind(mark.reason.as_str())
        .bind(mark.marked_by.0)
        .bind(trunc(mark.marked_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_hub_mark(&self, kind: ObservableKind, value: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM hub_marks WHERE kind = $1 AND value = $2")
            .bind(kind.as_str())
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_hub_marks(&self) -> Result<Vec<HubMark>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, value, reason, marked_by, marked_at FROM hub_marks ORDER BY kind, value",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HubMark {
                    kind: parse_enum("observable kind", row.try_get(0)?)?,
                    value: row.try_get(1)?,
                    reason: row.try_get(2)?,
                    marked_by: OrgId(row.try_get(3)?),
                    marked_at: row.try_get(4)?,
                })
            })
            .collect()
    }

    // ----- alerts -----

    async fn set_report_discoverable(
        &self,
        id: Uuid,
        discoverable: Option<bool>,
    ) -> Result<bool, StoreError> {
        self.pg_set_report_discoverable(id, discoverable).await
    }

    async fn set_org_reports_discoverable(&self, org: OrgId, on: bool) -> Result<bool, StoreError> {
        self.pg_set_org_reports_discoverable(org, on).await
    }

    async fn list_discoverable_orgs(&self) -> Result<Vec<OrgId>, StoreError> {
        self.pg_list_discoverable_orgs().await
    }

    async fn insert_access_requests(
        &self,
        requests: &[AccessRequest],
        events: &[Event],
    ) -> Result<Vec<Event>, StoreError> {
        self.pg_insert_access_requests(requests, events).await
    }

    async fn get_access_request(&self, id: Uuid) -> Result<Option<AccessRequest>, StoreError> {
        self.pg_get_access_request(id).await
    }

    async fn list_access_requests_to(
        &self,
        owner: OrgId,
        status: Option<AccessRequestStatus>,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        self.pg_list_access_requests_to(owner, status, after, limit).await
    }

    async fn list_access_requests_from(
        &self,
        requester: OrgId,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        self.pg_list_access_requests_from(requester, after, limit).await
    }

    async fn access_requests_for_selector(
        &self,
        requester: OrgId,
        kind: ObservableKind,
        value: &str,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        self.pg_access_requests_for_selector(requester, kind, value).await
    }

    async fn count_pending_access_requests_from(&self, requester: OrgId) -> Result<u64, StoreError> {
        self.pg_count_pending_access_requests_from(requester).await
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
        self.pg_decide_access_request(id, status, at, by, audiences, events).await
    }

    async fn create_alert_rule(&self, rule: &AlertRule) -> Result<(), StoreError> {
        check_text(|| format!("name of alert rule {}", rule.id), &rule.name)?;
        let json = serde_json::to_string(&rule.rule).map_err(|e| StoreError::Invalid(e.to_string()))?;
        check_text(|| format!("alert rule {}", rule.id), &json)?;
        let result = sqlx::query(
            "INSERT INTO alert_rules (id, org_id, name, rule, created_at) VALUES ($1, $2, $3, $4::jsonb, $5)",
        )
        .bind(rule.id)
        .bind(rule.org.0)
        .bind(rule.name.as_str())
        .bind(json)
        .bind(trunc(rule.created_at))
        .execute(&self.pool)
        .await;
        written(result, || format!("alert rule {}", rule.id), || format!("organization {}", rule.org))
    }

    async fn list_alert_rules(&self) -> Result<Vec<AlertRule>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, org_id, name, rule::text, created_at FROM alert_rules WHERE deleted_at IS NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: Uuid = row.try_get(0)?;
                Ok(AlertRule {
                    id,
                    org: OrgId(row.try_get(1)?),
                    name: row.try_get(2)?,
                    rule: serde_json::from_str(row.try_get(3)?)
                        .map_err(|e| corrupt(format!("alert rule {id}: {e}")))?,
                    created_at: row.try_get(4)?,
                })
            })
            .collect()
    }

    async fn delete_alert_rule(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE alert_rules SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(trunc(at))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_alerts(&self, alerts: &[Alert], events: &[Event]) -> Result<Vec<Event>, StoreError> {
        if alerts.is_empty() {
            return Ok(Vec::new());
        }
        let events_json = events_data(events)?;
        let mut data = Vec::with_capacity(alerts.len());
        for a in alerts {
            let json = serde_json::to_string(a).map_err(|e| StoreError::Invalid(e.to_string()))?;
            check_text(|| format!("alert {}", a.id), &json)?;
            data.push(json);
        }
        let mut tx = self.pool.begin().await?;
        let result = sqlx::query(
            "INSERT INTO alerts (id, rule_id, org_id, data, created_at) \
             SELECT id, rule_id, org_id, data::jsonb, created_at \
             FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[]) \
                  AS t (id, rule_id, org_id, data, created_at)",
        )
        .bind(alerts.iter().map(|a| a.id).collect::<Vec<_>>())
        .bind(alerts.iter().map(|a| a.rule_id).collect::<Vec<_>>())
        .bind(alerts.iter().map(|a| a.org.0).collect::<Vec<_>>())
        .bind(data)
        .bind(alerts.iter().map(|a| trunc(a.created_at)).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await;
        let result = match written(result, || "an alert of the batch", || "the rule of an alert of the batch")
        {
            Ok(()) => append_events_in(&mut tx, events, events_json).await.map_err(StoreError::from),
            Err(e) => Err(e),
        };
        finish(tx, result).await
    }

    async fn list_alerts(
        &self,
        org: Option<OrgId>,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<Alert>, StoreError> {
        let rows = sqlx::query(
            "SELECT data::text FROM alerts WHERE ($1::uuid IS NULL OR org_id = $1) AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(org.map(|o| o.0))
        .bind(after.unwrap_or(Uuid::nil()))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| serde_json::from_str(row.try_get(0)?).map_err(|e| corrupt(format!("alert: {e}"))))
            .collect()
    }

    // ----- hash lists -----

    async fn create_hash_set(&self, set: &HashSet) -> Result<(), StoreError> {
        check_hash_set(set)?;
        let result = sqlx::query(
            "INSERT INTO hash_sets (id, name, owner_org, category, source, description, tlp, audience, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)",
        )
        .bind(set.id)
        .bind(set.name.as_str())
        .bind(set.owner.0)
        .bind(set.category.as_str())
        .bind(set.source.as_str())
        .bind(set.description.as_str())
        .bind(set.tlp.as_str())
        .bind(audience_json(&set.audience))
        .bind(trunc(set.created_at))
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) && constraint(&e) == Some("hash_sets_owner_name_key") => {
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
            "UPDATE hash_sets SET name = $1, category = $2, source = $3, description = $4, tlp = $5, \
             audience = $6::jsonb WHERE id = $7",
        )
        .bind(set.name.as_str())
        .bind(set.category.as_str())
        .bind(set.source.as_str())
        .bind(set.description.as_str())
        .bind(set.tlp.as_str())
        .bind(audience_json(&set.audience))
        .bind(set.id)
        .execute(&self.pool)
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
        let rows = sqlx::query(
            "SELECT id, name, owner_org, category, source, description, tlp, audience::text, created_at \
             FROM hash_sets ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let audience: &str = row.try_get(7)?;
                Ok(HashSet {
                    id: row.try_get(0)?,
                    name: row.try_get(1)?,
                    owner: OrgId(row.try_get(2)?),
                    category: parse_enum("hash category", row.try_get(3)?)?,
                    source: row.try_get(4)?,
                    description: row.try_get(5)?,
                    tlp: parse_enum("tlp", row.try_get(6)?)?,
                    audience: serde_json::from_str(audience)
                        .map_err(|e| corrupt(format!("hash set audience: {e}")))?,
                    created_at: row.try_get(8)?,
                })
            })
            .collect()
    }

    async fn insert_hash_entries(&self, entries: &[HashEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let values = check_entries(entries)?;
        let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
        let sets: Vec<Uuid> = entries.iter().map(|e| e.set_id).collect();
        let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
        let qualities: Vec<Option<i16>> = entries.iter().map(|e| e.quality.map(i16::from)).collect();
        let labels: Vec<Option<&str>> = entries.iter().map(|e| e.label.as_deref()).collect();
        let added: Vec<DateTime<Utc>> = entries.iter().map(|e| trunc(e.added_at)).collect();
        let withdrawn: Vec<Option<DateTime<Utc>>> =
            entries.iter().map(|e| opt_trunc(e.withdrawn_at)).collect();
        let result = sqlx::query(
            "INSERT INTO hash_entries (id, set_id, kind, value, quality, label, added_at, withdrawn_at) \
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::bytea[], $5::int2[], $6::text[], \
                                  $7::timestamptz[], $8::timestamptz[])",
        )
        .bind(ids)
        .bind(sets)
        .bind(kinds)
        .bind(values)
        .bind(qualities)
        .bind(labels)
        .bind(added)
        .bind(withdrawn)
        .execute(&self.pool)
        .await;
        written(
            result,
            || "an entry of the batch (same id, or same value in its set)",
            || "the hash set of an entry of the batch",
        )
    }

    async fn set_hash_entries_withdrawn(
        &self,
        ids: &[Uuid],
        at: Option<DateTime<Utc>>,
    ) -> Result<u64, StoreError> {
        let sql = if at.is_some() {
            "UPDATE hash_entries SET withdrawn_at = $1 WHERE withdrawn_at IS NULL AND id = ANY($2)"
        } else {
            "UPDATE hash_entries SET withdrawn_at = $1 WHERE withdrawn_at IS NOT NULL AND id = ANY($2)"
        };
        let done = sqlx::query(sql).bind(opt_trunc(at)).bind(ids).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    async fn scan_hash_entries(
        &self,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<HashEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, set_id, kind, value, quality, label, added_at, withdrawn_at FROM hash_entries \
             WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after.unwrap_or(Uuid::nil()))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(hash_entry_from_row).collect()
    }

    async fn list_hash_entries(
        &self,
        set_id: Uuid,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<HashEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, set_id, kind, value, quality, label, added_at, withdrawn_at FROM hash_entries \
             WHERE set_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(set_id)
        .bind(after.unwrap_or(Uuid::nil()))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(hash_entry_from_row).collect()
    }

    async fn get_hash_entries(&self, ids: &[Uuid]) -> Result<Vec<HashEntry>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT id, set_id, kind, value, quality, label, added_at, withdrawn_at FROM hash_entries \
             WHERE id = ANY($1)",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            let e = hash_entry_from_row(row)?;
            found.insert(e.id, e);
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
        let events_json = events_data(events)?;
        let ids: Vec<Uuid> = sightings.iter().map(|s| s.id).collect();
        let sets: Vec<Uuid> = sightings.iter().map(|s| s.set_id).collect();
        let entries: Vec<Uuid> = sightings.iter().map(|s| s.entry_id).collect();
        let orgs: Vec<Uuid> = sightings.iter().map(|s| s.org.0).collect();
        let distances: Vec<i32> =
            sightings.iter().map(|s| i32::try_from(s.distance).unwrap_or(i32::MAX)).collect();
        let at: Vec<DateTime<Utc>> = sightings.iter().map(|s| trunc(s.at)).collect();
        let mut tx = self.pool.begin().await?;
        let result = sqlx::query(
            "INSERT INTO hash_sightings (id, set_id, entry_id, org_id, distance, at) \
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::int4[], $6::timestamptz[])",
        )
        .bind(ids)
        .bind(sets)
        .bind(entries)
        .bind(orgs)
        .bind(distances)
        .bind(at)
        .execute(&mut *tx)
        .await;
        let result =
            match written(result, || "a sighting of the batch", || "the hash set or entry of a sighting") {
                Ok(()) => append_events_in(&mut tx, events, events_json).await.map_err(StoreError::from),
                Err(e) => Err(e),
            };
        finish(tx, result).await
    }

    async fn append_events(&self, events: &[Event]) -> Result<Vec<Event>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let data = events_data(events)?;
        let mut tx = self.pool.begin().await?;
        let result = append_events_in(&mut tx, events, data).await.map_err(StoreError::from);
        finish(tx, result).await
    }

    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query("SELECT seq, data::text FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(i64::try_from(after).unwrap_or(i64::MAX))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| event_from(row.try_get(0)?, row.try_get(1)?)).collect()
    }

    async fn last_event_seq(&self) -> Result<u64, StoreError> {
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0)::int8 FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(last).unwrap_or(0))
    }

    async fn instance_identity(
        &self,
        fresh: &model::federation::Instance,
    ) -> Result<model::federation::Instance, StoreError> {
        self.pg_instance_identity(fresh).await
    }

    async fn set_instance_name(&self, name: &str) -> Result<(), StoreError> {
        self.pg_set_instance_name(name).await
    }

    async fn set_org_peer(&self, org: OrgId, peer: bool) -> Result<bool, StoreError> {
        self.pg_set_org_peer(org, peer).await
    }

    async fn find_federated_report(
        &self,
        instance: Uuid,
        report_id: Uuid,
    ) -> Result<Option<Uuid>, StoreError> {
        self.pg_find_federated_report(instance, report_id).await
    }

    async fn create_peer(&self, peer: &crate::PeerRecord) -> Result<(), StoreError> {
        self.pg_create_peer(peer).await
    }

    async fn list_peers(&self) -> Result<Vec<crate::PeerRecord>, StoreError> {
        self.pg_list_peers().await
    }

    async fn delete_peer(&self, id: Uuid) -> Result<bool, StoreError> {
        self.pg_delete_peer(id).await
    }

    async fn set_peer_state(&self, id: Uuid, state: &crate::PeerState) -> Result<bool, StoreError> {
        self.pg_set_peer_state(id, state).await
    }

    async fn instance_key(&self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        sqlx::query("INSERT INTO instance_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(fresh)
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar("SELECT key FROM instance_keys WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn list_hash_sightings(
        &self,
        set_id: Uuid,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<HashSighting>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, set_id, entry_id, org_id, distance, at FROM hash_sightings \
             WHERE set_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(set_id)
        .bind(after.unwrap_or(Uuid::nil()))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HashSighting {
                    id: row.try_get(0)?,
                    set_id: row.try_get(1)?,
                    entry_id: row.try_get(2)?,
                    org: OrgId(row.try_get(3)?),
                    distance: u32::try_from(row.try_get::<i32, _>(4)?)
                        .map_err(|_| corrupt("negative sighting distance"))?,
                    at: row.try_get(5)?,
                })
            })
            .collect()
    }

    // ----- STIX objects and TAXII resources -----

    async fn insert_stix_objects(
        &self,
        objects: &[StixObjectRecord],
    ) -> Result<Vec<Option<i64>>, StoreError> {
        self.pg_insert_stix_objects(objects).await
    }

    async fn list_stix_objects(&self, query: &StixObjectQuery) -> Result<Vec<StixObjectRecord>, StoreError> {
        self.pg_list_stix_objects(query).await
    }

    async fn delete_stix_objects(&self, seqs: &[i64]) -> Result<u64, StoreError> {
        self.pg_delete_stix_objects(seqs).await
    }

    async fn last_stix_date_added(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.pg_last_stix_date_added().await
    }

    async fn create_taxii_api_root(&self, root: &TaxiiApiRoot) -> Result<(), StoreError> {
        self.pg_create_taxii_api_root(root).await
    }

    async fn list_taxii_api_roots(&self) -> Result<Vec<TaxiiApiRoot>, StoreError> {
        self.pg_list_taxii_api_roots().await
    }

    async fn create_taxii_collection(&self, collection: &TaxiiCollectionRecord) -> Result<(), StoreError> {
        self.pg_create_taxii_collection(collection).await
    }

    async fn list_taxii_collections(&self) -> Result<Vec<TaxiiCollectionRecord>, StoreError> {
        self.pg_list_taxii_collections().await
    }

    async fn insert_taxii_status(&self, status: &TaxiiStatusRecord) -> Result<(), StoreError> {
        self.pg_insert_taxii_status(status).await
    }

    async fn get_taxii_status(&self, id: Uuid) -> Result<Option<TaxiiStatusRecord>, StoreError> {
        self.pg_get_taxii_status(id).await
    }

    async fn append_audit(
        &self,
        records: &[model::audit::AuditRecord],
    ) -> Result<Vec<model::audit::AuditEntry>, StoreError> {
        self.pg_append_audit(records).await
    }

    async fn audit_entries(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<model::audit::AuditEntry>, StoreError> {
        self.pg_audit_entries(after, limit).await
    }

    async fn audit_head(&self) -> Result<Option<(u64, [u8; 32])>, StoreError> {
        self.pg_audit_head().await
    }

    async fn list_audit(
        &self,
        query: &crate::audit::AuditQuery,
    ) -> Result<Vec<model::audit::AuditEntry>, StoreError> {
        self.pg_list_audit(query).await
    }

    async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        self.pg_integrity_check().await
    }
}

fn hash_entry_from_row(row: &PgRow) -> Result<HashEntry, StoreError> {
    let kind: HashKind = parse_enum("hash kind", row.try_get(2)?)?;
    let quality: Option<i16> = row.try_get(4)?;
    Ok(HashEntry {
        id: row.try_get(0)?,
        set_id: row.try_get(1)?,
        kind,
        value: hash_value_hex(kind, row.try_get::<&[u8], _>(3)?)?,
        quality: quality.map(|q| u8::try_from(q).map_err(|_| corrupt(format!("quality {q}")))).transpose()?,
        label: row.try_get(5)?,
        added_at: row.try_get(6)?,
        withdrawn_at: row.try_get(7)?,
    })
}
