//! Extraction, kind by kind and defang form by defang form: what must be found, what must not.

use extract::{ExtractOptions, Extractor, Finding, WarningLists};
use model::ObservableKind as K;
use proptest::prelude::*;
use std::sync::LazyLock;

static US: LazyLock<Extractor> = LazyLock::new(|| {
    Extractor::new(ExtractOptions { default_region: Some("US".into()) }, WarningLists::empty())
});
static NONE: LazyLock<Extractor> =
    LazyLock::new(|| Extractor::new(ExtractOptions::default(), WarningLists::empty()));

fn found(text: &str) -> Vec<(K, String)> {
    US.extract(text).into_iter().map(|f| (f.kind, f.value)).collect()
}

fn one(text: &str) -> Finding {
    let mut all = US.extract(text);
    assert_eq!(all.len(), 1, "{text:?} gave {all:#?}");
    all.pop().expect("one finding")
}

#[track_caller]
fn finds(text: &str, kind: K, value: &str) {
    let all = found(text);
    assert!(all.contains(&(kind, value.to_owned())), "{text:?}: want {kind} {value}, got {all:?}");
}

#[track_caller]
fn finds_nothing(text: &str) {
    let all = found(text);
    assert!(all.is_empty(), "{text:?}: want nothing, got {all:?}");
}

#[track_caller]
fn finds_no(text: &str, kind: K) {
    let all = found(text);
    assert!(!all.iter().any(|(k, _)| *k == kind), "{text:?}: want no {kind}, got {all:?}");
}

#[test]
fn ipv4() {
    finds("C2 at 185.220.101.45 port 443", K::Ipv4, "185.220.101.45");
    finds("beacon to 45.9.148.108.", K::Ipv4, "45.9.148.108");
    finds("(91.215.85.17)", K::Ipv4, "91.215.85.17");
    finds("srv 5.188.86.2:8443 listening", K::Ipv4, "5.188.86.2");
    for trap in [
        "router 192.168.1.10 and 10.0.0.5 and 127.0.0.1",
        "link-local 169.254.10.2, docs 192.0.2.14, 203.0.113.9, 198.51.100.77",
        "Chrome 120.0.6099.109 and Windows 10.0.19045.3803",
        "version 10.2.3.4 and v2.4.1.7 and build 8.1.2.3",
        "dated 2024.03.15 or 15.03.2024",
        "octet 256.1.1.1 is not an address",
        "five parts 1.2.3.4.5",
        "the OID 1.3.6.1.4.1.311 is long",
    ] {
        finds_no(trap, K::Ipv4);
    }
}

#[test]
fn ipv6() {
    finds("C2 2a03:2880:f12f:83:face:b00c:0:25de seen", K::Ipv6, "2a03:2880:f12f:83:face:b00c:0:25de");
    finds("resolver 2001:4860:4860::8888.", K::Ipv6, "2001:4860:4860::8888");
    finds("upper 2A01:4F8:C17:B8F::2 too", K::Ipv6, "2a01:4f8:c17:b8f::2");
    for trap in
        ["docs 2001:db8::1 and fe80::1 and ::1 and fc00::5", "time 10:30:45 and mac 00:1a:2b:3c:4d:5e"]
    {
        finds_no(trap, K::Ipv6);
    }
}

#[test]
fn domains() {
    finds("go to secure-refund-help.com now", K::Domain, "secure-refund-help.com");
    finds("site amaz0n-refunds.shop.", K::Domain, "amaz0n-refunds.shop");
    finds("on login.microsoft-support-24x7.net today", K::Domain, "login.microsoft-support-24x7.net");
    finds("UK shop fake-royalmail.co.uk", K::Domain, "fake-royalmail.co.uk");
    finds("IDN пример-банк.рф", K::Domain, "xn----8sbcooqjmlkd.xn--p1ai");
    for trap in [
        "open invoice.pdf and setup.exe and Report.docx and scan.xlsx and photo.jpeg",
        "then backup.zip and clip.mov",
        "it was the end.The next day",
        "I received.It said",
        "e.g. i.e. U.S. Mr.Smith",
        "node.js and config.yaml and main.cpp",
    ] {
        finds_no(trap, K::Domain);
    }
}

