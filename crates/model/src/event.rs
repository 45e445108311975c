//! Events: one typed record of every committed change, persisted in order and streamed.
//!
//! Every change dragnet commits (a report created, updated or revoked, a hash-list sighting, a
//! report joining a campaign, an alert, a hash match, an access request) produces an [`Event`].
//! The store writes it in the same transaction as the change and gives it its [`Event::seq`]:
//! a global sequence number, increasing in commit order from 1 without gaps. The event bus
//! carries the committed event; stream clients (and nodes) handle events by `seq`.
//!
//! # Who sees an event
//!
//! An event carries the access facts of what it is about, as a [`ReportAccess`], and the least
//! [`Role`] that may read it; [`Event::visible_to`] asks [`crate::visibility::can_see`], the one
//! visibility function, nothing else:
//!
//! | event | access |
//! |---|---|
//! | `report.created`, `report.updated` | the report's |
//! | `report.revoked` | the report's before the revocation: whoever could see it learns it is gone |
//! | `campaign.changed` | the report that joined the campaign (the campaign is named per viewer) |
//! | `sighting.recorded` | the hash set's owner only (`RED` to it), analysts and admins |
//! | `alert.raised` | the alert's organisation only |
//! | `hash.matched` | the organisation whose query matched only |
//! | `access.requested` | to an owner: that owner only (who asked, which selector); to the requester: the requester only, never naming the owners |
//!
//! # JSON
//!
//! The stored and bus form, stable (new fields may be added; readers ignore unknown ones):
//!
//! ```json
//! {"seq": 42, "at": "2026-03-01T10:00:00.123456Z", "type": "report.created",
//!  "access": {"author": "<org uuid>", "tlp": "AMBER", "audience_orgs": ["<org uuid>"],
//!             "audience_communities": ["<community uuid>"]},
//!  "min_role": "reader", "kinds": ["iban", "phone"], "labels": ["tech-support"],
//!  "data": { … the payload of the type … }}
//! ```
//!
//! `seq` is 0 before the store assigns it. `kinds` (sorted, distinct) and `labels` are what the
//! stream filters on. The payloads are the structs of this module, one per type (the
//! [`EventPayload`] variants).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::alert::Alert;
use crate::hashlist::HashKind;
use crate::org::{OrgId, Role, Viewer};
use crate::report::{Report, ReportAccess, ReportKind};
use crate::{Audience, ObservableKind, Tlp, can_see};

/// The type of an event: what its payload is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
pub enum EventType {
    #[serde(rename = "report.created")]
    ReportCreated,
    #[serde(rename = "report.updated")]
    ReportUpdated,
    #[serde(rename = "report.revoked")]
    ReportRevoked,
    #[serde(rename = "sighting.recorded")]
    SightingRecorded,
    #[serde(rename = "campaign.changed")]
    CampaignChanged,
    #[serde(rename = "alert.raised")]
    AlertRaised,
    #[serde(rename = "hash.matched")]
    HashMatched,
    #[serde(rename = "access.requested")]
    AccessRequested,
    /// Internal: a change of state that has no public event (see [`StateChange`]). Stored and
    /// applied by every node, never delivered to a client, a peer or a TAXII reader.
    #[serde(rename = "state.changed")]
    StateChanged,
}

impl EventType {
    pub const ALL: [EventType; 8] = [
        EventType::ReportCreated,
        EventType::ReportUpdated,
        EventType::ReportRevoked,
        EventType::SightingRecorded,
        EventType::CampaignChanged,
        EventType::AlertRaised,
        EventType::HashMatched,
        EventType::AccessRequested,
    ];

