//! Titles and narratives: how hotlines, banks, police, platforms and CSIRTs write reports.
//! Every indicator attached to a report is also written into its narrative, as partners do.

use model::ReportKind;
use rand::Rng;

use crate::orgs::OrgType;
use crate::values::{pick, pick_str};

/// The kind of criminal operation behind a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scam {
    TechSupport,
    Grandparent,
    Romance,
    Investment,
    Government,
    Courier,
    BankImpersonation,
    Phishing,
    Malware,
}

/// Scam-report types with their share of noise reports.
pub(crate) const SCAM_MIX: [(Scam, u32); 7] = [
    (Scam::TechSupport, 22),
    (Scam::Grandparent, 12),
    (Scam::Romance, 14),
    (Scam::Investment, 16),
    (Scam::Government, 12),
    (Scam::Courier, 10),
    (Scam::BankImpersonation, 14),
];

impl Scam {
    /// The label and `scam_type` of this kind of operation.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Scam::TechSupport => "tech-support",
            Scam::Grandparent => "grandparent",
            Scam::Romance => "romance",
            Scam::Investment => "investment",
            Scam::Government => "government-impersonation",
            Scam::Courier => "courier",
            Scam::BankImpersonation => "bank-impersonation",
            Scam::Phishing => "phishing",
            Scam::Malware => "malware",
        }
    }

    /// Whether this operation is mostly seen through threat intelligence rather than victims.
    pub(crate) fn is_intel(self) -> bool {
        matches!(self, Scam::Phishing | Scam::Malware)
    }

    /// The real site of the brand this kind of scam impersonates, if any.
    pub(crate) fn brand_domains(self) -> &'static [&'static str] {
        match self {
            Scam::TechSupport => &["microsoft.com", "apple.com"],
            Scam::Phishing => &["paypal.com", "amazon.com", "apple.com", "google.com"],
            Scam::Romance => &["google.com"],
            Scam::Investment => &["google.com"],
            Scam::Courier => &["amazon.com"],
            Scam::Government | Scam::Grandparent | Scam::BankImpersonation | Scam::Malware => &[],
        }
    }

    /// Name-drops for one-off reports: the fake platform, company, family or kit involved.
    pub(crate) fn personas(self) -> &'static [&'static str] {
        match self {
            Scam::TechSupport => &["Windows Support", "Apple Care Desk", "PC Shield Pro"],
            Scam::Grandparent => &["a grandson", "a granddaughter", "a nephew"],
            Scam::Romance => &["an oil-rig engineer", "a US army surgeon", "a UN doctor"],
            Scam::Investment => &["Apex Yield", "BlueRiver FX", "Quantum Coin Club"],
            Scam::Government => &["the tax office", "the pension service", "Social Security"],
            Scam::Courier => &["a detective sergeant", "the bank's fraud squad"],
            Scam::BankImpersonation => &["the fraud department", "the bank's security team"],
            Scam::Phishing => &["QuickKit", "Ph4nt0m panel", "LetterBox kit"],
            Scam::Malware => &["QuillStealer", "Marrowbot", "TallyLoader"],
        }
    }

    /// Paths of the URLs this kind of operation uses.
    pub(crate) fn url_paths(self) -> &'static [&'static str] {
        match self {
            Scam::TechSupport => &[
                "support/ticket",
                "helpdesk/connect",
                "download/support-tool",
                "alert/virus-detected",
                "remote/session",
            ],
            Scam::Grandparent => &["bail/payment", "case/status", "pay/fee", "legal/retainer"],
            Scam::Romance => &["profile/view", "gift/send", "travel/visa-fee", "wallet/deposit"],
            Scam::Investment => {
                &["invest/dashboard", "wallet/deposit", "account/withdraw", "signup", "trade/live"]
            }
            Scam::Government => &["refund/claim", "tax/arrears", "benefit/verify", "pay/penalty"],
            Scam::Courier => &["track/parcel", "collection/confirm", "pay/fee"],
            Scam::BankImpersonation => &["account/secure", "verify", "login", "safe-account/transfer"],
            Scam::Phishing => {
                &["track/parcel", "pay/fee", "redelivery", "id/confirm", "login", "update/billing"]
            }
            Scam::Malware => &["update/download", "api/v2/beacon", "static/js/update.js", "gate.php"],
        }
    }

    fn loss_range(self) -> (u32, u32) {
        match self {
            Scam::TechSupport => (150, 6_000),
            Scam::Grandparent => (1_000, 15_000),
            Scam::Romance => (2_000, 120_000),
            Scam::Investment => (5_000, 250_000),
            Scam::Government => (400, 9_000),
            Scam::Courier => (2_000, 40_000),
            Scam::BankImpersonation => (3_000, 85_000),
            Scam::Phishing => (50, 3_000),
            Scam::Malware => (0, 1),
        }
    }
}

