//! Exact multi-index hashing (MIH) range search over 256-bit hashes.
//!
//! [`Index`] answers "every indexed hash within Hamming distance `r` of this one", with results
//! identical to a brute-force scan for every radius (distance `<= r`, inclusive: faiss's
//! `range_search` keeps `distance < radius`, so faiss at `r + 1` is this index at `r`).
//!
//! # Multi-index hashing
//!
//! Norouzi, Punjani and Fleet, "Fast Search in Hamming Space with Multi-Index Hashing" (CVPR
//! 2012): cut the 256 bits into `m` disjoint substrings and keep one table per substring. If two
//! hashes are within `r`, then by pigeonhole some substring is within `r / m` (rounded down).
//! The tighter form used here: with `r = m·q + a` (`0 <= a < m`), either one of the first
//! `a + 1` substrings is within `q`, or one of the others is within `q - 1` (otherwise the
//! distance would be at least `(a + 1)(q + 1) + (m - a - 1)q = r + 1`). So table `t` is probed
//! with every key within `ρ_t` flips of the query's substring (`ρ_t = q` or `q - 1`; a table
//! with `ρ_t < 0` is skipped) and every candidate is verified with a popcount over four `u64`.
//! Meta's HMA runs faiss `IndexBinaryMultiHash(256, 16, 16)` with `nflip = 1`: this index with
//! `m = 16` at radius 31.
//!
//! A candidate can be reached from several tables; it is reported only from the first table
//! `t` in which its substring is within `ρ_t` of the query's (recomputed from the XOR that the
//! verification needs anyway), so no visited set is kept and queries take `&self`.
//!
//! # Choosing `m`
//!
//! For `n` uniformly random hashes, table `t` (substring width `b_t`, directory bits `d_t`, see
//! below) costs `V(d_t, ρ_t)` probes (a directory lookup, then the bucket it points to) and
//! `V(b_t, ρ_t)·n / 2^b_t` candidates (a random access to a hash each), where
//! `V(b, ρ) = Σ_{j<=ρ} C(b, j)`; a scan streams `n` hashes instead. Per segment (see Updates)
//! [`Index`] weighs these (a probe as 3.5 candidates, as measured) at the radius hint for the
//! fewest tables that reach each per-table radius, `m = ⌈(r + 1) / (ρ + 1)⌉` in `8..=64` (more
//! tables at the same `ρ` only shorten the substrings), and for a scan, and keeps the cheapest.
//! At radius 31 the layouts are `m = 32, 16, 11, 8` (`ρ = 0, 1, 2, 3`) and the model takes a scan
//! below about ten thousand hashes, `m = 16` (16-bit substrings, one flip: faiss's layout) up to
//! about a million, and `m = 11` (24/23-bit substrings, two flips, one table with one) beyond:
//! there the ~30 to 150 hashes of a 16-bit bucket (2 to 10 million) outweigh the ~1,500-2,100
//! probes of 23-bit keys. That is Norouzi's advice (substrings about `log2(n)` bits long) with
//! the radius taken into account; at radius 0 it is `m = 8` (32-bit keys, one table probed).
//! [`IndexOptions::substrings`] overrides the choice.
//!
//! At query time a radius other than the hint only changes the `ρ_t`. When the model says that
//! scanning the segment is cheaper than the flips a large radius needs (beyond about radius 50
//! at a million hashes), the segment is scanned ([`IndexOptions::brute_force_fallback`]); up to
//! there the tables are probed with as many flips as the pigeonhole bound asks. Either way the
//! answer is exact.
//!
//! # Layout
//!
//! - Hashes by `u32` slot in two `Vec`s of 16-byte-aligned `[u64; 2]` (bits 0-127, 128-255):
//!   the front half alone rejects nearly every candidate (a random one is ~64 bits away in it),
//!   and random accesses to an array half the size miss the caches and the TLB less. External
//!   ids in one `Vec<u64>`; a tombstone bit per slot.
//! - External id → slot: an open-addressing table of `u32` slots (linear probing, keyed by
//!   `ids[slot]`, load at most 3/4).
//! - Per table, CSR: `u32` entries sorted by the substring's top `d` bits and a dense directory
//!   of `2^d + 1` offsets. An entry is `low << s | slot`: the substring's `b - d` low bits above
//!   the segment-local slot's `s` bits, so the low bits reject most of a bucket before any hash
//!   is fetched. `d = ⌊log2(n) - 2.5⌋` (capped at `b`): buckets of 6 to 11 entries and at most
//!   about half a byte of directory per hash per table.
//! - A query makes three passes over all tables (directory ranges, filtered entries, hashes),
//!   each a run of independent loads, so that the cache misses overlap. Before the entries and
//!   before the hashes, a branch-free pass touches every bucket (its first and last entry) and
//!   every candidate's front half: the scans that follow have unpredictable branches (a bucket's
//!   length, a filter), and each misprediction discards the loads issued after it, which made
//!   those cache misses come nearly one at a time (this took ten million hashes from about
//!   3,700 to 6,000 queries/s, a million from 14,000 to 22,000, one thread, random hashes).
//! - A query's scratch buffers (ranges, candidates) are kept per thread between queries.
//!
//! Bytes per hash: 32 (hash) + 8 (id) + 4·(map capacity / n) (about 5 to 8) + `m`·(4 +
//! directory), i.e. about 117 at a million random hashes (`m = 16`) and 96 at ten million
//! (`m = 11`); [`Index::memory_bytes`] reports the actual figure.
//!
//! # Updates
//!
//! The slots are cut into immutable segments, each with its own tables (or none: scanned), plus
//! an open buffer of the latest inserts (scanned, at most [`IndexOptions::buffer`]). A full
//! buffer becomes a segment, and the last two segments merge (tables rebuilt over both) while
//! the newer holds at least half as many slots as the older one, so there are `O(log n)`
//! segments and an insert is rebuilt `O(log n)` times. Each segment chooses `m` for its own size,
//! so growing past the point where `m` should change rebuilds the tables as part of a merge.
//! [`Index::remove`] sets a tombstone; when a quarter of the slots are dead, everything is
//! compacted into one segment. Inserting an existing id replaces its hash. Queries cost about the
//! sum of the segments' costs, so after many single inserts (a million make about seven
//! segments) [`Index::compact`] brings them back to the cost of one.

