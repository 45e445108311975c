#!/usr/bin/env python3
"""The anchors of the extraction benchmark: iocsearcher and iocextract, side by side with dragnet.

Run by bench/extract (which builds `extract`, makes the venv and the benchmark text). For each
anchor it measures

1. throughput on the same text file as dragnet: one thread, the library set up once, best and
   median of a few rounds. A round that would take more than --budget seconds on the whole text
   is run on a prefix instead (≥ 1 MB, cut at a narrative boundary), and the output says so.
   How the time grows is measured first (0.5 MB, then 1 MB): iocextract's IPv4 extractor
   rescans the whole text once per address it finds, so its time grows with the square of the
   size and its rate on a prefix flatters it.
2. its findings on every corpus narrative, mapped to dragnet's kinds, put into dragnet's
   canonical form by `extract canon`, with the corpus conventions applied to them as to the
   labels (crates/extract/corpus/WRITERS-READ-THIS.md):
   - a domain, IP or e-mail inside a URL the same tool found in the same text is dropped, and
     so is a domain inside an e-mail it found (labels never count them separately);
   - a `t.me/x` or `telegram.me/x` URL is the telegram account `@x`;
   - a host written `www.…` is a URL;
   - a 64-hex value is sha256 (neither tool knows PDQ).
   Then scored per kind exactly as dragnet's `extract::score::Score` does: per narrative, sets
   of (kind, canonical value); tp / fp / fn; precision and recall 1.0 on an empty denominator.
   A finding the canonicaliser rejects (a private IP is accepted: it is a trap, so a false
   positive anyway; `946 0123` as a phone is rejected) is a false positive with its value as
   the tool gave it. A kind the tool cannot produce at all is "not supported": not scored,
   shown as a dash.

Finally prints one table: F1 per kind of the three, the throughputs, and the comparison line.
Standard library only, apart from the two anchors.
"""

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import iocextract
from iocsearcher.searcher import Searcher

# dragnet's kinds, in the model's order.
KINDS = [
    "ipv4", "ipv6", "domain", "url", "email", "phone", "btc", "eth", "trx", "ltc", "iban",
    "md5", "sha1", "sha256", "pdq", "telegram", "remote-access",
]

# iocsearcher's type names (data/patterns.ini, searcher.py) → dragnet kinds. Its other types
# (cve, nif, uuid, solana, dogecoin, social handles, …) have no dragnet kind and are not asked for.
IOCSEARCHER_TYPES = {
    "ip4": "ipv4",
    "ip6": "ipv6",
    "fqdn": "domain",
    "url": "url",
    "email": "email",
    "phoneNumber": "phone",
    "bitcoin": "btc",
    "ethereum": "eth",
    "tron": "trx",
    "litecoin": "ltc",
    "iban": "iban",
    "md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "telegramHandle": "telegram",
}
IOCSEARCHER_TARGETS = sorted(IOCSEARCHER_TYPES)
IOCSEARCHER_KINDS = set(IOCSEARCHER_TYPES.values())

# iocextract's extractors (refang=True where it has the option) → dragnet kinds: extract_urls →
# url (and telegram through t.me links), extract_ips → ipv4/ipv6, extract_emails → email,
# extract_hashes → md5/sha1/sha256 (sha512 has no kind), extract_telephone_nums → phone (a
# North American pattern). No domain, wallet, IBAN or Telegram-handle extractor.
IOCEXTRACT_KINDS = {"ipv4", "ipv6", "url", "email", "phone", "md5", "sha1", "sha256", "telegram"}

TELEGRAM_HOSTS = {"t.me", "www.t.me", "telegram.me", "www.telegram.me"}
HEX_KINDS = {32: "md5", 40: "sha1", 64: "sha256"}


# ---------------------------------------------------------------------------------------------
# The anchors, as a user calls them


def iocsearcher_run(searcher, text, region):
    """iocsearcher's public API as its CLI calls it (`iocsearcher -p REGION`), on our targets."""
    iocs = searcher.search_data(text, targets=IOCSEARCHER_TARGETS)
    iocs.update(searcher.search_phone_numbers(text, region))
    return iocs


