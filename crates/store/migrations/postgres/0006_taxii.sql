-- STIX objects as received and the TAXII 2.1 resources around them: the same tables as the
-- SQLite schema, in native types.

CREATE TABLE stix_objects (
    seq            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection     UUID        NOT NULL,
    id             TEXT        NOT NULL,
    type           TEXT        NOT NULL,
    spec_version   TEXT        NOT NULL,
    version        TIMESTAMPTZ NOT NULL,
    created        TIMESTAMPTZ,
    modified       TIMESTAMPTZ,
    date_added     TIMESTAMPTZ NOT NULL,
    media_type     TEXT        NOT NULL,
    author_org     UUID        NOT NULL,
    tlp            TEXT        NOT NULL,
    audience       JSONB       NOT NULL,
    created_by_ref TEXT,
    body           TEXT        NOT NULL
);

CREATE UNIQUE INDEX stix_objects_version ON stix_objects (collection, id, version);
CREATE INDEX stix_objects_added ON stix_objects (collection, date_added, seq);
CREATE INDEX stix_objects_tlp_added ON stix_objects (tlp, date_added, seq);
CREATE INDEX stix_objects_id ON stix_objects (id);

CREATE TABLE taxii_api_roots (
    path               TEXT        NOT NULL PRIMARY KEY,
    title              TEXT        NOT NULL,
    description        TEXT,
    max_content_length BIGINT      NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE taxii_collections (
    id          UUID        NOT NULL PRIMARY KEY,
    api_root    TEXT        NOT NULL REFERENCES taxii_api_roots (path),
    title       TEXT        NOT NULL,
    description TEXT,
    alias       TEXT,
    scope       TEXT        NOT NULL CHECK (scope IN ('organization', 'community', 'public')),
    scope_id    UUID,
    can_read    BOOLEAN     NOT NULL,
    can_write   BOOLEAN     NOT NULL,
    media_types JSONB       NOT NULL,
    owner_org   UUID        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE taxii_status (
    id            UUID        NOT NULL PRIMARY KEY,
    api_root      TEXT        NOT NULL,
    org_id        UUID        NOT NULL,
    request_at    TIMESTAMPTZ NOT NULL,
    total_count   BIGINT      NOT NULL,
    success_count BIGINT      NOT NULL,
    failure_count BIGINT      NOT NULL,
    pending_count BIGINT      NOT NULL,
    details       JSONB       NOT NULL
);
