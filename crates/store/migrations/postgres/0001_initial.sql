-- dragnet's initial PostgreSQL schema: the same tables as the SQLite one, in native types.
--
-- - ids are UUID; times are TIMESTAMPTZ (microsecond precision, like the SQLite integers);
-- - enums are TEXT in their model spelling (`intel`, `AMBER+STRICT`, `analyst`, `ipv4`, ...);
-- - a report's audience and labels are JSONB, as written by the store.

CREATE TABLE organizations (
    id         UUID        NOT NULL PRIMARY KEY,
    name       TEXT        NOT NULL CONSTRAINT organizations_name_key UNIQUE,
    operator   BOOLEAN     NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE communities (
    id         UUID        NOT NULL PRIMARY KEY,
    name       TEXT        NOT NULL CONSTRAINT communities_name_key UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE community_members (
    community_id UUID NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    org_id       UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (community_id, org_id)
);

CREATE INDEX community_members_org ON community_members (org_id);

CREATE TABLE tokens (
    id           UUID        NOT NULL PRIMARY KEY,
    org_id       UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role         TEXT        NOT NULL,
    label        TEXT        NOT NULL,
    hash         BYTEA       NOT NULL CONSTRAINT tokens_hash_key UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

CREATE INDEX tokens_org ON tokens (org_id);

-- No foreign key to organizations: federated reports may name authors this instance has
-- never heard of.
CREATE TABLE reports (
    id         UUID        NOT NULL PRIMARY KEY,
    kind       TEXT        NOT NULL,
    title      TEXT        NOT NULL,
    narrative  TEXT        NOT NULL,
    tlp        TEXT        NOT NULL,
    author_org UUID        NOT NULL,
    audience   JSONB       NOT NULL,
    labels     JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    first_seen TIMESTAMPTZ,
    last_seen  TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE report_observables (
    report_id UUID    NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    original  TEXT,
    role      TEXT,
    PRIMARY KEY (report_id, position)
);

-- No (kind, value) index: value look-ups are answered by the engine's in-memory correlation
-- index, rebuilt from this table at start. A secondary index here would cost every ingest a
-- random B-tree insert per observable and serve no query.
