//! Hash-list entry imports over arbitrary bytes (`dragnet hashes import`, the hash-set entries
//! API): `model::hashlist::parse_entries_jsonl` and `parse_entries_csv` (with and without a
//! header), `pdq::Hash256::from_hex` on every PDQ value they accept and on every line, and
//! `model::audit::parse_hex` (the audit anchors `dragnet audit verify` reads) on every line.
//!
//! Properties: no panic; every error names a line of the input, in increasing order; every
//! accepted entry is valid (validating it again changes nothing: lowercase hex of the kind's
//! length, quality 0-100); whatever hex either parser accepts prints back as the same digits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::hashlist::{HashKind, LineError, parse_entries_csv, parse_entries_jsonl};
use pdq::Hash256;

fn check(text: &str, (entries, errors): (Vec<model::hashlist::HashEntryInput>, Vec<LineError>)) {
    let lines = text.lines().count();
    let mut last = 0;
    for e in &errors {
        assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
        assert!(e.line > last, "errors in line order");
        last = e.line;
        assert!(!e.error.is_empty());
    }
    for e in entries {
        assert_eq!(e.value.len(), e.kind.hex_len());
        assert!(e.value.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')), "{:?}", e.value);
        assert!(e.quality.is_none_or(|q| q <= 100));
        assert_eq!(e.clone().validate().as_ref(), Ok(&e));
        if e.kind == HashKind::Pdq {
            let h = Hash256::from_hex(&e.value).expect("a valid pdq entry is a hash");
            assert_eq!(h.to_hex(), e.value);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check(&text, parse_entries_jsonl(&text));
    check(&text, parse_entries_csv(&text, HashKind::Pdq));
    check(&text, parse_entries_csv(&text, HashKind::Sha256));
    // The hex form alone: whatever from_hex accepts prints back as the same digits.
    for line in text.lines() {
        if let Ok(h) = Hash256::from_hex(line) {
            assert_eq!(h.to_hex(), line.trim().to_ascii_lowercase(), "from_hex accepted {line:?}");
        }
        if let Some(h) = model::audit::parse_hex(line) {
            assert_eq!(model::audit::hex(&h), line.to_ascii_lowercase(), "parse_hex accepted {line:?}");
        }
    }
});
