-- Events in ($1, $2], counting at most $3 of them.
SELECT count(*) AS events
FROM (
    SELECT 1 FROM __SCHEMA__.events
    WHERE global_position > $1 AND global_position <= $2
    LIMIT $3
) AS capped
