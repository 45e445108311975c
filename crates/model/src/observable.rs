//! Observable kinds, canonicalisation and validation.
//!
//! An observable's identity is its `(kind, canonical value)`. Every value that enters dragnet —
//! from the API, JSON Lines ingest, STIX, MISP or free-text extraction — goes through
//! [`canonicalize`], so the same phone number, wallet or domain correlates whoever wrote it and
//! however they wrote it.
//!
//! Each kind's accepted forms and canonical form are documented on its module's canonicaliser;
//! in short:
//!
//! | kind | canonical form | notes |
//! |---|---|---|
//! | ipv4 | dotted quad | zero-padded octets read as decimal; flags for special ranges |
//! | ipv6 | RFC 5952 (`2001:db8::1`) | no brackets, no zone index; flags for special ranges |
//! | domain | lowercase Punycode, no root dot | UTS #46; known public suffix required |
//! | url | WHATWG serialisation | scheme optional (`http://` assumed); host must be valid |
//! | email | lowercase | dot-atom local part; domain as above |
//! | phone | E.164 (`+18888391214`) | libphonenumber validity; default region for national numbers |
//! | btc, ltc | Base58 as written, Bech32 lowercase | mainnet only; checksums checked |
//! | eth | `0x` + lowercase hex | EIP-55 checked when mixed case |
//! | trx | Base58 as written | hex `41…` form converted |
//! | iban | uppercase, no spaces | SWIFT registry country and length, MOD 97-10 |
//! | md5, sha1, sha256, pdq | lowercase hex | |
//! | telegram | `@` + lowercase username | `t.me` links accepted |
//! | remote-access | `tool:digits` (`anydesk:123456789`) | AnyDesk, TeamViewer, RustDesk, UltraViewer, Supremo; 9–10 digits |
//!
//! Every error reason starts in lowercase, has no trailing period, and says what is wrong with
//! the value (codes and characters it quotes keep their case: `not a valid number for region
//! US`).
//!
//! Canonicalisation is idempotent: canonicalising a canonical value returns it unchanged.
//! It is built for bulk checks: no IO, no per-call regex compilation, and a few small
//! allocations per value at most. Phone numbers use regular expressions compiled once per
//! region on first use (see [`warm_up`]).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

mod crypto;
mod domain;
mod email;
mod hash;
mod iban;
mod ip;
mod phone;
mod remote;
mod telegram;
mod web;

pub use crypto::eip55;
pub use iban::{IBAN_LENGTHS, iban_length, iban_mod97};
pub use remote::{REMOTE_ACCESS_TOOLS, remote_access_tool};

/// Why a value is invalid, before it is tied to a kind.
pub(crate) type Reason = Cow<'static, str>;

/// `s` without `prefix`, compared ASCII case-insensitively; never splits a character.
pub(crate) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// The kinds of observable dragnet canonicalises and correlates.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ObservableKind {
    Ipv4,
    Ipv6,
    Domain,
    Url,
    Email,
    Phone,
    Btc,
    Eth,
    Trx,
    Ltc,
    Iban,
    Md5,
    Sha1,
    Sha256,
    Pdq,
    Telegram,
    /// A remote-access tool id, `tool:digits` (`anydesk:123456789`).
    #[serde(rename = "remote-access")]
    RemoteAccess,
}

impl ObservableKind {
    pub const ALL: [ObservableKind; 17] = [
        ObservableKind::Ipv4,
        ObservableKind::Ipv6,
        ObservableKind::Domain,
        ObservableKind::Url,
        ObservableKind::Email,
        ObservableKind::Phone,
        ObservableKind::Btc,
        ObservableKind::Eth,
        ObservableKind::Trx,
        ObservableKind::Ltc,
        ObservableKind::Iban,
        ObservableKind::Md5,
        ObservableKind::Sha1,
        ObservableKind::Sha256,
        ObservableKind::Pdq,
        ObservableKind::Telegram,
        ObservableKind::RemoteAccess,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObservableKind::Ipv4 => "ipv4",
            ObservableKind::Ipv6 => "ipv6",
            ObservableKind::Domain => "domain",
            ObservableKind::Url => "url",
            ObservableKind::Email => "email",
            ObservableKind::Phone => "phone",
            ObservableKind::Btc => "btc",
            ObservableKind::Eth => "eth",
            ObservableKind::Trx => "trx",
            ObservableKind::Ltc => "ltc",
            ObservableKind::Iban => "iban",
            ObservableKind::Md5 => "md5",
            ObservableKind::Sha1 => "sha1",
            ObservableKind::Sha256 => "sha256",
            ObservableKind::Pdq => "pdq",
            ObservableKind::Telegram => "telegram",
            ObservableKind::RemoteAccess => "remote-access",
        }
    }
}

