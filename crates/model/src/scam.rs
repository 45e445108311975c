//! The scam-report intake schema: who reported, the victim (shareable facts), the incident, the
//! losses, and the victim's personal data, which is kept apart and only ever returned to the
//! reporting organisation.
//!
//! A superset of what IC3, FTC Consumer Sentinel and Chainabuse collect. Every enum is written
//! in kebab-case in JSON (`tech-support`, `gift-card`, `60-69`). [`ScamType`] maps to the
//! category names of those three systems ([`ScamType::ic3`], [`ScamType::ftc`],
//! [`ScamType::chainabuse`]) so that reports can be forwarded or compared.
//!
//! Amounts are exact decimals ([`Amount`]), written as JSON strings (`"1250.00"`): never floats.

pub mod table;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a kebab-case enum with `as_str`, `ALL`, `FromStr` and serde in that spelling.
macro_rules! kebab_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The JSON spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let t = s.trim();
                $name::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(t)).ok_or_else(|| {
                    let all: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    format!("unknown value {t:?} (expected one of {})", all.join(", "))
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

kebab_enum! {
    /// Who made the report.
    SourceType {
        /// The victim themself.
        Victim = "victim",
        /// A relative, carer or witness.
        ThirdParty = "third-party",
        /// A bank, platform, police force or other organisation.
        Institution = "institution",
    }
}

kebab_enum! {
    /// How the report reached the reporting organisation.
    Channel {
        Hotline = "hotline",
        WebForm = "web-form",
        Bank = "bank",
        Police = "police",
        Platform = "platform",
    }
}

kebab_enum! {
    /// The victim's age bracket; the only age dragnet keeps.
    AgeBracket {
        Under20 = "<20",
        From20To29 = "20-29",
        From30To39 = "30-39",
        From40To49 = "40-49",
        From50To59 = "50-59",
        From60To69 = "60-69",
        From70To79 = "70-79",
        From80 = "80+",
        Unknown = "unknown",
    }
}

impl AgeBracket {
    /// Whether the victim is 60 or older.
    pub fn is_60_plus(self) -> bool {
        matches!(self, AgeBracket::From60To69 | AgeBracket::From70To79 | AgeBracket::From80)
    }

    /// The bracket of an age in years.
    pub fn of_age(age: u32) -> AgeBracket {
        match age {
            0..20 => AgeBracket::Under20,
            20..30 => AgeBracket::From20To29,
            30..40 => AgeBracket::From30To39,
            40..50 => AgeBracket::From40To49,
            50..60 => AgeBracket::From50To59,
            60..70 => AgeBracket::From60To69,
            70..80 => AgeBracket::From70To79,
            _ => AgeBracket::From80,
        }
    }
}

kebab_enum! {
    /// How the scammer first reached the victim.
    ContactMethod {
        PhoneCall = "phone-call",
        Sms = "sms",
        Email = "e-mail",
        SocialMedia = "social-media",
        MessagingApp = "messaging-app",
        Website = "website",
        PopUp = "pop-up",
        SearchAd = "search-ad",
        Mail = "mail",
        InPerson = "in-person",
    }
}

kebab_enum! {
    /// What kind of scam: dragnet's taxonomy, with mappings to IC3, FTC and Chainabuse.
    ScamType {
        /// Fake technical support (pop-ups, cold calls), usually with remote access.
        TechSupport = "tech-support",
        /// Posing as a tax office, police, social security or another authority.
        GovernmentImpersonation = "government-impersonation",
        /// Posing as a bank, a retailer, a utility or a delivery company.
        BusinessImpersonation = "business-impersonation",
        /// "Grandparent" and relative-in-trouble scams.
        FamilyGrandparent = "family-grandparent",
        Romance = "romance",
        /// Fake investment platforms, crypto "opportunities", pig butchering.
        InvestmentCrypto = "investment-crypto",
        LotteryInheritance = "lottery-inheritance",
        AdvanceFee = "advance-fee",
        OnlineShopping = "online-shopping",
        Employment = "employment",
        ExtortionSextortion = "extortion-sextortion",
        Phishing = "phishing",
        /// Business e-mail compromise.
        Bec = "bec",
        /// Promising to recover money lost to an earlier scam.
        RecoveryScam = "recovery-scam",
        /// Couriers or "agents" collecting cash, gold or cards at the door.
        CourierCashPickup = "courier-cash-pickup",
        Other = "other",
    }
}

impl ScamType {
    /// The IC3 crime type this maps to (IC3 annual report names).
    pub fn ic3(self) -> &'static str {
        match self {
            ScamType::TechSupport => "Tech Support",
            ScamType::GovernmentImpersonation => "Government Impersonation",
            ScamType::BusinessImpersonation => "Non-Payment/Non-Delivery",
            ScamType::FamilyGrandparent => "Confidence/Romance",
            ScamType::Romance => "Confidence/Romance",
            ScamType::InvestmentCrypto => "Investment",
            ScamType::LotteryInheritance => "Lottery/Sweepstakes/Inheritance",
            ScamType::AdvanceFee => "Advanced Fee",
            ScamType::OnlineShopping => "Non-Payment/Non-Delivery",
            ScamType::Employment => "Employment",
            ScamType::ExtortionSextortion => "Extortion",
            ScamType::Phishing => "Phishing/Spoofing",
            ScamType::Bec => "Business Email Compromise",
            ScamType::RecoveryScam => "Advanced Fee",
            ScamType::CourierCashPickup => "Other",
            ScamType::Other => "Other",
        }
    }

    /// The FTC Consumer Sentinel category this maps to.
    pub fn ftc(self) -> &'static str {
        match self {
            ScamType::TechSupport => "Tech Support Scams",
            ScamType::GovernmentImpersonation => "Government Imposters",
            ScamType::BusinessImpersonation => "Business Imposters",
            ScamType::FamilyGrandparent => "Family and Friend Imposters",
            ScamType::Romance => "Romance Scams",
            ScamType::InvestmentCrypto => "Investment Related",
            ScamType::LotteryInheritance => "Prizes, Sweepstakes and Lotteries",
            ScamType::AdvanceFee => "Advance Payments for Credit Services",
            ScamType::OnlineShopping => "Online Shopping and Negative Reviews",
            ScamType::Employment => "Business and Job Opportunities",
            ScamType::ExtortionSextortion => "Other Miscellaneous",
            ScamType::Phishing => "Other Miscellaneous",
            ScamType::Bec => "Business Imposters",
            ScamType::RecoveryScam => "Advance Payments for Credit Services",
            ScamType::CourierCashPickup => "Family and Friend Imposters",
            ScamType::Other => "Other Miscellaneous",
        }
    }

    /// The Chainabuse report category this maps to.
    pub fn chainabuse(self) -> &'static str {
        match self {
            ScamType::TechSupport => "Impersonation Scam",
            ScamType::GovernmentImpersonation => "Impersonation Scam",
            ScamType::BusinessImpersonation => "Impersonation Scam",
            ScamType::FamilyGrandparent => "Impersonation Scam",
            ScamType::Romance => "Romance Scam",
            ScamType::InvestmentCrypto => "Pig Butchering Scam",
            ScamType::LotteryInheritance => "Giveaway Scam",
            ScamType::AdvanceFee => "Fake Project Scam",
            ScamType::OnlineShopping => "Fake Project Scam",
            ScamType::Employment => "Fake Job Scam",
            ScamType::ExtortionSextortion => "Sextortion Scam",
            ScamType::Phishing => "Phishing Scam",
            ScamType::Bec => "Impersonation Scam",
            ScamType::RecoveryScam => "Fake Returns Scam",
            ScamType::CourierCashPickup => "Other Scam",
            ScamType::Other => "Other Scam",
        }
    }
}

