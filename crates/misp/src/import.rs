//! MISP events to what dragnet keeps.
//!
//! [`map_event`] reads one event (`{"Event": {...}}` or the bare event object). It never fails
//! for what is inside the event: an attribute that cannot be used is reported in
//! [`MappedEvent::skipped`] with its uuid and why, and the rest maps. Only an event without a
//! usable `uuid`, or that is not a JSON object, is an error.
//!
//! - Attributes and the attributes of objects become observables through [`crate::types`];
//!   each value goes through `model::observable::canonicalize`. The observable's role records
//!   the attribute type, the object and relation, and `to_ids` ([`crate::types::Role`]).
//! - A value of a type dragnet has no kind for is kept as received on the report
//!   ([`crate::appendix`]), labelled with its type; so is a value that fails
//!   canonicalisation, which is also reported.
//! - `tlp:` tags (TLP 1.0 and 2.0, `tlp:white` is CLEAR) give the TLP, the most restrictive
//!   winning; other tags become labels. An attribute's own `tlp:` tag restricts it further.
//! - `distribution` (the event's; an attribute's or object's own unless `5`, inherit) decides
//!   the audience with [`access`]. Attributes more restricted than their event (a TLP or a
//!   distribution of their own) go to a part of their own, which becomes its own report.
//! - Sightings are kept as facts on the report ([`crate::appendix`]). A part's first and last
//!   seen are its earliest and latest sightings (type `0`) and attribute `first_seen` /
//!   `last_seen`; the engine takes the event's `date` as first seen when there is one.
//! - Event reports (`EventReport`) give the narrative.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use model::observable::{CanonicalizeOptions, canonicalize};
use model::{ObservableKind, Tlp};
use serde_json::Value;
use uuid::Uuid;

use crate::appendix::{KeptValue, Sighting, SightingType};
use crate::export::{REPORT_ID_CATEGORY, REPORT_ID_COMMENT};
use crate::types::{KIND_COMMENT_PREFIX, ObjectRef, Role, Target, TypeMap, type_map};

/// MISP's distribution levels.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Distribution {
    /// `0`: the creator organisation only.
    YourOrganisation,
    /// `1`: this community only.
    Community,
    /// `2`: connected communities.
    Connected,
    /// `3`: all communities.
    All,
    /// `4`: the members of a sharing group.
    SharingGroup { name: Option<String> },
}

impl Distribution {
    /// The distribution of `code` (`5`, inherit, is `None`); `sharing_group` names a `4`'s group.
    pub fn from_code(code: u64, sharing_group: Option<String>) -> Option<Distribution> {
        Some(match code {
            0 => Distribution::YourOrganisation,
            1 => Distribution::Community,
            2 => Distribution::Connected,
            3 => Distribution::All,
            4 => Distribution::SharingGroup { name: sharing_group },
            _ => return None,
        })
    }
}

/// Who may see the report made of a part: its TLP, the community named in its audience, and
/// a note when the distribution could not be kept as MISP meant it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub tlp: Tlp,
    pub community: Option<String>,
    pub note: Option<String>,
}

/// How a MISP distribution and TLP become dragnet's access:
///
/// - `0` (your organisation only): the author organisation only: at least TLP:AMBER, with no
///   audience;
/// - `1`, `2`, `3` (community, connected, all) and a missing distribution: the whole instance
///   as far as the TLP allows (TLP:GREEN when the event has no `tlp:` tag);
/// - `4` (sharing group): at least TLP:AMBER for the dragnet community of the same name
///   (`community_exists`), else the author organisation only, with a note.
pub fn access(
    tlp: Option<Tlp>,
    distribution: Option<&Distribution>,
    community_exists: impl Fn(&str) -> bool,
) -> Access {
    match distribution {
        None | Some(Distribution::Community | Distribution::Connected | Distribution::All) => {
            Access { tlp: tlp.unwrap_or(Tlp::Green), community: None, note: None }
        }
        Some(Distribution::YourOrganisation) => {
            Access { tlp: tlp.unwrap_or(Tlp::Amber).max(Tlp::Amber), community: None, note: None }
        }
        Some(Distribution::SharingGroup { name }) => {
            let tlp = tlp.unwrap_or(Tlp::Amber).max(Tlp::Amber);
            match name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                Some(n) if community_exists(n) => {
                    let note = (tlp != Tlp::Amber).then(|| {
                        format!(
                            "sharing group {n:?}: TLP:{} does not widen to communities, author only",
                            tlp.as_str()
                        )
                    });
                    Access { tlp, community: Some(n.to_owned()), note }
                }
                Some(n) => Access {
                    tlp,
                    community: None,
                    note: Some(format!(
                        "sharing group {n:?} is no dragnet community: shared with the author organisation only"
                    )),
                },
                None => Access {
                    tlp,
                    community: None,
                    note: Some(
                        "sharing group without a name: shared with the author organisation only".into(),
                    ),
                },
            }
        }
    }
}

