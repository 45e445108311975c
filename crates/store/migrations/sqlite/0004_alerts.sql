-- Alert rules (the rule as JSON of model::alert::RuleKind) and the alerts they raised (JSON of
-- model::alert::Alert). Deleted rules are kept with `deleted_at` so their alerts still name them.

CREATE TABLE alert_rules (
    id         BLOB    NOT NULL PRIMARY KEY,
    org_id     BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    rule       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);

CREATE TABLE alerts (
    id         BLOB    NOT NULL PRIMARY KEY,
    rule_id    BLOB    NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    org_id     BLOB    NOT NULL,
    data       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX alerts_org ON alerts (org_id, id);
