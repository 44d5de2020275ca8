SELECT version
FROM __SCHEMA__.streams
WHERE stream_id = $1
