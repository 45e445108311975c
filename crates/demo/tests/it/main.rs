//! Integration tests of the demo dataset generator.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use demo::{Dataset, DemoConfig, generate, reports_with_observables, selectors};
use model::ObservableKind;

fn small(seed: u64) -> DemoConfig {
    DemoConfig { seed, reports: 2_000, ..DemoConfig::default() }
}

fn default_dataset() -> Dataset {
    let t = Instant::now();
    let ds = generate(&DemoConfig::default());
    println!("generate(12_000 reports) took {:?} (debug build)", t.elapsed());
    ds
}

/// The canonical writing of a value as the generator writes it (a stand-in for model's
/// canonicalisers, good enough for the writings the generator produces).
fn canon(kind: ObservableKind, v: &str) -> String {
    match kind {
        ObservableKind::Phone => v.chars().filter(|c| *c == '+' || c.is_ascii_digit()).collect(),
        ObservableKind::Iban => v.replace(' ', "").to_ascii_uppercase(),
        ObservableKind::Eth | ObservableKind::Domain | ObservableKind::Sha256 => v.to_ascii_lowercase(),
        ObservableKind::Btc if v.to_ascii_lowercase().starts_with("bc1") => v.to_ascii_lowercase(),
        ObservableKind::Email => match v.split_once('@') {
            Some((l, d)) => format!("{l}@{}", d.to_ascii_lowercase()),
            None => v.to_string(),
        },
        ObservableKind::Url => match v.strip_prefix("https://") {
            Some(rest) => {
                let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
                format!("https://{}/{path}", host.to_ascii_lowercase())
            }
            None => v.to_string(),
        },
        _ => v.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Validity checks by real-world rules

fn iban_ok(v: &str) -> bool {
    let s = v.replace(' ', "");
    if s.len() < 15 || !s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
        return false;
    }
    let expected_len = match &s[..2] {
        "DE" => 22,
        "GB" => 22,
        "FR" => 27,
        "NL" => 18,
        "ES" => 24,
        "LT" => 20,
        _ => return false,
    };
    let rearranged = format!("{}{}", &s[4..], &s[..4]);
    let mut rem = 0u32;
    for c in rearranged.chars() {
        if let Some(d) = c.to_digit(10) {
            rem = (rem * 10 + d) % 97;
        } else {
            rem = (rem * 100 + (c as u32 - 'A' as u32 + 10)) % 97;
        }
    }
    s.len() == expected_len && rem == 1
}

fn btc_ok(v: &str) -> bool {
    if v.to_ascii_lowercase().starts_with("bc1") {
        matches!(
            bech32::segwit::decode(v),
            Ok((hrp, ver, prog)) if hrp == bech32::hrp::BC && ver == bech32::segwit::VERSION_0 && prog.len() == 20
        )
    } else {
        match bs58::decode(v).with_check(None).into_vec() {
            Ok(payload) => payload.len() == 21 && (payload[0] == 0x00 || payload[0] == 0x05),
            Err(_) => false,
        }
    }
}

fn eth_ok(v: &str) -> bool {
    v.len() == 42 && v.starts_with("0x") && v[2..].chars().all(|c| c.is_ascii_hexdigit())
}

fn phone_ok(v: &str) -> bool {
    match phonenumber::parse(None, v) {
        Ok(n) => phonenumber::is_valid(&n),
        Err(_) => false,
    }
}

fn telegram_ok(v: &str) -> bool {
    let Some(name) = v.strip_prefix('@') else {
        return false;
    };
    (5..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn ipv4_public(v: &str) -> bool {
    let Ok(ip) = v.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || ip.is_unspecified()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 88 && c == 99))
}

const TLDS: [&str; 12] = [
    ".com", ".net", ".help", ".support", ".online", ".xyz", ".co.uk", ".info", ".live", ".site", ".me", ".ly",
];

fn domain_ok(v: &str) -> bool {
    let d = v.to_ascii_lowercase();
    TLDS.iter().any(|t| d.ends_with(t))
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn url_ok(v: &str) -> bool {
    let Some(rest) = v.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or("");
    domain_ok(host)
}

fn email_ok(v: &str) -> bool {
    match v.split_once('@') {
        Some((l, d)) => !l.is_empty() && domain_ok(d),
        None => false,
    }
}

fn sha256_ok(v: &str) -> bool {
    v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit())
}

/// Asserts `v` is a valid observable of `kind` by real-world rules.
fn assert_valid(kind: ObservableKind, v: &str) {
    let ok = match kind {
        ObservableKind::Iban => iban_ok(v),
        ObservableKind::Btc => btc_ok(v),
        ObservableKind::Eth => eth_ok(v),
        ObservableKind::Phone => phone_ok(v),
        ObservableKind::Telegram => telegram_ok(v),
        ObservableKind::Ipv4 => ipv4_public(v),
        ObservableKind::Domain => domain_ok(v),
        ObservableKind::Url => url_ok(v),
        ObservableKind::Email => email_ok(v),
        ObservableKind::Sha256 => sha256_ok(v),
        other => panic!("unexpected kind {other}"),
    };
    assert!(ok, "invalid {kind}: {v:?}");
}

// ---------------------------------------------------------------------------------------------
// Dataset

#[test]
fn same_seed_same_dataset() {
    let a = generate(&small(7));
    let b = generate(&small(7));
    assert_eq!(a, b);
    assert_eq!(serde_json::to_string(&a.reports).unwrap(), serde_json::to_string(&b.reports).unwrap());
}

#[test]
fn different_seeds_differ() {
    let a = generate(&small(1));
    let b = generate(&small(2));
    assert_ne!(a.reports, b.reports);
    assert_ne!(a.networks[0].selectors, b.networks[0].selectors);
    // The cast is the same.
    assert_eq!(a.orgs, b.orgs);
    assert_eq!(a.communities, b.communities);
}

#[test]
fn default_dataset_shape() {
    let ds = default_dataset();
    assert!(ds.reports.len() >= 10_000);
    assert_eq!(ds.reports.len(), DemoConfig::default().reports);
    assert!(ds.orgs.len() >= 7);
    assert_eq!(ds.orgs.iter().filter(|o| o.operator).count(), 1);
    assert!(ds.networks.len() >= 8);

    let orgs: BTreeSet<&str> = ds.orgs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(orgs.len(), ds.orgs.len(), "organisation names are unique");
    let communities: BTreeSet<&str> = ds.communities.iter().map(|c| c.name.as_str()).collect();
    for c in &ds.communities {
        assert!(!c.members.is_empty());
        for m in &c.members {
            assert!(orgs.contains(m.as_str()), "unknown member {m}");
        }
    }

    let mut authors: BTreeMap<&str, usize> = BTreeMap::new();
    let mut tlps: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &ds.reports {
        assert!(orgs.contains(r.author.as_str()), "unknown author {}", r.author);
        *authors.entry(&r.author).or_default() += 1;
        *tlps.entry(&r.input.tlp).or_default() += 1;
        let a = &r.input.audience;
        for o in &a.organizations {
            assert!(orgs.contains(o.as_str()), "unknown audience org {o}");
            assert_ne!(o, &r.author, "the author is not its own audience");
        }
        for c in &a.communities {
            assert!(communities.contains(c.as_str()), "unknown community {c}");
        }
        match r.input.tlp.as_str() {
            "CLEAR" | "GREEN" => assert!(a.organizations.is_empty() && a.communities.is_empty()),
            "AMBER" => assert!(!a.organizations.is_empty() || !a.communities.is_empty()),
            "AMBER+STRICT" => assert!(!a.organizations.is_empty() && a.communities.is_empty()),
            "RED" => assert!(a.organizations.len() == 1 && a.communities.is_empty()),
            other => panic!("unexpected tlp {other}"),
        }
        assert!(model::Tlp::parse(&r.input.tlp).is_ok());
        let n = r.input.observables.len();
        assert!((1..=8).contains(&n), "{n} observables");
        assert!(!r.input.title.is_empty());
        for o in &r.input.observables {
            assert!(o.kind.is_some() && o.role.is_some());
            assert!(
                r.input.narrative.contains(&o.value),
                "narrative lacks {}: {}",
                o.value,
                r.input.narrative
            );
        }
        let first = r.input.first_seen.expect("first_seen");
        let start = DemoConfig::default().start;
        assert!(first >= start && first < start + chrono::TimeDelta::days(300));
        if let Some(last) = r.input.last_seen {
            assert!(last >= first);
        }
    }
    assert_eq!(authors.len(), ds.orgs.len(), "every organisation reports");
    let share = |t: &str| tlps.get(t).copied().unwrap_or(0) as f64 / ds.reports.len() as f64;
    assert!((0.07..0.13).contains(&share("CLEAR")), "{tlps:?}");
    assert!((0.40..0.50).contains(&share("GREEN")), "{tlps:?}");
    assert!((0.25..0.35).contains(&share("AMBER")), "{tlps:?}");
    assert!((0.05..0.11).contains(&share("AMBER+STRICT")), "{tlps:?}");
    assert!((0.04..0.10).contains(&share("RED")), "{tlps:?}");

    let kinds: BTreeSet<_> = ds.reports.iter().map(|r| r.input.kind).collect();
    assert_eq!(kinds.len(), 2, "both scam and intel reports");
    assert!(ds.reports.windows(2).all(|w| w[0].input.first_seen <= w[1].input.first_seen));
    let labelled = ds.reports.iter().filter(|r| !r.input.labels.is_empty()).count();
    assert!(labelled > 0 && labelled < ds.reports.len(), "labels only on some reports");
    assert!(ds.reports.iter().any(|r| r.input.labels.iter().any(|l| l.starts_with("campaign:"))));
}

/// Where a value was seen: report indices, authors and TLPs.
type Sightings<'a> = (BTreeSet<usize>, BTreeSet<&'a str>, BTreeSet<&'a str>);

#[test]
fn planted_networks_span_organisations() {
    let ds = default_dataset();
    // (kind, canonical value) -> (report indices, authors, tlps)
    let mut seen: BTreeMap<(ObservableKind, String), Sightings> = BTreeMap::new();
    for (i, r) in ds.reports.iter().enumerate() {
        for o in &r.input.observables {
            let kind = o.kind.expect("kind");
            let e = seen.entry((kind, canon(kind, &o.value))).or_default();
            e.0.insert(i);
            e.1.insert(&r.author);
            e.2.insert(&r.input.tlp);
        }
    }
    let mut owners: BTreeMap<(ObservableKind, String), usize> = BTreeMap::new();
    for net in &ds.networks {
        assert!((40..=400).contains(&net.report_count), "{}: {}", net.name, net.report_count);
        let phones = net.selectors.iter().filter(|s| s.0 == ObservableKind::Phone).count();
        let domains = net.selectors.iter().filter(|s| s.0 == ObservableKind::Domain).count();
        let wallets =
            net.selectors.iter().filter(|s| matches!(s.0, ObservableKind::Btc | ObservableKind::Eth)).count();
        let telegram = net.selectors.iter().filter(|s| s.0 == ObservableKind::Telegram).count();
        assert!((2..=6).contains(&phones), "{}: {phones} phones", net.name);
        assert!((2..=5).contains(&domains), "{}: {domains} domains", net.name);
        assert!((1..=3).contains(&wallets), "{}: {wallets} wallets", net.name);
        assert_eq!(telegram, 1, "{}", net.name);

        let mut reports = BTreeSet::new();
        let mut authors = BTreeSet::new();
        let mut tlps = BTreeSet::new();
        for sel in &net.selectors {
            *owners.entry(sel.clone()).or_default() += 1;
            let (r, a, t) =
                seen.get(sel).unwrap_or_else(|| panic!("{}: selector {sel:?} in no report", net.name));
            assert!(a.len() >= 2, "{}: {sel:?} seen only by {a:?}", net.name);
            reports.extend(r.iter().copied());
            authors.extend(a.iter().copied());
            tlps.extend(t.iter().copied());
        }
        assert!(reports.len() >= net.report_count, "{}", net.name);
        assert!(authors.len() >= 4, "{}: {authors:?}", net.name);
        assert!(tlps.len() >= 4, "{}: {tlps:?}", net.name);
    }
    // Exactly one selector (a mule IBAN) bridges two networks.
    let shared: Vec<_> = owners.iter().filter(|(_, n)| **n > 1).collect();
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0].0.0, ObservableKind::Iban);
    assert_eq!(*shared[0].1, 2);

    // Noise exists: one-off values, brand sites and CDN addresses that appear in many reports.
    let once = seen.values().filter(|v| v.0.len() == 1).count();
    assert!(once > 10_000, "{once} one-off values");
    for brand in ["microsoft.com", "paypal.com", "amazon.com", "apple.com", "google.com"] {
        let n = seen.get(&(ObservableKind::Domain, brand.to_string())).map_or(0, |v| v.0.len());
        assert!(n >= 5, "{brand} in {n} reports");
    }
    let busy_ips = seen
        .iter()
        .filter(|((k, v), e)| {
            *k == ObservableKind::Ipv4
                && e.0.len() >= 50
                && (v.starts_with("104.21.") || v.starts_with("172.67."))
        })
        .count();
    assert!(busy_ips >= 2, "shared CDN addresses");
    assert!(seen.keys().any(|(k, v)| *k == ObservableKind::Url && v.starts_with("https://bit.ly/")));
}

