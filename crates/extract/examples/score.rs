//! Scores the extractor on a labelled corpus: per-kind precision, recall and F1, and every
//! mistake. `cargo run -p extract --example score -- [DIR|FILE.jsonl ...]` (default: the corpus).

use std::path::{Path, PathBuf};

use extract::score::{Score, parse_corpus};
use extract::{ExtractOptions, Extractor, WarningLists};

fn main() {
    let mut args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if args.is_empty() {
        args.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"));
    }
    let mut files = Vec::new();
    for a in args {
        if a.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&a)
                .unwrap_or_else(|e| panic!("{}: {e}", a.display()))
                .map(|e| e.expect("directory entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(a);
        }
    }
    let extractor = Extractor::new(ExtractOptions::default(), WarningLists::builtin());
    let mut score = Score::default();
    let mut n = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for s in parse_corpus(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display())) {
            let found = extractor.extract_in_region(&s.text, s.region.as_deref());
            score.add(&s, found.iter().map(|x| (x.kind, x.value.as_str())));
            n += 1;
        }
    }
    for m in &score.misses {
        println!("{:<12} {:<14} {:<15} {}", m.sample, m.error, m.kind.as_str(), m.value);
    }
    println!("{n} narratives from {} file(s)\n{}", files.len(), score.table());
}
