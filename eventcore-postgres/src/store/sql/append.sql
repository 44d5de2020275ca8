-- One append inside the caller's transaction: the batch as parallel arrays
-- (see `AppendArgs`); returns the first conflict, or the first position and
-- each participant's new version.
SELECT conflict_index, actual_version, first_position, new_versions
FROM __SCHEMA__.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
