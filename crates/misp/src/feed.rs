//! MISP feeds: a directory (or URL) holding `manifest.json` (event uuid → the event's summary)
//! and one `<uuid>.json` per event, plus `hashes.csv`.

use serde_json::Value;
use uuid::Uuid;

/// Why a manifest could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("manifest.json: invalid json: {0}")]
    Json(String),
    #[error("manifest.json: not a json object of event uuid to summary")]
    NotAnObject,
}

/// One event listed by a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The key as written.
    pub key: String,
    /// The key as a uuid; `None` when it is not one (the entry is then reported, not fetched).
    pub uuid: Option<Uuid>,
    /// The file holding the event: `<uuid>.json`.
    pub file: String,
}

/// The events a `manifest.json` lists, in the manifest's order.
pub fn manifest_entries(text: &str) -> Result<Vec<ManifestEntry>, ManifestError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| ManifestError::Json(e.to_string()))?;
    let Value::Object(map) = doc else { return Err(ManifestError::NotAnObject) };
    Ok(map
        .keys()
        .map(|k| {
            let uuid = Uuid::parse_str(k.trim()).ok();
            ManifestEntry {
                key: k.clone(),
                uuid,
                file: format!("{}.json", uuid.map_or_else(|| k.clone(), |u| u.to_string())),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_list_their_events() {
        let m = manifest_entries(r#"{"5f1e3c32-0a3a-4e7b-9a49-7b7c0e0d1c11": {"info": "x"}, "nope": {}}"#)
            .unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].file, "5f1e3c32-0a3a-4e7b-9a49-7b7c0e0d1c11.json");
        assert!(m[0].uuid.is_some());
        assert_eq!(m[1].uuid, None);
        assert!(matches!(manifest_entries("[]"), Err(ManifestError::NotAnObject)));
        assert!(matches!(manifest_entries("{"), Err(ManifestError::Json(_))));
    }
}
