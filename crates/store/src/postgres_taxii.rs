//! The PostgreSQL backend's STIX object and TAXII tables (same semantics as SQLite's).

use chrono::{DateTime, Utc};
use model::org::OrgId;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{audience_json, check_text, from_micros, micros, parse_enum};
use crate::error::written;
use crate::postgres::PgStore;
use crate::sqlite_taxii::{check_stix_record, scope_from_parts, scope_parts};
use crate::taxii::{
    StixObjectQuery, StixObjectRecord, StixScope, TaxiiApiRoot, TaxiiCollectionRecord, TaxiiStatusRecord,
};

/// The most values bound in one `= ANY(…)` list of a page query (the same bound as SQLite's).
const IN_LIST_MAX: usize = 500;

fn trunc(t: DateTime<Utc>) -> DateTime<Utc> {
    from_micros(micros(t)).unwrap_or(t)
}

fn stix_row(row: &PgRow, with_body: bool) -> Result<StixObjectRecord, StoreError> {
    let audience: &str = row.try_get("audience")?;
    Ok(StixObjectRecord {
        seq: row.try_get("seq")?,
        collection: row.try_get("collection")?,
        id: row.try_get("id")?,
        ty: row.try_get("type")?,
        spec_version: row.try_get("spec_version")?,
        version: row.try_get("version")?,
        created: row.try_get("created")?,
        modified: row.try_get("modified")?,
        date_added: row.try_get("date_added")?,
        media_type: row.try_get("media_type")?,
        author: OrgId(row.try_get("author_org")?),
        tlp: parse_enum("tlp", row.try_get("tlp")?)?,
        audience: serde_json::from_str(audience)
            .map_err(|e| StoreError::Corrupt(format!("audience: {e}")))?,
        created_by_ref: row.try_get("created_by_ref")?,
        body: if with_body { row.try_get("body")? } else { String::new() },
    })
}

