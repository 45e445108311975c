//! Hex digests: MD5, SHA-1, SHA-256 and PDQ perceptual hashes.

use super::{ObservableKind, Reason};

/// Canonicalises a hex digest of `kind` to lowercase hex.
///
/// PDQ hashes are 256-bit perceptual hashes written as 64 hex digits. PDQ's reference
/// implementation produces hashes with (close to) 128 of the 256 bits set, because each bit
/// says whether a DCT coefficient is above the median; but hashes of near-uniform images, and
/// hashes written by other tools, do not always have exactly 128, so the number of set bits is
/// not checked. A 64-hex-digit value is taken for a SHA-256 by kind inference, never a PDQ.
pub(crate) fn canonical_hex(kind: ObservableKind, raw: &str) -> Result<String, Reason> {
    let s = raw.trim();
    let expected = hex_len(kind);
    if s.is_empty() {
        return Err("empty value".into());
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("invalid hex character {c:?}").into());
    }
    if s.len() != expected {
        let hint = match s.len() {
            32 => " (looks like an md5)",
            40 => " (looks like a sha1)",
            64 => " (looks like a sha256)",
            _ => "",
        };
        return Err(format!("expected {expected} hex digits, found {}{hint}", s.len()).into());
    }
    Ok(s.to_ascii_lowercase())
}

pub(crate) fn hex_len(kind: ObservableKind) -> usize {
    match kind {
        ObservableKind::Md5 => 32,
        ObservableKind::Sha1 => 40,
        _ => 64,
    }
}

/// Kind inference: the hash kind for a hex string of 32, 40 or 64 digits.
pub(crate) fn hash_kind(s: &str) -> Option<ObservableKind> {
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match s.len() {
        32 => Some(ObservableKind::Md5),
        40 => Some(ObservableKind::Sha1),
        64 => Some(ObservableKind::Sha256),
        _ => None,
    }
}