def iocextract_run(text):
    """iocextract's extractors for the kinds it has, refanging on."""
    out = list(iocextract.extract_urls(text, refang=True))
    out += iocextract.extract_ips(text, refang=True)
    out += iocextract.extract_emails(text, refang=True)
    out += iocextract.extract_hashes(text)
    out += iocextract.extract_telephone_nums(text)
    return out


# ---------------------------------------------------------------------------------------------
# Findings with their positions, for the containment convention
#
# A finding is a dict: kind (dragnet's), value (to canonicalise), spans (where it was written,
# [(start, end)], character offsets; empty when unknown).


def iocsearcher_findings(searcher, text, region):
    """The same search as iocsearcher_run, kept per match so positions are known."""
    found = []
    for m in searcher.search_matches(text, targets=IOCSEARCHER_TARGETS):
        kind = IOCSEARCHER_TYPES[m.name]
        value = "@" + m.value if kind == "telegram" else m.value
        span = (m.start_offset, m.start_offset + len(m.raw_value))
        found.append({"kind": kind, "value": value, "spans": [span]})
    for ioc in searcher.search_phone_numbers(text, region):
        found.append({"kind": "phone", "value": ioc.value, "spans": []})
    return found


def occurrences(text, raw, glued=False):
    """Every place `raw` is written in `text`; unless `glued`, only those not glued to letters
    or digits (`1.2.3.4` is not in `11.2.3.45`)."""
    spans, start = [], text.find(raw)
    while start >= 0 and raw:
        end = start + len(raw)
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        if glued or not (before.isalnum() or after.isalnum()):
            spans.append((start, end))
        start = text.find(raw, start + 1)
    return spans


def has_scheme(raw):
    """Whether iocextract's raw URL match names a scheme (`hxxp://`, `https[:]//`, `http__`, …)."""
    return "//" in raw or "__" in raw[:8] or "\\\\" in raw[:8]


def iocextract_findings(text):
    """The same extraction as iocextract_run: each raw match refanged with the function
    iocextract's refang=True applies to it, so positions are known and values identical."""
    found = []

    def add(kind, raw, value):
        found.append({"kind": kind, "value": value, "spans": occurrences(text, raw, kind == "url")})

    for raw in set(iocextract.extract_unencoded_urls(text)):
        value = iocextract.refang_data(raw)
        parts = urlsplit(value)
        bare = not has_scheme(raw) and parts.path in ("", "/") and not parts.query
        if bare and not parts.netloc.lower().startswith("www."):
            # `evil[.]com`, `1.2.3[.]4`, the `mail(.)ru` of `x[@]mail(.)ru`: its bracket
            # regex reports defanged bare hosts as URLs. By our conventions they are not URLs;
            # iocextract has no domain extractor, and finds the IPs with extract_ips.
            continue
        add("url", raw, value)
    for value in set(iocextract.extract_encoded_urls(text, refang=True)):
        found.append({"kind": "url", "value": value, "spans": []})
    for raw in set(iocextract.extract_ipv4s(text)):
        add("ipv4", raw, iocextract.refang_ipv4(raw))
    for raw in set(iocextract.extract_ipv6s(text)):
        add("ipv6", raw, raw)
    for raw in set(iocextract.extract_emails(text)):
        add("email", raw, iocextract.refang_email(raw))
    for raw in set(iocextract.extract_hashes(text)):
        kind = HEX_KINDS.get(len(raw))
        if kind:  # sha512 has no dragnet kind
            add(kind, raw, raw)
    for raw in set(iocextract.extract_telephone_nums(text)):
        add("phone", raw, raw)
    return found


