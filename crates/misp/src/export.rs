//! dragnet reports to MISP events and feeds.
//!
//! [`event`] writes the reports it is given (already filtered for the viewer) as one MISP
//! event (`{"Event": {...}}`):
//!
//! - `uuid`: UUIDv5 of the report's id ([`event_uuid`]; a campaign's from its id), so an
//!   export is the same event every time; attribute, object and sighting uuids are derived
//!   the same way, and the output is byte-identical for the same reports;
//! - `info` (the title), `date` (first seen, else created), `timestamp`, `Orgc` and `Org`
//!   (the author organisation, uuid derived from its id), `published`;
//! - `Tag`: `tlp:clear|green|amber|amber+strict|red` and the labels;
//! - `distribution`: CLEAR `3` (all communities), GREEN `1` (this community), AMBER shared
//!   with exactly one community `4` with that community as `SharingGroup`, otherwise `0`;
//! - an attribute per observable: the MISP type, relation, object and `to_ids` it was imported
//!   with (its role, [`crate::types::Role`]), else the type of its kind ([`misp_type`], `text`
//!   with the comment `dragnet:<kind>` for kinds MISP has no type for) with the role as
//!   comment; composite values imported whole (`domain|ip`, `filename|sha256`) go back whole;
//! - the values kept as received and the sightings ([`crate::appendix`]) as attributes and
//!   their `Sighting`s; the rest of the narrative as an `EventReport`;
//! - a `text` attribute in category `Internal reference` holding the dragnet report id.
//!
//! Victim PII is never exported: observables equal to it are left out and its values are
//! redacted from every text (`stix::export::Redactor`). Revoked reports are the caller's to
//! leave out, as for STIX.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use model::{CommunityId, ObservableKind, OrgId, Report, Tlp};
use serde_json::{Map, Value, json};
use stix::export::{DRAGNET_NAMESPACE, Redactor};
use uuid::Uuid;

use crate::appendix::{self, KeptValue, Sighting};
use crate::types::{KIND_COMMENT_PREFIX, ObjectRef, Role, Target, TypeMap, defaults, misp_type, type_map};

/// The comment of the attribute holding the dragnet report id.
pub const REPORT_ID_COMMENT: &str = "dragnet report id";
/// The category of that attribute.
pub const REPORT_ID_CATEGORY: &str = "Internal reference";

/// What one event is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Context {
    /// One report.
    Report,
    /// A campaign (its id, `5e0c19a4` or `5e0c19a4.2`) made of the reports.
    Campaign { id: String },
}

/// What to export: the reports (already filtered for the viewer, victim data attached only to
/// the viewer's own), organisation and community names, and the context.
#[derive(Clone, Debug)]
pub struct ExportInput<'a> {
    pub reports: Vec<&'a Report>,
    pub orgs: Vec<(OrgId, String)>,
    pub communities: Vec<(CommunityId, String)>,
    pub context: Context,
}

fn derived(what: &str) -> Uuid {
    Uuid::new_v5(&DRAGNET_NAMESPACE, what.as_bytes())
}

/// The MISP event uuid of a report.
pub fn event_uuid(report: Uuid) -> Uuid {
    derived(&format!("misp-event|{report}"))
}

/// The MISP event uuid of a campaign (as its id is written for the viewer).
pub fn campaign_event_uuid(id: &str) -> Uuid {
    derived(&format!("misp-campaign|{id}"))
}

/// The MISP organisation uuid of an organisation.
pub fn org_uuid(org: OrgId) -> Uuid {
    derived(&format!("misp-org|{}", org.0))
}

/// The MISP tag of a TLP level.
pub fn tlp_tag(tlp: Tlp) -> String {
    format!("tlp:{}", tlp.as_str().to_ascii_lowercase())
}

fn epoch(t: DateTime<Utc>) -> String {
    t.timestamp().to_string()
}

/// One attribute being written, with where it goes.
struct Attr {
    object: Option<(String, ObjectRef)>,
    body: Map<String, Value>,
}

