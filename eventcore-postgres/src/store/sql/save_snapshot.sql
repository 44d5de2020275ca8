-- Saves a snapshot, replacing the stream's one for its state type unless
-- that one has the same fingerprint and a higher version.
INSERT INTO __SCHEMA__.snapshots AS s (stream_id, state_type, version, fingerprint, state)
VALUES ($1, $2, $3, $4, $5::jsonb)
ON CONFLICT (stream_id, state_type) DO UPDATE
    SET version = excluded.version, fingerprint = excluded.fingerprint,
        state = excluded.state, saved_at = now()
    WHERE s.fingerprint <> excluded.fingerprint OR s.version <= excluded.version
