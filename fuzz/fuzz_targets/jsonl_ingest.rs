//! JSON Lines report ingest (`dragnet ingest`, the batch API) over arbitrary bytes, each line
//! read as `dragnet ingest` reads it (`serde_json` into `model::ReportInput`), then the pure
//! checks the engine's `prepare` runs on it: the TLP, the intake details and the victim's data,
//! and every observable's canonicalisation (its kind inferred when missing).
//!
//! Properties: no panic; an accepted line round-trips (serialised and read again it is the same
//! input); a refused intake names its field under the prefix it was given; an accepted
//! observable value is canonical (canonicalising it again changes nothing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::observable::{CanonicalizeOptions, canonicalize, infer_kind};
use model::{ReportInput, Tlp};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = CanonicalizeOptions { default_region: Some("US".into()) };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(input) = serde_json::from_str::<ReportInput>(line) else { continue };
        let json = serde_json::to_string(&input).expect("a report input serialises");
        let back: ReportInput =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json} does not read back: {e}"));
        assert_eq!(back, input, "an accepted line round-trips");

        let _ = Tlp::parse(&input.tlp);
        if let Some(scam) = input.scam.clone() {
            match scam.validate("scam") {
                Ok(v) => {
                    // Validation normalises; what it returns passes again unchanged.
                    assert_eq!(v.clone().validate("scam").as_ref(), Ok(&v), "validated details are stable");
                }
                Err(e) => assert!(e.field.starts_with("scam."), "{e}"),
            }
        }
        if let Some(pii) = input.victim_pii.clone() {
            match pii.validate("victim_pii") {
                Ok(v) => assert_eq!(v.clone().validate("victim_pii").as_ref(), Ok(&v)),
                Err(e) => assert!(e.field.starts_with("victim_pii."), "{e}"),
            }
        }
        for o in &input.observables {
            let Some(kind) = o.kind.or_else(|| infer_kind(&o.value)) else { continue };
            if let Ok(c) = canonicalize(kind, &o.value, &opts) {
                let again = canonicalize(kind, &c.observable.value, &opts).unwrap_or_else(|e| {
                    panic!("canonical {kind:?} {:?} is refused: {}", c.observable.value, e.reason)
                });
                assert_eq!(again.observable.value, c.observable.value);
            }
        }
    }
});
