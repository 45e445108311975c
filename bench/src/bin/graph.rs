//! Link-graph benchmark, dragnet's side (`graph::LinkGraph`), run by `bench/graph` next to
//! networkit and igraph (`bench/graph_anchors.py`).
//!
//! `graph gen --edges N [--seed S] --out PATH`: writes a report↔observable edge list of exactly N
//! edges, deterministic from the seed: one `report_id<TAB>observable_id` line per edge, reports
//! in order (each report's lines together), ids from 0 with no gaps, observables numbered after
//! the reports, no edge twice. Each report holds 1–20 observables (P(k) ∝ 1/k, mean 5.6). 60% of
//! the reports belong to a planted group (a campaign: an existing group is joined in proportion
//! to its size, a new one is started with probability 0.1, at most 5,000 reports a group): their
//! first observable and a quarter of the others come from the group's pool of values (a new
//! value of the pool 30% of the time). Otherwise an observable is one of 2,000 popular values
//! (1%, Zipf-distributed with exponent 1.1: the very popular ones), a value seen recently (2%:
//! shared across a few reports), or a new one-off value. Prints the counts; writes them beside
//! the file (`.json`).
//!
//! `graph run --edges-file PATH [--rounds N] [--tail N] [--query-reports N] [--queries N]
//! [--hub-degree D] [--kind K] [--seed S]`: dragnet's figures, as JSON on stdout (progress on
//! stderr):
//! 1. load+components, best of N rounds (default 3): the file read and parsed, every report
//!    added to a `LinkGraphBuilder` (`Uuid::from_u128(report id)`, one access class: GREEN,
//!    one organisation; each observable's value made from its id as a parser would hand it over
//!    and interned by the graph), `finish`, then `components` for a viewer who sees every report,
//!    no hubs. Values (`--kind`): by default a mix of kinds drawn from each id (phone 20%, IBAN,
//!    BTC, Telegram, MD5, SHA-1, SHA-256 10% each, IPv4 20%; about 27 bytes on average), each a
//!    realistic string of its kind and length embedding its scrambled id (so distinct); or
//!    `--kind K` for one of those kinds. Components alone: the same call on the built graph. The
//!    count is what the anchors must match: none of those kinds derives another observable, so
//!    the graph's nodes and edges are the file's (checked). The part of
//!    the load outside the graph (reading, parsing, making the value strings) is timed apart, and
//!    so is `finish` (the rest is `add_parts`: interning).
//!    Memory: `memory_bytes()` per edge, and the process's RSS before and after the first load.
//!    Beside it, for the record, the integer floor (`bench_floor`): the same file parsed on two
//!    threads into integer pairs, a `u32` CSR and union-find, with no value strings: a bound no
//!    graph that interns its observables' values can beat, and the same component count.
//! 2. Incremental insert: a graph built from all but the last `--tail` reports (default 10,000),
//!    then those inserted one by one with `LinkGraph::insert` (each `Report` made beforehand);
//!    mean, p50, p99 and max per report. The result must have the full graph's nodes, edges and
//!    component count.
//! 3. Queries on a graph of the first `--query-reports` reports (default 1,000,000): 2-hop
//!    `neighbourhood` (default options) from `--queries` starts (default 1,000: half random
//!    reports, half the observable of a random edge, so values are picked in proportion to their
//!    degree), and `shortest_path` (default options) between as many pairs (half a start and a
//!    random node at distance 2–6 from it, or of the farthest layer of a breadth-first search
//!    stopped at 20,000 nodes; half two independent starts); p50/p99 in ms,
//!    once with `no_hubs` and once with the values of degree ≥ `--hub-degree` (default 1,000)
//!    as hubs.
//!
//! `graph table --dragnet PATH --anchors PATH`: the side-by-side table and the last line.

use std::fs;
use std::io::Write;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use bench::{arg, rate};
use chrono::{DateTime, TimeZone, Utc};
use graph::{LinkGraph, LinkGraphBuilder, NeighbourhoodOptions, NodeRef, PathOptions, Scope, no_hubs};
use model::{
    Audience, ObservableKind, OrgId, Report, ReportAccess, ReportKind, ReportObservable, Role, Tlp, Viewer,
};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rustc_hash::FxHashSet;
use serde_json::{Value, json};
use uuid::Uuid;

/// The allocator of the `dragnet` binary (mimalloc), so the figures are the product's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The kinds of the observables and their share (per mille) in the default mix: kinds the model
/// derives nothing from (a URL, e-mail or domain would add derived nodes the anchors do not
/// have).
const MIX: [(ObservableKind, u32); 8] = [
    (ObservableKind::Phone, 200),
    (ObservableKind::Iban, 100),
    (ObservableKind::Btc, 100),
    (ObservableKind::Telegram, 100),
    (ObservableKind::Md5, 100),
    (ObservableKind::Sha1, 100),
    (ObservableKind::Sha256, 100),
    (ObservableKind::Ipv4, 200),
];

/// `--kind`: `mix` (default: each observable's kind drawn from its id by [`MIX`]) or one kind of
/// the mix for every observable.
static KIND: std::sync::OnceLock<Option<ObservableKind>> = std::sync::OnceLock::new();

fn kind_arg() -> Option<ObservableKind> {
    *KIND.get_or_init(|| {
        let name: String = arg("kind", "mix".to_string());
        if name == "mix" {
            return None;
        }
        let kind: ObservableKind = name.parse().unwrap_or_else(|_| panic!("--kind {name}: mix or a kind"));
        assert!(
            MIX.iter().any(|m| m.0 == kind),
            "--kind {kind}: mix, {}",
            MIX.iter().map(|m| m.0.to_string()).collect::<Vec<_>>().join(", ")
        );
        Some(kind)
    })
}

