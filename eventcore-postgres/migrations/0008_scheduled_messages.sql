-- Scheduled messages: timers for processes ("cancel the order if no
-- payment arrives within 15 minutes"), kept until a scheduler fires them.
--
-- A message stays after it is settled (fired or cancelled), so scheduling
-- its id again is a no-op, until a purge deletes it.

CREATE TABLE __SCHEMA__.scheduled_messages (
    id             text PRIMARY KEY,
    queue          text NOT NULL,
    due_at         timestamptz NOT NULL,
    payload        jsonb NOT NULL,
    correlation_id uuid,
    scheduled_at   timestamptz NOT NULL DEFAULT now(),
    settled        text CHECK (settled IN ('fired', 'cancelled')),
    settled_at     timestamptz,
    CHECK ((settled IS NULL) = (settled_at IS NULL))
);

-- A scheduler reads its queue's pending messages in due order.
CREATE INDEX scheduled_messages_pending
    ON __SCHEMA__.scheduled_messages (queue, due_at, id COLLATE "C")
    WHERE settled IS NULL;

-- Purges find settled messages without reading the pending ones.
CREATE INDEX scheduled_messages_settled
    ON __SCHEMA__.scheduled_messages (settled_at)
    WHERE settled IS NOT NULL;
