"""Events built with PyMISP's MISPEvent (attributes of every mapped type, objects, tags,
sightings) are imported with `dragnet import misp`, exported with `dragnet export misp` and
loaded back with PyMISP: the mapped content survives the round trip."""

import json

from pymisp import MISPEvent, MISPObject, MISPOrganisation

from conftest import COMMUNITY, IMPORTER, OTHER, OUTSIDER, make_dragnet

SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# (type, value as dragnet writes it canonically, to_ids)
MAPPED = [
    ("ip-src", "198.51.100.7", False),
    ("ip-dst", "203.0.113.9", True),
    ("ip-dst", "2001:db8::5", True),
    ("ip-dst|port", "203.0.113.10|443", True),
    ("ip-src|port", "198.51.100.11|8080", False),
    ("domain", "secure-login-example.com", True),
    ("hostname", "mail.secure-login-example.com", True),
    ("hostname|port", "smtp.secure-login-example.com|25", True),
    ("domain|ip", "evil-example.net|198.51.100.20", True),
    ("url", "https://evil-example.net/login?next=%2Fwallet", True),
    ("email-src", "scam@evil-example.net", True),
    ("email-dst", "target@example.org", False),
    ("email", "mule@example.net", True),
    ("phone-number", "+18888391214", False),
    ("whois-registrant-phone", "+442079460958", False),
    ("md5", "d41d8cd98f00b204e9800998ecf8427e", True),
    ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", True),
    ("sha256", SHA256, True),
    ("filename|sha256", f"invoice.exe|{SHA256}", True),
    ("filename|md5", "invoice.doc|d41d8cd98f00b204e9800998ecf8427e", True),
    ("btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", True),
    ("btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", True),
    ("iban", "GB82WEST12345698765432", True),
    ("bank-account-nr", "DE89370400440532013000", True),
]
# Types dragnet has no kind for: kept on the report as received, exported back as they were.
KEPT = [
    ("xmr", "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A", True),
    ("bic", "DEUTDEFF", True),
    ("bank-account-nr", "12345678", False),
    ("filename", "invoice.exe", True),
    ("text", "the caller said he was from the bank", False),
    ("ip-dst", "192.0.2.0/24", True),
]
SIGHTED = 1767225600  # 2026-01-01T00:00:00Z


