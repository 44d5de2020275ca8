-- A stream's snapshot for one state type.
SELECT version, fingerprint, state::text AS state
FROM __SCHEMA__.snapshots
WHERE stream_id = $1 AND state_type = $2
