//! The SQLite backend's STIX object and TAXII tables.

use chrono::{DateTime, Utc};
use model::org::{CommunityId, OrgId};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{
    audience_json, check_text, from_micros, micros, opt_from_micros, opt_micros, parse_enum, uuid_from_bytes,
};
use crate::error::written;
use crate::sqlite::SqliteStore;
use crate::taxii::{
    CollectionScope, StixObjectQuery, StixObjectRecord, StixScope, TaxiiApiRoot, TaxiiCollectionRecord,
    TaxiiStatusRecord,
};

/// The most values bound in one `IN (…)` list of a page query.
const IN_LIST_MAX: usize = 500;

pub(crate) fn check_stix_record(o: &StixObjectRecord) -> Result<(), StoreError> {
    check_text(|| format!("stix object {}", o.id), &o.body)?;
    check_text(|| "stix object id".to_string(), &o.id)?;
    check_text(|| format!("type of stix object {}", o.id), &o.ty)?;
    if let Some(r) = &o.created_by_ref {
        check_text(|| format!("created_by_ref of stix object {}", o.id), r)?;
    }
    Ok(())
}

pub(crate) fn scope_parts(scope: CollectionScope) -> (&'static str, Option<Uuid>) {
    match scope {
        CollectionScope::Organization(o) => ("organization", Some(o.0)),
        CollectionScope::Community(c) => ("community", Some(c.0)),
        CollectionScope::Public => ("public", None),
    }
}

pub(crate) fn scope_from_parts(kind: &str, id: Option<Uuid>) -> Result<CollectionScope, StoreError> {
    match (kind, id) {
        ("organization", Some(id)) => Ok(CollectionScope::Organization(OrgId(id))),
        ("community", Some(id)) => Ok(CollectionScope::Community(CommunityId(id))),
        ("public", _) => Ok(CollectionScope::Public),
        _ => Err(StoreError::Corrupt(format!("collection scope {kind:?} without its id"))),
    }
}

fn stix_row(row: &SqliteRow, with_body: bool) -> Result<StixObjectRecord, StoreError> {
    let audience: &str = row.try_get("audience")?;
    Ok(StixObjectRecord {
        seq: row.try_get("seq")?,
        collection: uuid_from_bytes(row.try_get::<&[u8], _>("collection")?)?,
        id: row.try_get("id")?,
        ty: row.try_get("type")?,
        spec_version: row.try_get("spec_version")?,
        version: from_micros(row.try_get("version")?)?,
        created: opt_from_micros(row.try_get("created")?)?,
        modified: opt_from_micros(row.try_get("modified")?)?,
        date_added: from_micros(row.try_get("date_added")?)?,
        media_type: row.try_get("media_type")?,
        author: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>("author_org")?)?),
        tlp: parse_enum("tlp", row.try_get("tlp")?)?,
        audience: serde_json::from_str(audience)
            .map_err(|e| StoreError::Corrupt(format!("audience: {e}")))?,
        created_by_ref: row.try_get("created_by_ref")?,
        body: if with_body { row.try_get("body")? } else { String::new() },
    })
}

