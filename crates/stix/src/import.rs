//! STIX objects to what dragnet keeps: reports and canonical observables.
//!
//! [`map_objects`] reads one bundle's (or one TAXII envelope's) `objects`. It is pure, never
//! panics and never fails as a whole: what cannot be mapped is reported per object in
//! [`Mapped::errors`] and the rest still maps.
//!
//! - Each `report` becomes a [`MappedReport`] holding the observables of the SCOs and
//!   indicators its `object_refs` name, and of those named by the `observed-data` it names.
//! - SCOs of the types dragnet knows give observables (`ipv4-addr`, `ipv6-addr`,
//!   `domain-name`, `url`, `email-addr`, `file` hashes, `user-account` for Telegram and
//!   remote-access tools, and OpenCTI's `phone-number`, `cryptocurrency-wallet` and
//!   `bank-account`); other types are not dragnet's business and are passed over silently.
//! - Each `indicator` with a STIX pattern gives the observables its equality comparisons name
//!   (role `indicator`).
//! - Observables no report names are returned in [`Mapped::loose`].
//!
//! Values are canonicalised with `model::observable::canonicalize`, as dragnet's own ingest
//! does; a value it refuses is reported. The STIX id of a mapped observable is always
//! recomputed from the canonical value; the received object's id is kept as `source_id`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use model::observable::{CanonicalizeOptions, canonicalize, infer_kind, remote_access_tool};
use model::stix::stix_id;
use model::{Observable, ObservableKind, Tlp};
use serde_json::Value;
use uuid::Uuid;

use crate::export::TLP2_EXTENSION_ID;
use crate::pattern::{self, Equality};

/// The role of observables taken from an indicator's pattern.
pub const ROLE_INDICATOR: &str = "indicator";

/// One canonical observable read from STIX.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedObservable {
    pub kind: ObservableKind,
    /// The canonical value.
    pub value: String,
    /// The value as received, when it differs from the canonical one.
    pub original: Option<String>,
    /// dragnet's deterministic STIX id of the canonical value (`model::stix::stix_id`).
    pub stix_id: String,
    /// The id of the object it was read from (an SCO or an indicator).
    pub source_id: Option<String>,
    pub role: Option<String>,
}

/// A STIX `report` as dragnet keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct MappedReport {
    /// Position of the report in the input.
    pub index: usize,
    pub stix_id: String,
    /// The UUID part of the STIX id.
    pub id: Uuid,
    /// `name`.
    pub title: String,
    /// `description`, or empty.
    pub narrative: String,
    /// `report_types`, then `labels`, without repeats.
    pub labels: Vec<String>,
    /// The most restrictive TLP among `object_marking_refs` (TLP 2.0 and 1.0).
    pub tlp: Option<Tlp>,
    pub created_by_ref: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub published: Option<DateTime<Utc>>,
    pub observables: Vec<MappedObservable>,
}

/// Why (part of) one object was not mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapError {
    /// Position of the object in the input.
    pub index: usize,
    /// Its `id`, when it has one.
    pub id: Option<String>,
    /// Lowercase, naming the property at fault.
    pub message: String,
}

impl std::fmt::Display for MapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "objects[{}] ({id}): {}", self.index, self.message),
            None => write!(f, "objects[{}]: {}", self.index, self.message),
        }
    }
}

/// What a set of STIX objects maps to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapped {
    pub reports: Vec<MappedReport>,
    /// Observables of SCOs and indicators that no report names (without repeats).
    pub loose: Vec<MappedObservable>,
    pub errors: Vec<MapError>,
}

/// Maps STIX objects with the default canonicalisation options (no default phone region).
pub fn map_objects(objects: &[Value]) -> Mapped {
    map_objects_with(objects, &CanonicalizeOptions::default())
}

