//! The MISP mapping: every mapped type, tags, distribution, unknown types, malformed input,
//! sightings, and the way back (export) with victim data.

use chrono::{TimeZone, Utc};
use misp::appendix::{self, SightingType};
use misp::import::{Distribution, MappedEvent, access, map_event, map_event_text};
use model::report::ReportObservable;
use model::{
    Audience, CanonicalizeOptions, CommunityId, ObservableKind as K, OrgId, Report, ReportKind, Tlp,
};
use serde_json::{Value, json};
use uuid::Uuid;

const EVENT: &str = "5f1e3c32-0a3a-4e7b-9a49-7b7c0e0d1c11";

fn opts() -> CanonicalizeOptions {
    CanonicalizeOptions::default()
}

fn attr(uuid: &str, t: &str, value: &str) -> Value {
    json!({"uuid": uuid, "type": t, "value": value, "category": "Network activity", "to_ids": true})
}

fn event(attributes: Vec<Value>) -> Value {
    json!({"Event": {
        "uuid": EVENT, "info": "Phishing wave", "date": "2026-03-01", "distribution": "3",
        "Orgc": {"name": "CIRCL"},
        "Tag": [{"name": "tlp:amber"}, {"name": "misp-galaxy:threat-actor=\"X\""}],
        "Attribute": attributes,
    }})
}

fn map(doc: &Value) -> MappedEvent {
    map_event(doc, &opts()).expect("the event maps")
}

fn observables(m: &MappedEvent) -> Vec<(K, String, String)> {
    m.parts.iter().flat_map(|p| &p.observables).map(|o| (o.kind, o.value.clone(), o.role.clone())).collect()
}

