//! Conversions between model values and their stored forms, shared by the backends.

use chrono::{DateTime, Utc};
use model::report::{Audience, ReportKind};
use model::{ObservableKind, Role, Tlp};
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

pub(crate) fn parse_kind(s: &str) -> Result<ReportKind, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("unknown report kind {s:?}")))
}

pub(crate) fn parse_tlp(s: &str) -> Result<Tlp, StoreError> {
    Tlp::parse(s).map_err(|_| StoreError::Corrupt(format!("unknown tlp {s:?}")))
}

pub(crate) fn parse_role(s: &str) -> Result<Role, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("unknown role {s:?}")))
}

pub(crate) fn parse_observable_kind(s: &str) -> Result<ObservableKind, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("unknown observable kind {s:?}")))
}

/// The audience as stored: `{"organizations":[…],"communities":[…]}`.
pub(crate) fn audience_json(a: &Audience) -> String {
    // Serialising a struct of uuid vectors cannot fail.
    serde_json::to_string(a).unwrap_or_else(|_| String::from("{}"))
}

pub(crate) fn parse_audience(s: &str) -> Result<Audience, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("audience: {e}")))
}

/// The labels as stored: a JSON array of strings.
pub(crate) fn labels_json(labels: &[String]) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| String::from("[]"))
}

pub(crate) fn parse_labels(s: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("labels: {e}")))
}
