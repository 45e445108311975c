use model::{ObservableKind, Tlp};
use serde_json::json;
use stix::import::{ROLE_INDICATOR, map_objects};

use crate::bundle_objects;

#[test]
fn apt1_maps_its_report_and_reports_the_networks() {
    let m = map_objects(&bundle_objects("oasis-examples/threat-reports/apt1.json"));
    assert_eq!(m.reports.len(), 1);
    let r = &m.reports[0];
    assert_eq!(r.stix_id, "report--e33ffe07-2f4c-48d8-b0af-ee2619d765cf");
    assert_eq!(r.id.to_string(), "e33ffe07-2f4c-48d8-b0af-ee2619d765cf");
    assert_eq!(r.title, "APT1: Exposing One of China's Cyber Espionage Units");
    assert!(r.narrative.starts_with("Since 2004, Mandiant"));
    assert_eq!(r.labels, vec!["threat-report", "threat-actor"]);
    assert_eq!(r.published.unwrap().to_rfc3339(), "2013-02-19T00:00:00+00:00");
    let values: Vec<(ObservableKind, &str)> =
        r.observables.iter().map(|o| (o.kind, o.value.as_str())).collect();
    assert_eq!(values.len(), 6);
    assert!(values.contains(&(ObservableKind::Domain, "hugesoft.org")));
    assert!(values.contains(&(ObservableKind::Md5, "001dd76872d80801692ff942308c64e6")));
    assert!(r.observables.iter().all(|o| o.role.as_deref() == Some(ROLE_INDICATOR)));
    // The four /15 networks are reported, not dropped silently.
    assert_eq!(m.errors.len(), 4, "{:?}", m.errors);
    assert_eq!(
        m.errors[0].to_string(),
        "objects[10] (indicator--031778a4-057f-48e6-9db9-c8d72b81ccd5): pattern: ipv4-addr:value: \"223.166.0.0/15\" is a network, not a single address (skipped)"
    );
    assert!(m.loose.is_empty());
}

#[test]
fn poisonivy_maps_indicators_with_shared_values_merged() {
    let m = map_objects(&bundle_objects("oasis-examples/threat-reports/poisonivy.json"));
    let r = &m.reports[0];
    assert_eq!(r.created_by_ref.as_deref(), Some("identity--81cade27-7df8-4730-836b-62d880e6d9d3"));
    let ip = r.observables.iter().filter(|o| o.value == "60.2.148.167").count();
    assert_eq!(ip, 1, "an address several indicators name appears once");
    assert!(
        r.observables
            .iter()
            .any(|o| o.kind == ObservableKind::Domain && o.value == "www.webserver.dynssl.com")
    );
    // 'domain autuo.xicp.net' is not a domain: one explained error.
    assert_eq!(m.errors.len(), 1);
    assert!(m.errors[0].message.contains("invalid domain"), "{}", m.errors[0]);
}

#[test]
fn loose_indicators_and_scos() {
    let m = map_objects(&bundle_objects("oasis-examples/indicator-for-c2-ip-address.json"));
    assert!(m.reports.is_empty() && m.errors.is_empty());
    assert_eq!(m.loose.len(), 1);
    assert_eq!((m.loose[0].kind, m.loose[0].value.as_str()), (ObservableKind::Ipv4, "10.0.0.0"));
    assert_eq!(m.loose[0].source_id.as_deref(), Some("indicator--33fe3b22-0201-47cf-85d0-97c02164528d"));

    let m = map_objects(&bundle_objects("oasis-examples/indicators-for-C2-with-COA.json"));
    assert!(m.loose.iter().any(|o| o.kind == ObservableKind::Sha256
        && o.value == "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"));

    let m = map_objects(&bundle_objects("oasis-examples/infrastructure.json"));
    let ip = m.loose.iter().find(|o| o.kind == ObservableKind::Ipv4).unwrap();
    assert_eq!(ip.value, "198.51.100.3");
    assert_eq!(ip.role, None);
    assert_eq!(ip.source_id.as_deref(), Some("ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956"));
}

#[test]
fn ics_attack_maps_without_errors() {
    let objects = bundle_objects("attack/ics-attack.json");
    assert_eq!(objects.len(), 1826);
    let m = map_objects(&objects);
    assert!(m.errors.is_empty(), "{:?}", m.errors.first());
    assert!(m.reports.is_empty() && m.loose.is_empty());
}

