-- Scam intake: the shareable intake facts of a report (JSON of model::scam::ScamDetails), and
-- the victim's personal data in a table of its own, read only by `get_victim_pii`.

ALTER TABLE reports ADD COLUMN scam TEXT;

CREATE TABLE victim_pii (
    report_id BLOB NOT NULL PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    data      TEXT NOT NULL
);