kebab_enum! {
    /// How a loss was paid.
    PaymentMethod {
        BankTransfer = "bank-transfer",
        Wire = "wire",
        /// Zelle, Venmo, PayPal friends-and-family, Faster Payments apps, …
        P2pApp = "p2p-app",
        Crypto = "crypto",
        CryptoAtm = "crypto-atm",
        GiftCard = "gift-card",
        Cash = "cash",
        Courier = "courier",
        Gold = "gold",
        Cheque = "cheque",
        MoneyOrder = "money-order",
        Card = "card",
        Other = "other",
    }
}

/// An exact amount of money or of a crypto asset: a decimal with up to 18 digits after the
/// point, non-negative. JSON: a string such as `"1250.00"` or `"0.05"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Amount {
    /// The amount times 10^18.
    atto: i128,
}

impl Amount {
    const SCALE: u32 = 18;
    pub const ZERO: Amount = Amount { atto: 0 };

    /// The amount times 10^18 (its exact representation).
    pub fn atto(self) -> i128 {
        self.atto
    }

    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.atto.checked_add(other.atto).map(|atto| Amount { atto })
    }

    /// Sum that saturates instead of overflowing (totals of absurd inputs stay defined).
    pub fn saturating_add(self, other: Amount) -> Amount {
        Amount { atto: self.atto.saturating_add(other.atto) }
    }
}