use std::fmt;

use crate::Hash256;

/// The default search radius (and radius hint): PDQ's usual match threshold.
pub const DEFAULT_RADIUS: u32 = 31;

// The cost model's unit is verifying one candidate (a random access to its front half). Fitted
// on `bench/src/bin/pdq_index.rs` (random hashes, radius 31, mimalloc with transparent huge
// pages): a probe (a directory lookup, then the bucket it points to) costs about 3.5 candidates
// at one million hashes and at ten million alike. Its choices were checked again after the
// touch passes of `probe` made both cheaper: at ten million `m = 11` (6,900 queries/s of CPU)
// still beats 10 (5,200) and 16 (1,700); at a million `m = 16` (22,400) beats 11 (18,500).

/// Relative cost of one probe: a directory lookup and the first entries of its bucket.
const COST_PROBE: f64 = 3.5;
/// Relative cost of reading one more entry of a bucket.
const COST_SCAN: f64 = 0.05;
/// Relative cost of verifying one candidate.
const COST_CANDIDATE: f64 = 1.0;
/// Relative cost of comparing one hash during a scan (sequential).
const COST_BRUTE: f64 = 0.1;

/// How an [`Index`] is laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexOptions {
    /// The radius the tables are tuned for (queries may use any radius).
    pub radius_hint: u32,
    /// The number of substrings `m` (clamped to `8..=64`), or `None` to choose it per segment
    /// from its size and the radius hint. `Some(_)` also gives small segments tables.
    pub substrings: Option<usize>,
    /// How many inserts are kept in the scanned buffer before they get tables.
    pub buffer: usize,
    /// Scan a segment when the cost model says that is cheaper than the flips a large radius
    /// needs. `false` always probes the tables (only useful to test them).
    pub brute_force_fallback: bool,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            radius_hint: DEFAULT_RADIUS,
            substrings: None,
            buffer: 1024,
            brute_force_fallback: true,
        }
    }
}

/// One indexed hash within the radius of a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Match {
    /// The external id given to [`Index::insert`] or [`Index::build`].
    pub id: u64,
    /// Hamming distance to the (closest) query.
    pub distance: u32,
    /// Which query matched: `0` for [`Index::query`]; for [`Index::query_any`] the position of
    /// the closest query (the first one on ties).
    pub query: usize,
}

/// A segment's size and layout, as [`Index::segments`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    /// Slots, dead ones included.
    pub slots: usize,
    /// Substrings (tables); `0` for a scanned segment or the open buffer.
    pub substrings: usize,
    /// Bytes held by the segment's tables.
    pub table_bytes: usize,
}

/// An exact range-search index over 256-bit hashes (see the [module docs](self)).
#[derive(Clone)]
pub struct Index {
    opts: IndexOptions,
    codes: Codes,
    ids: Vec<u64>,
    dead: Vec<u64>,
    n_dead: usize,
    map: IdMap,
    segments: Vec<Segment>,
    /// First slot of the open buffer (`codes.len()` when it is empty).
    open_lo: u32,
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index")
            .field("len", &self.len())
            .field("dead", &self.n_dead)
            .field("segments", &self.segments())
            .field("memory_bytes", &self.memory_bytes())
            .field("opts", &self.opts)
            .finish()
    }
}

impl Default for Index {
    fn default() -> Self {
        Index::new(IndexOptions::default())
    }
}

impl Index {
    /// An empty index.
    pub fn new(opts: IndexOptions) -> Self {
        Index {
            opts,
            codes: Codes::default(),
            ids: Vec::new(),
            dead: Vec::new(),
            n_dead: 0,
            map: IdMap::default(),
            segments: Vec::new(),
            open_lo: 0,
        }
    }

    /// Builds an index in bulk: one segment over all items. A repeated id keeps its last hash.
    ///
    /// # Panics
    ///
    /// With `2^32 - 1` slots or more (ids, plus replaced or removed ones not yet compacted).
    pub fn build(items: impl IntoIterator<Item = (u64, Hash256)>, opts: IndexOptions) -> Self {
        let items = items.into_iter();
        let mut index = Index::new(opts);
        let (lower, _) = items.size_hint();
        index.codes.reserve_exact(lower);
        index.ids.reserve_exact(lower);
        index.map.reserve(lower, &index.ids);
        for (id, h) in items {
            index.push(id, h.to_u64s());
        }
        index.codes.shrink_to_fit();
        index.ids.shrink_to_fit();
        index.seal_all();
        index
    }

