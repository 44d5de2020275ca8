-- One append inside the caller's transaction: the batch as parallel arrays
-- (see `AppendArgs`); the procedure's INOUT arguments come back as one row:
-- the first conflict, or the first position and each participant's new
-- version.
CALL __SCHEMA__.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, false, NULL, NULL, NULL, NULL)
