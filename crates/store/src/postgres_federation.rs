//! The PostgreSQL backend's federation tables (same semantics as SQLite's).

use chrono::{DateTime, Utc};
use model::federation::{Instance, PeerKind};
use model::org::OrgId;
use model::report::Report;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use crate::codec::{check_text, from_micros, micros, parse_enum};
use crate::error::{is_foreign_key_violation, is_unique_violation};
use crate::postgres::PgStore;
use crate::{PeerRecord, PeerState, StoreError};

fn trunc(t: DateTime<Utc>) -> DateTime<Utc> {
    from_micros(micros(t)).unwrap_or(t)
}

/// The provenance rows of the federated reports of a batch, inside its transaction.
pub(crate) async fn insert_provenance_rows(
    tx: &mut Transaction<'static, Postgres>,
    reports: &[Report],
) -> Result<(), sqlx::Error> {
    for r in reports {
        let Some(p) = &r.provenance else { continue };
        let data = serde_json::to_string(p).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(
            "INSERT INTO report_provenance (report_id, origin_instance, origin_report_id, source_instance, \
             source_report_id, data) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        )
        .bind(r.id)
        .bind(p.origin_instance)
        .bind(p.original_report_id)
        .bind(p.peer_instance)
        .bind(p.peer_report_id)
        .bind(data)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

macro_rules! peer_columns {
    () => {
        "id, url, kind, token, collection, receiving_org, allow_private, remote_instance, remote_name, \
         cursor, created_at, last_ok_at, last_error, last_error_at, imported"
    };
}

fn peer_from_row(row: &PgRow) -> Result<PeerRecord, StoreError> {
    let imported: i64 = row.try_get(14)?;
    Ok(PeerRecord {
        id: row.try_get(0)?,
        url: row.try_get(1)?,
        kind: parse_enum::<PeerKind>("peer kind", row.try_get(2)?)?,
        token: row.try_get(3)?,
        collection: row.try_get(4)?,
        receiving_org: OrgId(row.try_get(5)?),
        allow_private: row.try_get(6)?,
        created_at: row.try_get(10)?,
        state: PeerState {
            remote_instance: row.try_get(7)?,
            remote_name: row.try_get(8)?,
            cursor: row.try_get(9)?,
            last_ok_at: row.try_get(11)?,
            last_error: row.try_get(12)?,
            last_error_at: row.try_get(13)?,
            imported: u64::try_from(imported).unwrap_or(0),
        },
    })
}

impl PgStore {
    pub(crate) async fn pg_instance_identity(&self, fresh: &Instance) -> Result<Instance, StoreError> {
        check_text(|| String::from("instance name"), &fresh.name)?;
        sqlx::query("INSERT INTO instance (singleton, id, name) VALUES (1, $1, $2) ON CONFLICT DO NOTHING")
            .bind(fresh.id)
            .bind(fresh.name.as_str())
            .execute(self.pool())
            .await?;
        let row =
            sqlx::query("SELECT id, name FROM instance WHERE singleton = 1").fetch_one(self.pool()).await?;
        Ok(Instance { id: row.try_get(0)?, name: row.try_get(1)? })
    }

    pub(crate) async fn pg_set_instance_name(&self, name: &str) -> Result<(), StoreError> {
        check_text(|| String::from("instance name"), name)?;
        let done = sqlx::query("UPDATE instance SET name = $1 WHERE singleton = 1")
            .bind(name)
            .execute(self.pool())
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::not_found("instance"));
        }
        Ok(())
    }

    pub(crate) async fn pg_set_org_peer(&self, org: OrgId, peer: bool) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE organizations SET peer = $1 WHERE id = $2")
            .bind(peer)
            .bind(org.0)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn pg_find_federated_report(
        &self,
        instance: Uuid,
        report_id: Uuid,
    ) -> Result<Option<Uuid>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT report_id FROM report_provenance WHERE origin_instance = $1 AND origin_report_id = $2 \
             UNION ALL SELECT report_id FROM report_provenance WHERE source_instance = $1 AND source_report_id = $2 \
             LIMIT 1",
        )
        .bind(instance)
        .bind(report_id)
        .fetch_optional(self.pool())
        .await?)
    }

    pub(crate) async fn pg_create_peer(&self, peer: &PeerRecord) -> Result<(), StoreError> {
        check_text(|| String::from("peer url"), &peer.url)?;
        check_text(|| String::from("peer token"), &peer.token)?;
        if let Some(c) = &peer.collection {
            check_text(|| String::from("peer collection"), c)?;
        }
        let result = sqlx::query(concat!(
            "INSERT INTO peers (",
            peer_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ))
        .bind(peer.id)
        .bind(peer.url.as_str())
        .bind(peer.kind.as_str())
        .bind(peer.token.as_str())
        .bind(peer.collection.as_deref())
        .bind(peer.receiving_org.0)
        .bind(peer.allow_private)
        .bind(peer.state.remote_instance)
        .bind(peer.state.remote_name.as_deref())
        .bind(peer.state.cursor.as_deref())
        .bind(trunc(peer.created_at))
        .bind(peer.state.last_ok_at.map(trunc))
        .bind(peer.state.last_error.as_deref())
        .bind(peer.state.last_error_at.map(trunc))
        .bind(i64::try_from(peer.state.imported).unwrap_or(i64::MAX))
        .execute(self.pool())
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::conflict(format!("peer {} (or one with this url and collection)", peer.id)))
            }
            Err(e) if is_foreign_key_violation(&e) => {
                Err(StoreError::not_found(format!("organization {}", peer.receiving_org)))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) async fn pg_list_peers(&self) -> Result<Vec<PeerRecord>, StoreError> {
        sqlx::query(concat!("SELECT ", peer_columns!(), " FROM peers ORDER BY id"))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(peer_from_row)
            .collect()
    }

    pub(crate) async fn pg_delete_peer(&self, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM peers WHERE id = $1").bind(id).execute(self.pool()).await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn pg_set_peer_state(&self, id: Uuid, state: &PeerState) -> Result<bool, StoreError> {
        if let Some(e) = &state.last_error {
            check_text(|| String::from("peer error"), e)?;
        }
        let done = sqlx::query(
            "UPDATE peers SET remote_instance = $1, remote_name = $2, cursor = $3, last_ok_at = $4, \
             last_error = $5, last_error_at = $6, imported = $7 WHERE id = $8",
        )
        .bind(state.remote_instance)
        .bind(state.remote_name.as_deref())
        .bind(state.cursor.as_deref())
        .bind(state.last_ok_at.map(trunc))
        .bind(state.last_error.as_deref())
        .bind(state.last_error_at.map(trunc))
        .bind(i64::try_from(state.imported).unwrap_or(i64::MAX))
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
