//! Intake facts for the demo's scam reports: who reported through which channel, the victim's
//! age bracket (skewed old, as elder-fraud hotlines see it), the scam type in dragnet's
//! taxonomy, the contact method, the brand impersonated and the losses with their payment
//! methods. A third of the hotline's reports carry (synthetic) victim contact details.

use model::scam::{
    AgeBracket, Amount, Channel, ContactMethod, Incident, Loss, PaymentMethod, ScamDetails, ScamType,
    SourceType, Victim, VictimPii,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::orgs::OrgType;
use crate::text::Scam;

const COUNTRIES: [(&str, u32); 6] = [("GB", 40), ("US", 25), ("IE", 10), ("DE", 10), ("FR", 8), ("NL", 7)];
const FIRST: [&str; 8] = ["Edna", "Harold", "Margaret", "Walter", "Dorothy", "Arthur", "Joan", "Frank"];
const LAST: [&str; 8] =
    ["Whitfield", "Okafor", "Brennan", "Kowalski", "Duval", "Hughes", "Lindqvist", "Patel"];

fn pick<T: Copy>(rng: &mut ChaCha8Rng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (v, w) in weighted {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    weighted[0].0
}

fn scam_type(s: Scam) -> ScamType {
    match s {
        Scam::TechSupport => ScamType::TechSupport,
        Scam::Grandparent => ScamType::FamilyGrandparent,
        Scam::Romance => ScamType::Romance,
        Scam::Investment => ScamType::InvestmentCrypto,
        Scam::Government => ScamType::GovernmentImpersonation,
        Scam::Courier => ScamType::CourierCashPickup,
        Scam::BankImpersonation => ScamType::BusinessImpersonation,
        Scam::Phishing => ScamType::Phishing,
        Scam::Malware => ScamType::Other,
    }
}

/// How a kind of scam typically goes: contact methods, brands impersonated, payment methods
/// with weights, and the range of one loss in whole currency units.
type Profile =
    (&'static [ContactMethod], &'static [&'static str], &'static [(PaymentMethod, u32)], (u32, u32));

fn profile(s: Scam) -> Profile {
    use ContactMethod as C;
    use PaymentMethod as P;
    match s {
        Scam::TechSupport => (
            &[C::PopUp, C::PhoneCall, C::SearchAd],
            &["Microsoft", "Apple", "Norton"],
            &[(P::GiftCard, 40), (P::BankTransfer, 30), (P::CryptoAtm, 20), (P::Card, 10)],
            (200, 9_000),
        ),
        Scam::Grandparent => (
            &[C::PhoneCall, C::MessagingApp],
            &[],
            &[(P::Cash, 40), (P::Courier, 30), (P::BankTransfer, 20), (P::GiftCard, 10)],
            (1_000, 15_000),
        ),
        Scam::Romance => (
            &[C::SocialMedia, C::MessagingApp],
            &[],
            &[(P::Wire, 35), (P::Crypto, 35), (P::GiftCard, 15), (P::P2pApp, 15)],
            (2_000, 80_000),
        ),
        Scam::Investment => (
            &[C::SocialMedia, C::MessagingApp, C::SearchAd],
            &["Coinbase", "Vanguard"],
            &[(P::Crypto, 55), (P::BankTransfer, 30), (P::CryptoAtm, 15)],
            (5_000, 250_000),
        ),
        Scam::Government => (
            &[C::PhoneCall, C::Sms],
            &["HMRC", "IRS", "Social Security Administration"],
            &[(P::GiftCard, 45), (P::BankTransfer, 35), (P::CryptoAtm, 20)],
            (500, 12_000),
        ),
        Scam::Courier => (
            &[C::PhoneCall, C::InPerson],
            &["Metropolitan Police", "Bank fraud department"],
            &[(P::Courier, 45), (P::Cash, 30), (P::Gold, 15), (P::Card, 10)],
            (2_000, 40_000),
        ),
        Scam::BankImpersonation => (
            &[C::PhoneCall, C::Sms, C::Email],
            &["Northbridge Bank", "Carrow Savings Bank", "Amazon"],
            &[(P::BankTransfer, 70), (P::P2pApp, 20), (P::Card, 10)],
            (300, 25_000),
        ),
        Scam::Phishing | Scam::Malware => (
            &[C::Email, C::Sms, C::Website],
            &["PayPal", "DHL", "Netflix"],
            &[(P::Card, 60), (P::BankTransfer, 40)],
            (50, 2_000),
        ),
    }
}

fn currency(country: &str, method: PaymentMethod, rng: &mut ChaCha8Rng) -> &'static str {
    if matches!(method, PaymentMethod::Crypto | PaymentMethod::CryptoAtm) {
        return if rng.random_bool(0.6) { "BTC" } else { "USDT" };
    }
    match country {
        "GB" => "GBP",
        "US" => "USD",
        _ => "EUR",
    }
}

fn amount(units: u32, method: PaymentMethod, rng: &mut ChaCha8Rng) -> String {
    match method {
        // A fiat-equivalent amount of crypto, at a plausible price.
        PaymentMethod::Crypto | PaymentMethod::CryptoAtm => {
            let sats = u64::from(units) * 100_000_000 / 60_000 + rng.random_range(0..1_000);
            format!("{}.{:08}", sats / 100_000_000, sats % 100_000_000)
        }
        PaymentMethod::GiftCard => format!("{}.00", (units / 50).max(1) * 50),
        _ => format!("{units}.{:02}", rng.random_range(0..100)),
    }
}

/// Intake facts (and sometimes victim data) of one demo scam report.
pub(crate) fn details(rng: &mut ChaCha8Rng, scam: Scam, author: OrgType) -> (ScamDetails, Option<VictimPii>) {
    let (contacts, brands, methods, (lo, hi)) = profile(scam);
    let age_bracket = pick(
        rng,
        &[
            (AgeBracket::From40To49, 6),
            (AgeBracket::From50To59, 12),
            (AgeBracket::From60To69, 24),
            (AgeBracket::From70To79, 30),
            (AgeBracket::From80, 18),
            (AgeBracket::From30To39, 4),
            (AgeBracket::Unknown, 6),
        ],
    );
    let country = pick(rng, &COUNTRIES);
    let (source, channel) = match author {
        OrgType::Hotline => {
            (if rng.random_bool(0.7) { SourceType::Victim } else { SourceType::ThirdParty }, Channel::Hotline)
        }
        OrgType::Bank | OrgType::Payments => (SourceType::Institution, Channel::Bank),
        OrgType::Police | OrgType::Agency => (SourceType::Victim, Channel::Police),
        OrgType::Platform => (SourceType::Institution, Channel::Platform),
        OrgType::Csirt => (SourceType::Victim, Channel::WebForm),
    };
    let paid = rng.random_bool(0.8);
    let mut losses = Vec::new();
    if paid {
        for _ in 0..rng.random_range(1..=3) {
            let method = pick(rng, methods);
            let units = rng.random_range(lo..=hi);
            let lost: Amount = amount(units, method, rng).parse().expect("generated amounts parse");
            let recovered = rng.random_bool(0.1).then(|| {
                let part = rng.random_range(1..=units.max(1));
                amount(part.min(units), method, rng)
                    .parse::<Amount>()
                    .expect("generated amounts parse")
                    .min(lost)
            });
            losses.push(Loss {
                amount: lost,
                currency: currency(country, method, rng).to_string(),
                method,
                paid_at: None,
                recovered,
            });
        }
    }
    let details = ScamDetails {
        source,
        channel: Some(channel),
        victim: Victim { age_bracket, country: Some(country.to_string()), region: None },
        incident: Incident {
            scam_type: scam_type(scam),
            contact_method: Some(contacts[rng.random_range(0..contacts.len())]),
            impersonated_brand: (!brands.is_empty())
                .then(|| brands[rng.random_range(0..brands.len())].to_string()),
            remote_access_tool: (scam == Scam::TechSupport && rng.random_bool(0.6))
                .then(|| ["anydesk", "teamviewer", "ultraviewer"][rng.random_range(0..3)].to_string()),
        },
        losses,
    };
    let pii = (author == OrgType::Hotline && rng.random_bool(0.35)).then(|| VictimPii {
        name: Some(format!(
            "{} {}",
            FIRST[rng.random_range(0..FIRST.len())],
            LAST[rng.random_range(0..LAST.len())]
        )),
        phone: Some(format!("+44 20 7946 {:04}", rng.random_range(0..1000))),
        email: None,
        address: None,
        notes: Some("synthetic demo caller; call back in the afternoon".into()),
    });
    (details, pii)
}