/// Writes the reports as one MISP event (see the module documentation).
pub fn event(input: &ExportInput) -> Value {
    let orgs: BTreeMap<OrgId, &str> = input.orgs.iter().map(|(id, n)| (*id, n.as_str())).collect();
    let communities: BTreeMap<CommunityId, &str> =
        input.communities.iter().map(|(id, n)| (*id, n.as_str())).collect();
    let reports = &input.reports;
    let first = reports.first().copied();
    let (uuid, info) = match (&input.context, first) {
        (Context::Report, Some(r)) => {
            let title = Redactor::new(r).text(r.title.trim());
            (event_uuid(r.id), if title.is_empty() { format!("dragnet report {}", r.id) } else { title })
        }
        (Context::Report, None) => (derived("misp-event|none"), "dragnet report".into()),
        (Context::Campaign { id }, _) => (campaign_event_uuid(id), format!("dragnet campaign {id}")),
    };
    let created = reports.iter().map(|r| r.created_at).min().unwrap_or_default();
    let modified = reports.iter().map(|r| r.created_at).max().unwrap_or_default();
    let date = reports.iter().map(|r| r.first_seen.unwrap_or(r.created_at)).min().unwrap_or(created);
    let tlp = reports.iter().map(|r| r.tlp).max().unwrap_or(Tlp::Amber);
    let author = first.map(|r| r.author);
    let single_author = author.filter(|a| reports.iter().all(|r| r.author == *a));
    let org = match single_author {
        Some(a) => {
            json!({"name": orgs.get(&a).map_or_else(|| a.0.to_string(), |n| n.to_string()), "uuid": org_uuid(a)})
        }
        None => json!({"name": "dragnet", "uuid": derived("misp-org|dragnet")}),
    };

    let mut tags: Vec<String> = vec![tlp_tag(tlp)];
    let mut attributes: Vec<Attr> = Vec::new();
    let mut seen_values: BTreeSet<(String, String, Option<String>)> = BTreeSet::new();
    let mut event_reports = Vec::new();
    for r in reports {
        let redact = Redactor::new(r);
        for l in &r.labels {
            let l = redact.text(l);
            if !l.trim().is_empty() && !tags.contains(&l) {
                tags.push(l);
            }
        }
        let (narrative, kept, sightings) = appendix::read(&r.narrative);
        let narrative = redact.text(&narrative);
        if !narrative.trim().is_empty() {
            event_reports.push(json!({
                "uuid": derived(&format!("misp-event-report|{}", r.id)),
                "name": if reports.len() == 1 { "dragnet narrative".to_string() } else { redact.text(r.title.trim()) },
                "content": narrative,
                "timestamp": epoch(r.created_at),
                "deleted": false,
            }));
        }
        let mut add = |attr: Attr, seen: &mut BTreeSet<(String, String, Option<String>)>| {
            let t = attr.body["type"].as_str().unwrap_or_default().to_owned();
            let v = attr.body["value"].as_str().unwrap_or_default().to_owned();
            if seen.insert((t, v, attr.object.as_ref().map(|(k, _)| k.clone()))) {
                attributes.push(attr);
            }
        };
        let object_key = |o: &ObjectRef| format!("{}|{}#{}", r.id, o.name, o.index);
        let mut composites: BTreeSet<(String, String)> = BTreeSet::new();
        for o in &r.observables {
            if redact.hides(o.kind, &o.value)
                || o.original.as_deref().is_some_and(|v| redact.hides(o.kind, v))
            {
                continue;
            }
            let role = o.role.as_deref().and_then(Role::parse).filter(|role| fits(role, o.kind));
            let (t, value, to_ids, comment, object) = match &role {
                Some(role) => {
                    let composite = matches!(type_map(&role.misp_type), TypeMap::Composite(_));
                    let value = match (&o.original, composite) {
                        (Some(orig), true) if orig.contains('|') => {
                            if !composites.insert((o.role.clone().unwrap_or_default(), orig.clone())) {
                                continue; // the other part of a composite already written
                            }
                            orig.clone()
                        }
                        _ => o.value.clone(),
                    };
                    let t = if composite && !value.contains('|') {
                        misp_type(o.kind).unwrap_or("text").to_owned()
                    } else {
                        role.misp_type.clone()
                    };
                    let comment = (t == "text").then(|| format!("{KIND_COMMENT_PREFIX}{}", o.kind));
                    (t, value, role.to_ids, comment, role.object.clone())
                }
                None => {
                    let native = o.role.as_deref().filter(|x| !x.trim().is_empty()).map(|x| redact.text(x));
                    let automatic = matches!(native.as_deref(), Some("derived" | "extracted"));
                    match misp_type(o.kind) {
                        Some(t) => {
                            let to_ids = !automatic && defaults(t).is_some_and(|d| d.1);
                            (t.to_owned(), o.value.clone(), to_ids, native, None)
                        }
                        None => {
                            let comment = match native {
                                Some(n) => format!("{KIND_COMMENT_PREFIX}{} {n}", o.kind),
                                None => format!("{KIND_COMMENT_PREFIX}{}", o.kind),
                            };
                            ("text".to_owned(), o.value.clone(), !automatic, Some(comment), None)
                        }
                    }
                }
            };
            let category = defaults(&t).map_or("Other", |d| d.0);
            let attr_sightings: Vec<&Sighting> =
                sightings.iter().filter(|s| s.misp_type == t && s.value == value).collect();
            let body = attribute(
                r.id,
                &t,
                category,
                &value,
                to_ids,
                comment.as_deref(),
                object.as_ref(),
                &attr_sightings,
            );
            add(Attr { object: object.map(|o| (object_key(&o), o)), body }, &mut seen_values);
        }
        for k in &kept {
            if redact.hides(ObservableKind::Phone, &k.value) || redact.text(&k.value) != k.value {
                continue;
            }
            let KeptValue { misp_type: t, value, category, to_ids, object, comment } = k;
            let category = category.as_deref().or(defaults(t).map(|d| d.0)).unwrap_or("Other");
            let attr_sightings: Vec<&Sighting> =
                sightings.iter().filter(|s| &s.misp_type == t && &s.value == value).collect();
            let comment = comment.as_deref().map(|c| redact.text(c));
            let body = attribute(
                r.id,
                t,
                category,
                value,
                *to_ids,
                comment.as_deref(),
                object.as_ref(),
                &attr_sightings,
            );
            add(Attr { object: object.clone().map(|o| (object_key(&o), o)), body }, &mut seen_values);
        }
        let reference = attribute(
            r.id,
            "text",
            REPORT_ID_CATEGORY,
            &r.id.to_string(),
            false,
            Some(REPORT_ID_COMMENT),
            None,
            &[],
        );
        add(Attr { object: None, body: reference }, &mut seen_values);
    }

    let mut plain = Vec::new();
    let mut objects: BTreeMap<String, (ObjectRef, Vec<Value>)> = BTreeMap::new();
    for a in attributes {
        match a.object {
            None => plain.push(Value::Object(a.body)),
            Some((key, o)) => {
                objects.entry(key).or_insert_with(|| (o, Vec::new())).1.push(Value::Object(a.body))
            }
        }
    }
    let objects: Vec<Value> = objects
        .into_iter()
        .map(|(key, (o, attrs))| {
            json!({
                "uuid": derived(&format!("misp-object|{key}")),
                "name": o.name,
                "meta-category": "misc",
                "distribution": "5",
                "timestamp": epoch(modified),
                "comment": "",
                "deleted": false,
                "Attribute": attrs,
            })
        })
        .collect();

    let (distribution, sharing_group) = distribution_of(reports, tlp, &communities);
    let mut e = json!({
        "uuid": uuid,
        "info": info,
        "date": date.format("%Y-%m-%d").to_string(),
        "timestamp": epoch(modified),
        "publish_timestamp": epoch(modified),
        "published": true,
        "analysis": "2",
        "threat_level_id": "4",
        "distribution": distribution.to_string(),
        "Orgc": org.clone(),
        "Org": org,
        "Tag": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "Attribute": plain,
        "Object": objects,
    });
    if let Some((id, name)) = sharing_group {
        e["SharingGroup"] = json!({"name": name, "uuid": derived(&format!("misp-sharing-group|{}", id.0))});
    }
    if !event_reports.is_empty() {
        e["EventReport"] = json!(event_reports);
    }
    json!({ "Event": e })
}

