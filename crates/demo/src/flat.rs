//! Flat generators for benchmarks: many reports with a fixed number of observables, and raw
//! selectors to check against them.

use model::{AudienceInput, ObservableInput, ObservableKind, ReportInput, ReportKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::values;

/// Salt of the stream that decides per-report facts (TLP, popular slots).
const META_SALT: u64 = 0x6d65_7461_0000_0001;
/// Salt of the popular values a few reports share.
const POOL_SALT: u64 = 0x706f_6f6c_0000_0002;
/// Salt of the values `selectors` returns at odd positions (never in the flat reports).
const MISS_SALT: u64 = 0x6d69_7373_0000_0003;
/// Salt of the stream that decides how each selector is written.
const WRITE_SALT: u64 = 0x7772_6974_0000_0004;
/// How many popular values exist.
const POOL: u64 = 1_000;

const FLAT_KINDS: [(ObservableKind, u32); 10] = [
    (ObservableKind::Phone, 20),
    (ObservableKind::Domain, 14),
    (ObservableKind::Url, 14),
    (ObservableKind::Email, 10),
    (ObservableKind::Ipv4, 10),
    (ObservableKind::Btc, 8),
    (ObservableKind::Eth, 7),
    (ObservableKind::Iban, 8),
    (ObservableKind::Sha256, 6),
    (ObservableKind::Telegram, 3),
];

/// The role a value of `kind` plays in flat reports.
fn role_of(kind: ObservableKind) -> &'static str {
    match kind {
        ObservableKind::Phone => "scammer-phone",
        ObservableKind::Domain => "phishing-domain",
        ObservableKind::Url => "phishing-url",
        ObservableKind::Email => "scammer-email",
        ObservableKind::Ipv4 => "c2",
        ObservableKind::Btc | ObservableKind::Eth => "payment-wallet",
        ObservableKind::Iban => "payment-iban",
        ObservableKind::Sha256 => "malware-hash",
        ObservableKind::Telegram => "scammer-telegram",
        _ => "indicator",
    }
}

/// Value number `idx` of the stream of `seed`: a function of `(seed, idx)` only.
fn flat_value(seed: u64, idx: u64) -> (ObservableKind, String) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(idx);
    let weights = FLAT_KINDS.map(|(_, w)| w);
    let kind = FLAT_KINDS[values::weighted(&mut rng, &weights)].0;
    let value = match kind {
        ObservableKind::Phone => {
            let plan = *values::pick(&mut rng, &values::ALL_PLANS);
            values::phone(&mut rng, plan)
        }
        ObservableKind::Domain => values::fresh_domain(&mut rng),
        ObservableKind::Url => {
            let d = values::fresh_domain(&mut rng);
            values::url(&mut rng, &d, &values::URL_PATHS)
        }
        ObservableKind::Email => {
            let d = if rng.random_bool(0.6) {
                values::pick(&mut rng, &values::WEBMAIL).to_string()
            } else {
                values::fresh_domain(&mut rng)
            };
            values::email(&mut rng, &d)
        }
        ObservableKind::Btc => values::btc(&mut rng),
        ObservableKind::Eth => values::eth(&mut rng),
        ObservableKind::Iban => {
            let c = *values::pick(&mut rng, &values::ALL_IBAN);
            values::iban(&mut rng, c)
        }
        ObservableKind::Sha256 => values::sha256(&mut rng),
        ObservableKind::Telegram => values::fresh_telegram(&mut rng),
        _ => values::ipv4(&mut rng),
    };
    (kind, value)
}

/// `n` synthetic reports with exactly `per_report` observables each, for ingest benchmarks.
///
/// Kinds are mixed (phone, domain, URL, e-mail, IPv4, BTC, ETH, IBAN, SHA-256, Telegram), every
/// value is valid and written canonically, and each observable carries a kind and a role.
/// Values are mostly distinct: observable `j` of report `r` is value `r * per_report + j` of
/// the seed's value stream, except that about one report in ten has one slot holding one of
/// 1,000 "popular" values shared across reports (so correlation has something to join).
/// Reports are `CLEAR` (~20%) or `GREEN`, with no audience, labels or dates, so they can be
/// ingested by any organisation of any instance. Deterministic for a seed.
pub fn reports_with_observables(seed: u64, n: usize, per_report: usize) -> Vec<ReportInput> {
    let mut meta = ChaCha8Rng::seed_from_u64(seed ^ META_SALT);
    let mut out = Vec::with_capacity(n);
    for r in 0..n {
        let popular = if per_report > 0 && meta.random_bool(0.1) {
            Some((meta.random_range(0..per_report), meta.random_range(0..POOL)))
        } else {
            None
        };
        let mut observables: Vec<ObservableInput> = Vec::with_capacity(per_report);
        for j in 0..per_report {
            let idx = (r * per_report + j) as u64;
            let mut attempt = 0u64;
            let (kind, value) = loop {
                let candidate = match popular {
                    Some((slot, p)) if slot == j && attempt == 0 => flat_value(seed ^ POOL_SALT, p),
                    // A value already in this report (a rare chance collision): draw from a
                    // side stream so the report keeps exactly `per_report` distinct values.
                    _ if attempt > 0 => flat_value(seed, idx | (attempt << 56)),
                    _ => flat_value(seed, idx),
                };
                if attempt >= 8 || !observables.iter().any(|o| o.value == candidate.1) {
                    break candidate;
                }
                attempt += 1;
            };
            observables.push(ObservableInput {
                kind: Some(kind),
                value,
                role: Some(role_of(kind).to_string()),
            });
        }
        let kind = if r % 3 == 0 { ReportKind::Intel } else { ReportKind::Scam };
        let tlp = if meta.random_bool(0.2) { "CLEAR" } else { "GREEN" };
        out.push(ReportInput {
            scam: None,
            victim_pii: None,
            discoverable: None,
            kind,
            title: format!("Synthetic {} report {r}", kind.as_str()),
            narrative: format!("Synthetic benchmark report {r} from seed {seed}."),
            tlp: tlp.to_string(),
            audience: AudienceInput::default(),
            labels: Vec::new(),
            first_seen: None,
            last_seen: None,
            observables,
        });
    }
    out
}

/// `n` raw selectors of mixed kinds, for hit/no-hit check benchmarks.
///
/// About half are written the way people write them rather than canonically: spaced or
/// dashed phone numbers (`+1 888 839 1214`, `+1 (888) 839-1214`), upper-case domains and URL
/// hosts, IBANs in groups of four, EIP-55 mixed-case Ethereum addresses, upper-case bech32
/// and SHA-256. Every selector is valid.
///
/// Even positions hit, odd positions miss: selector `2m` is value `m` of the stream
/// [`reports_with_observables`] draws from with the same seed (observable `m % k` of report
/// `m / k` with `k` observables per report, unless it is the one slot in about `10 * k` that
/// holds a popular value instead), so it is found once `m < n * k`. Selector `2m + 1` comes from a separate stream
/// and appears in no flat report. Deterministic for a seed.
pub fn selectors(seed: u64, n: usize) -> Vec<(ObservableKind, String)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let m = (i / 2) as u64;
        let (kind, canon) = if i % 2 == 0 { flat_value(seed, m) } else { flat_value(seed ^ MISS_SALT, m) };
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ WRITE_SALT);
        rng.set_stream(i as u64);
        let variant = if rng.random_bool(0.5) { rng.random_range(1..=3) } else { 0 };
        out.push((kind, values::written(kind, &canon, variant)));
    }
    out
}
