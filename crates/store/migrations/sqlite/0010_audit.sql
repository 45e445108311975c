-- The audit log (model::audit): an append-only hash chain. `seq` is assigned from 1 without
-- gaps by the one writer; `hash` is SHA-256 over the entry's canonical encoding, which
-- includes `prev_hash`. `audit_head` keeps the last seq and hash written, updated in the same
-- transaction, so that entries removed from the end of the chain are detected too.

CREATE TABLE audit_log (
    seq         INTEGER NOT NULL PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_kind  TEXT    NOT NULL,
    actor_org   BLOB,
    actor_token BLOB,
    actor_role  TEXT,
    action      TEXT    NOT NULL,
    object_type TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    detail      TEXT,
    prev_hash   BLOB    NOT NULL,
    hash        BLOB    NOT NULL
);

CREATE INDEX audit_log_org ON audit_log (actor_org, seq);

CREATE TABLE audit_head (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB    NOT NULL
);
