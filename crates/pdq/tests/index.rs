//! The multi-index hashing index against brute force: every answer must be identical, for any
//! radius, layout and history of inserts, replacements and removals.

use std::collections::BTreeMap;

use pdq::Hash256;
use pdq::index::{Index, IndexOptions, Match};
use proptest::prelude::*;

/// A deterministic 256-bit hash from a seed (splitmix64).
fn hash_from_seed(seed: u64) -> Hash256 {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    Hash256::from_u64s([next(), next(), next(), next()])
}

fn flip(h: Hash256, bits: &[u8]) -> Hash256 {
    let mut v = h.to_u64s();
    for &b in bits {
        v[usize::from(b / 64)] ^= 1 << (b % 64);
    }
    Hash256::from_u64s(v)
}

fn brute(model: &BTreeMap<u64, Hash256>, q: &Hash256, radius: u32) -> Vec<Match> {
    let mut out: Vec<Match> = model
        .iter()
        .map(|(&id, h)| Match { id, distance: h.distance(q), query: 0 })
        .filter(|m| m.distance <= radius)
        .collect();
    out.sort_by_key(|m| (m.distance, m.id));
    out
}

fn brute_any(model: &BTreeMap<u64, Hash256>, qs: &[Hash256], radius: u32) -> Vec<Match> {
    let mut out: Vec<Match> = model
        .iter()
        .filter_map(|(&id, h)| {
            let (distance, query) = qs.iter().enumerate().map(|(i, q)| (h.distance(q), i)).min()?;
            (distance <= radius).then_some(Match { id, distance, query })
        })
        .collect();
    out.sort_by_key(|m| (m.distance, m.id));
    out
}

const RADII: [u32; 6] = [0, 8, 31, 32, 63, 64];

/// A hash described as a seed and bit flips: seeds `0..6` are six shared base hashes (so that
/// near-duplicates are common), larger seeds random hashes.
#[derive(Clone, Debug)]
struct Spec {
    seed: u64,
    flips: Vec<u8>,
}

impl Spec {
    fn hash(&self) -> Hash256 {
        let base = if self.seed < 6 { hash_from_seed(self.seed) } else { hash_from_seed(self.seed * 7919) };
        flip(base, &self.flips)
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    (0u64..12, prop::collection::vec(any::<u8>(), 0..=70)).prop_map(|(seed, flips)| Spec { seed, flips })
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u64, Spec),
    Remove(u64),
    Query(Spec, u32),
    QueryAny(Vec<Spec>, u32),
}

fn op() -> impl Strategy<Value = Op> {
    let radius = prop::sample::select(RADII.to_vec());
    prop_oneof![
        6 => (0u64..60, spec()).prop_map(|(id, s)| Op::Insert(id, s)),
        2 => (0u64..60).prop_map(Op::Remove),
        3 => (spec(), radius.clone()).prop_map(|(s, r)| Op::Query(s, r)),
        1 => (prop::collection::vec(spec(), 1..=8), radius).prop_map(|(s, r)| Op::QueryAny(s, r)),
    ]
}

fn options() -> impl Strategy<Value = IndexOptions> {
    prop_oneof![
        Just(IndexOptions::default()),
        (
            prop::sample::select(vec![8usize, 9, 11, 12, 16, 17, 23, 31, 32, 64]),
            1usize..6,
            any::<bool>(),
            prop::sample::select(RADII.to_vec()),
        )
            .prop_map(|(m, buffer, brute_force_fallback, radius_hint)| IndexOptions {
                radius_hint,
                substrings: Some(m),
                buffer,
                brute_force_fallback,
            }),
    ]
}