def apply_conventions(found):
    """The corpus's labelling conventions, applied to one tool's findings in one text."""

    def spans_of(kinds):
        return [s for f in found if f["kind"] in kinds for s in f["spans"]]

    urls, emails = spans_of({"url"}), spans_of({"email"})

    def inside(span, containers):
        return any(c[0] <= span[0] and span[1] <= c[1] for c in containers)

    kept = []
    for f in found:
        containers = {"domain": urls + emails, "ipv4": urls, "ipv6": urls, "email": urls}.get(f["kind"])
        if containers is not None and f["spans"] and all(inside(s, containers) for s in f["spans"]):
            continue
        f = dict(f)
        if f["kind"] == "domain" and f["value"].lower().startswith("www."):
            f["kind"] = "url"
        if f["kind"] == "url" and telegram_link(f["value"]):
            f["kind"] = "telegram"  # canonicalised from the link; a url again if that fails
        kept.append(f)
    return kept


def telegram_link(url):
    s = url if "://" in url[:12] else "http://" + url
    try:
        parts = urlsplit(s)
        return (parts.hostname or "") in TELEGRAM_HOSTS and parts.path.strip("/") != ""
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------
# Canonicalisation through dragnet, and scoring as Score does


def canonicalise(extract_bin, requests):
    """One `extract canon` run over all requests: [(kind, value) or None]."""
    lines = "".join(json.dumps(r) + "\n" for r in requests)
    done = subprocess.run([extract_bin, "canon"], input=lines, capture_output=True, text=True, check=True)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == len(requests), "extract canon answered a different number of lines"
    return [(a["kind"], a["value"]) if a else None for a in answers]


def canonical_sets(extract_bin, samples, per_sample):
    """Each sample's findings as a set of canonical (kind, value); rejected ones counted."""
    requests, owners = [], []
    for i, (sample, found) in enumerate(zip(samples, per_sample)):
        for f in found:
            region = sample.get("region")
            requests.append({"kind": f["kind"], "value": f["value"], "region": region})
            owners.append((i, f))
            if f["kind"] == "telegram" and f["value"][:1] != "@":
                # a t.me link: the url it is if it is no telegram account
                requests.append({"kind": "url", "value": f["value"], "region": region})
                owners.append((i, None))
    answers = canonicalise(extract_bin, requests)
    sets = [set() for _ in samples]
    rejected = 0
    j = 0
    while j < len(requests):
        i, f = owners[j]
        answer = answers[j]
        fallback = j + 1 < len(requests) and owners[j + 1][1] is None
        if answer is None and fallback:
            answer = answers[j + 1]
        if answer is None:
            rejected += 1
            kind = "url" if fallback else f["kind"]
            answer = (kind, f["value"])
        sets[i].add(answer)
        j += 2 if fallback else 1
    return sets, rejected


def score(samples, found_sets, supported):
    """Per-kind tp/fp/fn over the corpus, only for the kinds the tool supports, and every
    mistake (as Score's misses)."""
    kinds, misses = {}, []
    for sample, found in zip(samples, found_sets):
        expected = {(l["kind"], l["value"]) for l in sample["expected"] if l["kind"] in supported}
        found = {f for f in found if f[0] in supported}
        for k, v in sorted(found):
            c = kinds.setdefault(k, {"tp": 0, "fp": 0, "fn": 0})
            if (k, v) in expected:
                c["tp"] += 1
            else:
                c["fp"] += 1
                misses.append({"sample": sample["id"], "kind": k, "value": v, "error": "false-positive"})
        for k, v in sorted(expected - found):
            kinds.setdefault(k, {"tp": 0, "fp": 0, "fn": 0})["fn"] += 1
            misses.append({"sample": sample["id"], "kind": k, "value": v, "error": "false-negative"})
    return kinds, misses


def ratio(a, b):
    return 1.0 if b == 0 else a / b


def f1(c):
    p, r = ratio(c["tp"], c["tp"] + c["fp"]), ratio(c["tp"], c["tp"] + c["fn"])
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


# ---------------------------------------------------------------------------------------------
# Throughput


