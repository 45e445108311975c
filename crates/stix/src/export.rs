//! dragnet reports to STIX 2.1 bundles.
//!
//! [`bundle`] writes, for the reports it is given:
//!
//! - an `identity` (identity_class `organization`) per author organisation, id UUIDv5 of the
//!   organisation's UUID in [`DRAGNET_NAMESPACE`];
//! - the TLP 2.0 `marking-definition`s used, exactly as OASIS publishes them in
//!   cti-stix-common-objects, and the TLP 2.0 `extension-definition` they name;
//! - a `report` per dragnet report (`report--<report uuid>`);
//! - an SCO per observable (deterministic ids from `model::stix`; one `file` per hash), marked
//!   with the most restrictive TLP of the reports holding it;
//! - an `indicator` per observable of each report (pattern from [`crate::pattern`]) and a
//!   `based-on` `relationship` to its SCO;
//! - for a campaign, a `campaign` and an `indicates` relationship from each indicator; for a
//!   network, a `grouping` (context `suspicious-activity`) of its reports;
//! - for the custom SCOs (`phone-number`, `cryptocurrency-wallet`, `bank-account`, the names
//!   OpenCTI uses), an `extension-definition` each (`new-sco`), created by a `dragnet` system
//!   identity, which the SCO names in its `extensions`.
//!
//! Revoked reports are never exported (a revocation withdraws the report; a consumer that
//! already holds it learns nothing new from a bundle without it). Victim PII is never
//! exported: it is not read, observables equal to one of its values are left out, and its
//! values are redacted from titles, narratives and labels.
//!
//! The output is deterministic: objects are sorted by id, every id is derived from content,
//! and the bundle id is UUIDv5 of the JCS form of the objects.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use model::observable::{CanonicalizeOptions, canonicalize};
use model::stix::{hash_key, sco_type, stix_id};
use model::{Observable, ObservableKind, OrgId, Report, ReportKind, Tlp};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::pattern::{equality_pattern, escape};

/// The namespace of dragnet's deterministic STIX ids (identities, indicators, relationships,
/// campaigns, groupings, extension definitions, bundles).
pub const DRAGNET_NAMESPACE: Uuid = uuid::uuid!("3faeb297-13b1-42b5-8110-fc3985168d03");

/// The TLP 2.0 extension definition (OASIS cti-stix-common-objects).
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// When the TLP 2.0 objects were created, as OASIS publishes them.
const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

/// When dragnet's own extension definitions and system identity were first written.
const DRAGNET_OBJECTS_CREATED: &str = "2025-01-01T00:00:00.000Z";

/// The `identity_class` `organization` identities dragnet writes get `created` from their
/// organisation's UUIDv7; this is the fallback for ids of another version.
const FALLBACK_CREATED: &str = "2020-01-01T00:00:00.000Z";

/// What a bundle is about, beyond its reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportContext {
    /// Just the reports.
    Reports,
    /// A campaign (`graph::CampaignIndex` id) the reports belong to.
    Campaign { id: String, name: String, first_seen: Option<DateTime<Utc>>, last_seen: Option<DateTime<Utc>> },
    /// A link-analysis network the reports form.
    Network { id: String, name: String },
}

/// What to export: reports (already filtered for the viewer), the names of organisations, and
/// the context.
#[derive(Clone, Debug)]
pub struct ExportInput<'a> {
    pub reports: Vec<&'a Report>,
    /// Organisation names by id; an author missing here is named by its id.
    pub orgs: Vec<(OrgId, String)>,
    pub context: ExportContext,
}

/// A STIX timestamp with millisecond precision, `2016-05-12T08:17:27.000Z`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The STIX id of an organisation's identity.
pub fn identity_id(org: OrgId) -> String {
    format!("identity--{}", Uuid::new_v5(&DRAGNET_NAMESPACE, org.0.as_bytes()))
}

/// The STIX id of a dragnet report: `report--` and UUIDv5 of the report's UUID. dragnet's ids
/// are UUIDv7, which the STIX 2.1 identifier schema refuses (it admits versions 1 to 5); the
/// report's own id travels in an external reference (`source_name` `dragnet`).
pub fn report_id(report: Uuid) -> String {
    format!("report--{}", Uuid::new_v5(&DRAGNET_NAMESPACE, report.as_bytes()))
}

