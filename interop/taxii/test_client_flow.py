"""The OASIS taxii2-client (taxii2client.v21) against the server: discovery, API roots,
collections, paging, adding with status polling, versions, manifests and deletion."""

import uuid

import pytest
import requests
from taxii2client.v21 import Server, as_pages

from conftest import instant

PER_REQUEST = 7
COUNT = 25
FIRST = "2026-01-01T00:00:00.000Z"
SECOND = "2026-02-01T12:30:00.500Z"


def indicator(n, modified=FIRST):
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": FIRST,
        "modified": modified,
        "name": f"interop client-flow indicator {n}",
        "pattern": f"[domain-name:value = 'client-flow-{n}.example']",
        "pattern_type": "stix",
        "valid_from": FIRST,
    }


class Flow:
    """One connection whose every response is kept, so that headers can be checked."""

    def __init__(self, target):
        self.responses = []
        self.server = Server(target.discovery, user=target.user, password=target.password)
        self.keep(self.server)

    def keep(self, endpoint):
        # taxii2-client gives every API root its own connection (made from the server's
        # credentials): each one's responses are kept.
        endpoint._conn.session.hooks["response"].append(lambda r, *a, **k: self.responses.append(r))

    def collection(self, collection_id):
        roots = self.server.api_roots
        assert roots, f"{self.server.url}: discovery lists no api roots"
        seen = []
        for root in roots:
            self.keep(root)
            for c in root.collections:
                seen.append((root.url, c.id, c.title))
                if c.id == collection_id:
                    return root, c
        pytest.fail(f"collection {collection_id} is in no api root; collections seen: {seen}")

    def last(self):
        return self.responses[-1]


@pytest.fixture(scope="module")
def flow(target):
    return Flow(target)


@pytest.fixture(scope="module")
def added(flow, target):
    """COUNT new indicators added through the client, waiting for completion."""
    _, collection = flow.collection(target.write_collection)
    assert collection.can_read and collection.can_write, (collection.id, collection.title)
    objects = [indicator(n) for n in range(COUNT)]
    status = collection.add_objects({"objects": objects}, wait_for_completion=True, poll_interval=1)
    return collection, objects, status


def test_discovery_and_api_roots(flow):
    assert flow.server.title
    roots = flow.server.api_roots
    assert roots
    for root in roots:
        assert root.title, root.url
        assert any(v.startswith("application/taxii+json;version=2.1") for v in root.versions), (root.url, root.versions)
        assert root.max_content_length > 0, root.url
    if flow.server.default is not None:
        assert flow.server.default.url in {r.url for r in roots}


def test_add_objects_status_adds_up(added):
    _, objects, status = added
    assert status.status == "complete", status
    assert status.total_count == COUNT
    assert status.success_count == COUNT, status.failures
    assert status.failure_count == 0
    assert status.pending_count == 0
    assert status.success_count + status.failure_count + status.pending_count == status.total_count
    assert {s["id"] for s in status.successes} == {o["id"] for o in objects}
    for s in status.successes:
        assert instant(s["version"]) == instant(FIRST), s


def test_pages_of_every_object(flow, added):
    collection, objects, _ = added
    start = len(flow.responses)
    ids = []
    for page in as_pages(collection.get_objects, per_request=PER_REQUEST):
        assert len(page.get("objects", [])) <= PER_REQUEST
        ids.extend(o["id"] for o in page.get("objects", []))
    assert len(ids) == len(set(ids)), "an object came twice across pages"
    assert {o["id"] for o in objects} <= set(ids)
    pages = flow.responses[start:]
    assert len(pages) >= -(-len(ids) // PER_REQUEST)
    for r in pages:
        if r.json().get("objects"):
            assert "X-TAXII-Date-Added-First" in r.headers, r.headers
            assert "X-TAXII-Date-Added-Last" in r.headers, r.headers
            first = instant(r.headers["X-TAXII-Date-Added-First"])
            last = instant(r.headers["X-TAXII-Date-Added-Last"])
            assert first <= last


def test_pages_of_a_filter_count_exactly(flow, added):
    collection, objects, _ = added
    ids = [o["id"] for o in objects]
    pages = list(as_pages(collection.get_objects, per_request=PER_REQUEST, id=ids))
    got = [o["id"] for p in pages for o in p.get("objects", [])]
    assert sorted(got) == sorted(o["id"] for o in objects)
    assert len(pages) == -(-COUNT // PER_REQUEST)
    assert pages[-1].get("more") is False


def test_versions_and_manifest(flow, added):
    collection, objects, _ = added
    first = objects[0]
    newer = dict(first, modified=SECOND, name=first["name"] + " (revised)")
    status = collection.add_objects({"objects": [newer]}, wait_for_completion=True, poll_interval=1)
    assert status.success_count == 1 and status.total_count == 1, status

    versions = collection.object_versions(first["id"])
    assert "X-TAXII-Date-Added-First" in flow.last().headers
    assert sorted(instant(v) for v in versions["versions"]) == [instant(FIRST), instant(SECOND)]

    latest = collection.get_object(first["id"])
    assert [o["name"] for o in latest["objects"]] == [newer["name"]]
    every = collection.get_object(first["id"], version="all")
    assert sorted(instant(o["modified"]) for o in every["objects"]) == [instant(FIRST), instant(SECOND)]

    manifest = collection.get_manifest(id=[o["id"] for o in objects])
    r = flow.last()
    assert "X-TAXII-Date-Added-First" in r.headers and "X-TAXII-Date-Added-Last" in r.headers, r.headers
    records = {m["id"]: m for m in manifest["objects"]}
    assert set(records) == {o["id"] for o in objects}
    for m in records.values():
        assert m["media_type"].startswith("application/stix+json"), m
        instant(m["date_added"])
    assert instant(records[first["id"]]["version"]) == instant(SECOND)
    assert instant(records[objects[1]["id"]]["version"]) == instant(FIRST)


def test_delete_object(flow, added):
    collection, objects, _ = added
    gone = objects[-1]
    collection.delete_object(gone["id"])
    try:
        answer = collection.get_object(gone["id"])
        assert not answer.get("objects"), answer
    except requests.HTTPError as e:
        assert e.response.status_code == 404, e
    manifest = collection.get_manifest(id=[o["id"] for o in objects])
    assert {m["id"] for m in manifest["objects"]} == {o["id"] for o in objects[:-1]}
