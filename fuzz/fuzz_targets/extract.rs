//! Extraction over arbitrary bytes: it never panics, every span is a slice of the input on
//! character boundaries, and every value is canonical (canonicalising it again changes nothing).
#![no_main]

use std::sync::LazyLock;

use extract::{ExtractOptions, Extractor, WarningLists};
use libfuzzer_sys::fuzz_target;
use model::observable::{CanonicalizeOptions, canonicalize};

static EXTRACTOR: LazyLock<Extractor> = LazyLock::new(|| {
    Extractor::new(ExtractOptions { default_region: Some("US".into()) }, WarningLists::builtin())
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = CanonicalizeOptions { default_region: Some("US".into()) };
    for f in EXTRACTOR.extract(&text) {
        assert!(f.start < f.end && f.end <= text.len(), "span {}..{} of {}", f.start, f.end, text.len());
        assert_eq!(&text[f.start..f.end], f.raw);
        let again = canonicalize(f.kind, &f.value, &opts).expect("an extracted value canonicalises");
        assert_eq!(again.observable.value, f.value, "canonical values are fixed points");
    }
});
