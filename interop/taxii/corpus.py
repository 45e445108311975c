"""The STIX 2.1 corpus that `interop/taxii/run` imports with `dragnet import stix` and
test_roundtrip.py reads back: the OASIS examples and MITRE ATT&CK for ICS."""

import glob
import json
import os

STIX_DATA = os.environ.get("DRAGNET_STIX_TESTDATA", "/tmp/shared/testdata/stix")


def files():
    examples = sorted(glob.glob(os.path.join(STIX_DATA, "oasis-examples", "**", "*.json"), recursive=True))
    return examples + [os.path.join(STIX_DATA, "attack", "ics-attack.json")]


def objects_of(path):
    """The STIX objects of a file: a bundle's or an envelope's objects, or one lone object."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if isinstance(doc, dict) and ("objects" in doc and doc.get("type") in ("bundle", None)):
        return doc["objects"]
    return [doc]


if __name__ == "__main__":
    print("\n".join(files()))
