//! MISP warning lists: well-known values that are flagged, never dropped.
//!
//! A finding whose value is on a warning list (a public DNS resolver, `paypal.com`, `bit.ly`) is
//! still shown to analysts, with the names of the lists it is on; clustering ignores it, so that
//! every report mentioning PayPal does not end up in one cluster.
//!
//! Lists use the [MISP warninglist] JSON format: `name`, `version`, `description`,
//! `matching_attributes` (MISP attribute types), `type` and `list`. Like MISP, dragnet accepts a
//! missing `type` (`string`), a `type` given as an array (its first element), a missing
//! `version` (1) and a `list` written as an object of value → comment; unknown fields are
//! ignored.
//!
//! # Matching
//!
//! Values given to [`WarningList::matches`] are canonical (see
//! [`model::observable::canonicalize`]); list entries are normalised the same way when the list
//! is loaded.
//!
//! | type | a value is on the list when |
//! |---|---|
//! | `string` | it equals an entry, or the entry's canonical form for a kind the list applies to |
//! | `substring` | it contains an entry (case-sensitive, as MISP compares) |
//! | `hostname` | its host equals an entry or ends with `.` and an entry (a subdomain) |
//! | `cidr` | it is an IP address inside one of the networks (bare addresses are /32 or /128) |
//! | `regex` | one of the PCRE-style patterns (`/^foo$/i`) matches it |
//!
//! These are MISP's rules as `pymispwarninglists` implements them (its `slow_search`), which
//! the interop suite (`interop/misp`) checks value by value on MISP's own lists. The host of a
//! URL is its host name; every other value is compared whole, as MISP does: an e-mail address
//! `a@mail.example.com` is on a `hostname` list holding `example.com` (it ends with
//! `.example.com`) but `a@example.com` is not. `cidr` lists also match a URL whose host is an
//! IP address, and an IPv4-mapped IPv6 address against the IPv4 networks. Where dragnet reads
//! more than MISP it says so: host names compare case-insensitively (entries are normalised:
//! lowercase, Punycode, no `*.`, scheme, path or port), a network written with host bits set
//! (`10.1.2.3/8`, which Python's `ip_network` refuses) is the network it names, and the `g`
//! regex flag some MISP lists carry (a JavaScript habit PHP refuses) is ignored rather than
//! making the entry unusable. `pymispwarninglists` has no `regex` matching at all; dragnet
//! matches as PHP's `preg_match` does.
//!
//! Entries that cannot be used (a bad CIDR, a regex the `regex` crate cannot compile, a host
//! name with a wildcard in the middle) are skipped and reported by [`WarningList::skipped`];
//! they never make the whole list fail.
//!
//! # Kinds
//!
//! `matching_attributes` decides which observable kinds a list applies to; an empty one means
//! every kind. MISP types map to kinds as follows (composite types such as `domain|ip` or
//! `filename|sha256` map each part; types with no dragnet kind, such as `filename`, map to
//! nothing). dragnet's own kind names (`ipv4`, `eth`, `telegram`, …) are accepted too.
//!
//! | kind | MISP attribute types |
//! |---|---|
//! | domain | `domain`, `hostname` |
//! | url | `url`, `uri`, `link` |
//! | ipv4, ipv6 | `ip-src`, `ip-dst`, `ip` |
//! | email | `email`, `email-src`, `email-dst`, `target-email`, `whois-registrant-email`, `email-reply-to`, `dns-soa-email` |
//! | phone | `phone-number`, `whois-registrant-phone` |
//! | md5 | `md5`, `malware-sample`, `x509-fingerprint-md5`, `ja3-fingerprint-md5` |
//! | sha1 | `sha1`, `x509-fingerprint-sha1` |
//! | sha256 | `sha256`, `x509-fingerprint-sha256` |
//! | btc | `btc` |
//! | iban | `iban` |
//!
//! # Performance
//!
//! Every finding is checked, so each list is compiled once: exact and host entries in hash sets
//! (a host is probed once per parent domain, without allocating), networks as sorted, merged
//! ranges searched by bisection, substrings as one Aho-Corasick automaton, regexes as one
//! [`RegexSet`].
//!
//! [MISP warninglist]: https://github.com/MISP/misp-warninglists

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use model::{CanonicalizeOptions, ObservableKind};
use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How a list's entries are compared with a value (MISP's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListType {
    /// Exact match.
    String,
    /// The value contains an entry.
    Substring,
    /// The value's host is an entry or a subdomain of one.
    Hostname,
    /// The value is an IP address inside one of the networks.
    Cidr,
    /// A PCRE-style regular expression matches the value.
    Regex,
}

