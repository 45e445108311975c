//! The [`Store`] trait and the records only the store defines.

use chrono::{DateTime, Utc};
use model::ObservableKind;
use model::alert::{Alert, AlertRule};
use model::campaign::HubMark;
use model::discovery::{AccessRequest, AccessRequestStatus};
use model::event::Event;
use model::federation::{Instance, PeerKind};
use model::hashlist::{HashEntry, HashSet, HashSighting};
use model::org::{Community, CommunityId, OrgId, Organization, Role};
use model::report::{Audience, Report};
use model::scam::VictimPii;
use uuid::Uuid;

use model::audit::{AuditEntry, AuditRecord};

use crate::StoreError;
use crate::audit::AuditQuery;
use crate::taxii::{
    StixObjectQuery, StixObjectRecord, TaxiiApiRoot, TaxiiCollectionRecord, TaxiiStatusRecord,
};

/// An API token as stored: never the secret, only its SHA-256.
///
/// Times are kept to the microsecond (see the [crate docs](crate#time-precision)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    /// The token's id (UUIDv7, assigned by the caller).
    pub id: Uuid,
    /// The organisation the token acts for.
    pub org: OrgId,
    /// What the token may do.
    pub role: Role,
    /// A human label, e.g. `ingest pipeline`.
    pub label: String,
    /// SHA-256 of the secret, computed by the caller. Unique across the instance.
    pub hash: [u8; 32],
    pub created_at: DateTime<Utc>,
    /// After this time the token no longer authenticates; `None` for never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the token was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the token last authenticated a request, if ever.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A peer this instance pulls from (federation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerRecord {
    /// The peer's id here (UUIDv7, assigned by the caller).
    pub id: Uuid,
    /// The peer's base URL (a dragnet server) or its TAXII api root URL.
    pub url: String,
    pub kind: PeerKind,
    /// The secret presented to the peer: it must be sent, so it is kept as given.
    pub token: String,
    /// The TAXII collection id (TAXII peers).
    pub collection: Option<String>,
    /// The organisation imported reports are authored by here.
    pub receiving_org: OrgId,
    /// Whether the operator allowed a URL resolving to a private, loopback or link-local
    /// address.
    pub allow_private: bool,
    pub created_at: DateTime<Utc>,
    /// What pulling has learnt and done so far.
    pub state: PeerState,
}

/// What pulling a peer has learnt and done: written by the puller as a whole.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerState {
    /// The peer's instance id and name (dragnet peers).
    pub remote_instance: Option<Uuid>,
    pub remote_name: Option<String>,
    /// Where pulling resumes: the last event id received (dragnet), the last
    /// `X-TAXII-Date-Added-Last` (TAXII).
    pub cursor: Option<String>,
    pub last_ok_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Reports imported from the peer so far.
    pub imported: u64,
}