#[test]
fn urls() {
    finds("click https://secure-refund.help/claim?id=7 now", K::Url, "https://secure-refund.help/claim?id=7");
    finds("see (http://evil.ru/a).", K::Url, "http://evil.ru/a");
    finds(
        "wiki https://en.wikipedia.org/wiki/Foo_(bar) ok",
        K::Url,
        "https://en.wikipedia.org/wiki/Foo_(bar)",
    );
    finds("go www.scam-site.xyz today", K::Url, "http://www.scam-site.xyz/");
    finds("path evil-host.top/login.php here", K::Url, "http://evil-host.top/login.php");
    finds("ip 45.9.148.108:8080/gate.php here", K::Url, "http://45.9.148.108:8080/gate.php");
    finds("ftp://files.example-drop.ru/x", K::Url, "ftp://files.example-drop.ru/x");
    // The host of a URL is not reported again.
    assert_eq!(found("https://evil.ru/x").len(), 1);
    finds_nothing("router http://192.168.1.1/admin");
    finds_no("a file:///etc/passwd", K::Url);
}

#[test]
fn emails() {
    finds("write to John.Smith@Gmail.com.", K::Email, "john.smith@gmail.com");
    finds("<refunds@secure-refund.help>", K::Email, "refunds@secure-refund.help");
    assert_eq!(found("mail support@evil.ru").len(), 1, "the domain of an e-mail is not reported again");
    finds_no("user@localhost and a@b", K::Email);
}

#[test]
fn phones() {
    finds("call (844) 390-5364 now", K::Phone, "+18443905364");
    finds("call 844.390.5364", K::Phone, "+18443905364");
    finds("call +44 20 7946 0958", K::Phone, "+442079460958");
    finds("ring 0044 20 7946 0958", K::Phone, "+442079460958");
    finds("number 8443905364", K::Phone, "+18443905364");
    let f = one("call Microsoft at 1 - { 8 8 8 } - ( 8 3 9 ) - ( 1 2 1 4 ), then");
    assert_eq!((f.kind, f.value.as_str(), f.defanged), (K::Phone, "+18888391214", true));
    assert_eq!(f.raw, "1 - { 8 8 8 } - ( 8 3 9 ) - ( 1 2 1 4 )");
    let f = one("he said 8.4.4-3.9.0-5.3.6.4");
    assert_eq!((f.value.as_str(), f.defanged), ("+18443905364", true));
    for trap in [
        "on 2024-03-15 and 03/15/2024",
        "case no. 2024118734 and order #8443905364",
        "unformatted 8443905364 with no context",
        "paid $1,500.00 and 1 500 000 EUR",
        "card 4111 1111 1111 1111",
        "invalid 123-456-7890",
    ] {
        finds_no(trap, K::Phone);
    }
    // National numbers need a region.
    assert!(NONE.extract("call (844) 390-5364").is_empty());
    assert_eq!(NONE.extract("call +1 844 390 5364").len(), 1);
}

