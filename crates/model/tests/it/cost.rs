//! Per-kind cost of `canonicalize`, printed (not asserted: a timed assertion is not a
//! benchmark). Run with `cargo test -p model --test it cost -- --ignored --nocapture`; numbers
//! from a debug build overstate the optimised cost several times over.

use std::time::Instant;

use model::observable::{canonicalize, infer_kind};
use model::{CanonicalizeOptions, ObservableKind as K};

const SAMPLES: [(K, &str); 18] = [
    (K::Ipv4, "198.51.100.3"),
    (K::Ipv6, "2001:db8:85a3::8a2e:370:7334"),
    (K::Domain, "secure-login-paypa1.com"),
    (K::Domain, "bücher.example.de"),
    (K::Url, "https://microsoft-support-help.net/call-now?id=991"),
    (K::Email, "refund.desk@protonmail.com"),
    (K::Phone, "+1 888 839 1214"),
    (K::Phone, "+44 20 7946 0958"),
    (K::Btc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
    (K::Btc, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
    (K::Eth, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
    (K::Trx, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
    (K::Ltc, "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9"),
    (K::Iban, "GB82 WEST 1234 5698 7654 32"),
    (K::Md5, "D41D8CD98F00B204E9800998ECF8427E"),
    (K::Sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (K::Pdq, "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"),
    (K::Telegram, "https://t.me/support_refund_team"),
];

const PHONES: [&str; 20] = [
    "+1 888 839 1214",
    "+44 20 7946 0958",
    "+49 30 123456",
    "+33 1 42 68 53 00",
    "+39 06 6982 1234",
    "+7 495 123-45-67",
    "+81 3-1234-5678",
    "+61 2 9374 4000",
    "+91 22 2778 2222",
    "+55 11 3003 1234",
    "+34 912 34 56 78",
    "+31 20 123 4567",
    "+46 8 123 456 78",
    "+48 22 123 45 67",
    "+86 10 1234 5678",
    "+234 1 234 5678",
    "+27 21 123 4567",
    "+52 55 1234 5678",
    "+90 212 123 45 67",
    "+1 416 555 0199",
];

#[test]
#[ignore = "prints timings; run explicitly"]
fn per_kind_cost() {
    let opts = CanonicalizeOptions { default_region: Some("US".into()) };
    // Phone metadata is compiled per region on first use: the cold cost.
    let start = Instant::now();
    for raw in PHONES {
        let _ = canonicalize(K::Phone, raw, &opts);
    }
    println!("phone, first use of 20 regions: {:?}", start.elapsed());
    let start = Instant::now();
    let n = 100;
    for _ in 0..n {
        for raw in PHONES {
            let _ = std::hint::black_box(canonicalize(K::Phone, std::hint::black_box(raw), &opts));
        }
    }
    println!("phone, 20 countries in turn: {:?} per number", start.elapsed() / (n * PHONES.len() as u32));
    // Warm up lazily initialised metadata (phone database, regex caches).
    for (kind, raw) in SAMPLES {
        canonicalize(kind, raw, &opts).unwrap();
    }
    let n = 2000;
    for (kind, raw) in SAMPLES {
        let start = Instant::now();
        for _ in 0..n {
            std::hint::black_box(canonicalize(kind, std::hint::black_box(raw), &opts).unwrap());
        }
        let per = start.elapsed() / n;
        println!("{kind:>9} {per:>10.2?}  {raw}");
    }
    let start = Instant::now();
    for _ in 0..n {
        for (_, raw) in SAMPLES {
            std::hint::black_box(infer_kind(std::hint::black_box(raw)));
        }
    }
    println!("infer_kind {:>9.2?} per value", start.elapsed() / (n * SAMPLES.len() as u32));
    let batch: Vec<(K, &str)> = SAMPLES.iter().copied().cycle().take(10_000).collect();
    let start = Instant::now();
    for (kind, raw) in &batch {
        std::hint::black_box(canonicalize(*kind, raw, &opts).unwrap());
    }
    println!("10,000 mixed values: {:?}", start.elapsed());
}
