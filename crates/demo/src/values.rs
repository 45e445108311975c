//! Observable values that are valid by real-world rules: E.164 numbers in allocated ranges,
//! registrable domains under real TLDs, checksummed wallets and IBANs, public IPv4 addresses.
//!
//! Every generator returns the plain canonical writing (E.164 without spaces, lowercase domain,
//! IBAN without spaces, lowercase Ethereum address); [`written`] produces the other ways people
//! write the same value.

use model::ObservableKind;
use rand::Rng;
use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// A uniformly chosen element of a non-empty slice. Every call site passes a non-empty
/// constant table, so the index is always in bounds.
pub(crate) fn pick<'a, T, R: Rng + ?Sized>(rng: &mut R, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A uniformly chosen string of a non-empty table of static strings.
pub(crate) fn pick_str<R: Rng + ?Sized>(rng: &mut R, items: &[&'static str]) -> &'static str {
    items[rng.random_range(0..items.len())]
}

/// Index chosen with probability proportional to `weights` (at least one weight non-zero).
pub(crate) fn weighted<R: Rng + ?Sized>(rng: &mut R, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return 0;
    }
    let mut r = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    weights.len() - 1
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0x0f)] as char);
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Phone numbers

/// A numbering plan range whose numbers libphonenumber accepts as valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PhonePlan {
    /// NANP toll-free (888, 877, 866, 855, 844, 833): the tech-support favourite.
    UsTollFree,
    /// NANP geographic numbers in real area codes.
    UsGeo,
    /// UK mobile (07xxx), avoiding the Ofcom drama range 07700 900xxx.
    UkMobile,
    /// UK London geographic (020 3xxx / 020 8xxx), avoiding the drama range 020 7946 0xxx.
    UkLondon,
    /// German Berlin landline (030).
    DeBerlin,
    /// German mobile (015x, 017x).
    DeMobile,
    /// French mobile (06, 07).
    FrMobile,
    /// Spanish mobile (6xx).
    EsMobile,
}

/// All plans, for one-off numbers.
pub(crate) const ALL_PLANS: [PhonePlan; 8] = [
    PhonePlan::UsTollFree,
    PhonePlan::UsGeo,
    PhonePlan::UkMobile,
    PhonePlan::UkLondon,
    PhonePlan::DeBerlin,
    PhonePlan::DeMobile,
    PhonePlan::FrMobile,
    PhonePlan::EsMobile,
];

const US_TOLL_FREE: [&str; 6] = ["888", "877", "866", "855", "844", "833"];
const US_AREAS: [&str; 16] = [
    "202", "212", "213", "312", "347", "404", "415", "469", "512", "617", "646", "702", "718", "832", "917",
    "929",
];
const UK_MOBILE: [&str; 9] = ["400", "412", "423", "507", "723", "754", "812", "946", "984"];
const DE_MOBILE: [&str; 6] = ["151", "152", "157", "159", "170", "176"];

/// NANP central-office code: `[2-9]XX`, not an N11 service code, not the 555 directory code.
fn nxx<R: Rng + ?Sized>(rng: &mut R) -> u32 {
    loop {
        let n = rng.random_range(200..1000);
        if n % 100 != 11 && n != 555 {
            return n;
        }
    }
}

