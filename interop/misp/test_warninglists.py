"""MISP's warning lists as PyPI's pymispwarninglists bundles them load in dragnet, and dragnet
answers like pymispwarninglists (slow_search, MISP's matching rules) for a sample of values of
every list type: entries, subdomains and URLs of hostname entries, values around substring
entries, first, last and neighbouring addresses of networks. pymispwarninglists has no regex
matching: regex lists are compared with Python's re, as PHP's preg_match reads the patterns.
Where dragnet deliberately reads more than MISP (host names case-insensitively, entries with
`*.` or a leading dot, networks written with host bits set, string entries in their canonical
form) a difference is allowed only with that explanation, and the figures are printed."""

import ipaddress
import json
import os
import random
import re
import subprocess
import time

import pytest
from pymispwarninglists import WarningLists

from conftest import BIN, WARNINGLISTS

PER_LIST = 4
RNG = random.Random(20261129)


@pytest.fixture(scope="module")
def misp_lists() -> WarningLists:
    return WarningLists(slow_search=True)


def dragnet_check(values: list[str]) -> list[dict]:
    out = []
    for i in range(0, len(values), 2000):
        chunk = values[i : i + 2000]
        p = subprocess.run(
            [BIN, "warninglists", "check", "--json", "--warninglists", str(WARNINGLISTS), "--log", "error", "--", *chunk],
            capture_output=True, text=True, timeout=600,
        )
        assert p.returncode in (0, 1), p.stderr
        out.extend(json.loads(line) for line in p.stdout.splitlines())
    assert len(out) == len(values)
    return out


def test_the_full_set_loads_with_every_list(misp_lists):
    started = time.monotonic()
    p = subprocess.run([BIN, "warninglists", "list", "--json", "--warninglists", str(WARNINGLISTS), "--log", "error"],
                       capture_output=True, text=True, timeout=600, check=True)
    wall = time.monotonic() - started
    info = json.loads(p.stdout)
    names = {l["name"] for l in info["lists"]}
    missing = set(misp_lists.warninglists) - names
    assert not missing, missing
    entries = sum(len(wl.list) for wl in misp_lists.warninglists.values())
    skipped = sum(l["skipped"] for l in info["lists"])
    print(f"\nwarning lists: {len(misp_lists)} MISP lists, {entries} entries; dragnet loaded {info['entries']} "
          f"usable entries ({skipped} skipped) in {info['load_seconds']:.3f} s ({wall:.3f} s for the whole "
          f"command) with {os.path.basename(BIN)} ({os.environ.get('DRAGNET_BUILD', 'debug')} build)")
    if os.environ.get("DRAGNET_BUILD") == "release":
        assert info["load_seconds"] < 2.0, "loading the full set must take under 2 s in a release build"


def regex_of(pattern: str):
    """A PHP pattern `/body/flags` as Python's re reads it (i, m, s, x; g is not PCRE and is
    ignored; u needs nothing)."""
    m = re.fullmatch(r"(.)(.*)\1([a-zA-Z]*)", pattern, re.S)
    body, flags = (m.group(2), m.group(3)) if m else (pattern, "")
    f = 0
    for c in flags:
        f |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}.get(c, 0)
    return re.compile(body, f)


def samples(misp_lists) -> dict[str, list[str]]:
    by_type: dict[str, list[str]] = {t: [] for t in ("string", "substring", "hostname", "cidr", "regex")}
    for wl in misp_lists.warninglists.values():
        entries = [e for e in wl.list if isinstance(e, str) and e == e.strip() and e]
        pick = RNG.sample(entries, min(PER_LIST, len(entries)))
        if wl.type == "string":
            by_type["string"] += pick
        elif wl.type == "substring":
            by_type["substring"] += [f"x{e}" for e in pick] + [f"{e}.example" for e in pick]
        elif wl.type == "hostname":
            hosts = [e for e in pick if re.fullmatch(r"[a-z0-9.-]+", e) and not e.startswith(".")]
            by_type["hostname"] += hosts + [f"mail.{h}" for h in hosts] + [f"https://login.{h}/x" for h in hosts]
            by_type["hostname"] += [f"not{h}" for h in hosts]
        elif wl.type == "cidr":
            for e in pick:
                try:
                    net = ipaddress.ip_network(e)
                except ValueError:
                    continue
                by_type["cidr"] += [str(net.network_address), str(net.broadcast_address)]
                if int(net.network_address) > 0:
                    by_type["cidr"].append(str(net.network_address - 1))
    by_type["regex"] = ["+12125550142", "2125550142", "+33199001234", "0033269000000", "abuse@example.com",
                        "NOC@example.org", "john@example.com", "security@sub.example.net", "security@example"]
    for t in by_type:
        by_type[t].append(f"dragnet-not-on-any-{t}-list.example")
    return by_type


