-- The same append as append.sql, committed by the procedure itself; it
-- refuses to run inside a transaction block. The OUT arguments come back as
-- one row with the same columns.
CALL __SCHEMA__.append_events_committed($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, NULL, NULL)
