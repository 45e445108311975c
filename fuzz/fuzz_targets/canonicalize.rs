//! `model::observable::canonicalize` over every kind, with an arbitrary value and default
//! region (`arbitrary` picks them): it never panics, an accepted value is a fixed point (canonicalising the canonical
//! value gives it back, with the same flag and derived observables), the canonical value has
//! no surrounding whitespace, and every derived observable is itself canonical.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use model::observable::{CanonicalizeOptions, ObservableKind, canonicalize, infer_kind};

/// A seed is one byte for the kind, one for the region and the value's UTF-8.
#[derive(Arbitrary, Debug)]
struct Input<'a> {
    kind: u8,
    region: u8,
    value: &'a str,
}

/// Real regions, then none, then strings that are not regions (a client may send any).
const REGIONS: [Option<&str>; 14] = [
    Some("US"),
    Some("GB"),
    Some("DE"),
    Some("FR"),
    Some("NL"),
    Some("IN"),
    Some("BR"),
    Some("AU"),
    None,
    Some(""),
    Some("ZZ"),
    Some("us"),
    Some("USA"),
    Some("\u{130}\u{130}"),
];

fuzz_target!(|input: Input<'_>| {
    let kind = ObservableKind::ALL[usize::from(input.kind) % ObservableKind::ALL.len()];
    let default_region = REGIONS[usize::from(input.region) % REGIONS.len()].map(str::to_owned);
    let opts = CanonicalizeOptions { default_region };
    // Inferring a kind never panics either (the API and ingest call it for kind-less values).
    let _ = infer_kind(input.value);
    let Ok(c) = canonicalize(kind, input.value, &opts) else { return };
    let v = &c.observable.value;
    assert_eq!(c.observable.kind, kind);
    assert_eq!(v.trim(), v, "canonical values carry no surrounding whitespace");
    let again = canonicalize(kind, v, &opts)
        .unwrap_or_else(|e| panic!("canonical {kind:?} {v:?} is refused: {}", e.reason));
    assert_eq!(&again.observable.value, v, "canonical values are fixed points");
    assert_eq!(again.flags, c.flags);
    assert_eq!(again.related, c.related);
    for r in &c.related {
        let d = canonicalize(r.kind, &r.value, &opts)
            .unwrap_or_else(|e| panic!("derived {:?} {:?} is refused: {}", r.kind, r.value, e.reason));
        assert_eq!(d.observable.value, r.value, "derived observables are canonical");
    }
});