impl std::fmt::Display for ObservableKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for an observable kind name dragnet does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown observable kind {0:?}")]
pub struct UnknownKind(pub String);

impl std::str::FromStr for ObservableKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        ObservableKind::ALL
            .into_iter()
            .find(|k| k.as_str() == lower)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

/// A canonical observable: the identity used everywhere in dragnet.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Observable {
    pub kind: ObservableKind,
    pub value: String,
}

/// Facts about a canonical value worth showing next to it; they never change its identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flag {
    /// RFC 1918 / RFC 4193 private address.
    Private,
    /// Loopback address.
    Loopback,
    /// Link-local address.
    LinkLocal,
    /// Documentation, benchmarking, multicast, shared, unspecified or otherwise reserved space.
    Reserved,
    /// An IP address written where a host name was expected (URLs).
    IpHost,
}

/// A canonicalised value with what was learnt on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canonical {
    pub observable: Observable,
    pub flags: Vec<Flag>,
    /// Observables this one implies: a URL's host (domain or IP), an e-mail's domain, a domain's
    /// registrable domain when it differs.
    pub related: Vec<Observable>,
}

/// Options for canonicalisation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CanonicalizeOptions {
    /// ISO 3166-1 alpha-2 region used to read phone numbers written without a country code.
    pub default_region: Option<String>,
}

/// Why a raw value is not a valid observable of the given kind.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: {reason}")]
pub struct CanonError {
    pub kind: ObservableKind,
    /// Lowercase, says what is wrong, e.g. `checksum mismatch`.
    pub reason: String,
}

impl CanonError {
    pub fn new(kind: ObservableKind, reason: impl Into<String>) -> Self {
        CanonError { kind, reason: reason.into() }
    }
}

/// Canonicalises and validates `raw` as an observable of `kind`.
///
/// Surrounding whitespace is always ignored. On success the canonical value, its flags (for
/// addresses in special-purpose ranges) and the observables it implies are returned; on failure
/// the error says why, in lowercase.
pub fn canonicalize(
    kind: ObservableKind,
    raw: &str,
    opts: &CanonicalizeOptions,
) -> Result<Canonical, CanonError> {
    canonicalize_inner(kind, raw, opts).map_err(|reason| CanonError::new(kind, reason))
}

fn canonicalize_inner(
    kind: ObservableKind,
    raw: &str,
    opts: &CanonicalizeOptions,
) -> Result<Canonical, Reason> {
    let value = match kind {
        ObservableKind::Ipv4 => {
            let ip = ip::parse_ipv4(nonempty(raw)?)?;
            return Ok(with_flag(kind, ip.to_string(), ip::ipv4_flag(ip)));
        }
        ObservableKind::Ipv6 => {
            let ip = ip::parse_ipv6(nonempty(raw)?)?;
            return Ok(with_flag(kind, ip.to_string(), ip::ipv6_flag(ip)));
        }
        ObservableKind::Domain => {
            let value = domain::canonical_domain(raw)?;
            let related = domain::registrable_part(&value)
                .filter(|r| r.len() != value.len())
                .map(|r| Observable { kind: ObservableKind::Domain, value: r.to_owned() });
            return Ok(Canonical {
                observable: Observable { kind, value },
                flags: Vec::new(),
                related: related.into_iter().collect(),
            });
        }
        ObservableKind::Url => return web::canonicalize_url(raw),
        ObservableKind::Email => return email::canonicalize_email(raw),
        ObservableKind::Phone => return phone::canonicalize_phone(raw, opts),
        ObservableKind::Btc => crypto::canonical_btc(nonempty(raw)?)?,
        ObservableKind::Eth => crypto::canonical_eth(nonempty(raw)?)?,
        ObservableKind::Trx => crypto::canonical_trx(nonempty(raw)?)?,
        ObservableKind::Ltc => crypto::canonical_ltc(nonempty(raw)?)?,
        ObservableKind::Iban => iban::canonical_iban(raw)?,
        ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 | ObservableKind::Pdq => {
            hash::canonical_hex(kind, raw)?
        }
        ObservableKind::Telegram => telegram::canonical_telegram(raw)?,
        ObservableKind::RemoteAccess => remote::canonical_remote_access(raw)?,
    };
    Ok(Canonical { observable: Observable { kind, value }, flags: Vec::new(), related: Vec::new() })
}