const CITIES: [&str; 16] = [
    "Leeds",
    "Bristol",
    "Croydon",
    "Norwich",
    "Glasgow",
    "Cardiff",
    "Brighton",
    "Hamburg",
    "Cologne",
    "Lyon",
    "Valencia",
    "Rotterdam",
    "Boston",
    "Phoenix",
    "Tampa",
    "Cleveland",
];
const WHO: [&str; 8] =
    ["woman", "man", "widow", "widower", "retired teacher", "retired engineer", "pensioner", "retired nurse"];

/// The facts a narrative is written around.
pub(crate) struct Story {
    pub(crate) victim: String,
    pub(crate) city: &'static str,
    pub(crate) loss: String,
    pub(crate) persona: String,
}

fn thousands(n: u32) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Story {
    /// A victim, a place, a loss and (for network reports) the operation's own name.
    pub(crate) fn new<R: Rng + ?Sized>(rng: &mut R, scam: Scam, persona: Option<&str>) -> Story {
        let age = rng.random_range(65..=93u32);
        let article = if (80..90).contains(&age) { "An" } else { "A" };
        let victim = format!("{article} {age}-year-old {}", pick(rng, &WHO));
        let (lo, hi) = scam.loss_range();
        let amount = rng.random_range(lo..=hi) / 10 * 10;
        let currency = pick(rng, &["GBP", "GBP", "EUR", "USD"]);
        let persona = match persona {
            Some(p) => p.to_string(),
            None => pick(rng, scam.personas()).to_string(),
        };
        Story {
            victim,
            city: pick_str(rng, &CITIES),
            loss: format!("{currency} {}", thousands(amount)),
            persona,
        }
    }
}

/// A report title.
pub(crate) fn title<R: Rng + ?Sized>(rng: &mut R, scam: Scam, kind: ReportKind, s: &Story) -> String {
    let p = &s.persona;
    let c = s.city;
    let l = &s.loss;
    if kind == ReportKind::Intel {
        return match scam {
            Scam::Phishing => match rng.random_range(0..4) {
                0 => format!("Phishing kit {p}: new domains and hosting"),
                1 => "Parcel-fee smishing wave: landing pages and senders".to_string(),
                2 => format!("Credential phishing infrastructure ({p})"),
                _ => "Newly registered look-alike domains serving phishing pages".to_string(),
            },
            Scam::Malware => match rng.random_range(0..3) {
                0 => format!("{p} C2 servers and payload hashes"),
                1 => format!("Loader campaign: {p} beaconing infrastructure"),
                _ => format!("Remote-access malware {p}: indicators"),
            },
            other => match rng.random_range(0..3) {
                0 => format!("Infrastructure behind {} scams targeting older people", other.slug()),
                1 => format!("{p}: phone numbers, domains and payment accounts"),
                _ => format!("Indicators linked to {} fraud ({p})", other.slug()),
            },
        };
    }
    match scam {
        Scam::TechSupport => match rng.random_range(0..4) {
            0 => format!("Tech-support pop-up scam: fake {p} helpline"),
            1 => format!("Browser-lock pop-up led to remote access and {l} loss"),
            2 => format!("Fake technician took {l} from pensioner in {c}"),
            _ => "Tech-support scam call claiming computer was hacked".to_string(),
        },
        Scam::Grandparent => match rng.random_range(0..3) {
            0 => format!("Grandparent scam: caller posing as {p} needing bail"),
            1 => format!("'Grandchild in trouble' call, {l} sent, {c}"),
            _ => "Grandparent scam with fake lawyer follow-up call".to_string(),
        },
        Scam::Romance => match rng.random_range(0..3) {
            0 => format!("Romance scam: {p} met online, {l} lost"),
            1 => format!("Romance fraud against widowed victim in {c}"),
            _ => "Online romance turned into requests for money".to_string(),
        },
        Scam::Investment => match rng.random_range(0..4) {
            0 => format!("Crypto investment scam via {p}"),
            1 => format!("Fake trading platform {p}: {l} invested"),
            2 => format!("Investment fraud, retired victim in {c}"),
            _ => "Recovery-room follow-up after crypto investment loss".to_string(),
        },
        Scam::Government => match rng.random_range(0..3) {
            0 => format!("Caller impersonating {p} demanded payment"),
            1 => format!("Fake tax refund / arrears call, {l}"),
            _ => "Government impersonation: threat of arrest over unpaid tax".to_string(),
        },
        Scam::Courier => match rng.random_range(0..3) {
            0 => format!("Courier fraud: cash collected from doorstep in {c}"),
            1 => format!("Caller posing as {p}; courier collected {l} in cash"),
            _ => "Courier scam: victim asked to withdraw cash for 'evidence'".to_string(),
        },
        Scam::BankImpersonation => match rng.random_range(0..3) {
            0 => format!("Safe-account scam: {l} moved on instruction of fake bank"),
            1 => format!("Caller posing as {p} persuaded transfer to 'safe account'"),
            _ => format!("Bank impersonation call, spoofed number, victim in {c}"),
        },
        Scam::Phishing => match rng.random_range(0..3) {
            0 => "Victim entered card details on fake parcel-fee page".to_string(),
            1 => format!("Phishing text led to account takeover, {l} lost"),
            _ => "Smishing victim: fake delivery fee page".to_string(),
        },
        Scam::Malware => match rng.random_range(0..2) {
            0 => "Malware infection after fake update, banking session hijacked".to_string(),
            _ => format!("Victim's PC infected ({p}); remote access used for fraud"),
        },
    }
}

