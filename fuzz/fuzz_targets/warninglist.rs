//! MISP warning-list JSON over arbitrary bytes (`dragnet warninglists`, `--warninglists DIR`):
//! `extract::WarningList::from_json`, then the list asked about each of its own entries, as
//! given and canonicalised as every kind it applies to.
//!
//! Properties: no panic (regexes and CIDRs in lists are untrusted too); `matches` is
//! `applies_to` and `contains` together; a list of `string` type holds its own canonical
//! entries.
#![no_main]

use extract::WarningList;
use libfuzzer_sys::fuzz_target;
use model::observable::{CanonicalizeOptions, ObservableKind, canonicalize};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(list) = WarningList::from_json(text) else { return };
    let doc: Value = serde_json::from_str(text).expect("from_json read json");
    let entries: Vec<String> = match doc.get("list") {
        Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    };
    let opts = CanonicalizeOptions::default();
    for e in entries.iter().take(64) {
        let _ = list.contains(None, e);
        for kind in ObservableKind::ALL {
            let Ok(c) = canonicalize(kind, e, &opts) else { continue };
            let v = &c.observable.value;
            let contained = list.contains(Some(kind), v);
            assert_eq!(list.matches(kind, v), list.applies_to(kind) && contained);
        }
    }
});
