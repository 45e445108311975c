//! The audit log: an append-only, hash-chained record of who did what to which object.
//!
//! Each [`AuditEntry`] carries its `seq` (1, 2, 3, … without gaps), its time, its actor, a
//! stable snake_case action (`report.create`, `report.read`, `pii.read`, `token.create`, …),
//! the object it concerns (type and id), an optional small JSON detail (never personal data),
//! the hash of the entry before it (`prev_hash`, 32 zero bytes for the first) and its own
//! hash: SHA-256 over [`canonical_bytes`], a length-prefixed encoding of every other field.
//! Editing a field breaks the entry's own hash; removing or reordering entries breaks the
//! `seq` sequence or a `prev_hash` link. [`verify`] walks a chain and names the first break.
//!
//! Pure: the store assigns `seq` and `prev_hash` under its write lock and calls [`seal`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::org::{OrgId, Role};

/// The `prev_hash` of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// The version tag at the start of every hashed encoding.
const ENCODING: &[u8] = b"dragnet-audit-v1";

/// Who acted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditActor {
    /// `token` (an API token), `org` (an organisation acting without a token: its public
    /// intake form, a local principal), `cli` (local administration of the data directory) or
    /// `system` (the server itself: federation pulls).
    pub kind: String,
    /// The organisation acted for, if any.
    pub org: Option<OrgId>,
    /// The token used, if any.
    pub token: Option<Uuid>,
    /// The role acted with, if any.
    pub role: Option<Role>,
}

impl AuditActor {
    /// Local administration of the data directory (`dragnet` subcommands).
    pub fn cli() -> Self {
        AuditActor { kind: "cli".into(), org: None, token: None, role: None }
    }

    /// The server acting on its own (federation pulls, background work).
    pub fn system() -> Self {
        AuditActor { kind: "system".into(), org: None, token: None, role: None }
    }

    /// An organisation acting with a role, through a token when `token` is given.
    pub fn org(org: OrgId, role: Role, token: Option<Uuid>) -> Self {
        AuditActor {
            kind: if token.is_some() { "token" } else { "org" }.into(),
            org: Some(org),
            token,
            role: Some(role),
        }
    }
}

/// What an entry is about before the store places it in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub actor: AuditActor,
    /// A stable snake_case verb, `object.verb` (`report.create`).
    pub action: String,
    /// The object's type (`report`, `token`, `organization`, …).
    pub object_type: String,
    /// The object's id (or name, for objects named rather than numbered).
    pub object_id: String,
    /// Small JSON, already serialised: the text is what is hashed and stored.
    pub detail: Option<String>,
}

impl AuditRecord {
    /// A record at `at`; `detail` is serialised here.
    pub fn new(
        at: DateTime<Utc>,
        actor: AuditActor,
        action: &str,
        object_type: &str,
        object_id: impl ToString,
        detail: Option<serde_json::Value>,
    ) -> Self {
        AuditRecord {
            at,
            actor,
            action: action.into(),
            object_type: object_type.into(),
            object_id: object_id.to_string(),
            detail: detail.map(|d| d.to_string()),
        }
    }
}

/// One entry of the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: u64,
    pub record: AuditRecord,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// A time as the chain hashes it: microseconds since the epoch.
fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The bytes an entry's hash is computed over: the encoding tag, then every field (seq, time
/// in microseconds, actor kind, org, token, role, action, object type, object id, detail,
/// previous hash), each as a big-endian u64 length followed by its bytes; an absent optional
/// field is a distinct marker (length `u64::MAX`), so `None` never equals `""`.
pub fn canonical_bytes(seq: u64, record: &AuditRecord, prev_hash: &[u8; 32]) -> Vec<u8> {
    fn field(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
        match bytes {
            Some(b) => {
                out.extend_from_slice(&(b.len() as u64).to_be_bytes());
                out.extend_from_slice(b);
            }
            None => out.extend_from_slice(&u64::MAX.to_be_bytes()),
        }
    }
    let a = &record.actor;
    let mut out = Vec::with_capacity(256);
    field(&mut out, Some(ENCODING));
    field(&mut out, Some(&seq.to_be_bytes()));
    field(&mut out, Some(&micros(record.at).to_be_bytes()));
    field(&mut out, Some(a.kind.as_bytes()));
    field(&mut out, a.org.map(|o| *o.0.as_bytes()).as_ref().map(|b| &b[..]));
    field(&mut out, a.token.map(|t| *t.as_bytes()).as_ref().map(|b| &b[..]));
    field(&mut out, a.role.map(|r| r.as_str()).map(str::as_bytes));
    field(&mut out, Some(record.action.as_bytes()));
    field(&mut out, Some(record.object_type.as_bytes()));
    field(&mut out, Some(record.object_id.as_bytes()));
    field(&mut out, record.detail.as_deref().map(str::as_bytes));
    field(&mut out, Some(prev_hash));
    out
}

