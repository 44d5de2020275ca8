-- The same append as append.sql, committed by the procedure itself; it
-- refuses to commit inside a transaction block (SQLSTATE 2D000).
CALL __SCHEMA__.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, true, NULL, NULL, NULL, NULL)
