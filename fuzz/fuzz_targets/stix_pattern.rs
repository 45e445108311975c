//! The STIX patterning language parser (`stix::pattern::parse`) over arbitrary text: it never
//! panics (nesting is bounded), an error's offset lies within the input, and an accepted pattern
//! prints (`Display`) to text that parses back to the same tree and prints the same again. The
//! equalities it names are those of the printed pattern too, and each escapes and re-parses
//! inside a pattern export writes (`equality_pattern`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stix::pattern::{equality_pattern, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let p = match parse(text) {
        Ok(p) => p,
        Err(e) => {
            assert!(e.offset <= text.len(), "error offset {} past the end ({})", e.offset, text.len());
            return;
        }
    };
    let printed = p.to_string();
    let again =
        parse(&printed).unwrap_or_else(|e| panic!("{printed:?} (printed from {text:?}) does not parse: {e}"));
    assert_eq!(again, p, "printed {printed:?}");
    assert_eq!(again.to_string(), printed, "printing is stable");
    assert_eq!(again.equalities(), p.equalities());
    for eq in p.equalities() {
        let path: Vec<&str> = eq.path.iter().map(String::as_str).collect();
        let written = equality_pattern(&eq.object_type, &path, &eq.value);
        let w = parse(&written)
            .unwrap_or_else(|e| panic!("{written:?} (written from {eq:?}) does not parse: {e}"));
        assert_eq!(w.equalities(), vec![eq], "{written:?}");
    }
});
