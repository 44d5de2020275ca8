-- EventCore's SQLite schema. Times the store compares (lease expiry, due
-- times, retention) are integer microseconds since the Unix epoch.

-- Every committed event. Positions are assigned under the database's write
-- lock, one writer at a time, and events are never deleted, so positions are
-- dense and commit in order: a reader can never see position p before p - 1.
CREATE TABLE events (
    global_position INTEGER PRIMARY KEY,
    stream_id       TEXT NOT NULL,
    version         INTEGER NOT NULL CHECK (version > 0),
    event_id        BLOB NOT NULL,
    event_type      TEXT NOT NULL,
    -- NULL: a payload in serde's tagged form, as stores kept it before
    -- schema versions (imported from such a store).
    schema_version  INTEGER,
    payload         TEXT NOT NULL,
    metadata        TEXT NOT NULL,
    UNIQUE (stream_id, version)
);

-- read_all filtered by event type.
CREATE INDEX events_type_position ON events (event_type, global_position);

-- Events are immutable: the database refuses to change or remove them.
CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are immutable: UPDATE on events is refused');
END;

CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are immutable: DELETE on events is refused');
END;

-- A stream's version is its newest event's: read through the unique
-- (stream_id, version) index, so no table of versions is written per append.

CREATE TABLE checkpoints (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL CHECK (position >= 0)
) WITHOUT ROWID;

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    token      INTEGER NOT NULL CHECK (token > 0),
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE projection_controls (
    name               TEXT PRIMARY KEY,
    paused             INTEGER NOT NULL CHECK (paused IN (0, 1)),
    rebuilds_requested INTEGER NOT NULL CHECK (rebuilds_requested >= 0),
    rebuilds_done      INTEGER NOT NULL CHECK (rebuilds_done >= 0)
) WITHOUT ROWID;

-- One record per claimed key, written with its batch: the batch's events
-- are the positions first_position..=last_position (one batch's positions
-- are consecutive). expires_at is NULL for a record kept for ever.
CREATE TABLE idempotency_keys (
    key            TEXT PRIMARY KEY,
    command        TEXT NOT NULL,
    fingerprint    BLOB NOT NULL,
    recorded_us    INTEGER NOT NULL,
    expires_us     INTEGER,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE scheduled_messages (
    id             TEXT PRIMARY KEY,
    queue          TEXT NOT NULL,
    due_us         INTEGER NOT NULL,
    payload        TEXT NOT NULL,
    correlation_id BLOB,
    settled        TEXT CHECK (settled IN ('fired', 'cancelled')),
    settled_us     INTEGER
) WITHOUT ROWID;

-- The pending messages of a queue, by due time.
CREATE INDEX scheduled_messages_pending
    ON scheduled_messages (queue, due_us, id) WHERE settled IS NULL;

-- One snapshot per stream and state type: a newer one replaces it.
CREATE TABLE snapshots (
    stream_id   TEXT NOT NULL,
    state_type  TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 0),
    fingerprint TEXT NOT NULL,
    state       TEXT NOT NULL,
    PRIMARY KEY (stream_id, state_type)
) WITHOUT ROWID;
