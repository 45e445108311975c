//! One STIX object as received: its common properties validated (STIX 2.1 §3, and 2.0 objects,
//! which have no `spec_version`), and the facts a store indexes it by.
//!
//! Validation is of the common properties only: unknown properties, `x_` properties,
//! extensions and custom object types are never rejected, and the object itself is never
//! changed (the store keeps the text as received).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use model::Tlp;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use uuid::Uuid;

/// The facts of one valid STIX object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectMeta {
    /// `<type>--<uuid>`.
    pub id: String,
    /// The object's `type`.
    pub ty: String,
    /// `2.1` or `2.0` (no `spec_version`: 2.0, except for SCOs, which exist only in 2.1).
    pub spec_version: &'static str,
    pub created: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
    /// The object's version: `modified`, else `created`; `None` for an unversioned SCO
    /// (a TAXII server then uses the time it was added).
    pub version: Option<DateTime<Utc>>,
    /// `object_marking_refs`, in the object's order.
    pub marking_refs: Vec<String>,
    pub created_by_ref: Option<String>,
    /// The most restrictive TLP (2.0 or 1.0) among the marking refs, if any is a TLP marking.
    pub tlp: Option<Tlp>,
}

/// Why an object is not valid: the property at fault (`created`, `labels[2]`, or empty for
/// the object as a whole) and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ObjectError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ObjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl ObjectError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ObjectError { path: path.into(), message: message.into() }
    }

    /// The error under a prefix naming the object, e.g. `objects[3]` gives
    /// `objects[3].created: invalid timestamp "2017-13-01"`.
    pub fn at(&self, prefix: &str) -> String {
        if self.path.is_empty() {
            format!("{prefix}: {}", self.message)
        } else {
            format!("{prefix}.{}: {}", self.path, self.message)
        }
    }
}

/// The STIX 2.1 cyber-observable object types. Top-level SCOs exist only in STIX 2.1; they
/// have no `created` or `modified`.
const SCO_TYPES: &[&str] = &[
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

/// The STIX 2.1 domain, relationship and meta object types that require `created` and
/// `modified` (a marking definition requires `created` only).
const VERSIONED_TYPES: &[&str] = &[
    "attack-pattern",
    "campaign",
    "course-of-action",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "location",
    "malware",
    "malware-analysis",
    "note",
    "observed-data",
    "opinion",
    "report",
    "threat-actor",
    "tool",
    "vulnerability",
    "relationship",
    "sighting",
    "language-content",
    "extension-definition",
];

/// Whether `ty` is a STIX 2.1 cyber-observable type.
pub fn is_sco_type(ty: &str) -> bool {
    SCO_TYPES.contains(&ty)
}

/// Checks a STIX type name: 3–250 characters of `[a-z0-9-]`, no leading, trailing or
/// double hyphen.
pub fn check_type(ty: &str) -> Result<(), String> {
    if ty.len() < 3 || ty.len() > 250 {
        return Err(format!("type {ty:?} must be 3 to 250 characters long"));
    }
    if !ty.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(format!("type {ty:?} may hold only a-z, 0-9 and hyphens"));
    }
    if ty.starts_with('-') || ty.ends_with('-') || ty.contains("--") {
        return Err(format!("type {ty:?} has a leading, trailing or double hyphen"));
    }
    Ok(())
}

/// Checks a STIX identifier `<type>--<uuid>` (hyphenated UUID) and returns its type part.
pub fn check_identifier(id: &str) -> Result<&str, String> {
    let Some(split) = id.len().checked_sub(38) else {
        return Err(format!("invalid identifier {id:?} (expected <type>--<uuid>)"));
    };
    // Bytes first: `split + 2` need not be a character boundary of an arbitrary string.
    if !id.is_char_boundary(split) || id.as_bytes()[split..split + 2] != *b"--" {
        return Err(format!("invalid identifier {id:?} (expected <type>--<uuid>)"));
    }
    let (ty, uuid) = (&id[..split], &id[split + 2..]);
    check_type(ty).map_err(|e| format!("invalid identifier {id:?}: {e}"))?;
    let hyphens_ok = uuid
        .char_indices()
        .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() });
    if !hyphens_ok || Uuid::try_parse(uuid).is_err() {
        return Err(format!("invalid identifier {id:?}: {uuid:?} is not a uuid"));
    }
    Ok(ty)
}

