//! The SQLite backend's hit/no-hit tables: discoverable flags and access requests.

use chrono::{DateTime, Utc};
use model::ObservableKind;
use model::discovery::{AccessRequest, AccessRequestStatus};
use model::event::Event;
use model::org::OrgId;
use model::report::Audience;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{
    audience_json, check_text, events_data, from_micros, micros, opt_from_micros, opt_micros, parse_enum,
    uuid_from_bytes,
};
use crate::error::{is_foreign_key_violation, is_unique_violation};
use crate::sqlite::SqliteStore;

macro_rules! request_columns {
    () => {
        "id, request_id, requester_org, requester_token, kind, value, owner_org, status, created_at, \
         decided_at, decided_by"
    };
}

fn opt_uuid(bytes: Option<&[u8]>) -> Result<Option<Uuid>, StoreError> {
    bytes.map(uuid_from_bytes).transpose()
}

fn request_from_row(row: &SqliteRow) -> Result<AccessRequest, StoreError> {
    Ok(AccessRequest {
        id: uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?,
        request_id: uuid_from_bytes(row.try_get::<&[u8], _>(1)?)?,
        requester: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(2)?)?),
        requester_token: opt_uuid(row.try_get::<Option<&[u8]>, _>(3)?)?,
        kind: parse_enum("observable kind", row.try_get(4)?)?,
        value: row.try_get(5)?,
        owner: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(6)?)?),
        status: parse_enum("access request status", row.try_get(7)?)?,
        created_at: from_micros(row.try_get(8)?)?,
        decided_at: opt_from_micros(row.try_get(9)?)?,
        decided_by: opt_uuid(row.try_get::<Option<&[u8]>, _>(10)?)?,
    })
}

impl SqliteStore {
    pub(crate) async fn sqlite_set_report_discoverable(
        &self,
        id: Uuid,
        discoverable: Option<bool>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE reports SET discoverable = ? WHERE id = ?")
            .bind(discoverable)
            .bind(id.as_bytes().as_slice())
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn sqlite_set_org_reports_discoverable(
        &self,
        org: OrgId,
        on: bool,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE organizations SET reports_discoverable = ? WHERE id = ?")
            .bind(on)
            .bind(org.0.as_bytes().as_slice())
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn sqlite_list_discoverable_orgs(&self) -> Result<Vec<OrgId>, StoreError> {
        sqlx::query("SELECT id FROM organizations WHERE reports_discoverable = 1 ORDER BY id")
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(|row| Ok(OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?)))
            .collect()
    }

    pub(crate) async fn sqlite_insert_access_requests(
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
        let mut tx = self.begin_write().await?;
        for r in requests {
            let result = sqlx::query(concat!(
                "INSERT INTO access_requests (",
                request_columns!(),
                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(r.id.as_bytes().as_slice())
            .bind(r.request_id.as_bytes().as_slice())
            .bind(r.requester.0.as_bytes().as_slice())
            .bind(r.requester_token.as_ref().map(|t| t.as_bytes().as_slice()))
            .bind(r.kind.as_str())
            .bind(r.value.as_str())
            .bind(r.owner.0.as_bytes().as_slice())
            .bind(r.status.as_str())
            .bind(micros(r.created_at))
            .bind(opt_micros(r.decided_at))
            .bind(r.decided_by.as_ref().map(|t| t.as_bytes().as_slice()))
            .execute(&mut *tx)
            .await;
            match result {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::conflict(format!(
                        "access request {} (or a pending one for the same owner and selector)",
                        r.id
                    )));
                }
                Err(e) if is_foreign_key_violation(&e) => {
                    return Err(StoreError::not_found(format!("organization {}", r.requester)));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let appended = crate::sqlite::append_events_in(&mut tx, events, &data).await?;
        tx.commit().await?;
        Ok(appended)
    }

    pub(crate) async fn sqlite_get_access_request(
        &self,
        id: Uuid,
    ) -> Result<Option<AccessRequest>, StoreError> {
        sqlx::query(concat!("SELECT ", request_columns!(), " FROM access_requests WHERE id = ?"))
            .bind(id.as_bytes().as_slice())
            .fetch_optional(self.reader())
            .await?
            .as_ref()
            .map(request_from_row)
            .transpose()
    }

    pub(crate) async fn sqlite_list_access_requests_to(
        &self,
        owner: OrgId,
        status: Option<AccessRequestStatus>,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or(Uuid::nil());
        sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM access_requests WHERE owner_org = ? AND id > ? AND (? IS NULL OR status = ?) \
             ORDER BY id LIMIT ?"
        ))
        .bind(owner.0.as_bytes().as_slice())
        .bind(after.as_bytes().as_slice())
        .bind(status.map(AccessRequestStatus::as_str))
        .bind(status.map(AccessRequestStatus::as_str))
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(request_from_row)
        .collect()
    }

    pub(crate) async fn sqlite_list_access_requests_from(
        &self,
        requester: OrgId,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or(Uuid::nil());
        sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM access_requests WHERE requester_org = ?1 AND request_id IN \
               (SELECT DISTINCT request_id FROM access_requests \
                WHERE requester_org = ?1 AND request_id > ?2 ORDER BY request_id LIMIT ?3) \
             ORDER BY request_id, id"
        ))
        .bind(requester.0.as_bytes().as_slice())
        .bind(after.as_bytes().as_slice())
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(request_from_row)
        .collect()
    }

    pub(crate) async fn sqlite_access_requests_for_selector(
        &self,
        requester: OrgId,
        kind: ObservableKind,
        value: &str,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM access_requests WHERE requester_org = ? AND kind = ? AND value = ? ORDER BY id"
        ))
        .bind(requester.0.as_bytes().as_slice())
        .bind(kind.as_str())
        .bind(value)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(request_from_row)
        .collect()
    }

    pub(crate) async fn sqlite_count_pending_access_requests_from(
        &self,
        requester: OrgId,
    ) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT request_id) FROM access_requests \
             WHERE requester_org = ? AND status = 'pending'",
        )
        .bind(requester.0.as_bytes().as_slice())
        .fetch_one(self.reader())
        .await?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("access request count {n}")))
    }

    pub(crate) async fn sqlite_decide_access_request(
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
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE access_requests SET status = ?, decided_at = ?, decided_by = ? \
             WHERE id = ? AND status = 'pending'",
        )
        .bind(status.as_str())
        .bind(micros(at))
        .bind(by.as_ref().map(|t| t.as_bytes().as_slice()))
        .bind(id.as_bytes().as_slice())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        for (report, audience) in audiences {
            let updated = sqlx::query("UPDATE reports SET audience = ? WHERE id = ?")
                .bind(audience_json(audience))
                .bind(report.as_bytes().as_slice())
                .execute(&mut *tx)
                .await?;
            if updated.rows_affected() != 1 {
                tx.rollback().await?;
                return Err(StoreError::not_found(format!("report {report}")));
            }
        }
        let appended = crate::sqlite::append_events_in(&mut tx, events, &data).await?;
        tx.commit().await?;
        Ok(Some(appended))
    }
}