impl ListType {
    /// The name MISP uses in `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            ListType::String => "string",
            ListType::Substring => "substring",
            ListType::Hostname => "hostname",
            ListType::Cidr => "cidr",
            ListType::Regex => "regex",
        }
    }

    fn parse(s: &str) -> Option<ListType> {
        [ListType::String, ListType::Substring, ListType::Hostname, ListType::Cidr, ListType::Regex]
            .into_iter()
            .find(|t| s.trim().eq_ignore_ascii_case(t.as_str()))
    }
}

impl fmt::Display for ListType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a warning list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WarningListError {
    #[error("invalid warning list json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("warning list json is not an object")]
    NotAnObject,
    #[error("warning list has no `{0}` field")]
    MissingField(&'static str),
    #[error("warning list field `{field}` {problem}")]
    BadField { field: &'static str, problem: &'static str },
    #[error("warning list has an empty name")]
    EmptyName,
    #[error("unknown warning list type {0:?} (expected string, substring, hostname, cidr or regex)")]
    UnknownType(String),
}

/// One warning list, compiled for matching.
///
/// The public fields describe the list as it was read; changing them does not change what the
/// list matches.
#[derive(Clone)]
pub struct WarningList {
    pub name: String,
    pub description: String,
    pub version: u64,
    pub list_type: ListType,
    pub matching_attributes: Vec<String>,
    /// Bit set of the kinds the list applies to (see `kind_bit`).
    kinds: u64,
    /// Usable entries.
    entries: usize,
    skipped: Vec<String>,
    matcher: Matcher,
}

impl fmt::Debug for WarningList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WarningList")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("list_type", &self.list_type)
            .field("matching_attributes", &self.matching_attributes)
            .field("entries", &self.entries)
            .field("skipped", &self.skipped.len())
            .finish_non_exhaustive()
    }
}

impl WarningList {
    /// Parses one list from MISP warninglist JSON.
    pub fn from_json(json: &str) -> Result<WarningList, WarningListError> {
        let Value::Object(mut obj) = serde_json::from_str::<Value>(json)? else {
            return Err(WarningListError::NotAnObject);
        };
        let name = match obj.remove("name") {
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(_) => return Err(bad("name", "is not a string")),
            None => return Err(WarningListError::MissingField("name")),
        };
        if name.is_empty() {
            return Err(WarningListError::EmptyName);
        }
        let description = match obj.remove("description") {
            Some(Value::String(s)) => s,
            None | Some(Value::Null) => String::new(),
            Some(_) => return Err(bad("description", "is not a string")),
        };
        let version = read_version(&mut obj)?;
        let list_type = read_type(&mut obj)?;
        let matching_attributes = match obj.remove("matching_attributes") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(bad("matching_attributes", "is not an array of strings")),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(bad("matching_attributes", "is not an array of strings")),
        };
        let (entries, mut skipped) = match obj.remove("list") {
            Some(list) => read_entries(list)?,
            None => return Err(WarningListError::MissingField("list")),
        };

        let kinds = if matching_attributes.is_empty() {
            u64::MAX
        } else {
            matching_attributes.iter().fold(0, |mask, attr| mask | attribute_kinds(attr))
        };
        let (matcher, count) = Matcher::build(list_type, kinds, &entries, &mut skipped);
        Ok(WarningList {
            name,
            description,
            version,
            list_type,
            matching_attributes,
            kinds,
            entries: count,
            skipped,
            matcher,
        })
    }

    /// Entries that could not be used (e.g. regexes that don't compile, bad CIDRs), with why.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// How many entries are in use (entries that were skipped are not counted).
    pub fn entry_count(&self) -> usize {
        self.entries
    }

    /// Whether the list applies to observables of this kind (from matching_attributes; an empty
    /// matching_attributes means every kind).
    pub fn applies_to(&self, kind: ObservableKind) -> bool {
        self.kinds & kind_bit(kind) != 0
    }

    /// Whether a canonical value of `kind` is on the list (false when the list does not apply).
    pub fn matches(&self, kind: ObservableKind, canonical_value: &str) -> bool {
        self.applies_to(kind) && self.matcher.matches(Some(kind), canonical_value)
    }

    /// Whether `value` is on the list whatever `matching_attributes` says, as MISP's own
    /// search (and `pymispwarninglists`) answers: `kind` says how to read the value (a URL's
    /// host), `None` for a value of no dragnet kind (read as a URL when it has a scheme).
    pub fn contains(&self, kind: Option<ObservableKind>, value: &str) -> bool {
        self.matcher.matches(kind, value)
    }
}

