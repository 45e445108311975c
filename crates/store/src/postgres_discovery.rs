//! The PostgreSQL backend's hit/no-hit tables (same semantics as SQLite's).

use chrono::{DateTime, Utc};
use model::ObservableKind;
use model::discovery::{AccessRequest, AccessRequestStatus};
use model::event::Event;
use model::org::OrgId;
use model::report::Audience;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{audience_json, check_text, events_data, from_micros, micros, parse_enum};
use crate::error::{is_foreign_key_violation, is_unique_violation};
use crate::postgres::PgStore;

macro_rules! request_columns {
    () => {
        "id, request_id, requester_org, requester_token, kind, value, owner_org, status, created_at, \
         decided_at, decided_by"
    };
}

fn trunc(t: DateTime<Utc>) -> DateTime<Utc> {
    from_micros(micros(t)).unwrap_or(t)
}

fn request_from_row(row: &PgRow) -> Result<AccessRequest, StoreError> {
    Ok(AccessRequest {
        id: row.try_get(0)?,
        request_id: row.try_get(1)?,
        requester: OrgId(row.try_get(2)?),
        requester_token: row.try_get(3)?,
        kind: parse_enum("observable kind", row.try_get(4)?)?,
        value: row.try_get(5)?,
        owner: OrgId(row.try_get(6)?),
        status: parse_enum("access request status", row.try_get(7)?)?,
        created_at: row.try_get(8)?,
        decided_at: row.try_get(9)?,
        decided_by: row.try_get(10)?,
    })
}

impl PgStore {
    pub(crate) async fn pg_set_report_discoverable(
        &self,
        id: Uuid,
        discoverable: Option<bool>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE reports SET discoverable = $1 WHERE id = $2")
            .bind(discoverable)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn pg_set_org_reports_discoverable(
        &self,
        org: OrgId,
        on: bool,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE organizations SET reports_discoverable = $1 WHERE id = $2")
            .bind(on)
            .bind(org.0)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn pg_list_discoverable_orgs(&self) -> Result<Vec<OrgId>, StoreError> {
        sqlx::query("SELECT id FROM organizations WHERE reports_discoverable ORDER BY id")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| Ok(OrgId(row.try_get(0)?)))
            .collect()
    }

    pub(crate) async fn pg_insert_access_requests(
        &self,
        requests: &[AccessRequest],
        events: &[Event],
    ) -> Result<Vec<Event>, StoreError> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        for r in requests {
            check_text(|| format!("value of access request {}", r.id), &r.value)?;
        }
        let data = events_data(events)?;
        let mut tx = self.pool().begin().await?;
        for r in requests {
            let result = sqlx::query(concat!(
                "INSERT INTO access_requests (",
                request_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ))
            .bind(r.id)
            .bind(r.request_id)
            .bind(r.requester.0)
            .bind(r.requester_token)
            .bind(r.kind.as_str())
            .bind(r.value.as_str())
            .bind(r.owner.0)
            .bind(r.status.as_str())
            .bind(trunc(r.created_at))
            .bind(r.decided_at.map(trunc))
            .bind(r.decided_by)
            .execute(&mut *tx)
            .await;
            let error = match result {
                Ok(_) => continue,
                Err(e) if is_unique_violation(&e) => StoreError::conflict(format!(
                    "access request {} (or a pending one for the same owner and selector)",
                    r.id
                )),
                Err(e) if is_foreign_key_violation(&e) => {
                    StoreError::not_found(format!("organization {}", r.requester))
                }
                Err(e) => e.into(),
            };
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rollback failed");
            }
            return Err(error);
        }
        let appended = crate::postgres::append_events_in(&mut tx, events, data).await?;
        tx.commit().await?;
        Ok(appended)
    }

    pub(crate) async fn pg_get_access_request(&self, id: Uuid) -> Result<Option<AccessRequest>, StoreError> {
        sqlx::query(concat!("SELECT ", request_columns!(), " FROM access_requests WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(request_from_row)
            .transpose()
    }

    pub(crate) async fn pg_list_access_requests_to(
        &self,
        owner: OrgId,
        status: Option<AccessRequestStatus>,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM access_requests WHERE owner_org = $1 AND id > $2 \
               AND ($3::text IS NULL OR status = $3) ORDER BY id LIMIT $4"
        ))
        .bind(owner.0)
        .bind(after.unwrap_or(Uuid::nil()))
        .bind(status.map(AccessRequestStatus::as_str))
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(request_from_row)
        .collect()
    }

    pub(crate) async fn pg_list_access_requests_from(
        &self,
        requester: OrgId,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM access_requests WHERE requester_org = $1 AND request_id IN \
               (SELECT DISTINCT request_id FROM access_requests \
                WHERE requester_org = $1 AND request_id > $2 ORDER BY request_id LIMIT $3) \
             ORDER BY request_id, id"
        ))
        .bind(requester.0)
        .bind(after.unwrap_or(Uuid::nil()))
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(request_from_row)
        .collect()
    }

    pub(crate) async fn pg_access_requests_for_selector(
        &self,
        requester: OrgId,
        kind: ObservableKind,
        value: &str,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM access_requests WHERE requester_org = $1 AND kind = $2 AND value = $3 ORDER BY id"
        ))
        .bind(requester.0)
        .bind(kind.as_str())
        .bind(value)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(request_from_row)
        .collect()
    }

    pub(crate) async fn pg_count_pending_access_requests_from(
        &self,
        requester: OrgId,
    ) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT request_id) FROM access_requests \
             WHERE requester_org = $1 AND status = 'pending'",
        )
        .bind(requester.0)
        .fetch_one(self.pool())
        .await?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("access request count {n}")))
    }

    pub(crate) async fn pg_decide_access_request(
        &self,
        id: Uuid,
        status: AccessRequestStatus,
        at: DateTime<Utc>,
        by: Option<Uuid>,
        audiences: &[(Uuid, Audience)],
        events: &[Event],
    ) -> Result<Option<Vec<Event>>, StoreError> {
        if status == AccessRequestStatus::Pending {
            return Err(StoreError::Invalid("an access request is decided granted or declined".into()));
        }
        let data = events_data(events)?;
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE access_requests SET status = $1, decided_at = $2, decided_by = $3 \
             WHERE id = $4 AND status = 'pending'",
        )
        .bind(status.as_str())
        .bind(trunc(at))
        .bind(by)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        for (report, audience) in audiences {
            let updated = sqlx::query("UPDATE reports SET audience = $1::jsonb WHERE id = $2")
                .bind(audience_json(audience))
                .bind(report)
                .execute(&mut *tx)
                .await?;
            if updated.rows_affected() != 1 {
                tx.rollback().await?;
                return Err(StoreError::not_found(format!("report {report}")));
            }
        }
        let appended = crate::postgres::append_events_in(&mut tx, events, data).await?;
        tx.commit().await?;
        Ok(Some(appended))
    }
}