/// The STIX id of the indicator for one SCO in one report.
pub fn indicator_id(report: Uuid, sco_id: &str) -> String {
    derived_id("indicator", &format!("{report}|{sco_id}"))
}

/// The `extension-definition` id dragnet writes custom SCOs of `sco_type` under.
pub fn sco_extension_id(sco_type: &str) -> String {
    derived_id("extension-definition", sco_type)
}

fn derived_id(stix_type: &str, name: &str) -> String {
    let uuid = Uuid::new_v5(&DRAGNET_NAMESPACE, format!("{stix_type}|{name}").as_bytes());
    format!("{stix_type}--{uuid}")
}

fn dragnet_identity_id() -> String {
    derived_id("identity", "dragnet")
}

/// The custom SCO types and the text of their schema.
const CUSTOM_SCOS: [(&str, &str, &str); 3] = [
    (
        "phone-number",
        "A telephone number",
        "phone-number: a telephone number, as OpenCTI defines the type. Properties: value \
         (string, required, E.164 form such as +18888391214). The id is computed from value.",
    ),
    (
        "cryptocurrency-wallet",
        "A cryptocurrency wallet address",
        "cryptocurrency-wallet: a cryptocurrency address, as OpenCTI defines the type. \
         Properties: value (string, required: a bitcoin or litecoin address as written or bech32 \
         in lower case, an ethereum address as 0x and lowercase hex, a tron address in base58). \
         The id is computed from value.",
    ),
    (
        "bank-account",
        "A bank account",
        "bank-account: a bank account, as OpenCTI defines the type. Properties: iban (string, \
         required, upper case without spaces). The id is computed from iban.",
    ),
];

fn is_custom(sco: &str) -> bool {
    CUSTOM_SCOS.iter().any(|(t, _, _)| *t == sco)
}