def prefix(text, min_bytes):
    """The shortest run of whole narratives (blank-line separated) of at least min_bytes."""
    if len(text.encode()) <= min_bytes:
        return text
    cut = text.find("\n\n", min_bytes)  # characters ≥ bytes, so this is past min_bytes
    return text if cut < 0 else text[: cut + 2]


def throughput(name, run, text, rounds, budget):
    """Best and median MB/s of `run` on `text`, on a prefix if a whole round would not fit."""
    total = len(text.encode())

    def timed(part):
        started = time.perf_counter()
        run(part)
        return time.perf_counter() - started

    run(text[:10_000])  # warm-up: lazily loaded tables (phone metadata, compiled regexes)
    # Half a megabyte, then one: how the time grows with the size (iocextract's is quadratic).
    half = prefix(text, 500_000)
    t_half = timed(half)
    part = prefix(text, 1_000_000)
    t = timed(part)
    grow = 1.0
    if len(part) > len(half) and t_half > 0.05:
        grow = max(1.0, math.log(t / t_half) / math.log(len(part) / len(half)))
    while len(part) < len(text):
        nbytes = len(part.encode())
        if t * (total / nbytes) ** grow <= budget:
            part = text
            t = timed(part)
            break
        if t * 2**grow > budget:
            break  # not even twice as much fits: measure on this prefix
        t_prev, part_prev = t, part
        part = prefix(text, 2 * nbytes)
        t = timed(part)
        grow = max(1.0, math.log(t / t_prev) / math.log(len(part) / len(part_prev)))
    times = [t]
    while len(times) < rounds and sum(times) + t <= budget:
        times.append(timed(part))
    nbytes = len(part.encode())
    result = {
        "tool": name,
        "bytes": nbytes,
        "rounds": len(times),
        "best_secs": min(times),
        "best_mb_s": nbytes / 1e6 / min(times),
        "median_mb_s": nbytes / 1e6 / statistics.median(times),
        "growth_exponent": round(grow, 2),
    }
    if nbytes < total:
        result["prefix_of_bytes"] = total
    print(f"  {name}: {describe(result)}", file=sys.stderr)
    return result


def rate(x):
    """Three significant digits, never in exponent form."""
    return f"{x:.1f}" if x >= 100 else f"{x:.3g}" if x >= 0.001 else f"{x:.6f}"


def describe(t):
    s = f"{rate(t['best_mb_s'])} MB/s (best of {t['rounds']}, median {rate(t['median_mb_s'])}) on {t['bytes'] / 1e6:.2f} MB"
    if "prefix_of_bytes" in t:
        s += (f", a prefix of the {t['prefix_of_bytes'] / 1e6:.1f} MB text: one round on all of it"
              f" would exceed the time box")
    if t["growth_exponent"] >= 1.3:
        s += f" (its time grows as size^{t['growth_exponent']:.1f}, so a prefix flatters it)"
    return s


# ---------------------------------------------------------------------------------------------


