-- Hash lists: the same tables as the SQLite schema, in native types. Entry values are BYTEA
-- of the hash's bytes in the order of its hex form.

CREATE TABLE hash_sets (
    id          UUID        NOT NULL PRIMARY KEY,
    name        TEXT        NOT NULL,
    owner_org   UUID        NOT NULL REFERENCES organizations (id),
    category    TEXT        NOT NULL,
    source      TEXT        NOT NULL,
    description TEXT        NOT NULL,
    tlp         TEXT        NOT NULL,
    audience    JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT hash_sets_owner_name_key UNIQUE (owner_org, name)
);

CREATE TABLE hash_entries (
    id           UUID        NOT NULL PRIMARY KEY,
    set_id       UUID        NOT NULL REFERENCES hash_sets (id) ON DELETE CASCADE,
    kind         TEXT        NOT NULL,
    value        BYTEA       NOT NULL,
    quality      SMALLINT    CHECK (quality BETWEEN 0 AND 100),
    label        TEXT,
    added_at     TIMESTAMPTZ NOT NULL,
    withdrawn_at TIMESTAMPTZ,
    CONSTRAINT hash_entries_value_key UNIQUE (set_id, kind, value)
);

CREATE TABLE hash_sightings (
    id       UUID        NOT NULL PRIMARY KEY,
    set_id   UUID        NOT NULL REFERENCES hash_sets (id) ON DELETE CASCADE,
    entry_id UUID        NOT NULL REFERENCES hash_entries (id) ON DELETE CASCADE,
    org_id   UUID        NOT NULL,
    distance INTEGER     NOT NULL,
    at       TIMESTAMPTZ NOT NULL
);

CREATE INDEX hash_sightings_set ON hash_sightings (set_id, id);
