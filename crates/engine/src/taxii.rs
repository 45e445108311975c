//! TAXII 2.1: api roots, collections, STIX objects as received, status resources.
//!
//! Collections are mostly derived from the directory, in the default api root
//! ([`TAXII_DEFAULT_ROOT`]): each organisation's own collection (id = the organisation's id),
//! one per community (id = the community's id) and the public collection
//! ([`PUBLIC_COLLECTION_ID`]: every `TLP:CLEAR` object of every collection). Stored
//! collections (a medallion migration's) live in stored api roots and are scoped to an
//! organisation, a community or everyone.
//!
//! Every object row carries access facts like a report (author organisation, TLP, audience)
//! and every read passes [`model::can_see`] before pagination and counting, so a hidden object
//! never appears, never counts and never shifts a page.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use model::org::{CommunityId, OrgId};
use model::{Audience, Tlp, Viewer, can_see};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use stix::object::{
    ObjectMeta, format_timestamp, format_timestamp_micros, parse_object, parse_timestamp, raw_objects_of,
};
use store::{
    CollectionScope, StixObjectQuery, StixObjectRecord, StixScope, TaxiiApiRoot, TaxiiCollectionRecord,
    TaxiiStatusRecord,
};
use uuid::Uuid;

use crate::engine::now;
use crate::{Engine, EngineError, Principal};

/// The path segment of the default api root.
pub const TAXII_DEFAULT_ROOT: &str = "api";
/// The title of the default api root.
pub const TAXII_DEFAULT_TITLE: &str = "dragnet";
/// The id of the public collection: every `TLP:CLEAR` object of every collection.
pub const PUBLIC_COLLECTION_ID: Uuid = Uuid::from_u128(0x6c0f_9d5e_0c1e_4a57_9f0c_7c1e_a2b0_c1ea);
/// The largest request body the default api root accepts (10 MiB).
pub const TAXII_MAX_CONTENT_LENGTH: u64 = 10 << 20;
/// Default and maximum page size of objects, manifests and versions.
pub const TAXII_PAGE_DEFAULT: usize = 1_000;
pub const TAXII_PAGE_MAX: usize = 1_000;
/// The TAXII media type of every answer.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// The STIX media types collections hold.
pub const STIX_MEDIA_21: &str = "application/stix+json;version=2.1";
pub const STIX_MEDIA_20: &str = "application/stix+json;version=2.0";
/// Most ids, types or versions in one filter.
pub(crate) const FILTER_MAX_VALUES: usize = 500;

/// A TAXII api root resource.
#[derive(Clone, Debug, Serialize)]
pub struct ApiRootView {
    /// The path segment (not part of the TAXII resource).
    #[serde(skip)]
    pub path: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub versions: Vec<String>,
    pub max_content_length: u64,
}

/// A TAXII collection resource as the viewer sees it.
#[derive(Clone, Debug, Serialize)]
pub struct CollectionView {
    pub id: Uuid,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    pub can_read: bool,
    pub can_write: bool,
    pub media_types: Vec<String>,
}

/// Where a collection's objects live and what an added object's access facts default to.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Org(OrgId),
    Community(CommunityId),
    Public,
    Stored(Uuid, CollectionScope),
}

#[derive(Clone, Debug)]
struct Resolved {
    view: CollectionView,
    kind: Kind,
}

impl Resolved {
    fn scope(&self) -> StixScope {
        match self.kind {
            Kind::Org(o) => StixScope::Collection(o.0),
            Kind::Community(c) => StixScope::Collection(c.0),
            Kind::Public => StixScope::Tlp(Tlp::Clear),
            Kind::Stored(id, _) => StixScope::Collection(id),
        }
    }

    fn storage_id(&self) -> Uuid {
        match self.kind {
            Kind::Org(o) => o.0,
            Kind::Community(c) => c.0,
            Kind::Public => PUBLIC_COLLECTION_ID,
            Kind::Stored(id, _) => id,
        }
    }
}

/// `match[version]`: any of `first`, `last`, `all` and exact versions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionMatch {
    pub first: bool,
    pub last: bool,
    pub all: bool,
    pub times: Vec<DateTime<Utc>>,
}

impl VersionMatch {
    /// Parses a comma list; `None` gives the default, `last`.
    pub fn parse(s: Option<&str>) -> Result<VersionMatch, EngineError> {
        let mut m = VersionMatch::default();
        let Some(s) = s else {
            m.last = true;
            return Ok(m);
        };
        for part in s.split(',').map(str::trim) {
            match part {
                "first" => m.first = true,
                "last" => m.last = true,
                "all" => m.all = true,
                t => m.times.push(parse_timestamp(t).map_err(|e| EngineError::invalid("match[version]", e))?),
            }
        }
        if m.times.len() > FILTER_MAX_VALUES {
            return Err(EngineError::invalid(
                "match[version]",
                format!("at most {FILTER_MAX_VALUES} values"),
            ));
        }
        Ok(m)
    }

    fn all() -> VersionMatch {
        VersionMatch { all: true, ..VersionMatch::default() }
    }

    /// The default: each object's latest version.
    fn last() -> VersionMatch {
        VersionMatch { last: true, ..VersionMatch::default() }
    }

    fn only_times(&self) -> bool {
        !self.first && !self.last && !self.all
    }
}

/// The filters and page of a TAXII read (TAXII 2.1 §3.4, §3.5).
#[derive(Clone, Debug, Default)]
pub struct TaxiiFilter {
    pub added_after: Option<DateTime<Utc>>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    /// `None`: the default, `last` (`all` for versions and deletes).
    pub versions: Option<VersionMatch>,
    /// Empty: only each object's latest spec_version.
    pub spec_versions: Vec<String>,
    pub limit: Option<usize>,
    /// The `next` of the previous page.
    pub next: Option<String>,
}

