//! Conversions between model values and their stored forms, shared by the backends.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use model::Role;
use model::hashlist::{HashEntry, HashKind, HashSet as HashSetRecord};
use model::report::{Audience, Report};
use uuid::Uuid;

use crate::StoreError;

/// Microseconds since the Unix epoch; sub-microsecond precision is truncated.
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// [`micros`] for an optional time.
pub(crate) fn opt_micros(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(micros)
}

/// The time `us` microseconds after the Unix epoch.
pub(crate) fn from_micros(us: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(us)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {us} out of range")))
}

/// [`from_micros`] for an optional time.
pub(crate) fn opt_from_micros(us: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    us.map(from_micros).transpose()
}

/// A uuid from its 16 stored bytes.
pub(crate) fn uuid_from_bytes(bytes: &[u8]) -> Result<Uuid, StoreError> {
    Uuid::from_slice(bytes).map_err(|_| StoreError::Corrupt(format!("uuid of {} bytes", bytes.len())))
}

pub(crate) fn parse_role(s: &str) -> Result<Role, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("unknown role {s:?}")))
}

/// The audience as stored: `{"organizations":[…],"communities":[…]}`.
pub(crate) fn audience_json(a: &Audience) -> String {
    // Serialising a struct of uuid vectors cannot fail.
    serde_json::to_string(a).unwrap_or_else(|_| String::from("{}"))
}

/// The labels as stored: a JSON array of strings.
pub(crate) fn labels_json(labels: &[String]) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| String::from("[]"))
}

/// A report's intake facts as stored (JSON), or `None`.
pub(crate) fn scam_json(r: &Report) -> Option<String> {
    r.scam.as_ref().and_then(|s| serde_json::to_string(s).ok())
}

/// A report's victim PII as stored (JSON), when it has any.
pub(crate) fn pii_json(r: &Report) -> Option<String> {
    r.victim_pii.as_ref().filter(|p| !p.is_empty()).and_then(|p| serde_json::to_string(p).ok())
}

/// Rejects text a backend cannot keep: a NUL character. `what` names the field.
pub(crate) fn check_text(what: impl FnOnce() -> String, text: &str) -> Result<(), StoreError> {
    if text.contains('\0') {
        return Err(StoreError::Invalid(format!("{} contains a nul character", what())));
    }
    Ok(())
}

/// Checks a batch before it is written: ids unique within the batch, text storable.
pub(crate) fn check_batch(reports: &[Report]) -> Result<(), StoreError> {
    let mut seen = HashSet::with_capacity(reports.len());
    for r in reports {
        if !seen.insert(r.id) {
            return Err(StoreError::conflict(format!("report {}", r.id)));
        }
        check_text(|| format!("title of report {}", r.id), &r.title)?;
        check_text(|| format!("narrative of report {}", r.id), &r.narrative)?;
        for label in &r.labels {
            check_text(|| format!("a label of report {}", r.id), label)?;
        }
        check_text(|| format!("intake details of report {}", r.id), &scam_json(r).unwrap_or_default())?;
        check_text(|| format!("victim data of report {}", r.id), &pii_json(r).unwrap_or_default())?;
        for (i, o) in r.observables.iter().enumerate() {
            let what = || format!("observable {i} of report {}", r.id);
            check_text(what, &o.value)?;
            check_text(what, o.original.as_deref().unwrap_or_default())?;
            check_text(what, o.role.as_deref().unwrap_or_default())?;
        }
    }
    Ok(())
}

/// The stored bytes of a hash-list entry value (lowercase hex of its kind's length).
pub(crate) fn hash_value_bytes(kind: HashKind, hex: &str) -> Result<Vec<u8>, StoreError> {
    let invalid = || StoreError::Invalid(format!("{} value {hex:?} is not lowercase hex", kind.as_str()));
    if hex.len() != kind.hex_len() {
        return Err(invalid());
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    hex.as_bytes()
        .chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(invalid)
}

/// The lowercase hex of stored entry value bytes.
pub(crate) fn hash_value_hex(kind: HashKind, bytes: &[u8]) -> Result<String, StoreError> {
    if bytes.len() * 2 != kind.hex_len() {
        return Err(StoreError::Corrupt(format!("{} value of {} bytes", kind.as_str(), bytes.len())));
    }
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    Ok(s)
}

pub(crate) fn parse_enum<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("unknown {what} {s:?}")))
}

