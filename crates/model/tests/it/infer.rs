use model::ObservableKind as K;
use model::observable::infer_kind;

#[test]
fn infers_each_kind() {
    for (raw, kind) in [
        ("https://example.com/login", K::Url),
        ("hxxp://evil.example.com/x", K::Url),
        ("www.example.com", K::Url),
        ("example.com/login", K::Url),
        ("198.51.100.3:8080/a", K::Url),
        ("john@example.com", K::Email),
        ("mailto:john@example.com", K::Email),
        ("8.8.8.8", K::Ipv4),
        ("256.1.1.1", K::Ipv4),
        ("2001:db8::1", K::Ipv6),
        ("::1", K::Ipv6),
        ("GB82WEST12345698765432", K::Iban),
        ("GB82 WEST 1234 5698 7654 32", K::Iban),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", K::Eth),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", K::Btc),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", K::Btc),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", K::Btc),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", K::Btc),
        ("LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9", K::Ltc),
        ("ltc1qg42tkwuuxefutzxezdkdel39gfstuap288mfea", K::Ltc),
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", K::Trx),
        ("d41d8cd98f00b204e9800998ecf8427e", K::Md5),
        ("da39a3ee5e6b4b0d3255bfef95601890afd80709", K::Sha1),
        ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", K::Sha256),
        ("+1 888 839 1214", K::Phone),
        ("(888) 839-1214", K::Phone),
        ("+44 20 7946 0958", K::Phone),
        ("@support_refund_team", K::Telegram),
        ("t.me/support_refund_team", K::Telegram),
        ("example.com", K::Domain),
        ("Secure-Login-Paypa1.COM", K::Domain),
        ("bücher.de", K::Domain),
        ("  example.com  ", K::Domain),
    ] {
        assert_eq!(infer_kind(raw), Some(kind), "{raw:?}");
    }
}

#[test]
fn ordinary_values_do_not_misfire() {
    for raw in [
        "",
        "   ",
        "hello",
        "hello world",
        "invoice.pdf",
        "setup.exe",
        "1.2.3",
        "v1.2.3",
        "2024-01-15",
        "12:30",
        "123",
        "3.14",
        "@",
        "@ab",
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
        "GB82WEST12345698765433",
        "d41d8cd98f00b204e9800998ecf8427",
        "localhost",
        "C:\\Windows\\System32",
        "/etc/passwd",
    ] {
        assert_eq!(infer_kind(raw), None, "{raw:?}");
    }
}

/// Whatever is inferred from a canonical value of a kind is that kind, except where the shape
/// is shared (a PDQ hash looks like a SHA-256, a legacy `3…` Litecoin P2SH like a Bitcoin one).
#[test]
fn canonical_values_infer_their_kind() {
    let opts = model::CanonicalizeOptions::default();
    for (kind, raw) in [
        (K::Ipv4, "8.8.8.8"),
        (K::Ipv6, "2001:db8::1"),
        (K::Domain, "example.com"),
        (K::Url, "https://example.com/login"),
        (K::Email, "john@example.com"),
        (K::Phone, "+18888391214"),
        (K::Btc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        (K::Eth, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
        (K::Trx, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
        (K::Ltc, "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9"),
        (K::Iban, "DE89370400440532013000"),
        (K::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
        (K::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        (K::Sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (K::Telegram, "@support_refund_team"),
    ] {
        let value = model::observable::canonicalize(kind, raw, &opts).unwrap().observable.value;
        assert_eq!(infer_kind(&value), Some(kind), "{value}");
    }
}