fn check(index: &Index, model: &BTreeMap<u64, Hash256>) {
    assert_eq!(index.len(), model.len());
    for (&id, h) in model {
        assert_eq!(index.get(id), Some(*h));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn identical_to_brute_force(
        opts in options(),
        initial in prop::collection::vec((0u64..60, spec()), 0..80),
        bulk in any::<bool>(),
        ops in prop::collection::vec(op(), 0..250),
    ) {
        let mut model = BTreeMap::new();
        let mut index = if bulk {
            let items: Vec<(u64, Hash256)> = initial.iter().map(|(id, s)| (*id, s.hash())).collect();
            model.extend(items.iter().copied());
            Index::build(items, opts)
        } else {
            let mut index = Index::new(opts);
            for (id, s) in &initial {
                index.insert(*id, s.hash());
                model.insert(*id, s.hash());
            }
            index
        };
        check(&index, &model);
        for op in ops {
            match op {
                Op::Insert(id, s) => {
                    index.insert(id, s.hash());
                    model.insert(id, s.hash());
                }
                Op::Remove(id) => prop_assert_eq!(index.remove(id), model.remove(&id).is_some()),
                Op::Query(s, r) => prop_assert_eq!(index.query(&s.hash(), r), brute(&model, &s.hash(), r)),
                Op::QueryAny(ss, r) => {
                    let qs: Vec<Hash256> = ss.iter().map(Spec::hash).collect();
                    prop_assert_eq!(index.query_any(&qs, r), brute_any(&model, &qs, r));
                }
            }
        }
        check(&index, &model);
        for s in initial.iter().map(|(_, s)| s).take(10) {
            for r in RADII {
                prop_assert_eq!(index.query(&s.hash(), r), brute(&model, &s.hash(), r));
            }
        }
    }
}

/// Every number of substrings, tables always probed (even where a scan would be cheaper), at
/// radii around each layout's pigeonhole steps.
#[test]
fn every_layout_every_radius() {
    let mut items = Vec::new();
    for i in 0..300u64 {
        let base = hash_from_seed(i % 7);
        let flips: Vec<u8> =
            (0..(i % 71)).map(|k| (hash_from_seed(i * 1000 + k).words[0] % 256) as u8).collect();
        items.push((i, if i % 5 == 0 { hash_from_seed(10_000 + i) } else { flip(base, &flips) }));
    }
    let model: BTreeMap<u64, Hash256> = items.iter().copied().collect();
    let queries: Vec<Hash256> = (0..7).map(hash_from_seed).chain([hash_from_seed(99)]).collect();
    for m in 8..=64 {
        let opts =
            IndexOptions { substrings: Some(m), brute_force_fallback: false, ..IndexOptions::default() };
        let index = Index::build(items.iter().copied(), opts);
        for radius in [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 40, 47, 48, 64, 70] {
            for q in &queries {
                assert_eq!(index.query(q, radius), brute(&model, q, radius), "m {m} radius {radius}");
            }
        }
    }
}

/// Default options at a size where the tables are real (16-bit substrings), through merges of
/// inserted segments and a compaction.
#[test]
fn default_layout_through_inserts_removals_and_compaction() {
    let n = 20_000u64;
    let near = |i: u64| {
        let flips: Vec<u8> =
            (0..(i % 40)).map(|k| (hash_from_seed(i * 977 + k).words[1] % 256) as u8).collect();
        flip(hash_from_seed(i / 3), &flips)
    };
    let mut model: BTreeMap<u64, Hash256> = (0..n).map(|i| (i, near(i))).collect();
    let mut index = Index::build(model.iter().map(|(&i, &h)| (i, h)), IndexOptions::default());
    assert!(index.segments().iter().any(|s| s.substrings > 0), "{index:?}");
    let queries: Vec<Hash256> = (0..30).map(|i| flip(hash_from_seed(i), &[3, 100, 200])).collect();
    let verify = |index: &Index, model: &BTreeMap<u64, Hash256>| {
        check(index, model);
        for q in &queries {
            for r in [0, 8, 31, 32, 64, 100] {
                assert_eq!(index.query(q, r), brute(model, q, r), "radius {r}");
            }
        }
    };
    verify(&index, &model);
    for i in n..n + 5_000 {
        index.insert(i, near(i));
        model.insert(i, near(i));
    }
    assert!(index.segments().len() > 1, "{index:?}");
    verify(&index, &model);
    for i in (0..n + 5_000).step_by(3) {
        assert!(index.remove(i));
        model.remove(&i);
    }
    for i in (1..n).step_by(7) {
        let h = hash_from_seed(1_000_000 + i);
        index.insert(i, h);
        model.insert(i, h);
    }
    verify(&index, &model);
}

#[test]
fn empty_index() {
    let index = Index::new(IndexOptions::default());
    assert!(index.is_empty());
    assert_eq!(index.len(), 0);
    assert!(index.query(&Hash256::default(), 256).is_empty());
    assert!(index.query_any(&[Hash256::default(), hash_from_seed(1)], 31).is_empty());
    assert!(index.query_any(&[], 31).is_empty());
    assert!(index.memory_bytes() < 4096);
    let built = Index::build(std::iter::empty(), IndexOptions::default());
    assert!(built.is_empty() && built.segments().is_empty());
    assert!(built.query(&hash_from_seed(3), 31).is_empty());
}

#[test]
fn inserting_an_id_again_replaces_its_hash() {
    let (a, b) = (hash_from_seed(1), hash_from_seed(2));
    for buffer in [1, 1024] {
        let mut index = Index::new(IndexOptions { buffer, ..IndexOptions::default() });
        index.insert(7, a);
        index.insert(7, b);
        assert_eq!(index.len(), 1);
        assert_eq!(index.get(7), Some(b));
        assert!(index.query(&a, 31).is_empty());
        assert_eq!(index.query(&b, 0), vec![Match { id: 7, distance: 0, query: 0 }]);
    }
    let built = Index::build([(7, a), (8, a), (7, b)], IndexOptions::default());
    assert_eq!(built.len(), 2);
    assert_eq!(built.get(7), Some(b));
    assert_eq!(built.query(&a, 0), vec![Match { id: 8, distance: 0, query: 0 }]);
}

#[test]
fn removing_a_missing_id() {
    let mut index = Index::build([(1, hash_from_seed(1))], IndexOptions::default());
    assert!(!index.remove(2));
    assert!(index.remove(1));
    assert!(!index.remove(1));
    assert!(index.is_empty());
    assert!(index.query(&hash_from_seed(1), 0).is_empty());
}

#[test]
fn radius_zero_and_everything() {
    let h = hash_from_seed(5);
    let items: Vec<(u64, Hash256)> =
        (0..100).map(|i| (i, if i % 10 == 0 { h } else { hash_from_seed(100 + i) })).collect();
    let index = Index::build(items.iter().copied(), IndexOptions::default());
    let exact: Vec<u64> = index.query(&h, 0).iter().map(|m| m.id).collect();
    assert_eq!(exact, (0..100).step_by(10).collect::<Vec<_>>());
    let all = index.query(&h, 256);
    assert_eq!(all.len(), 100);
    assert!(all.windows(2).all(|w| (w[0].distance, w[0].id) < (w[1].distance, w[1].id)));
    let probed = Index::build(
        items.iter().copied(),
        IndexOptions { substrings: Some(16), brute_force_fallback: false, ..IndexOptions::default() },
    );
    assert_eq!(probed.query(&h, 256), all);
    assert_eq!(probed.query(&h, u32::MAX), all);
}

#[test]
fn query_any_keeps_the_closest_query() {
    let base = hash_from_seed(9);
    let index = Index::build(
        [(1, base), (2, flip(base, &[0, 1, 2])), (3, hash_from_seed(10))],
        IndexOptions::default(),
    );
    // Query 0 is 3 bits from id 1 and 0 bits from id 2; query 1 is exactly id 1; query 2 ties
    // with query 1 on id 1.
    let qs = [flip(base, &[0, 1, 2]), base, base];
    assert_eq!(
        index.query_any(&qs, 10),
        vec![Match { id: 1, distance: 0, query: 1 }, Match { id: 2, distance: 0, query: 0 }]
    );
}

#[test]
fn compact_merges_segments_and_keeps_answers() {
    let mut index = Index::new(IndexOptions { buffer: 16, ..IndexOptions::default() });
    let mut model = BTreeMap::new();
    for i in 0..3_000u64 {
        let h = if i % 3 == 0 { hash_from_seed(i) } else { flip(hash_from_seed(i / 3), &[(i % 256) as u8]) };
        index.insert(i, h);
        model.insert(i, h);
    }
    for i in (0..3_000).step_by(5) {
        index.remove(i);
        model.remove(&i);
    }
    assert!(index.segments().len() > 1);
    index.compact();
    assert_eq!(index.segments().len(), 1);
    check(&index, &model);
    for i in 0..20 {
        let q = hash_from_seed(i);
        for r in RADII {
            assert_eq!(index.query(&q, r), brute(&model, &q, r));
        }
    }
}
