//! The demo's organisations and sharing communities.

/// What an organisation does; decides what it reports and how it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OrgType {
    Police,
    Agency,
    Bank,
    Payments,
    Csirt,
    Platform,
    Hotline,
}

pub(crate) struct OrgDef {
    pub(crate) name: &'static str,
    pub(crate) ty: OrgType,
    pub(crate) operator: bool,
    pub(crate) description: &'static str,
    /// Share of all reports written by this organisation (relative weight).
    pub(crate) weight: u32,
}

pub(crate) const POLICE: usize = 0;
pub(crate) const AGENCY: usize = 1;
pub(crate) const NORTHBRIDGE: usize = 2;
pub(crate) const CARROW: usize = 3;
pub(crate) const KESTREL: usize = 4;
pub(crate) const CSIRT: usize = 5;
pub(crate) const PLATFORM: usize = 6;
pub(crate) const HOTLINE: usize = 7;

pub(crate) const ORGS: [OrgDef; 8] = [
    OrgDef {
        name: "Metropolitan Police Cyber Crime Unit",
        ty: OrgType::Police,
        operator: false,
        description: "Police cyber crime unit: records victim reports, investigates online fraud \
                      and safeguards elderly victims.",
        weight: 14,
    },
    OrgDef {
        name: "International Cybercrime Coordination Centre",
        ty: OrgType::Agency,
        operator: false,
        description: "International agency coordinating cross-border cybercrime investigations \
                      and sharing infrastructure intelligence with member police forces.",
        weight: 9,
    },
    OrgDef {
        name: "Northbridge Bank",
        ty: OrgType::Bank,
        operator: false,
        description: "Retail bank; its fraud team reports authorised push-payment scams and \
                      money-mule accounts.",
        weight: 13,
    },
    OrgDef {
        name: "Carrow Savings Bank",
        ty: OrgType::Bank,
        operator: false,
        description: "Savings bank with many older customers; reports scam payments and the \
                      accounts that received them.",
        weight: 11,
    },
    OrgDef {
        name: "Kestrel Payments",
        ty: OrgType::Payments,
        operator: false,
        description: "Payment processor and e-money institution; reports fraudulent \
                      beneficiaries, card-not-present fraud and crypto on-ramp abuse.",
        weight: 5,
    },
    OrgDef {
        name: "National CSIRT",
        ty: OrgType::Csirt,
        operator: true,
        description: "National computer security incident response team; operates this \
                      instance and shares phishing and malware infrastructure.",
        weight: 12,
    },
    OrgDef {
        name: "Chatterly Platform Trust & Safety",
        ty: OrgType::Platform,
        operator: false,
        description: "Trust & safety team of a social and messaging platform; reports scam \
                      accounts, links and handles.",
        weight: 12,
    },
    OrgDef {
        name: "Silver Line Elder Fraud Hotline",
        ty: OrgType::Hotline,
        operator: false,
        description: "Helpline for older people and their families; records scam reports from \
                      victims and relatives.",
        weight: 24,
    },
];

pub(crate) struct CommunityDef {
    pub(crate) name: &'static str,
    pub(crate) members: &'static [usize],
}

pub(crate) const COMMUNITIES: [CommunityDef; 3] = [
    CommunityDef { name: "Financial Sector ISAC", members: &[NORTHBRIDGE, CARROW, KESTREL, CSIRT] },
    CommunityDef { name: "Law Enforcement", members: &[POLICE, AGENCY] },
    CommunityDef {
        name: "Elder Fraud Taskforce",
        members: &[HOTLINE, POLICE, NORTHBRIDGE, CARROW, PLATFORM],
    },
];

/// Indices of the communities `org` belongs to, in declaration order.
pub(crate) fn communities_of(org: usize) -> Vec<usize> {
    COMMUNITIES.iter().enumerate().filter(|(_, c)| c.members.contains(&org)).map(|(i, _)| i).collect()
}