/// The opening of a narrative: what happened.
pub(crate) fn intro<R: Rng + ?Sized>(rng: &mut R, scam: Scam, kind: ReportKind, s: &Story) -> String {
    let v = &s.victim;
    let c = s.city;
    let l = &s.loss;
    let p = &s.persona;
    if kind == ReportKind::Intel {
        return match scam {
            Scam::Phishing => format!(
                "Phishing kit {p} deployed on newly registered look-alike domains. Lures are sent by \
                 SMS about an unpaid parcel or customs fee; victims land on a card-payment page \
                 and their details are exfiltrated to a Telegram bot."
            ),
            Scam::Malware => format!(
                "{p} is delivered through fake browser and software update pages. After \
                 installation it beacons over HTTPS to its C2 servers and opens a remote session \
                 used to take over online banking."
            ),
            other => format!(
                "Infrastructure of a {} operation targeting older people ({p}), collated from \
                 victim reports and partner sightings.",
                other.slug()
            ),
        };
    }
    match scam {
        Scam::TechSupport => match rng.random_range(0..2) {
            0 => format!(
                "{v} in {c} saw a full-screen pop-up claiming the computer was infected and \
                 urging a call to {p}. The 'technician' installed remote-access software and \
                 had the victim log in to online banking to receive a 'refund'. Loss: {l}."
            ),
            _ => format!(
                "{v} in {c} received a cold call from someone claiming to be from {p} about a \
                 hacked router. Remote access was granted and gift cards and a transfer were \
                 requested. Loss: {l}."
            ),
        },
        Scam::Grandparent => format!(
            "{v} in {c} was called by someone claiming to be {p} who had been arrested after a \
             car accident and needed bail money urgently, and asked that the family not be told. \
             A 'lawyer' then called with payment instructions. Loss: {l}."
        ),
        Scam::Romance => format!(
            "{v} in {c} met a person presenting as {p} on a dating site. After weeks of daily \
             messages the contact asked for money for medical bills, travel and customs fees. \
             Loss: {l}."
        ),
        Scam::Investment => format!(
            "{v} in {c} saw an online advert with a celebrity endorsement for {p}. An 'account \
             manager' showed growing profits on a dashboard and asked for larger deposits; \
             withdrawals were blocked pending 'taxes'. Loss: {l}."
        ),
        Scam::Government => format!(
            "{v} in {c} was called by someone claiming to be from {p}, saying there were unpaid \
             arrears and a warrant would be issued unless paid the same day. Loss: {l}."
        ),
        Scam::Courier => format!(
            "{v} in {c} was called by {p} investigating fraud at the victim's bank and asked to \
             withdraw cash as 'evidence'. A courier collected it from the doorstep. Loss: {l}."
        ),
        Scam::BankImpersonation => format!(
            "{v} in {c} received a call from {p}, the number appearing to be the bank's own, \
             saying the account was compromised and the savings had to be moved to a 'safe \
             account'. Loss: {l}."
        ),
        Scam::Phishing => format!(
            "{v} in {c} received a text about a missed delivery, paid a small 'redelivery fee' on \
             the linked page and later found card payments and an account takeover. Loss: {l}."
        ),
        Scam::Malware => format!(
            "{v} in {c} installed a fake update; criminals used the remote session to make \
             payments from online banking. Loss: {l}."
        ),
    }
}

