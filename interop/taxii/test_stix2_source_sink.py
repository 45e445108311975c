"""stix2's TAXIICollectionSink and TAXIICollectionSource against the server: objects written
through the sink are read back through the source, by id, with versions and with filters."""

import json
import uuid

import pytest
import stix2
from stix2 import Filter, TAXIICollectionSink, TAXIICollectionSource
from taxii2client.v21 import Server

from conftest import instant

CREATED = "2026-03-01T08:00:00.000Z"
REVISED = "2026-03-02T09:15:00.250Z"


def find_collection(target):
    server = Server(target.discovery, user=target.user, password=target.password)
    for root in server.api_roots:
        for c in root.collections:
            if c.id == target.write_collection:
                return c
    pytest.fail(f"collection {target.write_collection} is in no api root")


def as_dict(obj):
    return json.loads(obj.serialize()) if hasattr(obj, "serialize") else dict(obj)


@pytest.fixture(scope="module")
def written(target):
    collection = find_collection(target)
    tag = uuid.uuid4().hex[:12]
    malware = stix2.v21.Malware(name=f"sink-malware-{tag}", is_family=True, created=CREATED, modified=CREATED)
    indicators = [
        stix2.v21.Indicator(
            name=f"sink-indicator-{tag}-{n}",
            pattern=f"[ipv4-addr:value = '198.51.100.{n + 1}']",
            pattern_type="stix",
            valid_from=CREATED,
            created=CREATED,
            modified=CREATED,
            indicator_types=["malicious-activity"] if n % 2 == 0 else ["anomalous-activity"],
        )
        for n in range(6)
    ]
    relationships = [
        stix2.v21.Relationship(i, "indicates", malware, created=CREATED, modified=CREATED) for i in indicators
    ]
    sink = TAXIICollectionSink(collection)
    sink.add([malware, *indicators, *relationships])
    revised = indicators[0].new_version(modified=REVISED, name=indicators[0].name + " (revised)")
    sink.add(revised)
    return {
        "source": TAXIICollectionSource(collection),
        "tag": tag,
        "malware": malware,
        "indicators": indicators,
        "relationships": relationships,
        "revised": revised,
    }


def test_get_returns_what_the_sink_wrote(written):
    source = written["source"]
    for obj in [written["malware"], *written["indicators"][1:], *written["relationships"]]:
        got = source.get(obj.id)
        assert got is not None, obj.id
        assert as_dict(got) == as_dict(obj)


def test_get_returns_the_latest_version(written):
    got = written["source"].get(written["indicators"][0].id)
    assert got.name == written["revised"].name
    assert instant(as_dict(got)["modified"]) == instant(REVISED)


def test_all_versions(written):
    versions = written["source"].all_versions(written["indicators"][0].id)
    assert sorted(instant(as_dict(v)["modified"]) for v in versions) == [instant(CREATED), instant(REVISED)]


def test_query_with_filters(written):
    source, tag = written["source"], written["tag"]
    ids = {i.id for i in written["indicators"]}
    found = source.query([Filter("type", "=", "indicator"), Filter("id", "in", sorted(ids))])
    assert {o.id for o in found} == ids
    malicious = source.query(
        [Filter("type", "=", "indicator"), Filter("indicator_types", "contains", "malicious-activity"),
         Filter("id", "in", sorted(ids))]
    )
    assert {o.id for o in malicious} == {i.id for n, i in enumerate(written["indicators"]) if n % 2 == 0}
    named = source.query([Filter("type", "=", "malware"), Filter("name", "=", f"sink-malware-{tag}")])
    assert [o.id for o in named] == [written["malware"].id]


def test_relationships_through_the_source(written):
    source = written["source"]
    rels = source.relationships(written["malware"], "indicates", target_only=True)
    assert {r.id for r in rels} >= {r.id for r in written["relationships"]}
    assert all(r.target_ref == written["malware"].id for r in rels)
