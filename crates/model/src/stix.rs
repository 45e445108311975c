//! Deterministic STIX 2.1 ids of the SCO each observable kind maps to.
//!
//! STIX 2.1 (§2.9) gives a cyber-observable object the id `<type>--<UUIDv5>`, where the UUIDv5
//! is computed in the [`SCO_NAMESPACE`] over the JSON Canonicalization Scheme (RFC 8785)
//! serialisation of the object's id-contributing properties. Every tool following the spec (the
//! OASIS `stix2` library, OpenCTI, …) therefore gives the same observable the same id.

use std::fmt::Write as _;

use serde_json::Value;

use crate::{Observable, ObservableKind};

/// The STIX 2.1 namespace for deterministic SCO ids (UUIDv5).
pub const SCO_NAMESPACE: uuid::Uuid = uuid::uuid!("00abedb4-aa42-466c-9c01-fed23315a9b7");

/// The `hashes` key dragnet writes PDQ perceptual hashes under. PDQ is not in STIX's
/// `hashing-algorithm-ov`; `PDQ` is the name ThreatExchange and the PDQ reference use.
pub const PDQ_HASH_KEY: &str = "PDQ";

/// The STIX SCO type an observable kind maps to (`phone-number`, `cryptocurrency-wallet` and
/// `bank-account` as OpenCTI names them).
pub fn sco_type(kind: ObservableKind) -> &'static str {
    match kind {
        ObservableKind::Ipv4 => "ipv4-addr",
        ObservableKind::Ipv6 => "ipv6-addr",
        ObservableKind::Domain => "domain-name",
        ObservableKind::Url => "url",
        ObservableKind::Email => "email-addr",
        ObservableKind::Phone => "phone-number",
        ObservableKind::Btc | ObservableKind::Eth | ObservableKind::Trx | ObservableKind::Ltc => {
            "cryptocurrency-wallet"
        }
        ObservableKind::Iban => "bank-account",
        ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 | ObservableKind::Pdq => "file",
        ObservableKind::Telegram | ObservableKind::RemoteAccess => "user-account",
    }
}

/// The key of a file's `hashes` dictionary a hash kind is written under, if it is a hash kind.
pub fn hash_key(kind: ObservableKind) -> Option<&'static str> {
    match kind {
        ObservableKind::Md5 => Some("MD5"),
        ObservableKind::Sha1 => Some("SHA-1"),
        ObservableKind::Sha256 => Some("SHA-256"),
        ObservableKind::Pdq => Some(PDQ_HASH_KEY),
        _ => None,
    }
}

/// The id-contributing properties of the SCO an observable maps to, as a JSON object:
///
/// - ipv4-addr, ipv6-addr, domain-name, url, email-addr: `{"value": …}`;
/// - file: `{"hashes": {"MD5" | "SHA-1" | "SHA-256" | "PDQ": …}}`;
/// - user-account (Telegram): `{"account_type": "telegram", "user_id": "@handle"}`;
/// - user-account (remote-access id): `{"account_type": "anydesk", "user_id": "123456789"}`;
/// - phone-number and cryptocurrency-wallet: `{"value": …}` (OpenCTI's custom SCOs);
/// - bank-account: `{"iban": …}`.
pub fn contributing_properties(obs: &Observable) -> Value {
    let v = Value::String(obs.value.clone());
    let mut map = serde_json::Map::new();
    if let Some(key) = hash_key(obs.kind) {
        let mut hashes = serde_json::Map::new();
        hashes.insert(key.to_owned(), v);
        map.insert("hashes".to_owned(), Value::Object(hashes));
    } else {
        match obs.kind {
            ObservableKind::Telegram => {
                map.insert("account_type".to_owned(), Value::String("telegram".to_owned()));
                map.insert("user_id".to_owned(), v);
            }
            ObservableKind::RemoteAccess => {
                let (tool, id) = obs.value.split_once(':').unwrap_or(("", &obs.value));
                map.insert("account_type".to_owned(), Value::String(tool.to_owned()));
                map.insert("user_id".to_owned(), Value::String(id.to_owned()));
            }
            ObservableKind::Iban => {
                map.insert("iban".to_owned(), v);
            }
            _ => {
                map.insert("value".to_owned(), v);
            }
        }
    }
    Value::Object(map)
}