/// Maps STIX objects, canonicalising with `opts` (the instance's default phone region).
pub fn map_objects_with(objects: &[Value], opts: &CanonicalizeOptions) -> Mapped {
    let mut errors = Vec::new();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        match o.get("type").and_then(Value::as_str) {
            Some(_) => {
                if let Some(id) = o.get("id").and_then(Value::as_str) {
                    by_id.entry(id).or_insert(i);
                }
            }
            None => errors.push(MapError {
                index: i,
                id: o.get("id").and_then(Value::as_str).map(str::to_owned),
                message: if o.is_object() {
                    "type: missing or not a string".into()
                } else {
                    "not a json object".into()
                },
            }),
        }
    }

    // The observables of every SCO and indicator, by position.
    let mut own: BTreeMap<usize, Vec<MappedObservable>> = BTreeMap::new();
    for (i, o) in objects.iter().enumerate() {
        let Some(t) = o.get("type").and_then(Value::as_str) else { continue };
        let id = o.get("id").and_then(Value::as_str);
        let mut errs = Vec::new();
        let found = match t {
            "indicator" => map_indicator(o, opts, &mut errs),
            _ if is_mapped_sco(t) => map_sco(t, o, opts, &mut errs),
            _ => continue,
        };
        for message in errs {
            errors.push(MapError { index: i, id: id.map(str::to_owned), message });
        }
        for mut m in found.into_iter() {
            m.source_id = id.map(str::to_owned);
            own.entry(i).or_default().push(m);
        }
        own.entry(i).or_default();
    }

    let mut claimed: HashSet<usize> = HashSet::new();
    let mut reports = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        if o.get("type").and_then(Value::as_str) != Some("report") {
            continue;
        }
        match map_report(i, o, objects, &by_id, &own, &mut claimed) {
            Ok((report, errs)) => {
                let id = Some(report.stix_id.clone());
                errors.extend(errs.into_iter().map(|message| MapError { index: i, id: id.clone(), message }));
                reports.push(report);
            }
            Err(message) => errors.push(MapError {
                index: i,
                id: o.get("id").and_then(Value::as_str).map(str::to_owned),
                message,
            }),
        }
    }
    let mut loose = Vec::new();
    for (i, obs) in &own {
        if !claimed.contains(i) {
            for m in obs {
                merge_into(&mut loose, m.clone());
            }
        }
    }
    errors.sort_by_key(|e| e.index);
    Mapped { reports, loose, errors }
}

/// Adds `m` unless the same (kind, value) is there; then only a missing role is filled in.
fn merge_into(list: &mut Vec<MappedObservable>, m: MappedObservable) {
    match list.iter_mut().find(|x| x.kind == m.kind && x.value == m.value) {
        Some(x) => {
            if x.role.is_none() {
                x.role = m.role;
            }
            if x.original.is_none() {
                x.original = m.original;
            }
        }
        None => list.push(m),
    }
}

fn map_report(
    index: usize,
    o: &Value,
    objects: &[Value],
    by_id: &HashMap<&str, usize>,
    own: &BTreeMap<usize, Vec<MappedObservable>>,
    claimed: &mut HashSet<usize>,
) -> Result<(MappedReport, Vec<String>), String> {
    let mut errs = Vec::new();
    let stix_id = o.get("id").and_then(Value::as_str).ok_or("id: missing or not a string")?;
    let id = stix_id
        .strip_prefix("report--")
        .and_then(|u| Uuid::parse_str(u).ok())
        .ok_or_else(|| format!("id: invalid report id {stix_id:?}"))?;
    let title = match o.get("name") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("name: missing or not a string".into()),
    };
    let narrative = match o.get("description") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            errs.push("description: not a string".into());
            String::new()
        }
    };
    let mut labels: Vec<String> = Vec::new();
    for key in ["report_types", "labels"] {
        for l in strings(o, key, &mut errs) {
            if !labels.contains(&l) {
                labels.push(l);
            }
        }
    }
    let tlp =
        strings(o, "object_marking_refs", &mut errs).iter().filter_map(|m| tlp_of(m, objects, by_id)).max();
    let created_by_ref = match o.get("created_by_ref") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errs.push("created_by_ref: not a string".into());
            None
        }
    };
    let created = time(o, "created", &mut errs);
    let published = time(o, "published", &mut errs);

    let mut observables = Vec::new();
    let take = |i: usize, observables: &mut Vec<MappedObservable>, claimed: &mut HashSet<usize>| {
        if let Some(list) = own.get(&i) {
            claimed.insert(i);
            for m in list {
                merge_into(observables, m.clone());
            }
        }
    };
    for r in strings(o, "object_refs", &mut errs) {
        let Some(&i) = by_id.get(r.as_str()) else { continue };
        if objects[i].get("type").and_then(Value::as_str) == Some("observed-data") {
            for inner in strings(&objects[i], "object_refs", &mut Vec::new()) {
                if let Some(&j) = by_id.get(inner.as_str()) {
                    take(j, &mut observables, claimed);
                }
            }
        } else {
            take(i, &mut observables, claimed);
        }
    }
    Ok((
        MappedReport {
            index,
            stix_id: stix_id.to_owned(),
            id,
            title,
            narrative,
            labels,
            tlp,
            created_by_ref,
            created,
            published,
            observables,
        },
        errs,
    ))
}