    /// Adds a hash, or replaces the hash of an id already present.
    ///
    /// # Panics
    ///
    /// With `2^32 - 1` slots or more, as [`Index::build`].
    pub fn insert(&mut self, id: u64, h: Hash256) {
        self.push(id, h.to_u64s());
        if self.codes.len() - self.open_lo as usize >= self.opts.buffer.max(1) {
            self.seal_open();
        }
        self.maybe_compact();
    }

    /// Removes an id; `false` if it was not present.
    pub fn remove(&mut self, id: u64) -> bool {
        let Some((pos, slot)) = self.map.find(id, &self.ids) else { return false };
        self.map.remove_at(pos, &self.ids);
        self.kill(slot);
        self.maybe_compact();
        true
    }

    /// The hash stored for an id.
    pub fn get(&self, id: u64) -> Option<Hash256> {
        self.map.find(id, &self.ids).map(|(_, slot)| Hash256::from_u64s(self.codes.get(slot)))
    }

    /// Number of ids present.
    pub fn len(&self) -> usize {
        self.map.len
    }

    /// Whether no id is present.
    pub fn is_empty(&self) -> bool {
        self.map.len == 0
    }

    /// Every id within `radius` of `q`, sorted by distance then id.
    pub fn query(&self, q: &Hash256, radius: u32) -> Vec<Match> {
        let mut hits = Vec::new();
        Scratch::with(|scratch| self.search(&q.to_u64s(), radius, &mut hits, scratch));
        let mut out: Vec<Match> = hits
            .into_iter()
            .map(|(slot, distance)| Match { id: self.ids[slot as usize], distance, query: 0 })
            .collect();
        out.sort_unstable_by_key(|m| (m.distance, m.id));
        out
    }

    /// Every id within `radius` of any of `qs` (e.g. the eight dihedral variants of an image),
    /// once, with its smallest distance and the query that has it (the first on ties); sorted by
    /// distance then id.
    pub fn query_any(&self, qs: &[Hash256], radius: u32) -> Vec<Match> {
        let mut all: Vec<(u32, u32, usize)> = Vec::new();
        let mut hits = Vec::new();
        Scratch::with(|scratch| {
            for (i, q) in qs.iter().enumerate() {
                hits.clear();
                self.search(&q.to_u64s(), radius, &mut hits, scratch);
                all.extend(hits.iter().map(|&(slot, d)| (slot, d, i)));
            }
        });
        all.sort_unstable();
        all.dedup_by_key(|h| h.0);
        let mut out: Vec<Match> = all
            .into_iter()
            .map(|(slot, distance, query)| Match { id: self.ids[slot as usize], distance, query })
            .collect();
        out.sort_unstable_by_key(|m| (m.distance, m.id));
        out
    }

