-- Federation: the same as the SQLite schema, in native types.

CREATE TABLE instance (
    singleton INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
    id        UUID    NOT NULL,
    name      TEXT    NOT NULL
);

ALTER TABLE organizations ADD COLUMN peer BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE report_provenance (
    report_id        UUID  NOT NULL PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    origin_instance  UUID  NOT NULL,
    origin_report_id UUID  NOT NULL,
    source_instance  UUID  NOT NULL,
    source_report_id UUID  NOT NULL,
    data             JSONB NOT NULL
);

CREATE UNIQUE INDEX report_provenance_origin ON report_provenance (origin_instance, origin_report_id);
CREATE INDEX report_provenance_source ON report_provenance (source_instance, source_report_id);

CREATE TABLE peers (
    id              UUID        NOT NULL PRIMARY KEY,
    url             TEXT        NOT NULL,
    kind            TEXT        NOT NULL CHECK (kind IN ('dragnet', 'taxii')),
    token           TEXT        NOT NULL,
    collection      TEXT,
    receiving_org   UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    allow_private   BOOLEAN     NOT NULL,
    remote_instance UUID,
    remote_name     TEXT,
    cursor          TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    last_ok_at      TIMESTAMPTZ,
    last_error      TEXT,
    last_error_at   TIMESTAMPTZ,
    imported        BIGINT      NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX peers_url ON peers (url, coalesce(collection, ''));
