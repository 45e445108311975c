//! PDQ hashing benchmark: dragnet's decode + hash (`pdq::hash::hash_image`, default decode
//! options: full resolution) side by side with pdqhash on PyPI with PIL decoding (run by
//! `bench/pdq_anchors.py`; the whole comparison is `bench/pdq`).
//!
//! `pdq_hash --list FILE [--rounds N] [--budget SECONDS]`: FILE names the images, one path a
//! line. One thread; each round reads every file from disk and decodes and hashes it from its
//! bytes, as the anchor does; rounds stop early once --budget seconds (default 60) have passed.
//! Prints JSON: images/s of the best round and the median (wall clock; and the best by this
//! thread's CPU time), and each file's hash and quality (the anchors compare them with
//! pdqhash's).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use bench::arg;
use pdq::hash::{DecodeOptions, hash_image};
use serde_json::{Map, json};

/// The allocator of the `dragnet` binary (mimalloc), so the figures are the product's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let list: PathBuf = arg("list", PathBuf::new());
    anyhow::ensure!(
        !list.as_os_str().is_empty(),
        "usage: pdq_hash --list FILE [--rounds N] [--budget SECONDS]"
    );
    let rounds: usize = arg("rounds", 10);
    let budget: f64 = arg("budget", 60.0);
    anyhow::ensure!(rounds > 0, "--rounds must be at least 1");
    let text = std::fs::read_to_string(&list).with_context(|| format!("reading {}", list.display()))?;
    let files: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    anyhow::ensure!(!files.is_empty(), "{}: no files", list.display());
    let opts = DecodeOptions::default();

    let mut hashes = Map::new();
    let mut bytes = 0u64;
    for f in &files {
        let data = std::fs::read(f).with_context(|| format!("reading {f}"))?;
        bytes += data.len() as u64;
        let r = hash_image(&data, &opts).with_context(|| format!("hashing {f}"))?;
        hashes.insert((*f).to_owned(), json!({"hash": r.hash.to_hex(), "quality": r.quality}));
    }

    let (mut rates, mut cpu_rates) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    let started = Instant::now();
    for _ in 0..rounds {
        let (t, cpu) = (Instant::now(), thread_cpu_seconds());
        for f in &files {
            let data = std::fs::read(f).with_context(|| format!("reading {f}"))?;
            std::hint::black_box(hash_image(std::hint::black_box(&data), &opts)?);
        }
        rates.push(files.len() as f64 / t.elapsed().as_secs_f64());
        if let (Some(c0), Some(c1)) = (cpu, thread_cpu_seconds()) {
            cpu_rates.push(files.len() as f64 / (c1 - c0));
        }
        if started.elapsed().as_secs_f64() > budget {
            break;
        }
    }
    rates.sort_by(|a, b| b.total_cmp(a));
    let out = json!({
        "tool": "dragnet",
        "images": files.len(),
        "bytes": bytes,
        "rounds": rates.len(),
        "best_images_s": rates[0],
        "median_images_s": median(&rates),
        "best_cpu_images_s": cpu_rates.iter().copied().reduce(f64::max),
        "hashes": hashes,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// CPU time of this thread (Linux `schedstat`), to tell the hasher's cost from the machine's
/// load; `None` elsewhere.
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}