/// Checks a batch of hash entries: ids unique, values storable, labels without NUL.
pub(crate) fn check_entries(entries: &[HashEntry]) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut seen = HashSet::with_capacity(entries.len());
    let mut values = Vec::with_capacity(entries.len());
    for e in entries {
        if !seen.insert(e.id) {
            return Err(StoreError::conflict(format!("hash entry {}", e.id)));
        }
        if e.quality.is_some_and(|q| q > 100) {
            return Err(StoreError::Invalid(format!("hash entry {}: quality above 100", e.id)));
        }
        check_text(|| format!("label of hash entry {}", e.id), e.label.as_deref().unwrap_or_default())?;
        values.push(hash_value_bytes(e.kind, &e.value)?);
    }
    let mut keys = HashSet::with_capacity(entries.len());
    for (e, v) in entries.iter().zip(&values) {
        if !keys.insert((e.set_id, e.kind, v.as_slice())) {
            return Err(StoreError::conflict(format!(
                "{} {} in hash set {}",
                e.kind.as_str(),
                e.value,
                e.set_id
            )));
        }
    }
    Ok(values)
}

/// Checks a hash set's text fields are storable.
pub(crate) fn check_hash_set(set: &HashSetRecord) -> Result<(), StoreError> {
    check_text(|| format!("name of hash set {}", set.id), &set.name)?;
    check_text(|| format!("source of hash set {}", set.id), &set.source)?;
    check_text(|| format!("description of hash set {}", set.id), &set.description)
}

/// Orders `found` as `ids` asks: unknown ids skipped, repeated ids repeated (each report is
/// moved out at its last occurrence and cloned before that). Works for any record by id.
pub(crate) fn in_requested_order<T: Clone>(ids: &[Uuid], mut found: HashMap<Uuid, T>) -> Vec<T> {
    let last: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut out = Vec::with_capacity(found.len());
    for (i, id) in ids.iter().enumerate() {
        let report = if last.get(id) == Some(&i) { found.remove(id) } else { found.get(id).cloned() };
        out.extend(report);
    }
    out
}

/// An event as stored: its JSON (with `seq` 0: the row's `seq` column is the truth). Text with
/// a NUL character is refused, as everywhere (`\u0000` in JSON included).
pub(crate) fn event_data(e: &model::event::Event) -> Result<String, StoreError> {
    let mut e = e.clone();
    e.seq = 0;
    let json = serde_json::to_string(&e).map_err(|err| StoreError::Invalid(format!("event: {err}")))?;
    if json.contains('\0') || json.contains("\\u0000") {
        return Err(StoreError::Invalid(format!("event {} contains a nul character", e.event_type())));
    }
    Ok(json)
}

/// An event read back: its JSON and its `seq` column.
pub(crate) fn event_from(seq: i64, data: &str) -> Result<model::event::Event, StoreError> {
    let mut e: model::event::Event =
        serde_json::from_str(data).map_err(|err| StoreError::Corrupt(format!("event {seq}: {err}")))?;
    e.seq = u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("event seq {seq}")))?;
    Ok(e)
}

/// Checks the events of a write before anything is written (their JSON is kept for the insert).
pub(crate) fn events_data(events: &[model::event::Event]) -> Result<Vec<String>, StoreError> {
    events.iter().map(event_data).collect()
}

#[cfg(test)]
mod tests {
    use model::report::ReportKind;
    use model::{ObservableKind, Tlp};

    /// Enums are written with `as_str` and read back with serde (from SQLite-built JSON):
    /// the two spellings must agree.
    #[test]
    fn stored_enum_spellings_are_the_serde_names() {
        let json = |s: &str| format!("\"{s}\"");
        for k in [ReportKind::Intel, ReportKind::Scam] {
            assert_eq!(serde_json::from_str::<ReportKind>(&json(k.as_str())).ok(), Some(k));
        }
        for t in Tlp::ALL {
            assert_eq!(serde_json::from_str::<Tlp>(&json(t.as_str())).ok(), Some(t));
        }
        for k in ObservableKind::ALL {
            assert_eq!(serde_json::from_str::<ObservableKind>(&json(k.as_str())).ok(), Some(k));
        }
    }
}
