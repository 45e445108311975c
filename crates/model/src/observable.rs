//! Observable kinds, canonicalisation and validation.
//!
//! An observable's identity is its `(kind, canonical value)`. Every value that enters dragnet —
//! from the API, JSON Lines ingest, STIX, MISP or free-text extraction — goes through
//! [`canonicalize`], so the same phone number, wallet or domain correlates whoever wrote it and
//! however they wrote it.

use serde::{Deserialize, Serialize};

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
}

impl ObservableKind {
    pub const ALL: [ObservableKind; 16] = [
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
pub fn canonicalize(
    kind: ObservableKind,
    raw: &str,
    opts: &CanonicalizeOptions,
) -> Result<Canonical, CanonError> {
    let _ = opts;
    Err(CanonError::new(kind, format!("not yet supported: {raw}")))
}

/// Guesses the kind of a raw selector from its shape (no kind given by the caller).
/// Returns `None` when no kind fits.
pub fn infer_kind(raw: &str) -> Option<ObservableKind> {
    let _ = raw;
    None
}

/// The registrable domain (eTLD+1, Public Suffix List including its private section) of a
/// canonical domain, or `None` when the domain is itself a public suffix.
pub fn registrable_domain(domain: &str) -> Option<String> {
    let _ = domain;
    None
}
