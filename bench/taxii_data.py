"""bench/taxii's data and client: generates N STIX 2.1 indicators (deterministic ids, patterns and
timestamps) as an OASIS medallion memory-backend data file with one API root (`bench`) and one
collection, and pages every object out of a TAXII 2.1 server with one keep-alive requests session
per round, checking that exactly the generated ids came back.

Usage: taxii_data.py gen --count N --out FILE
       taxii_data.py pull --url COLLECTION_URL (--basic USER:PASSWORD | --token T) --count N
                          [--limit 1000] [--rounds 3]          (prints one JSON line)
       taxii_data.py table MEDALLION.json DRAGNET.json          (the table and the last line)
"""

import argparse
import datetime
import hashlib
import json
import sys
import time
import uuid

import requests

NAMESPACE = uuid.UUID("8f1a5d52-4c7b-4f0e-9a43-2b1f0f6d7c11")
COLLECTION = "2a0c9f3e-6b1d-4e8a-9c57-0d3e1f2a4b6c"
START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
TAXII = "application/taxii+json;version=2.1"


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def object_id(n):
    return f"indicator--{uuid.uuid5(NAMESPACE, str(n))}"


def pattern(n):
    kind = n % 4
    if kind == 0:
        return f"[ipv4-addr:value = '10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}']"
    if kind == 1:
        return f"[domain-name:value = 'host-{n}.bench.example']"
    if kind == 2:
        return f"[file:hashes.'SHA-256' = '{hashlib.sha256(str(n).encode()).hexdigest()}']"
    return f"[url:value = 'https://bench.example/{n}/login']"


def generate(count):
    objects, manifest = [], []
    for n in range(count):
        t = START + datetime.timedelta(seconds=n)
        oid = object_id(n)
        objects.append({
            "type": "indicator",
            "spec_version": "2.1",
            "id": oid,
            "created": stamp(t),
            "modified": stamp(t),
            "name": f"bench indicator {n}",
            "indicator_types": ["malicious-activity"],
            "pattern": pattern(n),
            "pattern_type": "stix",
            "valid_from": stamp(t),
        })
        added = t + datetime.timedelta(milliseconds=500)
        manifest.append({
            "id": oid,
            "date_added": added.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "version": stamp(t),
            "media_type": "application/stix+json;version=2.1",
        })
    return {
        "/discovery": {
            "title": "bench/taxii",
            "description": "generated indicators",
            "default": "http://localhost:5000/bench/",
            "api_roots": ["http://localhost:5000/bench/"],
        },
        "bench": {
            "information": {
                "title": "bench",
                "description": "generated indicators",
                "versions": [TAXII],
                "max_content_length": 104857600,
            },
            "status": [],
            "collections": [{
                "id": COLLECTION,
                "title": "bench indicators",
                "description": f"{count} generated STIX 2.1 indicators",
                "can_read": True,
                "can_write": False,
                "media_types": ["application/stix+json;version=2.1"],
                "objects": objects,
                "manifest": manifest,
            }],
        },
    }


def pull(url, auth, token, count, limit, rounds):
    want = {object_id(n) for n in range(count)}
    times = []
    for _ in range(rounds):
        s = requests.Session()
        s.headers["Accept"] = TAXII
        if token:
            s.headers["Authorization"] = f"Bearer {token}"
        else:
            s.auth = tuple(auth.split(":", 1))
        ids, params, pages = [], {"limit": str(limit)}, 0
        began = time.perf_counter()
        while True:
            r = s.get(url, params=params)
            if r.status_code != 200:
                sys.exit(f"GET {r.url}: {r.status_code} {r.text[:300]}")
            page = r.json()
            pages += 1
            ids.extend(o["id"] for o in page.get("objects", []))
            if not page.get("more"):
                break
            params["next"] = page["next"]
        seconds = time.perf_counter() - began
        s.close()
        if len(ids) != count or set(ids) != want:
            sys.exit(f"{url}: {len(ids)} objects ({len(set(ids))} distinct, {len(set(ids) & want)} generated) "
                     f"instead of the {count} generated")
        times.append(seconds)
    return {"objects": count, "pages": pages, "seconds": times, "best": min(times)}


def table(medallion, dragnet):
    rows = [("medallion 3.0.0", medallion), ("dragnet", dragnet)]
    rounds = max(len(m["seconds"]) for _, m in rows)
    print(f"{'server':<16} {'objects':>8} {'pages':>6} " + " ".join(f"{'round ' + str(i + 1):>9}" for i in range(rounds))
          + f" {'best s':>8} {'objects/s':>10}")
    for name, m in rows:
        print(f"{name:<16} {m['objects']:>8} {m['pages']:>6} " + " ".join(f"{s:>9.3f}" for s in m["seconds"])
              + f" {m['best']:>8.3f} {m['objects'] / m['best']:>10,.0f}")
    d = dragnet["objects"] / dragnet["best"]
    m = medallion["objects"] / medallion["best"]
    note = ""
    if medallion["objects"] != dragnet["objects"]:
        note = f"; medallion paged {medallion['objects']:,} objects, dragnet {dragnet['objects']:,}"
    print(f"taxii: dragnet {d:,.0f} objects/s vs medallion {m:,.0f} objects/s ({d / m:.1f}×, target ≥ 20×{note})")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--count", type=int, required=True)
    g.add_argument("--out", required=True)
    q = sub.add_parser("pull")
    q.add_argument("--url", required=True)
    q.add_argument("--basic")
    q.add_argument("--token")
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--limit", type=int, default=1000)
    q.add_argument("--rounds", type=int, default=3)
    t = sub.add_parser("table")
    t.add_argument("medallion")
    t.add_argument("dragnet")
    a = p.parse_args()
    if a.cmd == "gen":
        with open(a.out, "w", encoding="utf-8") as f:
            json.dump(generate(a.count), f)
    elif a.cmd == "pull":
        if bool(a.basic) == bool(a.token):
            sys.exit("pull: give --basic USER:PASSWORD or --token T")
        print(json.dumps(pull(a.url, a.basic, a.token, a.count, a.limit, a.rounds)))
    else:
        with open(a.medallion) as f1, open(a.dragnet) as f2:
            table(json.load(f1), json.load(f2))


if __name__ == "__main__":
    main()
