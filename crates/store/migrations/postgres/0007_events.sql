-- Events: the same as the SQLite schema, in native types. `seq` is assigned in commit order
-- without gaps: a writer takes the transaction-level advisory lock of the events table
-- (pg_advisory_xact_lock) right before appending, so a transaction holding seq N commits
-- before any transaction can take N + 1, and a reader resuming at "seq > N" never misses a
-- late-committing lower seq.

CREATE TABLE events (
    seq  BIGINT      NOT NULL PRIMARY KEY,
    at   TIMESTAMPTZ NOT NULL,
    type TEXT        NOT NULL,
    data JSONB       NOT NULL
);

CREATE TABLE instance_keys (
    name TEXT  NOT NULL PRIMARY KEY,
    key  BYTEA NOT NULL
);
