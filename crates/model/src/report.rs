//! Reports: what organisations share.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{CommunityId, ObservableKind, OrgId, Tlp};

/// What a report is about.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    /// Threat intelligence: infrastructure, malware, actors.
    Intel,
    /// A scam reported by a victim, a hotline, a bank or the police.
    Scam,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Intel => "intel",
            ReportKind::Scam => "scam",
        }
    }
}

impl std::str::FromStr for ReportKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "intel" => Ok(ReportKind::Intel),
            "scam" => Ok(ReportKind::Scam),
            other => Err(format!("unknown report kind {other:?} (expected intel or scam)")),
        }
    }
}

/// Who a report is addressed to, beyond its author organisation (AMBER, AMBER+STRICT, RED).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    pub organizations: Vec<OrgId>,
    pub communities: Vec<CommunityId>,
}

/// The facts about a report that decide who may see it. Small and cheap to copy around, so
/// that in-memory indexes can hold one per report.
///
/// Its JSON form (events carry it, see [`crate::event`]) names the fields as below; on the way
/// in the audience lists are sorted and deduplicated, as [`ReportAccess::new`] does.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "AccessRepr")]
pub struct ReportAccess {
    pub author: OrgId,
    pub tlp: Tlp,
    /// Sorted organisation ids named in the audience.
    pub audience_orgs: Vec<OrgId>,
    /// Sorted community ids named in the audience.
    pub audience_communities: Vec<CommunityId>,
    /// A revoked report is visible to its author organisation only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
}

/// [`ReportAccess`] as read from JSON, before its audience lists are sorted.
#[derive(Deserialize)]
struct AccessRepr {
    author: OrgId,
    tlp: Tlp,
    #[serde(default)]
    audience_orgs: Vec<OrgId>,
    #[serde(default)]
    audience_communities: Vec<CommunityId>,
    #[serde(default)]
    revoked: bool,
}

impl From<AccessRepr> for ReportAccess {
    fn from(r: AccessRepr) -> Self {
        let audience = Audience { organizations: r.audience_orgs, communities: r.audience_communities };
        ReportAccess::new(r.author, r.tlp, &audience, r.revoked)
    }
}

impl ReportAccess {
    pub fn new(author: OrgId, tlp: Tlp, audience: &Audience, revoked: bool) -> Self {
        let mut audience_orgs = audience.organizations.clone();
        audience_orgs.sort_unstable();
        audience_orgs.dedup();
        let mut audience_communities = audience.communities.clone();
        audience_communities.sort_unstable();
        audience_communities.dedup();
        ReportAccess { author, tlp, audience_orgs, audience_communities, revoked }
    }
}

/// One observable in a report, canonicalised, with the role it plays there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportObservable {
    pub kind: ObservableKind,
    /// The canonical value: the observable's identity.
    pub value: String,
    /// The value as submitted, when it differs from the canonical one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// What the value is in this report, e.g. `scammer-phone`, `payment-wallet`, `c2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// A report as stored: canonical, resolved to ids, with server-assigned fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// UUIDv7: ordered by creation time.
    pub id: Uuid,
    pub kind: ReportKind,
    pub title: String,
    pub narrative: String,
    pub tlp: Tlp,
    pub audience: Audience,
    pub author: OrgId,
    pub labels: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub observables: Vec<ReportObservable>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Intake facts of a `scam` report (shareable like the report).
    pub scam: Option<crate::scam::ScamDetails>,
    /// The victim's personal data, on the way in only: the store keeps it apart and never
    /// returns it with a report (see `Store::get_victim_pii`).
    pub victim_pii: Option<crate::scam::VictimPii>,
    /// Whether organisations that may not read the report may learn that it holds a selector
    /// (hit/no-hit, see [`crate::discovery`]): `Some(true)` yes, `Some(false)` never, `None`
    /// as the author organisation's setting says. A TLP:RED or revoked report never is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    /// Where a report imported from a peer instance comes from (`None` for a report written
    /// here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<crate::federation::Provenance>,
}

impl Report {
    /// The instances a federated report went through (empty for a report written here).
    pub fn chain(&self) -> &[uuid::Uuid] {
        self.provenance.as_ref().map_or(&[], |p| p.chain.as_slice())
    }

    pub fn access(&self) -> ReportAccess {
        ReportAccess::new(self.author, self.tlp, &self.audience, self.revoked_at.is_some())
    }
}

/// A report as partners submit it: the API contract of `POST /api/v1/reports`, the batch
/// endpoint and JSON Lines ingest. Extend, don't break.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub kind: ReportKind,
    pub title: String,
    #[serde(default)]
    pub narrative: String,
    /// `CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT` or `RED` (TLP 1.0 `WHITE` is read as `CLEAR`).
    #[schema(value_type = String, example = "AMBER")]
    pub tlp: String,
    #[serde(default)]
    pub audience: AudienceInput,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub first_seen: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_seen: Option<DateTime<Utc>>,
    #[serde(default)]
    pub observables: Vec<ObservableInput>,
    /// Intake facts, for `scam` reports: source, victim (age bracket, country), incident,
    /// losses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scam: Option<crate::scam::ScamDetails>,
    /// The victim's name and contact details, for `scam` reports. Only ever shown to the
    /// reporting organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victim_pii: Option<crate::scam::VictimPii>,
    /// Whether organisations that may not read the report may learn that it holds a selector
    /// and ask for access (hit/no-hit): `true`, `false` (never, whatever the organisation's
    /// setting), or omitted for the organisation's setting. Refused for TLP:RED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
}

/// The audience of a submitted report, by organisation and community names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceInput {
    #[serde(default)]
    pub organizations: Vec<String>,
    #[serde(default)]
    pub communities: Vec<String>,
}

/// An observable in a submitted report: a raw value, its kind (inferred when omitted) and role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservableInput {
    #[serde(default)]
    pub kind: Option<ObservableKind>,
    pub value: String,
    #[serde(default)]
    pub role: Option<String>,
}
