-- dragnet's initial SQLite schema.
--
-- Conventions (see the store crate docs):
-- - ids (uuids) are 16-byte BLOBs in big-endian (RFC 9562) byte order, so BLOB order is uuid
--   order and UUIDv7 ids sort by creation time;
-- - times are INTEGER microseconds since the Unix epoch (UTC);
-- - enums are TEXT in their model spelling (`intel`, `AMBER+STRICT`, `analyst`, `ipv4`, ...);
-- - a report's audience and labels are JSON TEXT.

CREATE TABLE organizations (
    id         BLOB    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    operator   INTEGER NOT NULL CHECK (operator IN (0, 1)),
    created_at INTEGER NOT NULL
);

CREATE TABLE communities (
    id         BLOB    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE community_members (
    community_id BLOB NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    org_id       BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (community_id, org_id)
) WITHOUT ROWID;

CREATE INDEX community_members_org ON community_members (org_id);

CREATE TABLE tokens (
    id           BLOB    NOT NULL PRIMARY KEY,
    org_id       BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role         TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    hash         BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
);

CREATE INDEX tokens_org ON tokens (org_id);

-- Reports keep no foreign key to organizations: federated reports may name authors this
-- instance has never heard of.
CREATE TABLE reports (
    id         BLOB    NOT NULL PRIMARY KEY,
    kind       TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    narrative  TEXT    NOT NULL,
    tlp        TEXT    NOT NULL,
    author_org BLOB    NOT NULL,
    audience   TEXT    NOT NULL,
    labels     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    first_seen INTEGER,
    last_seen  INTEGER,
    revoked_at INTEGER
);

-- Clustered by report so a page of reports reads its observables in one range scan.
CREATE TABLE report_observables (
    report_id BLOB    NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    original  TEXT,
    role      TEXT,
    PRIMARY KEY (report_id, position)
) WITHOUT ROWID;

-- No (kind, value) index: value look-ups are answered by the engine's in-memory correlation
-- index, rebuilt from this table at start. A secondary index here would cost every ingest a
-- random B-tree insert per observable and serve no query.
