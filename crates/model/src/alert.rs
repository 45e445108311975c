//! Alert rules organisations subscribe to, and the alerts new reports raise for them.
//!
//! An alert only ever names a report or a campaign the subscriber may see, and never victim
//! data: it carries the report's id and title, the selector that matched, or the campaign's
//! id and size.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::observable::ObservableKind;
use crate::org::OrgId;

/// What a rule watches for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RuleKind {
    /// A new report holding one of these selectors (an IBAN or wallet of ours, a watched list),
    /// canonicalised on the way in. `scam_only` limits it to scam reports.
    Watch {
        selectors: Vec<WatchedSelector>,
        #[serde(default)]
        scam_only: bool,
    },
    /// A campaign reaching `threshold` reports that happened in the last `window_days` days
    /// (counting the reports the subscriber may see). Fires once per campaign.
    CampaignGrowth { threshold: u32, window_days: u32 },
}

/// A selector of a watch rule: kind (inferred when omitted on the way in) and value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchedSelector {
    #[serde(default)]
    pub kind: Option<ObservableKind>,
    pub value: String,
}

/// A rule as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRule {
    pub id: Uuid,
    pub org: OrgId,
    pub name: String,
    pub rule: RuleKind,
    pub created_at: DateTime<Utc>,
}

/// An alert raised for a rule's organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: Uuid,
    pub rule_id: Uuid,
    #[schema(value_type = Uuid)]
    pub org: OrgId,
    pub created_at: DateTime<Utc>,
    /// The report that raised it (watch rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<Uuid>,
    /// The campaign that raised it (growth rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// The selector that matched: `kind:value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// A sentence saying what happened.
    pub message: String,
}