/// What `--kind` chose, as the output says it.
fn kind_name() -> String {
    match kind_arg() {
        Some(kind) => kind.to_string(),
        None => format!(
            "mix ({})",
            MIX.iter().map(|(k, w)| format!("{k} {}%", w / 10)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The kind of observable `id`.
fn kind_of(id: u32) -> ObservableKind {
    kind_arg().unwrap_or_else(|| {
        let mut x = (splitmix(u64::from(id) ^ 0x6b69_6e64) % 1000) as u32;
        for (kind, w) in MIX {
            if x < w {
                return kind;
            }
            x -= w;
        }
        unreachable!("the mix adds up to 1000")
    })
}

fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("gen") => generate_cmd(),
        Some("run") => run(),
        Some("table") => table(),
        _ => bail!(
            "usage: graph gen --edges N [--seed S] --out PATH | graph run --edges-file PATH [--rounds N] \
             [--tail N] [--query-reports N] [--queries N] [--hub-degree D] [--seed S] | \
             graph table --dragnet PATH --anchors PATH"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// randomness

fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

/// An index drawn from a cumulative distribution.
fn draw(rng: &mut ChaCha8Rng, cdf: &[f64]) -> usize {
    let u = uniform(rng) * cdf.last().copied().unwrap_or(1.0);
    cdf.partition_point(|&c| c <= u).min(cdf.len() - 1)
}

fn cdf(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    weights
        .scan(0.0, |acc, w| {
            *acc += w;
            Some(*acc)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// the edge list

const MAX_OBSERVABLES: usize = 20;
const GROUPED: f64 = 0.6;
const NEW_GROUP: f64 = 0.1;
const MAX_GROUP: u32 = 5_000;
const GROUP_SHARE: f64 = 0.25;
const GROUP_NEW_VALUE: f64 = 0.3;
const POPULAR: usize = 2_000;
const POPULAR_SHARE: f64 = 0.01;
const ZIPF: f64 = 1.1;
const RECENT_SHARE: f64 = 0.02;
const RECENT_WINDOW: usize = 4_096;

struct Generated {
    /// Report `r`'s observables (local ids, from 0) are `obs[starts[r]..starts[r + 1]]`.
    starts: Vec<usize>,
    obs: Vec<u32>,
    observables: u32,
    groups: usize,
}

fn generate(edges: usize, seed: u64) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let k_cdf = cdf((1..=MAX_OBSERVABLES).map(|k| 1.0 / k as f64));
    let pop_cdf = cdf((1..=POPULAR).map(|i| (i as f64).powf(-ZIPF)));
    let mut popular = vec![u32::MAX; POPULAR];
    let mut next = 0u32;
    let mut fresh = |recent: &mut Vec<u32>, rng: &mut ChaCha8Rng| {
        let o = next;
        next += 1;
        if recent.len() < RECENT_WINDOW {
            recent.push(o);
        } else {
            recent[below(rng, RECENT_WINDOW)] = o;
        }
        o
    };
    let mut recent: Vec<u32> = Vec::with_capacity(RECENT_WINDOW);
    // The group of every grouped report so far: a uniform pick joins a group in proportion to
    // its size.
    let mut grouped: Vec<u32> = Vec::new();
    let mut pools: Vec<Vec<u32>> = Vec::new();
    let mut sizes: Vec<u32> = Vec::new();
    let mut starts = vec![0usize];
    let mut obs: Vec<u32> = Vec::with_capacity(edges);
    while obs.len() < edges {
        let k = (draw(&mut rng, &k_cdf) + 1).min(edges - obs.len());
        let group = (uniform(&mut rng) < GROUPED).then(|| {
            let g = if grouped.is_empty() || uniform(&mut rng) < NEW_GROUP {
                None
            } else {
                Some(grouped[below(&mut rng, grouped.len())]).filter(|&g| sizes[g as usize] < MAX_GROUP)
            };
            let g = g.unwrap_or_else(|| {
                pools.push(Vec::new());
                sizes.push(0);
                (pools.len() - 1) as u32
            });
            sizes[g as usize] += 1;
            grouped.push(g);
            g as usize
        });
        let held = obs.len();
        for j in 0..k {
            let u = uniform(&mut rng);
            let mut o = match group {
                Some(g) if j == 0 || u >= 1.0 - GROUP_SHARE => {
                    if pools[g].is_empty() || uniform(&mut rng) < GROUP_NEW_VALUE {
                        let o = fresh(&mut recent, &mut rng);
                        pools[g].push(o);
                        o
                    } else {
                        pools[g][below(&mut rng, pools[g].len())]
                    }
                }
                _ if u < POPULAR_SHARE => {
                    let i = draw(&mut rng, &pop_cdf);
                    if popular[i] == u32::MAX {
                        popular[i] = fresh(&mut recent, &mut rng);
                    }
                    popular[i]
                }
                _ if u < POPULAR_SHARE + RECENT_SHARE && !recent.is_empty() => {
                    recent[below(&mut rng, recent.len())]
                }
                _ => fresh(&mut recent, &mut rng),
            };
            // A report holds a value once: a repeat becomes a new value.
            if obs[held..].contains(&o) {
                o = fresh(&mut recent, &mut rng);
            }
            obs.push(o);
        }
        starts.push(obs.len());
    }
    Generated { starts, obs, observables: next, groups: pools.len() }
}

fn generate_cmd() -> anyhow::Result<()> {
    let edges: usize = arg("edges", 10_000_000);
    let seed: u64 = arg("seed", 1);
    let out: String = arg("out", String::new());
    ensure!(!out.is_empty(), "graph gen: --out PATH");
    ensure!(edges > 0, "graph gen: --edges must be positive");
    let started = Instant::now();
    let g = generate(edges, seed);
    let reports = g.starts.len() - 1;
    ensure!(
        reports as u64 + u64::from(g.observables) < u64::from(u32::MAX),
        "graph gen: too many nodes for u32 ids"
    );
    let mut text = Vec::with_capacity(edges * 17);
    for r in 0..reports {
        for &o in &g.obs[g.starts[r]..g.starts[r + 1]] {
            push_u64(&mut text, r as u64);
            text.push(b'\t');
            push_u64(&mut text, reports as u64 + u64::from(o));
            text.push(b'\n');
        }
    }
    let mut degree = vec![0u32; g.observables as usize];
    for &o in &g.obs {
        degree[o as usize] += 1;
    }
    let one_off = degree.iter().filter(|&&d| d == 1).count();
    let popular = degree.iter().filter(|&&d| d >= 1_000).count();
    let max_degree = degree.iter().copied().max().unwrap_or(0);
    let summary = json!({
        "edges": edges,
        "seed": seed,
        "reports": reports,
        "observables": g.observables,
        "nodes": reports as u64 + u64::from(g.observables),
        "groups": g.groups,
        "one_off_observables": one_off,
        "observables_degree_1000_plus": popular,
        "max_observable_degree": max_degree,
    });
    let tmp = format!("{out}.tmp");
    fs::write(&tmp, &text).with_context(|| format!("writing {tmp}"))?;
    fs::write(format!("{out}.json"), serde_json::to_string_pretty(&summary)? + "\n")?;
    fs::rename(&tmp, &out)?;
    eprintln!(
        "generated {out} in {:.1} s: {} edges, {} reports, {} observables ({:.0}% one-off, {} of degree ≥ 1,000, \
         the largest {}), {} planted groups; {} nodes",
        started.elapsed().as_secs_f64(),
        rate(edges as f64),
        rate(reports as f64),
        rate(f64::from(g.observables)),
        100.0 * one_off as f64 / f64::from(g.observables.max(1)),
        rate(popular as f64),
        rate(f64::from(max_degree)),
        rate(g.groups as f64),
        rate(reports as f64 + f64::from(g.observables)),
    );
    Ok(())
}

fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// The decimal number at `bytes[*i..]`, up to `end` (consumed).
fn number(bytes: &[u8], i: &mut usize, end: u8) -> anyhow::Result<u32> {
    let start = *i;
    let mut v: u64 = 0;
    while *i < bytes.len() && bytes[*i] != end {
        let d = bytes[*i].wrapping_sub(b'0');
        ensure!(d < 10 && v < u64::from(u32::MAX), "edge list: bad number at byte {start}");
        v = v * 10 + u64::from(d);
        *i += 1;
    }
    ensure!(*i > start && v <= u64::from(u32::MAX), "edge list: bad number at byte {start}");
    *i += 1;
    Ok(v as u32)
}

/// Calls `f(report, observables)` for each report of the edge list, in file order.
fn for_each_report(bytes: &[u8], mut f: impl FnMut(u32, &[u32])) -> anyhow::Result<()> {
    let mut i = 0;
    let mut current: Option<u32> = None;
    let mut held: Vec<u32> = Vec::with_capacity(MAX_OBSERVABLES);
    while i < bytes.len() {
        let r = number(bytes, &mut i, b'\t')?;
        let o = number(bytes, &mut i, b'\n')?;
        if current != Some(r) {
            if let Some(c) = current {
                ensure!(
                    r > c,
                    "edge list: report {r} after {c} (a report's lines must be together, in order)"
                );
                f(c, &held);
            }
            current = Some(r);
            held.clear();
        }
        held.push(o);
    }
    if let Some(c) = current {
        f(c, &held);
    }
    Ok(())
}

/// One more than the report id of the last line.
fn report_count(bytes: &[u8]) -> usize {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let last = body.rsplit(|&b| b == b'\n').next().unwrap_or_default();
    let id = last.split(|&b| b == b'\t').next().unwrap_or_default();
    std::str::from_utf8(id).ok().and_then(|s| s.parse::<usize>().ok()).map_or(0, |r| r + 1)
}

/// The edge list in memory.
struct EdgeList {
    reports: Vec<u32>,
    /// Report `i`'s observables are `obs[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    obs: Vec<u32>,
    /// Ids below this are reports, the others observables.
    first_observable: u32,
    nodes: u32,
}

impl EdgeList {
    fn read(path: &str) -> anyhow::Result<EdgeList> {
        let bytes = fs::read(path).with_context(|| format!("reading {path}"))?;
        let (mut reports, mut starts, mut obs) = (Vec::new(), vec![0], Vec::new());
        for_each_report(&bytes, |r, os| {
            reports.push(r);
            obs.extend_from_slice(os);
            starts.push(obs.len());
        })?;
        let first_observable = reports.last().map_or(0, |&r| r + 1);
        let (lo, hi) = obs.iter().fold((u32::MAX, 0), |(lo, hi), &o| (lo.min(o), hi.max(o)));
        ensure!(
            obs.is_empty() || lo >= first_observable,
            "edge list: observable ids must come after the report ids"
        );
        Ok(EdgeList { reports, starts, obs, first_observable, nodes: hi.max(first_observable) + 1 })
    }

    fn len(&self) -> usize {
        self.reports.len()
    }

    fn observables(&self, i: usize) -> &[u32] {
        &self.obs[self.starts[i]..self.starts[i + 1]]
    }
}

// ---------------------------------------------------------------------------------------------
// reports as the graph sees them

fn org(n: u128) -> OrgId {
    OrgId(Uuid::from_u128(n))
}

fn access() -> ReportAccess {
    ReportAccess::new(org(2), Tlp::Green, &Audience::default(), false)
}

fn viewer() -> Viewer {
    Viewer::new(org(1), Role::Analyst, Vec::new())
}

fn report_time(r: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + i64::from(r), 0).single().expect("a valid time")
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A bijection of `u32` (odd multiplier, xor-shifts): ids scrambled before they are written.
fn scramble(id: u32) -> u32 {
    let mut x = id.wrapping_mul(0x9e37_79b1);
    x ^= x >> 16;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^ (x >> 13)
}

/// An observable's value, made in a buffer: a realistic string of its kind, about the real
/// length of such values, distinct for distinct ids of one kind (each embeds its scrambled id in
/// full).
#[derive(Clone, Copy)]
struct Obs {
    kind: ObservableKind,
    len: u8,
    bytes: [u8; 64],
}

impl Obs {
    const EMPTY: Obs = Obs { kind: ObservableKind::Sha256, len: 0, bytes: [0; 64] };

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).expect("values are ASCII")
    }

    fn push(&mut self, bytes: &[u8]) {
        self.bytes[self.len as usize..self.len as usize + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len() as u8;
    }

    /// `n` written in `digits` digits of `alphabet` (most significant first).
    #[inline(always)]
    fn digits(&mut self, mut n: u64, digits: usize, alphabet: &[u8]) {
        let base = alphabet.len() as u64;
        let at = self.len as usize;
        for i in (0..digits).rev() {
            self.bytes[at + i] = alphabet[(n % base) as usize];
            n /= base;
        }
        self.len += digits as u8;
    }

    fn make(&mut self, id: u32) {
        const HEX: &[u8] = b"0123456789abcdef";
        const DEC: &[u8] = b"0123456789";
        const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let kind = kind_of(id);
        let (s, h) = (u64::from(scramble(id)), splitmix(u64::from(id)));
        self.kind = kind;
        self.len = 0;
        match kind {
            // E.164: a country code and ten digits (the scrambled id).
            ObservableKind::Phone => {
                const CODES: [&str; 8] = ["+1", "+44", "+49", "+33", "+34", "+31", "+91", "+234"];
                self.push(CODES[(h % 8) as usize].as_bytes());
                self.digits(s, 10, DEC);
            }
            // A German IBAN: DE, two check digits, an 8-digit bank code, a 10-digit account.
            ObservableKind::Iban => {
                self.push(b"DE");
                self.digits(h % 100, 2, DEC);
                self.digits((h >> 8) % 100_000_000, 8, DEC);
                self.digits(s, 10, DEC);
            }
            // A bech32 P2WPKH address: bc1q and 38 characters (the first 7 the scrambled id).
            ObservableKind::Btc => {
                self.push(b"bc1q");
                self.digits(s, 7, BECH32);
                self.digits(h, 12, BECH32);
                self.digits(splitmix(h), 12, BECH32);
                self.digits(splitmix(h ^ 1), 7, BECH32);
            }
            // @word_ and the scrambled id in base 36.
            ObservableKind::Telegram => {
                const WORDS: [&str; 8] =
                    ["support", "refund", "crypto", "invest", "helpdesk", "wallet", "admin", "official"];
                self.push(b"@");
                self.push(WORDS[(h % 8) as usize].as_bytes());
                self.push(b"_");
                self.digits(s, 7, BASE36);
            }
            // Hex digests: 16 digits of the scrambled id, the rest from its hash.
            ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 => {
                let len = match kind {
                    ObservableKind::Md5 => 32,
                    ObservableKind::Sha1 => 40,
                    _ => 64,
                };
                self.digits(s << 32 | (h >> 32), 16, HEX);
                let mut x = h;
                while (self.len as usize) < len {
                    x = splitmix(x);
                    self.digits(x, 16.min(len - self.len as usize), HEX);
                }
            }
            // The scrambled id as a dotted quad.
            ObservableKind::Ipv4 => {
                for (i, b) in s.to_be_bytes()[4..].iter().enumerate() {
                    if i > 0 {
                        self.push(b".");
                    }
                    let digits = if *b >= 100 {
                        3
                    } else if *b >= 10 {
                        2
                    } else {
                        1
                    };
                    self.digits(u64::from(*b), digits, DEC);
                }
            }
            other => unreachable!("{other} is not in the mix"),
        }
    }
}

fn value(id: u32) -> Obs {
    let mut v = Obs::EMPTY;
    v.make(id);
    v
}

fn node_ref(list: &EdgeList, v: u32) -> NodeRef {
    if v < list.first_observable {
        NodeRef::Report(Uuid::from_u128(u128::from(v)))
    } else {
        let value = value(v);
        NodeRef::Observable(value.kind, value.as_str().to_string())
    }
}

fn make_values(values: &mut Vec<Obs>, os: &[u32]) {
    values.resize(os.len(), Obs::EMPTY);
    for (buf, &o) in values.iter_mut().zip(os) {
        buf.make(o);
    }
}

/// Adds one report to the builder, its values made on the way (as a parser would).
fn add(builder: &mut LinkGraphBuilder, access: &ReportAccess, values: &mut Vec<Obs>, r: u32, os: &[u32]) {
    make_values(values, os);
    builder.add_parts(
        Uuid::from_u128(u128::from(r)),
        access,
        report_time(r),
        values.iter().map(|v| (v.kind, v.as_str(), None)),
    );
}

/// The graph of reports `range` of the list, through the bulk builder.
fn build(list: &EdgeList, range: std::ops::Range<usize>) -> LinkGraph {
    let access = access();
    let mut values = Vec::with_capacity(MAX_OBSERVABLES);
    let mut builder =
        LinkGraphBuilder::with_capacity(range.len(), list.starts[range.end] - list.starts[range.start]);
    for i in range {
        add(&mut builder, &access, &mut values, list.reports[i], list.observables(i));
    }
    builder.finish()
}

fn to_report(r: u32, os: &[u32]) -> Report {
    Report {
        provenance: None,
        id: Uuid::from_u128(u128::from(r)),
        kind: ReportKind::Intel,
        title: String::new(),
        narrative: String::new(),
        tlp: Tlp::Green,
        audience: Audience::default(),
        author: org(2),
        labels: Vec::new(),
        created_at: report_time(r),
        first_seen: None,
        last_seen: None,
        observables: os
            .iter()
            .map(|&o| {
                let v = value(o);
                ReportObservable { kind: v.kind, value: v.as_str().to_string(), original: None, role: None }
            })
            .collect(),
        revoked_at: None,
        scam: None,
        victim_pii: None,
        discoverable: None,
    }
}

// ---------------------------------------------------------------------------------------------
// measurements

/// CPU time of this thread (the graph uses one), in seconds.
fn thread_cpu_seconds() -> f64 {
    let text = fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    text.split_whitespace().next().and_then(|ns| ns.parse::<f64>().ok()).map_or(f64::NAN, |ns| ns / 1e9)
}

fn rss_bytes() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// The `p`-quantile of sorted values (nearest rank).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn latency(mut times: Vec<f64>) -> Value {
    times.sort_by(f64::total_cmp);
    json!({
        "count": times.len(),
        "mean": times.iter().sum::<f64>() / times.len().max(1) as f64,
        "p50": quantile(&times, 0.5),
        "p99": quantile(&times, 0.99),
        "max": times.last().copied().unwrap_or(0.0),
    })
}

fn min(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Load (read, parse, build) and components, `rounds` times.
fn bench_components(path: &str, rounds: usize) -> anyhow::Result<(Value, LinkGraph)> {
    let viewer = viewer();
    let access = access();
    let (mut loads, mut comps, mut count) = (Vec::new(), Vec::new(), 0);
    let (mut rss_before, mut rss_after) = (0, 0);
    // The part of the load that is not the graph's: the file read and parsed, the values made.
    let mut parse = Vec::new();
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        let bytes = fs::read(path).with_context(|| format!("reading {path}"))?;
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        let mut values = Vec::with_capacity(MAX_OBSERVABLES);
        let mut sink = lines;
        for_each_report(&bytes, |r, os| {
            make_values(&mut values, os);
            sink =
                sink.wrapping_add(r as usize ^ values.iter().map(|v| usize::from(v.bytes[0])).sum::<usize>());
        })?;
        std::hint::black_box(sink);
        parse.push(started.elapsed().as_secs_f64());
    }
    eprintln!("  reading, parsing and making the values alone: {:.2} s", min(&parse));
    let mut kept = None;
    let (mut finishes, mut cpus) = (Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        drop(kept.take());
        if round == 0 {
            rss_before = rss_bytes();
        }
        let (started, cpu) = (Instant::now(), thread_cpu_seconds());
        let bytes = fs::read(path).with_context(|| format!("reading {path}"))?;
        // Sized as a server would from its store's counts: the edges are the lines, the reports
        // one more than the last line's report id (reports are numbered from 0, in order).
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        let mut builder = LinkGraphBuilder::with_capacity(report_count(&bytes), lines);
        let mut values = Vec::with_capacity(MAX_OBSERVABLES);
        for_each_report(&bytes, |r, os| add(&mut builder, &access, &mut values, r, os))?;
        drop(bytes);
        let finishing = Instant::now();
        let g = builder.finish();
        finishes.push(finishing.elapsed().as_secs_f64());
        let load = started.elapsed().as_secs_f64();
        if round == 0 {
            rss_after = rss_bytes();
        }
        let started = Instant::now();
        let c = g.components(&Scope::new(&viewer, &no_hubs));
        let comp = started.elapsed().as_secs_f64();
        cpus.push(thread_cpu_seconds() - cpu);
        count = c.count;
        if round == 0 {
            // Every node is the file's and in the viewer's subgraph, labelled 0..count.
            let mut seen = vec![false; count];
            for &l in &c.labels {
                ensure!((l as usize) < count, "components: a node labelled {l} of {count}");
                seen[l as usize] = true;
            }
            ensure!(
                c.labels.len() == g.node_count() && seen.iter().all(|&s| s),
                "components: {} labels for {} nodes, or a label with no node",
                c.labels.len(),
                g.node_count()
            );
        }
        eprintln!(
            "  dragnet round {}: load {load:.2} s, components {comp:.3} s, {} components",
            round + 1,
            rate(count as f64)
        );
        loads.push(load);
        comps.push(comp);
        kept = Some(g);
    }
    let g = kept.expect("one round at least");
    // Components alone, as many more times (the graph is built once).
    for _ in 1..rounds.max(1) {
        let started = Instant::now();
        let c = g.components(&Scope::new(&viewer, &no_hubs));
        comps.push(started.elapsed().as_secs_f64());
        ensure!(c.count == count, "components: {} then {}", count, c.count);
    }
    let sums: Vec<f64> = loads.iter().zip(&comps).map(|(l, c)| l + c).collect();
    let memory = g.memory_bytes();
    let edges = g.edge_count();
    Ok((
        json!({
            "load_s": loads,
            "parse_s": parse,
            "finish_s": finishes,
            "components_s": comps,
            "load_components_best_s": min(&sums),
            "load_components_cpu_s": cpus,
            "components_best_s": min(&comps),
            "components": count,
            "graph_nodes": g.node_count(),
            "graph_edges": edges,
            "memory_bytes": memory,
            "bytes_per_edge": memory as f64 / edges.max(1) as f64,
            "rss_before_bytes": rss_before,
            "rss_after_bytes": rss_after,
        }),
        g,
    ))
}

/// The floor a graph keyed by strings cannot go below, for the record: the same file read,
/// parsed on two threads into integer pairs, a CSR of `u32` node ids built (both directions)
/// and union-find run over it. No value strings, no report ids, no access facts: not dragnet's
/// graph, but what a graph whose observables were already named by integer ids (store ids
/// shared with the correlation index, say) could approach. Best of `rounds` load+components.
fn bench_floor(path: &str, rounds: usize, expect: usize) -> anyhow::Result<Value> {
    fn parse(bytes: &[u8]) -> anyhow::Result<Vec<(u32, u32)>> {
        let mut out = Vec::with_capacity(bytes.len() / 12);
        let mut i = 0;
        while i < bytes.len() {
            let a = number(bytes, &mut i, b'\t')?;
            out.push((a, number(bytes, &mut i, b'\n')?));
        }
        Ok(out)
    }
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    let mut sums = Vec::new();
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        let bytes = fs::read(path).with_context(|| format!("reading {path}"))?;
        let half = bytes.len() / 2;
        let cut = bytes[half..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| half + p + 1);
        let (left, right) = bytes.split_at(cut);
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| parse(left));
            (a.join().expect("the parsing thread panicked"), parse(right))
        });
        let (a, b) = (a?, b?);
        let pairs = || a.iter().chain(&b);
        let nodes = pairs().map(|&(r, o)| r.max(o) as usize + 1).max().unwrap_or(0);
        let mut offsets = vec![0u32; nodes + 1];
        for &(r, o) in pairs() {
            offsets[r as usize + 1] += 1;
            offsets[o as usize + 1] += 1;
        }
        for v in 1..=nodes {
            offsets[v] += offsets[v - 1];
        }
        let mut next = offsets[..nodes].to_vec();
        let mut targets = vec![0u32; 2 * (a.len() + b.len())];
        for &(r, o) in pairs() {
            targets[next[r as usize] as usize] = o;
            next[r as usize] += 1;
            targets[next[o as usize] as usize] = r;
            next[o as usize] += 1;
        }
        drop((next, a, b, bytes));
        let mut parent: Vec<u32> = (0..nodes as u32).collect();
        for v in 0..nodes as u32 {
            for &w in &targets[offsets[v as usize] as usize..offsets[v as usize + 1] as usize] {
                let (x, y) = (find(&mut parent, v), find(&mut parent, w));
                if x != y {
                    parent[x.max(y) as usize] = x.min(y);
                }
            }
        }
        let count = (0..nodes as u32).filter(|&v| find(&mut parent, v) == v).count();
        sums.push(started.elapsed().as_secs_f64());
        ensure!(count == expect, "integer floor: {count} components, the graph {expect}");
        std::hint::black_box(&targets);
    }
    eprintln!("  integer floor (no values): load+components {:.2} s", min(&sums));
    Ok(json!({ "load_components_s": sums, "load_components_best_s": min(&sums) }))
}

fn bench_insert(list: &EdgeList, full: &LinkGraph, tail: usize) -> anyhow::Result<Value> {
    let tail = tail.min(list.len().saturating_sub(1));
    let head = list.len() - tail;
    let started = Instant::now();
    let mut g = build(list, 0..head);
    let head_secs = started.elapsed().as_secs_f64();
    let reports: Vec<Report> =
        (head..list.len()).map(|i| to_report(list.reports[i], list.observables(i))).collect();
    let mut times = Vec::with_capacity(tail);
    let started = Instant::now();
    for r in &reports {
        let t = Instant::now();
        g.insert(r);
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let total = started.elapsed().as_secs_f64();
    let viewer = viewer();
    let scope = Scope::new(&viewer, &no_hubs);
    let (ours, theirs) = (g.components(&scope).count, full.components(&scope).count);
    ensure!(
        (g.node_count(), g.edge_count(), ours) == (full.node_count(), full.edge_count(), theirs),
        "insert: {} nodes, {} edges, {ours} components after the inserts; built at once: {}, {}, {theirs}",
        g.node_count(),
        g.edge_count(),
        full.node_count(),
        full.edge_count()
    );
    // The slowest inserts, by position (a compaction, a growing array).
    let mut slowest: Vec<(usize, f64)> = times.iter().copied().enumerate().collect();
    slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
    slowest.truncate(5);
    let over_1ms = times.iter().filter(|&&t| t > 1_000.0).count();
    let lat = latency(times);
    eprintln!(
        "  insert: {} reports one by one into a graph of {} (built in {head_secs:.1} s): mean {:.2} µs, \
         p99 {:.2} µs, max {:.0} µs; same graph as built at once",
        rate(tail as f64),
        rate(head as f64),
        lat["mean"].as_f64().unwrap_or(0.0),
        lat["p99"].as_f64().unwrap_or(0.0),
        lat["max"].as_f64().unwrap_or(0.0)
    );
    eprintln!(
        "  slowest inserts (position: µs): {}",
        slowest.iter().map(|(i, t)| format!("{i}: {t:.0}")).collect::<Vec<_>>().join(", ")
    );
    Ok(json!({
        "reports": tail,
        "after": head,
        "total_s": total,
        "us": lat,
        "slowest": slowest.iter().map(|(i, t)| json!({"position": i, "us": t})).collect::<Vec<_>>(),
        "over_1ms": over_1ms,
    }))
}

/// Adjacency of the first `reports` reports of the list, by file id.
struct Adjacency {
    offsets: Vec<usize>,
    targets: Vec<u32>,
}

impl Adjacency {
    fn new(list: &EdgeList, reports: usize) -> Self {
        let n = list.nodes as usize;
        let mut degree = vec![0usize; n + 1];
        for i in 0..reports {
            for &o in list.observables(i) {
                degree[list.reports[i] as usize] += 1;
                degree[o as usize] += 1;
            }
        }
        let mut offsets = vec![0usize; n + 1];
        for v in 0..n {
            offsets[v + 1] = offsets[v] + degree[v];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; offsets[n]];
        for i in 0..reports {
            let r = list.reports[i];
            for &o in list.observables(i) {
                targets[fill[r as usize]] = o;
                fill[r as usize] += 1;
                targets[fill[o as usize]] = r;
                fill[o as usize] += 1;
            }
        }
        Adjacency { offsets, targets }
    }

    fn neighbours(&self, v: u32) -> &[u32] {
        &self.targets[self.offsets[v as usize]..self.offsets[v as usize + 1]]
    }

    /// The nodes at distance `depth` from `v`, or the last layer reached before the search
    /// passes `budget` nodes or runs out (never empty: `[v]` at worst).
    fn layer(&self, v: u32, depth: usize, budget: usize) -> Vec<u32> {
        let mut seen: FxHashSet<u32> = FxHashSet::default();
        seen.insert(v);
        let mut layer = vec![v];
        for _ in 0..depth {
            let mut next = Vec::new();
            for &u in &layer {
                for &t in self.neighbours(u) {
                    if seen.insert(t) {
                        next.push(t);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            layer = next;
            if seen.len() > budget {
                break;
            }
        }
        layer
    }
}

fn bench_queries(
    list: &EdgeList,
    reports: usize,
    queries: usize,
    hub_degree: usize,
    seed: u64,
) -> anyhow::Result<Value> {
    let reports = reports.min(list.len());
    let started = Instant::now();
    let g = build(list, 0..reports);
    let build_secs = started.elapsed().as_secs_f64();
    let adj = Adjacency::new(list, reports);
    let edges = list.starts[reports];
    let hubs: FxHashSet<String> = (list.first_observable..list.nodes)
        .filter(|&v| adj.neighbours(v).len() >= hub_degree)
        .map(|v| value(v).as_str().to_string())
        .collect();
    eprintln!(
        "  queries: graph of the first {} reports ({} edges) built in {build_secs:.1} s; {} values of degree ≥ {} as hubs",
        rate(reports as f64),
        rate(edges as f64),
        hubs.len(),
        rate(hub_degree as f64)
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = |rng: &mut ChaCha8Rng, i: usize| -> u32 {
        if i.is_multiple_of(2) { list.reports[below(rng, reports)] } else { list.obs[below(rng, edges)] }
    };
    let starts: Vec<u32> = (0..queries).map(|i| start(&mut rng, i)).collect();
    let pairs: Vec<(u32, u32)> = (0..queries)
        .map(|i| {
            let a = start(&mut rng, i / 2);
            if i % 2 == 1 {
                return (a, start(&mut rng, i / 2 + 1));
            }
            let layer = adj.layer(a, 2 + below(&mut rng, 5), 20_000);
            (a, layer[below(&mut rng, layer.len())])
        })
        .collect();
    let starts: Vec<NodeRef> = starts.into_iter().map(|v| node_ref(list, v)).collect();
    let pairs: Vec<(NodeRef, NodeRef)> =
        pairs.into_iter().map(|(a, b)| (node_ref(list, a), node_ref(list, b))).collect();

    let viewer = viewer();
    let by_degree = |_: ObservableKind, v: &str| hubs.contains(v);
    let mut out = serde_json::Map::new();
    for (name, scope) in
        [("no_hubs", Scope::new(&viewer, &no_hubs)), ("degree_hubs", Scope::new(&viewer, &by_degree))]
    {
        let opts = NeighbourhoodOptions::default();
        let (mut times, mut nodes, mut truncated) = (Vec::with_capacity(queries), 0usize, 0usize);
        for s in &starts {
            let t = Instant::now();
            let n = g.neighbourhood(&scope, s, &opts).context("a start node of the graph")?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            nodes += n.nodes.len();
            truncated += usize::from(n.truncated);
        }
        let khop = latency(times);
        let popts = PathOptions::default();
        let (mut times, mut found, mut length) = (Vec::with_capacity(queries), 0usize, 0usize);
        for (a, b) in &pairs {
            let t = Instant::now();
            let p = g.shortest_path(&scope, a, b, &popts);
            times.push(t.elapsed().as_secs_f64() * 1e3);
            if let Some(p) = p {
                found += 1;
                length += p.len() - 1;
            }
        }
        let path = latency(times);
        eprintln!(
            "  {name}: 2-hop p50 {:.3} ms, p99 {:.2} ms ({:.0} nodes on average, {} truncated); path p50 {:.3} ms, \
             p99 {:.2} ms ({found} found, {:.1} edges on average)",
            khop["p50"].as_f64().unwrap_or(0.0),
            khop["p99"].as_f64().unwrap_or(0.0),
            nodes as f64 / queries.max(1) as f64,
            truncated,
            path["p50"].as_f64().unwrap_or(0.0),
            path["p99"].as_f64().unwrap_or(0.0),
            length as f64 / found.max(1) as f64
        );
        out.insert(
            name.into(),
            json!({
                "khop_ms": khop,
                "khop_mean_nodes": nodes as f64 / queries.max(1) as f64,
                "khop_truncated": truncated,
                "path_ms": path,
                "paths_found": found,
                "path_mean_edges": length as f64 / found.max(1) as f64,
            }),
        );
    }
    Ok(json!({
        "reports": reports,
        "edges": edges,
        "build_s": build_secs,
        "queries": queries,
        "hub_degree": hub_degree,
        "hubs": hubs.len(),
        "memory_bytes": g.memory_bytes(),
        "runs": out,
    }))
}

fn run() -> anyhow::Result<()> {
    let path: String = arg("edges-file", String::new());
    ensure!(!path.is_empty(), "graph run: --edges-file PATH");
    let rounds: usize = arg("rounds", 3);
    let tail: usize = arg("tail", 10_000);
    let query_reports: usize = arg("query-reports", 1_000_000);
    let queries: usize = arg("queries", 1_000);
    let hub_degree: usize = arg("hub-degree", 1_000);
    let seed: u64 = arg("seed", 7);

    eprintln!("dragnet: load+components on {path}, {rounds} rounds…");
    let (components, full) = bench_components(&path, rounds)?;
    let floor = bench_floor(&path, rounds, components["components"].as_u64().unwrap_or(0) as usize)?;
    let list = EdgeList::read(&path)?;
    let file_nodes = u64::from(list.nodes);
    ensure!(
        (full.node_count() as u64, full.edge_count()) == (file_nodes, list.obs.len()),
        "the graph has {} nodes and {} edges, the file {file_nodes} and {}: derived observables?",
        full.node_count(),
        full.edge_count(),
        list.obs.len()
    );
    eprintln!("dragnet: incremental insert…");
    let insert = bench_insert(&list, &full, tail)?;
    let memory = full.memory_bytes();
    drop(full);
    eprintln!("dragnet: queries…");
    let queries = bench_queries(&list, query_reports, queries, hub_degree, seed)?;
    // The mean length of the observables' values (each counted once).
    let value_length = (list.first_observable..list.nodes).map(|v| f64::from(value(v).len)).sum::<f64>()
        / f64::from((list.nodes - list.first_observable).max(1));
    let out = json!({
        "edges_file": path,
        "kind": kind_name(),
        "value_length": value_length,
        "edges": list.obs.len(),
        "reports": list.len(),
        "observables": file_nodes - u64::from(list.first_observable),
        "nodes": file_nodes,
        "rounds": rounds,
        "components": components,
        "integer_floor": floor,
        "memory_bytes": memory,
        "insert": insert,
        "queries": queries,
    });
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &out)?;
    writeln!(stdout)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// the table

fn f(v: &Value, path: &str) -> f64 {
    path.split('.').fold(v, |v, k| &v[k]).as_f64().unwrap_or(f64::NAN)
}

fn best_sum(a: &Value, b: &[f64]) -> f64 {
    a.as_array()
        .map(|a| {
            a.iter().zip(b).map(|(x, y)| x.as_f64().unwrap_or(f64::NAN) + y).fold(f64::INFINITY, f64::min)
        })
        .unwrap_or(f64::NAN)
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
}

/// A target as the last line shows it: `≥ 5×` when met, `target ≥ 5×: not met` otherwise.
fn target(met: bool, text: &str) -> String {
    if met { text.to_string() } else { format!("target {text}: not met") }
}

fn secs(x: f64) -> String {
    if x.is_nan() { String::new() } else { format!("{x:.3}") }
}

fn times(x: f64, ours: f64) -> String {
    if x.is_nan() || ours.is_nan() { String::new() } else { format!("{:.2}×", x / ours) }
}

fn gb(x: f64) -> String {
    format!("{:.2} GB", x / 1e9)
}

fn table() -> anyhow::Result<()> {
    let read = |name: &str| -> anyhow::Result<Value> {
        let p: String = arg(name, String::new());
        ensure!(!p.is_empty(), "graph table: --{name} PATH");
        Ok(serde_json::from_str(&fs::read_to_string(&p).with_context(|| format!("reading {p}"))?)?)
    };
    let d = read("dragnet")?;
    let a = read("anchors")?;
    let (nk, ig) = (&a["networkit"], &a["igraph"]);
    let dc = &d["components"];
    let counts = [dc["components"].as_u64(), nk["components"].as_u64(), ig["components"].as_u64()];
    if counts.iter().any(|c| c.is_none() || *c != counts[0]) {
        bail!(
            "THE COMPONENT COUNTS DISAGREE: dragnet {:?}, networkit {:?}, igraph {:?}",
            counts[0],
            counts[1],
            counts[2]
        );
    }
    let edges = f(&d, "edges");

    // networkit: the faster of its sequential and parallel components, round by round.
    let nk_comp: Vec<f64> = floats(&nk["components_s"])
        .iter()
        .zip(floats(&nk["parallel_components_s"]))
        .map(|(a, b)| a.min(b))
        .collect();
    let ig_comp = floats(&ig["components_s"]);
    let d_load = floats(&dc["load_s"]);
    let d_comp = floats(&dc["components_s"]);
    let first = |load: &[f64], comp: &[f64]| match (load.first(), comp.first()) {
        (Some(l), Some(c)) => l + c,
        _ => f64::NAN,
    };
    let ours = f(dc, "load_components_best_s");
    let nk_lc = best_sum(&nk["load_s"], &nk_comp);
    let ig_lc = best_sum(&ig["load_s"], &ig_comp);
    let (ours_c, nk_c, ig_c) = (f(dc, "components_best_s"), min(&nk_comp), min(&ig_comp));
    let floor = f(&d, "integer_floor.load_components_best_s");
    let rows = [
        ("load+components", ours, nk_lc, ig_lc),
        ("  load", min(&d_load), min(&floats(&nk["load_s"])), min(&floats(&ig["load_s"]))),
        ("  dragnet: read, parse, make values", min(&floats(&dc["parse_s"])), f64::NAN, f64::NAN),
        ("  dragnet: LinkGraphBuilder::finish", min(&floats(&dc["finish_s"])), f64::NAN, f64::NAN),
        (
            "load+components, first round",
            first(&d_load, &d_comp),
            first(&floats(&nk["load_s"]), &nk_comp),
            first(&floats(&ig["load_s"]), &ig_comp),
        ),
        (
            "load+components, CPU seconds (best)",
            min(&floats(&dc["load_components_cpu_s"])),
            min(&floats(&nk["load_components_cpu_s"])),
            min(&floats(&ig["load_components_cpu_s"])),
        ),
        ("integer floor (no values; not a graph)", floor, nk_lc, ig_lc),
        ("components alone", ours_c, nk_c, ig_c),
        (
            "  networkit: sequential / parallel",
            f64::NAN,
            min(&floats(&nk["components_s"])),
            min(&floats(&nk["parallel_components_s"])),
        ),
    ];
    println!();
    println!(
        "Link graph, connected components: {} ({} edges: {} reports, {} observables, {} nodes)",
        d["edges_file"].as_str().unwrap_or("?"),
        rate(edges),
        rate(f(&d, "reports")),
        rate(f(&d, "observables")),
        rate(f(&d, "nodes"))
    );
    println!(
        "dragnet (one viewer who sees every report, no hubs; values: {}, {:.1} bytes on average) vs networkit {} \
         ({} threads) and igraph {} (Python {}); best of {} rounds; {}",
        d["kind"].as_str().unwrap_or("?"),
        f(&d, "value_length"),
        a["versions"]["networkit"].as_str().unwrap_or("?"),
        a["networkit_threads"],
        a["versions"]["igraph"].as_str().unwrap_or("?"),
        a["versions"]["python"].as_str().unwrap_or("?"),
        d["rounds"],
        machine()
    );
    println!();
    println!(
        "  {:<38}{:>10}{:>12}{:>10}{:>14}{:>11}",
        "seconds", "dragnet", "networkit", "igraph", "vs networkit", "vs igraph"
    );
    for (name, ours, n, i) in rows {
        println!(
            "  {name:<38}{:>10}{:>12}{:>10}{:>14}{:>11}",
            secs(ours),
            secs(n),
            secs(i),
            if name.starts_with("  ") { String::new() } else { times(n, ours) },
            if name.starts_with("  ") { String::new() } else { times(i, ours) }
        );
    }
    println!(
        "  {:<38}{:>10}{:>12}{:>10}",
        "components (all three agree)",
        rate(counts[0].unwrap_or(0) as f64),
        rate(counts[1].unwrap_or(0) as f64),
        rate(counts[2].unwrap_or(0) as f64)
    );
    println!(
        "  {:<38}{:>10}{:>12}{:>10}",
        "RSS growth across the first load",
        gb(f(dc, "rss_after_bytes") - f(dc, "rss_before_bytes")),
        gb(f(nk, "rss_load_bytes")),
        gb(f(ig, "rss_load_bytes"))
    );
    let memory = f(&d, "memory_bytes");
    println!(
        "  dragnet's memory_bytes(): {} for {} edges, {:.1} B/edge (RSS {} before the load, {} after)",
        gb(memory),
        rate(edges),
        memory / edges,
        gb(f(dc, "rss_before_bytes")),
        gb(f(dc, "rss_after_bytes"))
    );
    println!(
        "  load: the file read and parsed and the graph built; dragnet's includes making each value string"
    );
    println!("  from its id and interning it. networkit: the faster of ConnectedComponents and");
    println!(
        "  ParallelConnectedComponents in each round. \"vs\": their time over dragnet's (> 1: dragnet faster)."
    );
    println!("  CPU: dragnet's one thread; the anchors' whole process (networkit's threads added up).");
    println!(
        "  integer floor: the same file parsed on two threads into integer pairs, a u32 CSR and union-find,"
    );
    println!(
        "  no value strings, report ids or access facts: a bound for a graph keyed by strings, not a graph."
    );

    let ins = &d["insert"];
    println!();
    println!(
        "incremental: the last {} reports inserted one by one (LinkGraph::insert) after a bulk build of {}:",
        rate(f(ins, "reports")),
        rate(f(ins, "after"))
    );
    println!(
        "  mean {:.2} µs, p50 {:.2} µs, p99 {:.2} µs, max {:.0} µs per report (compactions included)",
        f(ins, "us.mean"),
        f(ins, "us.p50"),
        f(ins, "us.p99"),
        f(ins, "us.max")
    );
    println!(
        "  {} inserts over 1 ms; the slowest (position in the sequence: µs): {}",
        ins["over_1ms"],
        ins["slowest"]
            .as_array()
            .map(|a| a
                .iter()
                .map(|x| format!("{}: {:.0}", x["position"], f(x, "us")))
                .collect::<Vec<_>>()
                .join(", "))
            .unwrap_or_default()
    );

    let q = &d["queries"];
    println!();
    println!(
        "queries on the graph of the first {} reports ({} edges, memory_bytes {}, built in {:.1} s), {} each, \
         default options",
        rate(f(q, "reports")),
        rate(f(q, "edges")),
        gb(f(q, "memory_bytes")),
        f(q, "build_s"),
        rate(f(q, "queries"))
    );
    println!("  (2-hop: ≤ 200 nodes, 50 per node; path: ≤ 6 edges, gives up past 10,000 nodes visited)");
    println!(
        "  {:<30}{:>9}{:>9}{:>9}{:>7}{:>10}{:>9}{:>9}{:>7}",
        "ms", "2-hop p50", "p99", "max", "nodes", "path p50", "p99", "max", "found"
    );
    for (name, label) in [
        ("no_hubs", "no hubs".to_string()),
        ("degree_hubs", format!("{} hubs (degree ≥ {})", rate(f(q, "hubs")), rate(f(q, "hub_degree")))),
    ] {
        let r = &q["runs"][name];
        println!(
            "  {label:<30}{:>9.3}{:>9.2}{:>9.2}{:>7.0}{:>10.3}{:>9.2}{:>9.2}{:>7}",
            f(r, "khop_ms.p50"),
            f(r, "khop_ms.p99"),
            f(r, "khop_ms.max"),
            f(r, "khop_mean_nodes"),
            f(r, "path_ms.p50"),
            f(r, "path_ms.p99"),
            f(r, "path_ms.max"),
            rate(f(r, "paths_found"))
        );
    }
    println!(
        "  2-hop starts: half random reports, half the observable of a random edge (\"nodes\": mean answer size);"
    );
    println!(
        "  path pairs: half a start and a node at distance 2–6 from it (or of the farthest layer within 20,000"
    );
    println!("  nodes), half two random starts (mostly no path)");

    // The last line.
    let x = nk_lc / ours;
    let mean = f(ins, "us.mean");
    let runs = &q["runs"];
    let (k0, k1) = (f(&runs["no_hubs"], "khop_ms.p99"), f(&runs["degree_hubs"], "khop_ms.p99"));
    let (p0, p1) = (f(&runs["no_hubs"], "path_ms.p99"), f(&runs["degree_hubs"], "path_ms.p99"));
    let worst = k0.max(k1).max(p0).max(p1);
    let memory_target = if edges >= 10_000_000.0 {
        target(memory < 1e9, "< 1 GB")
    } else {
        "10M-edge target not checked: --quick".into()
    };
    println!();
    println!(
        "graph: load+components {ours:.2} s vs networkit {nk_lc:.2} s ({x:.1}×, {}), igraph {ig_lc:.2} s ({:.1}×); \
         components alone {ours_c:.3} s vs networkit {nk_c:.3} s ({:.1}×), igraph {ig_c:.3} s ({:.1}×); \
         insert {mean:.2} µs/report ({}; p99 {:.1} µs); {} reports: 2-hop p99 {k0:.2} ms, path p99 {p0:.2} ms \
         (hubs by degree: {k1:.2} ms, {p1:.2} ms) ({}); {:.0} B/edge, {} edges {} ({memory_target}); \
         integer floor (no values) {floor:.2} s ({:.1}× networkit)",
        target(x >= 5.0, "≥ 5×"),
        ig_lc / ours,
        nk_c / ours_c,
        ig_c / ours_c,
        target(mean < 10.0, "< 10 µs"),
        f(ins, "us.p99"),
        short(f(q, "reports")),
        target(worst < 50.0, "< 50 ms"),
        memory / edges,
        short(edges),
        gb(memory),
        nk_lc / floor,
    );
    Ok(())
}

fn short(n: f64) -> String {
    if n >= 1e6 {
        let m = format!("{:.2}", n / 1e6);
        format!("{}M", m.trim_end_matches('0').trim_end_matches('.'))
    } else {
        rate(n)
    }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!("{cores} cores, load average {} at the end", load.split_whitespace().next().unwrap_or("?"))
}
