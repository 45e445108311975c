//! What dragnet keeps of a MISP event beyond observables, written at the end of the report's
//! narrative: the attributes of types dragnet has no kind for (labelled with their type, value
//! as received) and the sightings. The exporter reads them back, so they survive a round trip.
//!
//! ```text
//! MISP attributes kept as received (no dragnet kind):
//! - filename "invoice.exe" {"category":"Payload delivery","to_ids":true}
//! - xmr "4AdUndXHHZ…" {"category":"Financial fraud","object":"wallet#1/address"}
//!
//! MISP sightings:
//! - sha256 "9f86d0…" {"type":"sighting","date":"2026-03-01T10:00:00Z","org":"CIRCL"}
//! ```
//!
//! Each line is `- <type> <value as a JSON string> <facts as a JSON object>`. A type that is
//! empty, holds whitespace or control characters or starts with `"` is written as a JSON string
//! too, and an object whose name holds a `/` as a JSON object (`{"name", "index", "relation"}`),
//! so that whatever an event held reads back.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::types::ObjectRef;

/// The heading of the attributes kept as received.
pub const KEPT_HEADER: &str = "MISP attributes kept as received (no dragnet kind):";
/// The heading of the sightings.
pub const SIGHTINGS_HEADER: &str = "MISP sightings:";

/// An attribute dragnet has no kind for, kept as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptValue {
    pub misp_type: String,
    pub value: String,
    pub category: Option<String>,
    pub to_ids: bool,
    pub object: Option<ObjectRef>,
    pub comment: Option<String>,
}

/// MISP's sighting types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SightingType {
    /// `0`: the value was seen.
    Sighting,
    /// `1`: the value was reported as a false positive.
    FalsePositive,
    /// `2`: the value expired.
    Expiration,
}

impl SightingType {
    pub fn as_str(self) -> &'static str {
        match self {
            SightingType::Sighting => "sighting",
            SightingType::FalsePositive => "false-positive",
            SightingType::Expiration => "expiration",
        }
    }

    /// MISP's number for the type.
    pub fn code(self) -> u8 {
        match self {
            SightingType::Sighting => 0,
            SightingType::FalsePositive => 1,
            SightingType::Expiration => 2,
        }
    }

    pub fn from_code(code: u64) -> Option<SightingType> {
        Some(match code {
            0 => SightingType::Sighting,
            1 => SightingType::FalsePositive,
            2 => SightingType::Expiration,
            _ => return None,
        })
    }

    fn parse(s: &str) -> Option<SightingType> {
        [SightingType::Sighting, SightingType::FalsePositive, SightingType::Expiration]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// One sighting of an attribute's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sighting {
    /// The type of the attribute sighted.
    pub misp_type: String,
    /// The attribute's value as dragnet exports it (canonical, or the composite as received).
    pub value: String,
    pub kind: SightingType,
    pub date: DateTime<Utc>,
    /// The sighting organisation's name.
    pub org: Option<String>,
    pub source: Option<String>,
}

