//! Reports to export: a hand-made one holding every observable kind, and demo reports.
//! Shared by the `export_sample` example and the export tests.

use chrono::{DateTime, TimeZone, Utc};
use model::observable::{CanonicalizeOptions, canonicalize, infer_kind};
use model::scam::VictimPii;
use model::{Audience, ObservableKind, OrgId, Report, ReportInput, ReportKind, ReportObservable, Tlp};
use uuid::Uuid;

/// Raw values, one per kind (some written the way partners write them).
const RAW: &[(ObservableKind, &str)] = &[
    (ObservableKind::Ipv4, "198.51.100.7"),
    (ObservableKind::Ipv6, "2001:DB8:0:0:0:0:0:1"),
    (ObservableKind::Domain, "Login-Secure.Example.COM"),
    (ObservableKind::Url, "http://login-secure.example.com/o'brien/\\x?a='1'"),
    (ObservableKind::Email, "Support@Example.com"),
    (ObservableKind::Phone, "+1 (888) 839-1214"),
    (ObservableKind::Btc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
    (ObservableKind::Eth, "0x52908400098527886E0F7030069857D2E4169EE7"),
    (ObservableKind::Trx, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
    (ObservableKind::Ltc, "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9"),
    (ObservableKind::Iban, "GB82 WEST 1234 5698 7654 32"),
    (ObservableKind::Md5, "D41D8CD98F00B204E9800998ECF8427E"),
    (ObservableKind::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    (ObservableKind::Sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (ObservableKind::Pdq, "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"),
    (ObservableKind::Telegram, "t.me/Scam_Support"),
    (ObservableKind::RemoteAccess, "anydesk:123456789"),
];

pub fn org(n: u128) -> OrgId {
    // UUIDv7-shaped ids with a fixed time (2025-03-01), as the store assigns them.
    let ms: u128 = 1_740_787_200_000 + n;
    OrgId(Uuid::from_u128((ms << 80) | (0x7 << 76) | (0b10 << 62) | n))
}

pub fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, day, 8, 17, 27).unwrap() + chrono::Duration::microseconds(123_456)
}

fn observable(kind: ObservableKind, raw: &str, role: Option<&str>) -> ReportObservable {
    let c = canonicalize(kind, raw, &CanonicalizeOptions::default())
        .unwrap_or_else(|e| panic!("sample value {raw:?}: {e}"));
    let value = c.observable.value;
    ReportObservable {
        kind,
        original: (value != raw).then(|| raw.to_owned()),
        value,
        role: role.map(str::to_owned),
    }
}

/// One raw value of every kind.
pub fn every_kind() -> Vec<(ObservableKind, String)> {
    RAW.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

/// A scam report holding one observable of every kind, with victim PII.
pub fn every_kind_report() -> Report {
    let observables = every_kind()
        .iter()
        .enumerate()
        .map(|(i, (k, v))| observable(*k, v, (i % 3 == 0).then_some("scammer-contact")))
        .collect();
    Report {
        provenance: None,
        id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001),
        kind: ReportKind::Scam,
        title: "Tech-support scam: 'Microsoft' pop-up \\ fake refund".into(),
        narrative: "The caller said he was from Microsoft and asked for a refund in bitcoin.".into(),
        tlp: Tlp::Amber,
        audience: Audience::default(),
        author: org(1),
        labels: vec!["tech-support".into(), "refund".into()],
        created_at: at(12),
        first_seen: Some(at(10)),
        last_seen: Some(at(11)),
        observables,
        revoked_at: None,
        scam: None,
        victim_pii: Some(VictimPii {
            name: Some("Margarethe Quellenberg".into()),
            phone: Some("+44 20 7946 0321".into()),
            email: Some("m.quellenberg@example.org".into()),
            address: Some("17 Lindenweg, 10115 Berlin".into()),
            notes: Some("Hard of hearing; call her daughter first".into()),
        }),
        discoverable: None,
    }
}

/// A second, intel report sharing two values with the first.
pub fn intel_report() -> Report {
    Report {
        provenance: None,
        id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0002),
        kind: ReportKind::Intel,
        title: String::new(),
        narrative: String::new(),
        tlp: Tlp::Green,
        audience: Audience::default(),
        author: org(2),
        labels: vec![],
        created_at: at(14),
        first_seen: None,
        last_seen: None,
        observables: vec![
            observable(ObservableKind::Domain, "login-secure.example.com", Some("c2")),
            observable(ObservableKind::Ipv4, "198.51.100.7", None),
        ],
        revoked_at: None,
        scam: None,
        victim_pii: None,
        discoverable: None,
    }
}

/// `n` demo reports as the engine would store them (observables canonicalised, the kind
/// inferred where the input gives none; values the canonicaliser refuses left out).
pub fn demo_reports(n: usize) -> (Vec<Report>, Vec<(OrgId, String)>) {
    let data = demo::generate(&demo::DemoConfig { seed: 42, reports: n, ..Default::default() });
    let orgs: Vec<(OrgId, String)> =
        data.orgs.iter().enumerate().map(|(i, o)| (org(100 + i as u128), o.name.clone())).collect();
    let reports = data
        .reports
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let author = orgs.iter().find(|(_, name)| *name == r.author).map_or(org(99), |(id, _)| *id);
            from_input(&r.input, author, i)
        })
        .collect();
    (reports, orgs)
}

fn from_input(input: &ReportInput, author: OrgId, i: usize) -> Report {
    let opts = CanonicalizeOptions { default_region: Some("US".into()) };
    let observables = input
        .observables
        .iter()
        .filter_map(|o| {
            let kind = o.kind.or_else(|| infer_kind(&o.value))?;
            let c = canonicalize(kind, &o.value, &opts).ok()?;
            let value = c.observable.value;
            Some(ReportObservable {
                kind,
                original: (value != o.value).then(|| o.value.clone()),
                value,
                role: o.role.clone(),
            })
        })
        .collect();
    Report {
        provenance: None,
        id: Uuid::from_u128(0x0194_0000_0000_7000_8000_0000_0000_0000 + i as u128),
        kind: input.kind,
        title: input.title.clone(),
        narrative: input.narrative.clone(),
        tlp: Tlp::parse(&input.tlp).unwrap_or(Tlp::Amber),
        audience: Audience::default(),
        author,
        labels: input.labels.clone(),
        created_at: input.first_seen.unwrap_or_else(|| at(1)),
        first_seen: input.first_seen,
        last_seen: input.last_seen,
        observables,
        revoked_at: None,
        scam: input.scam.clone(),
        victim_pii: input.victim_pii.clone(),
        discoverable: None,
    }
}
