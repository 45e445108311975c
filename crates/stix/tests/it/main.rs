mod export;
mod import;
mod pattern;
#[path = "../../examples/sample/mod.rs"]
mod sample;

use std::path::{Path, PathBuf};

/// The shared STIX test data (`/tmp/shared/testdata/stix`).
pub fn testdata() -> PathBuf {
    Path::new("/tmp/shared/testdata/stix").to_path_buf()
}

/// The `objects` of a bundle file under the test data.
pub fn bundle_objects(rel: &str) -> Vec<serde_json::Value> {
    let path = testdata().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["objects"].as_array().cloned().unwrap_or_default()
}