/// Writes the reports of `input` as one STIX 2.1 bundle.
pub fn bundle(input: &ExportInput) -> Value {
    let reports: Vec<&Report> = input.reports.iter().copied().filter(|r| r.revoked_at.is_none()).collect();
    let names: BTreeMap<OrgId, &str> = input.orgs.iter().map(|(id, n)| (*id, n.as_str())).collect();

    let mut objects: BTreeMap<String, Value> = BTreeMap::new();
    let mut used_tlps: BTreeSet<Tlp> = BTreeSet::new();
    let mut custom_used: BTreeSet<&'static str> = BTreeSet::new();
    // SCO id -> (observable, most restrictive TLP of the reports holding it).
    let mut scos: BTreeMap<String, (Observable, Tlp)> = BTreeMap::new();
    let mut indicators_of_export: Vec<(String, Tlp, DateTime<Utc>, OrgId)> = Vec::new();

    for report in &reports {
        used_tlps.insert(report.tlp);
        let author = identity_id(report.author);
        objects
            .entry(author.clone())
            .or_insert_with(|| identity(report.author, names.get(&report.author).copied()));
        let created = timestamp(report.created_at);
        let marking = report.tlp.stix_marking_id();
        let redact = Redactor::new(report);
        let mut refs: BTreeSet<String> = BTreeSet::new();
        refs.insert(author.clone());
        for o in &report.observables {
            if redact.hides(o.kind, &o.value) {
                continue;
            }
            let obs = Observable { kind: o.kind, value: o.value.clone() };
            let sco = stix_id(&obs);
            let entry = scos.entry(sco.clone()).or_insert((obs.clone(), report.tlp));
            entry.1 = entry.1.max(report.tlp);
            if is_custom(sco_type(o.kind)) {
                custom_used.insert(sco_type(o.kind));
            }
            let ind = indicator_id(report.id, &sco);
            if objects.contains_key(&ind) {
                continue; // the same observable twice in one report (with two roles)
            }
            let mut indicator = json!({
                "type": "indicator",
                "spec_version": "2.1",
                "id": ind,
                "created": created,
                "modified": created,
                "created_by_ref": author,
                "name": format!("{} {}", o.kind, o.value),
                "indicator_types": ["malicious-activity"],
                "pattern": pattern_of(&obs),
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": created,
                "object_marking_refs": [marking],
            });
            let roles: BTreeSet<&str> = report
                .observables
                .iter()
                .filter(|x| x.kind == o.kind && x.value == o.value)
                .filter_map(|x| x.role.as_deref())
                .filter(|r| !r.trim().is_empty())
                .collect();
            if !roles.is_empty() {
                indicator["labels"] = json!(roles.into_iter().map(|r| redact.text(r)).collect::<Vec<_>>());
            }
            let rel = relationship("based-on", &ind, &sco, &created, &author, marking);
            refs.insert(ind.clone());
            refs.insert(sco.clone());
            refs.insert(rel["id"].as_str().unwrap_or_default().to_owned());
            objects.insert(rel["id"].as_str().unwrap_or_default().to_owned(), rel);
            objects.insert(ind.clone(), indicator);
            indicators_of_export.push((ind, report.tlp, report.created_at, report.author));
        }
        let title = redact.text(report.title.trim());
        let name = if title.is_empty() { format!("dragnet report {}", report.id) } else { title };
        let mut sdo = json!({
            "type": "report",
            "spec_version": "2.1",
            "id": report_id(report.id),
            "created": created,
            "modified": created,
            "created_by_ref": author,
            "name": name,
            "published": created,
            "report_types": match report.kind {
                ReportKind::Intel => json!(["threat-report"]),
                ReportKind::Scam => json!(["threat-report", "scam"]),
            },
            "object_refs": refs.into_iter().collect::<Vec<_>>(),
            "object_marking_refs": [marking],
            "external_references": [{ "source_name": "dragnet", "external_id": report.id.to_string() }],
        });
        let narrative = redact.text(&report.narrative);
        if !narrative.trim().is_empty() {
            sdo["description"] = json!(narrative);
        }
        let labels: Vec<String> =
            dedup(report.labels.iter().map(|l| redact.text(l)).filter(|l| !l.is_empty()));
        if !labels.is_empty() {
            sdo["labels"] = json!(labels);
        }
        objects.insert(report_id(report.id), sdo);
    }

    for (id, (obs, tlp)) in &scos {
        objects.insert(id.clone(), sco_object(id, obs, *tlp));
    }

    let first = reports.iter().map(|r| r.created_at).min();
    let last = reports.iter().map(|r| r.created_at).max();
    let widest = reports.iter().map(|r| r.tlp).max();
    match (&input.context, first, last, widest) {
        (ExportContext::Reports, ..) => {}
        (ExportContext::Campaign { id, name, first_seen, last_seen }, Some(first), Some(last), Some(tlp)) => {
            let campaign_id = derived_id("campaign", id);
            let mut campaign = json!({
                "type": "campaign",
                "spec_version": "2.1",
                "id": campaign_id,
                "created": timestamp(first),
                "modified": timestamp(last),
                "created_by_ref": dragnet_identity_id(),
                "name": if name.trim().is_empty() { format!("dragnet campaign {id}") } else { name.clone() },
                "object_marking_refs": [tlp.stix_marking_id()],
            });
            if let Some(t) = first_seen {
                campaign["first_seen"] = json!(timestamp(*t));
            }
            if let Some(t) = last_seen {
                campaign["last_seen"] = json!(timestamp(*t));
            }
            for (ind, tlp, at, org) in &indicators_of_export {
                let at = timestamp(*at);
                let rel = relationship(
                    "indicates",
                    ind,
                    &campaign_id,
                    &at,
                    &identity_id(*org),
                    tlp.stix_marking_id(),
                );
                objects.insert(rel["id"].as_str().unwrap_or_default().to_owned(), rel);
            }
            objects.insert(campaign_id, campaign);
            objects.insert(dragnet_identity_id(), dragnet_identity());
        }
        (ExportContext::Network { id, name }, Some(first), Some(last), Some(tlp)) => {
            let grouping_id = derived_id("grouping", id);
            let refs: BTreeSet<String> = reports.iter().map(|r| report_id(r.id)).collect();
            let grouping = json!({
                "type": "grouping",
                "spec_version": "2.1",
                "id": grouping_id,
                "created": timestamp(first),
                "modified": timestamp(last),
                "created_by_ref": dragnet_identity_id(),
                "name": if name.trim().is_empty() { format!("dragnet network {id}") } else { name.clone() },
                "context": "suspicious-activity",
                "object_refs": refs.into_iter().collect::<Vec<_>>(),
                "object_marking_refs": [tlp.stix_marking_id()],
            });
            objects.insert(grouping_id, grouping);
            objects.insert(dragnet_identity_id(), dragnet_identity());
        }
        // A campaign or network none of whose reports may be exported: nothing to say.
        _ => {}
    }

    if !custom_used.is_empty() {
        objects.insert(dragnet_identity_id(), dragnet_identity());
        for (sco, name, schema) in CUSTOM_SCOS {
            if custom_used.contains(sco) {
                let id = sco_extension_id(sco);
                objects.insert(
                    id.clone(),
                    json!({
                        "type": "extension-definition",
                        "spec_version": "2.1",
                        "id": id,
                        "created": DRAGNET_OBJECTS_CREATED,
                        "modified": DRAGNET_OBJECTS_CREATED,
                        "created_by_ref": dragnet_identity_id(),
                        "name": sco,
                        "description": name,
                        "schema": schema,
                        "version": "1.0.0",
                        "extension_types": ["new-sco"],
                    }),
                );
            }
        }
    }
    // Every object written carries a marking; objects without one (identities, extension
    // definitions) are public descriptions.
    for tlp in &used_tlps {
        objects.insert(tlp.stix_marking_id().to_owned(), tlp_marking(*tlp));
    }
    if !used_tlps.is_empty() {
        objects.insert(TLP2_EXTENSION_ID.to_owned(), tlp2_extension_definition());
    }

    let objects: Vec<Value> = objects.into_values().collect();
    let content = model::stix::jcs(&Value::Array(objects.clone()));
    let bundle_id = format!("bundle--{}", Uuid::new_v5(&DRAGNET_NAMESPACE, content.as_bytes()));
    json!({ "type": "bundle", "id": bundle_id, "objects": objects })
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items.filter(|s| seen.insert(s.clone())).collect()
}

