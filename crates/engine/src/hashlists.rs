//! Hash lists: sets of image and file hashes organisations share, matching against them, and
//! the sightings their owners see.
//!
//! Every entry of every set is held in memory in compact form: a [`Slot`] per entry and, for
//! PDQ, the exact multi-index [`pdq::Index`] (keyed by slot); MD5 and SHA-256 values are in a
//! hash map. Labels and the rest are read from the store for the entries an answer names.
//! Withdrawn and low-quality entries stay in the structures (a re-import finds them) but a
//! slot flag keeps them out of every match.
//!
//! Visibility: a set is shared exactly like a report ([`HashSet::access`] through
//! [`model::can_see`]); a set the viewer may not see is "not found" and never matches.
//!
//! Images sent for matching are hashed in memory and the buffer is zeroed and dropped before
//! the answer is built: no image byte, file name or query hash reaches the store or the logs.

use std::collections::{HashMap, HashSet as StdHashSet};
use std::sync::{RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};
use model::hashlist::{
    HashCategory, HashEntry, HashEntryInput, HashKind, HashSet, HashSighting, LineError, MIN_MATCH_QUALITY,
    parse_entries_csv, parse_entries_jsonl,
};
use model::report::AudienceInput;
use model::{OrgId, Viewer, can_see};
use pdq::{DecodeOptions, Hash256};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::engine::{now, page_args};
use crate::{AudienceView, Engine, EngineError, Page, Principal};

/// The default PDQ match radius: distance 31 or less is a match (the reference's threshold).
pub const MATCH_RADIUS_DEFAULT: u32 = pdq::index::DEFAULT_RADIUS;
/// The largest radius a match request may ask for.
pub const MATCH_RADIUS_MAX: u32 = 63;
/// The most hashes one match request may hold.
pub const MATCH_MAX_HASHES: usize = 1_000;
/// The most entries one import may hold.
pub const IMPORT_MAX_ENTRIES: usize = 1_000_000;
/// The most matches returned per query (closest first); the total is in the answer.
pub const MATCHES_PER_QUERY_MAX: usize = 100;

/// The names of the eight dihedral transforms, in [`pdq::Dihedral::hashes`] order.
const TRANSFORMS: [&str; 8] =
    ["original", "rot90", "rot180", "rot270", "flipx", "flipy", "flip_plus1", "flip_minus1"];

/// One entry, in memory.
#[derive(Clone, Copy, Debug)]
struct Slot {
    id: Uuid,
    set: u32,
    kind: HashKind,
    quality: Option<u8>,
    withdrawn: bool,
}

impl Slot {
    fn matchable(&self) -> bool {
        !self.withdrawn && (self.kind != HashKind::Pdq || self.quality.is_none_or(|q| q >= MIN_MATCH_QUALITY))
    }
}

/// Live and withdrawn entries of a set.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    live: u64,
    withdrawn: u64,
}

/// Every hash set and entry, in memory. See the module docs.
#[derive(Default)]
pub(crate) struct HashLists {
    sets: Vec<HashSet>,
    set_slot: HashMap<Uuid, u32>,
    counts: Vec<Counts>,
    slots: Vec<Slot>,
    slot_of: HashMap<Uuid, u32>,
    pdq: pdq::Index,
    /// MD5 (zero-padded) and SHA-256 values → the slots holding them.
    exact: HashMap<[u8; 32], Vec<u32>>,
}

/// An entry's value as matching keys it.
enum Key {
    Pdq(Hash256),
    Exact([u8; 32]),
}

fn key(kind: HashKind, hex: &str) -> Option<Key> {
    match kind {
        HashKind::Pdq => Hash256::from_hex(hex).ok().map(Key::Pdq),
        HashKind::Md5 | HashKind::Sha256 => {
            let mut out = [0u8; 32];
            if hex.len() != kind.hex_len() {
                return None;
            }
            for (i, pair) in hex.as_bytes().chunks_exact(2).enumerate() {
                let s = std::str::from_utf8(pair).ok()?;
                out[i] = u8::from_str_radix(s, 16).ok()?;
            }
            Some(Key::Exact(out))
        }
    }
}

