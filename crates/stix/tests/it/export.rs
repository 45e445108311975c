use std::collections::BTreeSet;

use model::ObservableKind;
use serde_json::Value;
use stix::export::{ExportContext, ExportInput, bundle, report_id};
use stix::pattern::parse;

use crate::sample;

fn orgs() -> Vec<(model::OrgId, String)> {
    vec![(sample::org(1), "Hotline".into()), (sample::org(2), "CERT".into())]
}

fn objects(b: &Value) -> &Vec<Value> {
    b["objects"].as_array().unwrap()
}

fn of_type<'a>(b: &'a Value, t: &str) -> Vec<&'a Value> {
    objects(b).iter().filter(|o| o["type"] == t).collect()
}

fn is_stix_id(id: &str) -> bool {
    let Some((t, uuid)) = id.split_once("--") else { return false };
    let uuid_ok = uuid::Uuid::parse_str(uuid).is_ok_and(|u| (1..=5).contains(&u.get_version_num()))
        && uuid.len() == 36
        && uuid == uuid.to_lowercase();
    !t.is_empty() && t.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-') && uuid_ok
}

#[test]
fn every_kind_bundle_has_the_expected_objects() {
    let a = sample::every_kind_report();
    let b = sample::intel_report();
    let out = bundle(&ExportInput { reports: vec![&a, &b], orgs: orgs(), context: ExportContext::Reports });
    assert_eq!(out["type"], "bundle");
    assert!(is_stix_id(out["id"].as_str().unwrap()));
    let kinds = a.observables.len();
    assert_eq!(kinds, ObservableKind::ALL.len());
    // Two reports, two identities, AMBER and GREEN markings, the TLP extension, dragnet's
    // identity and three custom-SCO extension definitions; an indicator and a relationship per
    // observable of each report; one SCO per distinct value (the intel report repeats two).
    assert_eq!(of_type(&out, "report").len(), 2);
    assert_eq!(of_type(&out, "identity").len(), 3);
    assert_eq!(of_type(&out, "marking-definition").len(), 2);
    assert_eq!(of_type(&out, "extension-definition").len(), 4);
    assert_eq!(of_type(&out, "indicator").len(), kinds + 2);
    assert_eq!(of_type(&out, "relationship").len(), kinds + 2);
    let scos = objects(&out)
        .iter()
        .filter(|o| {
            o.get("value").is_some()
                || o.get("hashes").is_some()
                || o.get("iban").is_some()
                || o.get("user_id").is_some()
        })
        .count();
    assert_eq!(scos, kinds);

    let report = objects(&out).iter().find(|o| o["id"] == report_id(a.id)).unwrap();
    assert_eq!(report["created"], "2026-01-12T08:17:27.123Z");
    assert_eq!(report["published"], "2026-01-12T08:17:27.123Z");
    assert_eq!(report["report_types"], serde_json::json!(["threat-report", "scam"]));
    assert_eq!(report["object_marking_refs"][0], "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
    assert_eq!(report["external_references"][0]["external_id"], a.id.to_string());
    assert_eq!(report["labels"], serde_json::json!(["tech-support", "refund"]));
    // Every object the report holds is in the bundle.
    let ids: BTreeSet<&str> = objects(&out).iter().map(|o| o["id"].as_str().unwrap()).collect();
    for r in report["object_refs"].as_array().unwrap() {
        assert!(ids.contains(r.as_str().unwrap()), "{r}");
    }
    // The untitled report gets a name.
    let intel = objects(&out).iter().find(|o| o["id"] == report_id(b.id)).unwrap();
    assert_eq!(intel["name"], format!("dragnet report {}", b.id));
    assert!(intel.get("description").is_none());

    // The shared domain is marked with the most restrictive TLP of the two reports.
    let domain = objects(&out).iter().find(|o| o["type"] == "domain-name").unwrap();
    assert_eq!(domain["value"], "login-secure.example.com");
    assert_eq!(
        domain["id"],
        model::stix::stix_id(&model::Observable {
            kind: ObservableKind::Domain,
            value: "login-secure.example.com".into()
        })
    );
    assert_eq!(domain["object_marking_refs"][0], "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
    // Custom SCOs name their extension definition.
    let phone = objects(&out).iter().find(|o| o["type"] == "phone-number").unwrap();
    assert_eq!(phone["value"], "+18888391214");
    let ext = stix::export::sco_extension_id("phone-number");
    assert_eq!(phone["extensions"][&ext]["extension_type"], "new-sco");
    assert!(ids.contains(ext.as_str()));
    // TLP markings exactly as OASIS publishes them.
    let amber = objects(&out)
        .iter()
        .find(|o| o["id"] == "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421")
        .unwrap();
    assert_eq!(
        *amber,
        serde_json::json!({
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            "created": "2022-10-01T00:00:00.000Z",
            "name": "TLP:AMBER",
            "extensions": {
                "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                    "extension_type": "property-extension",
                    "tlp_2_0": "amber"
                }
            }
        })
    );
}

#[test]
fn ids_are_well_formed_and_unique_and_timestamps_have_milliseconds() {
    let a = sample::every_kind_report();
    let b = sample::intel_report();
    let ctx = ExportContext::Campaign {
        id: "17".into(),
        name: "Refund callers".into(),
        first_seen: None,
        last_seen: None,
    };
    let out = bundle(&ExportInput { reports: vec![&a, &b], orgs: orgs(), context: ctx });
    let mut seen = BTreeSet::new();
    fn walk(v: &Value, key: &str, f: &mut dyn FnMut(&str, &str)) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, x)| walk(x, k, f)),
            Value::Array(items) => items.iter().for_each(|x| walk(x, key, f)),
            Value::String(s) => f(key, s),
            _ => {}
        }
    }
    for o in objects(&out) {
        let id = o["id"].as_str().unwrap();
        assert!(is_stix_id(id), "{id}");
        assert!(id.starts_with(&format!("{}--", o["type"].as_str().unwrap())), "{id}");
        assert!(seen.insert(id.to_owned()), "duplicate {id}");
        walk(o, "", &mut |k, s| {
            if k.ends_with("_ref") || k.ends_with("_refs") {
                assert!(is_stix_id(s), "{k}: {s}");
            }
            if ["created", "modified", "published", "valid_from", "first_seen", "last_seen"].contains(&k) {
                assert_eq!(s.len(), 24, "{k}: {s}");
                assert!(chrono::DateTime::parse_from_rfc3339(s).is_ok(), "{k}: {s}");
            }
        });
    }
    let campaign = &of_type(&out, "campaign")[0];
    let indicates = objects(&out).iter().filter(|o| o["relationship_type"] == "indicates").count();
    assert_eq!(indicates, of_type(&out, "indicator").len());
    assert_eq!(campaign["name"], "Refund callers");
}