def explained(value: str, name: str, wl, dragnet_only: bool) -> str | None:
    """Why dragnet and MISP may differ on `value` for list `wl`, or None."""
    v = value.lower()
    if wl.type == "hostname" and dragnet_only:
        host = re.sub(r"^[a-z]+://", "", v).split("/")[0]
        for e in wl.list:
            n = e.strip().lower()
            if "://" in n:
                n = n.split("://", 1)[1].split("/")[0].split("@")[-1]
            n = re.sub(r":[0-9]+$", "", n)
            while n.startswith("*."):
                n = n[2:]
            n = n.strip(".")
            if n and n != e and (host == n or host.endswith("." + n)):
                return f"hostname entry {e!r} normalised to {n!r}"
    if wl.type == "cidr" and dragnet_only:
        for e in wl.list:
            try:
                ipaddress.ip_network(e)
            except ValueError:
                try:
                    if ipaddress.ip_address(value) in ipaddress.ip_network(e, strict=False):
                        return f"network {e!r} written with host bits set"
                except ValueError:
                    pass
    if wl.type == "string" and dragnet_only:
        for e in wl.list:
            if e.strip().lower().rstrip("./") == v.rstrip("./"):
                return f"string entry {e!r} in its canonical form"
    return None


def test_dragnet_answers_like_pymispwarninglists_for_every_list_type(misp_lists):
    by_type = samples(misp_lists)
    values = [v for vs in by_type.values() for v in vs]
    answers = dict(zip(values, dragnet_check(values)))
    regexes = {name: [regex_of(p) for p in wl.list] for name, wl in misp_lists.warninglists.items() if wl.type == "regex"}
    report = []
    unexplained = []
    for t, vs in by_type.items():
        agree = differ_explained = listed = other_form = 0
        for v in vs:
            if answers[v]["canonical"] not in (None, v):
                # dragnet also compares the canonical form (an IPv4-mapped address written as
                # ::ffff:a.b.c.d, a URL with its trailing slash): not comparable with MISP's
                # answer for the value as written.
                other_form += 1
                continue
            expected = {wl.name for wl in misp_lists.search(v)}
            expected |= {name for name, rs in regexes.items() if any(r.search(v) for r in rs)}
            got = {l["name"] for l in answers[v]["lists"] if not l["name"].startswith("dragnet: ")}
            listed += bool(expected)
            if got == expected:
                agree += 1
                continue
            reasons = []
            for name in got ^ expected:
                why = explained(v, name, misp_lists[name], name in got)
                (reasons if why else unexplained).append(why or f"{t} sample {v!r}: list {name!r} ({misp_lists[name].type}) "
                                                                f"{'dragnet only' if name in got else 'MISP only'}")
            differ_explained += not any(r for r in unexplained if repr(v) in r)
        report.append(f"{t}: {len(vs)} values, {other_form} with another canonical form not compared, {listed} on "
                      f"a MISP list, {agree} identical answers, {differ_explained} differing only where dragnet "
                      f"normalises")
    print("\n" + "\n".join(report))
    assert not unexplained, "\n".join(unexplained[:40])
    # Every type was really exercised: most samples are on a list, and each type has agreements.
    for line in report:
        assert " 0 identical" not in line, line


def test_matching_attributes_decide_what_dragnet_flags():
    p = subprocess.run([BIN, "warninglists", "check", "--json", "--warninglists", str(WARNINGLISTS), "--log", "error",
                        "8.8.8.8", "google.com", "abuse@example.com"], capture_output=True, text=True, timeout=600)
    by_value = {a["value"]: a for a in map(json.loads, p.stdout.splitlines())}
    dns = {l["name"]: l for l in by_value["8.8.8.8"]["lists"]}
    assert dns["List of known IPv4 public DNS resolvers"]["type"] == "cidr"
    assert dns["List of known IPv4 public DNS resolvers"]["applies"] is True
    google = {l["name"]: l for l in by_value["google.com"]["lists"]}
    assert any(l["type"] == "hostname" and l["applies"] for l in google.values()), google
    contact = {l["name"]: l for l in by_value["abuse@example.com"]["lists"]}
    assert contact["Common contact e-mail addresses"]["type"] == "regex"
    assert contact["Common contact e-mail addresses"]["applies"] is True