/// A phone number in E.164 (`+` and digits only).
pub(crate) fn phone<R: Rng + ?Sized>(rng: &mut R, plan: PhonePlan) -> String {
    match plan {
        PhonePlan::UsTollFree => {
            let npa = pick(rng, &US_TOLL_FREE);
            let nxx = nxx(rng);
            format!("+1{npa}{nxx}{:04}", rng.random_range(0..10_000))
        }
        PhonePlan::UsGeo => {
            let npa = pick(rng, &US_AREAS);
            let nxx = nxx(rng);
            format!("+1{npa}{nxx}{:04}", rng.random_range(0..10_000))
        }
        PhonePlan::UkMobile => {
            let p = pick(rng, &UK_MOBILE);
            format!("+447{p}{:06}", rng.random_range(0..1_000_000))
        }
        PhonePlan::UkLondon => {
            let p = pick(rng, &["3", "8"]);
            format!("+4420{p}{:07}", rng.random_range(0..10_000_000))
        }
        PhonePlan::DeBerlin => {
            format!("+4930{}{:07}", rng.random_range(2..10), rng.random_range(0..10_000_000))
        }
        PhonePlan::DeMobile => {
            let p = pick(rng, &DE_MOBILE);
            format!("+49{p}{:08}", rng.random_range(0..100_000_000))
        }
        PhonePlan::FrMobile => {
            let p = pick(rng, &["60", "61", "62", "64", "65", "66", "67", "68", "75", "78"]);
            format!("+33{p}{:07}", rng.random_range(0..10_000_000))
        }
        PhonePlan::EsMobile => format!("+346{:08}", rng.random_range(0..100_000_000)),
    }
}

/// Digit groups of a national significant number, as people write them.
fn phone_groups(cc: &str, nsn: &str) -> &'static [usize] {
    match cc {
        "1" => &[3, 3, 4],
        "44" if nsn.starts_with("20") => &[2, 4, 4],
        "44" => &[4, 6],
        "49" if nsn.starts_with("30") => &[2, 8],
        "49" => &[3, 8],
        "33" => &[1, 2, 2, 2, 2],
        "34" => &[3, 3, 3],
        _ => &[],
    }
}

/// A human writing of an E.164 number: spaced groups, dashes, or US parentheses.
fn phone_written(canon: &str, style: u32) -> String {
    let digits = canon.trim_start_matches('+');
    let cc_len = if digits.starts_with('1') { 1 } else { 2 };
    if digits.len() <= cc_len {
        return canon.to_string();
    }
    let (cc, nsn) = digits.split_at(cc_len);
    let groups = phone_groups(cc, nsn);
    if groups.iter().sum::<usize>() != nsn.len() {
        return canon.to_string();
    }
    let mut parts = Vec::with_capacity(groups.len());
    let mut at = 0;
    for g in groups {
        parts.push(&nsn[at..at + g]);
        at += g;
    }
    match (cc, style % 3) {
        ("1", 1) => format!("+1 ({}) {}-{}", parts[0], parts[1], parts[2]),
        (_, 2) => format!("+{cc}-{}", parts.join("-")),
        _ => format!("+{cc} {}", parts.join(" ")),
    }
}

// ---------------------------------------------------------------------------------------------
// Domains, URLs, e-mail

/// A registrable domain made of two words from `words` under one of `tlds`.
pub(crate) fn domain<R: Rng + ?Sized>(rng: &mut R, words: &[&str], tlds: &[&str]) -> String {
    let a = *pick(rng, words);
    let mut b = *pick(rng, words);
    for _ in 0..4 {
        if b != a {
            break;
        }
        b = *pick(rng, words);
    }
    let sep = if rng.random_bool(0.6) { "-" } else { "" };
    let num = if rng.random_bool(0.35) { rng.random_range(1..100).to_string() } else { String::new() };
    let tld = pick(rng, tlds);
    format!("{a}{sep}{b}{num}.{tld}")
}

/// Words for one-off (noise) domains.
pub(crate) const NOISE_WORDS: [&str; 40] = [
    "account", "alert", "assist", "bonus", "care", "cashback", "check", "claim", "client", "connect", "deal",
    "desk", "direct", "easy", "fast", "fix", "global", "gift", "help", "home", "info", "secure", "link",
    "login", "my", "net", "online", "pay", "portal", "prime", "quick", "refund", "reward", "safe", "service",
    "smart", "team", "track", "verify", "web",
];
/// TLDs for one-off (noise) domains.
pub(crate) const NOISE_TLDS: [&str; 10] =
    ["com", "net", "help", "support", "online", "xyz", "co.uk", "info", "live", "site"];