    /// The type's name, e.g. `report.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ReportCreated => "report.created",
            EventType::ReportUpdated => "report.updated",
            EventType::ReportRevoked => "report.revoked",
            EventType::SightingRecorded => "sighting.recorded",
            EventType::CampaignChanged => "campaign.changed",
            EventType::AlertRaised => "alert.raised",
            EventType::HashMatched => "hash.matched",
            EventType::AccessRequested => "access.requested",
            EventType::StateChanged => "state.changed",
        }
    }

    /// Whether events of this type are internal: applied by the nodes, never delivered.
    pub fn is_internal(self) -> bool {
        matches!(self, EventType::StateChanged)
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a name that is not an event type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown event type {0:?} (expected one of report.created, report.updated, report.revoked, sighting.recorded, campaign.changed, alert.raised, hash.matched, access.requested)"
)]
pub struct UnknownEventType(pub String);

impl std::str::FromStr for EventType {
    type Err = UnknownEventType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        EventType::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| UnknownEventType(s.to_string()))
    }
}

/// One committed change. See the [module docs](self).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The global sequence number: assigned by the store on commit (0 before), increasing in
    /// commit order from 1, without gaps.
    #[serde(default)]
    pub seq: u64,
    /// When the change was made (microseconds).
    pub at: DateTime<Utc>,
    /// Who may see the event: the access facts of what it is about (see the module docs).
    pub access: ReportAccess,
    /// The least role that may read it (`reader` unless said otherwise).
    #[serde(default = "reader")]
    pub min_role: Role,
    /// The kinds of the observables it is about, sorted and distinct (for filtering).
    #[serde(default)]
    pub kinds: Vec<ObservableKind>,
    /// The labels of the report it is about (for filtering).
    #[serde(default)]
    pub labels: Vec<String>,
    /// For a report imported from a peer: the instances it went through
    /// ([`crate::federation::Provenance::chain`]), so that a stream to a peer leaves out what
    /// came through the pulling instance. Empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<Uuid>,
    /// The type (`type`) and the payload (`data`).
    #[serde(flatten)]
    pub payload: EventPayload,
}

fn reader() -> Role {
    Role::Reader
}

/// An event's type and payload: `{"type": "report.created", "data": {…}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", content = "data")]
pub enum EventPayload {
    /// A report was stored.
    #[serde(rename = "report.created")]
    ReportCreated(ReportEvent),
    /// A stored report changed (its audience grew, …): the report as it is now.
    #[serde(rename = "report.updated")]
    ReportUpdated(ReportEvent),
    /// A report was revoked.
    #[serde(rename = "report.revoked")]
    ReportRevoked(ReportRevokedEvent),
    /// An entry of a hash set was matched by an organisation's query.
    #[serde(rename = "sighting.recorded")]
    SightingRecorded(SightingEvent),
    /// A report joined a campaign (linked to at least one other report).
    #[serde(rename = "campaign.changed")]
    CampaignChanged(CampaignEvent),
    /// An alert rule raised an alert.
    #[serde(rename = "alert.raised")]
    AlertRaised(Alert),
    /// An organisation's hash query matched entries of shared hash sets.
    #[serde(rename = "hash.matched")]
    HashMatched(HashMatchEvent),
    /// An organisation asked the owner of a report it cannot read for access.
    #[serde(rename = "access.requested")]
    AccessRequested(AccessRequestEvent),
    /// Internal: in-memory state every node rebuilds from the store (never delivered).
    #[serde(rename = "state.changed")]
    StateChanged(StateChange),
}

impl EventPayload {
    pub fn event_type(&self) -> EventType {
        match self {
            EventPayload::ReportCreated(_) => EventType::ReportCreated,
            EventPayload::ReportUpdated(_) => EventType::ReportUpdated,
            EventPayload::ReportRevoked(_) => EventType::ReportRevoked,
            EventPayload::SightingRecorded(_) => EventType::SightingRecorded,
            EventPayload::CampaignChanged(_) => EventType::CampaignChanged,
            EventPayload::AlertRaised(_) => EventType::AlertRaised,
            EventPayload::HashMatched(_) => EventType::HashMatched,
            EventPayload::AccessRequested(_) => EventType::AccessRequested,
            EventPayload::StateChanged(_) => EventType::StateChanged,
        }
    }
}