impl HashLists {
    pub(crate) async fn load(store: &dyn store::Store) -> Result<HashLists, EngineError> {
        let mut lists = HashLists::default();
        for set in store.list_hash_sets().await? {
            lists.add_set(set);
        }
        let mut pdq_items = Vec::new();
        let mut after = None;
        loop {
            let page = store.scan_hash_entries(after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for e in &page {
                if let Some(Key::Pdq(h)) = lists.add_slot(e) {
                    pdq_items.push((u64::from(lists.slot_of[&e.id]), h));
                }
            }
        }
        lists.pdq = pdq::Index::build(pdq_items, pdq::IndexOptions::default());
        Ok(lists)
    }

    fn add_set(&mut self, set: HashSet) {
        let slot = self.sets.len() as u32;
        self.set_slot.insert(set.id, slot);
        self.sets.push(set);
        self.counts.push(Counts::default());
    }

    /// Adds the slot of a stored entry; returns its PDQ hash for the caller to index.
    fn add_slot(&mut self, e: &HashEntry) -> Option<Key> {
        let set = *self.set_slot.get(&e.set_id)?;
        let k = key(e.kind, &e.value)?;
        let slot = self.slots.len() as u32;
        self.slots.push(Slot {
            id: e.id,
            set,
            kind: e.kind,
            quality: e.quality,
            withdrawn: e.withdrawn_at.is_some(),
        });
        self.slot_of.insert(e.id, slot);
        let c = &mut self.counts[set as usize];
        if e.withdrawn_at.is_some() {
            c.withdrawn += 1;
        } else {
            c.live += 1;
        }
        match k {
            Key::Exact(bytes) => {
                self.exact.entry(bytes).or_default().push(slot);
                None
            }
            Key::Pdq(h) => Some(Key::Pdq(h)),
        }
    }

    fn set(&self, id: Uuid) -> Option<(u32, &HashSet)> {
        let slot = *self.set_slot.get(&id)?;
        Some((slot, &self.sets[slot as usize]))
    }

    /// The slot holding exactly this value in this set, if any.
    fn find(&self, set: u32, kind: HashKind, k: &Key) -> Option<u32> {
        match k {
            Key::Pdq(h) => self
                .pdq
                .query(h, 0)
                .into_iter()
                .map(|m| m.id as u32)
                .find(|&s| self.slots[s as usize].set == set),
            Key::Exact(bytes) => self.exact.get(bytes)?.iter().copied().find(|&s| {
                let slot = &self.slots[s as usize];
                slot.set == set && slot.kind == kind
            }),
        }
    }

    fn set_withdrawn(&mut self, slot: u32, withdrawn: bool) {
        let s = &mut self.slots[slot as usize];
        if s.withdrawn == withdrawn {
            return;
        }
        s.withdrawn = withdrawn;
        let c = &mut self.counts[s.set as usize];
        if withdrawn {
            c.live -= 1;
            c.withdrawn += 1;
        } else {
            c.live += 1;
            c.withdrawn -= 1;
        }
    }
}

// ----- inputs and views ------------------------------------------------------------------------

/// A hash set as created or updated through the API.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HashSetInput {
    /// Unique among the owner's sets.
    pub name: String,
    pub category: HashCategory,
    /// Where the hashes come from (a hotline, a moderation queue, a partner's list).
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub description: String,
    /// TLP 2.0 marking, e.g. `AMBER` (TLP 1.0 names are read too).
    pub tlp: String,
    /// Who may see the set besides its owner, by organisation and community names.
    #[serde(default)]
    pub audience: AudienceInput,
}

/// A hash set as a viewer sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HashSetView {
    pub id: Uuid,
    pub name: String,
    /// The owner organisation's name.
    pub owner: String,
    pub category: HashCategory,
    pub source: String,
    pub description: String,
    #[schema(value_type = String, example = "AMBER")]
    pub tlp: model::Tlp,
    pub audience: AudienceView,
    pub created_at: DateTime<Utc>,
    /// Entries not withdrawn.
    pub entries: u64,
    /// Withdrawn entries (tombstones).
    pub withdrawn: u64,
}

/// A hash-list entry as a viewer sees it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HashEntryView {
    pub id: Uuid,
    pub set_id: Uuid,
    pub kind: HashKind,
    /// Lowercase hex (PDQ in the reference's word order).
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub added_at: DateTime<Utc>,
    /// Set when the entry was withdrawn: it no longer matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Whether the entry takes part in matching (not withdrawn; PDQ quality 50 or more).
    pub matchable: bool,
}

impl From<HashEntry> for HashEntryView {
    fn from(e: HashEntry) -> Self {
        HashEntryView {
            matchable: e.matchable(),
            id: e.id,
            set_id: e.set_id,
            kind: e.kind,
            value: e.value,
            quality: e.quality,
            label: e.label,
            added_at: e.added_at,
            withdrawn_at: e.withdrawn_at,
        }
    }
}

/// What an import did.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    /// New entries stored.
    pub added: usize,
    /// Entries the set already held (or that appeared twice in the input): left as they were.
    pub duplicates: usize,
    /// Withdrawn entries sent again: reinstated.
    pub reinstated: usize,
    /// Lines (CSV, JSON Lines) or positions (JSON, 1-based) that were not taken, and why.
    pub rejected: Vec<LineError>,
}

/// Entries to withdraw, by id or by value.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    #[serde(default)]
    pub ids: Vec<Uuid>,
    #[serde(default)]
    pub values: Vec<HashQueryInput>,
}

/// What a withdrawal did.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct WithdrawOutcome {
    /// Entries withdrawn now.
    pub withdrawn: usize,
    /// Entries that were withdrawn already.
    pub already_withdrawn: usize,
    /// Ids and values (as given) the set does not hold.
    pub not_found: Vec<String>,
}

