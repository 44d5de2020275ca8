-- Several batches in one transaction, each with its own outcome (see
-- migration 11), committed by the procedure itself.
CALL __SCHEMA__.append_group($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, NULL, NULL)
