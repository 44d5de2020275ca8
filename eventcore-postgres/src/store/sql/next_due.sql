-- When a queue's earliest pending message is due.
SELECT min(due_at) FROM __SCHEMA__.scheduled_messages
WHERE queue = $1 AND settled IS NULL