impl SqliteStore {
    pub(crate) async fn sqlite_insert_stix_objects(
        &self,
        objects: &[StixObjectRecord],
    ) -> Result<Vec<Option<i64>>, StoreError> {
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        for o in objects {
            check_stix_record(o)?;
        }
        let mut tx = self.begin_write().await?;
        let mut seqs = Vec::with_capacity(objects.len());
        for o in objects {
            let seq: Option<i64> = sqlx::query_scalar(
                "INSERT INTO stix_objects (collection, id, type, spec_version, version, created, modified, \
                 date_added, media_type, author_org, tlp, audience, created_by_ref, body) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (collection, id, version) DO NOTHING RETURNING seq",
            )
            .bind(o.collection.as_bytes().as_slice())
            .bind(o.id.as_str())
            .bind(o.ty.as_str())
            .bind(o.spec_version.as_str())
            .bind(micros(o.version))
            .bind(opt_micros(o.created))
            .bind(opt_micros(o.modified))
            .bind(micros(o.date_added))
            .bind(o.media_type.as_str())
            .bind(o.author.0.as_bytes().as_slice())
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

    pub(crate) async fn sqlite_list_stix_objects(
        &self,
        q: &StixObjectQuery,
    ) -> Result<Vec<StixObjectRecord>, StoreError> {
        for (what, n) in [("ids", q.ids.len()), ("types", q.types.len()), ("versions", q.versions.len())] {
            if n > IN_LIST_MAX {
                return Err(StoreError::Invalid(format!("at most {IN_LIST_MAX} {what} in one query")));
            }
        }
        let columns = "seq, collection, id, type, spec_version, version, created, modified, date_added, \
                       media_type, author_org, tlp, audience, created_by_ref";
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {columns}{} FROM stix_objects WHERE ",
            if q.with_body { ", body" } else { "" }
        ));
        // With ids the id indexes must lead ((collection, id, version), or (id) with `+tlp`),
        // not the (…, date_added, seq) ones that give the order but scan the whole scope: the
        // unary `+` keeps a term from choosing an index (the order is then a small sort).
        let by_id = !q.ids.is_empty();
        match q.scope {
            StixScope::Collection(c) => b.push("collection = ").push_bind(c.as_bytes().to_vec()),
            StixScope::Tlp(t) => b.push(if by_id { "+tlp = " } else { "tlp = " }).push_bind(t.as_str()),
        };
        let added = if by_id { "+date_added" } else { "date_added" };
        if let Some(t) = q.added_after {
            b.push(format!(" AND {added} > ")).push_bind(micros(t));
        }
        if let Some((t, seq)) = q.after {
            b.push(format!(" AND ({added} > ")).push_bind(micros(t));
            b.push(format!(" OR ({added} = "))
                .push_bind(micros(t))
                .push(" AND seq > ")
                .push_bind(seq)
                .push("))");
        }
        push_in(&mut b, "id", q.ids.iter().cloned());
        push_in(&mut b, "type", q.types.iter().cloned());
        push_in(&mut b, "spec_version", q.spec_versions.iter().cloned());
        if !q.versions.is_empty() {
            b.push(" AND version IN (");
            let mut sep = b.separated(", ");
            for v in &q.versions {
                sep.push_bind(micros(*v));
            }
            b.push(")");
        }
        b.push(if by_id { " ORDER BY +date_added, seq LIMIT " } else { " ORDER BY date_added, seq LIMIT " })
            .push_bind(i64::try_from(q.limit).unwrap_or(i64::MAX));
        let rows = b.build().persistent(false).fetch_all(self.reader()).await?;
        rows.iter().map(|r| stix_row(r, q.with_body)).collect()
    }

    pub(crate) async fn sqlite_delete_stix_objects(&self, seqs: &[i64]) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut deleted = 0;
        for chunk in seqs.chunks(IN_LIST_MAX) {
            let mut b: QueryBuilder<Sqlite> = QueryBuilder::new("DELETE FROM stix_objects WHERE seq IN (");
            let mut sep = b.separated(", ");
            for s in chunk {
                sep.push_bind(*s);
            }
            b.push(")");
            deleted += b.build().persistent(false).execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }

    pub(crate) async fn sqlite_last_stix_date_added(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let us: Option<i64> =
            sqlx::query_scalar("SELECT MAX(date_added) FROM stix_objects").fetch_one(self.reader()).await?;
        opt_from_micros(us)
    }

