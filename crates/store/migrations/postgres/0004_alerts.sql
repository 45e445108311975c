-- Alert rules and alerts: the same as the SQLite schema, in native types.

CREATE TABLE alert_rules (
    id         UUID        NOT NULL PRIMARY KEY,
    org_id     UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name       TEXT        NOT NULL,
    rule       JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

CREATE TABLE alerts (
    id         UUID        NOT NULL PRIMARY KEY,
    rule_id    UUID        NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    org_id     UUID        NOT NULL,
    data       JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX alerts_org ON alerts (org_id, id);
