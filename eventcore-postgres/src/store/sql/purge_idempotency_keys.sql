-- Deletes the expired idempotency records.
DELETE FROM __SCHEMA__.idempotency_keys WHERE expires_at <= now()