/// The strings of a list property (absent is empty; a wrong type is an error).
fn strings(o: &Value, key: &str, errs: &mut Vec<String>) -> Vec<String> {
    match o.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (k, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) => out.push(s.to_owned()),
                    None => errs.push(format!("{key}[{k}]: not a string")),
                }
            }
            out
        }
        Some(_) => {
            errs.push(format!("{key}: not a list"));
            Vec::new()
        }
    }
}

fn time(o: &Value, key: &str, errs: &mut Vec<String>) -> Option<DateTime<Utc>> {
    match o.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                errs.push(format!("{key}: invalid timestamp {s:?}"));
                None
            }
        },
        Some(_) => {
            errs.push(format!("{key}: not a string"));
            None
        }
    }
}

/// The TLP a marking id stands for: a TLP 2.0 or 1.0 id, or a TLP marking-definition in the
/// input (TLP 1.0 `definition_type` `tlp`, the TLP 2.0 extension, or a `TLP:` name).
fn tlp_of(marking: &str, objects: &[Value], by_id: &HashMap<&str, usize>) -> Option<Tlp> {
    if let Some(t) = Tlp::from_stix_marking_id(marking) {
        return Some(t);
    }
    let def = &objects[*by_id.get(marking)?];
    if def.get("type").and_then(Value::as_str) != Some("marking-definition") {
        return None;
    }
    let label = if def.get("definition_type").and_then(Value::as_str) == Some("tlp") {
        def.pointer("/definition/tlp").and_then(Value::as_str)
    } else if let Some(ext) = def.get("extensions").and_then(|e| e.get(TLP2_EXTENSION_ID)) {
        ext.get("tlp_2_0").and_then(Value::as_str)
    } else {
        def.get("name").and_then(Value::as_str).filter(|n| n.to_ascii_uppercase().starts_with("TLP:"))
    }?;
    Tlp::parse(label).ok()
}

fn is_mapped_sco(t: &str) -> bool {
    matches!(
        t,
        "ipv4-addr"
            | "ipv6-addr"
            | "domain-name"
            | "url"
            | "email-addr"
            | "file"
            | "user-account"
            | "phone-number"
            | "cryptocurrency-wallet"
            | "bank-account"
    )
}

/// Canonicalises one received value; a refusal is an error naming `field`.
fn observable(
    kind: ObservableKind,
    raw: &str,
    field: &str,
    opts: &CanonicalizeOptions,
    role: Option<&str>,
    errs: &mut Vec<String>,
) -> Option<MappedObservable> {
    match canonicalize(kind, raw, opts) {
        Ok(c) => Some(mapped(c.observable, raw, role)),
        Err(e) => {
            errs.push(format!("{field}: {e}"));
            None
        }
    }
}

fn mapped(obs: Observable, raw: &str, role: Option<&str>) -> MappedObservable {
    MappedObservable {
        stix_id: stix_id(&obs),
        original: (obs.value != raw).then(|| raw.to_owned()),
        kind: obs.kind,
        value: obs.value,
        source_id: None,
        role: role.map(str::to_owned),
    }
}

