//! PDQ matching benchmark, dragnet's side: the exact multi-index hashing index
//! (`pdq::index::Index`) over random 256-bit hashes. Meant to run next to faiss
//! `IndexBinaryMultiHash(256, 16, 16)` with `nflip = 1` (Meta's HMA) in `bench/pdq`.
//!
//! `pdq_index [--n N] [--queries Q] [--radius R] [--seed S] [--substrings M] [--check K]
//! [--exhaustive]`: builds an index of N random hashes (default 1,000,000; ChaCha8 from seed S)
//! in bulk, then runs Q queries (default 20,000) at radius R (default 31) on one thread: half
//! near-duplicates (an indexed hash with k distinct random bits flipped, k uniform in 0..=R),
//! half random hashes.
//! `--substrings` fixes the number of substrings (default: the index's choice). K queries
//! (default 200; all with `--exhaustive`) are checked against a brute-force scan.
//!
//! Human-readable progress goes to stderr; one JSON object to stdout: build seconds, bytes and
//! bytes per hash, queries per second by wall clock and by this thread's CPU time (the two
//! differ on a shared machine), matches, and the check.

use std::time::Instant;

use anyhow::ensure;
use bench::{arg, rate};
use pdq::Hash256;
use pdq::index::{Index, IndexOptions, Match};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde_json::json;

/// The allocator of the `dragnet` binary (mimalloc), so the figures are the product's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let n: usize = arg("n", 1_000_000);
    let nq: usize = arg("queries", 20_000);
    let radius: u32 = arg("radius", 31);
    let seed: u64 = arg("seed", 42);
    let substrings: usize = arg("substrings", 0);
    let exhaustive = std::env::args().any(|a| a == "--exhaustive");
    let check: usize = if exhaustive { nq } else { arg("check", 200).min(nq) };
    ensure!(n > 0 && nq > 0, "--n and --queries must be positive");

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    eprintln!("generating {n} hashes and {nq} queries (seed {seed})…");
    let hashes: Vec<Hash256> = (0..n).map(|_| random_hash(&mut rng)).collect();
    let queries: Vec<Hash256> = (0..nq)
        .map(|i| {
            if i % 2 == 1 {
                return random_hash(&mut rng);
            }
            let mut v = hashes[(rng.next_u64() % n as u64) as usize].to_u64s();
            // `flips` distinct bits, as bench/pdq_anchors.py does for faiss.
            let flips = (rng.next_u64() % (u64::from(radius.min(256)) + 1)) as u32;
            let mut mask = [0u64; 4];
            while mask.iter().map(|w| w.count_ones()).sum::<u32>() < flips {
                let bit = rng.next_u64() % 256;
                mask[(bit / 64) as usize] |= 1 << (bit % 64);
            }
            for (w, m) in v.iter_mut().zip(mask) {
                *w ^= m;
            }
            Hash256::from_u64s(v)
        })
        .collect();

    let opts = IndexOptions {
        radius_hint: radius,
        substrings: (substrings > 0).then_some(substrings),
        ..IndexOptions::default()
    };
    let (started, cpu_started) = (Instant::now(), thread_cpu_seconds());
    let index = Index::build(hashes.iter().enumerate().map(|(i, h)| (i as u64, *h)), opts);
    let build_secs = started.elapsed().as_secs_f64();
    let build_cpu = cpu_started.map(|c0| thread_cpu_seconds().unwrap_or(c0) - c0);
    let bytes = index.memory_bytes();
    let segments = index.segments();
    let m = segments.first().map_or(0, |s| s.substrings);
    eprintln!(
        "built in {build_secs:.2} s: {} MB, {:.1} bytes per hash, {m} substrings",
        bytes / 1_000_000,
        bytes as f64 / n as f64
    );

    let (started, cpu_started) = (Instant::now(), thread_cpu_seconds());
    let mut matches = 0usize;
    let mut results: Vec<Vec<Match>> = Vec::with_capacity(check);
    for (i, q) in queries.iter().enumerate() {
        let found = index.query(q, radius);
        matches += found.len();
        if i < check {
            results.push(found);
        }
    }
    let query_secs = started.elapsed().as_secs_f64();
    let query_cpu = cpu_started.map(|c0| thread_cpu_seconds().unwrap_or(c0) - c0);
    let qps = nq as f64 / query_secs;
    let cpu_qps = query_cpu.map(|c| nq as f64 / c);
    eprintln!(
        "{nq} queries at radius {radius}: {} q/s wall, {} q/s cpu, {matches} matches",
        rate(qps),
        cpu_qps.map_or("?".into(), rate)
    );

    eprintln!("checking {check} queries against a scan…");
    let codes: Vec<[u64; 4]> = hashes.iter().map(Hash256::to_u64s).collect();
    for (q, found) in queries.iter().zip(&results) {
        let q = q.to_u64s();
        let mut expected: Vec<Match> = codes
            .iter()
            .enumerate()
            .filter_map(|(id, c)| {
                let distance = (0..4).map(|w| (c[w] ^ q[w]).count_ones()).sum::<u32>();
                (distance <= radius).then_some(Match { id: id as u64, distance, query: 0 })
            })
            .collect();
        expected.sort_by_key(|m| (m.distance, m.id));
        ensure!(*found == expected, "mismatch with the scan for query {}", Hash256::from_u64s(q));
    }
    eprintln!("all {check} identical to the scan");

    let out = json!({
        "n": n,
        "queries": nq,
        "radius": radius,
        "seed": seed,
        "substrings": m,
        "segments": segments.len(),
        "build_seconds": build_secs,
        "build_cpu_seconds": build_cpu,
        "memory_bytes": bytes,
        "bytes_per_hash": bytes as f64 / n as f64,
        "queries_per_second": qps,
        "queries_per_cpu_second": cpu_qps,
        "matches": matches,
        "checked": check,
    });
    println!("{out}");
    Ok(())
}

fn random_hash(rng: &mut ChaCha8Rng) -> Hash256 {
    Hash256::from_u64s([rng.next_u64(), rng.next_u64(), rng.next_u64(), rng.next_u64()])
}

/// CPU time of this thread (Linux `schedstat`), to tell the index's cost from the machine's
/// load; `None` elsewhere.
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}
