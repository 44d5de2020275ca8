-- append_committed.sql with an idempotency claim (see append_keyed.sql),
-- committed by the procedure itself with the batch.
CALL __SCHEMA__.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, true, NULL, NULL, NULL, NULL)
