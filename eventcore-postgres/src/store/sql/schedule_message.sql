-- Adds a message unless its id exists, pending or settled.
INSERT INTO __SCHEMA__.scheduled_messages (id, queue, due_at, payload, correlation_id)
VALUES ($1, $2, $3, $4::jsonb, $5)
ON CONFLICT (id) DO NOTHING
