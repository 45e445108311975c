//! Hash lists: sets of image and file hashes an organisation shares under TLP, and the
//! entries in them (PDQ perceptual hashes with their quality, MD5, SHA-256).
//!
//! Entries are imported from CSV or JSON Lines. A bad line never costs the good ones: the
//! parsers return every valid entry and, for each bad line, its number and why.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::report::{Audience, ReportAccess};
use crate::{OrgId, Tlp};

/// Below this quality a PDQ hash is kept but never used for matching (the reference's and
/// ThreatExchange's threshold: low-quality images hash to near-random bits).
pub const MIN_MATCH_QUALITY: u8 = 50;

/// What a hash set holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HashCategory {
    /// Child sexual abuse material.
    Csam,
    /// Non-consensual intimate imagery.
    Ncii,
    /// Terrorist and violent extremist content.
    Terrorism,
    Other,
}

impl HashCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            HashCategory::Csam => "csam",
            HashCategory::Ncii => "ncii",
            HashCategory::Terrorism => "terrorism",
            HashCategory::Other => "other",
        }
    }
}

impl std::str::FromStr for HashCategory {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csam" => Ok(HashCategory::Csam),
            "ncii" => Ok(HashCategory::Ncii),
            "terrorism" => Ok(HashCategory::Terrorism),
            "other" => Ok(HashCategory::Other),
            other => {
                Err(format!("unknown hash category {other:?} (expected csam, ncii, terrorism or other)"))
            }
        }
    }
}

/// The kind of a hash-list entry.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum HashKind {
    /// PDQ perceptual hash (256 bits, 64 hex digits in the reference's word order).
    Pdq,
    Md5,
    Sha256,
}

impl HashKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HashKind::Pdq => "pdq",
            HashKind::Md5 => "md5",
            HashKind::Sha256 => "sha256",
        }
    }

    /// Hex digits in a value of this kind.
    pub fn hex_len(self) -> usize {
        match self {
            HashKind::Md5 => 32,
            HashKind::Pdq | HashKind::Sha256 => 64,
        }
    }
}

impl std::str::FromStr for HashKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pdq" => Ok(HashKind::Pdq),
            "md5" => Ok(HashKind::Md5),
            "sha256" | "sha-256" => Ok(HashKind::Sha256),
            other => Err(format!("unknown hash kind {other:?} (expected pdq, md5 or sha256)")),
        }
    }
}

/// A hash set as stored: owned by an organisation, shared like a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashSet {
    pub id: Uuid,
    pub name: String,
    pub owner: OrgId,
    pub category: HashCategory,
    /// Where the hashes come from (a hotline, a platform's moderation queue, a partner list).
    pub source: String,
    pub description: String,
    pub tlp: Tlp,
    pub audience: Audience,
    pub created_at: DateTime<Utc>,
}

impl HashSet {
    /// The facts that decide who may see the set, for [`crate::can_see`].
    pub fn access(&self) -> ReportAccess {
        ReportAccess::new(self.owner, self.tlp, &self.audience, false)
    }
}

/// One entry of a hash set. Withdrawn entries stay as tombstones, so that a withdrawal
/// reaches everyone who holds the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashEntry {
    pub id: Uuid,
    pub set_id: Uuid,
    pub kind: HashKind,
    /// Lowercase hex.
    pub value: String,
    /// PDQ quality (0–100) when known.
    pub quality: Option<u8>,
    pub label: Option<String>,
    pub added_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl HashEntry {
    /// Whether the entry takes part in matching: not withdrawn, and for PDQ of quality
    /// [`MIN_MATCH_QUALITY`] or more (unknown quality is trusted).
    pub fn matchable(&self) -> bool {
        self.withdrawn_at.is_none()
            && (self.kind != HashKind::Pdq || self.quality.is_none_or(|q| q >= MIN_MATCH_QUALITY))
    }
}