/// An address, or a CIDR naming exactly one address; a wider network is an error.
fn address(
    kind: ObservableKind,
    raw: &str,
    field: &str,
    opts: &CanonicalizeOptions,
    role: Option<&str>,
    errs: &mut Vec<String>,
) -> Option<MappedObservable> {
    let single = if kind == ObservableKind::Ipv4 { "32" } else { "128" };
    match raw.split_once('/') {
        Some((addr, prefix)) if prefix.trim() == single => {
            let mut m = observable(kind, addr, field, opts, role, errs)?;
            m.original = Some(raw.to_owned());
            Some(m)
        }
        Some(_) => {
            errs.push(format!("{field}: {raw:?} is a network, not a single address (skipped)"));
            None
        }
        None => observable(kind, raw, field, opts, role, errs),
    }
}

/// The dragnet hash kind of a STIX `hashes` key (`MD5`, `SHA-1`, `SHA-256`, `PDQ`, in any case,
/// with or without the hyphen).
fn hash_kind(key: &str) -> Option<ObservableKind> {
    let k: String = key.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_ascii_uppercase();
    match k.as_str() {
        "MD5" => Some(ObservableKind::Md5),
        "SHA1" => Some(ObservableKind::Sha1),
        "SHA256" => Some(ObservableKind::Sha256),
        "PDQ" => Some(ObservableKind::Pdq),
        _ => None,
    }
}

/// A wallet address: the kind its shape says, else the first wallet kind that accepts it.
fn wallet(
    raw: &str,
    field: &str,
    opts: &CanonicalizeOptions,
    errs: &mut Vec<String>,
) -> Option<MappedObservable> {
    const WALLETS: [ObservableKind; 4] =
        [ObservableKind::Btc, ObservableKind::Eth, ObservableKind::Trx, ObservableKind::Ltc];
    let guess = infer_kind(raw).filter(|k| WALLETS.contains(k));
    let order = guess.into_iter().chain(WALLETS.into_iter().filter(|k| Some(*k) != guess));
    for kind in order {
        if let Ok(c) = canonicalize(kind, raw, opts) {
            return Some(mapped(c.observable, raw, None));
        }
    }
    errs.push(format!("{field}: {raw:?} is not a bitcoin, ethereum, tron or litecoin address"));
    None
}

fn str_prop<'a>(o: &'a Value, key: &str, errs: &mut Vec<String>) -> Option<&'a str> {
    match o.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            errs.push(format!("{key}: not a string"));
            None
        }
    }
}

fn map_sco(t: &str, o: &Value, opts: &CanonicalizeOptions, errs: &mut Vec<String>) -> Vec<MappedObservable> {
    let mut out = Vec::new();
    let simple = |kind: ObservableKind, key: &str, errs: &mut Vec<String>| -> Option<MappedObservable> {
        let raw = str_prop(o, key, errs)?;
        match kind {
            ObservableKind::Ipv4 | ObservableKind::Ipv6 => address(kind, raw, key, opts, None, errs),
            _ => observable(kind, raw, key, opts, None, errs),
        }
    };
    match t {
        "ipv4-addr" => out.extend(simple(ObservableKind::Ipv4, "value", errs)),
        "ipv6-addr" => out.extend(simple(ObservableKind::Ipv6, "value", errs)),
        "domain-name" => out.extend(simple(ObservableKind::Domain, "value", errs)),
        "url" => out.extend(simple(ObservableKind::Url, "value", errs)),
        "email-addr" => out.extend(simple(ObservableKind::Email, "value", errs)),
        "phone-number" => out.extend(simple(ObservableKind::Phone, "value", errs)),
        "bank-account" => out.extend(simple(ObservableKind::Iban, "iban", errs)),
        "cryptocurrency-wallet" => {
            let key = if o.get("value").is_some() { "value" } else { "address" };
            if let Some(raw) = str_prop(o, key, errs) {
                out.extend(wallet(raw, key, opts, errs));
            }
        }
        "file" => match o.get("hashes") {
            None | Some(Value::Null) => {}
            Some(Value::Object(hashes)) => {
                let mut keys: Vec<&String> = hashes.keys().collect();
                keys.sort();
                for key in keys {
                    let Some(kind) = hash_kind(key) else { continue };
                    let field = format!("hashes.{key}");
                    match hashes[key].as_str() {
                        Some(raw) => out.extend(observable(kind, raw, &field, opts, None, errs)),
                        None => errs.push(format!("{field}: not a string")),
                    }
                }
            }
            Some(_) => errs.push("hashes: not an object".into()),
        },
        "user-account" => {
            let account_type = str_prop(o, "account_type", errs).unwrap_or_default();
            let user_id = str_prop(o, "user_id", errs);
            let login = str_prop(o, "account_login", errs);
            out.extend(user_account(account_type, user_id, login, opts, None, errs));
        }
        _ => {}
    }
    out
}

