-- Settles a pending message as $2 ('fired' or 'cancelled').
UPDATE __SCHEMA__.scheduled_messages
SET settled = $2, settled_at = now()
WHERE id = $1 AND settled IS NULL