impl TaxiiFilter {
    /// Builds a filter from TAXII query parameters (`added_after`, `match[id]`, `match[type]`,
    /// `match[version]`, `match[spec_version]`, `limit`, `next`). Unknown parameters are
    /// ignored, as TAXII 2.1 asks.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<TaxiiFilter, EngineError> {
        let mut f = TaxiiFilter::default();
        let list = |field: &str, v: &str| -> Result<Vec<String>, EngineError> {
            let out: Vec<String> =
                v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            if out.len() > FILTER_MAX_VALUES {
                return Err(EngineError::invalid(field, format!("at most {FILTER_MAX_VALUES} values")));
            }
            Ok(out)
        };
        for (k, v) in params {
            match k {
                "added_after" => {
                    f.added_after =
                        Some(parse_timestamp(v).map_err(|e| EngineError::invalid("added_after", e))?);
                }
                "match[id]" => f.ids.extend(list(k, v)?),
                "match[type]" => f.types.extend(list(k, v)?),
                "match[spec_version]" => {
                    for s in list(k, v)? {
                        if s != "2.0" && s != "2.1" {
                            return Err(EngineError::invalid(k, format!("unsupported spec_version {s:?}")));
                        }
                        f.spec_versions.push(s);
                    }
                }
                "match[version]" => f.versions = Some(VersionMatch::parse(Some(v))?),
                "limit" => {
                    let n: usize = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        EngineError::invalid("limit", format!("{v:?} is not a positive integer"))
                    })?;
                    f.limit = Some(n);
                }
                "next" => f.next = Some(v.to_string()),
                _ => {}
            }
        }
        Ok(f)
    }
}

/// One page of object versions, in `date_added` order.
#[derive(Clone, Debug)]
pub struct ObjectPage {
    pub objects: Vec<StixObjectRecord>,
    pub more: bool,
    /// Pass as `next` for the following page.
    pub next: Option<String>,
}

impl ObjectPage {
    /// `X-TAXII-Date-Added-First` of the page.
    pub fn date_added_first(&self) -> Option<DateTime<Utc>> {
        self.objects.first().map(|o| o.date_added)
    }

    /// `X-TAXII-Date-Added-Last` of the page.
    pub fn date_added_last(&self) -> Option<DateTime<Utc>> {
        self.objects.last().map(|o| o.date_added)
    }

    /// The TAXII envelope `{more, next?, objects}` with every object's text as received.
    pub fn envelope_json(&self) -> String {
        if self.objects.is_empty() && !self.more {
            // TAXII 2.1 §3.7: an envelope with nothing to say is empty.
            return "{}".to_string();
        }
        let mut out =
            String::with_capacity(self.objects.iter().map(|o| o.body.len() + 1).sum::<usize>() + 64);
        out.push_str(if self.more { "{\"more\":true," } else { "{\"more\":false," });
        if let Some(n) = &self.next {
            out.push_str("\"next\":");
            out.push_str(&Value::String(n.clone()).to_string());
            out.push(',');
        }
        out.push_str("\"objects\":[");
        for (i, o) in self.objects.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&o.body);
        }
        out.push_str("]}");
        out
    }

    /// The manifest resource `{more, next?, objects: [{id, date_added, version, media_type}]}`.
    pub fn manifest_json(&self) -> Value {
        if self.objects.is_empty() && !self.more {
            return serde_json::json!({});
        }
        let objects: Vec<Value> = self
            .objects
            .iter()
            .map(|o| {
                serde_json::json!({
                    "id": o.id,
                    "date_added": format_timestamp_micros(o.date_added),
                    "version": format_timestamp(o.version),
                    "media_type": o.media_type,
                })
            })
            .collect();
        let mut v = serde_json::json!({"more": self.more, "objects": objects});
        if let Some(n) = &self.next {
            v["next"] = Value::String(n.clone());
        }
        v
    }

    /// The versions resource `{more, next?, versions: [...]}`.
    pub fn versions_json(&self) -> Value {
        if self.objects.is_empty() && !self.more {
            return serde_json::json!({});
        }
        let versions: Vec<String> = self.objects.iter().map(|o| format_timestamp(o.version)).collect();
        let mut v = serde_json::json!({"more": self.more, "versions": versions});
        if let Some(n) = &self.next {
            v["next"] = Value::String(n.clone());
        }
        v
    }
}

/// A TAXII status resource.
#[derive(Clone, Debug, Serialize)]
pub struct StatusView {
    pub id: Uuid,
    pub status: String,
    pub request_timestamp: String,
    pub total_count: u64,
    pub success_count: u64,
    pub successes: Vec<Value>,
    pub failure_count: u64,
    pub failures: Vec<Value>,
    pub pending_count: u64,
    pub pendings: Vec<Value>,
}

impl StatusView {
    fn from_record(r: &TaxiiStatusRecord) -> StatusView {
        let list = |k: &str| r.details.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
        StatusView {
            id: r.id,
            status: r.details.get("status").and_then(Value::as_str).unwrap_or("complete").to_string(),
            request_timestamp: format_timestamp(r.request_timestamp),
            total_count: r.total_count,
            success_count: r.success_count,
            successes: list("successes"),
            failure_count: r.failure_count,
            failures: list("failures"),
            pending_count: r.pending_count,
            pendings: list("pendings"),
        }
    }
}

/// What an add stored: the status resource and the object versions newly stored (an
/// `(id, version)` already in the collection is a success without a new row).
#[derive(Clone, Debug)]
pub struct AddOutcome {
    pub status: StatusView,
    pub stored: Vec<StixObjectRecord>,
    /// What the newly stored objects became as dragnet reports (`stix_import`).
    pub mapped: crate::StixMapped,
}

/// What a medallion migration created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MedallionImport {
    pub api_roots: usize,
    pub collections: usize,
    pub objects: usize,
    pub statuses: usize,
    /// What the objects became as dragnet reports, over every collection.
    pub mapped: crate::StixMapped,
}

