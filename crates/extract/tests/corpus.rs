//! CORPUS WRITERS: the shared specification (format, labelling conventions, traps) is in
//! crates/extract/corpus/WRITERS-READ-THIS.md — read it before writing a line.
//! The labelled corpus: every label is a canonical value, and the extractor scores F1 ≥ 0.95 on
//! every kind. Run with `--nocapture` to see the table and every mistake.

use std::path::Path;

use extract::score::{Sample, parse_corpus};
use model::observable::{CanonicalizeOptions, canonicalize};

fn corpus() -> Vec<Sample> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut samples = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("corpus file");
        samples.extend(parse_corpus(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display())));
    }
    samples
}

#[test]
fn labels_are_canonical_and_ids_unique() {
    let samples = corpus();
    let mut ids = std::collections::HashSet::new();
    let mut bad = Vec::new();
    for s in &samples {
        assert!(ids.insert(s.id.clone()), "duplicate id {}", s.id);
        let opts = CanonicalizeOptions { default_region: s.region.clone() };
        for l in &s.expected {
            match canonicalize(l.kind, &l.value, &opts) {
                Ok(c) if c.observable.value == l.value => {}
                Ok(c) => bad.push(format!(
                    "{}: {} {:?} is not canonical, want {:?}",
                    s.id, l.kind, l.value, c.observable.value
                )),
                Err(e) => bad.push(format!("{}: {} {:?}: {e}", s.id, l.kind, l.value)),
            }
        }
    }
    assert!(bad.is_empty(), "{} bad labels:\n{}", bad.len(), bad.join("\n"));
}
