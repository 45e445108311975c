-- STIX objects as received and the TAXII 2.1 resources around them.
--
-- `stix_objects` keeps one row per (collection, id, version), the object's JSON text exactly as
-- received (`body`), and the facts the TAXII filters and dragnet's visibility function need.
-- `seq` orders rows added at the same `date_added` (an import may repeat a date_added).
-- Access facts use the encoding of `reports`: `tlp` text, `author_org` uuid, `audience` JSON.

CREATE TABLE stix_objects (
    seq            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    collection     BLOB    NOT NULL,
    id             TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    spec_version   TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    created        INTEGER,
    modified       INTEGER,
    date_added     INTEGER NOT NULL,
    media_type     TEXT    NOT NULL,
    author_org     BLOB    NOT NULL,
    tlp            TEXT    NOT NULL,
    audience       TEXT    NOT NULL,
    created_by_ref TEXT,
    body           TEXT    NOT NULL
);

CREATE UNIQUE INDEX stix_objects_version ON stix_objects (collection, id, version);
CREATE INDEX stix_objects_added ON stix_objects (collection, date_added, seq);
CREATE INDEX stix_objects_tlp_added ON stix_objects (tlp, date_added, seq);
CREATE INDEX stix_objects_id ON stix_objects (id);

CREATE TABLE taxii_api_roots (
    path               TEXT    NOT NULL PRIMARY KEY,
    title              TEXT    NOT NULL,
    description        TEXT,
    max_content_length INTEGER NOT NULL,
    created_at         INTEGER NOT NULL
);

-- Stored collections (the organisation, community and public collections are derived).
-- `scope` is `organization`, `community` or `public`; `scope_id` the organisation or community.
CREATE TABLE taxii_collections (
    id          BLOB    NOT NULL PRIMARY KEY,
    api_root    TEXT    NOT NULL REFERENCES taxii_api_roots (path),
    title       TEXT    NOT NULL,
    description TEXT,
    alias       TEXT,
    scope       TEXT    NOT NULL CHECK (scope IN ('organization', 'community', 'public')),
    scope_id    BLOB,
    can_read    INTEGER NOT NULL CHECK (can_read IN (0, 1)),
    can_write   INTEGER NOT NULL CHECK (can_write IN (0, 1)),
    media_types TEXT    NOT NULL,
    owner_org   BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE taxii_status (
    id            BLOB    NOT NULL PRIMARY KEY,
    api_root      TEXT    NOT NULL,
    org_id        BLOB    NOT NULL,
    request_at    INTEGER NOT NULL,
    total_count   INTEGER NOT NULL,
    success_count INTEGER NOT NULL,
    failure_count INTEGER NOT NULL,
    pending_count INTEGER NOT NULL,
    details       TEXT    NOT NULL
);