/// The page token after `o`: its `(date_added, seq)` and a fingerprint of the request's
/// filters, so that a token is only good for the query it came from (TAXII 2.1 §3.4: changing
/// the filters while paging is an error).
fn cursor_token(o: &StixObjectRecord, fingerprint: u64) -> String {
    format!("{:x}.{:x}.{fingerprint:x}", o.date_added.timestamp_micros(), o.seq)
}

fn parse_cursor(s: &str, fingerprint: u64) -> Result<(DateTime<Utc>, i64), EngineError> {
    let bad = || EngineError::invalid("next", format!("{s:?} is not a page token of this server"));
    let mut parts = s.split('.');
    let (Some(t), Some(seq), Some(fp), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let t = i64::from_str_radix(t, 16).ok().and_then(DateTime::from_timestamp_micros).ok_or_else(bad)?;
    let seq = i64::from_str_radix(seq, 16).map_err(|_| bad())?;
    if u64::from_str_radix(fp, 16).map_err(|_| bad())? != fingerprint {
        return Err(EngineError::invalid(
            "next",
            "the page token belongs to a request with other filters (added_after, match[…]): page with the same filters",
        ));
    }
    Ok((t, seq))
}

/// FNV-1a over the filters that define a paged query (not `limit`, not `next`).
fn fingerprint(f: &TaxiiFilter, versions: &VersionMatch, scope: StixScope) -> u64 {
    let text = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        scope,
        f.added_after.map(|t| t.timestamp_micros()),
        f.ids,
        f.types,
        f.spec_versions,
        versions.first,
        versions.last,
        versions.all,
        versions.times.iter().map(DateTime::timestamp_micros).collect::<Vec<_>>()
    );
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The versions of one object id the viewer may see, among those a request considers.
#[derive(Default)]
struct IdFacts {
    /// (version, seq, spec_version) of every visible row.
    rows: Vec<(DateTime<Utc>, i64, String)>,
}

impl IdFacts {
    /// Whether `row` is selected by the version and spec_version rules.
    fn selects(&self, row: &StixObjectRecord, versions: &VersionMatch, default_spec: bool) -> bool {
        let spec = if default_spec {
            match self.rows.iter().map(|r| r.2.as_str()).max() {
                Some(s) => s,
                None => return false,
            }
        } else {
            row.spec_version.as_str()
        };
        if row.spec_version != spec {
            return false;
        }
        // With match[spec_version] given, the version rules choose among every spec_version
        // asked for (the rows were read with that filter); by default among the latest one's.
        let candidates = self.rows.iter().filter(|r| !default_spec || r.2 == spec);
        // A duplicate (id, version) (the public collection reads every collection): only the
        // first added is shown.
        if candidates.clone().any(|r| r.0 == row.version && r.1 < row.seq) {
            return false;
        }
        if versions.all || versions.times.contains(&row.version) {
            return true;
        }
        let key = |r: &&(DateTime<Utc>, i64, String)| (r.0, std::cmp::Reverse(r.1));
        if versions.first
            && candidates
                .clone()
                .min_by_key(|r| (r.0, r.1))
                .is_some_and(|r| r.0 == row.version && r.1 == row.seq)
        {
            return true;
        }
        versions.last && candidates.max_by_key(key).is_some_and(|r| r.0 == row.version && r.1 == row.seq)
    }
}

impl Engine {
    fn taxii_reader(p: &Principal) -> Result<&Viewer, EngineError> {
        if p.viewer.role.can_read() {
            Ok(&p.viewer)
        } else {
            Err(EngineError::Forbidden("this token may not use taxii".into()))
        }
    }

    /// Whether `viewer` may read a STIX object with these access facts: the visibility
    /// function, and for a peer organisation the federation export rule as well.
    fn taxii_sees(&self, viewer: &Viewer, access: &model::ReportAccess) -> bool {
        if !can_see(viewer, access) {
            return false;
        }
        let peer = self.directory().org(viewer.org).is_some_and(|o| o.peer);
        !peer || model::federation::may_export(viewer, access, &[], None)
    }

    /// The default api root and every stored one, default first.
    pub async fn taxii_api_roots(&self) -> Result<Vec<ApiRootView>, EngineError> {
        let mut roots = vec![ApiRootView {
            path: TAXII_DEFAULT_ROOT.to_string(),
            title: self.taxii_title.clone(),
            description: Some("dragnet's STIX 2.1 collections: your organisation's, your communities' and the public TLP:CLEAR one".into()),
            versions: vec![TAXII_MEDIA_TYPE.to_string()],
            max_content_length: self.taxii_max_content_length,
        }];
        for r in self.store.list_taxii_api_roots().await? {
            if r.path != TAXII_DEFAULT_ROOT {
                roots.push(Self::root_view(r));
            }
        }
        Ok(roots)
    }

    fn root_view(r: TaxiiApiRoot) -> ApiRootView {
        ApiRootView {
            path: r.path,
            title: r.title,
            description: r.description,
            versions: vec![TAXII_MEDIA_TYPE.to_string()],
            max_content_length: r.max_content_length,
        }
    }

    /// One api root; not found when unknown.
    pub async fn taxii_api_root(&self, p: &Principal, root: &str) -> Result<ApiRootView, EngineError> {
        Self::taxii_reader(p)?;
        self.taxii_api_roots()
            .await?
            .into_iter()
            .find(|r| r.path == root)
            .ok_or_else(|| EngineError::not_found(format!("api root {root:?}")))
    }

    /// The collections of an api root the principal is in scope of.
    pub async fn taxii_collections(
        &self,
        p: &Principal,
        root: &str,
    ) -> Result<Vec<CollectionView>, EngineError> {
        Ok(self.resolved_collections(p, root).await?.into_iter().map(|r| r.view).collect())
    }

    /// One collection; not found when unknown or out of the principal's scope.
    pub async fn taxii_collection(
        &self,
        p: &Principal,
        root: &str,
        id: Uuid,
    ) -> Result<CollectionView, EngineError> {
        Ok(self.resolve(p, root, id).await?.view)
    }

    async fn resolved_collections(&self, p: &Principal, root: &str) -> Result<Vec<Resolved>, EngineError> {
        let viewer = Self::taxii_reader(p)?;
        self.taxii_api_root(p, root).await?;
        // A peer organisation's tokens pull; they never write.
        let (read, write) = (viewer.role.can_read(), viewer.role.can_write() && !p.peer);
        let mut out = Vec::new();
        if root == TAXII_DEFAULT_ROOT {
            let dir = self.directory();
            let media = vec![STIX_MEDIA_21.to_string(), STIX_MEDIA_20.to_string()];
            out.push(Resolved {
                view: CollectionView {
                    id: viewer.org.0,
                    title: dir.org_name(viewer.org),
                    description: Some("objects shared by your organisation (TLP:AMBER for your organisation unless marked otherwise)".into()),
                    alias: None,
                    can_read: read,
                    can_write: write,
                    media_types: media.clone(),
                },
                kind: Kind::Org(viewer.org),
            });
            for c in &viewer.communities {
                out.push(Resolved {
                    view: CollectionView {
                        id: c.0,
                        title: dir.community_name(*c),
                        description: Some("objects shared with the community (TLP:AMBER for its members unless marked otherwise)".into()),
                        alias: None,
                        can_read: read,
                        can_write: write,
                        media_types: media.clone(),
                    },
                    kind: Kind::Community(*c),
                });
            }
            out.push(Resolved {
                view: CollectionView {
                    id: PUBLIC_COLLECTION_ID,
                    title: "TLP:CLEAR".into(),
                    description: Some(
                        "every TLP:CLEAR object of every collection; objects added here must be TLP:CLEAR"
                            .into(),
                    ),
                    alias: Some("public".into()),
                    can_read: read,
                    can_write: write,
                    media_types: media,
                },
                kind: Kind::Public,
            });
        }
        for c in self.store.list_taxii_collections().await? {
            let in_scope = match c.scope {
                CollectionScope::Organization(o) => o == viewer.org,
                CollectionScope::Community(cm) => viewer.is_member_of(cm),
                CollectionScope::Public => true,
            };
            if c.api_root != root || !in_scope {
                continue;
            }
            out.push(Resolved {
                view: CollectionView {
                    id: c.id,
                    title: c.title,
                    description: c.description,
                    alias: c.alias,
                    can_read: c.can_read && read,
                    can_write: c.can_write && write,
                    media_types: c.media_types,
                },
                kind: Kind::Stored(c.id, c.scope),
            });
        }
        Ok(out)
    }

    async fn resolve(&self, p: &Principal, root: &str, id: Uuid) -> Result<Resolved, EngineError> {
        self.resolved_collections(p, root)
            .await?
            .into_iter()
            .find(|r| r.view.id == id)
            .ok_or_else(|| EngineError::not_found(format!("collection {id}")))
    }

    async fn readable(&self, p: &Principal, root: &str, id: Uuid) -> Result<Resolved, EngineError> {
        let c = self.resolve(p, root, id).await?;
        if !c.view.can_read {
            return Err(EngineError::Forbidden(format!("collection {id} may not be read")));
        }
        Ok(c)
    }

    /// The page of object versions the filter selects, visible to the viewer, in
    /// `(date_added, seq)` order.
    async fn select(
        &self,
        viewer: &Viewer,
        scope: StixScope,
        f: &TaxiiFilter,
        versions: &VersionMatch,
        with_body: bool,
    ) -> Result<ObjectPage, EngineError> {
        let limit = f.limit.unwrap_or(TAXII_PAGE_DEFAULT).min(TAXII_PAGE_MAX);
        let default_spec = f.spec_versions.is_empty();
        let needs_facts =
            default_spec || !(versions.all || versions.only_times()) || matches!(scope, StixScope::Tlp(_));
        let mut q = StixObjectQuery::new(scope, limit + 1);
        q.added_after = f.added_after;
        q.ids = f.ids.clone();
        q.types = f.types.clone();
        q.spec_versions = f.spec_versions.clone();
        if versions.only_times() {
            q.versions = versions.times.clone();
        }
        let fp = fingerprint(f, versions, scope);
        q.after = f.next.as_deref().map(|n| parse_cursor(n, fp)).transpose()?;
        q.with_body = with_body;
        let mut facts: HashMap<String, IdFacts> = HashMap::new();
        let mut picked: Vec<StixObjectRecord> = Vec::with_capacity(limit + 1);
        'pages: loop {
            let batch = self.store.list_stix_objects(&q).await?;
            let full = batch.len() == q.limit;
            if let Some(last) = batch.last() {
                q.after = Some((last.date_added, last.seq));
            }
            let visible: Vec<StixObjectRecord> =
                batch.into_iter().filter(|r| self.taxii_sees(viewer, &r.access())).collect();
            if needs_facts {
                let missing: Vec<String> = visible
                    .iter()
                    .map(|r| r.id.clone())
                    .filter(|id| !facts.contains_key(id))
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                self.load_facts(viewer, scope, f, &missing, &mut facts).await?;
            }
            for r in visible {
                let keep = if needs_facts {
                    facts.get(&r.id).is_some_and(|x| x.selects(&r, versions, default_spec))
                } else {
                    versions.all || versions.times.contains(&r.version)
                };
                if keep {
                    picked.push(r);
                    if picked.len() > limit {
                        break 'pages;
                    }
                }
            }
            if !full {
                break;
            }
        }
        let more = picked.len() > limit;
        picked.truncate(limit);
        let next = if more { picked.last().map(|o| cursor_token(o, fp)) } else { None };
        Ok(ObjectPage { objects: picked, more, next })
    }

    async fn load_facts(
        &self,
        viewer: &Viewer,
        scope: StixScope,
        f: &TaxiiFilter,
        ids: &[String],
        facts: &mut HashMap<String, IdFacts>,
    ) -> Result<(), EngineError> {
        for chunk in ids.chunks(FILTER_MAX_VALUES) {
            let mut q = StixObjectQuery::new(scope, usize::MAX >> 2);
            q.added_after = f.added_after;
            q.ids = chunk.to_vec();
            q.spec_versions = f.spec_versions.clone();
            q.with_body = false;
            for id in chunk {
                facts.entry(id.clone()).or_default();
            }
            for r in self.store.list_stix_objects(&q).await? {
                if self.taxii_sees(viewer, &r.access()) {
                    facts.entry(r.id.clone()).or_default().rows.push((r.version, r.seq, r.spec_version));
                }
            }
        }
        Ok(())
    }

    /// `GET …/collections/{id}/objects/`: a page of object versions with their text.
    pub async fn taxii_objects(
        &self,
        p: &Principal,
        root: &str,
        coll: Uuid,
        f: &TaxiiFilter,
    ) -> Result<ObjectPage, EngineError> {
        self.collection_page(p, root, coll, f, true).await
    }

    /// A page of a readable collection, `match[version]` `last` by default.
    async fn collection_page(
        &self,
        p: &Principal,
        root: &str,
        coll: Uuid,
        f: &TaxiiFilter,
        with_body: bool,
    ) -> Result<ObjectPage, EngineError> {
        let c = self.readable(p, root, coll).await?;
        let versions = f.versions.clone().unwrap_or_else(VersionMatch::last);
        let page = self.select(&p.viewer, c.scope(), f, &versions, with_body).await?;
        let action = if with_body { "taxii.objects" } else { "taxii.manifest" };
        self.audit_object_reads(p, action, page.objects.iter().map(|o| (o.id.as_str(), o.tlp))).await?;
        Ok(page)
    }

    /// `GET …/collections/{id}/manifest/`: the same selection as [`Engine::taxii_objects`],
    /// facts only.
    pub async fn taxii_manifest(
        &self,
        p: &Principal,
        root: &str,
        coll: Uuid,
        f: &TaxiiFilter,
    ) -> Result<ObjectPage, EngineError> {
        self.collection_page(p, root, coll, f, false).await
    }

    /// `GET …/objects/{object_id}/`: the object's selected versions; not found when the
    /// viewer sees none of them.
    pub async fn taxii_object(
        &self,
        p: &Principal,
        root: &str,
        coll: Uuid,
        object_id: &str,
        f: &TaxiiFilter,
    ) -> Result<ObjectPage, EngineError> {
        let versions = f.versions.clone().unwrap_or_else(VersionMatch::last);
        self.object_page(p, root, coll, object_id, f, &versions, true).await
    }

    /// The selected versions of one object of a readable collection; not found when the
    /// viewer sees no version of it at all.
    async fn object_page(
        &self,
        p: &Principal,
        root: &str,
        coll: Uuid,
        object_id: &str,
        f: &TaxiiFilter,
        versions: &VersionMatch,
        with_body: bool,
    ) -> Result<ObjectPage, EngineError> {
        let c = self.readable(p, root, coll).await?;
        let f = TaxiiFilter { ids: vec![object_id.to_string()], ..f.clone() };
        let page = self.select(&p.viewer, c.scope(), &f, versions, with_body).await?;
        if page.objects.is_empty() && f.next.is_none() {
            self.require_visible_object(&p.viewer, c.scope(), object_id).await?;
        }
        let action = if with_body { "taxii.object" } else { "taxii.versions" };
        self.audit_object_reads(p, action, page.objects.iter().map(|o| (o.id.as_str(), o.tlp))).await?;
        Ok(page)
    }

    /// `GET …/objects/{object_id}/versions/`: every selected version of the object.
    pub async fn taxii_versions(
        &self,
        p: &Principal,
        root: &str,
        coll: Uuid,
        object_id: &str,
        f: &TaxiiFilter,
    ) -> Result<ObjectPage, EngineError> {
        self.object_page(p, root, coll, object_id, f, &VersionMatch::all(), false).await
    }

    /// Not found unless the viewer sees a version of the object in the collection: filters
    /// that leave nothing of an object that is there answer an empty resource, as medallion
    /// does; an object hidden or absent is not found either way.
    async fn require_visible_object(
        &self,
        viewer: &Viewer,
        scope: StixScope,
        object_id: &str,
    ) -> Result<(), EngineError> {
        let f = TaxiiFilter {
            ids: vec![object_id.to_string()],
            spec_versions: vec!["2.0".into(), "2.1".into()],
            limit: Some(1),
            ..TaxiiFilter::default()
        };
        let page = self.select(viewer, scope, &f, &VersionMatch::all(), false).await?;
        if page.objects.is_empty() {
            return Err(EngineError::not_found(format!("object {object_id}")));
        }
        Ok(())
    }

    /// `DELETE …/objects/{object_id}/`: deletes the matched versions (all by default).
    /// Forbidden without write access (checked before anything is looked up); not found when
    /// the viewer sees none of the versions; forbidden when a matched version was added by
    /// another organisation (the viewer sees it, so saying so reveals nothing).
    pub async fn taxii_delete_object(
        &self,
        p: &Principal,
        root: &str,
        coll: Uuid,
        object_id: &str,
        f: &TaxiiFilter,
    ) -> Result<u64, EngineError> {
        let c = self.resolve(p, root, coll).await?;
        // Checked first: the answer then says nothing about the objects.
        if !c.view.can_write {
            return Err(EngineError::Forbidden(format!("collection {coll} may not be written")));
        }
        let mut f = f.clone();
        f.ids = vec![object_id.to_string()];
        f.next = None;
        f.limit = None;
        let versions = f.versions.clone().unwrap_or_else(VersionMatch::all);
        let _w = self.writes.lock().await;
        let mut seqs = Vec::new();
        loop {
            let page = self.select(&p.viewer, c.scope(), &f, &versions, false).await?;
            for o in &page.objects {
                if o.author != p.viewer.org {
                    return Err(EngineError::Forbidden(format!(
                        "object {object_id} version {} was added by another organisation",
                        format_timestamp(o.version)
                    )));
                }
                seqs.push(o.seq);
            }
            match page.next {
                Some(n) => f.next = Some(n),
                None => break,
            }
        }
        if seqs.is_empty() {
            return Err(EngineError::not_found(format!("object {object_id}")));
        }
        let deleted = self.store.delete_stix_objects(&seqs).await?;
        let detail = serde_json::json!({ "collection": coll, "versions": deleted });
        self.audit(crate::audit_actor(Some(p)), "stix_object.delete", "stix_object", object_id, Some(detail))
            .await;
        Ok(deleted)
    }

    /// `GET …/status/{id}/`: only the requesting organisation sees a status.
    pub async fn taxii_status(&self, p: &Principal, root: &str, id: Uuid) -> Result<StatusView, EngineError> {
        self.taxii_api_root(p, root).await?;
        match self.store.get_taxii_status(id).await? {
            Some(s) if s.org == p.viewer.org && s.api_root == root => Ok(StatusView::from_record(&s)),
            _ => Err(EngineError::not_found(format!("status {id}"))),
        }
    }

    /// `POST …/objects/`: the body as received (a TAXII envelope or a STIX bundle).
    ///
    /// Errors: over the api root's `max_content_length` ([`EngineError::TooMany`]), not JSON or
    /// no `objects` array ([`EngineError::Invalid`]), no objects at all.
    pub async fn taxii_add_body(
        &self,
        p: &Principal,
        root: &str,
        coll: Uuid,
        body: &str,
    ) -> Result<AddOutcome, EngineError> {
        let api_root = self.taxii_api_root(p, root).await?;
        if body.len() as u64 > api_root.max_content_length {
            return Err(EngineError::TooMany {
                what: "request body bytes".into(),
                limit: usize::try_from(api_root.max_content_length).unwrap_or(usize::MAX),
                got: body.len(),
            });
        }
        let objects = raw_objects_of(body).map_err(|e| EngineError::invalid("body", e.to_string()))?;
        if objects.is_empty() {
            return Err(EngineError::invalid("objects", "holds no objects"));
        }
        self.taxii_add_objects(p, root, coll, &objects).await
    }

    /// The one add path: validates every object, stores the valid ones in one batch with
    /// strictly increasing `date_added`, records a status resource (`complete`) and returns it
    /// with the rows newly stored.
    pub async fn taxii_add_objects(
        &self,
        p: &Principal,
        root: &str,
        coll: Uuid,
        objects: &[&RawValue],
    ) -> Result<AddOutcome, EngineError> {
        let c = self.resolve(p, root, coll).await?;
        if !c.view.can_write {
            return Err(EngineError::Forbidden(format!("collection {coll} may not be written")));
        }
        let request_timestamp = now();
        let mut failures = Vec::new();
        let mut valid: Vec<(ObjectMeta, &RawValue)> = Vec::with_capacity(objects.len());
        for (i, raw) in objects.iter().enumerate() {
            let value: Value = match serde_json::from_str(raw.get()) {
                Ok(v) => v,
                Err(e) => {
                    failures.push(serde_json::json!({"id": "", "message": format!("objects[{i}]: {e}")}));
                    continue;
                }
            };
            let fail = |message: String| {
                let mut v = serde_json::json!({
                    "id": value.get("id").and_then(Value::as_str).unwrap_or(""),
                    "message": message,
                });
                if let Some(ver) =
                    value.get("modified").or_else(|| value.get("created")).and_then(Value::as_str)
                {
                    v["version"] = Value::String(ver.to_string());
                }
                v
            };
            match parse_object(&value) {
                Ok(meta) => {
                    if matches!(c.kind, Kind::Public) && meta.tlp.is_some_and(|t| t != Tlp::Clear) {
                        let tlp = meta.tlp.map(Tlp::as_str).unwrap_or_default();
                        failures.push(fail(format!(
                            "objects[{i}].object_marking_refs: the public collection takes TLP:CLEAR objects only, this one is TLP:{tlp}"
                        )));
                    } else {
                        valid.push((meta, *raw));
                    }
                }
                Err(e) => failures.push(fail(e.at(&format!("objects[{i}]")))),
            }
        }
        let author = p.viewer.org;
        let (default_tlp, mut base_audience) = match c.kind {
            Kind::Org(_) => (Tlp::Amber, Audience::default()),
            Kind::Community(cm) => (Tlp::Amber, Audience { organizations: vec![], communities: vec![cm] }),
            Kind::Public => (Tlp::Clear, Audience::default()),
            Kind::Stored(_, CollectionScope::Organization(o)) => {
                (Tlp::Amber, Audience { organizations: vec![o], communities: vec![] })
            }
            Kind::Stored(_, CollectionScope::Community(cm)) => {
                (Tlp::Amber, Audience { organizations: vec![], communities: vec![cm] })
            }
            Kind::Stored(_, CollectionScope::Public) => (Tlp::Green, Audience::default()),
        };
        base_audience.organizations.retain(|o| *o != author);
        let collection = c.storage_id();
        let mut successes = Vec::with_capacity(valid.len());
        let mut stored = Vec::new();
        {
            let _w = self.writes.lock().await;
            let mut clock = self.taxii_clock.lock().await;
            // Other nodes of a deployment add objects too: never go back before theirs.
            if let Some(latest) = self.store.last_stix_date_added().await? {
                *clock = (*clock).max(latest);
            }
            // An unversioned object (an SCO: no `modified`, no `created`) is versioned by its
            // `date_added`; the same object sent again is already there, not a new version.
            let unversioned: Vec<String> =
                valid.iter().filter(|(m, _)| m.version.is_none()).map(|(m, _)| m.id.clone()).collect();
            let mut known: Vec<(String, Value, DateTime<Utc>)> = Vec::new();
            for ids in unversioned.chunks(FILTER_MAX_VALUES) {
                let query = StixObjectQuery {
                    ids: ids.to_vec(),
                    ..StixObjectQuery::new(StixScope::Collection(collection), usize::MAX >> 1)
                };
                // Only copies the poster may see count: a hidden copy must neither swallow the
                // poster's object nor reveal that it exists.
                for row in self.store.list_stix_objects(&query).await? {
                    if can_see(&p.viewer, &row.access())
                        && let Ok(v) = serde_json::from_str::<Value>(&row.body)
                    {
                        known.push((row.id, v, row.version));
                    }
                }
            }
            let mut rows = Vec::with_capacity(valid.len());
            for (meta, raw) in &valid {
                let t = now().max(*clock + Duration::microseconds(1));
                if meta.version.is_none() {
                    let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
                    if let Some((_, _, version)) =
                        known.iter().find(|(id, v, _)| *id == meta.id && *v == value)
                    {
                        successes
                            .push(serde_json::json!({"id": meta.id, "version": format_timestamp(*version)}));
                        continue;
                    }
                    known.push((meta.id.clone(), value, t));
                }
                *clock = t;
                rows.push(StixObjectRecord {
                    seq: 0,
                    collection,
                    id: meta.id.clone(),
                    ty: meta.ty.clone(),
                    spec_version: meta.spec_version.to_string(),
                    version: meta.version.unwrap_or(t),
                    created: meta.created,
                    modified: meta.modified,
                    date_added: t,
                    media_type: if meta.spec_version == "2.0" { STIX_MEDIA_20 } else { STIX_MEDIA_21 }
                        .to_string(),
                    author,
                    tlp: meta.tlp.unwrap_or(default_tlp),
                    audience: base_audience.clone(),
                    created_by_ref: meta.created_by_ref.clone(),
                    body: raw.get().to_string(),
                });
            }
            let seqs = self.store.insert_stix_objects(&rows).await?;
            for (mut row, seq) in rows.into_iter().zip(seqs) {
                successes.push(serde_json::json!({"id": row.id, "version": format_timestamp(row.version)}));
                if let Some(seq) = seq {
                    row.seq = seq;
                    stored.push(row);
                }
            }
        }
        let record = TaxiiStatusRecord {
            id: Uuid::now_v7(),
            api_root: root.to_string(),
            org: author,
            request_timestamp,
            total_count: objects.len() as u64,
            success_count: successes.len() as u64,
            failure_count: failures.len() as u64,
            pending_count: 0,
            details: serde_json::json!({"status": "complete", "successes": successes, "failures": failures, "pendings": []}),
        };
        self.store.insert_taxii_status(&record).await?;
        let detail = serde_json::json!({ "collection": collection, "objects": record.total_count, "stored": stored.len() });
        self.audit(crate::audit_actor(Some(p)), "stix_object.add", "taxii_status", record.id, Some(detail))
            .await;
        // What the new objects mean to the rest of dragnet: reports and observables.
        let bodies: Vec<Value> = stored.iter().filter_map(|r| serde_json::from_str(&r.body).ok()).collect();
        let origin = crate::stix_import::StixOrigin {
            tlp: default_tlp,
            audience: base_audience,
            collection: c.view.title.clone(),
            scope: store::StixScope::Collection(collection),
        };
        let mapped = self.map_stix(p, &bodies, &origin).await?;
        tracing::info!(
            collection = %coll,
            stored = stored.len(),
            failures = record.failure_count,
            reports = mapped.reports.len(),
            "taxii objects added"
        );
        Ok(AddOutcome { status: StatusView::from_record(&record), stored, mapped })
    }

    /// Loads a medallion memory-backend data file (`/discovery`, api roots with `information`,
    /// `collections` with `objects` and `manifest`, `status`): the api roots, the collections
    /// (scoped to `owner`, keeping ids, titles and permissions), the objects with the
    /// `date_added` and media type of their manifest entries (access: `owner`, TLP from their
    /// markings, else AMBER) and the status resources (requested by `owner`).
    ///
    /// Refuses (conflict) a file whose api roots or collections are already stored, so a
    /// second load changes nothing.
    pub async fn import_medallion(&self, data: &Value, owner: OrgId) -> Result<MedallionImport, EngineError> {
        if self.directory().org(owner).is_none() {
            return Err(EngineError::not_found(format!("organisation {}", owner.0)));
        }
        let Value::Object(top) = data else {
            return Err(EngineError::invalid("medallion data", "expected a json object"));
        };
        let existing_roots: HashSet<String> =
            self.store.list_taxii_api_roots().await?.into_iter().map(|r| r.path).collect();
        let existing_colls: HashSet<Uuid> =
            self.store.list_taxii_collections().await?.into_iter().map(|c| c.id).collect();
        let created_at = now();
        let mut roots = Vec::new();
        let mut colls = Vec::new();
        let mut rows = Vec::new();
        let mut statuses = Vec::new();
        for (path, root) in top.iter().filter(|(k, _)| !k.starts_with('/')) {
            let field = |f: &str| format!("{path}.{f}");
            if path.is_empty() || path.contains('/') {
                return Err(EngineError::invalid(path, "not an api root path segment"));
            }
            if existing_roots.contains(path) {
                return Err(EngineError::Conflict(format!(
                    "api root {path:?} is already stored: this file was imported before"
                )));
            }
            let info = root
                .get("information")
                .ok_or_else(|| EngineError::invalid(field("information"), "is required"))?;
            roots.push(TaxiiApiRoot {
                path: path.clone(),
                title: info.get("title").and_then(Value::as_str).unwrap_or(path).to_string(),
                description: info.get("description").and_then(Value::as_str).map(str::to_string),
                max_content_length: info
                    .get("max_content_length")
                    .and_then(Value::as_u64)
                    .unwrap_or(TAXII_MAX_CONTENT_LENGTH),
                created_at,
            });
            let collections = root.get("collections").and_then(Value::as_array).cloned().unwrap_or_default();
            for (ci, c) in collections.iter().enumerate() {
                let cf = |f: &str| format!("{path}.collections[{ci}].{f}");
                let id = c
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| EngineError::invalid(cf("id"), "must be a uuid"))?;
                if existing_colls.contains(&id) || id == PUBLIC_COLLECTION_ID {
                    return Err(EngineError::Conflict(format!(
                        "collection {id} is already stored: this file was imported before"
                    )));
                }
                let flag = |k: &str| c.get(k).and_then(Value::as_bool).unwrap_or(false);
                let media_types = c
                    .get("media_types")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                    .unwrap_or_else(|| vec![STIX_MEDIA_21.to_string()]);
                colls.push(TaxiiCollectionRecord {
                    id,
                    api_root: path.clone(),
                    title: c.get("title").and_then(Value::as_str).unwrap_or("").to_string(),
                    description: c.get("description").and_then(Value::as_str).map(str::to_string),
                    alias: c.get("alias").and_then(Value::as_str).map(str::to_string),
                    scope: CollectionScope::Organization(owner),
                    can_read: flag("can_read"),
                    can_write: flag("can_write"),
                    media_types,
                    owner,
                    created_at,
                });
                let manifest = c.get("manifest").and_then(Value::as_array).cloned().unwrap_or_default();
                let objects = c.get("objects").and_then(Value::as_array).cloned().unwrap_or_default();
                for (oi, o) in objects.iter().enumerate() {
                    let meta = parse_object(o)
                        .map_err(|e| EngineError::invalid(cf(&format!("objects[{oi}]")), e.to_string()))?;
                    let entry = manifest.iter().find(|m| {
                        m.get("id").and_then(Value::as_str) == Some(meta.id.as_str())
                            && m.get("version").and_then(Value::as_str).and_then(|v| parse_timestamp(v).ok())
                                == meta.version
                    });
                    let date_added = entry
                        .and_then(|m| m.get("date_added"))
                        .and_then(Value::as_str)
                        .and_then(|s| parse_timestamp(s).ok())
                        .unwrap_or(created_at);
                    let media_type = entry
                        .and_then(|m| m.get("media_type"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| {
                            if meta.spec_version == "2.0" { STIX_MEDIA_20 } else { STIX_MEDIA_21 }.to_string()
                        });
                    rows.push(StixObjectRecord {
                        seq: 0,
                        collection: id,
                        id: meta.id.clone(),
                        ty: meta.ty.clone(),
                        spec_version: meta.spec_version.to_string(),
                        version: meta.version.unwrap_or(date_added),
                        created: meta.created,
                        modified: meta.modified,
                        date_added,
                        media_type,
                        author: owner,
                        tlp: meta.tlp.unwrap_or(Tlp::Amber),
                        audience: Audience::default(),
                        created_by_ref: meta.created_by_ref.clone(),
                        body: o.to_string(),
                    });
                }
            }
            for (si, s) in root.get("status").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let sf = |f: &str| format!("{path}.status[{si}].{f}");
                let id = s
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|x| Uuid::parse_str(x).ok())
                    .ok_or_else(|| EngineError::invalid(sf("id"), "must be a uuid"))?;
                let count = |k: &str| s.get(k).and_then(Value::as_u64).unwrap_or(0);
                let list = |k: &str| s.get(k).cloned().unwrap_or_else(|| Value::Array(vec![]));
                statuses.push(TaxiiStatusRecord {
                    id,
                    api_root: path.clone(),
                    org: owner,
                    request_timestamp: s
                        .get("request_timestamp")
                        .and_then(Value::as_str)
                        .and_then(|t| parse_timestamp(t).ok())
                        .unwrap_or(created_at),
                    total_count: count("total_count"),
                    success_count: count("success_count"),
                    failure_count: count("failure_count"),
                    pending_count: count("pending_count"),
                    details: serde_json::json!({
                        "status": s.get("status").and_then(Value::as_str).unwrap_or("complete"),
                        "successes": list("successes"),
                        "failures": list("failures"),
                        "pendings": list("pendings"),
                    }),
                });
            }
        }
        rows.sort_by_key(|r| r.date_added);
        let stored = {
            let _w = self.writes.lock().await;
            for r in &roots {
                self.store.create_taxii_api_root(r).await?;
            }
            for c in &colls {
                self.store.create_taxii_collection(c).await?;
            }
            let stored = self.store.insert_stix_objects(&rows).await?.into_iter().flatten().count();
            for s in &statuses {
                self.store.insert_taxii_status(s).await?;
            }
            let detail = serde_json::json!({ "collections": colls.len(), "stored": stored });
            self.audit(
                model::audit::AuditActor::cli(),
                "taxii.import",
                "organization",
                owner.0,
                Some(detail),
            )
            .await;
            let mut clock = self.taxii_clock.lock().await;
            if let Some(last) = rows.iter().map(|r| r.date_added).max() {
                *clock = (*clock).max(last);
            }
            stored
        };
        // What the objects mean to dragnet, collection by collection, as the owner added them.
        let mut mapped = crate::StixMapped::default();
        let owner_principal = self
            .principal_for(owner, model::Role::Contributor, None)
            .ok_or_else(|| EngineError::not_found(format!("organisation {}", owner.0)))?;
        for c in &colls {
            let bodies: Vec<Value> = rows
                .iter()
                .filter(|r| r.collection == c.id)
                .filter_map(|r| serde_json::from_str(&r.body).ok())
                .collect();
            let origin = crate::stix_import::StixOrigin {
                tlp: Tlp::Amber,
                audience: Audience::default(),
                collection: c.title.clone(),
                scope: StixScope::Collection(c.id),
            };
            let m = self.map_stix(&owner_principal, &bodies, &origin).await?;
            mapped.reports.extend(m.reports);
            mapped.existing += m.existing;
            mapped.observables += m.observables;
            mapped.errors.extend(m.errors);
        }
        Ok(MedallionImport {
            api_roots: roots.len(),
            collections: colls.len(),
            objects: stored,
            statuses: statuses.len(),
            mapped,
        })
    }
}