#[test]
fn wallets() {
    finds("send to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.", K::Btc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    finds("p2sh 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", K::Btc, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy");
    finds(
        "bech32 bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        K::Btc,
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    );
    finds(
        "taproot bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
        K::Btc,
        "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
    );
    finds(
        "eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        K::Eth,
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
    );
    finds("usdt TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", K::Trx, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
    finds("ltc LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9", K::Ltc, "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9");
    finds(
        "in a url https://blockchair.com/bitcoin/address/1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        K::Btc,
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    );
    for trap in [
        "bad checksum 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
        "bad eip55 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
        "bad bech32 bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx",
        "tx 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed5aaeb6053f3e94c9b9a09f33",
    ] {
        finds_no(trap, K::Btc);
        finds_no(trap, K::Eth);
    }
}

#[test]
fn ibans() {
    finds("pay to GB29 NWBK 6016 1331 9268 19 today", K::Iban, "GB29NWBK60161331926819");
    finds("IBAN: DE89370400440532013000.", K::Iban, "DE89370400440532013000");
    finds("two GB29NWBK60161331926819 DE89370400440532013000", K::Iban, "DE89370400440532013000");
    finds("FR14 2004 1010 0505 0001 3M02 606 THEN", K::Iban, "FR1420041010050500013M02606");
    finds_no("wrong check DE88370400440532013000", K::Iban);
    finds_no("short GB29 NWBK 6016", K::Iban);
}

#[test]
fn hashes() {
    finds("md5 D41D8CD98F00B204E9800998ECF8427E", K::Md5, "d41d8cd98f00b204e9800998ecf8427e");
    finds(
        "sha1: da39a3ee5e6b4b0d3255bfef95601890afd80709",
        K::Sha1,
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    );
    let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    finds(&format!("SHA-256 {sha}"), K::Sha256, sha);
    finds(&format!("PDQ hash of the image: {sha}"), K::Pdq, sha);
    finds(&format!("PDQ 1234, then sha256: {sha}"), K::Sha256, sha);
    finds(&format!("https://www.virustotal.com/gui/file/{sha}/detection"), K::Sha256, sha);
    for trap in [
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "48 hex d41d8cd98f00b204e9800998ecf8427ed41d8cd98f00b204",
        "git abc1234 and colour #ff00aa",
    ] {
        let all = found(trap);
        assert!(all.is_empty(), "{trap}: {all:?}");
    }
}

#[test]
fn telegram() {
    finds("join t.me/refund_help_desk", K::Telegram, "@refund_help_desk");
    finds("https://t.me/CryptoKing77 now", K::Telegram, "@cryptoking77");
    finds("on Telegram @cryptoking77 or", K::Telegram, "@cryptoking77");
    finds("DM @support_refund on Telegram", K::Telegram, "@support_refund");
    assert_eq!(found("t.me/refund_help_desk").len(), 1, "a t.me link is the handle, not a URL");
    finds_no("follow @cryptoking77 on Instagram", K::Telegram);
    finds_no("tweet by @someone_else", K::Telegram);
    finds_no("invite t.me/joinchat/AAAAAEkk2WdoDZgK", K::Telegram);
}

#[test]
fn remote_access() {
    finds("open AnyDesk and read the ID 123 456 789 to me", K::RemoteAccess, "anydesk:123456789");
    finds("TeamViewer ID: 1 234 567 890", K::RemoteAccess, "teamviewer:1234567890");
    finds("id 987654321 on rustdesk", K::RemoteAccess, "rustdesk:987654321");
    finds_no("case number 123 456 789 was opened", K::RemoteAccess);
    finds_no("AnyDesk, then he called 844-390-5364", K::RemoteAccess);
}

#[test]
fn defang_forms() {
    let cases: [(&str, K, &str); 24] = [
        ("hxxp://evil.ru/a", K::Url, "http://evil.ru/a"),
        ("hxxps://evil.ru/a", K::Url, "https://evil.ru/a"),
        ("h**ps://evil.ru/a", K::Url, "https://evil.ru/a"),
        ("fxp://evil.ru/a", K::Url, "ftp://evil.ru/a"),
        ("evil[.]ru", K::Domain, "evil.ru"),
        ("evil(.)ru", K::Domain, "evil.ru"),
        ("evil{.}ru", K::Domain, "evil.ru"),
        ("evil[dot]ru", K::Domain, "evil.ru"),
        ("evil(dot)ru", K::Domain, "evil.ru"),
        ("evil dot ru", K::Domain, "evil.ru"),
        ("evil\\.ru", K::Domain, "evil.ru"),
        ("https[:]//evil.ru/a", K::Url, "https://evil.ru/a"),
        ("https[://]evil.ru/a", K::Url, "https://evil.ru/a"),
        ("https://evil.ru[/]a", K::Url, "https://evil.ru/a"),
        ("bob[@]evil.ru", K::Email, "bob@evil.ru"),
        ("bob(@)evil.ru", K::Email, "bob@evil.ru"),
        ("bob{@}evil.ru", K::Email, "bob@evil.ru"),
        ("bob[at]evil.ru", K::Email, "bob@evil.ru"),
        ("bob(at)evil.ru", K::Email, "bob@evil.ru"),
        ("bob at evil dot ru", K::Email, "bob@evil.ru"),
        ("45.9.148[.]108", K::Ipv4, "45.9.148.108"),
        ("HXXPS://EVIL[DOT]RU/a", K::Url, "https://evil.ru/a"),
        ("evil\u{3002}ru", K::Domain, "evil.ru"),
        ("ev\u{200B}il.ru", K::Domain, "evil.ru"),
    ];
    for (written, kind, value) in cases {
        let text = format!("see {written} now");
        let f = one(&text);
        assert_eq!((f.kind, f.value.as_str()), (kind, value), "{written}");
        assert!(f.defanged, "{written} is defanged");
        assert_eq!(f.raw, written, "the raw span is the original text");
        assert_eq!(&text[f.start..f.end], written);
    }
    let f = one("see evil.ru now");
    assert!(!f.defanged);
}

#[test]
fn unicode_text_keeps_offsets() {
    let text = "電話番号は ０１２０−４４４−４４４ です。サイト ｅｖｉｌ．ｃｏｍ";
    let all = Extractor::new(ExtractOptions { default_region: Some("JP".into()) }, WarningLists::empty())
        .extract(text);
    assert!(all.iter().any(|f| f.kind == K::Domain && f.value == "evil.com"), "{all:?}");
    for f in &all {
        assert_eq!(&text[f.start..f.end], f.raw);
    }
}

#[test]
fn never_fails_on_garbage() {
    for text in [
        "",
        "\0\0",
        "[.][.][.]",
        "hxxp",
        " at at at ",
        "@@@@",
        "::::::::",
        "1.1.1.1.1.1.1",
        "\u{FEFF}\u{200B}",
    ] {
        let _ = US.extract(text);
    }
    let long = "a".repeat(100_000) + ".com " + &"9".repeat(50_000);
    let _ = US.extract(&long);
}

/// Found by `cargo fuzz run extract`: a sentence window ending inside a multi-byte character.
#[test]
fn fuzz_regression_window_inside_a_character() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/extract/crash-01a4199078d7b27952c66f6e8933524fe3dfbc99"
    ))
    .expect("the crash input is committed with the fuzz corpus");
    let text = String::from_utf8_lossy(&bytes);
    for f in US.extract(&text) {
        assert_eq!(&text[f.start..f.end], f.raw);
    }
    let text = format!("AnyDesk{}", "ー".repeat(200));
    let _ = US.extract(&text);
}