def build_event() -> MISPEvent:
    ev = MISPEvent()
    ev.info = "dragnet interop: phishing kit and money mules"
    ev.distribution = 3
    ev.date = "2026-02-14"
    ev.Orgc = MISPOrganisation()
    ev.Orgc.name = "CIRCL"
    for tag in ("tlp:amber", "phishing", 'misp-galaxy:threat-actor="Scattered Spider"'):
        ev.add_tag(tag)
    for t, v, ids in MAPPED + KEPT:
        a = ev.add_attribute(t, v, to_ids=ids)
        if t == "sha256":
            a.add_sighting({"type": "0", "date_sighting": str(SIGHTED), "source": "honeypot"})
            a.add_sighting({"type": "1", "date_sighting": str(SIGHTED + 3600)})
        if t == "bic":
            a.add_sighting({"type": "0", "date_sighting": str(SIGHTED + 60)})
    dom = MISPObject("domain-ip", standalone=False)
    dom.add_attribute("domain", value="obj-example.com", to_ids=True)
    dom.add_attribute("ip", value="198.51.100.30", to_ids=False)
    ev.add_object(dom)
    f = MISPObject("file", standalone=False)
    f.add_attribute("filename", value="dropper.js")
    f.add_attribute("sha256", value="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    ev.add_object(f)
    return ev


def triples(attrs) -> set:
    return {(a.type, str(a.value), bool(a.to_ids)) for a in attrs}


def object_shape(o) -> tuple:
    return (o.name, frozenset((a.object_relation, a.type, str(a.value)) for a in o.attributes))


def test_events_survive_the_round_trip(dragnet, tmp_path):
    ev = build_event()
    src = tmp_path / "event.json"
    src.write_text(ev.to_json())
    p = dragnet.run("import", "misp", str(src), "--org", IMPORTER)
    assert "imported 1 MISP events: 1 reports made" in p.stdout, p.stdout + p.stderr
    assert "0 failed" in p.stdout

    out = tmp_path / "export.json"
    dragnet.run("export", "misp", "--report", ev.uuid, "--org", IMPORTER, "-o", str(out))
    back = MISPEvent()
    back.load_file(str(out))

    assert back.info == ev.info
    assert back.Orgc.name == IMPORTER
    tags = {t.name for t in back.tags}
    assert {"tlp:amber", "phishing", 'misp-galaxy:threat-actor="Scattered Spider"'} <= tags, tags
    assert back.date.isoformat() == "2026-02-14"

    got = triples(back.attributes)
    for want in MAPPED + KEPT:
        assert want in got, f"{want} lost in the round trip; got {sorted(got)}"

    shapes = {object_shape(o) for o in back.objects}
    for o in ev.objects:
        assert object_shape(o) in shapes, f"object {object_shape(o)} lost; got {shapes}"

    def sightings(attrs, t, v):
        a = next(a for a in attrs if a.type == t and a.value == v)
        return sorted((int(s.type), int(s.date_sighting), s.get("source") or "") for s in a.sightings)

    assert sightings(back.attributes, "sha256", SHA256) == [(0, SIGHTED, "honeypot"), (1, SIGHTED + 3600, "")]
    assert sightings(back.attributes, "bic", "DEUTDEFF") == [(0, SIGHTED + 60, "")]

    # dragnet's own reference to its report travels as an internal reference.
    refs = [a for a in back.attributes if a.category == "Internal reference"]
    assert [r.value for r in refs] == [ev.uuid]

    # dragnet's export imported into a second dragnet and exported again: the same content.
    second = make_dragnet(tmp_path / "second")
    p = second.run("import", "misp", str(out), "--org", IMPORTER)
    assert "1 reports made" in p.stdout, p.stdout + p.stderr
    again = MISPEvent()
    again.load(second.export_report(back.uuid))

    def content(e):
        return triples(a for a in e.attributes if a.category != "Internal reference")

    assert content(again) == content(back)
    assert {object_shape(o) for o in again.objects} == shapes


def test_values_are_canonicalised_and_bad_ones_reported_with_event_and_attribute(dragnet, tmp_path):
    ev = MISPEvent()
    ev.info = "canonical forms"
    ev.add_tag("tlp:green")
    ev.add_attribute("domain", "Secure-Login.EXAMPLE.com")
    ev.add_attribute("phone-number", "+1 (888) 839-1214")
    bad = ev.add_attribute("ip-dst", "999.1.1.1")
    (tmp_path / "e.json").write_text(ev.to_json())
    p = dragnet.run("import", "misp", str(tmp_path / "e.json"), "--org", IMPORTER)
    assert f"(event {ev.uuid}): attribute {bad.uuid}: \"999.1.1.1\": invalid ipv4" in p.stderr, p.stderr
    back = MISPEvent()
    back.load(dragnet.export_report(ev.uuid))
    values = {(a.type, a.value) for a in back.attributes}
    assert ("domain", "secure-login.example.com") in values
    assert ("phone-number", "+18888391214") in values
    assert ("ip-dst", "999.1.1.1") in values, "kept as received, not lost"


def test_distribution_levels_decide_who_sees_the_event(dragnet, tmp_path):
    def event(info, distribution, tlp, group=None):
        ev = MISPEvent()
        ev.info = info
        ev.distribution = distribution
        ev.add_tag(tlp)
        ev.add_attribute("domain", f"{info}.example.com")
        data = json.loads(ev.to_json())
        if group:
            data["SharingGroup"] = {"name": group, "uuid": "a1b2c3d4-0000-4000-8000-000000000001"}
        (tmp_path / f"{info}.json").write_text(json.dumps({"Event": data}))
        return ev.uuid

    own = event("own", 0, "tlp:green")
    everyone = event("everyone", 3, "tlp:green")
    group = event("group", 4, "tlp:green", COMMUNITY)
    nogroup = event("nogroup", 4, "tlp:green", "No Such Group")
    p = dragnet.run("import", "misp", str(tmp_path), "--org", IMPORTER)
    assert "imported 4 MISP events: 4 reports made" in p.stdout, p.stdout + p.stderr
    assert 'sharing group "No Such Group" is no dragnet community' in p.stderr

    def sees(org, uuid):
        return dragnet.run("export", "misp", "--report", uuid, "--org", org, check=False).returncode == 0

    assert [sees(IMPORTER, u) for u in (own, everyone, group, nogroup)] == [True] * 4
    assert [sees(OTHER, u) for u in (own, everyone, group, nogroup)] == [False, True, True, False]
    assert [sees(OUTSIDER, u) for u in (own, everyone, group, nogroup)] == [False, True, False, False]
    # The community's event goes back out as a sharing-group event.
    back = dragnet.export_report(group, OTHER)["Event"]
    assert (back["distribution"], back["SharingGroup"]["name"]) == ("4", COMMUNITY)
    # A hidden event answers exactly like one that does not exist.
    hidden = dragnet.run("export", "misp", "--report", own, "--org", OUTSIDER, check=False)
    absent = dragnet.run("export", "misp", "--report", "0193a0c4-0000-7000-8000-0000000000ff", "--org", OUTSIDER, check=False)
    assert hidden.returncode == absent.returncode != 0
    assert hidden.stderr.replace(own, "ID") == absent.stderr.replace("0193a0c4-0000-7000-8000-0000000000ff", "ID")


def test_importing_again_adds_nothing(dragnet, tmp_path):
    ev = build_event()
    (tmp_path / "e.json").write_text(ev.to_json())
    dragnet.run("import", "misp", str(tmp_path / "e.json"), "--org", IMPORTER)
    p = dragnet.run("import", "misp", str(tmp_path / "e.json"), "--org", IMPORTER)
    assert "0 reports made, 1 already there" in p.stdout, p.stdout
