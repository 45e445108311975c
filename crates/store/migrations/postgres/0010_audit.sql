-- The audit log: the same as the SQLite schema, in native types. `detail` is TEXT, not JSONB:
-- the stored text is what is hashed. Appends take their own transaction-level advisory lock,
-- so `seq` is gapless in commit order and every entry links to the one committed before it.

CREATE TABLE audit_log (
    seq         BIGINT      NOT NULL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_kind  TEXT        NOT NULL,
    actor_org   UUID,
    actor_token UUID,
    actor_role  TEXT,
    action      TEXT        NOT NULL,
    object_type TEXT        NOT NULL,
    object_id   TEXT        NOT NULL,
    detail      TEXT,
    prev_hash   BYTEA       NOT NULL,
    hash        BYTEA       NOT NULL
);

CREATE INDEX audit_log_org ON audit_log (actor_org, seq);

CREATE TABLE audit_head (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash BYTEA   NOT NULL
);