impl FromStr for Amount {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().replace(['_', ','], "");
        let bad = || format!("{s:?} is not a decimal amount like \"1250.00\"");
        if t.starts_with('-') {
            return Err(format!("{s:?} is negative"));
        }
        let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        if frac.len() > Self::SCALE as usize {
            return Err(format!("{s:?} has more than 18 decimal places"));
        }
        let scale = 10i128.pow(Self::SCALE);
        let whole: i128 = if int.is_empty() { 0 } else { int.parse().map_err(|_| bad())? };
        let mut f: i128 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad())? };
        f *= 10i128.pow(Self::SCALE - frac.len() as u32);
        let atto = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(f))
            .ok_or_else(|| format!("{s:?} is too large"))?;
        Ok(Amount { atto })
    }
}

impl fmt::Display for Amount {
    /// The shortest exact form with at least two decimals: `1250.00`, `0.0005`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = 10i128.pow(Self::SCALE);
        let (whole, frac) = (self.atto / scale, self.atto % scale);
        let mut digits = format!("{frac:018}");
        while digits.len() > 2 && digits.ends_with('0') {
            digits.pop();
        }
        write!(f, "{whole}.{digits}")
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal amount as a string, e.g. \"1250.00\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Amount, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Amount, E> {
                // Whole numbers are exact; fractions must be strings.
                Ok(Amount { atto: i128::from(v) * 10i128.pow(Amount::SCALE) })
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Amount, E> {
                Err(E::custom("amounts with a fraction must be strings (\"12.50\"), never floats"))
            }
        }
        d.deserialize_any(V)
    }
}

impl utoipa::PartialSchema for Amount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("an exact non-negative decimal, e.g. \"1250.00\""))
            .examples(["1250.00"])
            .into()
    }
}

impl utoipa::ToSchema for Amount {}

/// One payment the victim made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Loss {
    pub amount: Amount,
    /// ISO 4217 currency (`USD`, `EUR`) or a crypto asset (`BTC`, `USDT`), upper case.
    pub currency: String,
    pub method: PaymentMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<DateTime<Utc>>,
    /// How much of it came back, in the same currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered: Option<Amount>,
}

/// What may be shared about the victim: never who they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Victim {
    #[serde(default = "unknown_age")]
    pub age_bracket: AgeBracket,
    /// ISO 3166-1 alpha-2, upper case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// A region or state, e.g. `CA` or `Bavaria`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

fn unknown_age() -> AgeBracket {
    AgeBracket::Unknown
}

impl Default for Victim {
    fn default() -> Self {
        Victim { age_bracket: AgeBracket::Unknown, country: None, region: None }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub scam_type: ScamType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_method: Option<ContactMethod>,
    /// The brand or authority the scammer posed as (`Microsoft`, `HMRC`, `Amazon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonated_brand: Option<String>,
    /// The remote-access tool the victim was made to install (`anydesk`, `teamviewer`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_access_tool: Option<String>,
}

/// The shareable intake facts of a scam report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScamDetails {
    pub source: SourceType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub victim: Victim,
    pub incident: Incident,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub losses: Vec<Loss>,
}

/// The victim's personal data. Kept apart from the report and only ever returned to the
/// organisation that reported it: never to others, in exports, streams, federation or
/// aggregates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VictimPii {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Free notes of the call handler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl VictimPii {
    pub fn is_empty(&self) -> bool {
        self == &VictimPii::default()
    }

    fn fields(&self) -> [(&'static str, &Option<String>); 5] {
        [
            ("name", &self.name),
            ("phone", &self.phone),
            ("email", &self.email),
            ("address", &self.address),
            ("notes", &self.notes),
        ]
    }
}