#[test]
fn every_mapped_type_becomes_its_canonical_observable() {
    /// MISP type, value, the observables expected.
    type Case<'a> = (&'a str, &'a str, &'a [(K, &'a str)]);
    let cases: &[Case] = &[
        ("ip-src", "198.51.100.7", &[(K::Ipv4, "198.51.100.7")]),
        ("ip-dst", "2001:DB8::1", &[(K::Ipv6, "2001:db8::1")]),
        ("ip-dst", "198.51.100.8/32", &[(K::Ipv4, "198.51.100.8")]),
        ("ip-dst|port", "198.51.100.9|443", &[(K::Ipv4, "198.51.100.9")]),
        ("ip-src|port", "2001:db8::2|8080", &[(K::Ipv6, "2001:db8::2")]),
        ("domain", "Secure-Login.EXAMPLE.com", &[(K::Domain, "secure-login.example.com")]),
        ("hostname", "mail.example.org", &[(K::Domain, "mail.example.org")]),
        ("hostname|port", "mail.example.net|25", &[(K::Domain, "mail.example.net")]),
        (
            "domain|ip",
            "evil.example.com|203.0.113.5",
            &[(K::Domain, "evil.example.com"), (K::Ipv4, "203.0.113.5")],
        ),
        ("url", "HTTPS://Evil.example.com/login", &[(K::Url, "https://evil.example.com/login")]),
        ("email-src", "Scam@Example.com", &[(K::Email, "scam@example.com")]),
        ("email-dst", "victim@example.org", &[(K::Email, "victim@example.org")]),
        ("email", "a@example.net", &[(K::Email, "a@example.net")]),
        ("phone-number", "+1 (888) 839-1214", &[(K::Phone, "+18888391214")]),
        ("whois-registrant-phone", "+44 20 7946 0958", &[(K::Phone, "+442079460958")]),
        ("md5", "D41D8CD98F00B204E9800998ECF8427E", &[(K::Md5, "d41d8cd98f00b204e9800998ecf8427e")]),
        (
            "sha1",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            &[(K::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709")],
        ),
        (
            "sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            &[(K::Sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")],
        ),
        (
            "filename|sha256",
            "invoice.exe|E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            &[(K::Sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")],
        ),
        (
            "filename|md5",
            "a.doc|d41d8cd98f00b204e9800998ecf8427e",
            &[(K::Md5, "d41d8cd98f00b204e9800998ecf8427e")],
        ),
        (
            "malware-sample",
            "a.zip|d41d8cd98f00b204e9800998ecf8427e",
            &[(K::Md5, "d41d8cd98f00b204e9800998ecf8427e")],
        ),
        ("btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", &[(K::Btc, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT")]),
        ("iban", "GB82 WEST 1234 5698 7654 32", &[(K::Iban, "GB82WEST12345698765432")]),
        ("bank-account-nr", "DE89370400440532013000", &[(K::Iban, "DE89370400440532013000")]),
    ];
    for (i, (t, value, expected)) in cases.iter().enumerate() {
        let m = map(&event(vec![attr(&format!("a{i}"), t, value)]));
        assert!(m.skipped.is_empty(), "{t}: {:?}", m.skipped);
        let got = observables(&m);
        let want: Vec<(K, String, String)> =
            expected.iter().map(|(k, v)| (*k, v.to_string(), format!("{t} ids"))).collect();
        assert_eq!(got, want, "{t} {value}");
        assert!(
            m.parts[0]
                .observables
                .iter()
                .all(|o| o.raw == *value && o.uuid.as_deref() == Some(&*format!("a{i}")))
        );
    }
}

#[test]
fn unknown_types_networks_and_account_numbers_are_kept_as_labelled_raw_values() {
    let m = map(&event(vec![
        attr(
            "x1",
            "xmr",
            "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge",
        ),
        attr("x2", "bic", "DEUTDEFF"),
        attr("x3", "filename", "invoice.exe"),
        attr("x4", "text", "free\ntext"),
        attr("x5", "ip-dst", "198.51.100.0/24"),
        attr("x6", "bank-account-nr", "12345678"),
    ]));
    assert!(observables(&m).is_empty());
    assert!(m.skipped.is_empty(), "none of these is an error: {:?}", m.skipped);
    let kept: Vec<(&str, &str)> =
        m.parts[0].kept.iter().map(|k| (k.misp_type.as_str(), k.value.as_str())).collect();
    assert_eq!(kept.len(), 6);
    assert!(kept.contains(&("bic", "DEUTDEFF")) && kept.contains(&("ip-dst", "198.51.100.0/24")));
    // Written on the report and read back whole.
    let text = appendix::write("", &m.parts[0].kept, &m.parts[0].sightings);
    assert!(text.contains("- bic \"DEUTDEFF\""), "{text}");
    let (_, back, _) = appendix::read(&text);
    assert_eq!(back, m.parts[0].kept);
}

#[test]
fn a_value_that_fails_canonicalisation_is_reported_and_kept_and_the_rest_maps() {
    let m = map(&event(vec![
        attr("bad-ip", "ip-dst", "999.1.1.1"),
        attr("bad-iban", "iban", "GB00 WEST 1234 5698 7654 32"),
        attr("good", "domain", "example.com"),
        json!({"uuid": "no-type", "value": "x"}),
        json!({"uuid": "no-value", "type": "domain"}),
        json!({"uuid": "gone", "type": "domain", "value": "deleted.example", "deleted": true}),
        json!("not an object"),
    ]));
    assert_eq!(observables(&m), [(K::Domain, "example.com".into(), "domain ids".into())]);
    let skipped: Vec<String> = m.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 6, "{skipped:#?}");
    assert!(skipped[0].starts_with("attribute bad-ip: \"999.1.1.1\": invalid ipv4"), "{}", skipped[0]);
    assert!(skipped[0].ends_with("(kept as received, not correlated)"));
    assert!(skipped[1].starts_with("attribute bad-iban: ") && skipped[1].contains("invalid iban"));
    assert!(skipped.iter().any(|s| s == "attribute no-type: type: missing or not a string"));
    assert!(skipped.iter().any(|s| s == "attribute no-value: value: missing or not a string"));
    assert!(skipped.iter().any(|s| s == "attribute gone: deleted in MISP"));
    assert!(skipped.iter().any(|s| s == "attribute Attribute[6]: not a json object"));
    let kept: Vec<&str> = m.parts[0].kept.iter().map(|k| k.value.as_str()).collect();
    assert_eq!(kept, ["999.1.1.1", "GB00 WEST 1234 5698 7654 32"]);
}

#[test]
fn malformed_events_are_errors_naming_what() {
    assert_eq!(map_event_text("{", &opts()).unwrap_err().to_string().split(':').next(), Some("invalid json"));
    assert_eq!(map_event(&json!([1]), &opts()).unwrap_err().to_string(), "not a json object");
    assert_eq!(map_event(&json!({"Event": 3}), &opts()).unwrap_err().to_string(), "not a json object");
    assert_eq!(
        map_event(&json!({"Event": {"info": "x"}}), &opts()).unwrap_err().to_string(),
        "Event.uuid: missing"
    );
    assert_eq!(
        map_event(&json!({"Event": {"uuid": "nope"}}), &opts()).unwrap_err().to_string(),
        "Event.uuid: invalid uuid \"nope\""
    );
    // A bare event (no "Event" wrapper) and an event with nothing in it map.
    let m = map(&json!({"uuid": EVENT}));
    assert_eq!(m.parts.len(), 1);
    assert!(m.parts[0].observables.is_empty() && m.info.is_empty());
    // A list of events and a REST answer are read as their events.
    assert_eq!(misp::import::events_of(&json!([{"Event": {}}, {"Event": {}}])).len(), 2);
    assert_eq!(misp::import::events_of(&json!({"response": [{"Event": {}}]})).len(), 1);
}

#[test]
fn tlp_tags_of_both_versions_give_the_tlp_and_other_tags_labels() {
    for (tags, tlp) in [
        (vec!["tlp:white"], Some(Tlp::Clear)),
        (vec!["tlp:clear"], Some(Tlp::Clear)),
        (vec!["TLP:GREEN"], Some(Tlp::Green)),
        (vec!["tlp:amber+strict"], Some(Tlp::AmberStrict)),
        (vec!["tlp:green", "tlp:red"], Some(Tlp::Red)),
        (vec!["tlp:ex:chr"], None),
        (vec![], None),
    ] {
        let doc = json!({"Event": {"uuid": EVENT, "Tag": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>()}});
        let m = map(&doc);
        assert_eq!(m.parts[0].tlp, tlp, "{tags:?}");
        let other: Vec<&str> = tags.iter().copied().filter(|t| t.starts_with("tlp:ex")).collect();
        assert_eq!(m.labels, other, "{tags:?}");
    }
    let m = map(&event(vec![]));
    assert_eq!(m.labels, ["misp-galaxy:threat-actor=\"X\""]);
    // MISP's REST form (`EventTag`) too.
    let m = map(
        &json!({"Event": {"uuid": EVENT, "EventTag": [{"Tag": {"name": "tlp:red"}}, {"Tag": {"name": "phishing"}}]}}),
    );
    assert_eq!((m.parts[0].tlp, m.labels.clone()), (Some(Tlp::Red), vec!["phishing".to_string()]));
}

#[test]
fn distribution_levels_become_audiences() {
    let none = |_: &str| false;
    let sg = |n: &str| n == "Elder Fraud Taskforce";
    let d = |code| Distribution::from_code(code, None);
    // Your organisation only: the author only, whatever the TLP says.
    for tlp in [None, Some(Tlp::Clear), Some(Tlp::Green), Some(Tlp::Amber)] {
        let a = access(tlp, d(0).as_ref(), none);
        assert_eq!((a.tlp, a.community.clone()), (Tlp::Amber, None), "{tlp:?}");
    }
    assert_eq!(access(Some(Tlp::Red), d(0).as_ref(), none).tlp, Tlp::Red);
    // Community, connected, all (and no distribution, as in feeds): the instance per TLP.
    for code in [1, 2, 3] {
        assert_eq!(access(None, d(code).as_ref(), none).tlp, Tlp::Green);
        assert_eq!(access(Some(Tlp::Clear), d(code).as_ref(), none).tlp, Tlp::Clear);
        assert_eq!(access(Some(Tlp::Amber), d(code).as_ref(), none).tlp, Tlp::Amber);
    }
    assert_eq!(access(None, None, none).tlp, Tlp::Green);
    // A sharing group: the community of the same name, else the author with a note.
    let group = Distribution::from_code(4, Some("Elder Fraud Taskforce".into()));
    let a = access(Some(Tlp::Green), group.as_ref(), sg);
    assert_eq!(
        (a.tlp, a.community.as_deref(), a.note.as_deref()),
        (Tlp::Amber, Some("Elder Fraud Taskforce"), None)
    );
    let a = access(Some(Tlp::Green), group.as_ref(), none);
    assert_eq!((a.tlp, a.community.as_deref()), (Tlp::Amber, None));
    assert!(a.note.unwrap().contains("\"Elder Fraud Taskforce\" is no dragnet community"));
    let a = access(None, Distribution::from_code(4, None).as_ref(), sg);
    assert!(a.community.is_none() && a.note.is_some());
    assert_eq!(Distribution::from_code(5, None), None, "5 is inherit");
}

#[test]
fn restricted_attributes_go_to_a_part_of_their_own() {
    let mut secret = attr("s", "domain", "secret.example.com");
    secret["distribution"] = json!("0");
    let mut red = attr("r", "domain", "red.example.com");
    red["Tag"] = json!([{"name": "tlp:red"}]);
    let mut inherit = attr("i", "domain", "inherit.example.com");
    inherit["distribution"] = json!(5);
    let m = map(&event(vec![attr("o", "domain", "open.example.com"), secret, red, inherit]));
    assert_eq!(m.parts.len(), 3);
    assert_eq!(m.parts[0].id, Uuid::parse_str(EVENT).unwrap(), "the event's own part keeps its uuid");
    assert_eq!(m.parts[0].observables.len(), 2, "open and inherit");
    assert_eq!(
        (m.parts[0].tlp, m.parts[0].distribution.clone()),
        (Some(Tlp::Amber), Some(Distribution::All))
    );
    let others: Vec<(Option<Tlp>, Option<Distribution>, &str)> = m.parts[1..]
        .iter()
        .map(|p| (p.tlp, p.distribution.clone(), p.observables[0].value.as_str()))
        .collect();
    assert!(others.contains(&(Some(Tlp::Amber), Some(Distribution::YourOrganisation), "secret.example.com")));
    assert!(others.contains(&(Some(Tlp::Red), Some(Distribution::All), "red.example.com")));
    assert!(m.parts[1..].iter().all(|p| p.id != m.parts[0].id));
    assert_eq!(map(&event(vec![])).parts.len(), 1);
}

#[test]
fn objects_keep_their_name_position_and_relation_and_to_ids_is_kept() {
    let doc = json!({"Event": {"uuid": EVENT, "Object": [
        {"name": "domain-ip", "Attribute": [
            {"uuid": "d", "type": "domain", "object_relation": "domain", "value": "evil.example.com", "to_ids": false},
            {"uuid": "i", "type": "ip-dst", "object_relation": "ip", "value": "203.0.113.9", "to_ids": "1"},
        ]},
        {"name": "file", "Attribute": [
            {"uuid": "f", "type": "filename", "object_relation": "filename", "value": "a.exe"},
        ]},
    ]}});
    let m = map(&doc);
    assert_eq!(
        observables(&m),
        [
            (K::Domain, "evil.example.com".into(), "domain-ip#0/domain domain".into()),
            (K::Ipv4, "203.0.113.9".into(), "domain-ip#0/ip ip-dst ids".into()),
        ]
    );
    let k = &m.parts[0].kept[0];
    let o = k.object.as_ref().unwrap();
    assert_eq!(
        (o.name.as_str(), o.index, o.relation.as_str(), k.value.as_str()),
        ("file", 1, "filename", "a.exe")
    );
}

#[test]
fn sightings_are_kept_and_widen_first_and_last_seen() {
    let mut a = attr("s", "sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
    a["Sighting"] = json!([
        {"type": "0", "date_sighting": "1767225600", "Organisation": {"name": "CERT-X"}, "source": "honeypot"},
        {"type": 1, "date_sighting": 1769904000},
        {"type": "7", "date_sighting": "1769904000"},
        {"type": "0"},
        // Milliseconds: year 58133, which no RFC 3339 timestamp can hold (found by fuzzing).
        {"type": "0", "date_sighting": "1772359254300"},
    ]);
    a["first_seen"] = json!("2025-12-01T00:00:00Z");
    let m = map(&event(vec![a]));
    let p = &m.parts[0];
    assert_eq!(p.sightings.len(), 2);
    let s = &p.sightings[0];
    assert_eq!(
        s.value, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "the canonical value"
    );
    assert_eq!(
        (s.kind, s.org.as_deref(), s.source.as_deref()),
        (SightingType::Sighting, Some("CERT-X"), Some("honeypot"))
    );
    assert_eq!(p.sightings[1].kind, SightingType::FalsePositive);
    assert_eq!(p.first_seen, Some(Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap()));
    assert_eq!(
        p.last_seen,
        Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
        "a false positive is no sighting"
    );
    let reasons: Vec<String> = m.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(
        reasons,
        [
            "attribute s: sighting of unknown type \"7\"",
            "attribute s: sighting without a valid date_sighting",
            "attribute s: sighting without a valid date_sighting"
        ]
    );
}

fn report(observables: Vec<(K, &str, Option<&str>, Option<&str>)>, narrative: &str, tlp: Tlp) -> Report {
    Report {
        id: Uuid::parse_str("0193a0c4-0000-7000-8000-000000000001").unwrap(),
        kind: ReportKind::Intel,
        title: "Phishing wave".into(),
        narrative: narrative.into(),
        tlp,
        audience: Audience::default(),
        author: OrgId(Uuid::from_u128(7)),
        labels: vec!["phishing".into()],
        created_at: Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap(),
        first_seen: None,
        last_seen: None,
        observables: observables
            .into_iter()
            .map(|(kind, value, original, role)| ReportObservable {
                kind,
                value: value.into(),
                original: original.map(Into::into),
                role: role.map(Into::into),
            })
            .collect(),
        revoked_at: None,
        scam: None,
        victim_pii: None,
        discoverable: None,
        provenance: None,
    }
}

fn export(r: &Report) -> Value {
    misp::export::event(&misp::export::ExportInput {
        reports: vec![r],
        orgs: vec![(r.author, "CIRCL".into())],
        communities: vec![],
        context: misp::export::Context::Report,
    })
}

fn all_attributes(e: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = e["Event"]["Attribute"].as_array().unwrap().clone();
    for o in e["Event"]["Object"].as_array().unwrap() {
        out.extend(o["Attribute"].as_array().unwrap().iter().cloned());
    }
    out
}

#[test]
fn an_imported_event_exports_back_with_types_objects_to_ids_kept_values_and_sightings() {
    let mut hashed = attr(
        "h",
        "filename|sha256",
        "invoice.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    hashed["Sighting"] =
        json!([{"type": "0", "date_sighting": "1767225600", "Organisation": {"name": "CERT-X"}}]);
    let mut src = attr("s", "ip-src", "198.51.100.7");
    src["to_ids"] = json!(false);
    let doc = json!({"Event": {
        "uuid": EVENT, "info": "Phishing wave", "Tag": [{"name": "tlp:green"}],
        "Attribute": [attr("di", "domain|ip", "evil.example.com|203.0.113.5"), hashed, src, attr("x", "xmr", "4Ad")],
        "Object": [{"name": "domain-ip", "Attribute": [
            {"type": "domain", "object_relation": "domain", "value": "obj.example.com", "to_ids": true}]}],
        "EventReport": [{"name": "n", "content": "What we saw."}],
    }});
    let m = map(&doc);
    let p = &m.parts[0];
    // As the engine stores it: canonical values, the value as received as original.
    let r = report(
        p.observables
            .iter()
            .map(|o| {
                (
                    o.kind,
                    o.value.as_str(),
                    (o.raw != o.value).then_some(o.raw.as_str()),
                    Some(o.role.as_str()),
                )
            })
            .collect(),
        &appendix::write(&m.narrative, &p.kept, &p.sightings),
        Tlp::Green,
    );
    let e = export(&r);
    let attrs = all_attributes(&e);
    let find = |t: &str, v: &str| attrs.iter().find(|a| a["type"] == t && a["value"] == v).cloned();
    let di = find("domain|ip", "evil.example.com|203.0.113.5").expect("domain|ip whole");
    assert_eq!(di["to_ids"], true);
    assert!(find("domain", "evil.example.com").is_none(), "the composite is written once, whole");
    let h = find(
        "filename|sha256",
        "invoice.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    )
    .unwrap();
    assert_eq!(h["Sighting"][0]["date_sighting"], "1767225600");
    assert_eq!(h["Sighting"][0]["Organisation"]["name"], "CERT-X");
    assert_eq!(find("ip-src", "198.51.100.7").unwrap()["to_ids"], false);
    assert!(find("xmr", "4Ad").is_some(), "kept values go back with their type");
    let objects = e["Event"]["Object"].as_array().unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["name"], "domain-ip");
    assert_eq!(objects[0]["Attribute"][0]["object_relation"], "domain");
    assert_eq!(e["Event"]["EventReport"][0]["content"], "What we saw.");
    assert_eq!(e["Event"]["distribution"], "1");
    // Re-imported, the same observables, kept values and sightings come out.
    let again = map(&e);
    let mut a: Vec<_> = observables(&again);
    let mut b: Vec<_> = observables(&m);
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(again.parts[0].kept, m.parts[0].kept);
    assert_eq!(again.parts[0].sightings, m.parts[0].sightings);
    assert!(
        again.skipped.iter().all(|s| s.reason.contains("dragnet's own reference")),
        "{:?}",
        again.skipped
    );
    // Deterministic.
    assert_eq!(export(&r).to_string(), e.to_string());
}

#[test]
fn exports_never_carry_victim_data_and_name_kinds_misp_lacks() {
    let mut r = report(
        vec![
            (K::Phone, "+18888391214", None, Some("scammer-phone")),
            (K::Phone, "+14155550123", None, None),
            (K::Eth, "0x52908400098527886e0f7030069857d2e4169ee7", None, None),
            (K::Domain, "example.com", None, Some("derived")),
        ],
        "Called by +1 415 555 0123 and Jane Victim.",
        Tlp::Amber,
    );
    r.title = "Jane Victim scammed".into();
    r.victim_pii = Some(model::scam::VictimPii {
        name: Some("Jane Victim".into()),
        phone: Some("+1 415 555 0123".into()),
        ..Default::default()
    });
    let e = export(&r);
    let text = e.to_string();
    assert!(
        !text.contains("Jane") && !text.contains("4155550123") && !text.contains("415 555 0123"),
        "{text}"
    );
    assert!(text.contains("+18888391214"));
    let attrs = all_attributes(&e);
    let eth = attrs.iter().find(|a| a["type"] == "text" && a["comment"] == "dragnet:eth").unwrap();
    assert_eq!(eth["to_ids"], true);
    let derived = attrs.iter().find(|a| a["value"] == "example.com").unwrap();
    assert_eq!((derived["to_ids"].clone(), derived["comment"].clone()), (json!(false), json!("derived")));
    assert_eq!(e["Event"]["distribution"], "0", "AMBER for nobody else");
    // A community audience becomes a sharing group.
    let mut shared = report(vec![(K::Domain, "example.com", None, None)], "", Tlp::Amber);
    let c = CommunityId(Uuid::from_u128(9));
    shared.audience.communities = vec![c];
    let e = misp::export::event(&misp::export::ExportInput {
        reports: vec![&shared],
        orgs: vec![],
        communities: vec![(c, "Elder Fraud Taskforce".into())],
        context: misp::export::Context::Report,
    });
    assert_eq!(
        (e["Event"]["distribution"].clone(), e["Event"]["SharingGroup"]["name"].clone()),
        (json!("4"), json!("Elder Fraud Taskforce"))
    );
    let back = map(&e);
    assert_eq!(
        back.parts[0].distribution,
        Some(Distribution::SharingGroup { name: Some("Elder Fraud Taskforce".into()) })
    );
}

#[test]
fn feeds_get_manifest_entries_and_md5_hash_lines() {
    let r = report(vec![(K::Domain, "example.com", None, None)], "", Tlp::Clear);
    let e = export(&r);
    let (uuid, entry) = misp::export::manifest_entry(&e).unwrap();
    assert_eq!(uuid, misp::export::event_uuid(r.id).to_string());
    assert_eq!(entry["info"], "Phishing wave");
    assert_eq!(entry["Tag"][0]["name"], "tlp:clear");
    let lines = misp::export::hash_lines(&e);
    // md5("example.com") and the report id attribute.
    assert!(lines.contains(&format!("5ababd603b22780302dd8d83498e5172,{uuid}")), "{lines:?}");
    assert_eq!(lines.len(), 2);
}