fn bad(field: &'static str, problem: &'static str) -> WarningListError {
    WarningListError::BadField { field, problem }
}

fn read_version(obj: &mut Map<String, Value>) -> Result<u64, WarningListError> {
    const PROBLEM: &str = "is not a non-negative integer";
    match obj.remove("version") {
        None | Some(Value::Null) => Ok(1),
        Some(Value::Number(n)) => n.as_u64().ok_or(bad("version", PROBLEM)),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| bad("version", PROBLEM)),
        Some(_) => Err(bad("version", PROBLEM)),
    }
}

fn read_type(obj: &mut Map<String, Value>) -> Result<ListType, WarningListError> {
    let name = match obj.remove("type") {
        None | Some(Value::Null) => return Ok(ListType::String),
        Some(Value::String(s)) => s,
        // Older MISP lists give the type as a one-element array.
        Some(Value::Array(items)) => match items.into_iter().next() {
            Some(Value::String(s)) => s,
            None => return Ok(ListType::String),
            Some(_) => return Err(bad("type", "is not a string")),
        },
        Some(_) => return Err(bad("type", "is not a string")),
    };
    ListType::parse(&name).ok_or(WarningListError::UnknownType(name))
}

/// The entries of `list` (an array of strings, or an object whose keys are the entries), with
/// the items that are not strings reported. Blank entries are dropped, as MISP does.
fn read_entries(list: Value) -> Result<(Vec<String>, Vec<String>), WarningListError> {
    let mut skipped = Vec::new();
    let entries: Vec<String> = match list {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                Value::String(s) => Some(s),
                Value::Number(n) => Some(n.to_string()),
                Value::Null => None,
                other => {
                    skipped.push(format!("item {i} ({other}): not a string"));
                    None
                }
            })
            .collect(),
        Value::Object(map) => map.into_iter().map(|(entry, _comment)| entry).collect(),
        _ => return Err(bad("list", "is not an array of strings")),
    };
    let entries = entries
        .into_iter()
        .filter_map(|e| {
            let trimmed = e.trim();
            if trimmed.is_empty() {
                None
            } else if trimmed.len() == e.len() {
                Some(e)
            } else {
                Some(trimmed.to_owned())
            }
        })
        .collect();
    Ok((entries, skipped))
}

// ---------------------------------------------------------------------------------------------
// Kinds

fn kind_bit(kind: ObservableKind) -> u64 {
    1u64 << ((kind as u32) % 64)
}

fn kinds_of(mask: u64) -> impl Iterator<Item = ObservableKind> {
    ObservableKind::ALL.into_iter().filter(move |&k| mask & kind_bit(k) != 0)
}

/// The kinds a MISP attribute type (or a dragnet kind name) stands for, as a bit set.
fn attribute_kinds(attribute: &str) -> u64 {
    let attribute = attribute.trim().to_ascii_lowercase();
    if attribute == "malware-sample" {
        return kind_bit(ObservableKind::Md5);
    }
    attribute.split('|').fold(0, |mask, part| mask | single_attribute_kinds(part))
}

fn single_attribute_kinds(attribute: &str) -> u64 {
    use ObservableKind as K;
    let kinds: &[K] = match attribute {
        "domain" | "hostname" => &[K::Domain],
        "url" | "uri" | "link" => &[K::Url],
        "ip" | "ip-src" | "ip-dst" => &[K::Ipv4, K::Ipv6],
        "email"
        | "email-src"
        | "email-dst"
        | "target-email"
        | "whois-registrant-email"
        | "email-reply-to"
        | "dns-soa-email" => &[K::Email],
        "phone-number" | "whois-registrant-phone" => &[K::Phone],
        "md5" | "x509-fingerprint-md5" | "ja3-fingerprint-md5" => &[K::Md5],
        "sha1" | "x509-fingerprint-sha1" => &[K::Sha1],
        "sha256" | "x509-fingerprint-sha256" => &[K::Sha256],
        "btc" => &[K::Btc],
        "iban" => &[K::Iban],
        other => return other.parse::<K>().map_or(0, kind_bit),
    };
    kinds.iter().fold(0, |mask, &k| mask | kind_bit(k))
}

// ---------------------------------------------------------------------------------------------
// Matchers

