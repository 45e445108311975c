//! The records of STIX objects and TAXII 2.1 resources (api roots, stored collections, status).

use chrono::{DateTime, Utc};
use model::Tlp;
use model::org::{CommunityId, OrgId};
use model::report::{Audience, ReportAccess};
use uuid::Uuid;

/// One version of one STIX object in one collection, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StixObjectRecord {
    /// The row's position in the order of adds, assigned by the store (ignored on insert).
    pub seq: i64,
    /// The collection the object was added to.
    pub collection: Uuid,
    /// `<type>--<uuid>`.
    pub id: String,
    pub ty: String,
    /// `2.1` or `2.0`.
    pub spec_version: String,
    /// `modified`, else `created`, else (an unversioned SCO) `date_added`.
    pub version: DateTime<Utc>,
    pub created: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
    /// When the server added this version (assigned by the engine, strictly increasing).
    pub date_added: DateTime<Utc>,
    /// e.g. `application/stix+json;version=2.1`.
    pub media_type: String,
    /// The access facts, as a report has them: the posting organisation, the TLP and the
    /// audience.
    pub author: OrgId,
    pub tlp: Tlp,
    pub audience: Audience,
    pub created_by_ref: Option<String>,
    /// The object's JSON text exactly as received. Empty when a query asked for facts only.
    pub body: String,
}

impl StixObjectRecord {
    /// The facts the visibility function decides on.
    pub fn access(&self) -> ReportAccess {
        ReportAccess::new(self.author, self.tlp, &self.audience, false)
    }
}

/// Which rows a query reads: one collection's, or every collection's rows of one TLP (the
/// public collection is every `CLEAR` row).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StixScope {
    Collection(Uuid),
    Tlp(Tlp),
}

/// A page query over [`StixObjectRecord`]s, in `(date_added, seq)` order.
///
/// Every list that is not empty restricts the rows to those matching one of its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StixObjectQuery {
    pub scope: StixScope,
    /// Only rows added strictly after this time.
    pub added_after: Option<DateTime<Utc>>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    pub versions: Vec<DateTime<Utc>>,
    pub spec_versions: Vec<String>,
    /// Only rows strictly after this `(date_added, seq)` cursor.
    pub after: Option<(DateTime<Utc>, i64)>,
    pub limit: usize,
    /// Whether to read the objects' text (a manifest needs only the facts).
    pub with_body: bool,
}

impl StixObjectQuery {
    /// Every row of `scope`, `limit` at a time, with their text.
    pub fn new(scope: StixScope, limit: usize) -> Self {
        StixObjectQuery {
            scope,
            added_after: None,
            ids: Vec::new(),
            types: Vec::new(),
            versions: Vec::new(),
            spec_versions: Vec::new(),
            after: None,
            limit,
            with_body: true,
        }
    }
}

/// A TAXII api root stored by the instance (the default root `api` is not stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxiiApiRoot {
    /// The URL path segment, e.g. `trustgroup1`.
    pub path: String,
    pub title: String,
    pub description: Option<String>,
    pub max_content_length: u64,
    pub created_at: DateTime<Utc>,
}

/// Who a stored collection is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectionScope {
    /// The members of one organisation.
    Organization(OrgId),
    /// The members of one community.
    Community(CommunityId),
    /// Every authenticated viewer.
    Public,
}

/// A TAXII collection stored by the instance (organisation, community and public collections
/// are derived, not stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxiiCollectionRecord {
    pub id: Uuid,
    /// The api root's path segment.
    pub api_root: String,
    pub title: String,
    pub description: Option<String>,
    pub alias: Option<String>,
    pub scope: CollectionScope,
    /// Whether members of the scope may read / write.
    pub can_read: bool,
    pub can_write: bool,
    pub media_types: Vec<String>,
    /// The organisation that made it.
    pub owner: OrgId,
    pub created_at: DateTime<Utc>,
}

/// A TAXII status resource: the outcome of one add request.
#[derive(Clone, Debug, PartialEq)]
pub struct TaxiiStatusRecord {
    pub id: Uuid,
    pub api_root: String,
    /// The organisation that made the request; only it may read the status.
    pub org: OrgId,
    pub request_timestamp: DateTime<Utc>,
    pub total_count: u64,
    pub success_count: u64,
    pub failure_count: u64,
    pub pending_count: u64,
    /// `{"successes": […], "failures": […], "pendings": […]}` as TAXII spells them.
    pub details: serde_json::Value,
}
