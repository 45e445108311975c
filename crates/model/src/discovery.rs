//! Hit/no-hit discovery: an organisation may let others learn that its reports hold a selector,
//! without letting them read the reports, and be asked for access.
//!
//! This is a separate, narrow question from [`crate::visibility::can_see`], which stays the one
//! decider of reads: "is this report discoverable" only ever feeds a single yes/no answer
//! ("held by one or more organisations"), never a count, a name, a TLP or an id.
//!
//! A report is discoverable when its author says so, per report or for all of the
//! organisation's reports, and it is neither revoked nor TLP:RED. TLP:RED means no disclosure
//! beyond the named recipients, and even "a report holds this" is a disclosure: a RED report is
//! never discoverable, whatever its flag or its organisation's setting.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ObservableKind, OrgId, ReportAccess, Tlp};

/// Whether a report with these access facts and this `discoverable` flag may be discovered by
/// organisations that cannot read it. `org_default` is the author organisation's setting
/// ("all our reports are discoverable"), used when the report's flag is `None`.
pub fn is_discoverable(access: &ReportAccess, flag: Option<bool>, org_default: bool) -> bool {
    !access.revoked && may_be_discoverable(access.tlp) && flag.unwrap_or(org_default)
}

/// Whether a report of this TLP may be discoverable at all (every TLP but RED).
pub fn may_be_discoverable(tlp: Tlp) -> bool {
    tlp != Tlp::Red
}

/// Where an access request stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum AccessRequestStatus {
    /// Waiting for the owner's decision.
    Pending,
    /// The owner added the requester to the audience of its reports holding the selector.
    Granted,
    /// The owner said no.
    Declined,
}

impl AccessRequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessRequestStatus::Pending => "pending",
            AccessRequestStatus::Granted => "granted",
            AccessRequestStatus::Declined => "declined",
        }
    }
}

impl std::fmt::Display for AccessRequestStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AccessRequestStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(AccessRequestStatus::Pending),
            "granted" => Ok(AccessRequestStatus::Granted),
            "declined" => Ok(AccessRequestStatus::Declined),
            other => Err(format!(
                "unknown access request status {other:?} (expected pending, granted or declined)"
            )),
        }
    }
}

/// One organisation's request for access to the reports of one owner organisation that hold a
/// selector. A request sent by an organisation is recorded once per owner organisation (all
/// sharing `request_id`); the requester only ever sees the request as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRequest {
    /// This record's id (UUIDv7): what the owner grants or declines.
    pub id: Uuid,
    /// The request as the requester knows it (UUIDv7), shared by its records.
    pub request_id: Uuid,
    /// The organisation asking.
    pub requester: OrgId,
    /// The token it asked with (`None` for local access to the data directory). Kept for the
    /// record; never shown to the owner.
    pub requester_token: Option<Uuid>,
    pub kind: ObservableKind,
    /// The canonical value.
    pub value: String,
    /// The organisation whose discoverable reports hold the selector.
    pub owner: OrgId,
    pub status: AccessRequestStatus,
    pub created_at: DateTime<Utc>,
    /// When the owner granted or declined.
    pub decided_at: Option<DateTime<Utc>>,
    /// The owner's token that decided (`None` for local access or while pending).
    pub decided_by: Option<Uuid>,
}

/// The status of a request as its sender sees it, from its records' statuses: granted when
/// any owner granted, else pending while any owner has not decided, else declined.
pub fn combined_status(statuses: impl IntoIterator<Item = AccessRequestStatus>) -> AccessRequestStatus {
    let mut pending = false;
    for s in statuses {
        match s {
            AccessRequestStatus::Granted => return AccessRequestStatus::Granted,
            AccessRequestStatus::Pending => pending = true,
            AccessRequestStatus::Declined => {}
        }
    }
    if pending { AccessRequestStatus::Pending } else { AccessRequestStatus::Declined }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Audience;

    #[test]
    fn red_and_revoked_are_never_discoverable() {
        let author = OrgId(Uuid::from_u128(1));
        for tlp in Tlp::ALL {
            let access = ReportAccess::new(author, tlp, &Audience::default(), false);
            let revoked = ReportAccess::new(author, tlp, &Audience::default(), true);
            for (flag, org_default, expected) in [
                (Some(true), false, true),
                (Some(true), true, true),
                (Some(false), true, false),
                (Some(false), false, false),
                (None, true, true),
                (None, false, false),
            ] {
                let expected = expected && tlp != Tlp::Red;
                assert_eq!(
                    is_discoverable(&access, flag, org_default),
                    expected,
                    "{tlp} {flag:?} {org_default}"
                );
                assert!(!is_discoverable(&revoked, flag, org_default), "{tlp} revoked");
            }
        }
    }

    #[test]
    fn combined_status_of_records() {
        use AccessRequestStatus::*;
        assert_eq!(combined_status([Pending]), Pending);
        assert_eq!(combined_status([Declined, Pending]), Pending);
        assert_eq!(combined_status([Declined, Granted, Pending]), Granted);
        assert_eq!(combined_status([Declined, Declined]), Declined);
        assert_eq!(combined_status([]), Declined);
        for s in [Pending, Granted, Declined] {
            assert_eq!(s.as_str().parse::<AccessRequestStatus>(), Ok(s));
        }
        assert!("maybe".parse::<AccessRequestStatus>().is_err());
    }
}
