//! Writes sample STIX bundles exported by dragnet, for checking with the OASIS validator:
//!
//! ```text
//! cargo run -p stix --example export_sample -- target/stix-samples
//! target/stix-venv/bin/stix2_validator target/stix-samples/*.json
//! ```
//!
//! - `every-kind-reports.json`: a scam report with one observable of every kind (and victim
//!   PII, which must not appear) and an intel report sharing two of its values;
//! - `every-kind-campaign.json`, `every-kind-network.json`: the same in a campaign and a
//!   network context;
//! - `demo.json`: 200 reports of the demo generator.

use std::path::PathBuf;

use stix::export::{ExportContext, ExportInput, bundle};

mod sample;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/stix-samples".into()));
    std::fs::create_dir_all(&dir)?;
    let a = sample::every_kind_report();
    let b = sample::intel_report();
    let orgs = vec![
        (sample::org(1), "Verbraucherzentrale Hotline".to_owned()),
        (sample::org(2), "CERT-Example".to_owned()),
    ];
    let contexts = [
        ("every-kind-reports", ExportContext::Reports),
        (
            "every-kind-campaign",
            ExportContext::Campaign {
                id: "17".into(),
                name: "Refund callers".into(),
                first_seen: Some(sample::at(10)),
                last_seen: Some(sample::at(14)),
            },
        ),
        (
            "every-kind-network",
            ExportContext::Network { id: "report-0193".into(), name: "Network around +18888391214".into() },
        ),
    ];
    for (name, context) in contexts {
        let input = ExportInput { reports: vec![&a, &b], orgs: orgs.clone(), context };
        write(&dir, name, &bundle(&input))?;
    }
    let (reports, orgs) = sample::demo_reports(200);
    let input = ExportInput { reports: reports.iter().collect(), orgs, context: ExportContext::Reports };
    write(&dir, "demo", &bundle(&input))?;
    Ok(())
}

fn write(dir: &std::path::Path, name: &str, v: &serde_json::Value) -> std::io::Result<()> {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(v).map_err(std::io::Error::other)?)?;
    println!("{}: {} objects", path.display(), v["objects"].as_array().map_or(0, Vec::len));
    Ok(())
}