#[derive(Clone)]
enum Matcher {
    /// `string`: raw entries plus their canonical forms.
    Exact(HashSet<Box<str>>),
    /// `substring`: `None` when the list has no entries.
    Substring(Option<AhoCorasick>),
    /// `hostname`: normalised host names and IP addresses.
    Hostname(HashSet<Box<str>>),
    Cidr(Networks),
    Regex(Regexes),
}

impl Matcher {
    /// The matcher for `entries`, and how many of them it uses; unusable entries are added to
    /// `skipped`.
    fn build(
        list_type: ListType,
        kinds: u64,
        entries: &[String],
        skipped: &mut Vec<String>,
    ) -> (Matcher, usize) {
        match list_type {
            ListType::String => {
                let set = exact_set(kinds, entries);
                (Matcher::Exact(set), entries.len())
            }
            ListType::Substring => {
                if entries.is_empty() {
                    return (Matcher::Substring(None), 0);
                }
                match AhoCorasick::builder().build(entries) {
                    Ok(ac) => (Matcher::Substring(Some(ac)), entries.len()),
                    Err(e) => {
                        skipped.push(format!("all {} entries: {e}", entries.len()));
                        (Matcher::Substring(None), 0)
                    }
                }
            }
            ListType::Hostname => {
                let mut set = HashSet::with_capacity(entries.len());
                let mut used = 0;
                for entry in entries {
                    match normalize_host_entry(entry) {
                        Ok(host) => {
                            set.insert(host.into_boxed_str());
                            used += 1;
                        }
                        Err(why) => skipped.push(format!("{entry:?}: {why}")),
                    }
                }
                (Matcher::Hostname(set), used)
            }
            ListType::Cidr => {
                let networks = Networks::build(entries, skipped);
                let used = networks.entries;
                (Matcher::Cidr(networks), used)
            }
            ListType::Regex => {
                let regexes = Regexes::build(entries, skipped);
                let used = regexes.len();
                (Matcher::Regex(regexes), used)
            }
        }
    }

    fn matches(&self, kind: Option<ObservableKind>, value: &str) -> bool {
        match self {
            Matcher::Exact(set) => set.contains(value),
            Matcher::Substring(ac) => ac.as_ref().is_some_and(|ac| ac.is_match(value)),
            Matcher::Hostname(set) => host_listed(set, kind, value),
            Matcher::Cidr(networks) => {
                let ip = if is_url(kind, value) {
                    url_host(value).and_then(|h| h.parse::<IpAddr>().ok())
                } else {
                    value.parse::<IpAddr>().ok()
                };
                ip.is_some_and(|ip| networks.contains(ip))
            }
            Matcher::Regex(regexes) => regexes.is_match(value),
        }
    }
}

/// The set for a `string` list: every entry as written, plus its canonical form for each kind
/// the list applies to (for a list that applies to every kind, the kind the entry looks like).
fn exact_set(kinds: u64, entries: &[String]) -> HashSet<Box<str>> {
    let opts = CanonicalizeOptions::default();
    let mut set = HashSet::with_capacity(entries.len());
    for entry in entries {
        let add_canonical = |set: &mut HashSet<Box<str>>, kind: ObservableKind| {
            // A URL entry needs its scheme: `paypal.com` is a domain, not `http://paypal.com/`.
            if kind == ObservableKind::Url && !entry.contains("://") {
                return;
            }
            // An entry that is not a valid value of the kind can never equal a canonical value
            // of it, except as written.
            if let Ok(c) = model::observable::canonicalize(kind, entry, &opts) {
                set.insert(c.observable.value.into_boxed_str());
            }
        };
        if kinds == u64::MAX {
            if let Some(kind) = model::observable::infer_kind(entry) {
                add_canonical(&mut set, kind);
            }
        } else {
            for kind in kinds_of(kinds) {
                add_canonical(&mut set, kind);
            }
        }
        set.insert(entry.as_str().into());
    }
    set
}

// ---------------------------------------------------------------------------------------------
// Host names