/// A one-off domain: two words and a 3–5 digit number, so values rarely repeat.
pub(crate) fn fresh_domain<R: Rng + ?Sized>(rng: &mut R) -> String {
    let a = pick(rng, &NOISE_WORDS);
    let b = pick(rng, &NOISE_WORDS);
    let n = rng.random_range(100..100_000);
    let tld = pick(rng, &NOISE_TLDS);
    if rng.random_bool(0.5) { format!("{a}-{b}{n}.{tld}") } else { format!("{a}{b}-{n}.{tld}") }
}

/// Generic URL paths, for one-off URLs of no particular scam.
pub(crate) const URL_PATHS: [&str; 14] = [
    "login",
    "verify",
    "account/secure",
    "support/ticket",
    "track/parcel",
    "invest/dashboard",
    "refund/claim",
    "update/billing",
    "helpdesk/connect",
    "wallet/deposit",
    "pay/fee",
    "session/start",
    "id/confirm",
    "download/support-tool",
];
const URL_SUBDOMAINS: [&str; 4] = ["secure", "login", "account", "www"];

const ALNUM: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn alnum<R: Rng + ?Sized>(rng: &mut R, n: usize) -> String {
    (0..n).map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char).collect()
}

/// An https URL on `domain` (sometimes on a subdomain), with one of `paths` and sometimes a
/// query.
pub(crate) fn url<R: Rng + ?Sized>(rng: &mut R, domain: &str, paths: &[&str]) -> String {
    let host = if rng.random_bool(0.25) {
        format!("{}.{domain}", pick(rng, &URL_SUBDOMAINS))
    } else {
        domain.to_string()
    };
    let path = pick(rng, paths);
    if rng.random_bool(0.4) {
        format!("https://{host}/{path}?id={}", alnum(rng, 8))
    } else {
        format!("https://{host}/{path}")
    }
}

/// A bit.ly short link (a shortener shared by countless unrelated reports).
pub(crate) fn short_url<R: Rng + ?Sized>(rng: &mut R) -> String {
    const B62: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let code: String = (0..7).map(|_| B62[rng.random_range(0..B62.len())] as char).collect();
    format!("https://bit.ly/{code}")
}

const MAIL_LOCALS: [&str; 12] = [
    "support", "helpdesk", "billing", "claims", "refunds", "agent", "service", "info", "admin", "security",
    "desk", "accounts",
];
const MAIL_NAMES: [&str; 12] = [
    "james", "david", "michael", "anna", "sarah", "daniel", "robert", "maria", "thomas", "linda", "steven",
    "grace",
];
/// Free webmail providers scammers sign up with.
pub(crate) const WEBMAIL: [&str; 6] =
    ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "protonmail.com", "hotmail.com"];

/// An e-mail address on `domain`.
pub(crate) fn email<R: Rng + ?Sized>(rng: &mut R, domain: &str) -> String {
    let local = if rng.random_bool(0.5) {
        format!("{}.{}", pick(rng, &MAIL_LOCALS), rng.random_range(10..10_000))
    } else {
        format!("{}.{}{}", pick(rng, &MAIL_NAMES), pick(rng, &MAIL_LOCALS), rng.random_range(1..1_000))
    };
    format!("{local}@{domain}")
}

// ---------------------------------------------------------------------------------------------
// Crypto

/// Base58Check with a double-SHA-256 checksum.
fn base58check(version: u8, payload: &[u8]) -> String {
    let mut data = Vec::with_capacity(payload.len() + 5);
    data.push(version);
    data.extend_from_slice(payload);
    let check = Sha256::digest(Sha256::digest(&data));
    data.extend_from_slice(&check[..4]);
    bs58::encode(data).into_string()
}