/// A hash to match (or to withdraw by value).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HashQueryInput {
    /// `pdq`, `md5` or `sha256`; when omitted, 32 hex digits are MD5 and 64 are PDQ.
    #[serde(default)]
    pub kind: Option<HashKind>,
    /// Hex, either case.
    pub value: String,
    /// The PDQ quality of the hashed image, when known: under 50 the hash is not matched.
    #[serde(default)]
    pub quality: Option<u8>,
}

/// A match request by hashes.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    pub hashes: Vec<HashQueryInput>,
    /// The largest PDQ Hamming distance that matches (default 31, at most 63).
    #[serde(default)]
    pub radius: Option<u32>,
}

/// How to match an uploaded image.
#[derive(Clone, Copy, Debug)]
pub struct ImageMatchOptions {
    pub radius: Option<u32>,
    /// Also match the seven rotations and mirror images.
    pub dihedral: bool,
}

impl Default for ImageMatchOptions {
    fn default() -> Self {
        ImageMatchOptions { radius: None, dihedral: true }
    }
}

/// One hash of a match request and what became of it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QueryView {
    /// Position in the request (0 for an image).
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<HashKind>,
    /// The hash matched, lowercase hex (for an image: the hash computed from it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    /// Matches within the radius in sets the caller may see.
    pub match_count: usize,
    /// Why this hash was not matched, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::ErrorBody>,
}

/// The set of a match, as the matcher sees it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchedSetView {
    pub id: Uuid,
    pub name: String,
    pub owner: String,
    pub category: HashCategory,
    #[schema(value_type = String, example = "AMBER")]
    pub tlp: model::Tlp,
}

/// One matched entry.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HashMatchView {
    /// The query ([`QueryView::index`]) it matched.
    pub query: usize,
    /// Hamming distance (0 for MD5 and SHA-256).
    pub distance: u32,
    /// For an image matched with its rotations and mirror images: the transform of the image
    /// that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transform: Option<String>,
    pub set: MatchedSetView,
    pub entry: HashEntryView,
}

/// The answer to a match request.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchOutcome {
    pub radius: u32,
    pub queries: Vec<QueryView>,
    /// Closest first, at most 100 per query.
    pub matches: Vec<HashMatchView>,
}

/// A match of an entry, as the set's owner sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HashSightingView {
    pub id: Uuid,
    pub entry_id: Uuid,
    pub kind: HashKind,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The organisation whose query matched.
    pub organization: String,
    pub distance: u32,
    pub at: DateTime<Utc>,
}

/// The formats entries are imported from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// CSV with a header (`kind,hash,quality,label`, any order) or headerless
    /// `hash,quality,label` as the reference hasher prints; rows without a kind are `default`.
    Csv { default: HashKind },
    /// One [`HashEntryInput`] JSON object per line.
    JsonLines,
}

// ----- the engine's use cases ------------------------------------------------------------------

fn check_text(field: &str, value: &str, max: usize) -> Result<String, EngineError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(EngineError::invalid(field, format!("longer than {max} characters")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(EngineError::invalid(field, "must not contain control characters"));
    }
    Ok(v.to_string())
}

fn hash_query(kind: Option<HashKind>, value: &str) -> Result<(HashKind, String), String> {
    let v = value.trim();
    let kind = match kind {
        Some(k) => k,
        None if v.len() == 32 => HashKind::Md5,
        None if v.len() == 64 => HashKind::Pdq,
        None => return Err(format!("{} hex digits is no hash kind: give `kind`", v.len())),
    };
    let input = HashEntryInput { kind, value: v.to_string(), quality: None, label: None }.validate()?;
    Ok((kind, input.value))
}