/// Parses a STIX timestamp: RFC 3339 in UTC with a `Z`, `YYYY-MM-DDTHH:MM:SS[.s+]Z`.
/// Precision beyond the microsecond is truncated.
pub fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, String> {
    let bad = || format!("invalid timestamp {s:?}");
    let b = s.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return Err(bad());
    }
    let digits = |r: std::ops::Range<usize>| -> Result<u32, String> {
        let part = b.get(r).ok_or_else(bad)?;
        if part.iter().all(u8::is_ascii_digit) {
            Ok(part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
        } else {
            Err(bad())
        }
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return Err(bad());
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let frac = &b[19..b.len() - 1];
    let micros = match frac {
        [] => 0,
        [b'.', rest @ ..] if !rest.is_empty() && rest.iter().all(u8::is_ascii_digit) => {
            let mut n = 0u32;
            for i in 0..6 {
                n = n * 10 + rest.get(i).map_or(0, |d| u32::from(d - b'0'));
            }
            n
        }
        _ => return Err(bad()),
    };
    let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(bad)?;
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micros).ok_or_else(bad)?;
    if second > 59 {
        return Err(bad());
    }
    Ok(NaiveDateTime::new(date, time).and_utc())
}

/// A STIX timestamp: milliseconds always, microseconds when the time has them
/// (`2016-04-06T20:03:00.000Z`, `2016-04-06T20:03:00.123456Z`).
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    if t.nanosecond().is_multiple_of(1_000_000) {
        t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

/// A STIX timestamp with microseconds always (`2016-04-06T20:03:00.000000Z`): the form of a
/// TAXII server's `date_added` (medallion's too), which clients pass back as `added_after`.
pub fn format_timestamp_micros(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn timestamp_prop(
    obj: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<DateTime<Utc>>, ObjectError> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => parse_timestamp(s).map(Some).map_err(|m| ObjectError::new(key, m)),
        Some(_) => Err(ObjectError::new(key, "must be a timestamp string")),
    }
}

fn identifier_prop(key: &str, v: &Value) -> Result<String, ObjectError> {
    match v {
        Value::String(s) => {
            check_identifier(s).map_err(|m| ObjectError::new(key, m))?;
            Ok(s.clone())
        }
        _ => Err(ObjectError::new(key, "must be an identifier string")),
    }
}

fn array_prop<'a>(
    obj: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Vec<Value>>, ObjectError> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(ObjectError::new(key, "must be an array")),
    }
}

