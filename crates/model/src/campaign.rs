//! Operator marks on values that must never link reports into campaigns.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::observable::ObservableKind;
use crate::org::OrgId;

/// A value an operator marked as a hub: it never links reports into a campaign (a hotline's
/// own number, a shared payment processor's account, a legitimate site scammers mention).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HubMark {
    pub kind: ObservableKind,
    /// The canonical value (for domains, the registrable domain).
    pub value: String,
    pub reason: String,
    #[schema(value_type = uuid::Uuid)]
    pub marked_by: OrgId,
    pub marked_at: DateTime<Utc>,
}
