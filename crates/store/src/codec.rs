//! Conversions between model values and their stored forms, shared by the backends.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use model::Role;
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
        for (i, o) in r.observables.iter().enumerate() {
            let what = || format!("observable {i} of report {}", r.id);
            check_text(what, &o.value)?;
            check_text(what, o.original.as_deref().unwrap_or_default())?;
            check_text(what, o.role.as_deref().unwrap_or_default())?;
        }
    }
    Ok(())
}

/// Orders `found` as `ids` asks: unknown ids skipped, repeated ids repeated (each report is
/// moved out at its last occurrence and cloned before that).
pub(crate) fn in_requested_order(ids: &[Uuid], mut found: HashMap<Uuid, Report>) -> Vec<Report> {
    let last: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut out = Vec::with_capacity(found.len());
    for (i, id) in ids.iter().enumerate() {
        let report = if last.get(id) == Some(&i) { found.remove(id) } else { found.get(id).cloned() };
        out.extend(report);
    }
    out
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
