-- A queue's pending messages due at $2 or earlier, earliest first (ties
-- by id, byte order), at most $3.
SELECT id, queue, due_at, payload::text AS payload, correlation_id
FROM __SCHEMA__.scheduled_messages
WHERE queue = $1 AND settled IS NULL AND due_at <= $2
ORDER BY due_at, id COLLATE "C"
LIMIT $3