/// One canonical observable read from an attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedAttribute {
    pub kind: ObservableKind,
    /// The canonical value.
    pub value: String,
    /// The attribute's value as received (a composite value whole).
    pub raw: String,
    /// [`Role::to_role_string`].
    pub role: String,
    pub uuid: Option<String>,
}

/// A group of attributes sharing one TLP and distribution: one dragnet report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The report's id: the event's uuid for the event's own part, else UUIDv5 of the event
    /// uuid and the restriction.
    pub id: Uuid,
    /// The most restrictive `tlp:` tag of the event and the attribute.
    pub tlp: Option<Tlp>,
    pub distribution: Option<Distribution>,
    pub observables: Vec<MappedAttribute>,
    pub kept: Vec<KeptValue>,
    pub sightings: Vec<Sighting>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// Something in an event that was not used as it was, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The attribute's uuid (or, when it has none, its position: `Attribute[3]`,
    /// `Object[1].Attribute[0]`).
    pub attribute: String,
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "attribute {}: {}", self.attribute, self.reason)
    }
}

/// A MISP event as dragnet keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedEvent {
    pub uuid: Uuid,
    /// `info`.
    pub info: String,
    /// The creator organisation's name (`Orgc.name`).
    pub orgc: Option<String>,
    /// `date`.
    pub date: Option<NaiveDate>,
    /// Tags other than `tlp:`, the event's then its attributes', without repeats.
    pub labels: Vec<String>,
    /// The contents of the event's reports (`EventReport`), separated by blank lines.
    pub narrative: String,
    /// The event's own part first, then the more restricted ones.
    pub parts: Vec<Part>,
    pub skipped: Vec<Skipped>,
}

/// Why an event could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("not a json object")]
    NotAnObject,
    #[error("Event.uuid: {0}")]
    Uuid(String),
    #[error("invalid json: {0}")]
    Json(String),
}

/// The events of a MISP JSON document: one event (`{"Event": …}` or bare), a list of them, or
/// a REST search answer (`{"response": [...]}`).
pub fn events_of(doc: &Value) -> Vec<&Value> {
    match doc {
        Value::Array(items) => items.iter().collect(),
        Value::Object(o) => match o.get("response") {
            Some(Value::Array(items)) if !o.contains_key("Event") => items.iter().collect(),
            _ => vec![doc],
        },
        _ => vec![doc],
    }
}

/// Parses a document's text and maps its first event (see [`map_event`]).
pub fn map_event_text(text: &str, opts: &CanonicalizeOptions) -> Result<MappedEvent, EventError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| EventError::Json(e.to_string()))?;
    map_event(&doc, opts)
}