fn identity(org: OrgId, name: Option<&str>) -> Value {
    let created = org
        .0
        .get_timestamp()
        .and_then(|ts| {
            let (secs, nanos) = ts.to_unix();
            DateTime::<Utc>::from_timestamp(i64::try_from(secs).ok()?, nanos)
        })
        .map_or_else(|| FALLBACK_CREATED.to_owned(), timestamp);
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map_or_else(|| format!("organisation {org}"), str::to_owned);
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id(org),
        "created": created,
        "modified": created,
        "name": name,
        "identity_class": "organization",
    })
}

fn dragnet_identity() -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": dragnet_identity_id(),
        "created": DRAGNET_OBJECTS_CREATED,
        "modified": DRAGNET_OBJECTS_CREATED,
        "name": "dragnet",
        "description": "The dragnet cybercrime intelligence exchange",
        "identity_class": "system",
    })
}

fn relationship(kind: &str, source: &str, target: &str, created: &str, author: &str, marking: &str) -> Value {
    json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": derived_id("relationship", &format!("{kind}|{source}|{target}")),
        "created": created,
        "modified": created,
        "created_by_ref": author,
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
        "object_marking_refs": [marking],
    })
}

/// The SCO for one observable: its id-contributing properties plus the common ones.
fn sco_object(id: &str, obs: &Observable, tlp: Tlp) -> Value {
    let sco = sco_type(obs.kind);
    let mut map = Map::new();
    map.insert("type".into(), json!(sco));
    map.insert("spec_version".into(), json!("2.1"));
    map.insert("id".into(), json!(id));
    if let Value::Object(props) = model::stix::contributing_properties(obs) {
        map.extend(props);
    }
    if is_custom(sco) {
        map.insert("extensions".into(), json!({ sco_extension_id(sco): { "extension_type": "new-sco" } }));
    }
    map.insert("object_marking_refs".into(), json!([tlp.stix_marking_id()]));
    Value::Object(map)
}

