-- Each requested stream's version and its events after `after`, in one
-- statement (one snapshot). A stream without events still yields one row,
-- with NULL event columns.
--
-- The OFFSET 0 keeps the version lookup a per-stream index probe (the
-- planner would otherwise hash the whole table when it misjudges the
-- array's length).
SELECT r.idx AS stream_index,
       coalesce(st.version, 0) AS stream_version,
       e.global_position, e.stream_id, e.version, e.event_type,
       e.schema_version, e.payload::text AS payload, e.metadata::text AS metadata
FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(stream_id, after, idx)
LEFT JOIN LATERAL (
    SELECT version FROM __SCHEMA__.streams AS st
    WHERE st.stream_id = r.stream_id
    OFFSET 0
) AS st ON true
LEFT JOIN __SCHEMA__.events AS e ON e.stream_id = r.stream_id AND e.version > r.after
ORDER BY r.idx, e.version