#[test]
fn every_value_is_valid() {
    let ds = generate(&small(3));
    let mut values: BTreeSet<(ObservableKind, String)> = BTreeSet::new();
    let mut non_canonical = 0;
    for r in &ds.reports {
        for o in &r.input.observables {
            let kind = o.kind.expect("kind");
            if canon(kind, &o.value) != o.value {
                non_canonical += 1;
            }
            values.insert((kind, o.value.clone()));
        }
    }
    for net in &ds.networks {
        values.extend(net.selectors.iter().cloned());
    }
    assert!(non_canonical > 100, "some values are written the way people write them");
    let kinds: BTreeSet<_> = values.iter().map(|(k, _)| *k).collect();
    for k in [
        ObservableKind::Iban,
        ObservableKind::Btc,
        ObservableKind::Eth,
        ObservableKind::Phone,
        ObservableKind::Telegram,
        ObservableKind::Ipv4,
        ObservableKind::Domain,
        ObservableKind::Url,
        ObservableKind::Email,
        ObservableKind::Sha256,
    ] {
        assert!(kinds.contains(&k), "no {k}");
    }
    for (kind, v) in &values {
        assert_valid(*kind, v);
    }
    // Both Bitcoin address styles, and EIP-55 writings of Ethereum addresses.
    assert!(values.iter().any(|(k, v)| *k == ObservableKind::Btc && v.starts_with('1')));
    assert!(values.iter().any(|(k, v)| *k == ObservableKind::Btc && v.starts_with("bc1q")));
    assert!(
        values.iter().any(|(k, v)| *k == ObservableKind::Eth && v.chars().any(|c| c.is_ascii_uppercase()))
    );
}

