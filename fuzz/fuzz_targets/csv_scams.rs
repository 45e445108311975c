//! CSV scam-report import (`dragnet import scams FILE.csv`) over arbitrary bytes: the file is
//! tokenised as the CLI does (the `csv` crate, no headers, flexible widths), the first record
//! read by `model::scam::table::Header`, every other non-blank record by
//! `model::scam::table::intake`, and what it gives turned into a report input and checked as
//! the engine checks intake details and victim data.
//!
//! Properties: no panic; a refused row says which column (or the field count) is at fault; an
//! accepted row's intake round-trips through JSON (the intake API's form) and becomes a `scam`
//! report; a refused detail names its field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::scam::IntakeInput;
use model::scam::table::{Header, intake};
use model::{ReportInput, ReportKind};

fuzz_target!(|data: &[u8]| {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(data);
    let mut records = reader.records();
    let Some(Ok(first)) = records.next() else { return };
    let header = match Header::parse(&first) {
        Ok(h) => h,
        Err(e) => {
            assert!(e.starts_with("line 1: "), "{e}");
            return;
        }
    };
    assert_eq!(header.width(), first.len());
    for record in records.flatten() {
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let fields: Vec<&str> = record.iter().collect();
        match intake(&header, &fields) {
            Err(e) => assert!(
                e.starts_with("column ")
                    || e.starts_with("columns ")
                    || e.contains(" fields where the header has "),
                "a row error names its column: {e}"
            ),
            Ok(i) => {
                let json = serde_json::to_string(&i).expect("an intake serialises");
                let back: IntakeInput =
                    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json} does not read back: {e}"));
                assert_eq!(back, i, "an intake round-trips");
                let r: ReportInput = i.into_report_input(vec!["Elder Fraud Network".into()]);
                assert_eq!(r.kind, ReportKind::Scam);
                assert!(!r.title.trim().is_empty(), "a made-up title is never empty");
                if let Some(s) = r.scam
                    && let Err(e) = s.validate("scam")
                {
                    assert!(e.field.starts_with("scam."), "{e}");
                }
                if let Some(p) = r.victim_pii
                    && let Err(e) = p.validate("victim_pii")
                {
                    assert!(e.field.starts_with("victim_pii."), "{e}");
                }
            }
        }
    }
});