/// The deterministic STIX 2.1 id of the SCO for `obs`, e.g. `ipv4-addr--28bb3599-…`.
pub fn stix_id(obs: &Observable) -> String {
    // The contributing properties have one or two keys with fixed names: write their JCS form
    // directly, already in sorted key order.
    let mut jcs = String::with_capacity(obs.value.len() + 48);
    match (hash_key(obs.kind), obs.kind) {
        (Some(key), _) => {
            jcs.push_str("{\"hashes\":{");
            write_jcs_string(&mut jcs, key);
            jcs.push(':');
            write_jcs_string(&mut jcs, &obs.value);
            jcs.push_str("}}");
        }
        (None, ObservableKind::Telegram) => {
            jcs.push_str("{\"account_type\":\"telegram\",\"user_id\":");
            write_jcs_string(&mut jcs, &obs.value);
            jcs.push('}');
        }
        (None, ObservableKind::RemoteAccess) => {
            let (tool, id) = obs.value.split_once(':').unwrap_or(("", &obs.value));
            jcs.push_str("{\"account_type\":");
            write_jcs_string(&mut jcs, tool);
            jcs.push_str(",\"user_id\":");
            write_jcs_string(&mut jcs, id);
            jcs.push('}');
        }
        (None, ObservableKind::Iban) => {
            jcs.push_str("{\"iban\":");
            write_jcs_string(&mut jcs, &obs.value);
            jcs.push('}');
        }
        (None, _) => {
            jcs.push_str("{\"value\":");
            write_jcs_string(&mut jcs, &obs.value);
            jcs.push('}');
        }
    }
    id_from_jcs(sco_type(obs.kind), &jcs)
}

/// The deterministic STIX 2.1 id of an SCO of type `sco_type` whose id-contributing properties
/// are `contributing` (a JSON object holding only those properties, as in the spec's table;
/// see [`id_contributing_properties`] and [`deterministic_id_of_object`] to start from a whole
/// object).
///
/// As the spec and the OASIS `stix2` library do, a `hashes` property contributes a single
/// hash: the first of MD5, SHA-1, SHA-256, SHA-512, SHA3-256, SHA3-512, SSDEEP, TLSH present,
/// else the first key in code-point order.
pub fn deterministic_id(sco_type: &str, contributing: &Value) -> String {
    let mut jcs = String::new();
    match contributing {
        Value::Object(map)
            if map.get("hashes").is_some_and(|h| h.as_object().is_some_and(|h| h.len() > 1)) =>
        {
            let mut reduced = map.clone();
            if let Some(Value::Object(hashes)) = map.get("hashes") {
                reduced.insert("hashes".to_owned(), Value::Object(choose_one_hash(hashes)));
            }
            write_jcs(&mut jcs, &Value::Object(reduced));
        }
        other => write_jcs(&mut jcs, other),
    }
    id_from_jcs(sco_type, &jcs)
}

/// Hash algorithm preference for the single hash that contributes to an id.
const HASH_PREFERENCE: [&str; 8] =
    ["MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH"];

fn choose_one_hash(hashes: &serde_json::Map<String, Value>) -> serde_json::Map<String, Value> {
    let key = HASH_PREFERENCE
        .iter()
        .find(|k| hashes.contains_key(**k))
        .map(|k| (*k).to_owned())
        .or_else(|| hashes.keys().min().cloned());
    let mut one = serde_json::Map::new();
    if let Some(key) = key {
        let value = hashes[&key].clone();
        one.insert(key, value);
    }
    one
}