    /// Bytes held by the index (capacities of its arrays).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.codes.bytes()
            + self.ids.capacity() * 8
            + self.dead.capacity() * 8
            + self.map.table.capacity() * 4
            + self.segments.capacity() * std::mem::size_of::<Segment>()
            + self.segments.iter().map(Segment::table_bytes).sum::<usize>()
    }

    /// The segments, oldest first, then the open buffer if it holds slots.
    pub fn segments(&self) -> Vec<SegmentInfo> {
        let mut out: Vec<SegmentInfo> = self
            .segments
            .iter()
            .map(|s| SegmentInfo {
                slots: (s.hi - s.lo) as usize,
                substrings: s.tables.len(),
                table_bytes: s.table_bytes(),
            })
            .collect();
        let open = self.codes.len() - self.open_lo as usize;
        if open > 0 {
            out.push(SegmentInfo { slots: open, substrings: 0, table_bytes: 0 });
        }
        out
    }

    /// Appends (or, for an id in the open buffer, overwrites) without sealing.
    fn push(&mut self, id: u64, code: [u64; 4]) {
        if let Some((pos, slot)) = self.map.find(id, &self.ids) {
            if slot >= self.open_lo {
                self.codes.set(slot, code);
                return;
            }
            self.map.remove_at(pos, &self.ids);
            self.kill(slot);
        }
        let slot =
            u32::try_from(self.codes.len()).ok().filter(|&s| s < EMPTY).expect("at most 2^32 - 1 slots");
        self.codes.push(code);
        self.ids.push(id);
        if self.dead.len() * 64 < self.codes.len() {
            self.dead.push(0);
        }
        self.map.insert(slot, &self.ids);
    }

    fn kill(&mut self, slot: u32) {
        self.dead[slot as usize / 64] |= 1 << (slot % 64);
        self.n_dead += 1;
    }

    fn is_dead(&self, slot: u32) -> bool {
        self.dead[slot as usize / 64] >> (slot % 64) & 1 == 1
    }

    /// Turns the open buffer into a segment, then merges the last two segments while the newer
    /// holds at least half as many slots as the older.
    fn seal_open(&mut self) {
        let hi = self.codes.len() as u32;
        if hi == self.open_lo {
            return;
        }
        let seg = Segment::build(&self.codes, &self.dead, self.open_lo, hi, &self.opts);
        self.segments.push(seg);
        self.open_lo = hi;
        while let [.., prev, last] = self.segments.as_slice() {
            if (last.hi - last.lo) * 2 < prev.hi - prev.lo {
                break;
            }
            let (lo, hi) = (prev.lo, last.hi);
            self.segments.truncate(self.segments.len() - 2);
            let seg = Segment::build(&self.codes, &self.dead, lo, hi, &self.opts);
            self.segments.push(seg);
        }
    }

    /// Rebuilds everything as one segment (after a bulk build or a compaction).
    fn seal_all(&mut self) {
        self.segments.clear();
        self.open_lo = 0;
        let hi = self.codes.len() as u32;
        if hi > 0 {
            self.segments.push(Segment::build(&self.codes, &self.dead, 0, hi, &self.opts));
            self.open_lo = hi;
        }
    }

    /// Drops the dead slots once they are a quarter of all slots.
    fn maybe_compact(&mut self) {
        if self.n_dead >= 64 && self.n_dead * 4 >= self.codes.len() {
            self.compact();
        }
    }

    /// Drops removed and replaced hashes and rebuilds everything as one segment, as
    /// [`Index::build`] would: after many single inserts, queries are faster on one segment.
    pub fn compact(&mut self) {
        let live = self.codes.len() - self.n_dead;
        let mut codes = Codes::default();
        codes.reserve_exact(live);
        let mut ids = Vec::with_capacity(live);
        for slot in 0..self.codes.len() as u32 {
            if !self.is_dead(slot) {
                codes.push(self.codes.get(slot));
                ids.push(self.ids[slot as usize]);
            }
        }
        self.codes = codes;
        self.ids = ids;
        self.dead = vec![0; live.div_ceil(64)];
        self.n_dead = 0;
        self.map = IdMap::default();
        self.map.reserve(live, &self.ids);
        for slot in 0..live as u32 {
            self.map.insert(slot, &self.ids);
        }
        self.seal_all();
    }

    /// Appends `(slot, distance)` for every live slot within `r` of `q`, each once.
    fn search(&self, q: &[u64; 4], r: u32, out: &mut Vec<(u32, u32)>, scratch: &mut Scratch) {
        for seg in &self.segments {
            if seg.tables.is_empty() || (self.opts.brute_force_fallback && seg.prefers_scan(r)) {
                self.scan(seg.lo, seg.hi, q, r, out);
            } else {
                self.probe(seg, q, r, out, scratch);
            }
        }
        self.scan(self.open_lo, self.codes.len() as u32, q, r, out);
    }

    fn scan(&self, lo: u32, hi: u32, q: &[u64; 4], r: u32, out: &mut Vec<(u32, u32)>) {
        let (front, back) = self.codes.range(lo, hi);
        let half = |f: &Half, q0: u64, q1: u64| (f.0[0] ^ q0).count_ones() + (f.0[1] ^ q1).count_ones();
        // Below radius 56 the front half alone rejects a random hash (~64 bits away in it) all
        // but a few percent of the time, and the back half need not be read; around 64 that
        // test is a coin toss, so read both.
        let early_exit = r < 56;
        for ((slot, f), b) in (lo..hi).zip(front).zip(back) {
            let front_distance = half(f, q[0], q[1]);
            if early_exit && front_distance > r {
                continue;
            }
            let d = front_distance + half(b, q[2], q[3]);
            if d <= r && !self.is_dead(slot) {
                out.push((slot, d));
            }
        }
    }

    fn probe(&self, seg: &Segment, q: &[u64; 4], r: u32, out: &mut Vec<(u32, u32)>, scratch: &mut Scratch) {
        let m = seg.tables.len();
        let mut rhos = [0i64; 64];
        for (t, rho_t) in rhos[..m].iter_mut().enumerate() {
            *rho_t = rho(m, r, t);
        }
        let rhos = &rhos[..m];
        let slot_mask = ((1u64 << seg.sbits) - 1) as u32;
        // Three passes over all tables, each with independent loads so that the cache misses
        // overlap: the directory ranges of every key within reach, the entries in those ranges
        // whose low bits are within reach too, the hashes of those entries.
        let Scratch { ranges, range_ends, cands, cand_ends } = scratch;
        ranges.clear();
        range_ends.clear();
        for (table, &rho_t) in seg.tables.iter().zip(rhos) {
            let qh = table.sub.key(q) >> table.lbits;
            for flips in 0..=rho_t.min(i64::from(table.dbits)).max(-1) {
                let budget = (rho_t - flips) as u32;
                for_each_mask(table.dbits, flips as u32, |mask| {
                    let h = (qh ^ mask) as usize;
                    ranges.push((table.dir[h], table.dir[h + 1], budget));
                });
            }
            range_ends.push(ranges.len());
        }
        // Touch the first entry of every bucket in a branch-free loop before scanning them: the
        // scan's loop exits are unpredictable, and each misprediction would throw away the
        // loads issued after it, so the buckets' cache misses would come one at a time.
        let mut start_range = 0;
        let mut touched = 0u32;
        for (table, &end_range) in seg.tables.iter().zip(range_ends.iter()) {
            let last = table.entries.len().saturating_sub(1);
            if !table.entries.is_empty() {
                for &(start, end, _) in &ranges[start_range..end_range] {
                    // First and last entries: a bucket of ~10 often straddles two cache lines.
                    touched ^= table.entries[(start as usize).min(last)];
                    touched ^= table.entries[(end as usize).saturating_sub(1).min(last)];
                }
            }
            start_range = end_range;
        }
        std::hint::black_box(touched);
        cands.clear();
        cand_ends.clear();
        let mut start_range = 0;
        for (table, &end_range) in seg.tables.iter().zip(range_ends.iter()) {
            let ql = table.sub.key(q) & ((1u32 << table.lbits) - 1);
            let low = |e: u32| e.checked_shr(seg.sbits).unwrap_or(0) ^ ql;
            for &(start, end, budget) in &ranges[start_range..end_range] {
                let bucket = &table.entries[start as usize..end as usize];
                if budget >= u32::from(table.lbits) {
                    cands.extend(bucket.iter().map(|&e| e & slot_mask));
                } else if budget == 0 {
                    cands.extend(bucket.iter().filter(|&&e| low(e) == 0).map(|&e| e & slot_mask));
                } else if budget == 1 {
                    let within = |e: u32| low(e) & low(e).wrapping_sub(1) == 0;
                    cands.extend(bucket.iter().filter(|&&e| within(e)).map(|&e| e & slot_mask));
                } else {
                    let within = |e: u32| low(e).count_ones() <= budget;
                    cands.extend(bucket.iter().filter(|&&e| within(e)).map(|&e| e & slot_mask));
                }
            }
            start_range = end_range;
            cand_ends.push(cands.len());
        }
        // The same for the candidates' front halves.
        let mut touched = 0u64;
        for &local in cands.iter() {
            touched ^= self.codes.front[(seg.lo + local) as usize].0[0];
        }
        std::hint::black_box(touched);
        // Verify; report each slot from the first table in which it is within reach.
        let mut start_cand = 0;
        for (t, &end_cand) in cand_ends.iter().enumerate() {
            for &local in &cands[start_cand..end_cand] {
                let slot = seg.lo + local;
                // The front half rejects nearly every random candidate at the usual radii.
                let f = &self.codes.front[slot as usize].0;
                let half = (f[0] ^ q[0]).count_ones() + (f[1] ^ q[1]).count_ones();
                if half > r {
                    continue;
                }
                let b = &self.codes.back[slot as usize].0;
                let x = [f[0] ^ q[0], f[1] ^ q[1], b[0] ^ q[2], b[1] ^ q[3]];
                let d = half + x[2].count_ones() + x[3].count_ones();
                if d > r {
                    continue;
                }
                let earlier = seg.tables[..t]
                    .iter()
                    .zip(rhos)
                    .any(|(tb, &rho)| rho >= 0 && i64::from(tb.sub.key(&x).count_ones()) <= rho);
                if !earlier && !self.is_dead(slot) {
                    out.push((slot, d));
                }
            }
            start_cand = end_cand;
        }
    }
}

