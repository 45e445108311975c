"""Visibility through TAXII: an organisation's answers (discovery, every collection of every API
root, every page, manifests, direct fetches) never include another organisation's TLP:AMBER
object, while the same author's AMBER object shared with a community both belong to is seen."""

import json
import uuid

import pytest

from conftest import TAXII_MEDIA_TYPE, all_pages, describe

AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
T = "2026-05-01T00:00:00.000Z"


def amber_indicator(label):
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": T,
        "modified": T,
        "name": f"visibility {label}",
        "pattern": f"[domain-name:value = '{label}.visibility.example']",
        "pattern_type": "stix",
        "valid_from": T,
        "object_marking_refs": [AMBER],
    }


def collections_of(session, discovery):
    """(api root URL, collection) for every collection the session lists."""
    r = session.get(discovery)
    assert r.status_code == 200, describe(r)
    out = []
    for root in r.json().get("api_roots", []):
        c = session.get(root.rstrip("/") + "/collections/")
        assert c.status_code == 200, describe(c)
        out.extend((root.rstrip("/") + "/", col) for col in c.json().get("collections", []))
    return out


def add(session, url, obj):
    r = session.post(url, data=json.dumps({"objects": [obj]}), headers={"Content-Type": TAXII_MEDIA_TYPE})
    assert r.status_code == 202, describe(r)
    status = r.json()
    assert status["success_count"] == 1, status


@pytest.fixture(scope="module")
def shared(target, dragnet):
    author = target.session(token=dragnet["token"])
    other = target.session(token=dragnet["other_token"])
    own = f"{target.base}/taxii2/api/collections/{dragnet['org_id']}/objects/"
    community = [(root, c) for root, c in collections_of(author, target.discovery) if c["title"] == dragnet["community"]]
    assert len(community) == 1, f"one collection titled {dragnet['community']!r} expected, found {community}"
    community_url = f"{community[0][0]}collections/{community[0][1]['id']}/objects/"
    private = amber_indicator("private")
    in_community = amber_indicator("community")
    add(author, own, private)
    add(author, community_url, in_community)
    return {"other": other, "private": private, "in_community": in_community, "community_url": community_url,
            "own_url": own}


def test_the_other_organisation_never_sees_the_private_amber_object(target, dragnet, shared):
    other, private = shared["other"], shared["private"]
    listed = collections_of(other, target.discovery)
    assert listed, "the other organisation lists no collection"
    assert dragnet["org_id"] not in {c["id"] for _, c in listed}, "the author's own collection is listed to another org"
    for root, c in listed:
        if not c.get("can_read"):
            continue
        url = f"{root}collections/{c['id']}/"
        objects = all_pages(other, url + "objects/", {"match[version]": "all"}, limit=1000)
        assert private["id"] not in {o["id"] for o in objects}, f"{url}: lists the private AMBER object"
        manifest = all_pages(other, url + "manifest/", {"match[version]": "all"}, limit=1000)
        assert private["id"] not in {m["id"] for m in manifest}, f"{url}: its manifest lists the private object"
        direct = other.get(url + f"objects/{private['id']}/")
        assert direct.status_code == 404 or not direct.json().get("objects"), describe(direct)
        versions = other.get(url + f"objects/{private['id']}/versions/")
        assert versions.status_code == 404 or not versions.json().get("versions"), describe(versions)


def test_the_author_collection_is_closed_to_the_other_organisation(shared):
    other, private = shared["other"], shared["private"]
    for url in [shared["own_url"], shared["own_url"] + f"{private['id']}/"]:
        r = other.get(url)
        assert r.status_code in (403, 404), describe(r)
        assert private["id"] not in r.text


def test_the_community_object_is_seen_by_both(target, dragnet, shared):
    other = shared["other"]
    objects = all_pages(other, shared["community_url"], {"match[version]": "all"}, limit=1000)
    assert shared["in_community"]["id"] in {o["id"] for o in objects}
    author = target.session(token=dragnet["token"])
    objects = all_pages(author, shared["own_url"], {"match[version]": "all"}, limit=1000)
    assert shared["private"]["id"] in {o["id"] for o in objects}