/// Maps one event (see the module documentation).
pub fn map_event(doc: &Value, opts: &CanonicalizeOptions) -> Result<MappedEvent, EventError> {
    let event = match doc.get("Event") {
        Some(e @ Value::Object(_)) => e,
        Some(_) => return Err(EventError::NotAnObject),
        None if doc.is_object() => doc,
        None => return Err(EventError::NotAnObject),
    };
    let uuid = match event.get("uuid") {
        Some(Value::String(s)) => {
            Uuid::parse_str(s.trim()).map_err(|_| EventError::Uuid(format!("invalid uuid {s:?}")))?
        }
        Some(_) => return Err(EventError::Uuid("not a string".into())),
        None => return Err(EventError::Uuid("missing".into())),
    };
    let mut m = Mapper { opts, skipped: Vec::new(), labels: Vec::new(), parts: BTreeMap::new() };
    let info = event.get("info").and_then(Value::as_str).unwrap_or_default().trim().to_owned();
    let orgc = event.pointer("/Orgc/name").and_then(Value::as_str).map(str::to_owned);
    let date = event
        .get("date")
        .and_then(Value::as_str)
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());

    let (event_tlp, event_labels) = tags(event);
    m.labels.extend(event_labels);
    let event_dist = distribution(event);
    let own_key = (event_tlp, event_dist.clone());
    m.parts.insert(own_key.clone(), Part::empty(uuid, event_tlp, event_dist.clone()));

    let ctx = Ctx { tlp: event_tlp, distribution: event_dist.clone() };
    for (i, a) in list(event, "Attribute").iter().enumerate() {
        m.attribute(a, &ctx, None, &format!("Attribute[{i}]"));
    }
    for (j, o) in list(event, "Object").iter().enumerate() {
        let name = o.get("name").and_then(Value::as_str).unwrap_or("object").trim().to_owned();
        let (otlp, olabels) = tags(o);
        m.labels.extend(olabels);
        let octx = Ctx {
            tlp: ctx.tlp.max(otlp),
            distribution: distribution(o).or_else(|| ctx.distribution.clone()),
        };
        if o.get("deleted").is_some_and(truthy) {
            m.skipped.push(Skipped { attribute: format!("Object[{j}]"), reason: "deleted in MISP".into() });
            continue;
        }
        for (i, a) in list(o, "Attribute").iter().enumerate() {
            let relation = a.get("object_relation").and_then(Value::as_str).unwrap_or("attribute").trim();
            let object = ObjectRef { name: name.clone(), index: j, relation: relation.to_owned() };
            m.attribute(a, &octx, Some(object), &format!("Object[{j}].Attribute[{i}]"));
        }
    }
    let narrative = list(event, "EventReport")
        .iter()
        .filter(|r| !r.get("deleted").is_some_and(truthy))
        .filter_map(|r| r.get("content").and_then(Value::as_str))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");

    let mut labels = Vec::new();
    for l in m.labels {
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    let mut parts = Vec::new();
    if let Some(own) = m.parts.remove(&own_key) {
        parts.push(own);
    }
    for (key, mut part) in m.parts {
        if part.observables.is_empty() && part.kept.is_empty() {
            continue;
        }
        let name = format!("{}|{:?}|{:?}", uuid, key.0, key.1);
        part.id = Uuid::new_v5(&stix::export::DRAGNET_NAMESPACE, format!("misp-part|{name}").as_bytes());
        parts.push(part);
    }
    Ok(MappedEvent { uuid, info, orgc, date, labels, narrative, parts, skipped: m.skipped })
}

impl Part {
    fn empty(id: Uuid, tlp: Option<Tlp>, distribution: Option<Distribution>) -> Part {
        Part {
            id,
            tlp,
            distribution,
            observables: Vec::new(),
            kept: Vec::new(),
            sightings: Vec::new(),
            first_seen: None,
            last_seen: None,
        }
    }

    fn seen(&mut self, t: DateTime<Utc>) {
        self.first_seen = Some(self.first_seen.map_or(t, |f| f.min(t)));
        self.last_seen = Some(self.last_seen.map_or(t, |l| l.max(t)));
    }
}

type PartKey = (Option<Tlp>, Option<Distribution>);

struct Ctx {
    tlp: Option<Tlp>,
    distribution: Option<Distribution>,
}

struct Mapper<'a> {
    opts: &'a CanonicalizeOptions,
    skipped: Vec<Skipped>,
    labels: Vec<String>,
    parts: BTreeMap<PartKey, Part>,
}

