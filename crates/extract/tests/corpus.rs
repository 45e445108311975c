//! The labelled corpus: every label is a canonical value, and the extractor scores F1 ≥ 0.95 on
//! every kind. Run with `--nocapture` to see the table and every mistake. The held-out set
//! (`corpus/holdout`) has its labels checked here too, but is scored only by
//! `cargo run -p extract --example score -- crates/extract/corpus/holdout` and `bench/extract`.

use std::path::Path;

use extract::score::{Sample, parse_corpus};
use model::observable::{CanonicalizeOptions, canonicalize};

fn corpus() -> Vec<Sample> {
    read_dir("corpus")
}

fn read_dir(sub: &str) -> Vec<Sample> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(sub);
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
    let mut samples = corpus();
    let holdout = read_dir("corpus/holdout");
    assert!(holdout.len() >= 60, "the held-out set has {} narratives", holdout.len());
    samples.extend(holdout);
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

/// Per-kind precision, recall and F1 of the extractor on the corpus; every kind must reach
/// F1 ≥ 0.95. The table and every mistake are printed (see them with `--nocapture`).
#[test]
fn every_kind_reaches_f1_095() {
    use extract::{ExtractOptions, Extractor, WarningLists};
    let samples = corpus();
    let extractor = Extractor::new(ExtractOptions::default(), WarningLists::builtin());
    let mut score = extract::score::Score::default();
    for s in &samples {
        let found = extractor.extract_in_region(&s.text, s.region.as_deref());
        score.add(s, found.iter().map(|f| (f.kind, f.value.as_str())));
    }
    for m in &score.misses {
        println!("{:<12} {:<14} {:<15} {}", m.sample, m.error, m.kind.as_str(), m.value);
    }
    println!("{} narratives\n{}", samples.len(), score.table());
    let weak: Vec<String> = score
        .kinds
        .iter()
        .filter(|(_, c)| c.f1() < 0.95)
        .map(|(k, c)| format!("{k}: f1 {:.3}", c.f1()))
        .collect();
    assert!(weak.is_empty(), "kinds below F1 0.95: {weak:?}");
    assert!(samples.len() >= 150, "the corpus has {} narratives, fewer than 150", samples.len());
    let kinds = model::ObservableKind::ALL.len();
    assert_eq!(score.kinds.len(), kinds, "every kind is labelled somewhere in the corpus");
}

/// Every finding's span, extracted again on its own, gives the same value: the offset map
/// points at the right bytes of the original text (Unicode, defanged forms and all).
#[test]
fn spans_point_at_what_was_found() {
    use extract::{ExtractOptions, Extractor, WarningLists};
    use model::ObservableKind as K;
    let extractor = Extractor::new(ExtractOptions::default(), WarningLists::empty());
    let mut checked = 0;
    for s in corpus().iter().chain(read_dir("corpus/holdout").iter()) {
        for f in extractor.extract_in_region(&s.text, s.region.as_deref()) {
            assert_eq!(&s.text[f.start..f.end], f.raw);
            // Kinds found by their shape alone (no context words needed).
            if matches!(
                f.kind,
                K::Url | K::Email | K::Ipv4 | K::Ipv6 | K::Btc | K::Eth | K::Iban | K::Md5 | K::Sha1
            ) {
                let again = extractor.extract_in_region(&f.raw, s.region.as_deref());
                assert!(
                    again.iter().any(|g| g.kind == f.kind
                        && g.value == f.value
                        && g.start == 0
                        && g.end == f.raw.len()),
                    "{}: {:?} re-extracted as {again:?}",
                    s.id,
                    f
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "only {checked} findings checked");
}
