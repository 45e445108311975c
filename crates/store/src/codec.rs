//! Conversions between model values and their stored forms, shared by the backends.

use chrono::{DateTime, Utc};
use model::Role;
use model::report::Audience;
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