impl Mapper<'_> {
    fn attribute(&mut self, a: &Value, ctx: &Ctx, object: Option<ObjectRef>, position: &str) {
        let id = a.get("uuid").and_then(Value::as_str).map(str::to_owned);
        let name = id.clone().unwrap_or_else(|| position.to_owned());
        let skip = |reason: String| Skipped { attribute: name.clone(), reason };
        if !a.is_object() {
            let s = skip("not a json object".into());
            self.skipped.push(s);
            return;
        }
        if a.get("deleted").is_some_and(truthy) {
            let s = skip("deleted in MISP".into());
            self.skipped.push(s);
            return;
        }
        let Some(t) = a.get("type").and_then(Value::as_str).map(|t| t.trim().to_ascii_lowercase()) else {
            let s = skip("type: missing or not a string".into());
            self.skipped.push(s);
            return;
        };
        let value = match a.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => {
                let s = skip("value: missing or not a string".into());
                self.skipped.push(s);
                return;
            }
        };
        if value.trim().is_empty() {
            let s = skip(format!("{t}: empty value"));
            self.skipped.push(s);
            return;
        }
        let to_ids = a.get("to_ids").is_some_and(truthy);
        let category = a.get("category").and_then(Value::as_str).map(str::to_owned);
        let comment = a
            .get("comment")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        let (atlp, alabels) = tags(a);
        self.labels.extend(alabels);
        let key: PartKey = (ctx.tlp.max(atlp), distribution(a).or_else(|| ctx.distribution.clone()));
        let part =
            self.parts.entry(key.clone()).or_insert_with(|| Part::empty(Uuid::nil(), key.0, key.1.clone()));

        for k in ["first_seen", "last_seen"] {
            if let Some(t) =
                a.get(k).and_then(Value::as_str).and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            {
                part.seen(t.with_timezone(&Utc));
            }
        }

        let role = Role { object: object.clone(), misp_type: t.clone(), to_ids };
        let kept = || KeptValue {
            misp_type: t.clone(),
            value: value.clone(),
            category: category.clone(),
            to_ids,
            object: object.clone(),
            comment: comment.clone(),
        };
        if t == "text"
            && category.as_deref() == Some(REPORT_ID_CATEGORY)
            && comment.as_deref() == Some(REPORT_ID_COMMENT)
        {
            let s = skip(format!("dragnet's own reference to its report {value:?}: not kept"));
            self.skipped.push(s);
            return;
        }
        // A `text` attribute that dragnet exported for a kind MISP has no type for.
        let dragnet_kind = (t == "text")
            .then(|| {
                let rest = comment.as_deref()?.strip_prefix(KIND_COMMENT_PREFIX)?;
                rest.split_whitespace().next()?.parse::<ObservableKind>().ok()
            })
            .flatten();
        let found: Result<Vec<(ObservableKind, String)>, Option<String>> = match (dragnet_kind, type_map(&t))
        {
            (Some(kind), _) => canon(kind, &value, self.opts).map(|v| vec![(kind, v)]).map_err(Some),
            (None, TypeMap::Raw) => Err(None),
            (None, TypeMap::Single(target)) => single(target, &value, self.opts).map(|o| vec![o]),
            (None, TypeMap::Composite(targets)) => match value.split_once('|') {
                None => Err(Some(format!("{t} {value:?}: not a composite value (no '|')"))),
                Some((a, b)) => {
                    let mut out = Vec::new();
                    let mut err = None;
                    for (target, part) in targets.iter().zip([a, b]) {
                        if let Some(target) = target {
                            match single(*target, part, self.opts) {
                                Ok(o) => out.push(o),
                                Err(e) => err = err.or(e),
                            }
                        }
                    }
                    match err {
                        Some(e) => Err(Some(e)),
                        None if out.is_empty() => Err(None),
                        None => Ok(out),
                    }
                }
            },
        };
        let sighted_value = match &found {
            Ok(obs) if obs.len() == 1 && !value.contains('|') => obs[0].1.clone(),
            _ => value.clone(),
        };
        match found {
            Ok(obs) => {
                for (kind, v) in obs {
                    part.observables.push(MappedAttribute {
                        kind,
                        value: v,
                        raw: value.clone(),
                        role: role.to_role_string(),
                        uuid: id.clone(),
                    });
                }
            }
            Err(None) => part.kept.push(kept()),
            Err(Some(reason)) => {
                part.kept.push(kept());
                self.skipped.push(Skipped {
                    attribute: name.clone(),
                    reason: format!("{reason} (kept as received, not correlated)"),
                });
            }
        }
        for s in list(a, "Sighting") {
            let kind =
                s.get("type").and_then(number).map_or(Some(SightingType::Sighting), SightingType::from_code);
            let date = s
                .get("date_sighting")
                .or_else(|| s.get("timestamp"))
                .and_then(number)
                .and_then(|n| i64::try_from(n).ok())
                .and_then(|n| Utc.timestamp_opt(n, 0).single())
                // Years RFC 3339 can write (and the appendix, STIX and MISP read back): a date
                // in milliseconds read as seconds lands in year 58133.
                .filter(|d| (0..=9999).contains(&d.year()));
            match (kind, date) {
                (Some(kind), Some(date)) => {
                    if kind == SightingType::Sighting {
                        part.seen(date);
                    }
                    part.sightings.push(Sighting {
                        misp_type: t.clone(),
                        value: sighted_value.clone(),
                        kind,
                        date,
                        org: s.pointer("/Organisation/name").and_then(Value::as_str).map(str::to_owned),
                        source: s
                            .get("source")
                            .and_then(Value::as_str)
                            .map(str::trim)
                            .filter(|x| !x.is_empty())
                            .map(str::to_owned),
                    });
                }
                (None, _) => self.skipped.push(Skipped {
                    attribute: name.clone(),
                    reason: format!("sighting of unknown type {}", s.get("type").unwrap_or(&Value::Null)),
                }),
                (_, None) => self.skipped.push(Skipped {
                    attribute: name.clone(),
                    reason: "sighting without a valid date_sighting".into(),
                }),
            }
        }
    }
}