impl PgStore {
    pub(crate) async fn pg_insert_stix_objects(
        &self,
        objects: &[StixObjectRecord],
    ) -> Result<Vec<Option<i64>>, StoreError> {
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        for o in objects {
            check_stix_record(o)?;
        }
        let mut tx = self.pool().begin().await?;
        let mut seqs = Vec::with_capacity(objects.len());
        for o in objects {
            let seq: Option<i64> = sqlx::query_scalar(
                "INSERT INTO stix_objects (collection, id, type, spec_version, version, created, modified, \
                 date_added, media_type, author_org, tlp, audience, created_by_ref, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14) \
                 ON CONFLICT (collection, id, version) DO NOTHING RETURNING seq",
            )
            .bind(o.collection)
            .bind(o.id.as_str())
            .bind(o.ty.as_str())
            .bind(o.spec_version.as_str())
            .bind(trunc(o.version))
            .bind(o.created.map(trunc))
            .bind(o.modified.map(trunc))
            .bind(trunc(o.date_added))
            .bind(o.media_type.as_str())
            .bind(o.author.0)
            .bind(o.tlp.as_str())
            .bind(audience_json(&o.audience))
            .bind(o.created_by_ref.as_deref())
            .bind(o.body.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            seqs.push(seq);
        }
        tx.commit().await?;
        Ok(seqs)
    }

    pub(crate) async fn pg_list_stix_objects(
        &self,
        q: &StixObjectQuery,
    ) -> Result<Vec<StixObjectRecord>, StoreError> {
        for (what, n) in [("ids", q.ids.len()), ("types", q.types.len()), ("versions", q.versions.len())] {
            if n > IN_LIST_MAX {
                return Err(StoreError::Invalid(format!("at most {IN_LIST_MAX} {what} in one query")));
            }
        }
        let columns = "seq, collection, id, type, spec_version, version, created, modified, date_added, \
                       media_type, author_org, tlp, audience::text AS audience, created_by_ref";
        let mut b: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT {columns}{} FROM stix_objects WHERE ",
            if q.with_body { ", body" } else { "" }
        ));
        match q.scope {
            StixScope::Collection(c) => b.push("collection = ").push_bind(c),
            StixScope::Tlp(t) => b.push("tlp = ").push_bind(t.as_str()),
        };
        if let Some(t) = q.added_after {
            b.push(" AND date_added > ").push_bind(trunc(t));
        }
        if let Some((t, seq)) = q.after {
            b.push(" AND (date_added, seq) > (").push_bind(trunc(t)).push(", ").push_bind(seq).push(")");
        }
        if !q.ids.is_empty() {
            b.push(" AND id = ANY(").push_bind(q.ids.clone()).push(")");
        }
        if !q.types.is_empty() {
            b.push(" AND type = ANY(").push_bind(q.types.clone()).push(")");
        }
        if !q.spec_versions.is_empty() {
            b.push(" AND spec_version = ANY(").push_bind(q.spec_versions.clone()).push(")");
        }
        if !q.versions.is_empty() {
            let versions: Vec<DateTime<Utc>> = q.versions.iter().copied().map(trunc).collect();
            b.push(" AND version = ANY(").push_bind(versions).push(")");
        }
        b.push(" ORDER BY date_added, seq LIMIT ").push_bind(i64::try_from(q.limit).unwrap_or(i64::MAX));
        let rows = b.build().persistent(false).fetch_all(self.pool()).await?;
        rows.iter().map(|r| stix_row(r, q.with_body)).collect()
    }

    pub(crate) async fn pg_delete_stix_objects(&self, seqs: &[i64]) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM stix_objects WHERE seq = ANY($1)")
            .bind(seqs.to_vec())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn pg_last_stix_date_added(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(sqlx::query_scalar("SELECT MAX(date_added) FROM stix_objects").fetch_one(self.pool()).await?)
    }

    pub(crate) async fn pg_create_taxii_api_root(&self, root: &TaxiiApiRoot) -> Result<(), StoreError> {
        check_text(|| "api root path".to_string(), &root.path)?;
        check_text(|| format!("title of api root {}", root.path), &root.title)?;
        if let Some(d) = &root.description {
            check_text(|| format!("description of api root {}", root.path), d)?;
        }
        let result = sqlx::query(
            "INSERT INTO taxii_api_roots (path, title, description, max_content_length, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(root.path.as_str())
        .bind(root.title.as_str())
        .bind(root.description.as_deref())
        .bind(i64::try_from(root.max_content_length).unwrap_or(i64::MAX))
        .bind(trunc(root.created_at))
        .execute(self.pool())
        .await;
        written(result, || format!("api root {:?}", root.path), || "api root".to_string())
    }

    pub(crate) async fn pg_list_taxii_api_roots(&self) -> Result<Vec<TaxiiApiRoot>, StoreError> {
        let rows = sqlx::query(
            "SELECT path, title, description, max_content_length, created_at FROM taxii_api_roots ORDER BY path",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TaxiiApiRoot {
                    path: row.try_get(0)?,
                    title: row.try_get(1)?,
                    description: row.try_get(2)?,
                    max_content_length: u64::try_from(row.try_get::<i64, _>(3)?).unwrap_or(0),
                    created_at: row.try_get(4)?,
                })
            })
            .collect()
    }

    pub(crate) async fn pg_create_taxii_collection(
        &self,
        c: &TaxiiCollectionRecord,
    ) -> Result<(), StoreError> {
        for text in [Some(&c.title), c.description.as_ref(), c.alias.as_ref()].into_iter().flatten() {
            check_text(|| format!("collection {}", c.id), text)?;
        }
        let (kind, scope_id) = scope_parts(c.scope);
        let media = serde_json::to_string(&c.media_types).unwrap_or_else(|_| "[]".to_string());
        let result = sqlx::query(
            "INSERT INTO taxii_collections (id, api_root, title, description, alias, scope, scope_id, can_read, \
             can_write, media_types, owner_org, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)",
        )
        .bind(c.id)
        .bind(c.api_root.as_str())
        .bind(c.title.as_str())
        .bind(c.description.as_deref())
        .bind(c.alias.as_deref())
        .bind(kind)
        .bind(scope_id)
        .bind(c.can_read)
        .bind(c.can_write)
        .bind(media)
        .bind(c.owner.0)
        .bind(trunc(c.created_at))
        .execute(self.pool())
        .await;
        written(result, || format!("collection {}", c.id), || format!("api root {:?}", c.api_root))
    }

    pub(crate) async fn pg_list_taxii_collections(&self) -> Result<Vec<TaxiiCollectionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, api_root, title, description, alias, scope, scope_id, can_read, can_write, \
             media_types::text, owner_org, created_at FROM taxii_collections ORDER BY api_root, created_at, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let media: &str = row.try_get(9)?;
                Ok(TaxiiCollectionRecord {
                    id: row.try_get(0)?,
                    api_root: row.try_get(1)?,
                    title: row.try_get(2)?,
                    description: row.try_get(3)?,
                    alias: row.try_get(4)?,
                    scope: scope_from_parts(row.try_get(5)?, row.try_get(6)?)?,
                    can_read: row.try_get(7)?,
                    can_write: row.try_get(8)?,
                    media_types: serde_json::from_str(media)
                        .map_err(|e| StoreError::Corrupt(format!("media types: {e}")))?,
                    owner: OrgId(row.try_get(10)?),
                    created_at: row.try_get(11)?,
                })
            })
            .collect()
    }

    pub(crate) async fn pg_insert_taxii_status(&self, s: &TaxiiStatusRecord) -> Result<(), StoreError> {
        let details = s.details.to_string();
        check_text(|| format!("status {}", s.id), &details)?;
        let result = sqlx::query(
            "INSERT INTO taxii_status (id, api_root, org_id, request_at, total_count, success_count, failure_count, \
             pending_count, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)",
        )
        .bind(s.id)
        .bind(s.api_root.as_str())
        .bind(s.org.0)
        .bind(trunc(s.request_timestamp))
        .bind(s.total_count as i64)
        .bind(s.success_count as i64)
        .bind(s.failure_count as i64)
        .bind(s.pending_count as i64)
        .bind(details)
        .execute(self.pool())
        .await;
        written(result, || format!("status {}", s.id), || "status".to_string())
    }

    pub(crate) async fn pg_get_taxii_status(
        &self,
        id: Uuid,
    ) -> Result<Option<TaxiiStatusRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, api_root, org_id, request_at, total_count, success_count, failure_count, pending_count, \
             details::text FROM taxii_status WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let details: &str = row.try_get(8)?;
        Ok(Some(TaxiiStatusRecord {
            id: row.try_get(0)?,
            api_root: row.try_get(1)?,
            org: OrgId(row.try_get(2)?),
            request_timestamp: row.try_get(3)?,
            total_count: row.try_get::<i64, _>(4)? as u64,
            success_count: row.try_get::<i64, _>(5)? as u64,
            failure_count: row.try_get::<i64, _>(6)? as u64,
            pending_count: row.try_get::<i64, _>(7)? as u64,
            details: serde_json::from_str(details)
                .map_err(|e| StoreError::Corrupt(format!("status details: {e}")))?,
        }))
    }
}