/// A report as events carry it: what it says and holds, never the victim's data (which the
/// store keeps apart) nor the narrative (fetch the report for it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportEvent {
    pub id: Uuid,
    pub kind: ReportKind,
    pub title: String,
    /// The author organisation's name.
    pub author: String,
    #[schema(value_type = String, example = "AMBER")]
    pub tlp: Tlp,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
    /// The canonical observables, with their roles.
    pub observables: Vec<EventObservable>,
}

/// An observable of a report event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventObservable {
    pub kind: ObservableKind,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// A revoked report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportRevokedEvent {
    pub id: Uuid,
    pub revoked_at: DateTime<Utc>,
}

/// A match of a hash-set entry, as the set's owner sees it (never what was matched).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SightingEvent {
    /// The sighting's id (see `GET /api/v1/hashsets/{id}/sightings`).
    pub id: Uuid,
    pub set_id: Uuid,
    pub set_name: String,
    pub entry_id: Uuid,
    pub hash_kind: HashKind,
    /// The organisation whose query matched.
    pub organization: String,
    /// Hamming distance for PDQ, 0 for MD5 and SHA-256.
    pub distance: u32,
}

/// A report linked into a campaign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CampaignEvent {
    /// The campaign: as stored, the instance's campaign id; as streamed, the reader's part of
    /// it holding the report (`5e0c19a4`, `5e0c19a4.2`), as `GET /api/v1/campaigns/{id}` names it.
    pub campaign: String,
    pub report_id: Uuid,
    /// As streamed: how many reports of that part the reader sees. Not stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reports: Option<usize>,
}

/// An organisation's hash query that matched (never the query itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HashMatchEvent {
    /// The organisation whose query matched.
    pub organization: String,
    pub matches: Vec<HashMatchItem>,
}

/// One matched entry of a [`HashMatchEvent`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HashMatchItem {
    pub set_id: Uuid,
    pub set_name: String,
    pub entry_id: Uuid,
    pub distance: u32,
}

/// An access request (hit/no-hit): who asked, about which selector. Never more: the requester
/// learns nothing of the reports, nor which organisations hold the selector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessRequestEvent {
    /// To an owner: the id of the request's record it grants or declines; to the requester:
    /// the request's id.
    pub id: Uuid,
    /// The requesting organisation's name.
    pub requester: String,
    /// The owner organisation's name, in the event to that owner only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub selector_kind: ObservableKind,
    /// The canonical selector value.
    pub selector_value: String,
}

/// What an internal `state.changed` event says changed: each node re-reads it from the store.
///
/// Writes with no public event (organisations, communities, hash lists, alert rules, hub
/// marks, discovery settings, the instance's name) store one, so that every node of a
/// deployment brings its in-memory structures up to date. Readable by nobody.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum StateChange {
    /// Organisations or communities (names, members, operator and peer flags).
    Directory,
    /// Hash sets or their entries.
    HashLists,
    /// Alert rules.
    Rules,
    /// A hub mark set (`on`) or removed on a value.
    HubMark { kind: ObservableKind, value: String, on: bool },
    /// A report's `discoverable` flag.
    ReportDiscoverable { id: Uuid },
    /// An organisation's "all our reports are discoverable" setting.
    OrgDiscoverable {
        #[schema(value_type = String)]
        org: OrgId,
        on: bool,
    },
    /// The instance's name.
    Instance,
}

impl Event {
    /// An internal `state.changed` event: readable by nobody, never delivered.
    pub fn state_changed(change: StateChange, at: DateTime<Utc>) -> Event {
        let mut e = Event::new(at, org_only(OrgId(Uuid::nil())), EventPayload::StateChanged(change));
        e.min_role = Role::Admin;
        e
    }

    /// Whether the event is internal (`state.changed`): never delivered to anyone.
    pub fn is_internal(&self) -> bool {
        self.event_type().is_internal()
    }
}

