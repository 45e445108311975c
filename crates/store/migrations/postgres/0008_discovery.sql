-- Hit/no-hit: the same as the SQLite schema, in native types.

-- A report's own flag: TRUE discoverable, FALSE never, NULL as its organisation's setting says.
ALTER TABLE reports ADD COLUMN discoverable BOOLEAN;

-- "All our reports are discoverable" (reports whose flag is NULL follow it).
ALTER TABLE organizations ADD COLUMN reports_discoverable BOOLEAN NOT NULL DEFAULT FALSE;

-- One row per (request, owner organisation); no foreign key on the owner (federated authors).
CREATE TABLE access_requests (
    id              UUID        NOT NULL PRIMARY KEY,
    request_id      UUID        NOT NULL,
    requester_org   UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    requester_token UUID,
    kind            TEXT        NOT NULL,
    value           TEXT        NOT NULL,
    owner_org       UUID        NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('pending', 'granted', 'declined')),
    created_at      TIMESTAMPTZ NOT NULL,
    decided_at      TIMESTAMPTZ,
    decided_by      UUID
);

-- One pending request per requester, owner and selector.
CREATE UNIQUE INDEX access_requests_one_pending
    ON access_requests (requester_org, owner_org, kind, value) WHERE status = 'pending';
CREATE INDEX access_requests_owner ON access_requests (owner_org, id);
CREATE INDEX access_requests_requester ON access_requests (requester_org, request_id, id);