/// One sentence naming an indicator in the role it plays.
pub(crate) fn indicator<R: Rng + ?Sized>(rng: &mut R, role: &str, value: &str) -> String {
    let v = value;
    match role {
        "scammer-phone" => match rng.random_range(0..4) {
            0 => format!("The caller used {v}."),
            1 => format!("Victim was told to ring {v}."),
            2 => format!("Calls came from {v}."),
            _ => format!("Call-back number: {v}."),
        },
        "payment-wallet" => match rng.random_range(0..3) {
            0 => format!("Funds were sent to the wallet {v}."),
            1 => format!("Deposit address given: {v}."),
            _ => format!("Crypto ATM purchase sent to {v}."),
        },
        "payment-iban" => match rng.random_range(0..3) {
            0 => format!("Transfer made to IBAN {v}."),
            1 => format!("Beneficiary account {v} (suspected money mule)."),
            _ => format!("Payment instructions named account {v}."),
        },
        "phishing-domain" => match rng.random_range(0..3) {
            0 => format!("The site {v} was used."),
            1 => format!("Website involved: {v}."),
            _ => format!("Domain observed: {v}."),
        },
        "phishing-url" => match rng.random_range(0..3) {
            0 => format!("Link received: {v}"),
            1 => format!("Victim visited {v}"),
            _ => format!("Landing page: {v}"),
        },
        "c2" => match rng.random_range(0..2) {
            0 => format!("Beaconing to C2 {v} observed."),
            _ => format!("C2 server: {v}."),
        },
        "scammer-email" => match rng.random_range(0..2) {
            0 => format!("E-mails came from {v}."),
            _ => format!("Correspondence from {v}."),
        },
        "scammer-telegram" => match rng.random_range(0..2) {
            0 => format!("Contact moved to Telegram ({v})."),
            _ => format!("Telegram account: {v}."),
        },
        "malware-hash" => format!("Payload SHA-256: {v}."),
        "hosting-ip" => format!("Hosted on {v}."),
        "impersonated-brand" => format!("The criminals impersonated {v}."),
        _ => format!("Indicator: {v}."),
    }
}

/// The closing line, in the voice of the reporting organisation.
pub(crate) fn closing<R: Rng + ?Sized>(rng: &mut R, org: OrgType, kind: ReportKind) -> &'static str {
    if kind == ReportKind::Intel {
        return pick_str(
            rng,
            &[
                "Shared for correlation with partner reports.",
                "Please report sightings; takedown requests have been sent.",
                "Indicators are current as of the last-seen date.",
                "Blocklisting recommended.",
            ],
        );
    }
    let table: &[&str] = match org {
        OrgType::Hotline => &[
            "Reported to the helpline by the victim's daughter.",
            "Caller referred to their bank and the police.",
            "Victim supported by a helpline volunteer; follow-up call booked.",
            "Reported by a neighbour on the victim's behalf.",
        ],
        OrgType::Bank => &[
            "Outbound payment flagged by fraud monitoring; recall requested from the receiving bank.",
            "Customer came into branch after the second transfer; protections applied.",
            "Receiving account reported as a suspected money mule.",
        ],
        OrgType::Payments => &[
            "Beneficiary flagged and further payments blocked.",
            "Card payments disputed; merchant account under review.",
        ],
        OrgType::Police => &[
            "Crime report recorded; enquiries ongoing.",
            "Victim statement taken; safeguarding referral made.",
            "Linked to earlier reports in the area.",
        ],
        OrgType::Platform => &[
            "Associated accounts suspended and content removed.",
            "Reported by another user; messages reviewed by trust & safety.",
            "Profile and linked accounts removed for fraud.",
        ],
        OrgType::Csirt | OrgType::Agency => &["Shared for correlation with partner reports."],
    };
    pick_str(rng, table)
}
