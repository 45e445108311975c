"""Every STIX bundle dragnet exports passes the OASIS stix2-validator (STIX 2.1) with 0 errors:
every demo campaign, reports of each kind and TLP, several networks; over HTTP and from the CLI
(`dragnet export stix`), the two giving the same objects."""

import json
import os
import subprocess
import tempfile
from urllib.parse import quote

import pytest
from stix2validator import ValidationOptions, validate_instance

from conftest import FIGURES, describe

KINDS = ["intel", "scam"]
TLPS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
REPORTS_PER_KIND_AND_TLP = 3
NETWORKS = 5
CLI_SAMPLES = 2
OPTIONS = ValidationOptions(version="2.1")


@pytest.fixture(scope="module")
def api(target, dragnet):
    s = target.session(token=dragnet["demo_token"])
    s.headers["Accept"] = "application/json"
    return s, f"{target.base}/api/v1"


def http_bundle(session, url):
    r = session.get(url)
    assert r.status_code == 200, describe(r)
    return r.json()


def cli_bundle(dragnet, flag, ident):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bundle.json")
        cmd = [dragnet["bin"], "export", "stix", flag, ident, "--org", dragnet["demo_org"], "--data", dragnet["data"],
               "-o", out]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr}"
        with open(out, encoding="utf-8") as f:
            return json.load(f)


def errors_of(bundle):
    assert bundle.get("type") == "bundle", str(bundle)[:300]
    assert bundle.get("objects"), f"{bundle.get('id')}: an empty bundle"
    result = validate_instance(bundle, OPTIONS)
    return [str(e) for e in result.errors]


def check_all(bundles, what):
    """bundles: (label, bundle) pairs; fails listing every bundle with errors."""
    objects = sum(len(b["objects"]) for _, b in bundles)
    FIGURES.append(f"stix2-validator: {len(bundles)} {what} bundles ({objects} objects) validated")
    bad = {}
    for label, bundle in bundles:
        errors = errors_of(bundle)
        if errors:
            bad[label] = errors
    assert not bad, f"{len(bad)} of {len(bundles)} bundles have validation errors:\n" + "\n".join(
        f"  {label}: {errors[:5]}" for label, errors in bad.items()
    )


def same_objects(http, cli, label):
    by_id = lambda b: {o["id"]: o for o in b["objects"]}  # noqa: E731
    assert by_id(http) == by_id(cli), f"{label}: the HTTP and CLI exports differ"


def test_every_campaign(api, dragnet):
    s, base = api
    r = s.get(f"{base}/campaigns", params={"limit": "1000"})
    assert r.status_code == 200, describe(r)
    campaigns = [c["id"] for c in r.json()["items"]]
    assert campaigns, "the demo organisation sees no campaign"
    bundles = [(f"campaign {c}", http_bundle(s, f"{base}/campaigns/{c}/stix")) for c in campaigns]
    for c, (_, http) in list(zip(campaigns, bundles))[:CLI_SAMPLES]:
        cli = cli_bundle(dragnet, "--campaign", str(c))
        same_objects(http, cli, f"campaign {c}")
        bundles.append((f"campaign {c} (cli)", cli))
    check_all(bundles, "campaign")


def test_reports_of_each_kind_and_tlp(api, dragnet):
    s, base = api
    bundles, combinations = [], 0
    for kind in KINDS:
        for tlp in TLPS:
            r = s.get(f"{base}/reports", params={"kind": kind, "tlp": tlp, "limit": str(REPORTS_PER_KIND_AND_TLP)})
            assert r.status_code == 200, describe(r)
            ids = [rep["id"] for rep in r.json()["items"]]
            if ids:
                combinations += 1
            for n, rid in enumerate(ids):
                http = http_bundle(s, f"{base}/reports/{rid}/stix")
                bundles.append((f"{kind} {tlp} report {rid}", http))
                if n == 0:
                    cli = cli_bundle(dragnet, "--report", str(rid))
                    same_objects(http, cli, f"report {rid}")
                    bundles.append((f"{kind} {tlp} report {rid} (cli)", cli))
    assert combinations >= 6, f"the demo organisation sees reports of only {combinations} kind and TLP pairs"
    check_all(bundles, "report")


def test_networks(api, dragnet):
    s, base = api
    r = s.get(f"{base}/graph/networks", params={"limit": str(NETWORKS)})
    assert r.status_code == 200, describe(r)
    networks = [n["id"] for n in r.json()["networks"]]
    assert networks, "the demo organisation sees no network"
    bundles = [(f"network {n}", http_bundle(s, f"{base}/graph/networks/{quote(str(n), safe='')}/stix")) for n in networks]
    for n, (_, http) in list(zip(networks, bundles))[:CLI_SAMPLES]:
        cli = cli_bundle(dragnet, "--network", str(n))
        same_objects(http, cli, f"network {n}")
        bundles.append((f"network {n} (cli)", cli))
    check_all(bundles, "network")
