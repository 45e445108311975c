"""The OASIS STIX 2.1 examples and ATT&CK for ICS, imported with `dragnet import stix` (by
interop/taxii/run, into the corpus organisation's own collection) and read back through TAXII:
every version of every object, all pages, must be semantically equal to the input (JSON-equal
after parsing, timestamps compared as instants)."""

import os
import re

import pytest

from conftest import FIGURES, all_pages, instant
import corpus

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
PAGE = 1000


def normal(value):
    """A JSON value with every timestamp string replaced by its instant."""
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, str) and TIMESTAMP.fullmatch(value):
        return ("instant", instant(value))
    return value


def differences(want, got, path="$"):
    """Where two normalised JSON values differ, as readable lines."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for k in sorted(set(want) | set(got)):
            if k not in got:
                out.append(f"{path}.{k}: missing (input {want[k]!r})")
            elif k not in want:
                out.append(f"{path}.{k}: added ({got[k]!r})")
            else:
                out.extend(differences(want[k], got[k], f"{path}.{k}"))
        return out
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        out = []
        for i, (w, g) in enumerate(zip(want, got)):
            out.extend(differences(w, g, f"{path}[{i}]"))
        return out
    return [] if want == got else [f"{path}: input {want!r}, read back {got!r}"]


def key(obj):
    modified = obj.get("modified")
    return obj["id"], instant(modified) if isinstance(modified, str) and TIMESTAMP.fullmatch(modified) else modified


@pytest.fixture(scope="module")
def expected():
    objects = {}
    for path in corpus.files():
        for obj in corpus.objects_of(path):
            objects[key(obj)] = (os.path.relpath(path, corpus.STIX_DATA), obj)
    assert len(objects) > 2000, "the corpus is smaller than the OASIS examples and ATT&CK for ICS"
    return objects


@pytest.fixture(scope="module")
def read_back(target, dragnet):
    s = target.session(token=dragnet["corpus_token"])
    url = f"{target.base}/taxii2/api/collections/{dragnet['corpus_org_id']}/objects/"
    objects = all_pages(s, url, {"match[version]": "all", "match[spec_version]": "2.0,2.1"}, limit=PAGE)
    got = {}
    duplicates = []
    for obj in objects:
        k = key(obj)
        if k in got:
            duplicates.append(k)
        got[k] = obj
    assert not duplicates, f"{len(duplicates)} versions came twice across pages: {duplicates[:10]}"
    return got


def test_every_input_object_is_read_back_equal(expected, read_back):
    missing = [(src, k) for k, (src, _) in expected.items() if k not in read_back]
    changed = []
    for k, (src, obj) in expected.items():
        if k in read_back:
            diff = differences(normal(obj), normal(read_back[k]))
            if diff:
                changed.append(f"{src} {k[0]}: " + "; ".join(diff[:8]))
    FIGURES.append(
        f"round trip: {len(expected) - len(missing) - len(changed)} of {len(expected)} imported objects read back equal"
    )
    report = []
    if missing:
        report.append(f"{len(missing)} of {len(expected)} objects not read back, e.g. {missing[:10]}")
    if changed:
        report.append(f"{len(changed)} objects differ:\n  " + "\n  ".join(changed[:30]))
    assert not report, "\n".join(report)


def test_nothing_beyond_the_input_is_read_back(expected, read_back):
    extra = sorted(str(k) for k in set(read_back) - set(expected))
    assert not extra, f"{len(extra)} versions read back that were never imported: {extra[:20]}"


def test_ics_attack_is_complete(expected, read_back):
    ics = [k for k, (src, _) in expected.items() if src.endswith("ics-attack.json")]
    assert len(ics) == 1826
    assert all(k in read_back for k in ics)