/// A Bitcoin mainnet address: P2PKH (`1…`), P2SH (`3…`) or bech32 P2WPKH (`bc1q…`).
pub(crate) fn btc<R: Rng + ?Sized>(rng: &mut R) -> String {
    let mut program = [0u8; 20];
    rng.fill(&mut program);
    match rng.random_range(0..10) {
        0..=3 => base58check(0x00, &program),
        4 => base58check(0x05, &program),
        _ => bech32::segwit::encode_v0(bech32::hrp::BC, &program)
            .expect("a 20-byte witness program is a valid segwit v0 program"),
    }
}

/// An Ethereum address, lowercase.
pub(crate) fn eth<R: Rng + ?Sized>(rng: &mut R) -> String {
    let mut a = [0u8; 20];
    rng.fill(&mut a);
    format!("0x{}", hex(&a))
}

/// The EIP-55 mixed-case checksum writing of a lowercase Ethereum address.
pub(crate) fn eip55(lower: &str) -> String {
    let Some(body) = lower.strip_prefix("0x") else {
        return lower.to_string();
    };
    let hash = Keccak256::digest(body.as_bytes());
    let mut out = String::with_capacity(lower.len());
    out.push_str("0x");
    for (i, c) in body.chars().enumerate() {
        let byte = hash.get(i / 2).copied().unwrap_or(0);
        let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
        if c.is_ascii_alphabetic() && nibble >= 8 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A SHA-256 digest of seeded random bytes, lowercase hex.
pub(crate) fn sha256<R: Rng + ?Sized>(rng: &mut R) -> String {
    let mut sample = [0u8; 64];
    rng.fill(&mut sample);
    hex(&Sha256::digest(sample))
}

// ---------------------------------------------------------------------------------------------
// IBAN

/// Countries money-mule accounts are opened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IbanCountry {
    De,
    Gb,
    Fr,
    Nl,
    Es,
    Lt,
}

/// All countries, for one-off IBANs.
pub(crate) const ALL_IBAN: [IbanCountry; 6] =
    [IbanCountry::De, IbanCountry::Gb, IbanCountry::Fr, IbanCountry::Nl, IbanCountry::Es, IbanCountry::Lt];

fn digits<R: Rng + ?Sized>(rng: &mut R, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

/// The ISO 7064 MOD 97-10 remainder of an alphanumeric string (letters count A=10 … Z=35).
pub(crate) fn mod97(s: &str) -> u32 {
    let mut rem = 0u32;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            rem = (rem * 10 + d) % 97;
        } else if c.is_ascii_alphabetic() {
            let v = u32::from(c.to_ascii_uppercase() as u8 - b'A') + 10;
            rem = (rem * 100 + v) % 97;
        }
    }
    rem
}

/// `country + check digits + bban`, check digits computed per ISO 13616.
fn with_check(country: &str, bban: &str) -> String {
    let rem = mod97(&format!("{bban}{country}00"));
    format!("{country}{:02}{bban}", 98 - rem)
}

/// Spanish "dígitos de control" over 10 digits.
fn es_dc(ten: &str) -> u32 {
    const W: [u32; 10] = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];
    let sum: u32 = ten.chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    match 11 - sum % 11 {
        11 => 0,
        10 => 1,
        d => d,
    }
}

/// French RIB key over bank, branch and an all-digit account number.
fn fr_rib_key(bank: &str, branch: &str, account: &str) -> u64 {
    let n = |s: &str| s.parse::<u64>().unwrap_or(0);
    let r = (89 * n(bank) + 15 * n(branch) + 3 * (n(account) % 97)) % 97;
    97 - r
}

/// A Dutch account number passing the "elfproef" (weighted mod-11 test).
fn nl_account<R: Rng + ?Sized>(rng: &mut R) -> String {
    loop {
        let nine = digits(rng, 9);
        let sum: u32 = nine.chars().zip((2..=10).rev()).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
        let last = (11 - sum % 11) % 11;
        if last < 10 {
            return format!("{nine}{last}");
        }
    }
}