/// dragnet's persistent state: organisations, communities, tokens, reports and hash lists.
///
/// Implementations are shared as `Arc<dyn Store>`. Every implementation passes the
/// conformance suite in [`crate::testsuite`]; the rules below are what it checks.
///
/// - Ids and creation times are assigned by the caller; the store only checks uniqueness.
/// - Times round-trip exactly at microsecond precision; finer precision is truncated.
/// - Lists are returned in id order (UUIDv7, so creation order).
/// - A unique key already taken is [`StoreError::Conflict`]; a reference to something that
///   does not exist is [`StoreError::NotFound`].
/// - Every write is durable when the method returns.
/// - A write that describes a change with events (reports, revocations, alerts, sightings)
///   appends them in the same transaction: the change is committed if and only if its events
///   are. Events get their `seq` from the store, increasing in commit order from 1 without
///   gaps, and are returned with it, in the order given.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    // ----- organisations -----

    /// Stores a new organisation. Conflict when its id or its name (exact, case-sensitive)
    /// is taken.
    async fn create_org(&self, org: &Organization) -> Result<(), StoreError>;

    /// Every organisation, in id order.
    async fn list_orgs(&self) -> Result<Vec<Organization>, StoreError>;

    // ----- communities -----

    /// Stores a new community with its members. Conflict when its id or name is taken;
    /// not found when a member organisation does not exist. Members are a set: duplicates
    /// are dropped and they are listed in id order.
    async fn create_community(&self, community: &Community) -> Result<(), StoreError>;

    /// Replaces the members of a community. Not found when the community or a member
    /// organisation does not exist; then nothing changes.
    async fn set_community_members(&self, id: CommunityId, members: &[OrgId]) -> Result<(), StoreError>;

    /// Every community with its members (sorted by id, no duplicates), in id order.
    async fn list_communities(&self) -> Result<Vec<Community>, StoreError>;

    // ----- tokens -----

    /// Stores a new token. Conflict when its id or hash is taken; not found when its
    /// organisation does not exist.
    async fn create_token(&self, token: &TokenRecord) -> Result<(), StoreError>;

    /// The token whose secret hashes to `hash`, revoked or expired included (the caller
    /// decides what those mean).
    async fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<TokenRecord>, StoreError>;

    /// The tokens of one organisation, or of every organisation, in id order.
    async fn list_tokens(&self, org: Option<OrgId>) -> Result<Vec<TokenRecord>, StoreError>;

    /// Marks a token revoked at `at`. False when the token is unknown or already revoked.
    async fn revoke_token(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Records that a token was used at `at`. False when the token is unknown.
    async fn touch_token(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError>;

    // ----- reports -----

    /// Stores a batch of reports and the events describing it in one transaction: all of them
    /// or none. Returns the events with their `seq`.
    ///
    /// Conflict when a report id is already stored or appears twice in the batch; then
    /// nothing of the batch is stored. Durable when it returns. An empty batch stores nothing
    /// (not even its events).
    async fn insert_reports(&self, reports: &[Report], events: &[Event]) -> Result<Vec<Event>, StoreError>;

    /// [`Store::insert_reports`] with audit records appended to the audit chain in the same
    /// transaction: the reports, their events and their audit entries are stored together or
    /// not at all.
    async fn insert_reports_audited(
        &self,
        reports: &[Report],
        events: &[Event],
        audit: &[AuditRecord],
    ) -> Result<Vec<Event>, StoreError>;

    /// The reports with these ids, in the order asked; unknown ids are skipped (an id asked
    /// twice is returned twice).
    async fn get_reports(&self, ids: &[Uuid]) -> Result<Vec<Report>, StoreError>;

    /// Marks a report revoked at `at` and appends `events` in the same transaction; returns
    /// them with their `seq`. `None` when the report is unknown or already revoked: then
    /// nothing is written.
    async fn revoke_report(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        events: &[Event],
    ) -> Result<Option<Vec<Event>>, StoreError>;

    /// Up to `limit` reports with ids greater than `after` (all, when `None`), in id order,
    /// with their observables. Page through every report by passing the last id of each
    /// page as the next `after`; an empty page means the end.
    async fn scan_reports(&self, after: Option<Uuid>, limit: usize) -> Result<Vec<Report>, StoreError>;

    /// How many reports are stored, revoked ones included.
    async fn count_reports(&self) -> Result<u64, StoreError>;

    /// The victim's personal data of these reports, for those that have any, in the order
    /// asked. The only read of that data: reports are returned without it
    /// (`Report::victim_pii` is always `None` on the way out).
    async fn get_victim_pii(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, VictimPii)>, StoreError>;

    // ----- hash lists -----

    /// Stores a new hash set. Conflict when its id, or its name within its owner's sets
    /// (exact, case-sensitive), is taken; not found when the owner organisation does not exist.
    async fn create_hash_set(&self, set: &HashSet) -> Result<(), StoreError>;

    /// Replaces a hash set's name, category, source, description, TLP and audience (its id,
    /// owner and creation time never change). False when the set is unknown; conflict when the
    /// new name is taken by another set of the same owner.
    async fn update_hash_set(&self, set: &HashSet) -> Result<bool, StoreError>;

    /// Every hash set, in id order.
    async fn list_hash_sets(&self) -> Result<Vec<HashSet>, StoreError>;

    /// Stores a batch of entries in one transaction: all of them or none. Values are lowercase
    /// hex of their kind's length ([`StoreError::Invalid`] otherwise). Conflict when an entry id
    /// is taken, or a set already holds the same kind and value (withdrawn or not), also
    /// within the batch; not found when a set does not exist.
    async fn insert_hash_entries(&self, entries: &[HashEntry]) -> Result<(), StoreError>;

    /// Sets `withdrawn_at` of these entries to `at`: a time withdraws them, `None` reinstates
    /// them. Returns how many entries changed (already withdrawn ones keep their first time;
    /// unknown ids are skipped).
    async fn set_hash_entries_withdrawn(
        &self,
        ids: &[Uuid],
        at: Option<DateTime<Utc>>,
    ) -> Result<u64, StoreError>;

    /// Up to `limit` entries of every set with ids greater than `after`, in id order, withdrawn
    /// ones included; page like [`Store::scan_reports`].
    async fn scan_hash_entries(
        &self,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<HashEntry>, StoreError>;

    /// [`Store::scan_hash_entries`] restricted to one set.
    async fn list_hash_entries(
        &self,
        set_id: Uuid,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<HashEntry>, StoreError>;

    /// The entries with these ids, in the order asked; unknown ids are skipped.
    async fn get_hash_entries(&self, ids: &[Uuid]) -> Result<Vec<HashEntry>, StoreError>;

    // ----- hub marks -----

    /// Stores a hub mark, replacing the one on the same kind and value.
    async fn set_hub_mark(&self, mark: &HubMark) -> Result<(), StoreError>;

    /// Removes the mark on a value. False when there was none.
    async fn delete_hub_mark(&self, kind: ObservableKind, value: &str) -> Result<bool, StoreError>;

    /// Every hub mark, by kind and value.
    async fn list_hub_marks(&self) -> Result<Vec<HubMark>, StoreError>;

    // ----- hit/no-hit -----

    /// Sets a report's `discoverable` flag (`None`: its organisation's setting). False when
    /// the report is unknown.
    async fn set_report_discoverable(&self, id: Uuid, discoverable: Option<bool>)
    -> Result<bool, StoreError>;

    /// Sets an organisation's "all our reports are discoverable" setting. False when the
    /// organisation is unknown.
    async fn set_org_reports_discoverable(&self, org: OrgId, on: bool) -> Result<bool, StoreError>;

    /// The organisations whose setting is on, in id order.
    async fn list_discoverable_orgs(&self) -> Result<Vec<OrgId>, StoreError>;

    /// Stores access request records and their events in one transaction: all of them or
    /// none; returns the events with their `seq`. Conflict when an id is taken, or a record for
    /// the same requester, owner, kind and value is pending (also within the batch); not found
    /// when the requester organisation does not exist.
    async fn insert_access_requests(
        &self,
        requests: &[AccessRequest],
        events: &[Event],
    ) -> Result<Vec<Event>, StoreError>;

    /// The access request record with this id.
    async fn get_access_request(&self, id: Uuid) -> Result<Option<AccessRequest>, StoreError>;

    /// Up to `limit` records addressed to `owner` with ids greater than `after`, in id order;
    /// only those with `status` when given.
    async fn list_access_requests_to(
        &self,
        owner: OrgId,
        status: Option<AccessRequestStatus>,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<AccessRequest>, StoreError>;

    /// Every record of the first `limit` requests sent by `requester` whose request ids are
    /// greater than `after`, in (request id, id) order: a page of whole requests.
    async fn list_access_requests_from(
        &self,
        requester: OrgId,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<AccessRequest>, StoreError>;

    /// The records sent by `requester` about one selector, in id order.
    async fn access_requests_for_selector(
        &self,
        requester: OrgId,
        kind: ObservableKind,
        value: &str,
    ) -> Result<Vec<AccessRequest>, StoreError>;

    /// How many requests (distinct request ids) `requester` has with a pending record.
    async fn count_pending_access_requests_from(&self, requester: OrgId) -> Result<u64, StoreError>;

    /// Decides a pending record, in one transaction with `events`: `Declined`, or `Granted`
    /// together with the new audiences of the reports the grant opens (each replacing that
    /// report's audience). Returns the events with their `seq`; `None`, and nothing changed,
    /// when the record is unknown or no longer pending; not found (nothing changed) when a
    /// report is unknown; invalid for `Pending`.
    async fn decide_access_request(
        &self,
        id: Uuid,
        status: AccessRequestStatus,
        at: DateTime<Utc>,
        by: Option<Uuid>,
        audiences: &[(Uuid, Audience)],
        events: &[Event],
    ) -> Result<Option<Vec<Event>>, StoreError>;

    // ----- alerts -----

    /// Stores a new alert rule. Conflict when its id is taken; not found when its organisation
    /// does not exist.
    async fn create_alert_rule(&self, rule: &AlertRule) -> Result<(), StoreError>;

    /// Every rule not deleted, in id order.
    async fn list_alert_rules(&self) -> Result<Vec<AlertRule>, StoreError>;

    /// Marks a rule deleted at `at`: it raises nothing more, its alerts stay. False when the
    /// rule is unknown or already deleted.
    async fn delete_alert_rule(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Stores alerts and their events in one transaction; returns the events with their `seq`.
    /// Conflict when an id is taken; not found when a rule does not exist.
    async fn insert_alerts(&self, alerts: &[Alert], events: &[Event]) -> Result<Vec<Event>, StoreError>;

    /// Up to `limit` alerts of one organisation (or of all, for `None`) with ids greater than
    /// `after`, in id order.
    async fn list_alerts(
        &self,
        org: Option<OrgId>,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<Alert>, StoreError>;

    /// Stores sightings and their events in one transaction; returns the events with their
    /// `seq`. Conflict when an id is taken; not found when a set or entry does not exist.
    async fn insert_hash_sightings(
        &self,
        sightings: &[HashSighting],
        events: &[Event],
    ) -> Result<Vec<Event>, StoreError>;

    /// Up to `limit` sightings of one set with ids greater than `after`, in id order.
    async fn list_hash_sightings(
        &self,
        set_id: Uuid,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<HashSighting>, StoreError>;

    // ----- events -----

    /// Appends events that describe no stored change of their own (derived facts, such as a
    /// report joining a campaign) in one transaction; returns them with their `seq`.
    async fn append_events(&self, events: &[Event]) -> Result<Vec<Event>, StoreError>;

    /// Up to `limit` events with `seq` greater than `after`, in `seq` order. Since `seq`s are
    /// given in commit order without gaps, a reader that resumes after the last `seq` it read
    /// never misses an event.
    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError>;

    /// The largest stored `seq`, 0 when there is no event.
    async fn last_event_seq(&self) -> Result<u64, StoreError>;

    /// The instance secret named `name`: the stored one, or `fresh` stored now when there is
    /// none (every node of a deployment gets the same one).
    async fn instance_key(&self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError>;

    // ----- federation -----

    /// The instance's identity: the stored one, or `fresh` stored now when there is none.
    async fn instance_identity(&self, fresh: &Instance) -> Result<Instance, StoreError>;

    /// Renames the instance (its id never changes). Not found before
    /// [`Store::instance_identity`] created it.
    async fn set_instance_name(&self, name: &str) -> Result<(), StoreError>;

    /// Marks an organisation as a peer organisation or not. False when it is unknown.
    async fn set_org_peer(&self, org: OrgId, peer: bool) -> Result<bool, StoreError>;

    /// The local report imported from `report_id` of `instance`: the report as written there
    /// (its origin), or as the peer it was pulled from holds it.
    async fn find_federated_report(
        &self,
        instance: Uuid,
        report_id: Uuid,
    ) -> Result<Option<Uuid>, StoreError>;

    /// Stores a peer. Conflict when its id, or its URL and collection, are taken; not found
    /// when the receiving organisation does not exist.
    async fn create_peer(&self, peer: &PeerRecord) -> Result<(), StoreError>;

    /// Every peer, in id order.
    async fn list_peers(&self) -> Result<Vec<PeerRecord>, StoreError>;

    /// Removes a peer. False when it is unknown.
    async fn delete_peer(&self, id: Uuid) -> Result<bool, StoreError>;

    /// Replaces a peer's state. False when the peer is unknown (removed meanwhile).
    async fn set_peer_state(&self, id: Uuid, state: &PeerState) -> Result<bool, StoreError>;

    // ----- STIX objects and TAXII resources -----

    /// Stores a batch of STIX object versions in one transaction, durable when it returns.
    /// A row whose `(collection, id, version)` is already stored (or earlier in the batch) is
    /// skipped. Returns, per record in order, the `seq` assigned, or `None` for a skipped one.
    async fn insert_stix_objects(&self, objects: &[StixObjectRecord])
    -> Result<Vec<Option<i64>>, StoreError>;

    /// Up to `limit` rows matching the query, in `(date_added, seq)` order.
    async fn list_stix_objects(&self, query: &StixObjectQuery) -> Result<Vec<StixObjectRecord>, StoreError>;

    /// Deletes the rows with these `seq`s in one transaction; returns how many were deleted.
    async fn delete_stix_objects(&self, seqs: &[i64]) -> Result<u64, StoreError>;

    /// The latest `date_added` of any stored row, if any.
    async fn last_stix_date_added(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Stores an api root. Conflict when its path is taken.
    async fn create_taxii_api_root(&self, root: &TaxiiApiRoot) -> Result<(), StoreError>;

    /// Every stored api root, by path.
    async fn list_taxii_api_roots(&self) -> Result<Vec<TaxiiApiRoot>, StoreError>;

    /// Stores a collection. Conflict when its id is taken; not found when its api root is not
    /// stored.
    async fn create_taxii_collection(&self, collection: &TaxiiCollectionRecord) -> Result<(), StoreError>;

    /// Every stored collection, by api root then creation time then id.
    async fn list_taxii_collections(&self) -> Result<Vec<TaxiiCollectionRecord>, StoreError>;

    /// Stores a status resource. Conflict when its id is taken.
    async fn insert_taxii_status(&self, status: &TaxiiStatusRecord) -> Result<(), StoreError>;

    /// The status resource with this id.
    async fn get_taxii_status(&self, id: Uuid) -> Result<Option<TaxiiStatusRecord>, StoreError>;

    // ----- audit log -----

    /// Appends records to the audit chain in one transaction, in order: each gets the next
    /// `seq` and the previous entry's hash, and the recorded head moves to the last. Appends
    /// are serialised, so the chain stays linear under concurrent writers. Returns the entries.
    async fn append_audit(&self, records: &[AuditRecord]) -> Result<Vec<AuditEntry>, StoreError>;

    /// Up to `limit` entries stored after `after` (from the first, when `None`), in `seq`
    /// order, as stored (nothing is checked: see [`crate::audit::verify`]).
    async fn audit_entries(&self, after: Option<u64>, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;

    /// The last seq and hash written, kept apart from the entries; `None` before any entry.
    async fn audit_head(&self) -> Result<Option<(u64, [u8; 32])>, StoreError>;

    /// A page of entries, newest first (see [`AuditQuery`]).
    async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;

    /// Checks the database's own consistency (SQLite: `PRAGMA integrity_check` and
    /// `foreign_key_check`; PostgreSQL: the gapless sequences the store relies on). Returns the
    /// problems found, none when it is sound.
    async fn integrity_check(&self) -> Result<Vec<String>, StoreError>;
}