/// The hash of an entry with these fields.
pub fn entry_hash(seq: u64, record: &AuditRecord, prev_hash: &[u8; 32]) -> [u8; 32] {
    Sha256::digest(canonical_bytes(seq, record, prev_hash)).into()
}

/// Places `record` in the chain at `seq` after an entry whose hash is `prev_hash`.
pub fn seal(seq: u64, record: AuditRecord, prev_hash: [u8; 32]) -> AuditEntry {
    let hash = entry_hash(seq, &record, &prev_hash);
    AuditEntry { seq, record, prev_hash, hash }
}

/// The first break found in a chain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// The first entry is not seq 1 with the genesis `prev_hash`.
    #[error("bad genesis at seq {seq}: {reason}")]
    BadGenesis { seq: u64, reason: String },
    /// An entry's fields no longer hash to its stored hash.
    #[error("entry seq {seq} edited: its fields do not match its hash")]
    Edited { seq: u64 },
    /// Entries are missing: `seq` follows `after` (or the head names a later entry).
    #[error("entries removed: seq {from} to {to} missing")]
    Removed { from: u64, to: u64 },
    /// An entry sits at the wrong place: it was written as `written_as`.
    #[error("entry seq {seq} reordered: it was written as seq {written_as}")]
    Reordered { seq: u64, written_as: u64 },
    /// An entry's `prev_hash` is not its predecessor's hash, whose own hash is intact.
    #[error("entry seq {seq} does not link to seq {prev}: an entry was removed or replaced")]
    Unlinked { seq: u64, prev: u64 },
}

impl ChainBreak {
    /// The seq the break is reported at.
    pub fn seq(&self) -> u64 {
        match self {
            ChainBreak::BadGenesis { seq, .. }
            | ChainBreak::Edited { seq }
            | ChainBreak::Reordered { seq, .. }
            | ChainBreak::Unlinked { seq, .. } => *seq,
            ChainBreak::Removed { from, .. } => *from,
        }
    }
}

/// A chain checked incrementally, entry by entry in stored `seq` order (so that a chain of
/// any length is verified page by page).
#[derive(Debug, Default)]
pub struct Verifier {
    last: Option<(u64, [u8; 32])>,
    /// Hashes seen so far, to tell a reordered entry from an edited one.
    seen: std::collections::HashMap<[u8; 32], u64>,
    count: u64,
}