/// Access facts readable by one organisation only (and by nobody else, whatever their role).
pub fn org_only(org: OrgId) -> ReportAccess {
    ReportAccess::new(org, Tlp::Red, &Audience::default(), false)
}

/// The sorted, distinct kinds of these observables.
fn kinds_of(kinds: impl IntoIterator<Item = ObservableKind>) -> Vec<ObservableKind> {
    let mut k: Vec<ObservableKind> = kinds.into_iter().collect();
    k.sort_unstable();
    k.dedup();
    k
}

/// The observable kind of a hash kind.
pub fn hash_observable_kind(kind: HashKind) -> ObservableKind {
    match kind {
        HashKind::Pdq => ObservableKind::Pdq,
        HashKind::Md5 => ObservableKind::Md5,
        HashKind::Sha256 => ObservableKind::Sha256,
    }
}

impl ReportEvent {
    /// A stored report as events carry it; `author` is its author organisation's name.
    pub fn of(report: &Report, author: &str) -> ReportEvent {
        ReportEvent {
            id: report.id,
            kind: report.kind,
            title: report.title.clone(),
            author: author.to_string(),
            tlp: report.tlp,
            created_at: report.created_at,
            first_seen: report.first_seen,
            last_seen: report.last_seen,
            observables: report
                .observables
                .iter()
                .map(|o| EventObservable { kind: o.kind, value: o.value.clone(), role: o.role.clone() })
                .collect(),
        }
    }
}

impl Event {
    /// An event not yet stored (`seq` 0) readable by `reader`s and up.
    pub fn new(at: DateTime<Utc>, access: ReportAccess, payload: EventPayload) -> Event {
        Event {
            seq: 0,
            at,
            access,
            min_role: Role::Reader,
            kinds: Vec::new(),
            labels: Vec::new(),
            chain: Vec::new(),
            payload,
        }
    }

    /// With these observable kinds (sorted and deduplicated).
    pub fn with_kinds(mut self, kinds: impl IntoIterator<Item = ObservableKind>) -> Event {
        self.kinds = kinds_of(kinds);
        self
    }

    /// With these labels.
    pub fn with_labels(mut self, labels: Vec<String>) -> Event {
        self.labels = labels;
        self
    }

    /// Readable from this role up only.
    pub fn with_min_role(mut self, role: Role) -> Event {
        self.min_role = role;
        self
    }

    /// `report.created` for a report just stored (`author`: its organisation's name).
    pub fn report_created(report: &Report, author: &str, at: DateTime<Utc>) -> Event {
        Event::report(report, EventPayload::ReportCreated(ReportEvent::of(report, author)), at)
    }

    /// `report.updated` for a report as it is after a change.
    pub fn report_updated(report: &Report, author: &str, at: DateTime<Utc>) -> Event {
        Event::report(report, EventPayload::ReportUpdated(ReportEvent::of(report, author)), at)
    }

    fn report(report: &Report, payload: EventPayload, at: DateTime<Utc>) -> Event {
        let mut e = Event::new(at, report.access(), payload)
            .with_kinds(report.observables.iter().map(|o| o.kind))
            .with_labels(report.labels.clone());
        e.chain = report.chain().to_vec();
        e
    }

    /// `report.revoked` for a report as it was before the revocation: everyone who could see
    /// it learns that it is revoked.
    pub fn report_revoked(before: &Report, revoked_at: DateTime<Utc>) -> Event {
        let mut access = before.access();
        access.revoked = false;
        let mut e = Event::new(
            revoked_at,
            access,
            EventPayload::ReportRevoked(ReportRevokedEvent { id: before.id, revoked_at }),
        )
        .with_kinds(before.observables.iter().map(|o| o.kind))
        .with_labels(before.labels.clone());
        e.chain = before.chain().to_vec();
        e
    }

