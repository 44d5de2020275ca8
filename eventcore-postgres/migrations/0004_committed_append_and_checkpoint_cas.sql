-- Two guarantees the first version could not give.
--
-- 1. append_events_committed: the append through the pool, as a procedure
--    that commits its own work. A procedure may COMMIT only when it is not
--    called inside a transaction block, so if the pooled connection was
--    left inside a transaction (a task cancelled while sqlx was sending
--    BEGIN leaves one behind), the call fails with SQLSTATE 2D000 instead
--    of acknowledging events that would never commit. Same arguments and
--    result as append_events, in one round trip.
--
-- 2. save_checkpoint: a compare-and-set of a checkpoint, optionally fenced
--    by a lease. It moves the checkpoint only if it is still at p_from (a
--    missing checkpoint counts as 0), so a batch replayed after a commit
--    whose reply was lost cannot be recorded twice.

CREATE PROCEDURE __SCHEMA__.append_events_committed(
    p_streams  text[],
    p_expected bigint[],
    p_counts   integer[],
    e_part     integer[],
    e_offset   integer[],
    e_ids      uuid[],
    e_types    text[],
    e_payloads text[],
    e_metadata text[],
    p_channel  text,
    INOUT conflict_index  integer,
    INOUT actual_version  bigint,
    INOUT first_position  bigint,
    INOUT new_versions    bigint[]
)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT a.conflict_index, a.actual_version, a.first_position, a.new_versions
    INTO conflict_index, actual_version, first_position, new_versions
    FROM __SCHEMA__.append_events(p_streams, p_expected, p_counts, e_part, e_offset,
                                  e_ids, e_types, e_payloads, e_metadata, p_channel) AS a;
    -- Raises 2D000 (invalid_transaction_termination) inside a transaction block.
    COMMIT;
END
$$;

CREATE FUNCTION __SCHEMA__.save_checkpoint(
    p_name   text,
    p_from   bigint,
    p_to     bigint,
    p_holder text,
    p_token  bigint
) RETURNS TABLE (saved boolean, fenced_out boolean, actual bigint)
LANGUAGE plpgsql AS $$
BEGIN
    saved := false;
    fenced_out := false;
    IF p_holder IS NOT NULL THEN
        -- Share-lock the lease row so a takeover cannot commit between this
        -- check and the caller's commit.
        PERFORM 1 FROM __SCHEMA__.leases AS l
        WHERE l.name = p_name AND l.holder = p_holder AND l.token = p_token
          AND l.expires_at > clock_timestamp()
        FOR SHARE;
        IF NOT FOUND THEN
            fenced_out := true;
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;

    UPDATE __SCHEMA__.checkpoints AS c SET position = p_to, updated_at = now()
    WHERE c.name = p_name AND c.position = p_from;
    IF FOUND THEN
        saved := true;
        RETURN NEXT;
        RETURN;
    END IF;
    IF p_from = 0 THEN
        INSERT INTO __SCHEMA__.checkpoints (name, position) VALUES (p_name, p_to)
        ON CONFLICT (name) DO NOTHING;
        IF FOUND THEN
            saved := true;
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;

    SELECT c.position INTO actual FROM __SCHEMA__.checkpoints AS c WHERE c.name = p_name;
    RETURN NEXT;
END
$$;
