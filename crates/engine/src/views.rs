//! What the engine answers: the JSON shapes of dragnet's API (extend, don't break).

use chrono::{DateTime, Utc};
use model::{Flag, ObservableKind, ReportKind, Tlp, Viewer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Who is acting: an organisation with a role, authenticated by a token (or the local CLI).
#[derive(Clone, Debug)]
pub struct Principal {
    pub viewer: Viewer,
    pub org_name: String,
    /// Whether the organisation operates the instance (its admins manage organisations).
    pub operator: bool,
    /// The token used, `None` for local CLI access to the data directory.
    pub token_id: Option<Uuid>,
    /// Whether the organisation is a peer organisation (another instance pulling): it reads
    /// only through the federation paths, under the export rule, and writes nothing.
    pub peer: bool,
}

/// A report as a viewer sees it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportView {
    pub id: Uuid,
    pub kind: ReportKind,
    pub title: String,
    pub narrative: String,
    #[schema(value_type = String, example = "AMBER")]
    pub tlp: Tlp,
    pub audience: AudienceView,
    /// The author organisation's name.
    pub author: String,
    pub labels: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    pub observables: Vec<ObservableView>,
    /// Intake facts of a scam report: source, victim age bracket and country, incident, losses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scam: Option<model::scam::ScamDetails>,
    /// The victim's personal data: only in answers to the reporting organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victim_pii: Option<model::scam::VictimPii>,
    /// Whether organisations that may not read the report may learn that it holds a selector
    /// and ask for access (hit/no-hit): its own flag, else the organisation's setting; never
    /// for TLP:RED or revoked reports. Only in answers to the author organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    /// Where a report imported from a peer instance comes from: the instance it was written
    /// on, its id and author there, the peer it was pulled from and the instances it went
    /// through. Absent for a report written here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<model::federation::Provenance>,
}

/// A report's audience by names.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct AudienceView {
    pub organizations: Vec<String>,
    pub communities: Vec<String>,
}

/// An observable inside a report.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ObservableView {
    pub kind: ObservableKind,
    /// The canonical value.
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub stix_id: String,
}

/// Filters of a report listing; all optional, combined with AND.
#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub kind: Option<ReportKind>,
    pub label: Option<String>,
    pub tlp: Option<Tlp>,
    /// Author organisation name.
    pub author: Option<String>,
    /// Reports created at or after.
    pub since: Option<DateTime<Utc>>,
    /// Reports created before.
    pub until: Option<DateTime<Utc>>,
    /// Reports holding this observable (raw value, canonicalised; kind inferred when `None`).
    pub observable: Option<(Option<ObservableKind>, String)>,
    /// Include the viewer's own revoked reports.
    pub include_revoked: bool,
}

/// One page of a listing; pass `next_cursor` back to get the next page.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The answer of an observable lookup: the same shape whether or not any visible report holds it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LookupView {
    pub kind: ObservableKind,
    pub canonical: String,
    pub stix_id: String,
    /// Facts about the value (private address, reserved space…).
    #[schema(value_type = Vec<String>)]
    pub flags: Vec<Flag>,
    /// Observables this one implies (a URL's domain, a domain's registrable domain…).
    pub related: Vec<RelatedView>,
    /// Number of visible reports holding the value.
    pub count: usize,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Names of the organisations that authored the visible reports.
    pub organizations: Vec<String>,
    /// Visible occurrences, newest first, at most the requested limit.
    pub occurrences: Vec<OccurrenceView>,
    /// Hit/no-hit: present, and `true`, only when a report the caller may not read, whose
    /// author made it discoverable, holds the value ("held by one or more organisations"; ask
    /// with `POST /api/v1/access-requests`). Absent otherwise, exactly as for a value never seen.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held_elsewhere: bool,
}

/// An observable implied by another.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RelatedView {
    pub kind: ObservableKind,
    pub value: String,
}

/// One visible report holding an observable.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OccurrenceView {
    pub report_id: Uuid,
    pub report_kind: ReportKind,
    pub organization: String,
    #[schema(value_type = String)]
    pub tlp: Tlp,
    pub role: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// A selector to check; `kind` is inferred from the value's shape when omitted.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectorInput {
    #[serde(default)]
    pub kind: Option<ObservableKind>,
    pub value: String,
}

/// The answer for one checked selector, in request order.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckResult {
    pub index: usize,
    pub kind: Option<ObservableKind>,
    pub canonical: Option<String>,
    pub hit: bool,
    /// Number of visible reports holding the value.
    pub count: usize,
    /// Visible report ids, newest first, at most [`crate::CHECK_REPORT_IDS_LIMIT`].
    pub report_ids: Vec<Uuid>,
    /// Hit/no-hit: present, and `true`, only when a discoverable report the caller may not
    /// read holds the value. Absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held_elsewhere: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// A machine-readable error: a stable snake_case code and a lowercase message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// What happened to each record of a batch.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct BatchOutcome {
    pub accepted: Vec<Accepted>,
    pub rejected: Vec<Rejected>,
}

/// A stored record of a batch, by its position (0-based).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    pub index: usize,
    pub id: Uuid,
}

/// A rejected record of a batch, by its position (0-based), with the reason.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Rejected {
    pub index: usize,
    pub error: ErrorBody,
}

/// An organisation as listed by the API.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OrganizationView {
    pub id: Uuid,
    pub name: String,
    pub operator: bool,
    /// A peer organisation represents another instance pulling from this one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub peer: bool,
    pub created_at: DateTime<Utc>,
}

/// A sharing community as listed by the API.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CommunityView {
    pub id: Uuid,
    pub name: String,
    /// Member organisation names.
    pub members: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A token as listed (never with its secret).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub organization: String,
    #[schema(value_type = String, example = "analyst")]
    pub role: model::Role,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly created token: the secret is shown this once and stored only as a hash.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenView,
    pub token: String,
}