/// Buffers reused across the segments of a query, and across the queries of a thread.
#[derive(Default)]
struct Scratch {
    /// `(start, end, low-bit budget)` of each directory bucket within reach, table after table.
    ranges: Vec<(u32, u32, u32)>,
    /// Where each table's ranges end.
    range_ends: Vec<usize>,
    /// Segment-local slots to verify, table after table.
    cands: Vec<u32>,
    /// Where each table's candidates end.
    cand_ends: Vec<usize>,
}

impl Scratch {
    /// Scratch space kept above this many bytes is given back after the query.
    const KEEP_BYTES: usize = 4 << 20;

    /// Runs `f` with this thread's scratch buffers (fresh ones if they are in use, e.g. in a
    /// nested query), which keep their capacity from one query to the next (up to
    /// [`Scratch::KEEP_BYTES`]): a query at ten million hashes fills tens of kilobytes.
    fn with<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
        }
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let r = f(&mut scratch);
                if scratch.bytes() > Self::KEEP_BYTES {
                    *scratch = Scratch::default();
                }
                r
            }
            Err(_) => f(&mut Scratch::default()),
        })
    }

    fn bytes(&self) -> usize {
        self.ranges.capacity() * 12
            + (self.range_ends.capacity() + self.cand_ends.capacity()) * 8
            + self.cands.capacity() * 4
    }
}

/// The radius table `t` of `m` is probed with for a search of radius `r` (tight pigeonhole:
/// `r = m·q + a`; the first `a + 1` tables get `q`, the others `q - 1`).
fn rho(m: usize, r: u32, t: usize) -> i64 {
    let (q, a) = (i64::from(r) / m as i64, i64::from(r) % m as i64);
    if (t as i64) <= a { q } else { q - 1 }
}

/// Half a hash (two `u64`), aligned so that it never straddles two cache lines.
#[derive(Clone, Copy, Default)]
#[repr(align(16))]
struct Half([u64; 2]);