/// An IBAN with correct MOD 97-10 check digits (and national check digits where they exist).
pub(crate) fn iban<R: Rng + ?Sized>(rng: &mut R, country: IbanCountry) -> String {
    match country {
        IbanCountry::De => {
            let blz = pick(rng, &["10010010", "37040044", "50010517", "20041133", "76026000"]);
            with_check("DE", &format!("{blz}{}", digits(rng, 10)))
        }
        IbanCountry::Gb => {
            let bank = pick(rng, &["NWBK", "BARC", "LOYD", "MIDL", "HBUK", "MONZ", "SRLG"]);
            with_check("GB", &format!("{bank}{}{}", digits(rng, 6), digits(rng, 8)))
        }
        IbanCountry::Fr => {
            let bank = *pick(rng, &["30004", "30003", "20041", "10278", "16958"]);
            let branch = digits(rng, 5);
            let account = digits(rng, 11);
            let key = fr_rib_key(bank, &branch, &account);
            with_check("FR", &format!("{bank}{branch}{account}{key:02}"))
        }
        IbanCountry::Nl => {
            let bank = pick(rng, &["ABNA", "RABO", "INGB", "SNSB", "BUNQ", "KNAB"]);
            with_check("NL", &format!("{bank}{}", nl_account(rng)))
        }
        IbanCountry::Es => {
            let bank = *pick(rng, &["2100", "0049", "0182", "0081", "2085"]);
            let branch = digits(rng, 4);
            let account = digits(rng, 10);
            let d1 = es_dc(&format!("00{bank}{branch}"));
            let d2 = es_dc(&account);
            with_check("ES", &format!("{bank}{branch}{d1}{d2}{account}"))
        }
        IbanCountry::Lt => {
            let bank = pick(rng, &["32500", "73000", "70440"]);
            with_check("LT", &format!("{bank}{}", digits(rng, 11)))
        }
    }
}

