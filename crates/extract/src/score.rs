//! The labelled corpus format and its scorer: per-kind precision, recall and F1.
//!
//! A corpus is JSON Lines, one narrative per line:
//!
//! ```json
//! {"id": "scam-001", "source": "elderly-scam", "region": "US",
//!  "text": "…", "expected": [{"kind": "phone", "value": "+18443905364"}]}
//! ```
//!
//! `region` is the default region for national phone numbers in that text; `expected` is the
//! set of `(kind, canonical value)` the text holds. Scoring compares sets per narrative: a
//! finding is a true positive when its `(kind, value)` is expected, a false positive otherwise;
//! every expected pair not found is a false negative.

use std::collections::{BTreeMap, BTreeSet};

use model::ObservableKind;
use serde::{Deserialize, Serialize};

/// One labelled narrative.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    pub id: String,
    pub source: String,
    #[serde(default)]
    pub region: Option<String>,
    pub text: String,
    pub expected: Vec<Label>,
    /// Free notes for the reader of the corpus (what the traps are); ignored by the scorer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One expected indicator.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub kind: ObservableKind,
    pub value: String,
}

/// Why a corpus line could not be read.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {source}")]
pub struct CorpusError {
    pub line: usize,
    #[source]
    pub source: serde_json::Error,
}

/// Parses a JSON Lines corpus; blank lines are skipped.
pub fn parse_corpus(text: &str) -> Result<Vec<Sample>, CorpusError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|source| CorpusError { line: i + 1, source }))
        .collect()
}

/// True positives, false positives and false negatives of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// A mistake, for reading why a score is what it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Miss {
    pub sample: String,
    pub kind: ObservableKind,
    pub value: String,
    /// `false-positive` or `false-negative`.
    pub error: &'static str,
}

/// Per-kind counts over a corpus, with every mistake.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Score {
    pub kinds: BTreeMap<ObservableKind, Counts>,
    pub misses: Vec<Miss>,
}

impl Score {
    /// Adds one narrative: what was expected and what an extractor found (duplicates ignored).
    pub fn add<'a>(&mut self, sample: &Sample, found: impl IntoIterator<Item = (ObservableKind, &'a str)>) {
        let expected: BTreeSet<(ObservableKind, &str)> =
            sample.expected.iter().map(|l| (l.kind, l.value.as_str())).collect();
        let found: BTreeSet<(ObservableKind, &str)> = found.into_iter().collect();
        for &(kind, value) in &found {
            let counts = self.kinds.entry(kind).or_default();
            if expected.contains(&(kind, value)) {
                counts.tp += 1;
            } else {
                counts.fp += 1;
                self.misses.push(Miss {
                    sample: sample.id.clone(),
                    kind,
                    value: value.to_owned(),
                    error: "false-positive",
                });
            }
        }
        for &(kind, value) in expected.difference(&found) {
            self.kinds.entry(kind).or_default().fn_ += 1;
            self.misses.push(Miss {
                sample: sample.id.clone(),
                kind,
                value: value.to_owned(),
                error: "false-negative",
            });
        }
    }

    /// All kinds together.
    pub fn total(&self) -> Counts {
        self.kinds.values().fold(Counts::default(), |a, c| Counts {
            tp: a.tp + c.tp,
            fp: a.fp + c.fp,
            fn_: a.fn_ + c.fn_,
        })
    }

    /// A plain-text table: kind, expected, tp, fp, fn, precision, recall, F1.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<14} {:>8} {:>6} {:>5} {:>5} {:>9} {:>7} {:>6}\n",
            "kind", "expected", "tp", "fp", "fn", "precision", "recall", "f1"
        );
        let rows = self.kinds.iter().map(|(k, c)| (k.as_str(), *c)).chain([("all", self.total())]);
        for (name, c) in rows {
            out.push_str(&format!(
                "{:<14} {:>8} {:>6} {:>5} {:>5} {:>9.3} {:>7.3} {:>6.3}\n",
                name,
                c.tp + c.fn_,
                c.tp,
                c.fp,
                c.fn_,
                c.precision(),
                c.recall(),
                c.f1()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_f1() {
        let sample = Sample {
            id: "t".into(),
            source: "test".into(),
            region: None,
            text: String::new(),
            expected: vec![
                Label { kind: ObservableKind::Domain, value: "a.com".into() },
                Label { kind: ObservableKind::Domain, value: "b.com".into() },
            ],
            note: None,
        };
        let mut score = Score::default();
        score.add(&sample, [(ObservableKind::Domain, "a.com"), (ObservableKind::Domain, "c.com")]);
        let c = score.kinds[&ObservableKind::Domain];
        assert_eq!(c, Counts { tp: 1, fp: 1, fn_: 1 });
        assert!((c.f1() - 0.5).abs() < 1e-9);
        assert_eq!(score.misses.len(), 2);
        assert!(parse_corpus("{\"id\":1}").is_err());
    }
}