/// A match of a hash-set entry: who matched it, when and how close. Only the set's owner
/// sees sightings. Nothing of what was matched (an image, its name, the queried hash) is
/// kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashSighting {
    pub id: Uuid,
    pub set_id: Uuid,
    pub entry_id: Uuid,
    /// The organisation whose query matched.
    pub org: OrgId,
    /// Hamming distance for PDQ (0 for an exact MD5 or SHA-256 match).
    pub distance: u32,
    pub at: DateTime<Utc>,
}

/// An entry as imported or submitted, validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HashEntryInput {
    pub kind: HashKind,
    /// Hex, either case (stored lowercase).
    pub value: String,
    /// PDQ quality, 0–100.
    #[serde(default)]
    pub quality: Option<u8>,
    #[serde(default)]
    pub label: Option<String>,
}

impl HashEntryInput {
    /// Checks the value and quality and puts the value in lowercase.
    pub fn validate(mut self) -> Result<Self, String> {
        let v = self.value.trim();
        if v.len() != self.kind.hex_len() || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "a {} value is {} hex digits, not {:?}",
                self.kind.as_str(),
                self.kind.hex_len(),
                truncate(v)
            ));
        }
        self.value = v.to_ascii_lowercase();
        match (self.kind, self.quality) {
            (_, Some(q)) if q > 100 => return Err(format!("quality {q} is not between 0 and 100")),
            (HashKind::Md5 | HashKind::Sha256, Some(_)) => {
                return Err(format!("a {} entry has no quality (only pdq does)", self.kind.as_str()));
            }
            _ => {}
        }
        if let Some(l) = &self.label
            && (l.chars().count() > 500 || l.chars().any(char::is_control))
        {
            return Err("label must be at most 500 printable characters".into());
        }
        Ok(self)
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A line of an import that was not taken, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// 1-based line number in the input.
    pub line: usize,
    pub error: String,
}

/// Parses JSON Lines of [`HashEntryInput`]: every valid entry, and an error per bad line.
/// Blank lines are skipped.
pub fn parse_entries_jsonl(text: &str) -> (Vec<HashEntryInput>, Vec<LineError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<HashEntryInput>(line)
            .map_err(|e| e.to_string())
            .and_then(HashEntryInput::validate);
        match parsed {
            Ok(e) => entries.push(e),
            Err(error) => errors.push(LineError { line: i + 1, error }),
        }
    }
    (entries, errors)
}

/// Parses CSV entries. With a header row, the columns `kind`, `hash` (or `value`),
/// `quality` and `label` (or `description`, `file`) are read by name, in any order; without
/// one (the first field is a hex value), lines are `hash,quality,label` as the reference
/// `pdq-photo-hasher` prints them. Rows without a kind take `default_kind`.
pub fn parse_entries_csv(text: &str, default_kind: HashKind) -> (Vec<HashEntryInput>, Vec<LineError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut columns: Option<Columns> = None;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = split_csv(line);
        if columns.is_none() {
            let first = fields.first().map_or("", |f| f.trim());
            let headerless = !first.is_empty() && first.bytes().all(|b| b.is_ascii_hexdigit());
            if headerless {
                columns = Some(Columns { kind: None, value: 0, quality: Some(1), label: Some(2) });
            } else {
                match Columns::from_header(&fields) {
                    Ok(c) => {
                        columns = Some(c);
                        continue;
                    }
                    Err(error) => {
                        errors.push(LineError { line: line_no, error });
                        return (entries, errors);
                    }
                }
            }
        }
        let c = columns.as_ref().expect("columns are known");
        match c.entry(&fields, default_kind).and_then(HashEntryInput::validate) {
            Ok(e) => entries.push(e),
            Err(error) => errors.push(LineError { line: line_no, error }),
        }
    }
    (entries, errors)
}