/// The hashes by slot, split in halves: a candidate is nearly always rejected by its front half
/// alone, and random accesses to an array half the size miss the caches and the TLB less.
#[derive(Clone, Default)]
struct Codes {
    front: Vec<Half>,
    back: Vec<Half>,
}

impl Codes {
    fn len(&self) -> usize {
        self.front.len()
    }

    fn get(&self, slot: u32) -> [u64; 4] {
        let (f, b) = (self.front[slot as usize].0, self.back[slot as usize].0);
        [f[0], f[1], b[0], b[1]]
    }

    fn set(&mut self, slot: u32, c: [u64; 4]) {
        self.front[slot as usize] = Half([c[0], c[1]]);
        self.back[slot as usize] = Half([c[2], c[3]]);
    }

    fn push(&mut self, c: [u64; 4]) {
        self.front.push(Half([c[0], c[1]]));
        self.back.push(Half([c[2], c[3]]));
    }

    fn range(&self, lo: u32, hi: u32) -> (&[Half], &[Half]) {
        (&self.front[lo as usize..hi as usize], &self.back[lo as usize..hi as usize])
    }

    fn reserve_exact(&mut self, n: usize) {
        self.front.reserve_exact(n);
        self.back.reserve_exact(n);
    }

    fn shrink_to_fit(&mut self) {
        self.front.shrink_to_fit();
        self.back.shrink_to_fit();
    }

    fn bytes(&self) -> usize {
        (self.front.capacity() + self.back.capacity()) * std::mem::size_of::<Half>()
    }
}

/// Calls `f` with every `bits`-bit mask that has exactly `ones` bits set: nested loops for the
/// usual one and two flips, Gosper's hack beyond.
fn for_each_mask(bits: u8, ones: u32, mut f: impl FnMut(u32)) {
    let bits = u32::from(bits);
    match ones {
        _ if ones > bits => {}
        0 => f(0),
        1 => (0..bits).for_each(|i| f(1 << i)),
        2 => (1..bits).for_each(|i| (0..i).for_each(|j| f(1 << i | 1 << j))),
        _ => {
            let limit = 1u64 << bits;
            let mut m = (1u64 << ones) - 1;
            while m < limit {
                f(m as u32);
                let c = m & m.wrapping_neg();
                let r = m + c;
                m = (((r ^ m) >> 2) / c) | r;
            }
        }
    }
}

/// `Σ_{j <= rho} C(b, j)`: the keys within `rho` flips of a `b`-bit key.
fn volume(b: u32, rho: i64) -> f64 {
    if rho < 0 {
        return 0.0;
    }
    let mut sum = 0.0;
    let mut term = 1.0;
    for j in 0..=rho.min(i64::from(b)) as u32 {
        sum += term;
        term = term * f64::from(b - j) / f64::from(j + 1);
    }
    sum
}

/// The substrings of an `m`-table layout: `(bit offset, width)`, wider ones first.
fn substrings(m: usize) -> Vec<(u32, u32)> {
    let (base, extra) = (256 / m as u32, 256 % m as u32);
    let mut off = 0;
    (0..m as u32)
        .map(|t| {
            let w = base + u32::from(t < extra);
            off += w;
            (off - w, w)
        })
        .collect()
}

/// Bits needed for a segment-local slot.
fn slot_bits(slots: u32) -> u32 {
    (u32::BITS - slots.saturating_sub(1).leading_zeros()).max(1)
}

/// Directory bits for a `width`-bit substring over `n` live hashes: `⌊log2(n / 2^2.5)⌋`, i.e.
/// buckets of 6 to 11 hashes and a directory of at most about half a byte per hash (at most all
/// of the substring), and enough that the low bits fit above the slot.
fn dir_bits(width: u32, n: usize, sbits: u32) -> u32 {
    let scaled = (n as u64 * 181) >> 10; // n / 2^2.5
    let d = u64::BITS - 1 - scaled.max(1).leading_zeros();
    d.min(26).max(width.saturating_sub(32 - sbits)).min(width)
}

/// The model cost of probing tables of the given `(width, dir bits)` over `n` hashes at `r`.
fn probe_cost(dims: impl Iterator<Item = (u32, u32)>, m: usize, n: usize, r: u32) -> f64 {
    let n = n as f64;
    dims.enumerate()
        .map(|(t, (width, dbits))| {
            let rho = rho(m, r, t);
            let probes = volume(dbits, rho);
            let scanned = probes * n / 2f64.powi(dbits as i32);
            let candidates = volume(width, rho) * n / 2f64.powi(width as i32);
            probes * COST_PROBE + scanned * COST_SCAN + candidates * COST_CANDIDATE
        })
        .sum()
}

