//! STIX 2.1 bundles and TAXII envelopes over arbitrary bytes, read as `dragnet import stix` and
//! the TAXII add-objects route read them: `raw_objects_of` (objects kept as received), each
//! object validated by `parse_object`, and the whole set mapped to reports by
//! `import::map_objects`.
//!
//! Properties: no panic; `raw_objects_of` and `objects_of` agree (except that the first refuses a
//! member named twice); an object's facts do not
//! depend on its formatting (validated again after a JSON round trip it gives the same
//! `ObjectMeta`), its id starts with its type and its version is `modified`, else `created`;
//! errors name positions inside the input; every mapped observable is canonical and carries
//! dragnet's STIX id for its value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::observable::{CanonicalizeOptions, Observable, canonicalize};
use serde_json::Value;
use stix::import::map_objects;
use stix::object::{objects_of, parse_object, raw_objects_of, unique_members};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(raw) = raw_objects_of(text) else {
        // A member named twice is refused on the way in (readers differ on which one counts);
        // otherwise the two readers agree.
        if let Ok(v) = serde_json::from_str::<Value>(text)
            && unique_members(text).is_ok()
        {
            assert!(objects_of(&v).is_err(), "raw_objects_of refuses what objects_of reads: {text}");
        }
        return;
    };
    let body: Value = serde_json::from_str(text).expect("raw_objects_of read json");
    let objects = objects_of(&body).expect("objects_of reads what raw_objects_of reads");
    assert_eq!(objects.len(), raw.len());
    for (r, v) in raw.iter().zip(objects) {
        let parsed: Value = serde_json::from_str(r.get()).expect("a raw object is json");
        assert_eq!(&parsed, v, "the raw text is the object");
        match parse_object(v) {
            Ok(meta) => {
                assert!(meta.id.starts_with(&format!("{}--", meta.ty)), "{meta:?}");
                assert_eq!(meta.version, meta.modified.or(meta.created));
                let reformatted: Value =
                    serde_json::from_str(&serde_json::to_string_pretty(v).unwrap()).unwrap();
                assert_eq!(parse_object(&reformatted), Ok(meta));
            }
            Err(e) => assert!(!e.message.is_empty()),
        }
    }
    let mapped = map_objects(objects);
    let opts = CanonicalizeOptions::default();
    for e in &mapped.errors {
        assert!(e.index < objects.len(), "{e}");
    }
    let observables = mapped.reports.iter().flat_map(|r| &r.observables).chain(&mapped.loose);
    for o in observables {
        let c = canonicalize(o.kind, &o.value, &opts)
            .unwrap_or_else(|e| panic!("mapped {:?} {:?} is not canonical: {}", o.kind, o.value, e.reason));
        assert_eq!(c.observable.value, o.value);
        let id = model::stix::stix_id(&Observable { kind: o.kind, value: o.value.clone() });
        assert_eq!(o.stix_id, id);
    }
    for r in &mapped.reports {
        assert!(r.index < objects.len());
        assert!(r.stix_id.starts_with("report--"), "{}", r.stix_id);
    }
});
