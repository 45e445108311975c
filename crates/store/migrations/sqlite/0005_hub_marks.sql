-- Values operators marked as hubs: they never link reports into campaigns.

CREATE TABLE hub_marks (
    kind      TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    marked_by BLOB    NOT NULL,
    marked_at INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;