/// Splits a CSV line on commas, honouring double quotes (`""` inside quotes is a quote).
fn split_csv(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(unquote(&line[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(unquote(&line[start..]));
    out
}

fn unquote(f: &str) -> &str {
    let t = f.trim();
    t.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(t)
}

/// Where each field is in a CSV row.
struct Columns {
    kind: Option<usize>,
    value: usize,
    quality: Option<usize>,
    label: Option<usize>,
}

impl Columns {
    fn from_header(fields: &[&str]) -> Result<Self, String> {
        let find = |names: &[&str]| {
            fields.iter().position(|f| names.iter().any(|n| f.trim().eq_ignore_ascii_case(n)))
        };
        let value = find(&["hash", "value", "signal", "pdq"])
            .ok_or("the header names no hash column (expected hash or value)")?;
        Ok(Columns {
            kind: find(&["kind", "type", "hash_type"]),
            value,
            quality: find(&["quality"]),
            label: find(&["label", "description", "file", "filename"]),
        })
    }

    fn entry(&self, fields: &[&str], default_kind: HashKind) -> Result<HashEntryInput, String> {
        let get =
            |i: Option<usize>| i.and_then(|i| fields.get(i)).map(|f| f.trim()).filter(|f| !f.is_empty());
        let kind = match get(self.kind) {
            Some(k) => k.parse()?,
            None => default_kind,
        };
        let value = get(Some(self.value)).ok_or("no hash value")?.to_owned();
        let quality = match get(self.quality) {
            Some(q) => {
                Some(q.parse::<u8>().map_err(|_| format!("quality {q:?} is not a number from 0 to 100"))?)
            }
            None => None,
        };
        // A headerless quality column only applies to PDQ.
        let quality = if kind == HashKind::Pdq { quality } else { quality.filter(|_| self.kind.is_some()) };
        let label = get(self.label).map(str::to_owned);
        Ok(HashEntryInput { kind, value, quality, label })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    #[test]
    fn csv_with_and_without_header() {
        let text = format!(
            "kind,hash,quality,label\npdq,{},90,\"a, b\"\nmd5,D41D8CD98F00B204E9800998ECF8427E,,x\npdq,nothex,90,\npdq,{PDQ},101,\n",
            PDQ.to_uppercase()
        );
        let (ok, bad) = parse_entries_csv(&text, HashKind::Pdq);
        assert_eq!(ok.len(), 2, "{bad:?}");
        assert_eq!(ok[0].value, PDQ);
        assert_eq!(ok[0].quality, Some(90));
        assert_eq!(ok[0].label.as_deref(), Some("a, b"));
        assert_eq!(ok[1].kind, HashKind::Md5);
        assert_eq!(ok[1].value, "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(bad.iter().map(|e| e.line).collect::<Vec<_>>(), vec![4, 5]);

        let (ok, bad) = parse_entries_csv(&format!("{PDQ},100,photo.jpg\n\n{PDQ},x\n"), HashKind::Pdq);
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].label.as_deref(), Some("photo.jpg"));
        assert_eq!(bad[0].line, 3);

        let (ok, bad) = parse_entries_csv("name,size\nfoo,1\n", HashKind::Pdq);
        assert!(ok.is_empty());
        assert!(bad[0].error.contains("no hash column"));
    }

    #[test]
    fn jsonl_keeps_good_lines() {
        let text = format!(
            "{{\"kind\":\"pdq\",\"value\":\"{PDQ}\",\"quality\":40}}\n{{\"kind\":\"sha256\",\"value\":\"{PDQ}\",\"quality\":9}}\nnot json\n\n{{\"kind\":\"md5\",\"value\":\"d41d8cd98f00b204e9800998ecf8427e\"}}\n"
        );
        let (ok, bad) = parse_entries_jsonl(&text);
        assert_eq!(ok.len(), 2);
        assert_eq!(bad.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 3]);
        assert!(bad[0].error.contains("no quality"));
    }

    #[test]
    fn matchable_entries() {
        let mut e = HashEntry {
            id: Uuid::nil(),
            set_id: Uuid::nil(),
            kind: HashKind::Pdq,
            value: PDQ.into(),
            quality: Some(49),
            label: None,
            added_at: DateTime::<Utc>::UNIX_EPOCH,
            withdrawn_at: None,
        };
        assert!(!e.matchable(), "quality below 50");
        e.quality = Some(50);
        assert!(e.matchable());
        e.withdrawn_at = Some(DateTime::<Utc>::UNIX_EPOCH);
        assert!(!e.matchable(), "withdrawn");
    }
}
