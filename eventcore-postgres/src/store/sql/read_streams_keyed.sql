-- An idempotent execution's first read, in one statement (one snapshot):
-- the live record of key $3 with the events its batch wrote (stream_index
-- 0, in position order; one row with NULL event columns when it wrote
-- none), or, when the key is not recorded, each requested stream's version
-- and its events after `after`, exactly as `read_streams.sql` returns them.
WITH k AS (
    SELECT command, fingerprint, recorded_at, expires_at, first_position, event_count
    FROM __SCHEMA__.idempotency_keys
    WHERE key = $3 AND (expires_at IS NULL OR expires_at > now())
)
SELECT 0::bigint AS stream_index, 0::bigint AS stream_version,
       k.command, k.fingerprint, k.recorded_at, k.expires_at,
       e.global_position AS ordinal,
       e.global_position, e.stream_id, e.version, e.event_type,
       e.schema_version, e.payload::text AS payload, e.metadata::text AS metadata
FROM k
LEFT JOIN __SCHEMA__.events AS e
    ON e.global_position >= k.first_position
   AND e.global_position < k.first_position + k.event_count
UNION ALL
SELECT r.idx, coalesce(st.version, 0),
       NULL, NULL, NULL, NULL,
       e.version,
       e.global_position, e.stream_id, e.version, e.event_type,
       e.schema_version, e.payload::text, e.metadata::text
FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(stream_id, after, idx)
LEFT JOIN LATERAL (
    SELECT version FROM __SCHEMA__.streams AS st
    WHERE st.stream_id = r.stream_id
    OFFSET 0
) AS st ON true
LEFT JOIN __SCHEMA__.events AS e ON e.stream_id = r.stream_id AND e.version > r.after
WHERE NOT EXISTS (SELECT 1 FROM k)
ORDER BY stream_index, ordinal