/// A scam report as an intake channel submits it (`POST /api/v1/intake`, the public form, CSV
/// import): the intake facts are required, the rest has defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeInput {
    /// A short title; made from the scam type and contact method when omitted.
    #[serde(default)]
    pub title: Option<String>,
    /// What happened, in the reporter's words: indicators in it are extracted. Put the victim's
    /// name and contact details in `victim_pii`, not here.
    #[serde(default)]
    pub narrative: String,
    pub scam: ScamDetails,
    #[serde(default)]
    pub victim_pii: Option<VictimPii>,
    /// The scammer's indicators, when known (they are also extracted from the narrative).
    #[serde(default)]
    pub observables: Vec<crate::report::ObservableInput>,
    /// TLP; when omitted, `AMBER` shared with the reporting organisation's communities.
    #[serde(default)]
    pub tlp: Option<String>,
    #[serde(default)]
    pub audience: crate::report::AudienceInput,
    #[serde(default)]
    pub labels: Vec<String>,
    /// When the scam happened (or started).
    #[serde(default)]
    pub first_seen: Option<DateTime<Utc>>,
}

impl IntakeInput {
    /// The report this intake becomes: kind `scam`, TLP as given or `AMBER` to the
    /// `communities` given by the caller (the reporter's own), a title made up when missing.
    pub fn into_report_input(self, communities: Vec<String>) -> crate::report::ReportInput {
        let title = self.title.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| {
            let how = self.scam.incident.contact_method.map(|c| format!(" by {c}")).unwrap_or_default();
            let brand = self
                .scam
                .incident
                .impersonated_brand
                .as_ref()
                .map(|b| format!(" posing as {b}"))
                .unwrap_or_default();
            format!("{} scam{how}{brand}", self.scam.incident.scam_type)
        });
        let (tlp, audience) = match self.tlp {
            Some(t) => (t, self.audience),
            None if self.audience == crate::report::AudienceInput::default() => {
                ("AMBER".to_string(), crate::report::AudienceInput { organizations: vec![], communities })
            }
            None => ("AMBER".to_string(), self.audience),
        };
        crate::report::ReportInput {
            kind: crate::report::ReportKind::Scam,
            title,
            narrative: self.narrative,
            tlp,
            audience,
            labels: self.labels,
            first_seen: self.first_seen,
            last_seen: None,
            observables: self.observables,
            scam: Some(self.scam),
            victim_pii: self.victim_pii,
            discoverable: None,
        }
    }
}

/// Why intake data was refused: the field (e.g. `scam.losses[1].currency`) and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct IntakeError {
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> IntakeError {
    IntakeError { field: field.into(), message: message.into() }
}

fn short_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, IntakeError> {
    let Some(v) = v else { return Ok(None) };
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max {
        return Err(err(field, format!("longer than {max} characters")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(err(field, "must not contain control characters"));
    }
    Ok(Some(t.to_string()))
}

impl ScamDetails {
    /// Checks and normalises the details (codes upper case, text trimmed), naming the field
    /// at fault under `prefix` (e.g. `scam`).
    pub fn validate(mut self, prefix: &str) -> Result<ScamDetails, IntakeError> {
        let f = |name: &str| format!("{prefix}.{name}");
        if let Some(c) = &self.victim.country {
            let c = c.trim().to_ascii_uppercase();
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(err(f("victim.country"), format!("{c:?} is not an ISO 3166-1 alpha-2 code")));
            }
            self.victim.country = Some(c);
        }
        self.victim.region = short_text(&f("victim.region"), &self.victim.region, 100)?;
        self.incident.impersonated_brand =
            short_text(&f("incident.impersonated_brand"), &self.incident.impersonated_brand, 200)?;
        self.incident.remote_access_tool = short_text(
            &f("incident.remote_access_tool"),
            &self.incident.remote_access_tool.as_ref().map(|t| t.to_ascii_lowercase()),
            100,
        )?;
        if self.losses.len() > 1_000 {
            return Err(err(f("losses"), "more than 1,000 losses"));
        }
        for (i, loss) in self.losses.iter_mut().enumerate() {
            let c = loss.currency.trim().to_ascii_uppercase();
            if c.is_empty() || c.len() > 10 || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(err(
                    f(&format!("losses[{i}].currency")),
                    format!("{:?} is not a currency or asset code (USD, EUR, BTC, USDT…)", loss.currency),
                ));
            }
            loss.currency = c;
            if let Some(r) = loss.recovered
                && r > loss.amount
            {
                return Err(err(f(&format!("losses[{i}].recovered")), "more than the amount lost"));
            }
        }
        Ok(self)
    }
}