    /// `campaign.changed`: `report` joined the instance's campaign `campaign`.
    pub fn campaign_changed(report: &Report, campaign: String, at: DateTime<Utc>) -> Event {
        let mut access = report.access();
        access.revoked = false;
        let payload =
            EventPayload::CampaignChanged(CampaignEvent { campaign, report_id: report.id, reports: None });
        Event::new(at, access, payload)
            .with_kinds(report.observables.iter().map(|o| o.kind))
            .with_labels(report.labels.clone())
    }

    /// `sighting.recorded` for the owner of the hash set (its analysts and admins, who read
    /// sightings).
    pub fn sighting(owner: OrgId, sighting: SightingEvent, at: DateTime<Utc>) -> Event {
        let kind = hash_observable_kind(sighting.hash_kind);
        Event::new(at, org_only(owner), EventPayload::SightingRecorded(sighting))
            .with_kinds([kind])
            .with_min_role(Role::Analyst)
    }

    /// `alert.raised` for the alert's organisation; `kind` is the matched selector's kind.
    pub fn alert(alert: Alert, kind: Option<ObservableKind>, labels: Vec<String>) -> Event {
        Event::new(alert.created_at, org_only(alert.org), EventPayload::AlertRaised(alert))
            .with_kinds(kind)
            .with_labels(labels)
    }

    /// `hash.matched` for the organisation whose query matched.
    pub fn hash_matched(
        org: OrgId,
        matched: HashMatchEvent,
        kinds: impl IntoIterator<Item = HashKind>,
        at: DateTime<Utc>,
    ) -> Event {
        Event::new(at, org_only(org), EventPayload::HashMatched(matched))
            .with_kinds(kinds.into_iter().map(hash_observable_kind))
    }

    /// `access.requested` for one owner organisation (readable by it only): a request routed
    /// to it.
    pub fn access_requested_to(owner: OrgId, request: AccessRequestEvent, at: DateTime<Utc>) -> Event {
        let kind = request.selector_kind;
        Event::new(at, org_only(owner), EventPayload::AccessRequested(request)).with_kinds([kind])
    }

    /// `access.requested` for the requesting organisation (readable by it only), without the
    /// owners: a request it sent.
    pub fn access_requested_by(
        requester: OrgId,
        mut request: AccessRequestEvent,
        at: DateTime<Utc>,
    ) -> Event {
        request.owner = None;
        let kind = request.selector_kind;
        Event::new(at, org_only(requester), EventPayload::AccessRequested(request)).with_kinds([kind])
    }

    pub fn event_type(&self) -> EventType {
        self.payload.event_type()
    }

    /// Whether `viewer` may see this event: its role is at least [`Event::min_role`] and the
    /// visibility function admits the event's access facts.
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        !self.is_internal()
            && viewer.role >= self.min_role
            && viewer.role.can_read()
            && can_see(viewer, &self.access)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ReportObservable;
    use crate::{CommunityId, Role};

