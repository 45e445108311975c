//! MISP event JSON over arbitrary bytes, as `dragnet import misp` reads an event file or a feed:
//! `misp::import::map_event` on every event of the document (`events_of`), and
//! `misp::feed::manifest_entries` on the same text (a feed's `manifest.json`).
//!
//! Properties: no panic; an event is refused only for its uuid or for not being an object;
//! every mapped observable is canonical (canonicalising it again changes nothing) and its role
//! reads back (`types::Role::parse`, which export uses to regroup objects); the values
//! and sightings kept on a part survive the narrative appendix (`appendix::write` then
//! `appendix::read` gives them back); a manifest entry's file is `<uuid>.json` when its key is
//! a uuid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use misp::appendix;
use misp::feed::manifest_entries;
use misp::import::{EventError, events_of, map_event};
use misp::types::Role;
use model::observable::{CanonicalizeOptions, canonicalize};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(entries) = manifest_entries(text) {
        for e in entries {
            if let Some(u) = e.uuid {
                assert_eq!(e.file, format!("{u}.json"));
            }
        }
    }
    let Ok(doc) = serde_json::from_str::<Value>(text) else { return };
    let opts = CanonicalizeOptions { default_region: Some("US".into()) };
    for event in events_of(&doc) {
        let mapped = match map_event(event, &opts) {
            Ok(m) => m,
            Err(EventError::NotAnObject | EventError::Uuid(_)) => continue,
            Err(e) => panic!("a parsed document fails as {e}"),
        };
        assert!(!mapped.parts.is_empty() || mapped.skipped.iter().all(|s| !s.reason.is_empty()));
        for part in &mapped.parts {
            for a in &part.observables {
                let c = canonicalize(a.kind, &a.value, &opts).unwrap_or_else(|e| {
                    panic!("mapped {:?} {:?} is not canonical: {}", a.kind, a.value, e.reason)
                });
                assert_eq!(c.observable.value, a.value);
                let role =
                    Role::parse(&a.role).unwrap_or_else(|| panic!("role {:?} does not read back", a.role));
                assert_eq!(role.to_role_string(), a.role);
            }
            let written = appendix::write("", &part.kept, &part.sightings);
            let (narrative, kept, sightings) = appendix::read(&written);
            assert_eq!(kept, part.kept, "kept values survive the appendix: {written}");
            assert_eq!(sightings, part.sightings, "sightings survive the appendix: {written}");
            assert_eq!(narrative, "", "{written}");
        }
        for s in &mapped.skipped {
            assert!(!s.reason.is_empty());
        }
    }
});
