"""A MISP feed of 1,000 events generated with PyMISP, a few deliberately malformed, imports
from a directory and from a feed URL with a progress bar: every malformed event is reported
by file name and reason and every other one is imported. dragnet's own feed export matches
what PyMISP's feed generator computes for it."""

import http.server
import json
import os
import pathlib
import pty
import re
import shutil
import threading

import pytest
from pymisp import MISPEvent, MISPOrganisation
from pymisp.tools.feed import feed_meta_generator

from conftest import BIN, IMPORTER, make_dragnet

EVENTS = 1000
MALFORMED = 6


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> tuple[pathlib.Path, dict]:
    """A feed directory: 994 good events, then 6 malformed ones, all in the manifest."""
    d = tmp_path_factory.mktemp("feed")
    for i in range(EVENTS - MALFORMED):
        ev = MISPEvent()
        ev.info = f"feed event {i}"
        ev.Orgc = MISPOrganisation()
        ev.Orgc.name = "Feed Publisher"
        ev.Orgc.uuid = "5f1e3c32-0a3a-4e7b-9a49-7b7c0e0d1c99"
        ev.add_tag("tlp:clear")
        ev.add_attribute("domain", f"feed-{i}.example.com")
        ev.add_attribute("ip-dst", f"198.51.{i // 250}.{i % 250 + 1}")
        ev.add_attribute("btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT")
        (d / f"{ev.uuid}.json").write_text(json.dumps(ev.to_feed(with_meta=False)))
    feed_meta_generator(d)
    manifest = json.loads((d / "manifest.json").read_text())
    assert len(manifest) == EVENTS - MALFORMED
    bad = {}

    def listed(uuid, text=None):
        manifest[uuid] = {"info": "malformed", "Orgc": {"name": "Feed Publisher"}, "Tag": [], "date": "2026-01-01",
                          "analysis": 2, "threat_level_id": 4, "timestamp": 0}
        if text is not None:
            (d / f"{uuid}.json").write_text(text)

    bad["truncated"] = "aaaaaaaa-0000-4000-8000-000000000001"
    listed(bad["truncated"], '{"Event": {"uuid": "aaaaaaaa-0000-4000-8000-000000000001", "info": ')
    bad["not json"] = "aaaaaaaa-0000-4000-8000-000000000002"
    listed(bad["not json"], "<html>not found</html>")
    bad["no uuid"] = "aaaaaaaa-0000-4000-8000-000000000003"
    listed(bad["no uuid"], json.dumps({"Event": {"info": "an event without its uuid"}}))
    bad["bad uuid"] = "aaaaaaaa-0000-4000-8000-000000000004"
    listed(bad["bad uuid"], json.dumps({"Event": {"uuid": "not-a-uuid", "info": "x"}}))
    bad["missing"] = "aaaaaaaa-0000-4000-8000-000000000005"
    listed(bad["missing"])
    bad["not an event"] = "aaaaaaaa-0000-4000-8000-000000000006"
    listed(bad["not an event"], json.dumps({"Event": ["a list"]}))
    assert len(bad) == MALFORMED
    (d / "manifest.json").write_text(json.dumps(manifest))
    assert len(manifest) == EVENTS
    return d, bad


REASONS = {
    "truncated": "invalid json: EOF while parsing",
    "not json": "invalid json: expected value",
    "no uuid": "Event.uuid: missing",
    "bad uuid": 'Event.uuid: invalid uuid "not-a-uuid"',
    "missing": "cannot read",
    "not an event": "not a json object",
}