#[test]
fn tiny_and_empty_configs() {
    assert_eq!(DemoConfig::default().start.to_rfc3339(), "2026-01-01T00:00:00+00:00");
    let empty = generate(&DemoConfig { reports: 0, ..DemoConfig::default() });
    assert!(empty.reports.is_empty());
    assert!(!empty.orgs.is_empty());
    let tiny = generate(&DemoConfig { reports: 30, days: 0, ..DemoConfig::default() });
    assert_eq!(tiny.reports.len(), 30);
    assert!(tiny.networks.iter().map(|n| n.report_count).sum::<usize>() <= 12);
}

// ---------------------------------------------------------------------------------------------
// Flat generators

#[test]
fn flat_reports_have_exactly_n_observables() {
    let reports = reports_with_observables(9, 2_000, 5);
    assert_eq!(reports.len(), 2_000);
    let mut distinct = BTreeSet::new();
    for r in &reports {
        assert_eq!(r.observables.len(), 5);
        let own: BTreeSet<_> = r.observables.iter().map(|o| &o.value).collect();
        assert_eq!(own.len(), 5, "values within a report are distinct");
        assert!(matches!(r.tlp.as_str(), "CLEAR" | "GREEN"));
        for o in &r.observables {
            let kind = o.kind.expect("kind");
            assert_eq!(canon(kind, &o.value), o.value, "flat values are canonical");
            assert_valid(kind, &o.value);
            assert!(o.role.is_some());
            distinct.insert(o.value.clone());
        }
    }
    assert!(distinct.len() > 9_500, "mostly distinct: {}", distinct.len());
    assert!(distinct.len() < 10_000, "a few popular values are shared");
    assert_eq!(reports, reports_with_observables(9, 2_000, 5));
    assert_ne!(reports, reports_with_observables(10, 2_000, 5));
    assert!(reports_with_observables(9, 10, 0).iter().all(|r| r.observables.is_empty()));
    let kinds: BTreeSet<_> =
        reports.iter().flat_map(|r| r.observables.iter().filter_map(|o| o.kind)).collect();
    assert!(kinds.len() >= 8);
}

