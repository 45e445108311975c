"""Bad input through TAXII: malformed JSON and non-envelopes get a TAXII error resource; an
envelope mixing valid and invalid objects (wrong property types, a broken pattern, a bad id)
gets a status whose failures name each bad object with a clear message while every valid object
of the same request is stored; a body over the API root's max_content_length is refused whole."""

import json
import uuid

import pytest

from conftest import TAXII_MEDIA_TYPE, describe, is_taxii

T = "2026-04-01T10:00:00.000Z"


@pytest.fixture(scope="module")
def taxii(target, dragnet):
    s = target.session(token=dragnet["token"])
    s.headers["Content-Type"] = TAXII_MEDIA_TYPE
    root = f"{target.base}/taxii2/api/"
    return s, root, f"{root}collections/{dragnet['org_id']}/objects/"


def indicator(**over):
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": T,
        "modified": T,
        "name": "malformed-suite indicator",
        "pattern": "[ipv4-addr:value = '203.0.113.7']",
        "pattern_type": "stix",
        "valid_from": T,
    }
    obj.update(over)
    return obj


def malware(**over):
    obj = {
        "type": "malware",
        "spec_version": "2.1",
        "id": f"malware--{uuid.uuid4()}",
        "created": T,
        "modified": T,
        "name": "malformed-suite malware",
        "is_family": False,
    }
    obj.update(over)
    return obj


def error_resource(r, statuses):
    assert r.status_code in statuses, describe(r)
    assert is_taxii(r), describe(r)
    body = r.json()
    assert isinstance(body.get("title"), str) and body["title"], describe(r)
    return body


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"objects": [{"type": "indicator",', id="truncated-json"),
        pytest.param(b"\xff\xfe not utf-8", id="not-utf8"),
        pytest.param(b"[]", id="json-array"),
        pytest.param(b'{"objects": "indicator"}', id="objects-not-a-list"),
    ],
)
def test_not_an_envelope_gets_an_error_resource(taxii, body):
    s, _, url = taxii
    error_resource(s.post(url, data=body), {400, 422})


def test_mixed_envelope_keeps_every_valid_object(taxii):
    s, root, url = taxii
    good = [indicator(), malware()]
    bad = {
        "pattern": indicator(pattern="[ipv4-addr:value = '203.0.113.8'"),
        "created": indicator(created=42),
        "is_family": malware(is_family="yes"),
        "id": malware(id="malware--not-a-uuid"),
    }
    envelope = {"objects": [good[0], bad["pattern"], bad["created"], good[1], bad["is_family"], bad["id"]]}
    r = s.post(url, data=json.dumps(envelope))
    assert r.status_code == 202, describe(r)
    assert is_taxii(r), describe(r)
    status = r.json()
    if status.get("status") != "complete":
        status = s.get(f"{root}status/{status['id']}/").json()
    shown = json.dumps(status)
    assert status["total_count"] == 6, shown
    assert status["success_count"] == 2, shown
    assert status["failure_count"] == 4, shown
    assert status.get("pending_count", 0) == 0, shown
    assert {x["id"] for x in status["successes"]} == {o["id"] for o in good}
    failures = {f["id"]: f for f in status["failures"]}
    for prop, obj in bad.items():
        assert obj["id"] in failures, f"{prop}: no failure for {obj['id']}: {status}"
        message = failures[obj["id"]].get("message", "")
        assert prop in message, f"the failure of the bad {prop} does not name it: {message!r}"
    for obj in good:
        got = s.get(f"{url}{obj['id']}/")
        assert got.status_code == 200, describe(got)
        assert [o["id"] for o in got.json()["objects"]] == [obj["id"]]
    for prop, obj in bad.items():
        if prop == "id":
            continue
        got = s.get(f"{url}{obj['id']}/")
        assert got.status_code == 404 or not got.json().get("objects"), f"bad {prop} stored: {describe(got)}"


def test_over_the_size_limit_is_refused_whole(taxii):
    s, root, url = taxii
    info = s.get(root)
    assert info.status_code == 200, describe(info)
    limit = info.json()["max_content_length"]
    assert 0 < limit <= 256 * 1024 * 1024, f"max_content_length {limit}"
    small = indicator()
    big = indicator(description="x" * limit)
    r = s.post(url, data=json.dumps({"objects": [small, big]}))
    error_resource(r, {413})
    got = s.get(f"{url}{small['id']}/")
    assert got.status_code == 404 or not got.json().get("objects"), describe(got)