/// A Telegram handle or a remote-access id from a user account's type and names.
fn user_account(
    account_type: &str,
    user_id: Option<&str>,
    login: Option<&str>,
    opts: &CanonicalizeOptions,
    role: Option<&str>,
    errs: &mut Vec<String>,
) -> Option<MappedObservable> {
    if account_type.eq_ignore_ascii_case("telegram") {
        let (field, raw) = user_id.map(|v| ("user_id", v)).or(login.map(|v| ("account_login", v)))?;
        return observable(ObservableKind::Telegram, raw, field, opts, role, errs);
    }
    let tool = remote_access_tool(account_type)?;
    let raw = user_id?;
    let mut m =
        observable(ObservableKind::RemoteAccess, &format!("{tool}:{raw}"), "user_id", opts, role, errs)?;
    m.original = (m.value != format!("{tool}:{raw}")).then(|| raw.to_owned());
    Some(m)
}

fn map_indicator(o: &Value, opts: &CanonicalizeOptions, errs: &mut Vec<String>) -> Vec<MappedObservable> {
    match o.get("pattern_type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t == "stix" => {}
        Some(Value::String(_)) => return Vec::new(), // sigma, yara, snort…: not ours to read
        Some(_) => {
            errs.push("pattern_type: not a string".into());
            return Vec::new();
        }
    }
    let Some(text) = str_prop(o, "pattern", errs) else {
        if o.get("pattern").is_none() {
            errs.push("pattern: missing".into());
        }
        return Vec::new();
    };
    let parsed = match pattern::parse(text) {
        Ok(p) => p,
        Err(e) => {
            errs.push(e.to_string());
            return Vec::new();
        }
    };
    let equalities = parsed.equalities();
    let role = Some(ROLE_INDICATOR);
    let mut out = Vec::new();
    let account_type = equalities
        .iter()
        .find(|e| e.object_type == "user-account" && e.path == ["account_type"])
        .map(|e| e.value.as_str());
    for Equality { object_type, path, value } in &equalities {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let field = format!("pattern: {object_type}:{}", path.join("."));
        let kind = match (object_type.as_str(), path.as_slice()) {
            ("ipv4-addr", ["value"]) => ObservableKind::Ipv4,
            ("ipv6-addr", ["value"]) => ObservableKind::Ipv6,
            ("domain-name", ["value"]) => ObservableKind::Domain,
            ("url", ["value"]) => ObservableKind::Url,
            ("email-addr", ["value"]) | ("email-message", ["from_ref" | "sender_ref", "value"]) => {
                ObservableKind::Email
            }
            ("phone-number", ["value"]) => ObservableKind::Phone,
            ("bank-account", ["iban"]) => ObservableKind::Iban,
            ("file", ["hashes", key]) => match hash_kind(key) {
                Some(k) => k,
                None => continue,
            },
            ("cryptocurrency-wallet", ["value" | "address"]) => {
                if let Some(mut m) = wallet(value, &field, opts, errs) {
                    m.role = role.map(str::to_owned);
                    merge_into(&mut out, m);
                }
                continue;
            }
            ("user-account", ["user_id" | "account_login"]) => {
                let at = account_type.unwrap_or(if value.starts_with('@') { "telegram" } else { "" });
                let (uid, login) = if path == ["user_id"] {
                    (Some(value.as_str()), None)
                } else {
                    (None, Some(value.as_str()))
                };
                if let Some(m) = user_account(at, uid, login, opts, role, errs) {
                    merge_into(&mut out, m);
                }
                continue;
            }
            _ => continue,
        };
        let m = match kind {
            ObservableKind::Ipv4 | ObservableKind::Ipv6 => address(kind, value, &field, opts, role, errs),
            _ => observable(kind, value, &field, opts, role, errs),
        };
        if let Some(m) = m {
            merge_into(&mut out, m);
        }
    }
    out
}
