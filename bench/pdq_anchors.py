#!/usr/bin/env python3
"""The anchors of the PDQ benchmark: pdqhash (with PIL decoding) and faiss-cpu's multi-index hash.

Run by bench/pdq (which builds dragnet's `pdq_hash` and `pdq_index`, makes the venv and the list
of JPEGs, and runs dragnet's side first). One thread throughout (faiss.omp_set_num_threads(1)).

1. Hashing: every JPEG of the list, read from disk, decoded by PIL (`Image.open(BytesIO(bytes))
   .convert("RGB")`, as a numpy array) and hashed by `pdqhash.compute` (Meta's C++ core behind a
   Cython binding), all of it inside the timed loop; several rounds over the list, images/s of the
   best round and the median. The hashes are compared with dragnet's (Hamming distance per file):
   both decode with libjpeg-turbo (islow IDCT, fancy upsampling), so they should be identical.
2. Matching: N random 256-bit hashes (numpy, fixed seed) in `IndexBinaryMultiHash(256, 16, 16)`
   with `nflip = 1`, the configuration of Meta's HMA. Queries: half near-duplicates (an indexed
   hash with k distinct random bits flipped, k uniform in 0..=31), half random hashes, shuffled.
   Each query is a range search for every hash within Hamming distance 31. faiss's binary
   range_search keeps distances strictly below its radius (checked: a hash at distance 31 is
   found with radius 32, not 31), so the radius passed is 32. Measured: build time (constructor
   + add), the growth of the process's resident memory across the build (the index keeps its own
   copy of the codes plus 16 hash tables of 8-byte ids; serialize_index would under-count it: it
   bit-packs the ids), queries/s in batches of 256 until the queries run out or --budget seconds
   pass, and recall against brute force (IndexBinaryFlat, same radius) on the first
   --recall-sample queries. (With 16 chunks of 16 bits and one flip per chunk, a hash within 31
   bits has at least one chunk within 1 bit of the query's, so MIH is exact here: recall should
   be 1.)

Finally prints one table, dragnet beside the anchors with the ratios, and the comparison line.
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

import faiss
import numpy as np
import pdqhash
from PIL import Image

RADIUS = 31  # matches are hashes within this Hamming distance (inclusive)
FAISS_RADIUS = RADIUS + 1  # faiss keeps distance < radius
BATCH = 256
SEED = 20240531


# ---------------------------------------------------------------------------------------------
# hashing


def pdqhash_bytes(data):
    """Decode with PIL and hash with pdqhash: the anchor's whole job on one file."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    vec, quality = pdqhash.compute(np.asarray(img))
    return vec, quality


def to_hex(vec):
    """pdqhash's bit vector (bit 255 first) as the reference's 64-hex form."""
    return np.packbits(np.asarray(vec, dtype=np.uint8)).tobytes().hex()


def bench_hashing(files, rounds, budget):
    rates, cpu_rates, t_all = [], [], time.perf_counter()
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.thread_time()
        for f in files:
            with open(f, "rb") as fh:
                data = fh.read()
            pdqhash_bytes(data)
        rates.append(len(files) / (time.perf_counter() - t0))
        cpu_rates.append(len(files) / (time.thread_time() - c0))
        if time.perf_counter() - t_all > budget:
            break
    # The split between decoding and hashing, outside the timed rounds.
    t_dec = t_hash = 0.0
    hashes = {}
    for f in files:
        data = Path(f).read_bytes()
        t0 = time.perf_counter()
        arr = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        t1 = time.perf_counter()
        vec, quality = pdqhash.compute(arr)
        t2 = time.perf_counter()
        t_dec += t1 - t0
        t_hash += t2 - t1
        hashes[f] = {"hash": to_hex(vec), "quality": int(quality)}
    return {
        "images": len(files),
        "bytes": sum(Path(f).stat().st_size for f in files),
        "rounds": len(rates),
        "best_images_s": max(rates),
        "median_images_s": statistics.median(rates),
        "best_cpu_images_s": max(cpu_rates),
        "decode_share": t_dec / (t_dec + t_hash),
        "hashes": hashes,
    }


# ---------------------------------------------------------------------------------------------
# matching