/// The paper writing of an IBAN: groups of four separated by spaces.
fn iban_spaced(iban: &str) -> String {
    let mut out = String::with_capacity(iban.len() + iban.len() / 4);
    for (i, c) in iban.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Network addresses, handles

/// First octets of public unicast space (RIPE/ARIN/APNIC allocations), none reserved.
const PUBLIC_FIRST_OCTETS: [u8; 30] = [
    5, 23, 31, 37, 45, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 87, 89, 91, 93, 94, 95, 103, 109, 141,
    176, 178, 185, 193, 212,
];

/// A public IPv4 address (no private, shared, loopback, link-local, documentation or
/// multicast space).
pub(crate) fn ipv4<R: Rng + ?Sized>(rng: &mut R) -> String {
    format!(
        "{}.{}.{}.{}",
        pick(rng, &PUBLIC_FIRST_OCTETS),
        rng.random_range(0..=255u8),
        rng.random_range(0..=255u8),
        rng.random_range(1..=254u8)
    )
}

/// A shared-hosting / CDN address of the kind that fronts thousands of unrelated sites
/// (Cloudflare's 104.16.0.0/13 and 172.64.0.0/13).
pub(crate) fn cdn_ipv4<R: Rng + ?Sized>(rng: &mut R, i: usize) -> String {
    let (a, b) = if i.is_multiple_of(2) { (104, 21) } else { (172, 67) };
    format!("{a}.{b}.{}.{}", rng.random_range(0..=255u8), rng.random_range(1..=254u8))
}

/// A Telegram handle: `@` then 5–32 characters of `[a-z0-9_]`, starting with a letter and
/// not ending with `_`.
pub(crate) fn telegram<R: Rng + ?Sized>(rng: &mut R, words: &[&str]) -> String {
    let a = *pick(rng, words);
    let mut b = *pick(rng, words);
    for _ in 0..4 {
        if b != a {
            break;
        }
        b = *pick(rng, words);
    }
    let mut name = match rng.random_range(0..3) {
        0 => format!("{a}_{b}"),
        1 => format!("{a}{b}{}", rng.random_range(1..1000)),
        _ => format!("{a}_{b}_{}", rng.random_range(1..100)),
    };
    name.retain(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    name.truncate(32);
    while name.ends_with('_') {
        name.pop();
    }
    while name.len() < 5 {
        name.push('x');
    }
    format!("@{name}")
}

/// A one-off Telegram handle: two words and a number, so values rarely repeat.
pub(crate) fn fresh_telegram<R: Rng + ?Sized>(rng: &mut R) -> String {
    let a = *pick(rng, &HANDLE_WORDS);
    let mut b = *pick(rng, &HANDLE_WORDS);
    if b == a {
        b = *pick(rng, &HANDLE_WORDS);
    }
    let sep = if rng.random_bool(0.5) { "_" } else { "" };
    format!("@{a}{sep}{b}{}", rng.random_range(10..100_000))
}

/// Handle words for one-off Telegram accounts.
pub(crate) const HANDLE_WORDS: [&str; 16] = [
    "crypto", "trader", "support", "agent", "lucky", "invest", "coach", "mentor", "helper", "desk",
    "official", "admin", "manager", "profit", "signals", "wealth",
];

// ---------------------------------------------------------------------------------------------
// Writings

/// How a person might have written a canonical value of `kind`: `variant` picks one of a few
/// writings (0 is the canonical one itself). Every writing denotes the same observable.
pub(crate) fn written(kind: ObservableKind, canon: &str, variant: u32) -> String {
    if variant == 0 {
        return canon.to_string();
    }
    match kind {
        ObservableKind::Phone => phone_written(canon, variant),
        ObservableKind::Iban => iban_spaced(canon),
        ObservableKind::Eth => eip55(canon),
        ObservableKind::Domain => canon.to_ascii_uppercase(),
        ObservableKind::Sha256 => canon.to_ascii_uppercase(),
        ObservableKind::Btc if canon.starts_with("bc1") => canon.to_ascii_uppercase(),
        ObservableKind::Email => match canon.split_once('@') {
            Some((local, dom)) => format!("{local}@{}", dom.to_ascii_uppercase()),
            None => canon.to_string(),
        },
        ObservableKind::Url => match canon.strip_prefix("https://") {
            Some(rest) => {
                let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
                format!("https://{}/{path}", host.to_ascii_uppercase())
            }
            None => canon.to_string(),
        },
        _ => canon.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_iban_check_digits() {
        // The ECBS example IBANs.
        assert_eq!(with_check("DE", "370400440532013000"), "DE89370400440532013000");
        assert_eq!(with_check("GB", "NWBK60161331926819"), "GB29NWBK60161331926819");
        assert_eq!(with_check("FR", "30006000011234567890189"), "FR7630006000011234567890189");
    }

    #[test]
    fn eip55_reference_vector() {
        assert_eq!(
            eip55("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        );
    }

    #[test]
    fn phone_writings() {
        assert_eq!(phone_written("+18888391214", 3), "+1 888 839 1214");
        assert_eq!(phone_written("+18888391214", 1), "+1 (888) 839-1214");
        assert_eq!(phone_written("+33612345678", 3), "+33 6 12 34 56 78");
        assert_eq!(phone_written("+442031234567", 2), "+44-20-3123-4567");
    }

    #[test]
    fn spanish_and_french_national_checks() {
        // 2100 0418 45 0200051332 is a published valid CCC.
        assert_eq!(es_dc("0021000418"), 4);
        assert_eq!(es_dc("0200051332"), 5);
        // FR76 3000 6000 0112 3456 7890 189, the usual French example.
        assert_eq!(fr_rib_key("30006", "00001", "12345678901"), 89);
    }
}
