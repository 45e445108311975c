use model::observable::{canonicalize, registrable_domain};
use model::{CanonicalizeOptions, Flag, Observable, ObservableKind as K};

fn none() -> CanonicalizeOptions {
    CanonicalizeOptions::default()
}

fn us() -> CanonicalizeOptions {
    CanonicalizeOptions { default_region: Some("US".into()) }
}

#[track_caller]
fn ok(kind: K, raw: &str, expected: &str) {
    ok_with(kind, raw, expected, &none());
}

#[track_caller]
fn ok_with(kind: K, raw: &str, expected: &str, opts: &CanonicalizeOptions) {
    let c = canonicalize(kind, raw, opts).unwrap_or_else(|e| panic!("{kind} {raw:?}: {e}"));
    assert_eq!(c.observable.kind, kind);
    assert_eq!(c.observable.value, expected, "{kind} {raw:?}");
    // Idempotent.
    let again = canonicalize(kind, expected, opts).unwrap_or_else(|e| panic!("{kind} {expected:?}: {e}"));
    assert_eq!(again.observable.value, expected);
}

#[track_caller]
fn err(kind: K, raw: &str) -> String {
    err_with(kind, raw, &none())
}

#[track_caller]
fn err_with(kind: K, raw: &str, opts: &CanonicalizeOptions) -> String {
    match canonicalize(kind, raw, opts) {
        Ok(c) => panic!("{kind} {raw:?} accepted as {:?}", c.observable.value),
        Err(e) => {
            assert_eq!(e.kind, kind);
            assert!(!e.reason.is_empty());
            assert!(!e.reason.starts_with(char::is_uppercase), "reason capitalised: {}", e.reason);
            assert!(!e.reason.ends_with('.'), "reason ends with a period: {}", e.reason);
            assert_eq!(e.to_string(), format!("invalid {kind}: {}", e.reason));
            e.reason
        }
    }
}

fn flags(kind: K, raw: &str) -> Vec<Flag> {
    canonicalize(kind, raw, &none()).unwrap().flags
}

fn related(kind: K, raw: &str) -> Vec<Observable> {
    canonicalize(kind, raw, &none()).unwrap().related
}

fn obs(kind: K, value: &str) -> Observable {
    Observable { kind, value: value.into() }
}

#[test]
fn ipv4() {
    ok(K::Ipv4, "8.8.8.8", "8.8.8.8");
    ok(K::Ipv4, " 192.168.001.010 ", "192.168.1.10");
    ok(K::Ipv4, "0.0.0.0", "0.0.0.0");
    assert!(err(K::Ipv4, "256.1.1.1").contains("out of range"));
    assert!(err(K::Ipv4, "1.2.3").contains("four"));
    err(K::Ipv4, "1.2.3.4.5");
    err(K::Ipv4, "1.2.3.-4");
    err(K::Ipv4, "0x7f.0.0.1");
    err(K::Ipv4, "3232235777");
    err(K::Ipv4, "::1");
    assert_eq!(err(K::Ipv4, "  "), "empty value");
}

#[test]
fn ipv4_flags() {
    assert_eq!(flags(K::Ipv4, "8.8.8.8"), vec![]);
    assert_eq!(flags(K::Ipv4, "10.0.0.5"), vec![Flag::Private]);
    assert_eq!(flags(K::Ipv4, "172.16.0.1"), vec![Flag::Private]);
    assert_eq!(flags(K::Ipv4, "192.168.0.1"), vec![Flag::Private]);
    assert_eq!(flags(K::Ipv4, "127.0.0.1"), vec![Flag::Loopback]);
    assert_eq!(flags(K::Ipv4, "169.254.10.1"), vec![Flag::LinkLocal]);
    for reserved in [
        "192.0.2.1",
        "198.51.100.3",
        "203.0.113.77",
        "100.64.0.1",
        "0.1.2.3",
        "240.0.0.1",
        "255.255.255.255",
        "224.0.0.1",
        "198.18.0.1",
        "192.0.0.8",
    ] {
        assert_eq!(flags(K::Ipv4, reserved), vec![Flag::Reserved], "{reserved}");
    }
}