/// Whether the type a role names can hold an observable of `kind`.
fn fits(role: &Role, kind: ObservableKind) -> bool {
    let admits = |t: &Target| match t {
        Target::Kind(k) => *k == kind,
        Target::Ip => matches!(kind, ObservableKind::Ipv4 | ObservableKind::Ipv6),
        Target::IbanIfValid => kind == ObservableKind::Iban,
    };
    match type_map(&role.misp_type) {
        TypeMap::Single(t) => admits(&t),
        TypeMap::Composite(parts) => parts.iter().flatten().any(admits),
        TypeMap::Raw => role.misp_type == "text",
    }
}

fn distribution_of(
    reports: &[&Report],
    tlp: Tlp,
    communities: &BTreeMap<CommunityId, &str>,
) -> (u8, Option<(CommunityId, String)>) {
    match tlp {
        Tlp::Clear => (3, None),
        Tlp::Green => (1, None),
        Tlp::Amber => {
            let mut shared: Option<CommunityId> = None;
            for r in reports {
                match (r.audience.communities.as_slice(), r.audience.organizations.is_empty()) {
                    ([c], true) if shared.is_none_or(|s| s == *c) => shared = Some(*c),
                    _ => return (0, None),
                }
            }
            match shared.and_then(|c| communities.get(&c).map(|n| (c, n.to_string()))) {
                Some(sg) if reports.iter().all(|r| r.tlp == Tlp::Amber) => (4, Some(sg)),
                _ => (0, None),
            }
        }
        Tlp::AmberStrict | Tlp::Red => (0, None),
    }
}