/// The pattern naming one observable, written with the pattern module's escaping.
pub fn pattern_of(obs: &Observable) -> String {
    let sco = sco_type(obs.kind);
    if let Some(key) = hash_key(obs.kind) {
        return equality_pattern(sco, &["hashes", key], &obs.value);
    }
    match obs.kind {
        ObservableKind::Telegram => {
            format!(
                "[user-account:account_type = 'telegram' AND user-account:user_id = '{}']",
                escape(&obs.value)
            )
        }
        ObservableKind::RemoteAccess => {
            let (tool, id) = obs.value.split_once(':').unwrap_or(("", &obs.value));
            format!(
                "[user-account:account_type = '{}' AND user-account:user_id = '{}']",
                escape(tool),
                escape(id)
            )
        }
        ObservableKind::Iban => equality_pattern(sco, &["iban"], &obs.value),
        _ => equality_pattern(sco, &["value"], &obs.value),
    }
}

fn tlp_marking(tlp: Tlp) -> Value {
    let level = tlp.as_str().to_ascii_lowercase();
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp.stix_marking_id(),
        "created": TLP2_CREATED,
        "name": format!("TLP:{}", tlp.as_str()),
        "extensions": {
            TLP2_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": level,
            }
        },
    })
}

fn tlp2_extension_definition() -> Value {
    json!({
        "id": TLP2_EXTENSION_ID,
        "type": "extension-definition",
        "spec_version": "2.1",
        "name": "TLP 2.0",
        "description": "This defines TLP 2.0 as a STIX extension",
        "created": TLP2_CREATED,
        "modified": TLP2_CREATED,
        "created_by_ref": "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01",
        "schema": "https://github.com/oasis-open/cti-stix-common-objects/tree/master/extension-definition-specifications/tlp-2.0",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    })
}

/// The report with its victim PII taken out, as it may leave the reporting organisation
/// (federation): observables equal to one of the PII values left out, the values redacted from
/// the title, narrative, labels and roles, and `victim_pii` emptied. `report.victim_pii` must
/// hold the data to redact (a report without it is returned as it is).
pub fn without_victim_pii(report: &Report) -> Report {
    let redact = Redactor::new(report);
    let mut out = report.clone();
    out.victim_pii = None;
    out.observables.retain(|o| !redact.hides(o.kind, &o.value));
    for o in &mut out.observables {
        if let Some(role) = &o.role {
            o.role = Some(redact.text(role));
        }
        if o.original.as_deref().is_some_and(|v| redact.hides(o.kind, v)) {
            o.original = None;
        }
    }
    out.title = redact.text(&report.title);
    out.narrative = redact.text(&report.narrative);
    out.labels = report.labels.iter().map(|l| redact.text(l)).collect();
    out
}

/// What a report's victim PII forbids: observables equal to one of its values (as written or
/// canonical) and any occurrence of its values in text. Shared with the MISP exporter.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    values: Vec<String>,
    canonical: Vec<Observable>,
}

impl Redactor {
    /// The redactor of one report (nothing to redact when it carries no victim data).
    pub fn new(report: &Report) -> Self {
        let mut values = Vec::new();
        let mut canonical = Vec::new();
        if let Some(pii) = &report.victim_pii {
            for v in [&pii.name, &pii.phone, &pii.email, &pii.address, &pii.notes].into_iter().flatten() {
                let v = v.trim();
                if v.chars().count() >= 3 {
                    values.push(v.to_owned());
                }
            }
            let opts = CanonicalizeOptions::default();
            for (kind, v) in [(ObservableKind::Phone, &pii.phone), (ObservableKind::Email, &pii.email)] {
                if let Some(c) = v.as_deref().and_then(|v| canonicalize(kind, v, &opts).ok()) {
                    canonical.push(c.observable);
                }
            }
        }
        // Longest first, so a value containing another is replaced whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        Redactor { values, canonical }
    }

    /// Whether an observable of the report must be left out (it is, or holds, victim data).
    pub fn hides(&self, kind: ObservableKind, value: &str) -> bool {
        self.canonical.iter().any(|o| o.kind == kind && o.value == value)
            || self.values.iter().any(|v| value.contains(v.as_str()))
    }

    /// `s` with every victim value replaced by `[redacted]`.
    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), "[redacted]");
            }
        }
        out
    }
}