def run_in_pty(args: list[str]) -> tuple[int, str]:
    """Runs dragnet on a terminal (as a person would), so that its progress bar draws."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(BIN, [BIN, *args])
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


def check_import(out: str, where: str, bad: dict):
    assert re.search(r"\d+/1000 events", out), f"no progress bar in:\n{out[-2000:]}"
    assert "\u2588" in out, "the bar is drawn"
    # What a person reads once the bar is gone: without the terminal's control sequences.
    out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out).replace("\r", "\n")
    good = EVENTS - MALFORMED
    assert f"imported {good} MISP events: {good} reports made, 0 already there" in out, out[-3000:]
    assert f", {MALFORMED} failed," in out, out[-3000:]
    for what, uuid in bad.items():
        line = next((l for l in out.splitlines() if f"{uuid}.json" in l and "(event" not in l), None)
        assert line is not None, f"{what}: {uuid}.json is not reported"
        assert line.strip().startswith(f"{where}/{uuid}.json: "), line
        assert REASONS[what] in line, f"{what}: {line}"


def test_a_feed_directory_imports_with_a_progress_bar_and_reports_malformed_events(feed, tmp_path):
    d, bad = feed
    dn = make_dragnet(tmp_path / "data")
    code, out = run_in_pty(["import", "misp", str(d), "--org", IMPORTER, "--data", str(dn.data)])
    assert code == 1, "malformed events make the exit status 1"
    check_import(out, str(d), bad)
    # Count check: dragnet's own feed holds exactly the good events.
    exported = tmp_path / "export"
    dn.run("export", "misp", "--feed", str(exported), "--org", IMPORTER)
    manifest = json.loads((exported / "manifest.json").read_text())
    assert len(manifest) == EVENTS - MALFORMED
    infos = sorted(m["info"] for m in manifest.values())
    assert infos == sorted(f"feed event {i}" for i in range(EVENTS - MALFORMED))


def test_a_feed_url_imports_like_the_directory(feed, tmp_path):
    d, bad = feed
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(d), **kw)  # noqa: E731
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        dn = make_dragnet(tmp_path / "data")
        code, out = run_in_pty(["import", "misp", base + "/", "--org", IMPORTER, "--data", str(dn.data)])
        assert code == 1
        REASONS_URL = dict(REASONS, missing="the server answered 404")
        saved = REASONS.copy()
        REASONS.update(REASONS_URL)
        try:
            check_import(out, base, bad)
        finally:
            REASONS.clear()
            REASONS.update(saved)
    finally:
        server.shutdown()


def test_dragnets_feed_loads_in_pymisp_and_matches_its_feed_generator(feed, tmp_path):
    d, _ = feed
    dn = make_dragnet(tmp_path / "data")
    dn.run("import", "misp", str(d), "--org", IMPORTER, check=False)
    exported = tmp_path / "export"
    dn.run("export", "misp", "--feed", str(exported), "--org", IMPORTER)
    # PyMISP computes the manifest and hashes of the same event files.
    theirs = tmp_path / "theirs"
    shutil.copytree(exported, theirs)
    (theirs / "manifest.json").unlink()
    (theirs / "hashes.csv").unlink()
    feed_meta_generator(theirs)
    ours_manifest = json.loads((exported / "manifest.json").read_text())
    theirs_manifest = json.loads((theirs / "manifest.json").read_text())
    assert ours_manifest.keys() == theirs_manifest.keys()
    for uuid, entry in theirs_manifest.items():
        for key in ("info", "date", "Orgc"):
            assert ours_manifest[uuid][key] == entry[key], (uuid, key, ours_manifest[uuid][key], entry[key])
        assert [t["name"] for t in ours_manifest[uuid]["Tag"]] == [t["name"] for t in entry["Tag"]]
        assert int(ours_manifest[uuid]["timestamp"]) == int(entry["timestamp"])
    ours_hashes = set((exported / "hashes.csv").read_text().split())
    theirs_hashes = set((theirs / "hashes.csv").read_text().split())
    assert ours_hashes == theirs_hashes
    # Every event file loads in PyMISP with its attributes.
    for f in list(exported.glob("*-*.json"))[:50]:
        ev = MISPEvent()
        ev.load_file(str(f))
        types = sorted(a.type for a in ev.attributes)
        # The event's domain, its registrable domain (derived by dragnet, not for IDS), the
        # address, the wallet and the dragnet report id.
        assert types == ["btc", "domain", "domain", "ip-dst", "text"], (f, types)
        derived = next(a for a in ev.attributes if a.value == "example.com")
        assert (derived.to_ids, derived.comment) == (False, "derived")