    pub(crate) async fn sqlite_create_taxii_api_root(&self, root: &TaxiiApiRoot) -> Result<(), StoreError> {
        check_text(|| "api root path".to_string(), &root.path)?;
        check_text(|| format!("title of api root {}", root.path), &root.title)?;
        if let Some(d) = &root.description {
            check_text(|| format!("description of api root {}", root.path), d)?;
        }
        let result = sqlx::query(
            "INSERT INTO taxii_api_roots (path, title, description, max_content_length, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(root.path.as_str())
        .bind(root.title.as_str())
        .bind(root.description.as_deref())
        .bind(i64::try_from(root.max_content_length).unwrap_or(i64::MAX))
        .bind(micros(root.created_at))
        .execute(self.writer())
        .await;
        written(result, || format!("api root {:?}", root.path), || "api root".to_string())
    }

    pub(crate) async fn sqlite_list_taxii_api_roots(&self) -> Result<Vec<TaxiiApiRoot>, StoreError> {
        let rows = sqlx::query(
            "SELECT path, title, description, max_content_length, created_at FROM taxii_api_roots ORDER BY path",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TaxiiApiRoot {
                    path: row.try_get(0)?,
                    title: row.try_get(1)?,
                    description: row.try_get(2)?,
                    max_content_length: u64::try_from(row.try_get::<i64, _>(3)?).unwrap_or(0),
                    created_at: from_micros(row.try_get(4)?)?,
                })
            })
            .collect()
    }

    pub(crate) async fn sqlite_create_taxii_collection(
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
             can_write, media_types, owner_org, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(c.id.as_bytes().as_slice())
        .bind(c.api_root.as_str())
        .bind(c.title.as_str())
        .bind(c.description.as_deref())
        .bind(c.alias.as_deref())
        .bind(kind)
        .bind(scope_id.map(|u| u.as_bytes().to_vec()))
        .bind(c.can_read)
        .bind(c.can_write)
        .bind(media)
        .bind(c.owner.0.as_bytes().as_slice())
        .bind(micros(c.created_at))
        .execute(self.writer())
        .await;
        written(result, || format!("collection {}", c.id), || format!("api root {:?}", c.api_root))
    }

    pub(crate) async fn sqlite_list_taxii_collections(
        &self,
    ) -> Result<Vec<TaxiiCollectionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, api_root, title, description, alias, scope, scope_id, can_read, can_write, media_types, \
             owner_org, created_at FROM taxii_collections ORDER BY api_root, created_at, id",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let scope_id = row.try_get::<Option<&[u8]>, _>(6)?.map(uuid_from_bytes).transpose()?;
                let media: &str = row.try_get(9)?;
                Ok(TaxiiCollectionRecord {
                    id: uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?,
                    api_root: row.try_get(1)?,
                    title: row.try_get(2)?,
                    description: row.try_get(3)?,
                    alias: row.try_get(4)?,
                    scope: scope_from_parts(row.try_get(5)?, scope_id)?,
                    can_read: row.try_get(7)?,
                    can_write: row.try_get(8)?,
                    media_types: serde_json::from_str(media)
                        .map_err(|e| StoreError::Corrupt(format!("media types: {e}")))?,
                    owner: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(10)?)?),
                    created_at: from_micros(row.try_get(11)?)?,
                })
            })
            .collect()
    }

    pub(crate) async fn sqlite_insert_taxii_status(&self, s: &TaxiiStatusRecord) -> Result<(), StoreError> {
        let details = s.details.to_string();
        check_text(|| format!("status {}", s.id), &details)?;
        let result = sqlx::query(
            "INSERT INTO taxii_status (id, api_root, org_id, request_at, total_count, success_count, failure_count, \
             pending_count, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(s.id.as_bytes().as_slice())
        .bind(s.api_root.as_str())
        .bind(s.org.0.as_bytes().as_slice())
        .bind(micros(s.request_timestamp))
        .bind(s.total_count as i64)
        .bind(s.success_count as i64)
        .bind(s.failure_count as i64)
        .bind(s.pending_count as i64)
        .bind(details)
        .execute(self.writer())
        .await;
        written(result, || format!("status {}", s.id), || "status".to_string())
    }

    pub(crate) async fn sqlite_get_taxii_status(
        &self,
        id: Uuid,
    ) -> Result<Option<TaxiiStatusRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, api_root, org_id, request_at, total_count, success_count, failure_count, pending_count, \
             details FROM taxii_status WHERE id = ?",
        )
        .bind(id.as_bytes().as_slice())
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let details: &str = row.try_get(8)?;
        Ok(Some(TaxiiStatusRecord {
            id: uuid_from_bytes(row.try_get::<&[u8], _>(0)?)?,
            api_root: row.try_get(1)?,
            org: OrgId(uuid_from_bytes(row.try_get::<&[u8], _>(2)?)?),
            request_timestamp: from_micros(row.try_get(3)?)?,
            total_count: row.try_get::<i64, _>(4)? as u64,
            success_count: row.try_get::<i64, _>(5)? as u64,
            failure_count: row.try_get::<i64, _>(6)? as u64,
            pending_count: row.try_get::<i64, _>(7)? as u64,
            details: serde_json::from_str(details)
                .map_err(|e| StoreError::Corrupt(format!("status details: {e}")))?,
        }))
    }
}

fn push_in(b: &mut QueryBuilder<Sqlite>, column: &str, values: impl ExactSizeIterator<Item = String>) {
    if values.len() == 0 {
        return;
    }
    b.push(format!(" AND {column} IN ("));
    let mut sep = b.separated(", ");
    for v in values {
        sep.push_bind(v);
    }
    b.push(")");
}
