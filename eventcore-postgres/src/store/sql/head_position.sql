-- `safe`: the newest position below the gap-safe bound (see read_all.sql);
-- `newest`: the newest committed position, maybe not yet safe.
SELECT coalesce(
           (SELECT max(e.global_position) FROM __SCHEMA__.events AS e
            WHERE e.global_position < (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)),
           0) AS safe,
       (SELECT max(global_position) FROM __SCHEMA__.events) AS newest
