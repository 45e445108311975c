//! Property tests: canonicalisation is idempotent, and valid values built from scratch (with
//! correct checksums) are accepted with the expected canonical form.

use std::net::{Ipv4Addr, Ipv6Addr};

use model::observable::{IBAN_LENGTHS, canonicalize, eip55, iban_mod97, infer_kind};
use model::{CanonicalizeOptions, ObservableKind as K};
use proptest::prelude::*;

fn canon(kind: K, raw: &str) -> Result<String, String> {
    canonicalize(kind, raw, &CanonicalizeOptions::default())
        .map(|c| c.observable.value)
        .map_err(|e| e.to_string())
}

/// Asserts `raw` canonicalises to `expected`, and `expected` to itself.
fn check(kind: K, raw: &str, expected: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(canon(kind, raw), Ok(expected.to_owned()), "{} {:?}", kind, raw);
    prop_assert_eq!(canon(kind, expected), Ok(expected.to_owned()), "{} {:?}", kind, expected);
    Ok(())
}

fn random_case(s: &str, mask: &[bool]) -> String {
    s.chars()
        .zip(mask.iter().cycle())
        .map(|(c, upper)| if *upper { c.to_ascii_uppercase() } else { c })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Labels that cannot collide with public suffix rules: they end in a digit.
fn label() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6})?[0-9]"
}

fn suffix() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "com",
        "net",
        "org",
        "de",
        "co.uk",
        "io",
        "app",
        "shop",
        "xn--p1ai",
        "com.br",
        "blogspot.com",
        "onion",
        "ru",
        "info",
    ])
}

