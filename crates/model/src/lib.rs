//! dragnet's domain model.
//!
//! This crate is pure: no IO, no async, no clock reads except through values passed in.
//! Everything else in dragnet speaks in these types.
//!
//! - [`alert`]: alert rules organisations subscribe to and the alerts they raise.
//! - [`campaign`]: operator marks on values that must never link campaigns.
//! - [`discovery`]: hit/no-hit: which reports others may discover, and access requests.
//! - [`event`]: the typed events of committed changes, their JSON form and who sees them.
//! - [`federation`]: instance identity, provenance of pulled reports, the export rule and the
//!   peer-address classifier.
//! - [`hashlist`]: shared hash sets (PDQ, MD5, SHA-256), their entries and CSV / JSON Lines import.
//! - [`observable`]: the observable kinds, canonicalisation and validation of raw values.
//! - [`stix`]: deterministic STIX 2.1 ids of the SCO each observable maps to.
//! - [`tlp`]: TLP 2.0 levels, their STIX marking ids and the TLP 1.0 mapping.
//! - [`org`]: organisations, roles, sharing communities and the viewer of a read.
//! - [`report`]: reports as submitted and as stored.
//! - [`scam`]: the scam intake schema (source, victim, incident, losses) and victim PII.
//! - [`visibility`]: the one function that decides whether a viewer may see a report.

pub mod alert;
pub mod audit;
pub mod campaign;
pub mod discovery;
pub mod event;
pub mod federation;
pub mod hashlist;
pub mod observable;
pub mod org;
pub mod report;
pub mod scam;
pub mod stix;
pub mod tlp;
pub mod visibility;

pub use observable::{CanonError, Canonical, CanonicalizeOptions, Flag, Observable, ObservableKind};
pub use org::{Community, Organization};
pub use org::{CommunityId, OrgId, Role, Viewer};
pub use report::{
    Audience, AudienceInput, ObservableInput, Report, ReportAccess, ReportInput, ReportKind, ReportObservable,
};
pub use tlp::Tlp;
pub use visibility::{can_see, visible_to_all};