    fn org(n: u128) -> OrgId {
        OrgId(Uuid::from_u128(n))
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn report(tlp: Tlp, audience: Audience) -> Report {
        Report {
            provenance: None,
            id: Uuid::from_u128(7),
            kind: ReportKind::Scam,
            title: "Caller posing as bank".into(),
            narrative: "not in events".into(),
            tlp,
            audience,
            author: org(1),
            labels: vec!["tech-support".into()],
            created_at: t("2026-03-01T10:00:00.123456Z"),
            first_seen: None,
            last_seen: None,
            observables: vec![
                ReportObservable {
                    kind: ObservableKind::Phone,
                    value: "+18443905364".into(),
                    original: None,
                    role: None,
                },
                ReportObservable {
                    kind: ObservableKind::Iban,
                    value: "GB82WEST12345698765432".into(),
                    original: Some("GB82 WEST 1234 5698 7654 32".into()),
                    role: Some("payment-iban".into()),
                },
                ReportObservable {
                    kind: ObservableKind::Phone,
                    value: "+18443905365".into(),
                    original: None,
                    role: None,
                },
            ],
            revoked_at: None,
            scam: None,
            victim_pii: Some(crate::scam::VictimPii {
                name: Some("Victim Name".into()),
                ..Default::default()
            }),
            discoverable: None,
        }
    }

    #[test]
    fn json_form_is_stable_and_round_trips() {
        let community = CommunityId(Uuid::from_u128(100));
        let r = report(
            Tlp::Amber,
            Audience { organizations: vec![org(3), org(2), org(3)], communities: vec![community] },
        );
        let mut e = Event::report_created(&r, "Silver Line", r.created_at);
        e.seq = 42;
        let json = serde_json::to_value(&e).unwrap();
        let expected = serde_json::json!({
            "seq": 42,
            "at": "2026-03-01T10:00:00.123456Z",
            "access": {
                "author": org(1),
                "tlp": "AMBER",
                "audience_orgs": [org(2), org(3)],
                "audience_communities": [community],
            },
            "min_role": "reader",
            "kinds": ["phone", "iban"],
            "labels": ["tech-support"],
            "type": "report.created",
            "data": {
                "id": Uuid::from_u128(7),
                "kind": "scam",
                "title": "Caller posing as bank",
                "author": "Silver Line",
                "tlp": "AMBER",
                "created_at": "2026-03-01T10:00:00.123456Z",
                "observables": [
                    {"kind": "phone", "value": "+18443905364"},
                    {"kind": "iban", "value": "GB82WEST12345698765432", "role": "payment-iban"},
                    {"kind": "phone", "value": "+18443905365"},
                ],
            },
        });
        assert_eq!(json, expected);
        let text = serde_json::to_string(&e).unwrap();
        assert!(!text.contains("Victim Name") && !text.contains("not in events"), "{text}");
        let back: Event = serde_json::from_str(&text).unwrap();
        assert_eq!(back, e);
        // Unsorted audiences are sorted on the way in; unknown fields are ignored.
        let mut v = json.clone();
        v["access"]["audience_orgs"] = serde_json::json!([org(3), org(2)]);
        v["future"] = serde_json::json!(1);
        let back: Event = serde_json::from_value(v).unwrap();
        assert_eq!(back.access, e.access);
    }

    #[test]
    fn every_type_round_trips_and_names_itself() {
        let r = report(Tlp::Green, Audience::default());
        let at = r.created_at;
        let alert = Alert {
            id: Uuid::from_u128(9),
            rule_id: Uuid::from_u128(10),
            org: org(5),
            created_at: at,
            report_id: Some(r.id),
            campaign: None,
            selector: Some("phone:+18443905364".into()),
            message: "m".into(),
        };
        let events = [
            Event::report_created(&r, "A", at),
            Event::report_updated(&r, "A", at),
            Event::report_revoked(&r, at),
            Event::sighting(
                org(1),
                SightingEvent {
                    id: Uuid::from_u128(1),
                    set_id: Uuid::from_u128(2),
                    set_name: "s".into(),
                    entry_id: Uuid::from_u128(3),
                    hash_kind: HashKind::Pdq,
                    organization: "B".into(),
                    distance: 4,
                },
                at,
            ),
            Event::campaign_changed(&r, "17".into(), at),
            Event::alert(alert, Some(ObservableKind::Phone), vec![]),
            Event::hash_matched(
                org(2),
                HashMatchEvent {
                    organization: "B".into(),
                    matches: vec![HashMatchItem {
                        set_id: Uuid::from_u128(2),
                        set_name: "s".into(),
                        entry_id: Uuid::from_u128(3),
                        distance: 0,
                    }],
                },
                [HashKind::Md5, HashKind::Md5],
                at,
            ),
            Event::access_requested_to(
                org(1),
                AccessRequestEvent {
                    id: Uuid::from_u128(11),
                    requester: "B".into(),
                    owner: Some("A".into()),
                    selector_kind: ObservableKind::Iban,
                    selector_value: "GB82WEST12345698765432".into(),
                },
                at,
            ),
        ];
        for (e, ty) in events.iter().zip(EventType::ALL) {
            assert_eq!(e.event_type(), ty);
            let json = serde_json::to_value(e).unwrap();
            assert_eq!(json["type"], ty.as_str());
            assert_eq!(ty.as_str().parse::<EventType>().unwrap(), ty);
            assert_eq!(serde_json::from_value::<Event>(json).unwrap(), *e);
        }
        assert_eq!(events[6].kinds, vec![ObservableKind::Md5]);
        assert!("report".parse::<EventType>().is_err());
    }

    #[test]
    fn visibility_goes_through_can_see() {
        let author = Viewer::new(org(1), Role::Reader, vec![]);
        let named = Viewer::new(org(2), Role::Reader, vec![]);
        let outsider = Viewer::new(org(4), Role::Admin, vec![]);
        let red = report(Tlp::Red, Audience { organizations: vec![org(2)], communities: vec![] });
        let e = Event::report_created(&red, "A", red.created_at);
        assert!(e.visible_to(&author) && e.visible_to(&named) && !e.visible_to(&outsider));

        // A revocation reaches whoever could see the report before it.
        let mut revoked = red.clone();
        revoked.revoked_at = Some(red.created_at);
        let e = Event::report_revoked(&revoked, red.created_at);
        assert!(e.visible_to(&named) && !e.visible_to(&outsider));

        // Sightings: the owner's analysts and admins only.
        let s = Event::sighting(
            org(1),
            SightingEvent {
                id: Uuid::nil(),
                set_id: Uuid::nil(),
                set_name: String::new(),
                entry_id: Uuid::nil(),
                hash_kind: HashKind::Sha256,
                organization: "B".into(),
                distance: 0,
            },
            red.created_at,
        );
        assert!(!s.visible_to(&author));
        assert!(s.visible_to(&Viewer::new(org(1), Role::Analyst, vec![])));
        assert!(!s.visible_to(&Viewer::new(org(2), Role::Admin, vec![])));

        // Access requests: the owner's event for the owner only, the requester's for the
        // requester only and without the owner; intake tokens never.
        let request = AccessRequestEvent {
            id: Uuid::nil(),
            requester: "B".into(),
            owner: Some("A".into()),
            selector_kind: ObservableKind::Phone,
            selector_value: "+18443905364".into(),
        };
        let to = Event::access_requested_to(org(1), request.clone(), red.created_at);
        assert!(to.visible_to(&author) && !to.visible_to(&named) && !to.visible_to(&outsider));
        assert!(!to.visible_to(&Viewer::new(org(1), Role::Intake, vec![])));
        let by = Event::access_requested_by(org(2), request, red.created_at);
        assert!(by.visible_to(&named) && !by.visible_to(&author) && !by.visible_to(&outsider));
        assert!(!serde_json::to_string(&by).unwrap().contains("\"owner\""));
    }

    #[test]
    fn internal_events_are_visible_to_nobody_and_not_a_public_type() {
        let e = Event::state_changed(StateChange::Directory, t("2026-03-01T10:00:00Z"));
        assert!(e.is_internal());
        for role in Role::ALL {
            // Not even the nil organisation the access facts name.
            for o in [OrgId(Uuid::nil()), org(1)] {
                assert!(!e.visible_to(&Viewer::new(o, role, vec![])), "{role:?}");
            }
        }
        assert!(!EventType::ALL.contains(&EventType::StateChanged));
        assert!("state.changed".parse::<EventType>().is_err(), "clients cannot ask for it");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], "state.changed");
        assert_eq!(json["data"]["what"], "directory");
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), e);
        let report = Event::new(
            e.at,
            org_only(org(1)),
            EventPayload::ReportRevoked(ReportRevokedEvent { id: Uuid::nil(), revoked_at: e.at }),
        );
        assert!(report.visible_to(&Viewer::new(org(1), Role::Reader, vec![])), "the check is not vacuous");
    }
}
