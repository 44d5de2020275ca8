-- append.sql with an idempotency claim ($12 key, $13 command, $14
-- fingerprint, $15 retention in microseconds or NULL for ever), recorded in
-- the caller's transaction.
CALL __SCHEMA__.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, false, NULL, NULL, NULL, NULL)
