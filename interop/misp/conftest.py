"""Shared helpers of the MISP interop suite: the dragnet binary under test, fresh data
directories with the organisations and community the tests use, and MISP's warning lists as
pymispwarninglists bundles them."""

import json
import os
import pathlib
import subprocess

import pymispwarninglists
import pytest

BIN = os.environ.get("DRAGNET_BIN", "target/debug/dragnet")
IMPORTER = "MISP Importer"
OTHER = "Other Org"
OUTSIDER = "Outsider Org"
COMMUNITY = "Elder Fraud Taskforce"
WARNINGLISTS = pathlib.Path(pymispwarninglists.__file__).parent / "data" / "misp-warninglists" / "lists"


class Dragnet:
    """One dragnet data directory, driven through the CLI."""

    def __init__(self, data: pathlib.Path):
        self.data = data

    def run(self, *args: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
        p = subprocess.run([BIN, *args, "--data", str(self.data)], capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"dragnet {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
        return p

    def export_report(self, event_uuid: str, org: str = IMPORTER) -> dict:
        p = self.run("export", "misp", "--report", event_uuid, "--org", org)
        return json.loads(p.stdout)


def make_dragnet(path: pathlib.Path) -> Dragnet:
    d = Dragnet(path)
    for org in (IMPORTER, OTHER, OUTSIDER):
        d.run("admin", "org", "create", org)
    d.run("admin", "community", "create", COMMUNITY, "--member", IMPORTER, "--member", OTHER)
    return d


@pytest.fixture
def dragnet(tmp_path) -> Dragnet:
    return make_dragnet(tmp_path / "data")
