"""Shared fixtures of dragnet's TAXII 2.1 / STIX 2.1 interop suite.

The suite drives a running TAXII 2.1 server over HTTP; `interop/taxii/run` starts it and sets the
environment below. TAXII_TARGET is `dragnet` or `medallion` (OASIS medallion 3.0.0, the reference
that proves the client-flow tests right); tests that need dragnet's CLI or its organisations skip
against medallion.

  TAXII_BASE                 http://127.0.0.1:PORT
  TAXII_DISCOVERY            the discovery URL (BASE/taxii2/)
  TAXII_IMPORTED_PREFIX      where the roots of the medallion fixture live ("" or "/taxii2")
  TAXII_USER, TAXII_PASSWORD HTTP Basic credentials of the main organisation
  TAXII_TOKEN                its bearer token (dragnet)
  TAXII_WRITE_COLLECTION     a collection the main organisation reads and writes
  DRAGNET_*                  dragnet only: binary, data directory, organisations and tokens
"""

import os

import pytest
import requests

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"environment variable {name} is not set (run interop/taxii/run)")
    return value


class Target:
    """The server under test and the credentials the runner made for it."""

    def __init__(self):
        self.name = env("TAXII_TARGET")
        self.base = env("TAXII_BASE").rstrip("/")
        self.discovery = env("TAXII_DISCOVERY")
        self.imported_prefix = env("TAXII_IMPORTED_PREFIX", "")
        self.user = env("TAXII_USER")
        self.password = env("TAXII_PASSWORD")
        self.write_collection = env("TAXII_WRITE_COLLECTION")

    @property
    def is_dragnet(self):
        return self.name == "dragnet"

    def session(self, token=None, basic=None):
        """A keep-alive session sending TAXII 2.1 Accept headers and the given credentials
        (a bearer token, a (user, password) pair, or the main organisation's Basic credentials
        when neither is given)."""
        s = requests.Session()
        s.headers["Accept"] = TAXII_MEDIA_TYPE
        if token is not None:
            s.headers["Authorization"] = f"Bearer {token}"
        else:
            s.auth = basic or (self.user, self.password)
        return s


@pytest.fixture(scope="session")
def target():
    return Target()


@pytest.fixture(scope="session")
def dragnet(target):
    """dragnet's side of the run: skips the test against another server."""
    if not target.is_dragnet:
        pytest.skip(f"needs dragnet (its CLI, organisations and tokens); the target is {target.name}")
    return {
        "bin": env("DRAGNET_BIN"),
        "data": env("DRAGNET_DATA"),
        "org": env("DRAGNET_ORG"),
        "org_id": env("DRAGNET_ORG_ID"),
        "token": env("TAXII_TOKEN"),
        "other_org": env("DRAGNET_OTHER_ORG"),
        "other_org_id": env("DRAGNET_OTHER_ORG_ID"),
        "other_token": env("DRAGNET_OTHER_TOKEN"),
        "community": env("DRAGNET_COMMUNITY"),
        "corpus_org_id": env("DRAGNET_CORPUS_ORG_ID"),
        "corpus_token": env("DRAGNET_CORPUS_TOKEN"),
        "demo_org": env("DRAGNET_DEMO_ORG"),
        "demo_token": env("DRAGNET_DEMO_TOKEN"),
    }


def is_taxii(response):
    """The response's media type is TAXII 2.1 (parameters compared without spaces or case)."""
    media = response.headers.get("Content-Type", "").replace(" ", "").lower()
    return media == TAXII_MEDIA_TYPE


def describe(response):
    """The request and the answer, for assertion messages."""
    body = response.text
    if len(body) > 1500:
        body = body[:1500] + "…"
    return f"{response.request.method} {response.request.url} -> {response.status_code} {body}"


def all_pages(session, url, params=None, key="objects", limit=None):
    """Every item of a paginated TAXII endpoint (objects, manifest or versions), page by page."""
    params = dict(params or {})
    if limit is not None:
        params["limit"] = str(limit)
    items = []
    while True:
        r = session.get(url, params=params)
        assert r.status_code == 200, describe(r)
        page = r.json()
        items.extend(page.get(key, []))
        if not page.get("more"):
            return items
        assert page.get("next"), f"more is true but there is no next: {describe(r)}"
        params["next"] = page["next"]


def instant(text):
    """An RFC 3339 timestamp as a comparable instant: (seconds since the epoch, fraction digits
    without trailing zeros), exact to any precision."""
    import calendar
    import re

    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})", text)
    if not m:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    zone = m.group(8)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds, (m.group(7) or "").rstrip("0")


FIGURES = []  # lines the tests report (what they checked, in numbers), printed at the end


def pytest_terminal_summary(terminalreporter):
    """The figures the tests reported, and those of the medallion port when it ran."""
    import sys

    for line in FIGURES:
        terminalreporter.write_line(line)

    module = sys.modules.get("test_medallion_ported")
    if module is None:
        return
    original = module.ORIGINAL_TESTS
    left_out = module.LEFT_OUT
    ported = [t for t in original if t.split("[")[0] not in left_out]
    terminalreporter.write_line(
        f"medallion test_backends.py: {len(ported)} of {len(original)} tests ported, {len(left_out)} left out"
    )
    for name, reason in left_out.items():
        terminalreporter.write_line(f"  left out {name}: {reason}")