impl Engine {
    fn hashlists(&self) -> RwLockReadGuard<'_, HashLists> {
        self.hashlists.read().unwrap_or_else(|e| e.into_inner())
    }

    fn hashlists_mut(&self) -> RwLockWriteGuard<'_, HashLists> {
        self.hashlists.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Hash-list sizes, for metrics: (sets, entries, PDQ index bytes).
    pub fn hashlist_sizes(&self) -> (usize, usize, usize) {
        let h = self.hashlists();
        (h.sets.len(), h.slots.len(), h.pdq.memory_bytes())
    }

    fn set_view(&self, set: &HashSet, counts: Counts) -> HashSetView {
        let dir = self.directory();
        HashSetView {
            id: set.id,
            name: set.name.clone(),
            owner: dir.org_name(set.owner),
            category: set.category,
            source: set.source.clone(),
            description: set.description.clone(),
            tlp: set.tlp,
            audience: AudienceView {
                organizations: set.audience.organizations.iter().map(|o| dir.org_name(*o)).collect(),
                communities: set.audience.communities.iter().map(|c| dir.community_name(*c)).collect(),
            },
            created_at: set.created_at,
            entries: counts.live,
            withdrawn: counts.withdrawn,
        }
    }

    fn validate_set(
        &self,
        input: &HashSetInput,
    ) -> Result<(String, String, String, model::Tlp, model::Audience), EngineError> {
        let name = check_text("name", &input.name, 200)?;
        if name.is_empty() {
            return Err(EngineError::invalid("name", "must not be empty"));
        }
        let source = check_text("source", &input.source, 500)?;
        let description = check_text("description", &input.description, 10_000)?;
        let tlp = model::Tlp::parse(&input.tlp).map_err(|e| EngineError::invalid("tlp", e.to_string()))?;
        let audience = self.resolve_audience(&input.audience)?;
        Ok((name, source, description, tlp, audience))
    }

    /// Creates a hash set owned by the actor's organisation (analysts and admins).
    pub async fn create_hash_set(
        &self,
        actor: &Principal,
        input: HashSetInput,
    ) -> Result<HashSetView, EngineError> {
        if !actor.viewer.role.can_revoke() {
            return Err(EngineError::Forbidden("only analysts and admins may create hash sets".into()));
        }
        let (name, source, description, tlp, audience) = self.validate_set(&input)?;
        let set = HashSet {
            id: Uuid::now_v7(),
            name,
            owner: actor.viewer.org,
            category: input.category,
            source,
            description,
            tlp,
            audience,
            created_at: now(),
        };
        let _w = self.writes.lock().await;
        self.store.create_hash_set(&set).await.map_err(|e| match e {
            store::StoreError::Conflict { .. } => EngineError::Conflict(format!(
                "your organisation already has a hash set named {:?}",
                set.name
            )),
            e => e.into(),
        })?;
        let detail = serde_json::json!({ "tlp": set.tlp });
        self.audit(crate::audit_actor(Some(actor)), "hashset.create", "hash_set", set.id, Some(detail)).await;
        let view = self.set_view(&set, Counts::default());
        self.commit_state(model::event::StateChange::HashLists, || self.hashlists_mut().add_set(set)).await;
        Ok(view)
    }

    /// The set if the viewer may see it (as slot, set and counts); otherwise not found.
    fn visible_set(&self, viewer: &Viewer, id: Uuid) -> Result<(u32, HashSet, Counts), EngineError> {
        let h = self.hashlists();
        match h.set(id) {
            Some((slot, set)) if can_see(viewer, &set.access()) => {
                Ok((slot, set.clone(), h.counts[slot as usize]))
            }
            _ => Err(EngineError::not_found("hash set")),
        }
    }

    /// The set if the actor's organisation owns it and the actor's role may `what`.
    fn owned_set(
        &self,
        actor: &Principal,
        id: Uuid,
        analyst: bool,
        what: &str,
    ) -> Result<(u32, HashSet), EngineError> {
        let (slot, set, _) = self.visible_set(&actor.viewer, id)?;
        if set.owner != actor.viewer.org {
            return Err(EngineError::Forbidden(format!(
                "only the organisation that owns a hash set may {what}"
            )));
        }
        let allowed = if analyst { actor.viewer.role.can_revoke() } else { actor.viewer.role.can_write() };
        if !allowed {
            return Err(EngineError::Forbidden(format!("your role may not {what}")));
        }
        Ok((slot, set))
    }

    /// Changes a set's name, category, source, description, TLP and audience (its owner's
    /// analysts and admins). Visibility changes at once for matching too.
    pub async fn update_hash_set(
        &self,
        actor: &Principal,
        id: Uuid,
        input: HashSetInput,
    ) -> Result<HashSetView, EngineError> {
        let _w = self.writes.lock().await;
        let (slot, mut set) = self.owned_set(actor, id, true, "change it")?;
        let (name, source, description, tlp, audience) = self.validate_set(&input)?;
        set.name = name;
        set.category = input.category;
        set.source = source;
        set.description = description;
        set.tlp = tlp;
        set.audience = audience;
        let updated = self.store.update_hash_set(&set).await.map_err(|e| match e {
            store::StoreError::Conflict { .. } => EngineError::Conflict(format!(
                "your organisation already has a hash set named {:?}",
                set.name
            )),
            e => e.into(),
        })?;
        if !updated {
            return Err(EngineError::not_found("hash set"));
        }
        let detail = serde_json::json!({ "tlp": set.tlp });
        self.audit(crate::audit_actor(Some(actor)), "hashset.update", "hash_set", set.id, Some(detail)).await;
        self.commit_state(model::event::StateChange::HashLists, || {
            self.hashlists_mut().sets[slot as usize] = set.clone()
        })
        .await;
        let counts = self.hashlists().counts[slot as usize];
        Ok(self.set_view(&set, counts))
    }

    /// The hash sets the viewer may see, oldest first.
    pub fn list_hash_sets(&self, viewer: &Viewer) -> Vec<HashSetView> {
        let visible: Vec<(HashSet, Counts)> = {
            let h = self.hashlists();
            h.sets
                .iter()
                .zip(&h.counts)
                .filter(|(s, _)| can_see(viewer, &s.access()))
                .map(|(s, c)| (s.clone(), *c))
                .collect()
        };
        visible.iter().map(|(s, c)| self.set_view(s, *c)).collect()
    }

    /// One hash set, if the viewer may see it.
    pub fn get_hash_set(&self, viewer: &Viewer, id: Uuid) -> Result<HashSetView, EngineError> {
        let (_, set, counts) = self.visible_set(viewer, id)?;
        Ok(self.set_view(&set, counts))
    }

    /// Parses and adds entries from a CSV or JSON Lines text: good lines are added, bad ones
    /// reported with their line numbers.
    pub async fn import_hash_entries(
        &self,
        actor: &Principal,
        set_id: Uuid,
        format: ImportFormat,
        text: &str,
    ) -> Result<ImportOutcome, EngineError> {
        // Check access before parsing, so that a stranger learns nothing from parse errors.
        self.owned_set(actor, set_id, false, "add entries")?;
        let (entries, rejected) = match format {
            ImportFormat::Csv { default } => parse_entries_csv(text, default),
            ImportFormat::JsonLines => parse_entries_jsonl(text),
        };
        let mut outcome = self.add_entries_as(actor, set_id, entries, "hashset.import").await?;
        outcome.rejected = rejected;
        Ok(outcome)
    }

    /// Adds validated entries to a set (its owner's contributors, analysts and admins).
    /// Entries the set holds already are counted as duplicates; withdrawn ones are reinstated.
    /// The new entries are stored in one transaction and match at once.
    pub async fn add_hash_entries(
        &self,
        actor: &Principal,
        set_id: Uuid,
        entries: Vec<HashEntryInput>,
    ) -> Result<ImportOutcome, EngineError> {
        self.add_entries_as(actor, set_id, entries, "hashset.add_entries").await
    }

    /// [`Engine::add_hash_entries`], recorded as `action`.
    async fn add_entries_as(
        &self,
        actor: &Principal,
        set_id: Uuid,
        entries: Vec<HashEntryInput>,
        action: &str,
    ) -> Result<ImportOutcome, EngineError> {
        if entries.len() > IMPORT_MAX_ENTRIES {
            return Err(EngineError::TooMany {
                what: "entries".into(),
                limit: IMPORT_MAX_ENTRIES,
                got: entries.len(),
            });
        }
        let _w = self.writes.lock().await;
        let (set_slot, _) = self.owned_set(actor, set_id, false, "add entries")?;
        let added_at = now();
        let mut outcome = ImportOutcome::default();
        let mut new = Vec::new();
        let mut reinstate = Vec::new();
        {
            let h = self.hashlists();
            let mut seen = StdHashSet::new();
            for input in entries {
                let Some(k) = key(input.kind, &input.value) else { continue };
                if !seen.insert((input.kind, input.value.clone())) {
                    outcome.duplicates += 1;
                    continue;
                }
                match h.find(set_slot, input.kind, &k) {
                    Some(slot) if h.slots[slot as usize].withdrawn => reinstate.push(slot),
                    Some(_) => outcome.duplicates += 1,
                    None => {
                        new.push(HashEntry {
                            id: Uuid::now_v7(),
                            set_id,
                            kind: input.kind,
                            value: input.value,
                            quality: input.quality,
                            label: input.label,
                            added_at,
                            withdrawn_at: None,
                        });
                    }
                }
            }
        }
        self.store.insert_hash_entries(&new).await?;
        let reinstate_ids: Vec<Uuid> = {
            let h = self.hashlists();
            reinstate.iter().map(|&s| h.slots[s as usize].id).collect()
        };
        if !reinstate_ids.is_empty() {
            self.store.set_hash_entries_withdrawn(&reinstate_ids, None).await?;
        }
        let detail = serde_json::json!({ "added": new.len(), "reinstated": reinstate_ids.len() });
        self.audit(crate::audit_actor(Some(actor)), action, "hash_set", set_id, Some(detail)).await;
        self.commit_state(model::event::StateChange::HashLists, || {
            let mut h = self.hashlists_mut();
            for e in &new {
                if let Some(Key::Pdq(hash)) = h.add_slot(e) {
                    let slot = h.slot_of[&e.id];
                    h.pdq.insert(u64::from(slot), hash);
                }
            }
            for &slot in &reinstate {
                h.set_withdrawn(slot, false);
            }
        })
        .await;
        outcome.added = new.len();
        outcome.reinstated = reinstate.len();
        Ok(outcome)
    }

    /// Withdraws entries of a set by id or value (its owner's analysts and admins). Withdrawn
    /// entries stay as tombstones, listed with their withdrawal time, and never match again.
    pub async fn withdraw_hash_entries(
        &self,
        actor: &Principal,
        set_id: Uuid,
        request: WithdrawRequest,
    ) -> Result<WithdrawOutcome, EngineError> {
        let asked = request.ids.len() + request.values.len();
        if asked > IMPORT_MAX_ENTRIES {
            return Err(EngineError::TooMany {
                what: "entries".into(),
                limit: IMPORT_MAX_ENTRIES,
                got: asked,
            });
        }
        let _w = self.writes.lock().await;
        let (set_slot, _) = self.owned_set(actor, set_id, true, "withdraw entries")?;
        let mut outcome = WithdrawOutcome::default();
        let mut slots = Vec::new();
        {
            let h = self.hashlists();
            for id in &request.ids {
                match h.slot_of.get(id).copied().filter(|&s| h.slots[s as usize].set == set_slot) {
                    Some(s) => slots.push(s),
                    None => outcome.not_found.push(id.to_string()),
                }
            }
            for (i, v) in request.values.iter().enumerate() {
                let (kind, value) = hash_query(v.kind, &v.value)
                    .map_err(|m| EngineError::invalid(format!("values[{i}]"), m))?;
                let found = key(kind, &value).and_then(|k| h.find(set_slot, kind, &k));
                match found {
                    Some(s) => slots.push(s),
                    None => outcome.not_found.push(format!("{}:{value}", kind.as_str())),
                }
            }
            slots.sort_unstable();
            slots.dedup();
            slots.retain(|&s| {
                let withdrawn = h.slots[s as usize].withdrawn;
                outcome.already_withdrawn += usize::from(withdrawn);
                !withdrawn
            });
        }
        let ids: Vec<Uuid> = {
            let h = self.hashlists();
            slots.iter().map(|&s| h.slots[s as usize].id).collect()
        };
        let changed = self.store.set_hash_entries_withdrawn(&ids, Some(now())).await?;
        let detail = serde_json::json!({ "withdrawn": changed });
        self.audit(
            crate::audit_actor(Some(actor)),
            "hashset.withdraw_entries",
            "hash_set",
            set_id,
            Some(detail),
        )
        .await;
        self.commit_state(model::event::StateChange::HashLists, || {
            let mut h = self.hashlists_mut();
            for &s in &slots {
                h.set_withdrawn(s, true);
            }
        })
        .await;
        outcome.withdrawn = usize::try_from(changed).unwrap_or(usize::MAX);
        Ok(outcome)
    }

    /// One page of a visible set's entries, withdrawn ones included, oldest first.
    pub async fn list_hash_entries(
        &self,
        viewer: &Viewer,
        set_id: Uuid,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Page<HashEntryView>, EngineError> {
        self.visible_set(viewer, set_id)?;
        let (after, limit) = page_args(cursor, limit)?;
        let mut entries = self.store.list_hash_entries(set_id, after, limit + 1).await?;
        let more = entries.len() > limit;
        entries.truncate(limit);
        let next_cursor = if more { entries.last().map(|e| e.id.to_string()) } else { None };
        Ok(Page { items: entries.into_iter().map(HashEntryView::from).collect(), next_cursor })
    }

    /// One page of a set's sightings, for its owner's analysts and admins.
    pub async fn list_hash_sightings(
        &self,
        actor: &Principal,
        set_id: Uuid,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Page<HashSightingView>, EngineError> {
        self.owned_set(actor, set_id, true, "see its sightings")?;
        let (after, limit) = page_args(cursor, limit)?;
        let mut sightings = self.store.list_hash_sightings(set_id, after, limit + 1).await?;
        let more = sightings.len() > limit;
        sightings.truncate(limit);
        let mut entry_ids: Vec<Uuid> = sightings.iter().map(|s| s.entry_id).collect();
        entry_ids.sort_unstable();
        entry_ids.dedup();
        let entries: HashMap<Uuid, HashEntry> =
            self.store.get_hash_entries(&entry_ids).await?.into_iter().map(|e| (e.id, e)).collect();
        let dir = self.directory();
        let items = sightings
            .iter()
            .filter_map(|s| {
                let e = entries.get(&s.entry_id)?;
                Some(HashSightingView {
                    id: s.id,
                    entry_id: s.entry_id,
                    kind: e.kind,
                    value: e.value.clone(),
                    label: e.label.clone(),
                    organization: dir.org_name(s.org),
                    distance: s.distance,
                    at: s.at,
                })
            })
            .collect();
        let next_cursor = if more { sightings.last().map(|s| s.id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    /// Matches hashes against every set the caller may see. Each match is recorded as a
    /// sighting for the set's owner (who matched, when, distance).
    pub async fn match_hashes(
        &self,
        actor: &Principal,
        request: MatchRequest,
    ) -> Result<MatchOutcome, EngineError> {
        if request.hashes.len() > MATCH_MAX_HASHES {
            return Err(EngineError::TooMany {
                what: "hashes".into(),
                limit: MATCH_MAX_HASHES,
                got: request.hashes.len(),
            });
        }
        let radius = check_radius(request.radius)?;
        let mut queries = Vec::with_capacity(request.hashes.len());
        let mut keys = Vec::with_capacity(request.hashes.len());
        for (index, q) in request.hashes.iter().enumerate() {
            let mut view = QueryView {
                index,
                kind: q.kind,
                value: None,
                quality: q.quality,
                match_count: 0,
                error: None,
            };
            match hash_query(q.kind, &q.value) {
                Err(message) => {
                    view.error =
                        Some(crate::error_body(&EngineError::invalid(format!("hashes[{index}]"), message)));
                    keys.push(Vec::new());
                }
                Ok((kind, value)) => {
                    view.kind = Some(kind);
                    match (kind, q.quality) {
                        (_, Some(q)) if q > 100 => {
                            view.error = Some(crate::error_body(&EngineError::invalid(
                                format!("hashes[{index}].quality"),
                                format!("{q} is not between 0 and 100"),
                            )));
                            keys.push(Vec::new());
                        }
                        (HashKind::Pdq, Some(q)) if q < MIN_MATCH_QUALITY => {
                            view.error = Some(low_quality(format!("hashes[{index}]"), q));
                            keys.push(Vec::new());
                        }
                        _ => keys.push(key(kind, &value).map(|k| vec![(kind, k)]).unwrap_or_default()),
                    }
                    view.value = Some(value);
                }
            }
            queries.push(view);
        }
        self.run_match(actor, radius, queries, keys, false).await
    }

    /// Hashes an uploaded image in memory (PDQ, and MD5 and SHA-256 of its bytes) and matches
    /// it like [`Engine::match_hashes`]. The bytes are zeroed and dropped before matching; they
    /// are never stored or logged, and neither is the computed hash.
    pub async fn match_image(
        &self,
        actor: &Principal,
        mut image: Vec<u8>,
        options: ImageMatchOptions,
    ) -> Result<MatchOutcome, EngineError> {
        let radius = check_radius(options.radius)?;
        let hashed = tokio::task::spawn_blocking(move || {
            let pdq = pdq::hash_image_dihedral(&image, &DecodeOptions::default());
            let md5: [u8; 16] = md5::Md5::digest(&image).into();
            let sha256: [u8; 32] = Sha256::digest(&image).into();
            wipe(&mut image);
            drop(image);
            (pdq, md5, sha256)
        })
        .await
        .map_err(|_| EngineError::invalid("image", "hashing the image failed"))?;
        let (pdq, md5, sha256) = hashed;
        let d = pdq.map_err(|e| EngineError::invalid("image", e.to_string()))?;
        let mut keys = Vec::new();
        let mut error = None;
        if d.quality < MIN_MATCH_QUALITY {
            error = Some(low_quality("image".into(), d.quality));
        } else {
            let hashes = if options.dihedral { d.hashes().to_vec() } else { vec![d.original] };
            keys.extend(hashes.into_iter().map(|h| (HashKind::Pdq, Key::Pdq(h))));
        }
        let mut md5_key = [0u8; 32];
        md5_key[..16].copy_from_slice(&md5);
        keys.push((HashKind::Md5, Key::Exact(md5_key)));
        keys.push((HashKind::Sha256, Key::Exact(sha256)));
        let query = QueryView {
            index: 0,
            kind: Some(HashKind::Pdq),
            value: Some(d.original.to_hex()),
            quality: Some(d.quality),
            match_count: 0,
            error,
        };
        self.run_match(actor, radius, vec![query], vec![keys], options.dihedral).await
    }

    /// Looks every query's keys up, keeps matchable entries of visible sets, records the
    /// sightings and builds the answer.
    async fn run_match(
        &self,
        actor: &Principal,
        radius: u32,
        mut queries: Vec<QueryView>,
        keys: Vec<Vec<(HashKind, Key)>>,
        transforms: bool,
    ) -> Result<MatchOutcome, EngineError> {
        // (query, slot, distance, transform)
        let mut found: Vec<(usize, u32, u32, Option<&'static str>)> = Vec::new();
        let sets: HashMap<u32, HashSet> = {
            let h = self.hashlists();
            let visible = |slot: u32| {
                let s = &h.slots[slot as usize];
                s.matchable() && can_see(&actor.viewer, &h.sets[s.set as usize].access())
            };
            for (qi, ks) in keys.iter().enumerate() {
                let pdq: Vec<Hash256> = ks
                    .iter()
                    .filter_map(|(_, k)| if let Key::Pdq(h) = k { Some(*h) } else { None })
                    .collect();
                let mut hits: Vec<(u32, u32, Option<&'static str>)> = Vec::new();
                if !pdq.is_empty() {
                    for m in h.pdq.query_any(&pdq, radius) {
                        let slot = m.id as u32;
                        if visible(slot) {
                            hits.push((slot, m.distance, transforms.then(|| TRANSFORMS[m.query])));
                        }
                    }
                }
                for (kind, k) in ks {
                    if let Key::Exact(bytes) = k
                        && let Some(slots) = h.exact.get(bytes)
                    {
                        for &slot in slots {
                            if h.slots[slot as usize].kind == *kind && visible(slot) {
                                hits.push((slot, 0, None));
                            }
                        }
                    }
                }
                hits.sort_by_key(|&(slot, d, _)| (d, slot));
                queries[qi].match_count = hits.len();
                found.extend(hits.into_iter().take(MATCHES_PER_QUERY_MAX).map(|(s, d, t)| (qi, s, d, t)));
            }
            found
                .iter()
                .map(|&(_, slot, _, _)| h.slots[slot as usize].set)
                .collect::<StdHashSet<u32>>()
                .into_iter()
                .map(|s| (s, h.sets[s as usize].clone()))
                .collect()
        };
        let slot_ids: Vec<(u32, Uuid)> = {
            let h = self.hashlists();
            found
                .iter()
                .map(|&(_, slot, _, _)| (h.slots[slot as usize].set, h.slots[slot as usize].id))
                .collect()
        };
        let entries: HashMap<Uuid, HashEntry> = {
            let mut ids: Vec<Uuid> = slot_ids.iter().map(|(_, id)| *id).collect();
            ids.sort_unstable();
            ids.dedup();
            self.store.get_hash_entries(&ids).await?.into_iter().map(|e| (e.id, e)).collect()
        };
        let at = now();
        let mut sightings = Vec::with_capacity(found.len());
        let mut matches = Vec::with_capacity(found.len());
        for (&(query, _, distance, transform), (set_slot, entry_id)) in found.iter().zip(&slot_ids) {
            let (Some(entry), Some(set)) = (entries.get(entry_id), sets.get(set_slot)) else { continue };
            sightings.push(HashSighting {
                id: Uuid::now_v7(),
                set_id: set.id,
                entry_id: *entry_id,
                org: actor.viewer.org,
                distance,
                at,
            });
            matches.push(HashMatchView {
                query,
                distance,
                transform: transform.map(str::to_owned),
                set: MatchedSetView {
                    id: set.id,
                    name: set.name.clone(),
                    owner: self.directory().org_name(set.owner),
                    category: set.category,
                    tlp: set.tlp,
                },
                entry: entry.clone().into(),
            });
        }
        let events = self.match_events(actor, &sightings, &matches, at);
        let stored = self.store.insert_hash_sightings(&sightings, &events).await?;
        if !sightings.is_empty() {
            let detail = serde_json::json!({ "sightings": sightings.len() });
            let object = sightings[0].id;
            self.audit(
                crate::audit_actor(Some(actor)),
                "hash.sighting",
                "hash_sighting",
                object,
                Some(detail),
            )
            .await;
        }
        self.commit(stored, || {}).await;
        Ok(MatchOutcome { radius, queries, matches })
    }

    /// The events of a match: `sighting.recorded` per sighting for the set's owner, and one
    /// `hash.matched` for the organisation that matched. Neither holds what was matched.
    fn match_events(
        &self,
        actor: &Principal,
        sightings: &[HashSighting],
        matches: &[HashMatchView],
        at: DateTime<Utc>,
    ) -> Vec<model::event::Event> {
        use model::event::{Event, HashMatchEvent, HashMatchItem, SightingEvent};
        if sightings.is_empty() {
            return Vec::new();
        }
        let owners: HashMap<Uuid, OrgId> = {
            let h = self.hashlists();
            h.sets
                .iter()
                .filter(|s| sightings.iter().any(|x| x.set_id == s.id))
                .map(|s| (s.id, s.owner))
                .collect()
        };
        let mut events: Vec<Event> = sightings
            .iter()
            .zip(matches)
            .filter_map(|(s, m)| {
                let owner = *owners.get(&s.set_id)?;
                Some(Event::sighting(
                    owner,
                    SightingEvent {
                        id: s.id,
                        set_id: s.set_id,
                        set_name: m.set.name.clone(),
                        entry_id: s.entry_id,
                        hash_kind: m.entry.kind,
                        organization: actor.org_name.clone(),
                        distance: s.distance,
                    },
                    at,
                ))
            })
            .collect();
        events.push(Event::hash_matched(
            actor.viewer.org,
            HashMatchEvent {
                organization: actor.org_name.clone(),
                matches: matches
                    .iter()
                    .map(|m| HashMatchItem {
                        set_id: m.set.id,
                        set_name: m.set.name.clone(),
                        entry_id: m.entry.id,
                        distance: m.distance,
                    })
                    .collect(),
            },
            matches.iter().map(|m| m.entry.kind),
            at,
        ));
        events
    }
}

fn low_quality(field: String, quality: u8) -> crate::ErrorBody {
    crate::ErrorBody {
        code: "low_quality".into(),
        message: format!(
            "{field}: pdq quality {quality} is below {MIN_MATCH_QUALITY}; hashes of such images are not reliable and are not matched"
        ),
    }
}

fn check_radius(radius: Option<u32>) -> Result<u32, EngineError> {
    let r = radius.unwrap_or(MATCH_RADIUS_DEFAULT);
    if r > MATCH_RADIUS_MAX {
        return Err(EngineError::invalid("radius", format!("must be between 0 and {MATCH_RADIUS_MAX}")));
    }
    Ok(r)
}

/// Overwrites a buffer with zeros in a way the optimiser keeps.
fn wipe(buf: &mut [u8]) {
    buf.fill(0);
    std::hint::black_box(buf);
}
