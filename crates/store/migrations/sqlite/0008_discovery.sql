-- Hit/no-hit: which reports organisations that may not read them may discover, and the access
-- requests those organisations send.

-- A report's own flag: 1 discoverable, 0 never, NULL as its organisation's setting says.
ALTER TABLE reports ADD COLUMN discoverable INTEGER CHECK (discoverable IN (0, 1));

-- "All our reports are discoverable" (reports whose flag is NULL follow it).
ALTER TABLE organizations ADD COLUMN reports_discoverable INTEGER NOT NULL DEFAULT 0
    CHECK (reports_discoverable IN (0, 1));

-- One row per (request, owner organisation): a request is routed to every organisation whose
-- discoverable reports hold the selector, and `request_id` ties the rows of one request
-- together. No foreign key on the owner: report authors may be organisations this instance
-- has never heard of (federation).
CREATE TABLE access_requests (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL,
    requester_org   BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    requester_token BLOB,
    kind            TEXT    NOT NULL,
    value           TEXT    NOT NULL,
    owner_org       BLOB    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'granted', 'declined')),
    created_at      INTEGER NOT NULL,
    decided_at      INTEGER,
    decided_by      BLOB
);

-- One pending request per requester, owner and selector.
CREATE UNIQUE INDEX access_requests_one_pending
    ON access_requests (requester_org, owner_org, kind, value) WHERE status = 'pending';
CREATE INDEX access_requests_owner ON access_requests (owner_org, id);
CREATE INDEX access_requests_requester ON access_requests (requester_org, request_id, id);
