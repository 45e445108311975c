//! The planted criminal networks: each a scam operation with its own phones, domains, URLs,
//! wallets, mule accounts and handles, reused across many reports.

use model::ObservableKind;
use rand::Rng;

use crate::text::Scam;
use crate::values::{self, IbanCountry, PhonePlan};

/// The part an observable plays in a report (its `role`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Phone,
    Wallet,
    Iban,
    Domain,
    Url,
    C2,
    Email,
    Telegram,
    Hash,
    HostingIp,
    Brand,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Phone => "scammer-phone",
            Role::Wallet => "payment-wallet",
            Role::Iban => "payment-iban",
            Role::Domain => "phishing-domain",
            Role::Url => "phishing-url",
            Role::C2 => "c2",
            Role::Email => "scammer-email",
            Role::Telegram => "scammer-telegram",
            Role::Hash => "malware-hash",
            Role::HostingIp => "hosting-ip",
            Role::Brand => "impersonated-brand",
        }
    }
}

/// An observable in its canonical writing with its role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sel {
    pub(crate) kind: ObservableKind,
    pub(crate) value: String,
    pub(crate) role: Role,
}

pub(crate) struct NetDef {
    pub(crate) name: &'static str,
    pub(crate) scam: Scam,
    phones: &'static [PhonePlan],
    words: &'static [&'static str],
    tlds: &'static [&'static str],
    ibans: &'static [IbanCountry],
    /// Chance that a wallet is Ethereum rather than Bitcoin.
    eth_share: f64,
    handle_words: &'static [&'static str],
    /// Phishing kit: kit hashes and dedicated hosting addresses.
    kit: bool,
    /// Malware: C2 addresses and payload hashes.
    c2: bool,
}

use IbanCountry::{De, Es, Fr, Gb, Lt, Nl};
use PhonePlan::{DeBerlin, DeMobile, EsMobile, FrMobile, UkLondon, UkMobile, UsGeo, UsTollFree};

/// Romance network whose mule account is shared with [`BRIDGE_B`].
pub(crate) const BRIDGE_A: usize = 2;
/// Investment network whose first mule account is reused by [`BRIDGE_A`].
pub(crate) const BRIDGE_B: usize = 3;

pub(crate) const NETWORKS: [NetDef; 9] = [
    NetDef {
        name: "Azure Helpdesk",
        scam: Scam::TechSupport,
        phones: &[UsTollFree],
        words: &[
            "windows", "defender", "helpdesk", "support", "secure", "alert", "pcfix", "techcare", "system",
            "repair",
        ],
        tlds: &["help", "support", "online", "com"],
        ibans: &[Gb, De],
        eth_share: 0.2,
        handle_words: &["azure", "helpdesk", "support", "tech"],
        kit: false,
        c2: false,
    },
    NetDef {
        name: "Grandchild Bail Ring",
        scam: Scam::Grandparent,
        phones: &[UkMobile, UsGeo],
        words: &["bail", "bond", "county", "court", "legal", "defense", "release", "attorney"],
        tlds: &["com", "net", "online"],
        ibans: &[Gb, Es],
        eth_share: 0.0,
        handle_words: &["bail", "legal", "court", "lawyer"],
        kit: false,
        c2: false,
    },
    NetDef {
        name: "Heartline",
        scam: Scam::Romance,
        phones: &[UkMobile, DeMobile, UsGeo],
        words: &["amore", "soulmate", "hearts", "match", "lovely", "date", "forever", "sweet"],
        tlds: &["com", "online", "site", "xyz"],
        ibans: &[Lt, Nl],
        eth_share: 0.5,
        handle_words: &["sweet", "heart", "love", "darling", "angel"],
        kit: false,
        c2: false,
    },
    NetDef {
        name: "Orion Capital",
        scam: Scam::Investment,
        phones: &[UkLondon, DeBerlin],
        words: &["orion", "capital", "trade", "fx", "crypto", "invest", "markets", "yield", "asset"],
        tlds: &["com", "xyz", "online", "net"],
        ibans: &[Lt, Es, De],
        eth_share: 0.6,
        handle_words: &["orion", "capital", "signals", "profit", "vip"],
        kit: false,
        c2: false,
    },
    NetDef {
        name: "Revenue Shield",
        scam: Scam::Government,
        phones: &[UsGeo, UkLondon],
        words: &["tax", "refund", "revenue", "claim", "portal", "benefit", "rebate", "office"],
        tlds: &["online", "help", "com", "co.uk"],
        ibans: &[Gb, Fr],
        eth_share: 0.1,
        handle_words: &["tax", "refund", "claims", "office"],
        kit: false,
        c2: false,
    },
    NetDef {
        name: "Swift Courier",
        scam: Scam::Courier,
        phones: &[UkMobile, DeMobile, FrMobile],
        words: &["swift", "courier", "express", "parcel", "dispatch", "collect", "delivery"],
        tlds: &["com", "net", "co.uk"],
        ibans: &[Gb, De],
        eth_share: 0.0,
        handle_words: &["swift", "courier", "dispatch"],
        kit: false,
        c2: false,
    },
    NetDef {
        name: "SafeVault",
        scam: Scam::BankImpersonation,
        phones: &[UkLondon, DeBerlin, FrMobile],
        words: &["safe", "vault", "secure", "account", "protect", "fraud", "alert", "banking"],
        tlds: &["online", "help", "support", "com"],
        ibans: &[Gb, De, Fr, Nl],
        eth_share: 0.0,
        handle_words: &["vault", "secure", "protect"],
        kit: false,
        c2: false,
    },
    NetDef {
        name: "ParcelPhish",
        scam: Scam::Phishing,
        phones: &[UkMobile, EsMobile, FrMobile],
        words: &["parcel", "track", "redelivery", "post", "customs", "fee", "package", "shipping"],
        tlds: &["com", "info", "online", "xyz", "live"],
        ibans: &[Lt],
        eth_share: 0.3,
        handle_words: &["parcel", "kit", "panel", "shop"],
        kit: true,
        c2: false,
    },
    NetDef {
        name: "Nightjar",
        scam: Scam::Malware,
        phones: &[UsGeo, UkMobile],
        words: &["cdn", "update", "sync", "telemetry", "static", "edge", "api", "metrics"],
        tlds: &["com", "net", "xyz"],
        ibans: &[Lt, Nl],
        eth_share: 0.8,
        handle_words: &["nightjar", "dev", "seller", "builds"],
        kit: false,
        c2: true,
    },
];