/// A `hostname` entry as it will be compared: lowercase ASCII (Punycode for IDNs), no scheme,
/// path, port, `*.` or surrounding dots; IP addresses in their canonical form.
fn normalize_host_entry(raw: &str) -> Result<String, String> {
    let mut s = raw.trim();
    // A URL's host; without a scheme, a `/` or `@` makes the entry no host name (MISP compares
    // `252/24.example.ru` whole, which no host equals).
    if let Some(i) = s.find("://") {
        s = &s[i + 3..];
        s = &s[..s.find(['/', '?', '#']).unwrap_or(s.len())];
        if let Some(i) = s.rfind('@') {
            s = &s[i + 1..];
        }
    }
    if let Some(rest) = s.strip_prefix('[') {
        let inner = rest.split_once(']').map(|(ip, _)| ip).ok_or("unclosed '[' in an ipv6 host")?;
        let ip: Ipv6Addr = inner.parse().map_err(|_| "not an ipv6 address in '[…]'")?;
        return Ok(ip.to_string());
    }
    if let Ok(ip) = s.parse::<Ipv6Addr>() {
        return Ok(ip.to_string());
    }
    if let Some((host, port)) = s.rsplit_once(':')
        && !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
    {
        s = host;
    }
    while let Some(rest) = s.strip_prefix("*.") {
        s = rest;
    }
    let s = s.trim_matches('.');
    if s.is_empty() {
        return Err("empty host name".into());
    }
    if !s.is_ascii() {
        return model::observable::canonicalize(ObservableKind::Domain, s, &CanonicalizeOptions::default())
            .map(|c| c.observable.value)
            .map_err(|e| format!("not a host name: {}", e.reason));
    }
    if let Some(c) = s.chars().find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Err(format!("not a host name: {c:?} is not allowed"));
    }
    if s.split('.').any(str::is_empty) {
        return Err("not a host name: empty label".into());
    }
    Ok(s.to_ascii_lowercase())
}

/// The host of a URL: between `scheme://` (optional, as in MISP) and the path, without
/// user info, port or IPv6 brackets.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.find("://").map_or(url, |i| &url[i + 3..]);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(bracketed) = host.strip_prefix('[') {
        return bracketed.split_once(']').map(|(ip, _)| ip);
    }
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    (!host.is_empty()).then_some(host)
}

/// Whether `value` is read as a URL: a URL, or a value of no kind with a scheme (as Python's
/// `urlparse` finds a host only after `//`).
fn is_url(kind: Option<ObservableKind>, value: &str) -> bool {
    match kind {
        Some(k) => k == ObservableKind::Url,
        None => value.contains("://"),
    }
}

/// Whether the host of `value` (a URL's host, any other value whole) is in `set` or ends with
/// `.` and an entry, as MISP compares.
fn host_listed(set: &HashSet<Box<str>>, kind: Option<ObservableKind>, value: &str) -> bool {
    let host = if is_url(kind, value) {
        match url_host(value) {
            Some(host) => host,
            None => return false,
        }
    } else {
        value
    };
    let host = host.trim_end_matches('.');
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        // Not canonical; pay for one allocation rather than miss.
        return suffix_listed(set, &host.to_ascii_lowercase());
    }
    suffix_listed(set, host)
}