#[test]
fn canonicalisation_recomputes_the_id_and_tlp1_maps_to_tlp2() {
    let objects = vec![
        json!({"type": "domain-name", "spec_version": "2.1", "id": "domain-name--a0c1e0e4-1b1e-5b6a-9d0f-6c3b8a7e7c11", "value": "Example.COM"}),
        json!({"type": "phone-number", "id": "phone-number--1", "value": "+1 (888) 839-1214"}),
        json!({"type": "cryptocurrency-wallet", "id": "cryptocurrency-wallet--1", "value": "0x52908400098527886E0F7030069857D2E4169EE7"}),
        json!({"type": "bank-account", "id": "bank-account--1", "iban": "GB82 WEST 1234 5698 7654 32"}),
        json!({"type": "user-account", "id": "user-account--1", "account_type": "telegram", "account_login": "Scam_Support"}),
        json!({"type": "user-account", "id": "user-account--2", "account_type": "anydesk", "user_id": "123 456 789"}),
        json!({"type": "file", "id": "file--1", "hashes": {"MD5": "D41D8CD98F00B204E9800998ECF8427E", "SHA-512": "ab"}}),
        json!({"type": "indicator", "id": "indicator--1", "pattern_type": "stix",
               "pattern": "[user-account:account_type = 'telegram' AND user-account:user_id = '@other_one'] OR [bank-account:iban = 'DE89370400440532013000']"}),
        json!({"type": "report", "id": "report--6a2e7a8c-1f51-4c5c-9a5e-0f0d1f7c2b11", "name": "r", "report_types": ["threat-report"], "labels": ["threat-report", "x"],
               "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
               "object_refs": ["domain-name--a0c1e0e4-1b1e-5b6a-9d0f-6c3b8a7e7c11", "phone-number--1", "cryptocurrency-wallet--1", "bank-account--1",
                               "user-account--1", "user-account--2", "file--1", "indicator--1", "identity--missing"]}),
    ];
    let m = map_objects(&objects);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert!(m.loose.is_empty());
    let r = &m.reports[0];
    assert_eq!(r.tlp, Some(Tlp::Amber), "TLP 1.0 GREEN and AMBER: the more restrictive, as TLP 2.0");
    assert_eq!(r.labels, vec!["threat-report", "x"]);
    let got: Vec<(ObservableKind, &str)> = r.observables.iter().map(|o| (o.kind, o.value.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (ObservableKind::Domain, "example.com"),
            (ObservableKind::Phone, "+18888391214"),
            (ObservableKind::Eth, "0x52908400098527886e0f7030069857d2e4169ee7"),
            (ObservableKind::Iban, "GB82WEST12345698765432"),
            (ObservableKind::Telegram, "@scam_support"),
            (ObservableKind::RemoteAccess, "anydesk:123456789"),
            (ObservableKind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
            (ObservableKind::Telegram, "@other_one"),
            (ObservableKind::Iban, "DE89370400440532013000"),
        ]
    );
    let d = &r.observables[0];
    assert_eq!(d.original.as_deref(), Some("Example.COM"));
    assert_eq!(d.source_id.as_deref(), Some("domain-name--a0c1e0e4-1b1e-5b6a-9d0f-6c3b8a7e7c11"));
    assert_eq!(
        d.stix_id,
        model::stix::stix_id(&model::Observable {
            kind: ObservableKind::Domain,
            value: "example.com".into()
        })
    );
    assert_ne!(d.stix_id, "domain-name--a0c1e0e4-1b1e-5b6a-9d0f-6c3b8a7e7c11");
}

#[test]
fn malformed_objects_give_per_object_errors_and_the_rest_maps() {
    let objects = vec![
        json!("not an object"),
        json!({"id": "x--1"}),
        json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": 17}),
        json!({"type": "ipv4-addr", "id": "ipv4-addr--2", "value": "300.1.1.1"}),
        json!({"type": "indicator", "id": "indicator--bad", "pattern_type": "stix", "pattern": "[ipv4-addr:value = '1.2.3.4'"}),
        json!({"type": "report", "id": "report--0a6d3c2e-8b8e-4b7e-8f7d-2c1e2b3c4d5e", "object_refs": []}),
        json!({"type": "report", "id": "report--1a6d3c2e-8b8e-4b7e-8f7d-2c1e2b3c4d5e", "name": "ok", "created": "2017-13-01T00:00:00Z",
               "object_refs": ["ipv4-addr--3", "indicator--bad"]}),
        json!({"type": "ipv4-addr", "id": "ipv4-addr--3", "value": "203.0.113.9/32"}),
        json!({"type": "indicator", "id": "indicator--sigma", "pattern_type": "sigma", "pattern": "title: x"}),
    ];
    let m = map_objects(&objects);
    let errors: Vec<String> = m.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        vec![
            "objects[0]: not a json object",
            "objects[1] (x--1): type: missing or not a string",
            "objects[2] (ipv4-addr--1): value: not a string",
            "objects[3] (ipv4-addr--2): value: invalid ipv4: octet 300 is out of range (0-255)",
            "objects[4] (indicator--bad): pattern: expected ']', found end of pattern at 28",
            "objects[5] (report--0a6d3c2e-8b8e-4b7e-8f7d-2c1e2b3c4d5e): name: missing or not a string",
            "objects[6] (report--1a6d3c2e-8b8e-4b7e-8f7d-2c1e2b3c4d5e): created: invalid timestamp \"2017-13-01T00:00:00Z\"",
        ]
    );
    assert_eq!(m.reports.len(), 1);
    let r = &m.reports[0];
    assert_eq!(r.created, None);
    assert_eq!(r.observables.len(), 1);
    assert_eq!(r.observables[0].value, "203.0.113.9");
    assert_eq!(r.observables[0].original.as_deref(), Some("203.0.113.9/32"));
}

#[test]
fn what_dragnet_exports_maps_back() {
    use crate::sample;
    let a = sample::every_kind_report();
    let out = stix::export::bundle(&stix::export::ExportInput {
        reports: vec![&a],
        orgs: vec![],
        context: stix::export::ExportContext::Reports,
    });
    let m = map_objects(out["objects"].as_array().unwrap());
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let r = &m.reports[0];
    assert_eq!(r.tlp, Some(Tlp::Amber));
    let mut got: Vec<(ObservableKind, String)> =
        r.observables.iter().map(|o| (o.kind, o.value.clone())).collect();
    let mut want: Vec<(ObservableKind, String)> =
        a.observables.iter().map(|o| (o.kind, o.value.clone())).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}