#[allow(clippy::too_many_arguments)]
fn attribute(
    report: Uuid,
    t: &str,
    category: &str,
    value: &str,
    to_ids: bool,
    comment: Option<&str>,
    object: Option<&ObjectRef>,
    sightings: &[&Sighting],
) -> Map<String, Value> {
    let place = object.map(|o| format!("{}#{}/{}", o.name, o.index, o.relation)).unwrap_or_default();
    let uuid = derived(&format!("misp-attribute|{report}|{place}|{t}|{value}"));
    let mut a = Map::new();
    a.insert("uuid".into(), json!(uuid));
    a.insert("type".into(), json!(t));
    a.insert("category".into(), json!(category));
    a.insert("value".into(), json!(value));
    a.insert("to_ids".into(), json!(to_ids));
    a.insert("distribution".into(), json!("5"));
    a.insert("comment".into(), json!(comment.unwrap_or_default()));
    a.insert("disable_correlation".into(), json!(false));
    a.insert("deleted".into(), json!(false));
    if let Some(o) = object {
        a.insert("object_relation".into(), json!(o.relation));
    }
    if !sightings.is_empty() {
        let list: Vec<Value> = sightings
            .iter()
            .map(|s| {
                let mut x = json!({
                    "uuid": derived(&format!("misp-sighting|{uuid}|{}|{}|{:?}|{:?}", s.kind.code(), s.date.timestamp(), s.org, s.source)),
                    "type": s.kind.code().to_string(),
                    "date_sighting": epoch(s.date),
                    "source": s.source.clone().unwrap_or_default(),
                });
                if let Some(org) = &s.org {
                    x["Organisation"] = json!({"name": org});
                }
                x
            })
            .collect();
        a.insert("Sighting".into(), json!(list));
    }
    a
}

/// The `manifest.json` entry of an event (`uuid` → `Orgc`, `Tag`, `info`, `date`, `analysis`,
/// `threat_level_id`, `timestamp`), as MISP's feed generator writes it.
pub fn manifest_entry(event: &Value) -> Option<(String, Value)> {
    let e = event.get("Event")?;
    let uuid = e.get("uuid")?.as_str()?.to_owned();
    let mut entry = Map::new();
    for k in ["Orgc", "Tag", "info", "date", "analysis", "threat_level_id", "timestamp"] {
        if let Some(v) = e.get(k) {
            entry.insert(k.into(), v.clone());
        }
    }
    Some((uuid, Value::Object(entry)))
}

/// The `hashes.csv` lines of an event: `<md5 of each value part>,<event uuid>` for every
/// attribute, the objects' included (composite values hashed part by part), as MISP writes them.
pub fn hash_lines(event: &Value) -> Vec<String> {
    let Some(e) = event.get("Event") else { return Vec::new() };
    let uuid = e.get("uuid").and_then(Value::as_str).unwrap_or_default();
    let attrs = e.get("Attribute").and_then(Value::as_array).into_iter().flatten().chain(
        e.get("Object")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| o.get("Attribute").and_then(Value::as_array))
            .flatten(),
    );
    let mut out = Vec::new();
    for a in attrs {
        let t = a.get("type").and_then(Value::as_str).unwrap_or_default();
        let v = a.get("value").and_then(Value::as_str).unwrap_or_default();
        let parts: Vec<&str> =
            if t.contains('|') || t == "malware-sample" { v.split('|').collect() } else { vec![v] };
        for p in parts {
            out.push(format!("{:x},{uuid}", Md5::digest(p.as_bytes())));
        }
    }
    out
}
