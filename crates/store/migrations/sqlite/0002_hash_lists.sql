-- Hash lists: sets of image and file hashes shared under TLP, their entries (withdrawn ones
-- kept as tombstones) and the sightings of their entries.
--
-- Entry values are BLOBs of the hash's bytes in the order of its hex form (32 bytes for PDQ
-- and SHA-256, 16 for MD5): half the size of hex text, in the table and in its unique index.

CREATE TABLE hash_sets (
    id          BLOB    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    owner_org   BLOB    NOT NULL REFERENCES organizations (id),
    category    TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    description TEXT    NOT NULL,
    tlp         TEXT    NOT NULL,
    audience    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (owner_org, name)
);

CREATE TABLE hash_entries (
    id           BLOB    NOT NULL PRIMARY KEY,
    set_id       BLOB    NOT NULL REFERENCES hash_sets (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    value        BLOB    NOT NULL,
    quality      INTEGER CHECK (quality BETWEEN 0 AND 100),
    label        TEXT,
    added_at     INTEGER NOT NULL,
    withdrawn_at INTEGER,
    UNIQUE (set_id, kind, value)
);

CREATE TABLE hash_sightings (
    id       BLOB    NOT NULL PRIMARY KEY,
    set_id   BLOB    NOT NULL REFERENCES hash_sets (id) ON DELETE CASCADE,
    entry_id BLOB    NOT NULL REFERENCES hash_entries (id) ON DELETE CASCADE,
    org_id   BLOB    NOT NULL,
    distance INTEGER NOT NULL,
    at       INTEGER NOT NULL
);

CREATE INDEX hash_sightings_set ON hash_sightings (set_id, id);