fn nonempty(raw: &str) -> Result<&str, Reason> {
    let s = raw.trim();
    if s.is_empty() { Err("empty value".into()) } else { Ok(s) }
}

fn with_flag(kind: ObservableKind, value: String, flag: Option<Flag>) -> Canonical {
    Canonical {
        observable: Observable { kind, value },
        flags: flag.into_iter().collect(),
        related: Vec::new(),
    }
}

/// Guesses the kind of a raw selector from its shape (no kind given by the caller).
/// Returns `None` when no kind fits.
///
/// Shapes are tried in an order that keeps ordinary values from misfiring: url (`scheme://…`
/// or `www.…`), e-mail, IPv4 (four groups of digits), IPv6, IBAN, Ethereum (`0x` + 40 hex),
/// Bitcoin, Litecoin and Tron, hashes by hex length (32 md5, 40 sha1, 64 sha256 — never pdq),
/// phone (`+` or grouped digits, 7 to 15 digits, not a date), Telegram (`@name`, `t.me/…`), a
/// domain with a path (url), then domain (a known public suffix).
///
/// The guess is cheap: it never runs libphonenumber and runs IDNA only on non-ASCII domains.
/// Where a checksum is what tells a kind apart (IBAN, Base58 and Bech32 wallets) the checksum
/// is checked, so a value returned as one of those kinds canonicalises. For the other kinds the
/// shape is enough and [`canonicalize`] still has the last word: `256.1.1.1` is inferred as
/// ipv4 so that its error says why it is not one, an Ethereum address with a wrong EIP-55
/// checksum is inferred as eth, and a national phone number needs the caller's default region.
pub fn infer_kind(raw: &str) -> Option<ObservableKind> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if web::has_authority_scheme(s) || strip_prefix_ci(s, "www.").is_some_and(|rest| !rest.is_empty()) {
        return Some(ObservableKind::Url);
    }
    if email::looks_like_email(s) {
        return Some(ObservableKind::Email);
    }
    if ip::looks_like_ipv4(s) {
        return Some(ObservableKind::Ipv4);
    }
    if s.contains(':') && s.parse::<std::net::Ipv6Addr>().is_ok() {
        return Some(ObservableKind::Ipv6);
    }
    if iban::is_iban(s) {
        return Some(ObservableKind::Iban);
    }
    if s.len() == 42
        && (s.starts_with("0x") || s.starts_with("0X"))
        && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Some(ObservableKind::Eth);
    }
    if crypto::is_btc(s) {
        return Some(ObservableKind::Btc);
    }
    if crypto::is_ltc(s) {
        return Some(ObservableKind::Ltc);
    }
    if crypto::is_trx(s) {
        return Some(ObservableKind::Trx);
    }
    if let Some(kind) = hash::hash_kind(s) {
        return Some(kind);
    }
    if phone::looks_like_phone(s) {
        return Some(ObservableKind::Phone);
    }
    if telegram::looks_like_telegram(s) {
        return Some(ObservableKind::Telegram);
    }
    if let Some((host, _)) = s.split_once('/') {
        let host = host
            .rsplit_once(':')
            .map_or(host, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host });
        if domain::looks_like_domain(host) || ip::looks_like_ipv4(host) {
            return Some(ObservableKind::Url);
        }
        return None;
    }
    if domain::looks_like_domain(s) {
        return Some(ObservableKind::Domain);
    }
    None
}

/// Builds, now, the tables canonicalisation otherwise builds on first use (libphonenumber's
/// metadata and the compiled number patterns of every region), so that the first requests of
/// a server do not pay for them. Optional; safe to call from any thread, any number of times.
pub fn warm_up() {
    phone::warm_up();
}

/// The registrable domain (eTLD+1, Public Suffix List including its private section) of a
/// canonical domain, or `None` when the domain is itself a public suffix.
///
/// `registrable_domain("www.example.co.uk")` is `example.co.uk`,
/// `registrable_domain("foo.blogspot.com")` is `foo.blogspot.com` (`blogspot.com` is a private
/// suffix). A value that is not a valid domain (per [`canonicalize`]) has none; a value that
/// is valid but not canonical (`WWW.Example.COM.`) is canonicalised first.
pub fn registrable_domain(domain: &str) -> Option<String> {
    let canonical = domain::canonical_domain(domain).ok()?;
    domain::registrable_part(&canonical).map(str::to_owned)
}