fn domain() -> impl Strategy<Value = String> {
    (prop::collection::vec(label(), 1..4), suffix())
        .prop_map(|(labels, suffix)| format!("{}.{suffix}", labels.join(".")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ipv4(octets in any::<[u8; 4]>()) {
        let ip = Ipv4Addr::from(octets);
        check(K::Ipv4, &ip.to_string(), &ip.to_string())?;
        let padded = octets.map(|o| format!("{o:03}")).join(".");
        check(K::Ipv4, &padded, &ip.to_string())?;
        prop_assert_eq!(infer_kind(&ip.to_string()), Some(K::Ipv4));
    }

    #[test]
    fn ipv6(segments in any::<[u16; 8]>()) {
        let ip = Ipv6Addr::from(segments);
        let full = segments.map(|s| format!("{s:04X}")).join(":");
        check(K::Ipv6, &full, &ip.to_string())?;
        prop_assert_eq!(infer_kind(&ip.to_string()), Some(K::Ipv6));
    }

    #[test]
    fn hashes(bytes in prop::collection::vec(any::<u8>(), 32), mask in prop::collection::vec(any::<bool>(), 1..8)) {
        for (kind, len) in [(K::Md5, 16), (K::Sha1, 20), (K::Sha256, 32), (K::Pdq, 32)] {
            let lower = hex(&bytes[..len]);
            check(kind, &random_case(&lower, &mask), &lower)?;
        }
        prop_assert_eq!(infer_kind(&hex(&bytes[..16])), Some(K::Md5));
        prop_assert_eq!(infer_kind(&hex(&bytes[..20])), Some(K::Sha1));
        prop_assert_eq!(infer_kind(&hex(&bytes)), Some(K::Sha256));
    }

    #[test]
    fn domains(d in domain(), mask in prop::collection::vec(any::<bool>(), 1..8), dot in any::<bool>()) {
        let raw = format!("{}{}", random_case(&d, &mask), if dot { "." } else { "" });
        check(K::Domain, &raw, &d)?;
        prop_assert_eq!(infer_kind(&d), Some(K::Domain));
    }

    #[test]
    fn unicode_domains(name in "[a-zäöüßéñ]{1,10}[0-9]", suffix in suffix()) {
        let raw = format!("{name}.{suffix}");
        let canonical = canon(K::Domain, &raw).map_err(TestCaseError::fail)?;
        prop_assert!(canonical.is_ascii());
        check(K::Domain, &canonical, &canonical)?;
    }

    #[test]
    fn urls(
        scheme in prop::sample::select(vec!["http", "https", "ftp", "hxxp"]),
        host in domain(),
        path in "(/[a-zA-Z0-9._~-]{0,12}){0,3}",
        query in prop::option::of("[a-z]{1,5}=[a-zA-Z0-9]{0,8}"),
    ) {
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        let raw = format!("{}://{}{path}{query}", scheme.to_uppercase(), host.to_uppercase());
        let canonical = canon(K::Url, &raw).map_err(TestCaseError::fail)?;
        let prefix = format!("{scheme}://{host}");
        prop_assert!(canonical.starts_with(&prefix), "{}", canonical);
        check(K::Url, &canonical, &canonical)?;
        prop_assert_eq!(infer_kind(&canonical), Some(K::Url));
    }

    #[test]
    fn emails(local in "[a-z0-9]{1,10}([._+-][a-z0-9]{1,6})?", d in domain(), mask in prop::collection::vec(any::<bool>(), 1..8)) {
        let expected = format!("{local}@{d}");
        check(K::Email, &random_case(&expected, &mask), &expected)?;
        prop_assert_eq!(infer_kind(&expected), Some(K::Email));
    }

    #[test]
    fn phones(code in prop::sample::select(vec!["1", "44", "49", "33", "39", "7", "81", "234", "351"]), national in "[1-9][0-9]{6,11}") {
        // Most random numbers are not in an allocated range; those that are must round-trip.
        if let Ok(canonical) = canon(K::Phone, &format!("+{code} {national}")) {
            let prefix = format!("+{code}");
            prop_assert!(canonical.starts_with(&prefix));
            check(K::Phone, &canonical, &canonical)?;
            prop_assert_eq!(infer_kind(&canonical), Some(K::Phone));
        }
    }

    #[test]
    fn btc_base58(hash in any::<[u8; 20]>(), p2sh in any::<bool>()) {
        let mut payload = vec![if p2sh { 0x05 } else { 0x00 }];
        payload.extend_from_slice(&hash);
        let addr = bs58::encode(&payload).with_check().into_string();
        check(K::Btc, &addr, &addr)?;
        prop_assert_eq!(infer_kind(&addr), Some(K::Btc));
        // Any single-character substitution is caught.
        let flipped: String = addr.chars().enumerate().map(|(i, c)| {
            if i == addr.len() / 2 { if c == 'z' { 'y' } else { 'z' } } else { c }
        }).collect();
        prop_assert!(canon(K::Btc, &flipped).is_err());
    }

    #[test]
    fn btc_segwit(program in prop::collection::vec(any::<u8>(), 32), v0_short in any::<bool>(), version in 0u8..=16) {
        let program: &[u8] = if version == 0 && v0_short { &program[..20] } else { &program[..] };
        let v = bech32::Fe32::try_from(version).unwrap();
        let addr = bech32::segwit::encode(bech32::hrp::BC, v, program).unwrap();
        check(K::Btc, &addr.to_uppercase(), &addr)?;
        prop_assert_eq!(infer_kind(&addr), Some(K::Btc));
        // The same address under the testnet prefix is refused.
        let testnet = bech32::segwit::encode(bech32::hrp::TB, v, program).unwrap();
        prop_assert!(canon(K::Btc, &testnet).unwrap_err().contains("testnet"));
    }

    #[test]
    fn ltc(hash in any::<[u8; 20]>(), version in prop::sample::select(vec![0x30u8, 0x32, 0x05]), program in any::<[u8; 20]>()) {
        let mut payload = vec![version];
        payload.extend_from_slice(&hash);
        let addr = bs58::encode(&payload).with_check().into_string();
        check(K::Ltc, &addr, &addr)?;
        let hrp = bech32::Hrp::parse("ltc").unwrap();
        let segwit = bech32::segwit::encode_v0(hrp, &program).unwrap();
        check(K::Ltc, &segwit, &segwit)?;
        prop_assert_eq!(infer_kind(&segwit), Some(K::Ltc));
    }

    #[test]
    fn trx(hash in any::<[u8; 20]>()) {
        let mut payload = vec![0x41];
        payload.extend_from_slice(&hash);
        let addr = bs58::encode(&payload).with_check().into_string();
        prop_assert!(addr.starts_with('T'));
        check(K::Trx, &addr, &addr)?;
        check(K::Trx, &hex(&payload), &addr)?;
        prop_assert_eq!(infer_kind(&addr), Some(K::Trx));
    }

    #[test]
    fn eth(bytes in any::<[u8; 20]>(), style in 0u8..3) {
        let lower = hex(&bytes);
        let expected = format!("0x{lower}");
        let raw = match style {
            0 => expected.clone(),
            1 => format!("0x{}", lower.to_uppercase()),
            _ => format!("0x{}", eip55(&lower)),
        };
        check(K::Eth, &raw, &expected)?;
        prop_assert_eq!(infer_kind(&raw), Some(K::Eth));
        // Swapping the case of one letter of a checksummed address breaks the checksum.
        let checksummed = eip55(&lower);
        let mixed = checksummed.bytes().any(|b| b.is_ascii_uppercase())
            && checksummed.bytes().any(|b| b.is_ascii_lowercase());
        if mixed && checksummed.bytes().filter(u8::is_ascii_alphabetic).count() > 1 {
            let i = checksummed.find(|c: char| c.is_ascii_alphabetic()).unwrap();
            let mut broken = checksummed.clone().into_bytes();
            broken[i] ^= 0x20;
            let broken = format!("0x{}", String::from_utf8(broken).unwrap());
            let still_mixed = broken.bytes().any(|b| b.is_ascii_uppercase()) && broken[2..].bytes().any(|b| b.is_ascii_lowercase());
            if still_mixed {
                prop_assert_eq!(canon(K::Eth, &broken), Err("invalid eth: eip-55 checksum mismatch".to_owned()));
            }
        }
    }

    #[test]
    fn iban(country in prop::sample::select(IBAN_LENGTHS.to_vec()), seed in prop::collection::vec(0u8..36, 30), lower in any::<bool>(), spaced in any::<bool>()) {
        let (code, len) = country;
        let bban: String = seed[..usize::from(len) - 4]
            .iter()
            .map(|&d| char::from_digit(u32::from(d), 36).unwrap().to_ascii_uppercase())
            .collect();
        let check_digits = 98 - iban_mod97(format!("{code}00{bban}").as_bytes());
        let iban = format!("{code}{check_digits:02}{bban}");
        let mut raw = if spaced {
            iban.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ")
        } else {
            iban.clone()
        };
        if lower {
            raw = raw.to_lowercase();
        }
        check(K::Iban, &raw, &iban)?;
        prop_assert_eq!(infer_kind(&iban), Some(K::Iban));
        // A changed character is refused.
        let mut wrong = iban.clone().into_bytes();
        let last = wrong.len() - 1;
        wrong[last] = match wrong[last] {
            b'9' => b'0',
            b'Z' => b'A',
            c => c + 1,
        };
        prop_assert!(canon(K::Iban, std::str::from_utf8(&wrong).unwrap()).is_err());
    }

    #[test]
    fn telegram(name in "[a-z][a-z0-9_]{2,29}[a-z0-9]", mask in prop::collection::vec(any::<bool>(), 1..8), form in 0usize..4) {
        let expected = format!("@{name}");
        let cased = random_case(&name, &mask);
        let raw = match form {
            0 => format!("@{cased}"),
            1 => cased,
            2 => format!("https://t.me/{cased}"),
            _ => format!("t.me/{cased}"),
        };
        check(K::Telegram, &raw, &expected)?;
        prop_assert_eq!(infer_kind(&expected), Some(K::Telegram));
    }

    /// Whatever a value is, canonicalising it never panics, and whatever it canonicalises to
    /// canonicalises to itself.
    #[test]
    fn idempotent_on_arbitrary_input(raw in "\\PC{0,40}", kind in prop::sample::select(K::ALL.to_vec())) {
        let opts = CanonicalizeOptions { default_region: Some("US".into()) };
        let _ = infer_kind(&raw);
        if let Ok(c) = canonicalize(kind, &raw, &opts) {
            let again = canonicalize(kind, &c.observable.value, &opts);
            prop_assert_eq!(again.map(|c| c.observable.value), Ok(c.observable.value));
        }
    }

    /// Near-valid input for the kinds with the richest syntax: canonical output is a fixed point.
    #[test]
    fn idempotent_on_url_like_input(
        raw in "(https?://|hxxp://|//|www\\.|mailto:|@|t\\.me/)?[a-zA-Z0-9:/.?#@%_~üß+\\[\\]-]{0,30}(\\.(com|de|co\\.uk|pdf))?(/[a-z%0-9.]{0,6})?",
        kind in prop::sample::select(vec![K::Url, K::Domain, K::Email, K::Telegram, K::Ipv6, K::Iban]),
    ) {
        let opts = CanonicalizeOptions::default();
        if let Ok(c) = canonicalize(kind, &raw, &opts) {
            let again = canonicalize(kind, &c.observable.value, &opts);
            prop_assert_eq!(again.map(|c| c.observable.value), Ok(c.observable.value), "{:?}", raw);
        }
    }
}