#[test]
fn selectors_hit_on_even_positions() {
    let reports = reports_with_observables(5, 500, 4);
    let held: BTreeSet<(ObservableKind, String)> = reports
        .iter()
        .flat_map(|r| r.observables.iter().map(|o| (o.kind.expect("kind"), o.value.clone())))
        .collect();
    let sels = selectors(5, 2_000);
    assert_eq!(sels.len(), 2_000);
    assert_eq!(sels, selectors(5, 2_000));
    let mut hits = 0;
    let mut non_canonical = 0;
    for (i, (kind, raw)) in sels.iter().enumerate() {
        assert_valid(*kind, raw);
        let c = canon(*kind, raw);
        if c != *raw {
            non_canonical += 1;
        }
        let hit = held.contains(&(*kind, c));
        if i % 2 == 1 {
            assert!(!hit, "odd selector {i} {raw} hits");
        } else if hit {
            hits += 1;
        }
    }
    assert!(hits >= 950, "{hits} of 1000 even selectors hit");
    assert!(non_canonical >= 300, "{non_canonical} non-canonical writings");
    assert!(sels.iter().any(|(k, v)| *k == ObservableKind::Phone && v.contains(' ')));
    assert!(sels.iter().any(|(k, v)| *k == ObservableKind::Iban && v.contains(' ')));
    assert!(
        sels.iter().any(|(k, v)| *k == ObservableKind::Domain && v.chars().any(|c| c.is_ascii_uppercase()))
    );
    assert!(sels.iter().any(|(k, v)| *k == ObservableKind::Eth && v.chars().any(|c| c.is_ascii_uppercase())));
}