#[test]
fn warning_lists_flag_but_keep() {
    let ex = Extractor::new(ExtractOptions::default(), WarningLists::builtin());
    let all = ex.extract("resolver 8.8.8.8, shortener bit.ly, brand paypal.com and evil-refund.help");
    assert_eq!(all.len(), 4, "{all:?}");
    for f in &all[..3] {
        assert!(!f.warninglists.is_empty(), "{f:?} is on a built-in list");
    }
    assert!(all[3].warninglists.is_empty(), "{all:?}");
}

// --- property: defanging then extracting finds exactly the original canonical value ---

const TLDS: [&str; 10] = ["com", "net", "org", "info", "xyz", "shop", "de", "co.uk", "ru", "online"];
const STOP: [&str; 12] =
    ["that", "this", "each", "every", "polka", "blue", "black", "white", "green", "small", "little", "from"];

fn label() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{3,9}"
        .prop_filter("not an English word the refanger keeps", |l| !STOP.contains(&l.as_str()))
}

fn domain() -> impl Strategy<Value = String> {
    (prop::collection::vec(label(), 1..3), prop::sample::select(TLDS.to_vec()))
        .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join(".")))
}

fn indicator() -> impl Strategy<Value = (K, String)> {
    let hex = |n: usize| {
        prop::collection::vec(prop::sample::select(b"0123456789abcdef".to_vec()), n)
            .prop_map(|v| String::from_utf8(v).expect("ascii"))
    };
    prop_oneof![
        domain().prop_map(|d| (K::Domain, d)),
        (domain(), "[a-z0-9]{1,8}").prop_map(|(d, p)| (K::Url, format!("https://{d}/{p}"))),
        (label(), domain()).prop_map(|(l, d)| (K::Email, format!("{l}@{d}"))),
        (11u8..=223, any::<u8>(), any::<u8>(), 1u8..=254)
            .prop_map(|(a, b, c, d)| (K::Ipv4, format!("{a}.{b}.{c}.{d}"))),
        hex(32).prop_map(|h| (K::Md5, h)),
        hex(40).prop_map(|h| (K::Sha1, h)),
        hex(64).prop_map(|h| (K::Sha256, h)),
        hex(40).prop_map(|h| (K::Eth, format!("0x{h}"))),
        ("[a-z][a-z0-9_]{4,20}[a-z0-9]").prop_map(|h| (K::Telegram, format!("t.me/{h}"))),
        (prop::sample::select(vec!["212", "415", "646", "305", "702"]), 200u32..999, 0u32..10000)
            .prop_map(|(a, x, l)| (K::Phone, format!("({a}) {x}-{l:04}"))),
    ]
}