/// Validates one STIX object's common properties and returns the facts it is indexed by.
pub fn parse_object(v: &Value) -> Result<ObjectMeta, ObjectError> {
    let Value::Object(obj) = v else {
        return Err(ObjectError::new("", "a stix object must be a json object"));
    };
    let ty = match obj.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(_) => return Err(ObjectError::new("type", "must be a string")),
        None => return Err(ObjectError::new("type", "is required")),
    };
    check_type(ty).map_err(|m| ObjectError::new("type", m))?;
    let id = match obj.get("id") {
        Some(Value::String(id)) => id.as_str(),
        Some(_) => return Err(ObjectError::new("id", "must be a string")),
        None => return Err(ObjectError::new("id", "is required")),
    };
    let id_type = check_identifier(id).map_err(|m| ObjectError::new("id", m))?;
    if id_type != ty {
        return Err(ObjectError::new("id", format!("{id:?} does not start with the object's type {ty:?}")));
    }
    let sco = is_sco_type(ty);
    let spec_version = match obj.get("spec_version") {
        Some(Value::String(s)) if s == "2.1" => "2.1",
        Some(Value::String(s)) if s == "2.0" => "2.0",
        Some(Value::String(s)) => {
            return Err(ObjectError::new(
                "spec_version",
                format!("unsupported spec_version {s:?} (expected \"2.1\" or \"2.0\")"),
            ));
        }
        Some(_) => return Err(ObjectError::new("spec_version", "must be a string")),
        None if sco => "2.1",
        None => "2.0",
    };
    let created = timestamp_prop(obj, "created")?;
    let modified = timestamp_prop(obj, "modified")?;
    if VERSIONED_TYPES.contains(&ty) {
        if created.is_none() {
            return Err(ObjectError::new("created", format!("is required for a {ty}")));
        }
        if modified.is_none() {
            return Err(ObjectError::new("modified", format!("is required for a {ty}")));
        }
    }
    if ty == "marking-definition" && created.is_none() {
        return Err(ObjectError::new("created", "is required for a marking-definition"));
    }
    if let (Some(c), Some(m)) = (created, modified)
        && m < c
    {
        return Err(ObjectError::new(
            "modified",
            format!("{} is earlier than created {}", format_timestamp(m), format_timestamp(c)),
        ));
    }
    let created_by_ref =
        obj.get("created_by_ref").map(|r| identifier_prop("created_by_ref", r)).transpose()?;
    let mut marking_refs = Vec::new();
    if let Some(refs) = array_prop(obj, "object_marking_refs")? {
        for (i, r) in refs.iter().enumerate() {
            marking_refs.push(identifier_prop(&format!("object_marking_refs[{i}]"), r)?);
        }
    }
    if let Some(labels) = array_prop(obj, "labels")? {
        for (i, l) in labels.iter().enumerate() {
            if !l.is_string() {
                return Err(ObjectError::new(format!("labels[{i}]"), "must be a string"));
            }
        }
    }
    if let Some(refs) = array_prop(obj, "external_references")? {
        for (i, r) in refs.iter().enumerate() {
            let Value::Object(r) = r else {
                return Err(ObjectError::new(format!("external_references[{i}]"), "must be an object"));
            };
            match r.get("source_name") {
                Some(Value::String(_)) => {}
                Some(_) => {
                    return Err(ObjectError::new(
                        format!("external_references[{i}].source_name"),
                        "must be a string",
                    ));
                }
                None => {
                    return Err(ObjectError::new(
                        format!("external_references[{i}].source_name"),
                        "is required",
                    ));
                }
            }
        }
    }
    if let Some(gm) = array_prop(obj, "granular_markings")? {
        for (i, g) in gm.iter().enumerate() {
            if !g.is_object() {
                return Err(ObjectError::new(format!("granular_markings[{i}]"), "must be an object"));
            }
        }
    }
    if let Some(r) = obj.get("revoked")
        && !r.is_boolean()
    {
        return Err(ObjectError::new("revoked", "must be a boolean"));
    }
    if let Some(c) = obj.get("confidence")
        && c.as_u64().is_none_or(|c| c > 100)
    {
        return Err(ObjectError::new("confidence", "must be an integer from 0 to 100"));
    }
    if let Some(l) = obj.get("lang")
        && !l.is_string()
    {
        return Err(ObjectError::new("lang", "must be a string"));
    }
    if let Some(e) = obj.get("extensions")
        && !e.is_object()
    {
        return Err(ObjectError::new("extensions", "must be an object"));
    }
    check_type_properties(ty, spec_version, obj)?;
    let tlp = marking_refs.iter().filter_map(|r| Tlp::from_stix_marking_id(r)).max();
    Ok(ObjectMeta {
        id: id.to_string(),
        ty: ty.to_string(),
        spec_version,
        created,
        modified,
        version: modified.or(created),
        marking_refs,
        created_by_ref,
        tlp,
    })
}