#[test]
fn network_context_groups_the_reports() {
    let a = sample::every_kind_report();
    let b = sample::intel_report();
    let ctx = ExportContext::Network { id: "n1".into(), name: "Network".into() };
    let out = bundle(&ExportInput { reports: vec![&a, &b], orgs: orgs(), context: ctx });
    let g = &of_type(&out, "grouping")[0];
    assert_eq!(g["context"], "suspicious-activity");
    assert_eq!(g["object_refs"].as_array().unwrap().len(), 2);
    assert_eq!(g["object_marking_refs"][0], "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = sample::every_kind_report();
    let b = sample::intel_report();
    let one = serde_json::to_string(&bundle(&ExportInput {
        reports: vec![&a, &b],
        orgs: orgs(),
        context: ExportContext::Reports,
    }))
    .unwrap();
    let two = serde_json::to_string(&bundle(&ExportInput {
        reports: vec![&b, &a],
        orgs: orgs().into_iter().rev().collect(),
        context: ExportContext::Reports,
    }))
    .unwrap();
    assert_eq!(one, two);
    let other = serde_json::to_string(&bundle(&ExportInput {
        reports: vec![&a],
        orgs: orgs(),
        context: ExportContext::Reports,
    }))
    .unwrap();
    assert_ne!(one, other);
}

#[test]
fn no_victim_pii_and_no_revoked_report() {
    let mut a = sample::every_kind_report();
    let pii = a.victim_pii.clone().unwrap();
    // Even written into the shareable text and as an observable, PII does not leave.
    a.narrative.push_str(" Victim: Margarethe Quellenberg.");
    a.labels.push("Margarethe Quellenberg".into());
    a.observables.push(model::ReportObservable {
        kind: ObservableKind::Phone,
        value: "+442079460321".into(),
        original: Some("+44 20 7946 0321".into()),
        role: Some("victim-phone".into()),
    });
    let mut revoked = sample::intel_report();
    revoked.revoked_at = Some(sample::at(20));
    let out = serde_json::to_string(&bundle(&ExportInput {
        reports: vec![&a, &revoked],
        orgs: orgs(),
        context: ExportContext::Reports,
    }))
    .unwrap();
    for v in [pii.name, pii.phone, pii.email, pii.address, pii.notes].into_iter().flatten() {
        assert!(!out.contains(&v), "{v} leaked");
    }
    for v in ["+442079460321", "Quellenberg", "7946"] {
        assert!(!out.contains(v), "{v} leaked");
    }
    assert!(out.contains("[redacted]"));
    assert!(!out.contains(&report_id(revoked.id)));
    assert!(!out.contains("\"CERT\""), "the revoked report's author is not named");
}

#[test]
fn every_indicator_pattern_parses_back_to_its_value() {
    let a = sample::every_kind_report();
    let out = bundle(&ExportInput { reports: vec![&a], orgs: orgs(), context: ExportContext::Reports });
    let mut found = 0;
    for ind in of_type(&out, "indicator") {
        let p = parse(ind["pattern"].as_str().unwrap()).unwrap();
        let eq = p.equalities();
        let value = &eq.last().unwrap().value;
        let obs = a
            .observables
            .iter()
            .find(|o| o.value == *value || o.value.ends_with(&format!(":{value}")))
            .unwrap();
        assert_eq!(eq[0].object_type, model::stix::sco_type(obs.kind));
        found += 1;
    }
    assert_eq!(found, a.observables.len());
    // A value with quotes and backslashes survives the round trip.
    let url = a.observables.iter().find(|o| o.kind == ObservableKind::Url).unwrap();
    assert!(url.value.contains('\''), "{}", url.value);
    let pattern = stix::export::pattern_of(&model::Observable {
        kind: ObservableKind::Url,
        value: "http://x.example/a'b\\c".into(),
    });
    assert_eq!(parse(&pattern).unwrap().equalities()[0].value, "http://x.example/a'b\\c");
}

#[test]
fn demo_reports_export() {
    let (reports, orgs) = sample::demo_reports(60);
    let out =
        bundle(&ExportInput { reports: reports.iter().collect(), orgs, context: ExportContext::Reports });
    assert_eq!(of_type(&out, "report").len(), 60);
    for ind in of_type(&out, "indicator") {
        parse(ind["pattern"].as_str().unwrap()).unwrap();
    }
    let text = serde_json::to_string(&out).unwrap();
    for r in &reports {
        if let Some(p) = &r.victim_pii {
            for v in [&p.name, &p.phone, &p.email, &p.address, &p.notes].into_iter().flatten() {
                assert!(v.trim().chars().count() < 3 || !text.contains(v.trim()), "{v} leaked");
            }
        }
    }
}

#[test]
fn without_victim_pii_redacts_what_a_federated_copy_holds() {
    let mut a = sample::every_kind_report();
    let pii = a.victim_pii.clone().unwrap();
    a.narrative.push_str(" Victim: Margarethe Quellenberg.");
    a.title.push_str(" (Margarethe Quellenberg)");
    a.labels.push("Margarethe Quellenberg".into());
    a.observables.push(model::ReportObservable {
        kind: ObservableKind::Phone,
        value: "+442079460321".into(),
        original: Some("+44 20 7946 0321".into()),
        role: Some("victim-phone".into()),
    });
    let kept = a.observables.len() - 1;
    let out = stix::export::without_victim_pii(&a);
    assert_eq!(out.victim_pii, None);
    assert_eq!(out.observables.len(), kept, "the victim's phone is left out");
    let text = serde_json::to_string(&out).unwrap();
    for v in [pii.name, pii.phone, pii.email, pii.address, pii.notes].into_iter().flatten() {
        assert!(!text.contains(&v), "{v} leaked");
    }
    for v in ["+442079460321", "Quellenberg"] {
        assert!(!text.contains(v), "{v} leaked");
    }
    assert!(out.narrative.contains("[redacted]") && out.title.contains("[redacted]"));
    // Without victim data there is nothing to redact.
    let plain = sample::intel_report();
    assert_eq!(stix::export::without_victim_pii(&plain), plain);
}
