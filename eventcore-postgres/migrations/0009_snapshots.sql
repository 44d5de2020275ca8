-- Snapshots: the folded state of one stream for one state type, saved so
-- that a cold executor reads only the events after it. One row per stream
-- and state type; a save replaces it unless the saved one has the same
-- fingerprint and a higher version.

CREATE TABLE __SCHEMA__.snapshots (
    stream_id   text NOT NULL,
    state_type  text NOT NULL,
    version     bigint NOT NULL CHECK (version >= 1),
    fingerprint text NOT NULL,
    state       jsonb NOT NULL,
    saved_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream_id, state_type)
);

-- Dropping a state type's snapshots finds them without a scan.
CREATE INDEX snapshots_state_type ON __SCHEMA__.snapshots (state_type);