/// The properties STIX 2.1 (§4, §5, §7) requires of the SDOs and SROs, with their types, and an
/// indicator's pattern parsed by the patterning grammar. STIX 2.0 objects are held to the
/// properties both versions require. Unknown types and custom properties are not examined.
fn check_type_properties(ty: &str, spec_version: &str, obj: &Map<String, Value>) -> Result<(), ObjectError> {
    let v21 = spec_version == "2.1";
    let string = |key: &str, required: bool| -> Result<Option<&str>, ObjectError> {
        match obj.get(key) {
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(ObjectError::new(key, "must be a string")),
            None if required => Err(ObjectError::new(key, format!("is required for a {ty}"))),
            None => Ok(None),
        }
    };
    let boolean = |key: &str, required: bool| -> Result<(), ObjectError> {
        match obj.get(key) {
            Some(Value::Bool(_)) => Ok(()),
            Some(_) => Err(ObjectError::new(key, "must be a boolean")),
            None if required => Err(ObjectError::new(key, format!("is required for a {ty}"))),
            None => Ok(()),
        }
    };
    let identifier = |key: &str| -> Result<(), ObjectError> {
        match obj.get(key) {
            Some(r) => identifier_prop(key, r).map(|_| ()),
            None => Err(ObjectError::new(key, format!("is required for a {ty}"))),
        }
    };
    let refs = |key: &str| -> Result<(), ObjectError> {
        match array_prop(obj, key)? {
            Some(list) if !list.is_empty() => {
                for (i, r) in list.iter().enumerate() {
                    identifier_prop(&format!("{key}[{i}]"), r)?;
                }
                Ok(())
            }
            Some(_) => Err(ObjectError::new(key, "must hold at least one identifier")),
            None => Err(ObjectError::new(key, format!("is required for a {ty}"))),
        }
    };
    let timestamp = |key: &str, required: bool| -> Result<Option<DateTime<Utc>>, ObjectError> {
        let t = timestamp_prop(obj, key)?;
        if t.is_none() && required {
            return Err(ObjectError::new(key, format!("is required for a {ty}")));
        }
        Ok(t)
    };
    let integer = |key: &str, min: u64, max: u64, required: bool| -> Result<(), ObjectError> {
        match obj.get(key) {
            Some(n) if n.as_u64().is_some_and(|n| (min..=max).contains(&n)) => Ok(()),
            Some(_) => Err(ObjectError::new(key, format!("must be an integer from {min} to {max}"))),
            None if required => Err(ObjectError::new(key, format!("is required for a {ty}"))),
            None => Ok(()),
        }
    };
    match ty {
        "indicator" => {
            let pattern = string("pattern", true)?.unwrap_or_default();
            let pattern_type = string("pattern_type", v21)?;
            let from = timestamp("valid_from", true)?;
            if let (Some(from), Some(until)) = (from, timestamp("valid_until", false)?)
                && until <= from
            {
                return Err(ObjectError::new("valid_until", "must be later than valid_from"));
            }
            if pattern_type.is_none_or(|t| t == "stix") {
                crate::pattern::parse(pattern).map_err(|e| {
                    let text = e.to_string();
                    ObjectError::new("pattern", text.strip_prefix("pattern: ").unwrap_or(&text))
                })?;
            }
        }
        "malware" => {
            boolean("is_family", v21)?;
            string("name", false)?;
        }
        "report" => {
            string("name", true)?;
            timestamp("published", true)?;
            refs("object_refs")?;
        }
        "grouping" => {
            string("context", true)?;
            refs("object_refs")?;
        }
        "note" => {
            string("content", true)?;
            refs("object_refs")?;
        }
        "opinion" => {
            string("opinion", true)?;
            refs("object_refs")?;
        }
        "observed-data" if v21 => {
            timestamp("first_observed", true)?;
            timestamp("last_observed", true)?;
            integer("number_observed", 1, 999_999_999, true)?;
        }
        "relationship" => {
            string("relationship_type", true)?;
            identifier("source_ref")?;
            identifier("target_ref")?;
        }
        "sighting" => {
            identifier("sighting_of_ref")?;
            integer("count", 0, 999_999_999, false)?;
        }
        "identity" | "campaign" | "intrusion-set" | "threat-actor" | "attack-pattern" | "tool"
        | "course-of-action" | "vulnerability" | "infrastructure" => {
            string("name", true)?;
        }
        _ => {}
    }
    Ok(())
}

/// The objects of a STIX bundle (`"type": "bundle"`) or a TAXII envelope (`{"objects": […]}`).
pub fn objects_of(body: &Value) -> Result<&Vec<Value>, ObjectError> {
    let Value::Object(obj) = body else {
        return Err(ObjectError::new("", "expected a stix bundle or a taxii envelope (a json object)"));
    };
    if let Some(t) = obj.get("type")
        && t != "bundle"
    {
        return Err(ObjectError::new("type", format!("expected \"bundle\", found {t}")));
    }
    match obj.get("objects") {
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(ObjectError::new("objects", "must be an array")),
        None => Err(ObjectError::new("objects", "is required")),
    }
}

#[derive(Deserialize)]
struct RawEnvelope<'a> {
    #[serde(rename = "type", default)]
    ty: Option<&'a RawValue>,
    #[serde(borrow, default)]
    objects: Option<Vec<&'a RawValue>>,
}

