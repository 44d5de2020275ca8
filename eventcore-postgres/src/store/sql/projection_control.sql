SELECT paused, rebuilds_requested, rebuilds_done
FROM __SCHEMA__.projection_controls
WHERE name = $1