/// `narrative` followed by the sections for `kept` and `sightings` (none when both are empty).
pub fn write(narrative: &str, kept: &[KeptValue], sightings: &[Sighting]) -> String {
    let mut out = narrative.trim_end().to_owned();
    let mut section = |header: &str, lines: Vec<String>| {
        if lines.is_empty() {
            return;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(header);
        for l in lines {
            out.push('\n');
            out.push_str(&l);
        }
    };
    section(
        KEPT_HEADER,
        kept.iter()
            .map(|k| {
                let mut facts = Map::new();
                if let Some(c) = &k.category {
                    facts.insert("category".into(), json!(c));
                }
                if k.to_ids {
                    facts.insert("to_ids".into(), json!(true));
                }
                if let Some(o) = &k.object {
                    let object = if o.name.contains('/') {
                        json!({"name": o.name, "index": o.index, "relation": o.relation})
                    } else {
                        json!(format!("{}#{}/{}", o.name, o.index, o.relation))
                    };
                    facts.insert("object".into(), object);
                }
                if let Some(c) = &k.comment {
                    facts.insert("comment".into(), json!(c));
                }
                line(&k.misp_type, &k.value, facts)
            })
            .collect(),
    );
    section(
        SIGHTINGS_HEADER,
        sightings
            .iter()
            .map(|s| {
                let mut facts = Map::new();
                facts.insert("type".into(), json!(s.kind.as_str()));
                facts.insert(
                    "date".into(),
                    json!(s.date.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                );
                if let Some(o) = &s.org {
                    facts.insert("org".into(), json!(o));
                }
                if let Some(src) = &s.source {
                    facts.insert("source".into(), json!(src));
                }
                line(&s.misp_type, &s.value, facts)
            })
            .collect(),
    );
    out
}

fn line(misp_type: &str, value: &str, facts: Map<String, Value>) -> String {
    let bare = !misp_type.is_empty()
        && !misp_type.starts_with('"')
        && !misp_type.chars().any(|c| c.is_whitespace() || c.is_control());
    let mut l = if bare {
        format!("- {misp_type} {}", Value::String(value.to_owned()))
    } else {
        format!("- {} {}", Value::String(misp_type.to_owned()), Value::String(value.to_owned()))
    };
    if !facts.is_empty() {
        l.push(' ');
        l.push_str(&Value::Object(facts).to_string());
    }
    l
}

/// What [`write`] wrote: the narrative before the sections, the kept values and the
/// sightings. Lines that do not parse are left in the narrative.
pub fn read(text: &str) -> (String, Vec<KeptValue>, Vec<Sighting>) {
    let mut narrative: Vec<&str> = Vec::new();
    let mut kept = Vec::new();
    let mut sightings = Vec::new();
    enum In {
        Text,
        Kept,
        Sightings,
    }
    let mut state = In::Text;
    for l in text.lines() {
        if l == KEPT_HEADER {
            state = In::Kept;
            continue;
        }
        if l == SIGHTINGS_HEADER {
            state = In::Sightings;
            continue;
        }
        let parsed = l.strip_prefix("- ").and_then(parse_line);
        match (&state, parsed) {
            (In::Kept, Some((t, value, facts))) => {
                let s = |k: &str| facts.get(k).and_then(Value::as_str).map(str::to_owned);
                kept.push(KeptValue {
                    misp_type: t,
                    value,
                    category: s("category"),
                    to_ids: facts.get("to_ids").and_then(Value::as_bool).unwrap_or(false),
                    object: facts.get("object").and_then(object_of),
                    comment: s("comment"),
                });
            }
            (In::Sightings, Some((t, value, facts))) => {
                let s = |k: &str| facts.get(k).and_then(Value::as_str).map(str::to_owned);
                let kind = s("type").and_then(|t| SightingType::parse(&t));
                let date = s("date").and_then(|d| DateTime::parse_from_rfc3339(&d).ok());
                match (kind, date) {
                    (Some(kind), Some(date)) => sightings.push(Sighting {
                        misp_type: t,
                        value,
                        kind,
                        date: date.with_timezone(&Utc),
                        org: s("org"),
                        source: s("source"),
                    }),
                    _ => narrative.push(l),
                }
            }
            (In::Text, _) | (_, None) => {
                if l.trim().is_empty() && !matches!(state, In::Text) {
                    continue;
                }
                state = In::Text;
                narrative.push(l);
            }
        }
    }
    (narrative.join("\n").trim_end().to_owned(), kept, sightings)
}

fn parse_line(rest: &str) -> Option<(String, String, Map<String, Value>)> {
    let (t, rest) = if rest.starts_with('"') {
        let mut de = serde_json::Deserializer::from_str(rest).into_iter::<String>();
        let t = de.next()?.ok()?;
        (t, rest.get(de.byte_offset()..)?.strip_prefix(' ')?)
    } else {
        let (t, rest) = rest.split_once(' ')?;
        (t.to_owned(), rest)
    };
    let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
    let value = match values.next()?.ok()? {
        Value::String(s) => s,
        _ => return None,
    };
    let facts = match values.next() {
        None => Map::new(),
        Some(Ok(Value::Object(m))) => m,
        Some(_) => return None,
    };
    if values.next().is_some() {
        return None;
    }
    Some((t, value, facts))
}

/// An object reference as [`write`] puts it in the facts: `name#index/relation`, or a JSON
/// object when the name holds a `/`.
fn object_of(v: &Value) -> Option<ObjectRef> {
    match v {
        Value::String(s) => parse_object(s),
        Value::Object(o) => Some(ObjectRef {
            name: o.get("name")?.as_str()?.to_owned(),
            index: usize::try_from(o.get("index")?.as_u64()?).ok()?,
            relation: o.get("relation")?.as_str()?.to_owned(),
        }),
        _ => None,
    }
}

fn parse_object(s: &str) -> Option<ObjectRef> {
    let (head, relation) = s.split_once('/')?;
    let (name, index) = head.rsplit_once('#')?;
    Some(ObjectRef { name: name.into(), index: index.parse().ok()?, relation: relation.into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sections_round_trip() {
        let kept = vec![
            KeptValue {
                misp_type: "filename".into(),
                value: "in\"voice\n.exe".into(),
                category: Some("Payload delivery".into()),
                to_ids: true,
                object: None,
                comment: None,
            },
            KeptValue {
                misp_type: "xmr".into(),
                value: "4Ad".into(),
                category: None,
                to_ids: false,
                object: Some(ObjectRef { name: "wallet".into(), index: 2, relation: "address".into() }),
                comment: Some("seen in chat".into()),
            },
        ];
        let sightings = vec![Sighting {
            misp_type: "sha256".into(),
            value: "ab".into(),
            kind: SightingType::FalsePositive,
            date: Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap(),
            org: Some("CIRCL".into()),
            source: None,
        }];
        let text = write("A story.\n- not a line of ours", &kept, &sightings);
        assert!(text.contains(KEPT_HEADER) && text.contains(SIGHTINGS_HEADER), "{text}");
        let (narrative, k, s) = read(&text);
        assert_eq!(narrative, "A story.\n- not a line of ours");
        assert_eq!(k, kept);
        assert_eq!(s, sightings);
        assert_eq!(write("plain", &[], &[]), "plain");
    }

    #[test]
    fn any_type_and_object_name_read_back() {
        // Found by the misp_event fuzz target: a type with a space made its line (and every
        // line after it) fall back into the narrative.
        let kept = |t: &str, object: &str| KeptValue {
            misp_type: t.into(),
            value: "v".into(),
            category: None,
            to_ids: false,
            object: Some(ObjectRef { name: object.into(), index: 1, relation: "a/b#2".into() }),
            comment: None,
        };
        let kept = vec![
            kept("iba  n", "bank-account"),
            kept("", "x"),
            kept("\"quoted\"", "o/b#3/c"),
            kept("line\nbreak", "#"),
            kept("xmr", "wallet"),
        ];
        let sightings = vec![Sighting {
            misp_type: "file name".into(),
            value: "a b".into(),
            kind: SightingType::Sighting,
            date: Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap(),
            org: None,
            source: None,
        }];
        let text = write("", &kept, &sightings);
        assert_eq!(read(&text), (String::new(), kept, sightings), "{text}");
        // Lines written before types were quoted still read.
        let (_, old, _) = read(&format!("{KEPT_HEADER}\n- xmr \"4Ad\" {{\"object\":\"wallet#2/address\"}}"));
        assert_eq!(
            old[0].object,
            Some(ObjectRef { name: "wallet".into(), index: 2, relation: "address".into() })
        );
        assert_eq!(read("plain"), ("plain".into(), vec![], vec![]));
    }
}
