-- Idempotency keys: a batch may claim a key, and the key is recorded with
-- the positions the batch wrote, in the same transaction as its events.
--
-- One append writes its events at consecutive positions (an epoch and the
-- event's index), so a record keeps the first position and the count.
-- `expires_at` is NULL for a record kept for ever; an expired record is
-- ignored by lookups and replaced by the next claim on its key.

CREATE TABLE __SCHEMA__.idempotency_keys (
    key            text PRIMARY KEY,
    command        text NOT NULL,
    fingerprint    uuid NOT NULL,
    first_position bigint,
    event_count    integer NOT NULL CHECK (event_count >= 0),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz
);

-- Purges find expired records without reading the rest.
CREATE INDEX idempotency_keys_expiry ON __SCHEMA__.idempotency_keys (expires_at)
    WHERE expires_at IS NOT NULL;

-- The append with a claim: migration 6's procedure, without its own commit,
-- then the record. A batch without a claim keeps calling migration 6's
-- procedure directly, so it pays nothing for this one.
CREATE PROCEDURE __SCHEMA__.append_events(
    p_streams  text[],
    p_expected bigint[],
    p_counts   integer[],
    e_part     integer[],
    e_offset   integer[],
    e_ids      uuid[],
    e_types    text[],
    e_payloads text[],
    e_metadata text[],
    e_versions integer[],
    p_channel  text,
    p_key         text,
    p_command     text,
    p_fingerprint uuid,
    p_retention_us bigint,
    p_commit   boolean,
    INOUT conflict_index  integer,
    INOUT actual_version  bigint,
    INOUT first_position  bigint,
    INOUT new_versions    bigint[]
)
LANGUAGE plpgsql AS $$
DECLARE
    n_events integer := coalesce(array_length(e_ids, 1), 0);
    written  bigint;
BEGIN
    CALL __SCHEMA__.append_events(
        p_streams, p_expected, p_counts, e_part, e_offset, e_ids, e_types, e_payloads,
        e_metadata, e_versions, p_channel, false,
        conflict_index, actual_version, first_position, new_versions);

    IF conflict_index IS NULL THEN
        -- (A local, so that no statement below can read a column for it.)
        written := first_position;
        -- Waits for a concurrent claim on the key to end; a live record
        -- refuses this one and the whole append rolls back.
        INSERT INTO __SCHEMA__.idempotency_keys AS k
            (key, command, fingerprint, first_position, event_count, recorded_at, expires_at)
        VALUES (p_key, p_command, p_fingerprint, written, n_events, now(),
                now() + p_retention_us * interval '1 microsecond')
        ON CONFLICT (key) DO UPDATE
            SET command = excluded.command, fingerprint = excluded.fingerprint,
                first_position = excluded.first_position, event_count = excluded.event_count,
                recorded_at = excluded.recorded_at, expires_at = excluded.expires_at
            WHERE k.expires_at IS NOT NULL AND k.expires_at <= now();
        IF NOT FOUND THEN
            RAISE EXCEPTION 'idempotency key % is already recorded', p_key
                USING ERRCODE = 'EC003';
        END IF;
    END IF;

    IF p_commit THEN
        COMMIT;
    END IF;
END
$$;