def load_corpus(directory):
    samples = []
    for path in sorted(Path(directory).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                samples.append(json.loads(line))
    if not samples:
        sys.exit(f"no narratives in {directory}/*.jsonl")
    return samples


def table(samples, tools, dragnet):
    """The per-kind F1 table and the shared-kind tally."""
    labels = {}
    for s in samples:
        for k in {(l["kind"], l["value"]) for l in s["expected"]}:
            labels[k[0]] = labels.get(k[0], 0) + 1
    seen = set(labels) | set(dragnet["kinds"]) | {k for t in tools for k in t["kinds"]}
    kinds = [k for k in KINDS if k in seen] + sorted(seen - set(KINDS))
    names = ["dragnet"] + [t["tool"] for t in tools]
    lines = [f"{'kind':<14} {'labels':>6}  " + "  ".join(f"{n:>11}" for n in names)]
    shared = wins = 0
    for k in kinds:
        ours = f1(dragnet["kinds"].get(k, {"tp": 0, "fp": 0, "fn": 0}))
        cells = [f"{ours:>11.3f}"]
        best = None
        for t in tools:
            if k in t["supported"]:
                theirs = f1(t["kinds"].get(k, {"tp": 0, "fp": 0, "fn": 0}))
                cells.append(f"{theirs:>11.3f}")
                best = theirs if best is None else max(best, theirs)
            else:
                cells.append(f"{'—':>11}")
        if best is not None and labels.get(k, 0) > 0:
            shared += 1
            wins += ours >= best - 1e-9
        lines.append(f"{k:<14} {labels.get(k, 0):>6}  " + "  ".join(cells))
    return "\n".join(lines), shared, wins


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, help="directory of *.jsonl labelled narratives")
    ap.add_argument("--text", required=True, help="the benchmark text (extract corpus-text)")
    ap.add_argument("--extract", required=True, help="the extract binary (for `extract canon`)")
    ap.add_argument("--dragnet-score", required=True, help="JSON of `extract score`")
    ap.add_argument("--dragnet-throughput", required=True, help="JSON of `extract throughput`")
    ap.add_argument("--out", help="write every count and the anchors' throughput here (JSON)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--budget", type=float, default=120.0, help="seconds per anchor for throughput")
    args = ap.parse_args()

    samples = load_corpus(args.corpus)
    text = Path(args.text).read_text(encoding="utf-8")
    dragnet = json.loads(Path(args.dragnet_score).read_text())
    dragnet_tp = json.loads(Path(args.dragnet_throughput).read_text())

    searcher = Searcher()  # built once: reads its patterns, TLD and scheme lists
    versions = {"iocsearcher": package_version("iocsearcher"), "iocextract": package_version("iocextract")}

    print("anchors: scoring on the corpus…", file=sys.stderr)
    tools = []
    for name, findings, supported in [
        ("iocsearcher", lambda s: iocsearcher_findings(searcher, s["text"], s.get("region")), IOCSEARCHER_KINDS),
        ("iocextract", lambda s: iocextract_findings(s["text"]), IOCEXTRACT_KINDS),
    ]:
        per_sample = [apply_conventions(findings(s)) for s in samples]
        sets, rejected = canonical_sets(args.extract, samples, per_sample)
        kinds, misses = score(samples, sets, supported)
        tools.append({
            "tool": name,
            "version": versions[name],
            "supported": sorted(supported),
            "kinds": kinds,
            "rejected_by_canonicaliser": rejected,
            "misses": misses,
        })

    print(f"anchors: throughput on {args.text}…", file=sys.stderr)
    tools[0]["throughput"] = throughput(
        "iocsearcher", lambda t: iocsearcher_run(searcher, t, "US"), text, args.rounds, args.budget
    )
    tools[1]["throughput"] = throughput("iocextract", iocextract_run, text, args.rounds, args.budget)

    if args.out:
        Path(args.out).write_text(json.dumps({"samples": len(samples), "anchors": tools}, indent=2))

    rows, shared, wins = table(samples, tools, dragnet)
    ours = dragnet_tp["best_mb_s"]
    print(f"extraction F1 per kind on {len(samples)} labelled narratives "
          f"(iocsearcher {versions['iocsearcher']}, iocextract {versions['iocextract']}; — not supported)")
    print(rows)
    print()
    print("throughput, one thread:")
    print(f"  dragnet      {rate(ours)} MB/s (best of {dragnet_tp['rounds']}, median "
          f"{rate(dragnet_tp['median_mb_s'])}) on {dragnet_tp['bytes'] / 1e6:.2f} MB, "
          f"{dragnet_tp['findings']} findings")
    for t in tools:
        print(f"  {t['tool']:<12} {describe(t['throughput'])}")
    s, x = tools[0]["throughput"]["best_mb_s"], tools[1]["throughput"]["best_mb_s"]
    print(f"extract: dragnet {rate(ours)} MB/s vs iocsearcher {rate(s)} MB/s = {ours / s:.1f}× (target ≥ 50×), "
          f"vs iocextract {rate(x)} MB/s = {ours / x:.1f}×; F1 ≥ best anchor on {wins}/{shared} shared kinds")


def package_version(name):
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
