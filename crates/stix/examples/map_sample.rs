//! Prints what a STIX bundle maps to: `cargo run -p stix --example map_sample -- bundle.json`.

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/shared/testdata/stix/oasis-examples/threat-reports/apt1.json".into());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path)?).map_err(std::io::Error::other)?;
    let objects = v["objects"].as_array().cloned().unwrap_or_default();
    let mapped = stix::import::map_objects(&objects);
    for r in &mapped.reports {
        println!(
            "report {} {:?} tlp={:?} labels={:?} observables={}",
            r.stix_id,
            r.title,
            r.tlp,
            r.labels,
            r.observables.len()
        );
        for o in &r.observables {
            println!("  {} {} role={:?} from={:?}", o.kind, o.value, o.role, o.source_id);
        }
    }
    println!("loose: {}", mapped.loose.len());
    for o in mapped.loose.iter().take(20) {
        println!("  {} {} role={:?} from={:?}", o.kind, o.value, o.role, o.source_id);
    }
    for e in &mapped.errors {
        println!("error: {e}");
    }
    Ok(())
}