/// The number of substrings for a segment (`0`: scan it). Only the fewest tables that reach each
/// per-table radius `ρ` at the hint `r` are considered, `m = ⌈(r + 1) / (ρ + 1)⌉`: more tables
/// at the same `ρ` only shorten the substrings (more candidates for the same flips), which the
/// model undercounts and the benchmark shows (at a million hashes, `m = 12` to `15` lose to both
/// `11` and `16`).
fn choose_substrings(n: usize, sbits: u32, opts: &IndexOptions) -> usize {
    if let Some(m) = opts.substrings {
        return m.clamp(8, 64);
    }
    // Σ (ρ_t + 1) = r + 1 over the tables: each table takes `⌈(r + 1) / m⌉` at most.
    let units = u64::from(opts.radius_hint) + 1;
    let per_table = |m: usize| units.div_ceil(m as u64);
    let mut best = (n as f64 * COST_BRUTE, 0);
    for m in (8..=64).filter(|&m| m == 8 || per_table(m - 1) > per_table(m)) {
        let dims = substrings(m).into_iter().map(|(_, w)| (w, dir_bits(w, n, sbits)));
        let cost = probe_cost(dims, m, n, opts.radius_hint);
        if cost < best.0 {
            best = (cost, m);
        }
    }
    best.1
}

/// A substring: `width` bits from bit `off` (bit `i` is bit `i % 64` of word `i / 64`).
#[derive(Clone, Copy, Debug)]
struct Sub {
    word: u8,
    shift: u8,
    width: u8,
}

impl Sub {
    fn key(self, c: &[u64; 4]) -> u32 {
        let (w, s) = (self.word as usize, u32::from(self.shift));
        let mut v = c[w] >> s;
        if s + u32::from(self.width) > 64 {
            v |= c[w + 1] << (64 - s);
        }
        (v & ((1u64 << self.width) - 1)) as u32
    }
}

/// One substring's table: entries grouped by the substring's top `dbits` bits.
#[derive(Clone)]
struct Table {
    sub: Sub,
    dbits: u8,
    lbits: u8,
    /// `2^dbits + 1` offsets into `entries`.
    dir: Vec<u32>,
    /// `low << sbits | local slot`.
    entries: Vec<u32>,
}

/// An immutable run of slots `lo..hi` with its tables (none: scanned).
#[derive(Clone)]
struct Segment {
    lo: u32,
    hi: u32,
    sbits: u32,
    tables: Vec<Table>,
}

impl Segment {
    fn build(codes: &Codes, dead: &[u64], lo: u32, hi: u32, opts: &IndexOptions) -> Segment {
        let is_live = |slot: u32| dead[slot as usize / 64] >> (slot % 64) & 1 == 0;
        let live = (lo..hi).filter(|&s| is_live(s)).count();
        let sbits = slot_bits(hi - lo);
        let m = if live == 0 { 0 } else { choose_substrings(live, sbits, opts) };
        // A counting sort per table (one table at a time keeps the scattered writes in one
        // directory and one entry array): a pass to size the buckets, a pass to fill them.
        let mut tables = Vec::with_capacity(m);
        let (front, back) = codes.range(lo, hi);
        let whole = |(f, b): (&Half, &Half)| [f.0[0], f.0[1], b.0[0], b.0[1]];
        for (off, width) in if m == 0 { Vec::new() } else { substrings(m) } {
            let sub = Sub { word: (off / 64) as u8, shift: (off % 64) as u8, width: width as u8 };
            let dbits = dir_bits(width, live, sbits);
            let lbits = width - dbits;
            let lmask = (1u32 << lbits) - 1;
            let mut dir = vec![0u32; (1usize << dbits) + 1];
            for (slot, c) in (lo..hi).zip(front.iter().zip(back).map(whole)) {
                if is_live(slot) {
                    dir[(sub.key(&c) >> lbits) as usize + 1] += 1;
                }
            }
            for i in 1..dir.len() {
                dir[i] += dir[i - 1];
            }
            let mut fill = dir.clone();
            let mut entries = vec![0u32; live];
            for (slot, c) in (lo..hi).zip(front.iter().zip(back).map(whole)) {
                if is_live(slot) {
                    let k = sub.key(&c);
                    let at = &mut fill[(k >> lbits) as usize];
                    entries[*at as usize] = (k & lmask).checked_shl(sbits).unwrap_or(0) | (slot - lo);
                    *at += 1;
                }
            }
            tables.push(Table { sub, dbits: dbits as u8, lbits: lbits as u8, dir, entries });
        }
        Segment { lo, hi, sbits, tables }
    }

    /// Whether the model says scanning beats probing at radius `r`.
    fn prefers_scan(&self, r: u32) -> bool {
        let n = (self.hi - self.lo) as usize;
        let dims = self.tables.iter().map(|t| (u32::from(t.sub.width), u32::from(t.dbits)));
        probe_cost(dims, self.tables.len(), n, r) > n as f64 * COST_BRUTE
    }

    fn table_bytes(&self) -> usize {
        self.tables.capacity() * std::mem::size_of::<Table>()
            + self.tables.iter().map(|t| (t.dir.capacity() + t.entries.capacity()) * 4).sum::<usize>()
    }
}

const EMPTY: u32 = u32::MAX;

/// External id → slot: open addressing over `u32` slots, keyed by `ids[slot]`.
#[derive(Clone, Default)]
struct IdMap {
    table: Vec<u32>,
    len: usize,
}

