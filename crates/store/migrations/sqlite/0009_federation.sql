-- Federation: the instance's identity, peer organisations, where imported reports come from,
-- and the peers this instance pulls from.

-- The instance's identity (one row): a stable id created with the store, and a name.
CREATE TABLE instance (
    singleton INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
    id        BLOB    NOT NULL,
    name      TEXT    NOT NULL
);

-- A peer organisation represents another instance: its tokens read only through federation.
ALTER TABLE organizations ADD COLUMN peer INTEGER NOT NULL DEFAULT 0 CHECK (peer IN (0, 1));

-- Where a report imported from a peer comes from (model::federation::Provenance as JSON in
-- `data`). (origin_instance, origin_report_id) is unique: the same report arriving again, by
-- the same peer or another one, is not imported twice. (source_instance, source_report_id) is
-- the report on the peer it was pulled from, whose revocation revokes the copy.
CREATE TABLE report_provenance (
    report_id        BLOB NOT NULL PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    origin_instance  BLOB NOT NULL,
    origin_report_id BLOB NOT NULL,
    source_instance  BLOB NOT NULL,
    source_report_id BLOB NOT NULL,
    data             TEXT NOT NULL
);

CREATE UNIQUE INDEX report_provenance_origin ON report_provenance (origin_instance, origin_report_id);
CREATE INDEX report_provenance_source ON report_provenance (source_instance, source_report_id);

-- The peers this instance pulls from. `token` is the secret this instance presents to the
-- peer (it must be sent, so it is kept as given). `cursor`: the last event id received from a
-- dragnet peer, the last `X-TAXII-Date-Added-Last` of a TAXII peer.
CREATE TABLE peers (
    id              BLOB    NOT NULL PRIMARY KEY,
    url             TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('dragnet', 'taxii')),
    token           TEXT    NOT NULL,
    collection      TEXT,
    receiving_org   BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    allow_private   INTEGER NOT NULL CHECK (allow_private IN (0, 1)),
    remote_instance BLOB,
    remote_name     TEXT,
    cursor          TEXT,
    created_at      INTEGER NOT NULL,
    last_ok_at      INTEGER,
    last_error      TEXT,
    last_error_at   INTEGER,
    imported        INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX peers_url ON peers (url, coalesce(collection, ''));