impl NetDef {
    /// The campaign label slug, e.g. `azure-helpdesk`.
    pub(crate) fn slug(&self) -> String {
        self.name.to_ascii_lowercase().replace(' ', "-")
    }

    /// The persona named in narratives: the operation's own brand or the kit/family name.
    pub(crate) fn persona(&self) -> String {
        match self.scam {
            Scam::Malware => format!("{}RAT", self.name),
            Scam::Phishing => format!("{} kit", self.name),
            _ => self.name.to_string(),
        }
    }
}

/// Pushes a freshly generated value unless it is already taken (by this or another network).
fn push_unique<R: Rng + ?Sized>(
    rng: &mut R,
    out: &mut Vec<Sel>,
    taken: &mut std::collections::HashSet<String>,
    kind: ObservableKind,
    role: Role,
    mut make: impl FnMut(&mut R) -> String,
) {
    for _ in 0..16 {
        let v = make(rng);
        if taken.insert(v.clone()) {
            out.push(Sel { kind, value: v, role });
            return;
        }
    }
}

/// Generates one network's infrastructure. `taken` collects every value used so far (so no
/// two networks share a value by accident).
pub(crate) fn infrastructure<R: Rng + ?Sized>(
    rng: &mut R,
    def: &NetDef,
    taken: &mut std::collections::HashSet<String>,
) -> Vec<Sel> {
    use ObservableKind as K;
    let mut out = Vec::new();
    for _ in 0..rng.random_range(2..=6) {
        let plan = *values::pick(rng, def.phones);
        push_unique(rng, &mut out, taken, K::Phone, Role::Phone, |r| values::phone(r, plan));
    }
    let mut domains = Vec::new();
    for _ in 0..rng.random_range(2..=5) {
        push_unique(rng, &mut domains, taken, K::Domain, Role::Domain, |r| {
            values::domain(r, def.words, def.tlds)
        });
    }
    for d in &domains {
        let dom = d.value.clone();
        push_unique(rng, &mut out, taken, K::Url, Role::Url, |r| values::url(r, &dom, def.scam.url_paths()));
    }
    let first_domain = domains.first().map(|d| d.value.clone());
    out.extend(domains);
    for _ in 0..rng.random_range(1..=3) {
        if rng.random_bool(def.eth_share) {
            push_unique(rng, &mut out, taken, K::Eth, Role::Wallet, values::eth);
        } else {
            push_unique(rng, &mut out, taken, K::Btc, Role::Wallet, values::btc);
        }
    }
    for _ in 0..rng.random_range(1..=3) {
        let country = *values::pick(rng, def.ibans);
        push_unique(rng, &mut out, taken, K::Iban, Role::Iban, |r| values::iban(r, country));
    }
    push_unique(rng, &mut out, taken, K::Telegram, Role::Telegram, |r| values::telegram(r, def.handle_words));
    for i in 0..rng.random_range(1..=2) {
        let dom = match (&first_domain, i) {
            (Some(d), 0) if rng.random_bool(0.5) => d.clone(),
            _ => values::pick(rng, &values::WEBMAIL).to_string(),
        };
        push_unique(rng, &mut out, taken, K::Email, Role::Email, |r| values::email(r, &dom));
    }
    if def.kit {
        for _ in 0..rng.random_range(1..=2) {
            push_unique(rng, &mut out, taken, K::Sha256, Role::Hash, values::sha256);
        }
        for _ in 0..rng.random_range(1..=2) {
            push_unique(rng, &mut out, taken, K::Ipv4, Role::HostingIp, values::ipv4);
        }
    }
    if def.c2 {
        for _ in 0..rng.random_range(2..=4) {
            push_unique(rng, &mut out, taken, K::Ipv4, Role::C2, values::ipv4);
        }
        for _ in 0..rng.random_range(2..=4) {
            push_unique(rng, &mut out, taken, K::Sha256, Role::Hash, values::sha256);
        }
    }
    out
}