#[test]
fn ipv6() {
    ok(K::Ipv6, "2001:DB8:0:0:0:0:0:1", "2001:db8::1");
    ok(K::Ipv6, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    ok(K::Ipv6, "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8:85a3::8a2e:370:7334");
    ok(K::Ipv6, "::ffff:192.0.2.1", "::ffff:192.0.2.1");
    ok(K::Ipv6, "2606:4700:4700::1111", "2606:4700:4700::1111");
    assert!(err(K::Ipv6, "[2001:db8::1]").contains("brackets"));
    assert!(err(K::Ipv6, "fe80::1%eth0").contains("zone"));
    err(K::Ipv6, "2001:db8::1::2");
    err(K::Ipv6, "2001:db8::g");
    err(K::Ipv6, "1.2.3.4");
    assert_eq!(flags(K::Ipv6, "::1"), vec![Flag::Loopback]);
    assert_eq!(flags(K::Ipv6, "fe80::1"), vec![Flag::LinkLocal]);
    assert_eq!(flags(K::Ipv6, "fd12:3456::1"), vec![Flag::Private]);
    assert_eq!(flags(K::Ipv6, "2001:db8::1"), vec![Flag::Reserved]);
    assert_eq!(flags(K::Ipv6, "ff02::1"), vec![Flag::Reserved]);
    assert_eq!(flags(K::Ipv6, "::"), vec![Flag::Reserved]);
    assert_eq!(flags(K::Ipv6, "2606:4700:4700::1111"), vec![]);
}

#[test]
fn domain() {
    ok(K::Domain, "Example.COM", "example.com");
    ok(K::Domain, " www.example.com. ", "www.example.com");
    ok(K::Domain, "bücher.de", "xn--bcher-kva.de");
    ok(K::Domain, "BÜCHER.de", "xn--bcher-kva.de");
    ok(K::Domain, "xn--bcher-kva.de", "xn--bcher-kva.de");
    ok(K::Domain, "пример.рф", "xn--e1afmkfd.xn--p1ai");
    ok(K::Domain, "secure-login-paypa1.com", "secure-login-paypa1.com");
    ok(K::Domain, "_dmarc.example.com", "_dmarc.example.com");
    ok(K::Domain, "foo.blogspot.com", "foo.blogspot.com");
    ok(K::Domain, "github.io", "github.io");
    ok(
        K::Domain,
        "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
        "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
    );
    ok(K::Domain, "evil.zip", "evil.zip");
    assert_eq!(err(K::Domain, "invoice.pdf"), "unknown top-level domain \"pdf\"");
    assert_eq!(err(K::Domain, "setup.exe"), "unknown top-level domain \"exe\"");
    assert!(err(K::Domain, "-bad-.com").contains("hyphen"));
    err(K::Domain, "bad-.com");
    err(K::Domain, "localhost");
    err(K::Domain, "com");
    assert!(err(K::Domain, "co.uk").contains("public suffix"));
    assert!(err(K::Domain, "my_shop.com").contains("underscore"));
    assert!(err(K::Domain, "a..com").contains("empty label"));
    err(K::Domain, "exa mple.com");
    err(K::Domain, "exa!mple.com");
    err(K::Domain, "xn--zz.com");
    err(K::Domain, "1.2.3.4");
    assert!(err(K::Domain, "https://example.com").contains("url"));
    assert!(err(K::Domain, "john@example.com").contains("e-mail"));
    assert!(err(K::Domain, &format!("{}.com", "a".repeat(64))).contains("63"));
    let long = format!("{}com", "abcdefghi.".repeat(26));
    assert!(err(K::Domain, &long).contains("253"));
}

#[test]
fn domain_related_and_registrable() {
    assert_eq!(related(K::Domain, "www.example.co.uk"), vec![obs(K::Domain, "example.co.uk")]);
    assert_eq!(related(K::Domain, "example.co.uk"), vec![]);
    assert_eq!(related(K::Domain, "a.b.foo.blogspot.com"), vec![obs(K::Domain, "foo.blogspot.com")]);
    assert_eq!(related(K::Domain, "foo.blogspot.com"), vec![]);
    assert_eq!(registrable_domain("foo.blogspot.com").as_deref(), Some("foo.blogspot.com"));
    assert_eq!(registrable_domain("login.secure.example.com").as_deref(), Some("example.com"));
    assert_eq!(registrable_domain("WWW.Example.COM.").as_deref(), Some("example.com"));
    assert_eq!(registrable_domain("github.io"), None);
    assert_eq!(registrable_domain("co.uk"), None);
    assert_eq!(registrable_domain("invoice.pdf"), None);
}

#[test]
fn url() {
    ok(K::Url, "https://example.com/login", "https://example.com/login");
    ok(K::Url, "HTTPS://EXAMPLE.COM:443/Login", "https://example.com/Login");
    ok(K::Url, "http://example.com:80", "http://example.com/");
    ok(K::Url, "http://example.com:8080/a?b=c#d", "http://example.com:8080/a?b=c#d");
    ok(K::Url, "example.com/login", "http://example.com/login");
    ok(K::Url, "www.example.com", "http://www.example.com/");
    ok(K::Url, "http://bücher.de/straße", "http://xn--bcher-kva.de/stra%C3%9Fe");
    ok(K::Url, "http://198.51.100.3:8080/a?b=c", "http://198.51.100.3:8080/a?b=c");
    ok(K::Url, "ftp://files.example.org/x.zip", "ftp://files.example.org/x.zip");
    ok(K::Url, "hxxps://Evil.Example.com/x", "hxxps://evil.example.com/x");
    ok(K::Url, "http://[2001:db8::1]/", "http://[2001:db8::1]/");
    ok(K::Url, "https://example.com./", "https://example.com/");
    assert!(err(K::Url, "mailto:john@example.com").contains("no host"));
    err(K::Url, "javascript:alert(1)");
    err(K::Url, "file:///etc/passwd");
    assert!(err(K::Url, "http://localhost:8080/").starts_with("invalid host"));
    assert_eq!(err(K::Url, "http://invoice.pdf/x"), "invalid host: unknown top-level domain \"pdf\"");
    err(K::Url, "http://exa mple.com/");
    err(K::Url, "http://example.com:99999/");
    err(K::Url, "");
}

#[test]
fn url_related_and_flags() {
    let c = canonicalize(K::Url, "https://login.Example.com/x", &none()).unwrap();
    assert_eq!(c.related, vec![obs(K::Domain, "login.example.com")]);
    assert!(c.flags.is_empty());
    let c = canonicalize(K::Url, "http://198.51.100.3:8080/a", &none()).unwrap();
    assert_eq!(c.related, vec![obs(K::Ipv4, "198.51.100.3")]);
    assert_eq!(c.flags, vec![Flag::IpHost, Flag::Reserved]);
    let c = canonicalize(K::Url, "http://8.8.8.8/", &none()).unwrap();
    assert_eq!(c.flags, vec![Flag::IpHost]);
    let c = canonicalize(K::Url, "http://[::1]/", &none()).unwrap();
    assert_eq!(c.related, vec![obs(K::Ipv6, "::1")]);
    assert_eq!(c.flags, vec![Flag::IpHost, Flag::Loopback]);
}

#[test]
fn email() {
    ok(K::Email, "John@Example.com", "john@example.com");
    ok(K::Email, " refund.desk@protonmail.com ", "refund.desk@protonmail.com");
    ok(K::Email, "mailto:a+tag@bücher.de", "a+tag@xn--bcher-kva.de");
    ok(K::Email, "o'brien@example.ie", "o'brien@example.ie");
    assert_eq!(related(K::Email, "john@mail.example.co.uk"), vec![obs(K::Domain, "mail.example.co.uk")]);
    assert_eq!(err(K::Email, "john.example.com"), "missing '@'");
    err(K::Email, "@example.com");
    err(K::Email, "john@");
    err(K::Email, ".john@example.com");
    err(K::Email, "john.@example.com");
    err(K::Email, "jo..hn@example.com");
    err(K::Email, "jo hn@example.com");
    err(K::Email, "\"john doe\"@example.com");
    err(K::Email, "john@[192.0.2.1]");
    assert!(err(K::Email, "john@invoice.pdf").starts_with("invalid domain"));
    err(K::Email, &format!("{}@example.com", "a".repeat(65)));
}

#[test]
fn phone() {
    ok(K::Phone, "+1 888 839 1214", "+18888391214");
    ok(K::Phone, "+1 (888) 839-1214", "+18888391214");
    ok_with(K::Phone, "(888) 839-1214", "+18888391214", &us());
    ok_with(K::Phone, "888.839.1214", "+18888391214", &us());
    ok_with(K::Phone, "1-888-839-1214", "+18888391214", &us());
    ok(K::Phone, "+44 20 7946 0958", "+442079460958");
    ok_with(
        K::Phone,
        "020 7946 0958",
        "+442079460958",
        &CanonicalizeOptions { default_region: Some("gb".into()) },
    );
    ok(K::Phone, "+39 06 6982 1234", "+390669821234");
    ok(K::Phone, "+49 30 123456", "+4930123456");
    ok(K::Phone, "tel:+1-888-839-1214", "+18888391214");
    assert_eq!(err(K::Phone, "+1 555 0100"), "not a valid number for region US");
    assert_eq!(err_with(K::Phone, "555 0100", &us()), "not a valid number for region US");
    err(K::Phone, "+44 12");
    err(K::Phone, "+999 1234 5678");
    assert!(err(K::Phone, "888 839 1214").starts_with("missing country code"));
    assert_eq!(err(K::Phone, "+1 888 839 1214 x12"), "phone extensions are not supported");
    err(K::Phone, "hello");
    err(K::Phone, "+1 888 839 1214 5555 5555 5555");
    err(K::Phone, "12");
    assert_eq!(
        err_with(K::Phone, "8888391214", &CanonicalizeOptions { default_region: Some("XX".into()) }),
        "unknown default region \"XX\""
    );
}

#[test]
fn btc() {
    for addr in [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    ] {
        ok(K::Btc, addr, addr);
        ok(K::Btc, &format!("  {addr}\n"), addr);
    }
    ok(K::Btc, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
    // One character flipped.
    assert_eq!(err(K::Btc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"), "base58check checksum mismatch");
    assert_eq!(err(K::Btc, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz"), "base58check checksum mismatch");
    assert_eq!(err(K::Btc, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"), "bech32 checksum mismatch");
    assert!(err(K::Btc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na").contains("base58 character '0'"));
    assert_eq!(err(K::Btc, "bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"), "mixed-case bech32 address");
    // BIP-350 test vector: witness v1 encoded with the bech32 (not bech32m) constant.
    assert!(
        err(K::Btc, "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx")
            .contains("bech32m")
    );
    // BIP-350: witness v0 encoded with bech32m.
    assert!(err(K::Btc, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh").contains("witness version 0"));
    // Invalid v0 program length.
    err(K::Btc, "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du");
    assert!(err(K::Btc, "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx").contains("testnet"));
    assert!(err(K::Btc, "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn").contains("testnet"));
    assert!(err(K::Btc, "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9").contains("litecoin"));
    err(K::Btc, "1A1z");
    err(K::Btc, "");
}

#[test]
fn eth() {
    ok(K::Eth, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    ok(K::Eth, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359");
    ok(K::Eth, "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    ok(K::Eth, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    assert_eq!(err(K::Eth, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), "eip-55 checksum mismatch");
    assert_eq!(
        err(K::Eth, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"),
        "expected 40 hex digits after 0x, found 39"
    );
    assert_eq!(err(K::Eth, "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"), "missing 0x prefix");
    err(K::Eth, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg");
    err(K::Eth, "vitalik.eth");
}

#[test]
fn trx() {
    ok(K::Trx, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
    assert_eq!(err(K::Trx, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"), "base58check checksum mismatch");
    err(K::Trx, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    err(K::Trx, "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c");
}

#[test]
fn ltc() {
    ok(K::Ltc, "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9", "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9");
    ok(K::Ltc, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy");
    ok(K::Ltc, "ltc1qg42tkwuuxefutzxezdkdel39gfstuap288mfea", "ltc1qg42tkwuuxefutzxezdkdel39gfstuap288mfea");
    assert_eq!(err(K::Ltc, "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH8"), "base58check checksum mismatch");
    assert!(err(K::Ltc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa").contains("bitcoin"));
    assert!(err(K::Ltc, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4").contains("bitcoin"));
}

#[test]
fn iban() {
    ok(K::Iban, "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432");
    ok(K::Iban, "DE89370400440532013000", "DE89370400440532013000");
    ok(K::Iban, "de89 3704 0044 0532 0130 00", "DE89370400440532013000");
    ok(K::Iban, "IBAN NL91-ABNA-0417-1643-00", "NL91ABNA0417164300");
    ok(K::Iban, "NO9386011117947", "NO9386011117947");
    ok(K::Iban, "MT84MALT011000012345MTLCAST001S", "MT84MALT011000012345MTLCAST001S");
    assert_eq!(err(K::Iban, "GB82 WEST 1234 5698 7654 33"), "iban checksum mismatch (mod 97)");
    assert_eq!(
        err(K::Iban, "DE8937040044053201300"),
        "wrong length for DE: expected 22 characters, found 21"
    );
    assert_eq!(err(K::Iban, "US12345678901234"), "unknown iban country code \"US\"");
    err(K::Iban, "GB82 WEST 1234 5698 7654 32 1");
    err(K::Iban, "12GB WEST");
    err(K::Iban, "GB82_WEST12345698765432");
}

#[test]
fn hashes() {
    ok(K::Md5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e");
    ok(K::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    ok(
        K::Sha256,
        " E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 ",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    ok(
        K::Pdq,
        "F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22",
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
    );
    assert_eq!(
        err(K::Sha256, "d41d8cd98f00b204e9800998ecf8427e"),
        "expected 64 hex digits, found 32 (looks like an md5)"
    );
    assert_eq!(err(K::Md5, "d41d8cd98f00b204e9800998ecf8427g"), "invalid hex character 'g'");
    err(K::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd8070");
    err(K::Pdq, "");
}

#[test]
fn telegram() {
    ok(K::Telegram, "@Support_Refund_Team", "@support_refund_team");
    ok(K::Telegram, "support_refund_team", "@support_refund_team");
    ok(K::Telegram, "t.me/support_refund_team", "@support_refund_team");
    ok(K::Telegram, "https://t.me/support_refund_team", "@support_refund_team");
    ok(K::Telegram, "https://telegram.me/support_refund_team", "@support_refund_team");
    ok(K::Telegram, "https://t.me/s/support_refund_team/42", "@support_refund_team");
    assert!(err(K::Telegram, "https://t.me/+AbCdEfGh").contains("invite"));
    assert!(err(K::Telegram, "https://t.me/joinchat/AbCdEfGh").contains("invite"));
    assert_eq!(err(K::Telegram, "@1abcde"), "username must start with a letter");
    assert_eq!(err(K::Telegram, "@abcdef_"), "username cannot end with an underscore");
    assert!(err(K::Telegram, "@abc").contains("4 to 32"));
    assert!(err(K::Telegram, &format!("@{}", "a".repeat(33))).contains("4 to 32"));
    err(K::Telegram, "@abc.def");
    err(K::Telegram, "https://example.com/abcdef");
}

#[test]
fn no_error_is_capitalised_or_ends_with_a_period() {
    let junk = ["", " ", "x", "!!!", "a@b", "1.2", "http://", "@", "0x", "ÄÖÜ", "+", "::", "GB00"];
    for kind in K::ALL {
        for raw in junk {
            if let Err(e) = canonicalize(kind, raw, &us()) {
                assert!(!e.reason.starts_with(char::is_uppercase), "{kind} {raw:?}: {}", e.reason);
                assert!(!e.reason.ends_with('.'), "{kind} {raw:?}: {}", e.reason);
            }
        }
    }
}
