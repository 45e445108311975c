#!/usr/bin/env python3
"""TAXII 2.1 paging: dragnet beside OASIS medallion (memory backend), run by bench/taxii.

Both servers hold the same N STIX 2.1 indicators (one version each) in one collection; one
Python client (urllib, keep-alive off, the same for both) reads every page of `objects/` and
then of `manifest/` with limit=1000, following `next` while `more` is true, and checks it got N
distinct ids. dragnet is loaded with `dragnet import stix` (the engine's add path) into an
organisation's collection and read with a reader token; medallion gets a memory-backend data
file with the objects and their manifest entries, and HTTP Basic credentials. Load times are
not compared (medallion has no bulk import); the timed part is the paging only. dragnet is
also timed alone on --large objects (medallion's memory backend matches manifest entries to
objects pairwise, quadratic in the collection size, so it is not run there).

Prints a table and, last, the comparison line.
"""

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

ACCEPT = "application/taxii+json;version=2.1"


def indicators(n):
    return [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.UUID(int=i + 1, version=4)}",
            "created": "2020-01-01T00:00:00.000Z",
            "modified": "2020-01-01T00:00:00.000Z",
            "name": f"indicator {i}",
            "pattern": f"[ipv4-addr:value = '10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}']",
            "pattern_type": "stix",
            "valid_from": "2020-01-01T00:00:00Z",
        }
        for i in range(n)
    ]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, auth, timeout=60):
    start = time.time()
    while time.time() - start < timeout:
        try:
            get(url, auth)
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up")


def get(url, auth):
    req = urllib.request.Request(url, headers={"Accept": ACCEPT, "Authorization": auth})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def page_all(base, kind, auth):
    start = time.perf_counter()
    ids, pages, nxt = set(), 0, None
    while True:
        url = f"{base}{kind}/?limit=1000" + (f"&next={nxt}" if nxt else "")
        v = get(url, auth)
        ids.update(o["id"] for o in v.get("objects", []))
        pages += 1
        if not v.get("more"):
            break
        nxt = v["next"]
    return time.perf_counter() - start, len(ids), pages


def run_dragnet(exe, out, objs):
    data = os.path.join(out, "dragnet-data")
    shutil.rmtree(data, ignore_errors=True)
    bundle = os.path.join(out, "bundle.json")
    with open(bundle, "w") as f:
        json.dump({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs}, f)
    run = lambda *a: subprocess.run([exe, "--data", data, *a], check=True, capture_output=True, text=True).stdout
    run("admin", "org", "create", "Bench")
    run("import", "stix", bundle, "--org", "Bench")
    token = run("admin", "token", "create", "--org", "Bench", "--role", "reader").strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen([exe, "--data", data, "serve", "--listen", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        auth = f"Bearer {token}"
        root = f"http://127.0.0.1:{port}/taxii2/api/"
        wait_up(f"http://127.0.0.1:{port}/taxii2/", auth)
        coll = get(root + "collections/", auth)["collections"][0]["id"]
        base = f"{root}collections/{coll}/"
        return {kind: page_all(base, kind, auth) for kind in ("objects", "manifest")}
    finally:
        server.terminate()
        server.wait()


def run_medallion(exe, out, objs):
    coll = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
    manifest = [
        {"id": o["id"], "date_added": f"2021-01-01T00:00:{i // 1000000:02d}.{i % 1000000:06d}Z",
         "version": o["modified"], "media_type": "application/stix+json;version=2.1"}
        for i, o in enumerate(objs)
    ]
    data = {
        "/discovery": {"title": "bench", "default": "http://127.0.0.1/api1/", "api_roots": ["http://127.0.0.1/api1/"]},
        "api1": {
            "information": {"title": "bench", "versions": [ACCEPT], "max_content_length": 100000000},
            "status": [],
            "collections": [{"id": coll, "title": "bench", "can_read": True, "can_write": True,
                             "media_types": ["application/stix+json;version=2.1"],
                             "objects": objs, "manifest": manifest}],
        },
    }
    data_file = os.path.join(out, "medallion-data.json")
    with open(data_file, "w") as f:
        json.dump(data, f)
    config = os.path.join(out, "medallion-config.json")
    with open(config, "w") as f:
        json.dump({"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                               "filename": data_file},
                   "users": {"bench": "bench"}, "taxii": {"max_page_size": 1000}}, f)
    port = free_port()
    server = subprocess.Popen([exe, "--port", str(port), "--log-level", "ERROR", config],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        auth = "Basic " + base64.b64encode(b"bench:bench").decode()
        wait_up(f"http://127.0.0.1:{port}/taxii2/", auth)
        base = f"http://127.0.0.1:{port}/api1/collections/{coll}/"
        return {kind: page_all(base, kind, auth) for kind in ("objects", "manifest")}
    finally:
        server.terminate()
        server.wait()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dragnet", required=True)
    p.add_argument("--medallion", required=True)
    p.add_argument("--objects", type=int, default=10000)
    p.add_argument("--large", type=int, default=100000)
    p.add_argument("--out", default="target/bench-taxii")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    objs = indicators(a.objects)
    d = run_dragnet(a.dragnet, a.out, objs)
    m = run_medallion(a.medallion, a.out, objs)
    big = run_dragnet(a.dragnet, a.out, indicators(a.large)) if a.large else None
    print(f"{'server':<12}{'objects':>10}{'endpoint':>10}{'pages':>7}{'seconds':>10}{'objects/s':>12}")
    rows = [("dragnet", a.objects, d), ("medallion", a.objects, m)] + ([("dragnet", a.large, big)] if big else [])
    for name, n, res in rows:
        for kind, (secs, got, pages) in res.items():
            if got != n:
                raise SystemExit(f"{name} {kind}: {got} distinct objects of {n}")
            print(f"{name:<12}{n:>10}{kind:>10}{pages:>7}{secs:>10.3f}{n / secs:>12.0f}")
    ratio_o = m["objects"][0] / d["objects"][0]
    ratio_m = m["manifest"][0] / d["manifest"][0]
    tail = f", dragnet {a.large} objects {big['objects'][0]:.2f} s" if big else ""
    print(f"taxii paging {a.objects} objects by 1000: objects dragnet {d['objects'][0]:.3f} s vs medallion "
          f"{m['objects'][0]:.3f} s ({ratio_o:.1f}x), manifest {d['manifest'][0]:.3f} s vs {m['manifest'][0]:.3f} s "
          f"({ratio_m:.1f}x){tail}")


if __name__ == "__main__":
    sys.exit(main())