def rss_bytes():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def make_queries(codes, count, rng):
    """Half near-duplicates of indexed hashes (k distinct bits flipped, k in 0..=31), half random."""
    n = codes.shape[0]
    near = count // 2
    src = rng.integers(0, n, near)
    q = np.empty((count, 32), dtype=np.uint8)
    bits = np.unpackbits(codes[src], axis=1)
    for row, k in enumerate(rng.integers(0, RADIUS + 1, near)):
        bits[row, rng.choice(256, size=k, replace=False)] ^= 1
    q[:near] = np.packbits(bits, axis=1)
    q[near:] = rng.integers(0, 256, (count - near, 32), dtype=np.uint8)
    order = rng.permutation(count)
    return q[order]


def pairs(lims, ids):
    return {(qi, int(j)) for qi in range(len(lims) - 1) for j in ids[lims[qi]:lims[qi + 1]]}


def bench_matching(n, queries, budget, sample):
    print(f"anchors: faiss at {n:,}…", file=sys.stderr)
    rng = np.random.default_rng(SEED + n)
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    q = make_queries(codes, queries, rng)

    rss0 = rss_bytes()
    t0 = time.perf_counter()
    index = faiss.IndexBinaryMultiHash(256, 16, 16)
    index.nflip = 1
    index.add(codes)
    build_s = time.perf_counter() - t0
    memory = rss_bytes() - rss0

    done, found, t0, c0 = 0, 0, time.perf_counter(), time.thread_time()
    while done < len(q):
        lims, _, _ = index.range_search(q[done:done + BATCH], FAISS_RADIUS)
        found += int(lims[-1])
        done += min(BATCH, len(q) - done)
        if time.perf_counter() - t0 > budget:
            break
    elapsed, cpu = time.perf_counter() - t0, time.thread_time() - c0

    s = q[:sample]
    lims, _, ids = index.range_search(s, FAISS_RADIUS)
    got = pairs(lims, ids)
    del index
    flat = faiss.IndexBinaryFlat(256)
    flat.add(codes)
    lims, _, ids = flat.range_search(s, FAISS_RADIUS)
    truth = pairs(lims, ids)
    del flat
    recall = len(got & truth) / len(truth) if truth else 1.0
    result = {
        "n": n,
        "build_s": build_s,
        "memory_bytes": memory,
        "queries": done,
        "queries_planned": len(q),
        "seconds": elapsed,
        "qps": done / elapsed,
        "cpu_qps": done / cpu,
        "matches": found,
        "recall": recall,
        "recall_sample": len(s),
        "recall_true_pairs": len(truth),
        "false_matches": len(got - truth),
    }
    print(f"  faiss {n:,}: {describe_match(result)}", file=sys.stderr)
    return result


def describe_match(r):
    cut = "" if r["queries"] == r["queries_planned"] else f" (time-boxed: {r['queries']:,} of {r['queries_planned']:,})"
    return (f"built in {r['build_s']:.2f} s, {r['memory_bytes'] / 1e6:,.0f} MB, {r['qps']:,.0f} q/s"
            f"{cut}, recall {r['recall']:.4f} on {r['recall_true_pairs']} true pairs")


# ---------------------------------------------------------------------------------------------
# the report


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "—"


def num(x, fmt="{:,.0f}"):
    return "—" if x is None else fmt.format(x)


def mb(x):
    return None if x is None else x / 1e6


