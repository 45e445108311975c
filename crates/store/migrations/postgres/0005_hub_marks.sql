-- Values operators marked as hubs: the same as the SQLite schema, in native types.

CREATE TABLE hub_marks (
    kind      TEXT        NOT NULL,
    value     TEXT        NOT NULL,
    reason    TEXT        NOT NULL,
    marked_by UUID        NOT NULL,
    marked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, value)
);