impl IdMap {
    fn bucket(&self, id: u64) -> usize {
        let bits = self.table.len().trailing_zeros();
        (id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// `(position, slot)` of `id`.
    fn find(&self, id: u64, ids: &[u64]) -> Option<(usize, u32)> {
        if self.table.is_empty() {
            return None;
        }
        let mask = self.table.len() - 1;
        let mut pos = self.bucket(id);
        loop {
            let slot = self.table[pos];
            if slot == EMPTY {
                return None;
            }
            if ids[slot as usize] == id {
                return Some((pos, slot));
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Makes room for `n` ids without growing.
    fn reserve(&mut self, n: usize, ids: &[u64]) {
        let want = (n * 4 / 3 + 1).next_power_of_two().max(8);
        if want > self.table.len() {
            let old = std::mem::replace(&mut self.table, vec![EMPTY; want]);
            for slot in old.into_iter().filter(|&s| s != EMPTY) {
                self.place(slot, ids);
            }
        }
    }

    /// Adds `slot` (whose id is absent).
    fn insert(&mut self, slot: u32, ids: &[u64]) {
        self.reserve(self.len + 1, ids);
        self.place(slot, ids);
        self.len += 1;
    }

    fn place(&mut self, slot: u32, ids: &[u64]) {
        let mask = self.table.len() - 1;
        let mut pos = self.bucket(ids[slot as usize]);
        while self.table[pos] != EMPTY {
            pos = (pos + 1) & mask;
        }
        self.table[pos] = slot;
    }

    /// Removes the entry at `pos` (backward-shift deletion).
    fn remove_at(&mut self, pos: usize, ids: &[u64]) {
        let mask = self.table.len() - 1;
        let (mut hole, mut j) = (pos, pos);
        loop {
            j = (j + 1) & mask;
            let slot = self.table[j];
            if slot == EMPTY {
                break;
            }
            let home = self.bucket(ids[slot as usize]);
            // The entry at j may move into the hole unless its home lies cyclically in (hole, j].
            let stays = if hole <= j { hole < home && home <= j } else { hole < home || home <= j };
            if !stays {
                self.table[hole] = slot;
                hole = j;
            }
        }
        self.table[hole] = EMPTY;
        self.len -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_volumes() {
        for bits in 0..=10u8 {
            for ones in 0..=11 {
                let mut seen = Vec::new();
                for_each_mask(bits, ones, |m| seen.push(m));
                let expect: Vec<u32> = (0..1u32 << bits).filter(|m| m.count_ones() == ones).collect();
                seen.sort_unstable();
                assert_eq!(seen, expect, "bits {bits} ones {ones}");
            }
        }
        assert_eq!(volume(16, 1), 17.0);
        assert_eq!(volume(16, 16), 65536.0);
        assert_eq!(volume(4, -1), 0.0);
    }

    #[test]
    fn substrings_partition_the_hash() {
        for m in 8..=64 {
            let subs = substrings(m);
            assert_eq!(subs.len(), m);
            assert_eq!(subs.iter().map(|s| s.1).sum::<u32>(), 256);
            assert!(subs.windows(2).all(|w| w[0].0 + w[0].1 == w[1].0 && w[0].1 >= w[1].1));
        }
    }

    #[test]
    fn tight_pigeonhole_radii_sum_to_r_minus_m_plus_one() {
        // Σ (ρ_t + 1) = r + 1: a hash beyond every ρ_t is at least r + 1 away.
        for m in 8..=64 {
            for r in 0..300 {
                let total: i64 = (0..m).map(|t| rho(m, r, t) + 1).sum();
                assert_eq!(total, i64::from(r) + 1);
            }
        }
    }

    #[test]
    fn substring_keys_straddle_words() {
        let sub = Sub { word: 0, shift: 60, width: 8 };
        assert_eq!(sub.key(&[0xF000_0000_0000_0000, 0x0A, 0, 0]), 0xAF);
    }

    #[test]
    fn model_choice() {
        // Radius 31: scan small segments, 16-bit substrings with one flip up to about a million
        // hashes, 23/24-bit substrings with two flips beyond.
        let opts = IndexOptions::default();
        let m = |n: usize| choose_substrings(n, slot_bits(n as u32), &opts);
        assert_eq!(m(500), 0);
        assert_eq!(m(50_000), 16);
        assert_eq!(m(1_000_000), 16);
        assert_eq!(m(2_000_000), 11);
        assert_eq!(m(10_000_000), 11);
        let huge = IndexOptions { radius_hint: u32::MAX, ..IndexOptions::default() };
        assert_eq!(choose_substrings(1_000_000, 20, &huge), 0);
        // A small radius prefers fewer, longer substrings probed exactly.
        let exact = IndexOptions { radius_hint: 0, ..IndexOptions::default() };
        assert_eq!(choose_substrings(1_000_000, 20, &exact), 8);
        // A large radius scans instead of flipping many bits.
        let segment = |n: u32, m: usize| Segment {
            lo: 0,
            hi: n,
            sbits: slot_bits(n),
            tables: substrings(m)
                .into_iter()
                .map(|(off, width)| Table {
                    sub: Sub { word: (off / 64) as u8, shift: (off % 64) as u8, width: width as u8 },
                    dbits: dir_bits(width, n as usize, slot_bits(n)) as u8,
                    lbits: 0,
                    dir: Vec::new(),
                    entries: Vec::new(),
                })
                .collect(),
        };
        let million = segment(1_000_000, 16);
        assert!(!million.prefers_scan(31) && !million.prefers_scan(48) && million.prefers_scan(56));
    }
}
