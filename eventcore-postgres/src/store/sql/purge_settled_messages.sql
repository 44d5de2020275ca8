-- Deletes the messages settled before $1.
DELETE FROM __SCHEMA__.scheduled_messages
WHERE settled IS NOT NULL AND settled_at < $1