/// The id-contributing properties of the SCO types STIX 2.1 defines (spec §6), and of the
/// custom SCOs dragnet writes. `None` for a type not listed.
pub fn id_contributing_properties(sco_type: &str) -> Option<&'static [&'static str]> {
    Some(match sco_type {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "mutex" => &["name"],
        "network-traffic" => {
            &["start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"]
        }
        "process" => &[],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        "phone-number" | "cryptocurrency-wallet" => &["value"],
        "bank-account" => &["iban"],
        _ => return None,
    })
}

/// The deterministic id of a whole SCO (a JSON object with a `type`), computed over its
/// id-contributing properties. `None` when the type is unknown, or when the object has none of
/// its type's contributing properties (the spec then calls for a random UUIDv4, which is the
/// caller's decision).
pub fn deterministic_id_of_object(sco: &Value) -> Option<String> {
    let sco_type = sco.get("type")?.as_str()?;
    let props = id_contributing_properties(sco_type)?;
    let mut contributing = serde_json::Map::new();
    for prop in props {
        if let Some(v) = sco.get(*prop) {
            contributing.insert((*prop).to_owned(), v.clone());
        }
    }
    if contributing.is_empty() {
        return None;
    }
    Some(deterministic_id(sco_type, &Value::Object(contributing)))
}

fn id_from_jcs(sco_type: &str, jcs: &str) -> String {
    let uuid = uuid::Uuid::new_v5(&SCO_NAMESPACE, jcs.as_bytes());
    let mut id = String::with_capacity(sco_type.len() + 38);
    id.push_str(sco_type);
    id.push_str("--");
    let _ = write!(id, "{}", uuid.hyphenated());
    id
}

/// Serialises `value` per the JSON Canonicalization Scheme (RFC 8785): no whitespace, object
/// keys sorted by their UTF-16 code units, strings with the minimal ECMAScript escaping (raw
/// UTF-8 for non-ASCII), numbers in ECMAScript `Number.prototype.toString` form.
pub fn jcs(value: &Value) -> String {
    let mut out = String::new();
    write_jcs(&mut out, value);
    out
}

fn write_jcs(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_jcs_number(out, n),
        Value::String(s) => write_jcs_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_jcs(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_jcs_string(out, key);
                out.push(':');
                write_jcs(out, item);
            }
            out.push('}');
        }
    }
}

fn write_jcs_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_jcs_number(out: &mut String, n: &serde_json::Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        write_es_number(out, f);
    }
}

/// ECMAScript `Number.prototype.toString` of a finite double (RFC 8785 §3.2.2.3).
fn write_es_number(out: &mut String, f: f64) {
    if f == 0.0 {
        out.push('0');
        return;
    }
    if f < 0.0 {
        out.push('-');
    }
    // Shortest round-trip digits and decimal exponent, e.g. "1.2345e-7".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let k = digits.len() as i32;
    let n = exp + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        let _ = write!(out, "{}", (n - 1).abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn es(f: f64) -> String {
        let mut s = String::new();
        write_es_number(&mut s, f);
        s
    }

    #[test]
    fn es_numbers() {
        assert_eq!(es(1.0), "1");
        assert_eq!(es(-1.5), "-1.5");
        assert_eq!(es(1e21), "1e+21");
        assert_eq!(es(1e20), "100000000000000000000");
        assert_eq!(es(1e-7), "1e-7");
        assert_eq!(es(0.000001), "0.000001");
        assert_eq!(es(123.456), "123.456");
        assert_eq!(es(4.5e-10), "4.5e-10");
    }

    #[test]
    fn jcs_sorting_and_escaping() {
        let v: Value = serde_json::from_str(r#"{"b":1,"a":"x\u0001\"é","€":2,"😀":3}"#).unwrap();
        // U+20AC (€) sorts before U+1F600 (😀, surrogates D83D…) by UTF-16 code units.
        assert_eq!(jcs(&v), "{\"a\":\"x\\u0001\\\"é\",\"b\":1,\"€\":2,\"😀\":3}");
    }
}