/// Checks that no JSON object in `text` names a member twice, at any depth. JSON leaves the
/// meaning of a repeated name open and readers differ (the last one wins here, the first in
/// others), so an object kept as received could mean one thing to dragnet's access decision
/// and another to the client that reads it back: such a text is refused.
pub fn unique_members(text: &str) -> Result<(), ObjectError> {
    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

    struct Unique;
    impl<'de> DeserializeSeed<'de> for Unique {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(Unique)
        }
    }
    impl<'de> Visitor<'de> for Unique {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("json")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Unique)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(name) = map.next_key::<String>()? {
                if seen.contains(&name) {
                    return Err(A::Error::custom(format_args!("the member {name:?} is given twice")));
                }
                map.next_value_seed(Unique)?;
                seen.insert(name);
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    Unique
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| ObjectError::new("", format!("invalid json: {e}")))
}

/// [`objects_of`] on the JSON text, keeping each object's text exactly as received.
///
/// Errors: the text is not JSON (`message` names the line and column), names a member of an
/// object twice ([`unique_members`]), is not an object, or has no `objects` array.
pub fn raw_objects_of(text: &str) -> Result<Vec<&RawValue>, ObjectError> {
    unique_members(text)?;
    let env: RawEnvelope<'_> = match serde_json::from_str(text) {
        Ok(env) => env,
        Err(e) if e.is_data() => {
            return Err(ObjectError::new(
                "",
                "expected a stix bundle or a taxii envelope (a json object with an objects array)",
            ));
        }
        Err(e) => return Err(ObjectError::new("", format!("invalid json: {e}"))),
    };
    if let Some(t) = env.ty
        && t.get() != "\"bundle\""
    {
        return Err(ObjectError::new("type", format!("expected \"bundle\", found {}", t.get())));
    }
    env.objects.ok_or_else(|| ObjectError::new("objects", "is required"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn indicator() -> Value {
        json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2016-04-06T20:03:48.000Z",
            "modified": "2016-04-06T20:03:48.123456Z",
            "pattern": "[ipv4-addr:value = '198.51.100.1']",
            "pattern_type": "stix",
            "valid_from": "2016-04-06T20:03:48Z",
            "object_marking_refs": [
                "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
            ],
            "x_custom": {"anything": [1, 2]}
        })
    }

    fn err(v: Value) -> String {
        parse_object(&v).unwrap_err().to_string()
    }

    #[test]
    fn a_member_named_twice_anywhere_is_refused() {
        let dup_marking = r#"{"objects": [{"type": "indicator", "object_marking_refs": ["a"],
            "object_marking_refs": ["b"]}]}"#;
        let e = raw_objects_of(dup_marking).unwrap_err();
        assert!(e.message.contains("\"object_marking_refs\" is given twice"), "{e}");
        assert!(e.message.contains("line 2"), "{e}");
        let e = raw_objects_of(r#"{"more": false, "objects": false, "objects": []}"#).unwrap_err();
        assert!(e.message.contains("\"objects\" is given twice"), "{e}");
        // The same names in different objects, arrays of objects, nesting: all fine.
        let ok =
            r#"{"objects": [{"type": "x", "a": {"type": "y", "a": [{"a": 1}, {"a": 2}]}}, {"type": "x"}]}"#;
        assert_eq!(raw_objects_of(ok).unwrap().len(), 2);
        assert!(unique_members("[1, 2.5, -3, true, null, \"s\"]").is_ok());
        assert!(unique_members("{} x").is_err());
    }

    #[test]
    fn identifiers_with_multibyte_characters_are_refused_not_a_panic() {
        // Found by the stix_bundle fuzz target: a two-byte character across the `--`.
        for id in [
            "indicator-\u{55e}932fcc6-e032-476c-826f-cb970a5a1ade",
            "indicator\u{55e}-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}\u{55e}",
        ] {
            assert!(check_identifier(id).is_err(), "{id}");
            assert!(err(with("id", json!(id))).contains("invalid identifier"), "{id}");
        }
    }

    fn with(key: &str, val: Value) -> Value {
        let mut v = indicator();
        v[key] = val;
        v
    }

    fn without(key: &str) -> Value {
        let mut v = indicator();
        v.as_object_mut().unwrap().remove(key);
        v
    }

    #[test]
    fn valid_object_facts() {
        let m = parse_object(&indicator()).unwrap();
        assert_eq!(m.ty, "indicator");
        assert_eq!(m.spec_version, "2.1");
        assert_eq!(format_timestamp(m.created.unwrap()), "2016-04-06T20:03:48.000Z");
        assert_eq!(format_timestamp(m.version.unwrap()), "2016-04-06T20:03:48.123456Z");
        assert_eq!(m.marking_refs.len(), 2);
        assert_eq!(m.tlp, Some(Tlp::Amber), "the most restrictive of TLP 1.0 GREEN and 2.0 AMBER");
    }

    #[test]
    fn common_property_errors_name_the_property() {
        assert_eq!(err(with("type", json!("In"))), "type: type \"In\" must be 3 to 250 characters long");
        assert!(err(with("type", json!("bad--type"))).starts_with("type: "));
        assert!(err(with("type", json!("-bad"))).starts_with("type: "));
        assert!(err(with("type", json!("a".repeat(251)))).starts_with("type: "));
        assert!(
            err(with("id", json!("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")))
                .contains("does not start with")
        );
        assert!(err(with("id", json!("indicator--not-a-uuid"))).starts_with("id: "));
        assert!(
            err(with("id", json!("indicator--8e2e2d2b17d44cbf938f98ee46b3cd3fabcd"))).starts_with("id: ")
        );
        assert_eq!(
            err(with("spec_version", json!("2.2"))),
            "spec_version: unsupported spec_version \"2.2\" (expected \"2.1\" or \"2.0\")"
        );
        assert_eq!(
            err(with("created", json!("2017-13-01T00:00:00Z"))),
            "created: invalid timestamp \"2017-13-01T00:00:00Z\""
        );
        assert!(
            err(with("created", json!("2016-04-06T20:03:48+01:00")))
                .starts_with("created: invalid timestamp")
        );
        assert!(
            err(with("created", json!("2016-04-06 20:03:48Z"))).starts_with("created: invalid timestamp")
        );
        assert!(err(with("created", json!(12))).starts_with("created: "));
        assert!(
            err(with("modified", json!("2016-04-06T20:03:47.999Z")))
                .starts_with("modified: 2016-04-06T20:03:47.999Z is earlier")
        );
        assert_eq!(err(without("created")), "created: is required for a indicator");
        assert_eq!(err(without("modified")), "modified: is required for a indicator");
        assert_eq!(err(without("id")), "id: is required");
        assert_eq!(err(with("labels", json!(["a", 3]))), "labels[1]: must be a string");
        assert_eq!(err(with("labels", json!("a"))), "labels: must be an array");
        assert_eq!(err(with("revoked", json!("no"))), "revoked: must be a boolean");
        assert_eq!(err(with("confidence", json!(101))), "confidence: must be an integer from 0 to 100");
        assert_eq!(err(with("created_by_ref", json!("identity"))).split(':').next(), Some("created_by_ref"));
        assert!(err(with("object_marking_refs", json!(["x"]))).starts_with("object_marking_refs[0]: "));
        assert_eq!(
            err(with("external_references", json!([{"url": "x"}]))),
            "external_references[0].source_name: is required"
        );
        assert_eq!(err(json!([1])), "a stix object must be a json object");
        let e = parse_object(&with("created", json!("x"))).unwrap_err();
        assert_eq!(e.at("objects[3]"), "objects[3].created: invalid timestamp \"x\"");
    }

    #[test]
    fn scos_custom_objects_and_stix_2_0() {
        let sco = json!({"type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"});
        let m = parse_object(&sco).unwrap();
        assert_eq!((m.spec_version, m.version), ("2.1", None));
        let custom = json!({"type": "x-acme-thing", "id": "x-acme-thing--ff26c055-6336-5bc5-b98d-13d6226742dd", "weird": true});
        assert_eq!(parse_object(&custom).unwrap().version, None);
        let mut old = without("spec_version");
        old["labels"] = json!(["malicious-activity"]);
        let m = parse_object(&old).unwrap();
        assert_eq!(m.spec_version, "2.0");
        let marking = json!({
            "type": "marking-definition",
            "id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
            "created": "2017-01-20T00:00:00.000Z",
            "definition_type": "tlp",
            "definition": {"tlp": "white"}
        });
        let m = parse_object(&marking).unwrap();
        assert_eq!(m.version, m.created);
    }

    #[test]
    fn timestamps_round_trip() {
        let t = parse_timestamp("2016-04-06T20:03:48Z").unwrap();
        assert_eq!(format_timestamp(t), "2016-04-06T20:03:48.000Z");
        let t = parse_timestamp("2016-04-06T20:03:48.1234567Z").unwrap();
        assert_eq!(format_timestamp(t), "2016-04-06T20:03:48.123456Z");
        assert_eq!(
            format_timestamp(parse_timestamp("2016-04-06T20:03:48.1Z").unwrap()),
            "2016-04-06T20:03:48.100Z"
        );
        assert_eq!(
            format_timestamp_micros(parse_timestamp("2016-04-06T20:03:48Z").unwrap()),
            "2016-04-06T20:03:48.000000Z"
        );
        assert!(parse_timestamp("2016-02-30T00:00:00Z").is_err());
        assert!(parse_timestamp("2016-04-06T20:03:60Z").is_err());
        assert!(parse_timestamp("2016-04-06T20:03:48.Z").is_err());
    }

    #[test]
    fn type_properties_and_patterns() {
        assert_eq!(
            err(with("pattern", json!("[ipv4-addr:value = '203.0.113.8'"))),
            "pattern: expected ']', found end of pattern at 32"
        );
        assert_eq!(err(without("valid_from")), "valid_from: is required for a indicator");
        assert_eq!(err(without("pattern_type")), "pattern_type: is required for a indicator");
        // Another pattern language is not parsed as STIX.
        assert!(parse_object(&with("pattern_type", json!("sigma"))).is_ok());
        let malware = |is_family: Value| {
            json!({"type": "malware", "spec_version": "2.1", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b58abc",
                   "created": "2016-05-12T08:17:27.000Z", "modified": "2016-05-12T08:17:27.000Z",
                   "name": "Cryptolocker", "is_family": is_family})
        };
        assert!(parse_object(&malware(json!(true))).is_ok());
        assert_eq!(err(malware(json!("yes"))), "is_family: must be a boolean");
        let report = json!({"type": "report", "spec_version": "2.1", "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
                            "created": "2015-12-21T19:59:11.000Z", "modified": "2015-12-21T19:59:11.000Z",
                            "name": "The Black Vine Cyberespionage Group", "object_refs": []});
        assert_eq!(err(report.clone()), "published: is required for a report");
        let mut report = report;
        report["published"] = json!("2016-01-20T17:00:00.000Z");
        assert_eq!(err(report), "object_refs: must hold at least one identifier");
    }

    #[test]
    fn envelopes_and_bundles() {
        let bundle = json!({"type": "bundle", "id": "bundle--ff26c055-6336-5bc5-b98d-13d6226742dd", "objects": [indicator()]});
        assert_eq!(objects_of(&bundle).unwrap().len(), 1);
        assert_eq!(objects_of(&json!({"objects": []})).unwrap().len(), 0);
        assert!(objects_of(&json!({"type": "indicator"})).is_err());
        assert!(objects_of(&json!({"more": false})).is_err());
        let text = r#"{"more": false, "objects": [ {"type" : "x-y", "id":"x-y--ff26c055-6336-5bc5-b98d-13d6226742dd"} ]}"#;
        let raw = raw_objects_of(text).unwrap();
        assert_eq!(raw[0].get(), r#"{"type" : "x-y", "id":"x-y--ff26c055-6336-5bc5-b98d-13d6226742dd"}"#);
        assert!(raw_objects_of("{").unwrap_err().message.starts_with("invalid json"));
        assert!(raw_objects_of("[]").is_err());
        assert!(raw_objects_of(r#"{"type":"report","objects":[]}"#).is_err());
    }

    /// Every object of the shared STIX test data (OASIS examples, MITRE ATT&CK for ICS,
    /// medallion's fixture) is valid.
    #[test]
    fn shared_testdata_objects_are_valid() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/stix");
        let root = if root.exists() { root } else { std::path::PathBuf::from("/tmp/shared/testdata/stix") };
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "json") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() >= 9, "{files:?}");
        let mut count = 0;
        for f in files {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            let mut lists = Vec::new();
            if let Ok(objs) = objects_of(&v) {
                lists.push(objs.clone());
            } else {
                // medallion's fixture: api roots holding collections holding objects.
                for root in v.as_object().unwrap().values() {
                    for c in root.get("collections").and_then(Value::as_array).into_iter().flatten() {
                        lists.push(c["objects"].as_array().unwrap().clone());
                    }
                }
            }
            for (i, o) in lists.iter().flatten().enumerate() {
                parse_object(o)
                    .unwrap_or_else(|e| panic!("{}: {}", f.display(), e.at(&format!("objects[{i}]"))));
                count += 1;
            }
        }
        assert!(count > 1900, "{count} objects");
    }
}
