-- A key's live record and the events its batch wrote (consecutive
-- positions from first_position), in position order; one row with NULL
-- event columns when the batch wrote none.
SELECT k.command, k.fingerprint, k.recorded_at, k.expires_at,
       e.global_position, e.stream_id, e.version, e.event_type,
       e.schema_version, e.payload::text AS payload, e.metadata::text AS metadata
FROM __SCHEMA__.idempotency_keys AS k
LEFT JOIN __SCHEMA__.events AS e
    ON e.global_position >= k.first_position
   AND e.global_position < k.first_position + k.event_count
WHERE k.key = $1 AND (k.expires_at IS NULL OR k.expires_at > now())
ORDER BY e.global_position