/// Defangs `raw` with the forms chosen by `seed`; returns the text and whether it changed.
fn defang(kind: K, raw: &str, seed: usize) -> String {
    const DOTS: [&str; 7] = ["[.]", "(.)", "{.}", "[dot]", "(dot)", "\\.", " [.] "];
    const ATS: [&str; 5] = ["[@]", "(@)", "{@}", "[at]", "(at)"];
    let dot = DOTS[seed % DOTS.len()];
    let at = ATS[seed % ATS.len()];
    match kind {
        K::Url => {
            let (_, rest) = raw.split_once("://").expect("scheme");
            let (host, path) = rest.split_once('/').expect("path");
            let scheme = ["hxxps", "h**ps", "https"][seed % 3];
            let sep = ["://", "[://]", "[:]//"][seed % 3];
            format!("{scheme}{sep}{}/{path}", host.replace('.', dot))
        }
        K::Email => {
            let (l, d) = raw.split_once('@').expect("at");
            format!("{l}{at}{}", d.replace('.', dot))
        }
        K::Domain | K::Ipv4 => raw.replace('.', dot),
        K::Phone => {
            raw.chars().map(|c| if c.is_ascii_digit() { format!("{c} ") } else { c.to_string() }).collect()
        }
        _ => raw.to_owned(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn defanged_indicators_are_found_exactly((kind, raw) in indicator(), seed in 0usize..1000) {
        let opts = model::CanonicalizeOptions { default_region: Some("US".into()) };
        let canon = model::observable::canonicalize(kind, &raw, &opts);
        prop_assume!(canon.as_ref().is_ok_and(|c| c.flags.is_empty()));
        let canon = canon.expect("valid").observable.value;
        let written = defang(kind, &raw, seed);
        let text = format!("Reported on Monday: {written} (see case notes).");
        let got: Vec<(K, String)> = US.extract(&text).into_iter().map(|f| (f.kind, f.value)).collect();
        prop_assert_eq!(got, vec![(kind, canon)], "{}", text);
    }

    #[test]
    fn arbitrary_text_never_panics_and_spans_are_exact(text in "\\PC{0,200}") {
        for f in US.extract(&text) {
            prop_assert_eq!(&text[f.start..f.end], f.raw.as_str());
        }
    }
}
