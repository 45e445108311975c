//! Organisations, roles, sharing communities and the viewer of a read.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An organisation's id (UUIDv7, assigned by the store).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgId(pub Uuid);

/// A sharing community's id (UUIDv7, assigned by the store).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CommunityId(pub Uuid);

impl std::fmt::Display for OrgId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Display for CommunityId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a token may do, from most to least powerful.
///
/// - `admin`: everything an analyst may do, plus the organisation's tokens; an admin of an
///   *operator* organisation also manages organisations and communities of the instance.
/// - `analyst`: read, submit reports, revoke the organisation's reports.
/// - `contributor`: read and submit reports.
/// - `reader`: read only.
/// - `intake`: submits scam reports through the intake endpoint and reads nothing (the token a
///   hotline's software or a web form uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Submits scam reports through the intake endpoint and nothing else: the token an
    /// organisation gives its hotline software or web form. It reads nothing.
    Intake,
    Reader,
    Contributor,
    Analyst,
    Admin,
}

/// The error for a role name that is not one of dragnet's roles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (expected admin, analyst, contributor, reader or intake)")]
pub struct UnknownRole(pub String);

impl Role {
    /// The roles of members who read (every role but [`Role::Intake`]).
    pub const ALL: [Role; 4] = [Role::Admin, Role::Analyst, Role::Contributor, Role::Reader];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Contributor => "contributor",
            Role::Reader => "reader",
            Role::Intake => "intake",
        }
    }

    /// Whether this role may read (every role but intake).
    pub fn can_read(self) -> bool {
        self >= Role::Reader
    }

    /// Whether this role may submit intake reports (intake, and every role that may write).
    pub fn can_intake(self) -> bool {
        self == Role::Intake || self.can_write()
    }

    /// Whether this role may submit reports.
    pub fn can_write(self) -> bool {
        self >= Role::Contributor
    }

    /// Whether this role may revoke its organisation's reports.
    pub fn can_revoke(self) -> bool {
        self >= Role::Analyst
    }

    /// Whether this role may manage its organisation's tokens.
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "analyst" => Ok(Role::Analyst),
            "contributor" => Ok(Role::Contributor),
            "reader" => Ok(Role::Reader),
            "intake" => Ok(Role::Intake),
            _ => Err(UnknownRole(s.to_string())),
        }
    }
}

/// A member organisation of the instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    /// Operator organisations run the instance: their admins manage organisations and communities.
    pub operator: bool,
    /// A peer organisation represents another instance (federation): its tokens read only
    /// through the federation paths (the event stream, reports by id, TAXII), and what they
    /// read also passes the export rule ([`crate::federation::may_export`]).
    #[serde(default)]
    pub peer: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A named sharing community: a set of member organisations that AMBER reports may address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Community {
    pub id: CommunityId,
    pub name: String,
    pub members: Vec<OrgId>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Who is reading: an organisation (with the communities it belongs to) acting with a role.
///
/// Every read in dragnet is made on behalf of a viewer and filtered by
/// [`crate::visibility::can_see`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub org: OrgId,
    pub role: Role,
    /// The communities `org` is a member of, sorted (binary-searched by the visibility function).
    pub communities: Vec<CommunityId>,
}

impl Viewer {
    pub fn new(org: OrgId, role: Role, mut communities: Vec<CommunityId>) -> Self {
        communities.sort_unstable();
        communities.dedup();
        Viewer { org, role, communities }
    }

    pub fn is_member_of(&self, community: CommunityId) -> bool {
        self.communities.binary_search(&community).is_ok()
    }
}