impl VictimPii {
    /// Checks the personal data's lengths and characters, naming the field under `prefix`.
    pub fn validate(self, prefix: &str) -> Result<VictimPii, IntakeError> {
        let mut out = VictimPii::default();
        let limits = [200, 100, 320, 500, 20_000];
        let mut cleaned = Vec::new();
        for ((name, v), max) in self.fields().into_iter().zip(limits) {
            cleaned.push(short_text(&format!("{prefix}.{name}"), v, max)?);
        }
        let mut it = cleaned.into_iter();
        out.name = it.next().flatten();
        out.phone = it.next().flatten();
        out.email = it.next().flatten();
        out.address = it.next().flatten();
        out.notes = it.next().flatten();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_decimals() {
        let a: Amount = "1250.5".parse().unwrap();
        assert_eq!(a.to_string(), "1250.50");
        let b: Amount = "0.000000000000000001".parse().unwrap();
        assert_eq!(b.atto(), 1);
        assert_eq!(b.to_string(), "0.000000000000000001");
        assert_eq!("1,000".parse::<Amount>().unwrap().to_string(), "1000.00");
        assert_eq!(a.checked_add(b).unwrap().to_string(), "1250.500000000000000001");
        for bad in ["", ".", "-1", "1e3", "12.3.4", "abc", "0.1234567890123456789"] {
            assert!(bad.parse::<Amount>().is_err(), "{bad}");
        }
        assert_eq!(serde_json::from_str::<Amount>("\"19.99\"").unwrap().to_string(), "19.99");
        assert_eq!(serde_json::from_str::<Amount>("20").unwrap().to_string(), "20.00");
        let e = serde_json::from_str::<Amount>("19.99").unwrap_err().to_string();
        assert!(e.contains("never floats"), "{e}");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"1250.50\"");
    }

    #[test]
    fn enums_round_trip_in_kebab_case() {
        for t in ScamType::ALL {
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(&t.as_str().parse::<ScamType>().unwrap(), t);
            assert!(!t.ic3().is_empty() && !t.ftc().is_empty() && !t.chainabuse().is_empty());
        }
        assert_eq!(ScamType::ALL.len(), 16);
        for a in AgeBracket::ALL {
            assert_eq!(serde_json::from_str::<AgeBracket>(&serde_json::to_string(a).unwrap()).unwrap(), *a);
        }
        assert_eq!(AgeBracket::of_age(67), AgeBracket::From60To69);
        assert!(AgeBracket::of_age(85).is_60_plus() && !AgeBracket::of_age(59).is_60_plus());
        assert!("gift card".parse::<PaymentMethod>().unwrap_err().contains("gift-card"));
    }

    #[test]
    fn validation_names_the_field() {
        let d: ScamDetails = serde_json::from_value(serde_json::json!({
            "source": "victim",
            "victim": {"age_bracket": "70-79", "country": "gb"},
            "incident": {"scam_type": "tech-support", "remote_access_tool": "AnyDesk"},
            "losses": [{"amount": "900", "currency": "gbp", "method": "gift-card"},
                       {"amount": "10", "currency": "usd", "method": "wire", "recovered": "11"}]
        }))
        .unwrap();
        let e = d.clone().validate("scam").unwrap_err();
        assert_eq!(e.field, "scam.losses[1].recovered");
        let mut ok = d;
        ok.losses.pop();
        let ok = ok.validate("scam").unwrap();
        assert_eq!(ok.victim.country.as_deref(), Some("GB"));
        assert_eq!(ok.losses[0].currency, "GBP");
        assert_eq!(ok.incident.remote_access_tool.as_deref(), Some("anydesk"));
        let pii =
            VictimPii { name: Some("  Edna  ".into()), notes: Some("\u{7}".into()), ..Default::default() };
        assert_eq!(pii.validate("victim_pii").unwrap_err().field, "victim_pii.notes");
    }
}