def hash_agreement(ours, theirs):
    """Hamming distances between dragnet's hashes and pdqhash's, per file."""
    dist = []
    for f, t in theirs.items():
        o = ours.get(f)
        if o is None:
            continue
        a = int(o["hash"], 16) ^ int(t["hash"], 16)
        dist.append((bin(a).count("1"), f))
    return sorted(dist, reverse=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", required=True, help="the JPEGs to hash, one path a line")
    ap.add_argument("--rounds", type=int, default=10, help="hashing rounds over the list")
    ap.add_argument("--sizes", default="1000000,10000000", help="index sizes, comma-separated")
    ap.add_argument("--queries", type=int, default=20000)
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per measurement at most")
    ap.add_argument("--recall-sample", type=int, default=200)
    ap.add_argument("--dragnet-hash", help="JSON of dragnet's pdq_hash (absent: not built yet)")
    ap.add_argument("--dragnet-index", action="append", default=[],
                    help="JSON of dragnet's pdq_index, one per size (repeat)")
    ap.add_argument("--out", help="write the anchors' figures here (JSON)")
    args = ap.parse_args()
    faiss.omp_set_num_threads(1)

    files = [line for line in Path(args.list).read_text().splitlines() if line]
    sizes = [int(s) for s in args.sizes.split(",")]
    versions = {p: package_version(p) for p in ["pdqhash", "faiss-cpu", "numpy", "Pillow"]}

    print(f"anchors: pdqhash on {len(files)} JPEGs…", file=sys.stderr)
    hashing = bench_hashing(files, args.rounds, args.budget)
    print(f"  pdqhash: {hashing['best_images_s']:,.1f} images/s (best of {hashing['rounds']}), "
          f"decoding {hashing['decode_share']:.0%} of the time", file=sys.stderr)
    matching = [bench_matching(n, args.queries, args.budget, args.recall_sample) for n in sizes]
    if args.out:
        Path(args.out).write_text(json.dumps(
            {"versions": versions, "hashing": hashing, "matching": matching}, indent=2))

    d_hash = json.loads(Path(args.dragnet_hash).read_text()) if args.dragnet_hash else None
    d_index = {}
    for p in args.dragnet_index:
        r = dragnet_index(json.loads(Path(p).read_text()))
        d_index[r["n"]] = r

    print()
    print("PDQ, one thread, dragnet vs " + ", ".join(f"{k} {v}" for k, v in versions.items())
          + f"; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    print("(wall clock, as the targets are; \"cpu\": per this thread's CPU time, steadier on a busy machine)")
    print()
    print(f"hashing: decode + hash of {len(files)} JPEGs ({hashing['bytes'] / 1e6:.1f} MB), "
          f"files read inside the loop; images/s, best round (median)")
    print(f"  {'':<14}{'dragnet':>20}{'pdqhash + PIL':>20}{'ratio':>10}")
    ours = d_hash["best_images_s"] if d_hash else None
    print(f"  {'images/s':<14}"
          f"{(num(ours, '{:,.1f}') + ' (' + num(d_hash['median_images_s'], '{:,.1f}') + ')') if d_hash else 'not built yet':>20}"
          f"{num(hashing['best_images_s'], '{:,.1f}') + ' (' + num(hashing['median_images_s'], '{:,.1f}') + ')':>20}"
          f"{ratio(ours, hashing['best_images_s']):>10}")
    ours_cpu = d_hash.get("best_cpu_images_s") if d_hash else None
    print(f"  {'  cpu':<14}{num(ours_cpu, '{:,.1f}'):>20}{num(hashing['best_cpu_images_s'], '{:,.1f}'):>20}"
          f"{ratio(ours_cpu, hashing['best_cpu_images_s']):>10}")
    print(f"  pdqhash + PIL spends {hashing['decode_share']:.0%} of its time decoding")
    if d_hash:
        dist = hash_agreement(d_hash.get("hashes", {}), hashing["hashes"])
        if dist:
            same = sum(1 for d, _ in dist if d == 0)
            worst = ", ".join(f"{Path(f).parent.name}/{Path(f).name} {d}" for d, f in dist[:4] if d)
            print(f"  same hash as pdqhash on {same}/{len(dist)} files"
                  + (f"; bits differing (JPEG decoder rounding): {worst}" if worst else ""))
    print()
    print(f"matching: every indexed hash within distance {RADIUS} of the query (faiss: radius {FAISS_RADIUS}, "
          f"it keeps < radius); {args.queries:,} queries, half near-duplicates; "
          f"faiss IndexBinaryMultiHash(256, 16, 16), nflip=1")
    print(f"  {'':<6}{'':<9}{'q/s':>10}{'cpu q/s':>10}{'build s':>9}{'memory MB':>11}{'recall':>8}{'queries':>9}")
    for m in matching:
        d = d_index.get(m["n"])
        label = size_label(m["n"])
        for name, r in [("dragnet", d), ("faiss", m)]:
            if r is None:
                print(f"  {label:<6}{name:<9}{'not built yet':>13}")
            else:
                print(f"  {label:<6}{name:<9}{num(r['qps']):>10}{num(r.get('cpu_qps')):>10}"
                      f"{num(r['build_s'], '{:.2f}'):>9}{num(mb(r.get('memory_bytes'))):>11}"
                      f"{num(r.get('recall'), '{:.3f}'):>8}{num(r.get('queries')):>9}")
            label = ""
        if d:
            print(f"  {'':<6}{'ratio':<9}{ratio(d['qps'], m['qps']):>10}{ratio(d.get('cpu_qps'), m['cpu_qps']):>10}"
                  f"{ratio(m['build_s'], d['build_s']):>9}{ratio(m['memory_bytes'], d.get('memory_bytes')):>11}")
    print("  ratios: dragnet's q/s over faiss's; faiss's build time and memory over dragnet's")
    print("  memory: dragnet's own count of its index; faiss: growth of the process's RSS across the build")
    for m in matching:
        if m["queries"] < m["queries_planned"]:
            print(f"  faiss at {size_label(m['n'])}: time-boxed to {args.budget:.0f} s, "
                  f"{m['queries']:,} of {m['queries_planned']:,} queries")
    print(f"  recall against a brute-force scan: faiss on its first {args.recall_sample} queries (IndexBinaryFlat); "
          "dragnet checks its first "
          + "/".join(sorted({str(d.get('checked')) for d in d_index.values()}) or ["—"])
          + " queries itself and stops on any difference")
    print()
    print(summary(hashing, matching, d_hash, d_index))


def target(met, text):
    return f"({text})" if met else f"(target {text}: not met)"


def size_label(n):
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1e3:g}k"


def dragnet_index(r):
    """pdq_index's JSON in the anchors' terms. It fails unless its checked queries match a
    brute-force scan exactly, so a result with checked > 0 has recall 1 on them."""
    return {
        "n": r["n"],
        "qps": r["queries_per_second"],
        "cpu_qps": r.get("queries_per_cpu_second"),
        "build_s": r["build_seconds"],
        "memory_bytes": r.get("memory_bytes"),
        "queries": r["queries"],
        "checked": r.get("checked", 0),
        "recall": 1.0 if r.get("checked", 0) > 0 else None,
    }


def summary(hashing, matching, d_hash, d_index):
    if d_hash is None and not d_index:
        faiss_txt = ", ".join(
            f"{size_label(m['n'])} {m['qps']:,.0f} q/s (recall {m['recall']:.3f}, "
            f"{m['memory_bytes'] / 1e9:.2f} GB, built {m['build_s']:.1f} s)" for m in matching)
        return (f"pdq: dragnet side not built yet; anchors: pdqhash {hashing['best_images_s']:,.1f} images/s; "
                f"faiss {faiss_txt}")
    parts = []
    if d_hash:
        x = d_hash["best_images_s"] / hashing["best_images_s"]
        parts.append(f"hashing {x:.1f}× pdqhash {target(x >= 3, '≥ 3×')}")
    else:
        parts.append("hashing: dragnet side not built yet")
    targets = {1_000_000: 20_000, 10_000_000: 4_000}
    ms, vs = [], []
    for m in matching:
        d = d_index.get(m["n"])
        if d is None:
            ms.append(f"{size_label(m['n'])} not built yet")
            continue
        t = targets.get(m["n"])
        ms.append(f"{size_label(m['n'])} {d['qps']:,.0f} q/s" + (f" {target(d['qps'] >= t, f'≥ {t:,}')}" if t else ""))
        vs.append(f"{d['qps'] / m['qps']:.1f}×")
    biggest = max((d_index[m["n"]] for m in matching if m["n"] in d_index), key=lambda r: r["n"], default=None)
    tail = ""
    if biggest is not None:
        mem = biggest.get("memory_bytes")
        full = biggest["n"] == 10_000_000
        if mem is not None:
            tail += f", {mem / 1e9:.2f} GB" + (f" {target(mem < 1e9, '< 1 GB')}" if full else "")
        tail += f", built {biggest['build_s']:.1f} s" + (f" {target(biggest['build_s'] < 10, '< 10 s')}" if full else "")
    parts.append("matching " + ", ".join(ms) + tail + ("; vs faiss " + " / ".join(vs) if vs else ""))
    return "pdq: " + "; ".join(parts)


def package_version(name):
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