fn canon(kind: ObservableKind, raw: &str, opts: &CanonicalizeOptions) -> Result<String, String> {
    canonicalize(kind, raw, opts).map(|c| c.observable.value).map_err(|e| format!("{raw:?}: {e}"))
}

/// One part of a value: `Err(None)` when it is not an observable after all (a network, an
/// account number that is no IBAN), `Err(Some(why))` when it fails canonicalisation.
fn single(
    target: Target,
    raw: &str,
    opts: &CanonicalizeOptions,
) -> Result<(ObservableKind, String), Option<String>> {
    let raw = raw.trim();
    match target {
        Target::Kind(kind) => canon(kind, raw, opts).map(|v| (kind, v)).map_err(Some),
        Target::IbanIfValid => {
            canon(ObservableKind::Iban, raw, opts).map(|v| (ObservableKind::Iban, v)).map_err(|_| None)
        }
        Target::Ip => {
            let (addr, prefix) = match raw.split_once('/') {
                Some((a, p)) => (a.trim(), Some(p.trim())),
                None => (raw, None),
            };
            let kind = if addr.contains(':') { ObservableKind::Ipv6 } else { ObservableKind::Ipv4 };
            let single = if kind == ObservableKind::Ipv4 { "32" } else { "128" };
            match prefix {
                Some(p) if p != single => Err(None), // a network: kept as received
                _ => canon(kind, addr, opts).map(|v| (kind, v)).map_err(Some),
            }
        }
    }
}

/// The most restrictive `tlp:` tag and the other tags' names, of `Tag` (feeds, PyMISP) and
/// `EventTag`/`AttributeTag` (`{"Tag": {...}}`, MISP's REST answers).
fn tags(o: &Value) -> (Option<Tlp>, Vec<String>) {
    let mut tlp: Option<Tlp> = None;
    let mut labels = Vec::new();
    let names = list(o, "Tag")
        .iter()
        .chain(list(o, "EventTag").iter().chain(list(o, "AttributeTag").iter()).filter_map(|t| t.get("Tag")))
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>();
    for name in names {
        match name.to_ascii_lowercase().strip_prefix("tlp:").map(Tlp::parse) {
            Some(Ok(t)) => tlp = Some(tlp.map_or(t, |x| x.max(t))),
            _ => {
                if !labels.iter().any(|l: &String| l == name) {
                    labels.push(name.to_owned());
                }
            }
        }
    }
    (tlp, labels)
}

fn distribution(o: &Value) -> Option<Distribution> {
    let code = o.get("distribution").and_then(number)?;
    let group = o.pointer("/SharingGroup/name").and_then(Value::as_str).map(str::to_owned);
    Distribution::from_code(code, group)
}

fn list<'a>(o: &'a Value, key: &str) -> &'a [Value] {
    match o.get(key) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// A number written as a number or a string (MISP writes both).
fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean written as MISP may (`true`, `1`, `"1"`, `"true"`).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_u64().is_some_and(|n| n != 0),
        Value::String(s) => matches!(s.trim(), "1" | "true" | "True"),
        _ => false,
    }
}