impl Verifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many entries were checked.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The last entry checked: its seq and hash.
    pub fn head(&self) -> Option<(u64, [u8; 32])> {
        self.last
    }

    /// Checks the next entry; the first break is an error.
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let (expected_seq, expected_prev) = match self.last {
            None => (1, GENESIS),
            Some((s, h)) => (s + 1, h),
        };
        let intact = entry_hash(e.seq, &e.record, &e.prev_hash) == e.hash;
        if !intact {
            // Written at another place? Its predecessor tells where.
            let written_as =
                if e.prev_hash == GENESIS { Some(1) } else { self.seen.get(&e.prev_hash).map(|s| s + 1) };
            let candidates = written_as.into_iter().chain(e.seq.saturating_sub(8)..e.seq + 8);
            for s in candidates {
                if s != e.seq && s > 0 && entry_hash(s, &e.record, &e.prev_hash) == e.hash {
                    return Err(ChainBreak::Reordered { seq: e.seq, written_as: s });
                }
            }
            return Err(ChainBreak::Edited { seq: e.seq });
        }
        if self.last.is_none() {
            if e.seq != 1 {
                return Err(if e.prev_hash == GENESIS {
                    ChainBreak::BadGenesis { seq: e.seq, reason: "the first entry is not seq 1".into() }
                } else {
                    ChainBreak::BadGenesis {
                        seq: e.seq,
                        reason: format!("the chain starts at seq {}: seq 1 to {} removed", e.seq, e.seq - 1),
                    }
                });
            }
            if e.prev_hash != GENESIS {
                return Err(ChainBreak::BadGenesis {
                    seq: 1,
                    reason: "the first entry does not start from the genesis hash".into(),
                });
            }
        } else if e.seq > expected_seq {
            return Err(ChainBreak::Removed { from: expected_seq, to: e.seq - 1 });
        } else if e.seq < expected_seq {
            return Err(ChainBreak::Reordered { seq: e.seq, written_as: e.seq });
        } else if e.prev_hash != expected_prev {
            if let Some(s) = self.seen.get(&e.prev_hash) {
                return Err(ChainBreak::Reordered { seq: e.seq, written_as: s + 1 });
            }
            return Err(ChainBreak::Unlinked { seq: e.seq, prev: expected_seq - 1 });
        }
        self.seen.insert(e.hash, e.seq);
        self.last = Some((e.seq, e.hash));
        self.count += 1;
        Ok(())
    }

    /// Checks the end of the chain against the recorded head (the last seq and hash written,
    /// kept apart from the entries): entries removed from the end show here.
    pub fn finish(&self, head: Option<(u64, [u8; 32])>) -> Result<(), ChainBreak> {
        match (head, self.last) {
            (None, _) => Ok(()),
            (Some((seq, _)), None) => Err(ChainBreak::Removed { from: 1, to: seq }),
            (Some((seq, hash)), Some((last, last_hash))) => {
                if seq > last {
                    Err(ChainBreak::Removed { from: last + 1, to: seq })
                } else if seq == last && hash != last_hash {
                    Err(ChainBreak::Edited { seq })
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// Verifies a whole chain held in memory, in stored order, against its recorded head.
pub fn verify<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
    head: Option<(u64, [u8; 32])>,
) -> Result<u64, ChainBreak> {
    let mut v = Verifier::new();
    for e in entries {
        v.push(e)?;
    }
    v.finish(head)?;
    Ok(v.count())
}

/// Lowercase hex of a hash.
pub fn hex(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hash from its lowercase hex form.
pub fn parse_hex(s: &str) -> Option<[u8; 32]> {
    // Digits only: `from_str_radix` alone would take `+a` as a byte.
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<AuditEntry> {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let r = AuditRecord::new(
                    t0 + chrono::Duration::seconds(seq as i64),
                    AuditActor::org(
                        OrgId(Uuid::from_u128(7)),
                        Role::Admin,
                        Some(Uuid::from_u128(seq as u128)),
                    ),
                    "report.create",
                    "report",
                    Uuid::from_u128(100 + seq as u128),
                    Some(serde_json::json!({"tlp": "amber"})),
                );
                let e = seal(seq, r, prev);
                prev = e.hash;
                e
            })
            .collect()
    }

    fn head(c: &[AuditEntry]) -> Option<(u64, [u8; 32])> {
        c.last().map(|e| (e.seq, e.hash))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(10);
        assert_eq!(verify(&c, head(&c)), Ok(10));
        assert_eq!(verify(&[], None), Ok(0));
    }

    #[test]
    fn every_field_is_hashed() {
        let c = chain(3);
        type Edit = Box<dyn Fn(&mut AuditEntry)>;
        let mut edits: Vec<Edit> = vec![
            Box::new(|e| e.record.at += chrono::Duration::microseconds(1)),
            Box::new(|e| e.record.actor.kind = "cli".into()),
            Box::new(|e| e.record.actor.org = None),
            Box::new(|e| e.record.actor.token = None),
            Box::new(|e| e.record.actor.role = Some(Role::Reader)),
            Box::new(|e| e.record.action = "report.read".into()),
            Box::new(|e| e.record.object_type = "token".into()),
            Box::new(|e| e.record.object_id.push('x')),
            Box::new(|e| e.record.detail = Some("{\"tlp\":\"red\"}".into())),
            Box::new(|e| e.record.detail = None),
        ];
        for (i, edit) in edits.iter_mut().enumerate() {
            let mut t = c.clone();
            edit(&mut t[1]);
            assert_eq!(verify(&t, head(&c)), Err(ChainBreak::Edited { seq: 2 }), "edit {i}");
        }
    }

    #[test]
    fn removals_reorders_and_genesis_are_named() {
        let c = chain(6);
        let mut t = c.clone();
        t.remove(3);
        assert_eq!(verify(&t, head(&c)), Err(ChainBreak::Removed { from: 4, to: 4 }));
        let t = c[2..].to_vec();
        assert!(matches!(verify(&t, head(&c)), Err(ChainBreak::BadGenesis { seq: 3, .. })));
        let t = c[..4].to_vec();
        assert_eq!(verify(&t, head(&c)), Err(ChainBreak::Removed { from: 5, to: 6 }));
        // Two entries swapping their seq: each was written at the other's place.
        let mut t = c.clone();
        let (a, b) = (t[2].seq, t[3].seq);
        t[2].seq = b;
        t[3].seq = a;
        t.swap(2, 3);
        assert_eq!(verify(&t, head(&c)), Err(ChainBreak::Reordered { seq: 3, written_as: 4 }));
        // A whole chain re-sealed from a forged genesis.
        let mut t = c.clone();
        t[0] = seal(1, t[0].record.clone(), [1; 32]);
        assert!(matches!(verify(&t, head(&c)), Err(ChainBreak::BadGenesis { seq: 1, .. })));
    }

    #[test]
    fn hex_round_trips() {
        let h = chain(1)[0].hash;
        assert_eq!(parse_hex(&hex(&h)), Some(h));
        assert_eq!(parse_hex("zz"), None);
        let signed = format!("+{}", &hex(&h)[1..]);
        assert_eq!(parse_hex(&signed), None, "{signed}");
    }
}
