-- Events after $1, at most $2, below the horizon $3 (read just before by
-- read_horizon.sql, so this statement's snapshot is newer than it: every
-- event below it has committed or never will). `newest` is the newest
-- committed position, visible but maybe not yet safe: when it is at or past
-- the horizon, an in-flight append to this store holds it back. The one
-- row of `h` is returned even when no event matches.
--
-- The filter conditions that follow the bound are written so no index can
-- serve them: read_all must walk `events_pkey` in position order. An index
-- on the filter plus a sort reads every remaining row on every call when
-- the planner misjudges how many rows match (as it does on a freshly loaded
-- table).
SELECT h.bound, h.newest,
       e.global_position, e.stream_id, e.version, e.event_type,
       e.event_id, e.schema_version, e.payload::text AS payload, e.metadata::text AS metadata
FROM (
    SELECT $3::bigint AS bound,
           (SELECT max(global_position) FROM __SCHEMA__.events) AS newest
) AS h
LEFT JOIN LATERAL (
    SELECT * FROM __SCHEMA__.events AS e
    WHERE e.global_position > $1 AND e.global_position < h.bound __FILTER__
    ORDER BY e.global_position
    LIMIT $2
) AS e ON true
ORDER BY e.global_position