fn suffix_listed(set: &HashSet<Box<str>>, host: &str) -> bool {
    let mut suffix = host;
    loop {
        if set.contains(suffix) {
            return true;
        }
        match suffix.find('.') {
            Some(i) => suffix = &suffix[i + 1..],
            None => return false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Networks

/// IPv4 and IPv6 networks as sorted, disjoint, inclusive ranges.
#[derive(Clone, Default)]
struct Networks {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
    entries: usize,
}

impl Networks {
    fn build(entries: &[String], skipped: &mut Vec<String>) -> Networks {
        let mut networks = Networks::default();
        for entry in entries {
            match parse_network(entry) {
                Ok(Network::V4(start, end)) => networks.v4.push((start, end)),
                Ok(Network::V6(start, end)) => networks.v6.push((start, end)),
                Err(why) => {
                    skipped.push(format!("{entry:?}: {why}"));
                    continue;
                }
            }
            networks.entries += 1;
        }
        merge_ranges(&mut networks.v4);
        merge_ranges(&mut networks.v6);
        networks
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => in_ranges(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => {
                in_ranges(&self.v6, u128::from(v6))
                    || v6.to_ipv4_mapped().is_some_and(|v4| in_ranges(&self.v4, u32::from(v4)))
            }
        }
    }
}

enum Network {
    V4(u32, u32),
    V6(u128, u128),
}

/// `addr` or `addr/len`; host bits below the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`).
fn parse_network(entry: &str) -> Result<Network, String> {
    let (addr, len) = match entry.split_once('/') {
        Some((addr, len)) => (addr.trim(), Some(len.trim())),
        None => (entry, None),
    };
    let ip: IpAddr = addr.parse().map_err(|_| format!("{addr:?} is not an ip address"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(len) => len
            .parse::<u32>()
            .ok()
            .filter(|&l| l <= max)
            .ok_or_else(|| format!("prefix length {len:?} is not between 0 and {max}"))?,
    };
    Ok(match ip {
        IpAddr::V4(v4) => {
            let host_bits = u32::MAX.checked_shr(len).unwrap_or(0);
            let start = u32::from(v4) & !host_bits;
            Network::V4(start, start | host_bits)
        }
        IpAddr::V6(v6) => {
            let host_bits = u128::MAX.checked_shr(len).unwrap_or(0);
            let start = u128::from(v6) & !host_bits;
            Network::V6(start, start | host_bits)
        }
    })
}

fn merge_ranges<T: Ord + Copy>(ranges: &mut Vec<(T, T)>) {
    ranges.sort_unstable();
    let mut merged: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for &(start, end) in ranges.iter() {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    *ranges = merged;
}

fn in_ranges<T: Ord + Copy>(ranges: &[(T, T)], x: T) -> bool {
    let i = ranges.partition_point(|&(start, _)| start <= x);
    i > 0 && ranges[i - 1].1 >= x
}

// ---------------------------------------------------------------------------------------------
// Regular expressions

#[derive(Clone)]
enum Regexes {
    Empty,
    Set(RegexSet),
    /// When the patterns are too big for one set.
    Each(Vec<Regex>),
}

impl Regexes {
    fn build(entries: &[String], skipped: &mut Vec<String>) -> Regexes {
        let mut patterns = Vec::new();
        let mut compiled = Vec::new();
        for entry in entries {
            let result = pcre_to_regex(entry)
                .and_then(|p| Regex::new(&p).map(|re| (p, re)).map_err(|e| regex_error(&e)));
            match result {
                Ok((pattern, re)) => {
                    patterns.push(pattern);
                    compiled.push(re);
                }
                Err(why) => skipped.push(format!("{entry:?}: {why}")),
            }
        }
        if compiled.is_empty() {
            return Regexes::Empty;
        }
        match RegexSetBuilder::new(&patterns).size_limit(64 << 20).build() {
            Ok(set) => Regexes::Set(set),
            Err(_) => Regexes::Each(compiled),
        }
    }

    fn len(&self) -> usize {
        match self {
            Regexes::Empty => 0,
            Regexes::Set(set) => set.len(),
            Regexes::Each(all) => all.len(),
        }
    }

    fn is_match(&self, value: &str) -> bool {
        match self {
            Regexes::Empty => false,
            Regexes::Set(set) => set.is_match(value),
            Regexes::Each(all) => all.iter().any(|re| re.is_match(value)),
        }
    }
}

/// The last line of a `regex` error, which says what is wrong (the others quote the pattern).
fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text.lines().last().unwrap_or_default().trim();
    let last = last.strip_prefix("error: ").unwrap_or(last);
    format!("regex does not compile: {last}")
}

/// Translates a PHP (PCRE) pattern, `/body/flags` or with other delimiters (`#…#`, `{…}`), to
/// the `regex` crate's syntax. An entry that does not start with a delimiter is taken as a bare
/// pattern.
///
/// Flags `i`, `m`, `s`, `x` and `U` become inline flags, `A` anchors the pattern at the start,
/// `g` (not PCRE, but written by some MISP lists for "find anywhere", which a match test does
/// anyway) is ignored, and `u`, `D`, `S`, `X`, `J`, `n` need nothing (the `regex` crate is Unicode-aware, its `$`
/// already matches only at the very end, and captures do not matter here).
fn pcre_to_regex(entry: &str) -> Result<String, String> {
    let (body, flags) = split_delimiters(entry).unwrap_or((entry, ""));
    let mut inline = String::new();
    let mut anchored = false;
    for flag in flags.chars() {
        match flag {
            'i' | 'm' | 's' | 'x' | 'U' => {
                if !inline.contains(flag) {
                    inline.push(flag);
                }
            }
            'u' | 'D' | 'S' | 'X' | 'J' | 'n' | 'g' => {}
            'A' => anchored = true,
            other => return Err(format!("unsupported regex flag {other:?}")),
        }
    }
    if body.is_empty() {
        return Err("empty pattern would match every value".into());
    }
    let mut pattern = String::with_capacity(body.len() + 12);
    if !inline.is_empty() {
        pattern.push_str("(?");
        pattern.push_str(&inline);
        pattern.push(')');
    }
    if anchored {
        pattern.push_str(r"\A(?:");
        pattern.push_str(body);
        if inline.contains('x') {
            // A trailing `# comment` must not swallow the closing parenthesis.
            pattern.push('\n');
        }
        pattern.push(')');
    } else {
        pattern.push_str(body);
    }
    Ok(pattern)
}

/// `(body, flags)` when `s` is a delimited PCRE pattern. As in PHP, the delimiter is the first
/// character when it is not alphanumeric, a backslash or whitespace; bracket delimiters close
/// with their pair. What follows the closing delimiter must be letters (the flags).
fn split_delimiters(s: &str) -> Option<(&str, &str)> {
    let open = s.chars().next()?;
    if !open.is_ascii() || open.is_ascii_alphanumeric() || open.is_ascii_whitespace() || open == '\\' {
        return None;
    }
    let close = match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        c => c,
    };
    let inner = &s[1..];
    let end = inner.rfind(close)?;
    let flags = &inner[end + 1..];
    flags.bytes().all(|b| b.is_ascii_alphabetic()).then_some((&inner[..end], flags))
}

// ---------------------------------------------------------------------------------------------
// Sets of lists

/// The warning lists findings are checked against, in order.
#[derive(Debug, Default, Clone)]
pub struct WarningLists {
    lists: Vec<WarningList>,
}

/// dragnet's built-in lists, by file name.
const BUILTIN_SOURCES: [(&str, &str); 5] = [
    ("popular-domains.json", include_str!("../warninglists/popular-domains.json")),
    ("public-dns.json", include_str!("../warninglists/public-dns.json")),
    ("url-shorteners.json", include_str!("../warninglists/url-shorteners.json")),
    ("remote-access-vendors.json", include_str!("../warninglists/remote-access-vendors.json")),
    ("cdn-ranges.json", include_str!("../warninglists/cdn-ranges.json")),
];

static BUILTIN: LazyLock<WarningLists> = LazyLock::new(|| {
    let mut lists = WarningLists::empty();
    for (file, json) in BUILTIN_SOURCES {
        match WarningList::from_json(json) {
            Ok(list) => lists.push(list),
            // Unreachable while the embedded files are valid; the tests check that they are.
            Err(e) => panic!("built-in warning list {file} is invalid: {e}"),
        }
    }
    lists
});

impl WarningLists {
    /// No lists: nothing is flagged.
    pub fn empty() -> Self {
        Self::default()
    }

    /// dragnet's built-in defaults (embedded from `crates/extract/warninglists/*.json`):
    /// popular legitimate domains, public DNS resolvers, URL shorteners, remote-access vendors
    /// and CDN address ranges. Parsed once per process.
    pub fn builtin() -> Self {
        BUILTIN.clone()
    }

    /// Adds a list; a list with the same name replaces the earlier one, in its place.
    pub fn push(&mut self, list: WarningList) {
        match self.lists.iter_mut().find(|l| l.name == list.name) {
            Some(slot) => *slot = list,
            None => self.lists.push(list),
        }
    }

    pub fn len(&self) -> usize {
        self.lists.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    pub fn lists(&self) -> impl Iterator<Item = &WarningList> {
        self.lists.iter()
    }

    /// Names of the lists a canonical value of `kind` is on, in list order.
    pub fn hits(&self, kind: ObservableKind, canonical_value: &str) -> Vec<&str> {
        self.lists.iter().filter(|l| l.matches(kind, canonical_value)).map(|l| l.name.as_str()).collect()
    }

    /// The lists `value` is on whatever their `matching_attributes` say (MISP's own search; see
    /// [`WarningList::contains`]), in list order.
    pub fn containing(&self, kind: Option<ObservableKind>, value: &str) -> Vec<&WarningList> {
        self.lists.iter().filter(|l| l.contains(kind, value)).collect()
    }

    /// Whether a canonical value of `kind` is on any list (no allocation).
    pub fn is_listed(&self, kind: ObservableKind, canonical_value: &str) -> bool {
        self.lists.iter().any(|l| l.matches(kind, canonical_value))
    }
}

impl Extend<WarningList> for WarningLists {
    fn extend<I: IntoIterator<Item = WarningList>>(&mut self, iter: I) {
        for list in iter {
            self.push(list);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcre_delimiters_and_flags() {
        assert_eq!(pcre_to_regex("/^foo$/i").unwrap(), "(?i)^foo$");
        assert_eq!(pcre_to_regex("#a/b#").unwrap(), "a/b");
        assert_eq!(pcre_to_regex("{x{2}}ms").unwrap(), "(?ms)x{2}");
        assert_eq!(pcre_to_regex("/ab/A").unwrap(), r"\A(?:ab)");
        assert_eq!(pcre_to_regex("/ab # c/Ax").unwrap(), "(?x)\\A(?:ab # c\n)");
        assert_eq!(pcre_to_regex("^bare$").unwrap(), "^bare$");
        assert_eq!(pcre_to_regex("/a/iu").unwrap(), "(?i)a");
        assert!(pcre_to_regex("/a/e").unwrap_err().contains("'e'"));
        assert_eq!(pcre_to_regex("/55501([0-9]{2})/g").unwrap(), "55501([0-9]{2})");
        assert!(pcre_to_regex("//").is_err());
        // An escaped delimiter stays escaped, which the regex crate accepts.
        assert!(Regex::new(&pcre_to_regex(r"/^https?:\/\/x\.com\//").unwrap()).is_ok());
    }

    #[test]
    fn network_parsing_masks_host_bits() {
        let Ok(Network::V4(start, end)) = parse_network("10.1.2.3/8") else { panic!() };
        assert_eq!((start, end), (0x0a00_0000, 0x0aff_ffff));
        let Ok(Network::V4(start, end)) = parse_network("0.0.0.0/0") else { panic!() };
        assert_eq!((start, end), (0, u32::MAX));
        let Ok(Network::V6(start, end)) = parse_network("2001:db8::1") else { panic!() };
        assert_eq!(start, end);
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("010.0.0.0/8").is_err());
        assert!(parse_network("example.com").is_err());
    }

    #[test]
    fn ranges_merge_and_search() {
        let mut r = vec![(10u32, 20u32), (5, 12), (30, 40), (21, 25)];
        merge_ranges(&mut r);
        assert_eq!(r, vec![(5, 20), (21, 25), (30, 40)]);
        assert!(in_ranges(&r, 5) && in_ranges(&r, 20) && in_ranges(&r, 21) && in_ranges(&r, 40));
        assert!(!in_ranges(&r, 4) && !in_ranges(&r, 26) && !in_ranges(&r, 41));
        assert!(!in_ranges::<u32>(&[], 1));
    }

    #[test]
    fn host_entries_are_normalised() {
        let n = |s| normalize_host_entry(s);
        assert_eq!(n("*.PayPal.com.").unwrap(), "paypal.com");
        assert_eq!(n(".example.org").unwrap(), "example.org");
        assert_eq!(n("https://user@Bit.ly:443/path?q").unwrap(), "bit.ly");
        assert_eq!(n("[2001:DB8::1]:53").unwrap(), "2001:db8::1");
        assert_eq!(n("2001:0db8:0:0::1").unwrap(), "2001:db8::1");
        assert_eq!(n("Bücher.de").unwrap(), "xn--bcher-kva.de");
        assert!(n("foo.*.com").is_err());
        assert!(n("a..b").is_err());
        assert!(n("*.").is_err());
        assert!(n("252/24.127.188.93.mifril.ru").is_err(), "a path without a scheme is no host name");
        assert!(n("user@example.com").is_err());
    }

    #[test]
    fn url_hosts() {
        assert_eq!(url_host("https://bit.ly/abc"), Some("bit.ly"));
        assert_eq!(url_host("http://u:p@example.com:8080/x"), Some("example.com"));
        assert_eq!(url_host("http://[2001:db8::1]:80/"), Some("2001:db8::1"));
        assert_eq!(url_host("example.com/path"), Some("example.com"));
        assert_eq!(url_host("https:///nohost"), None);
    }

    #[test]
    fn attribute_types_map_to_kinds() {
        use ObservableKind as K;
        assert_eq!(attribute_kinds("domain|ip"), kind_bit(K::Domain) | kind_bit(K::Ipv4) | kind_bit(K::Ipv6));
        assert_eq!(attribute_kinds("filename|sha256"), kind_bit(K::Sha256));
        assert_eq!(attribute_kinds("ip-dst|port"), kind_bit(K::Ipv4) | kind_bit(K::Ipv6));
        assert_eq!(attribute_kinds("malware-sample"), kind_bit(K::Md5));
        assert_eq!(attribute_kinds("Phone-Number"), kind_bit(K::Phone));
        assert_eq!(attribute_kinds("eth"), kind_bit(K::Eth));
        assert_eq!(attribute_kinds("filename"), 0);
        for kind in ObservableKind::ALL {
            assert_eq!(attribute_kinds(kind.as_str()) & kind_bit(kind), kind_bit(kind), "{kind}");
        }
    }
}
