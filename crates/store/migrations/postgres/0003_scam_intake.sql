-- Scam intake: the same as the SQLite schema, in native types.

ALTER TABLE reports ADD COLUMN scam JSONB;

CREATE TABLE victim_pii (
    report_id UUID  NOT NULL PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    data      JSONB NOT NULL
);
