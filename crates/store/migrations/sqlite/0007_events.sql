-- Events (model::event::Event): one row per committed change, written in the transaction of the
-- change. `seq` is assigned in commit order from 1 without gaps (the largest stored + 1, by the
-- one writer); `data` is the event's JSON without `seq`.

CREATE TABLE events (
    seq  INTEGER NOT NULL PRIMARY KEY,
    at   INTEGER NOT NULL,
    type TEXT    NOT NULL,
    data TEXT    NOT NULL
);

-- Instance secrets shared by every node of a deployment (the key of the stream's event ids).
CREATE TABLE instance_keys (
    name TEXT NOT NULL PRIMARY KEY,
    key  BLOB NOT NULL
);
