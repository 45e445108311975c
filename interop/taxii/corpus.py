"""The STIX 2.1 corpus that `interop/taxii/run` imports with `dragnet import stix` and
test_roundtrip.py reads back: the OASIS examples and MITRE ATT&CK for ICS."""

import glob
import json
import os
import sys

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


def import_files(workdir):
    """The files to give `dragnet import stix` (bundles and envelopes): a file holding one lone
    object (the OASIS interop marking example) is wrapped in an envelope written to workdir."""
    out = []
    for n, path in enumerate(files()):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if isinstance(doc, dict) and "objects" in doc:
            out.append(path)
        else:
            wrapped = os.path.join(workdir, f"envelope-{n}-{os.path.basename(path)}")
            with open(wrapped, "w", encoding="utf-8") as f:
                json.dump({"objects": [doc]}, f)
            out.append(wrapped)
    return out


if __name__ == "__main__":
    # corpus.py [WORKDIR]: the corpus files, or with WORKDIR the files to import
    print("\n".join(import_files(sys.argv[1]) if len(sys.argv) > 1 else files()))
