SELECT stream_id, version
FROM __SCHEMA__.streams
WHERE stream_id = ANY($1)
