-- Two guarantees the first version could not give.
--
-- 1. append_events becomes a procedure that, with p_commit, commits its own
--    work. A procedure may COMMIT only when it is not called inside a
--    transaction block, so if a pooled connection was left inside one (a
--    task cancelled while sqlx was sending BEGIN leaves one behind), the
--    call fails with SQLSTATE 2D000 instead of acknowledging events that
--    would never commit. Without p_commit it runs inside the caller's
--    transaction (append_in). Same checks and result as the function of
--    migration 2, which it replaces, still in one round trip.
--
-- 2. save_checkpoint: a compare-and-set of a checkpoint, optionally fenced
--    by a lease. It moves the checkpoint only if it is still at p_from (a
--    missing checkpoint counts as 0), so a batch replayed after a commit
--    whose reply was lost cannot be recorded twice.

DROP FUNCTION __SCHEMA__.append_events(
    text[], bigint[], integer[], integer[], integer[], uuid[], text[], text[], text[], text
);

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
    p_channel  text,
    p_commit   boolean,
    INOUT conflict_index  integer,
    INOUT actual_version  bigint,
    INOUT first_position  bigint,
    INOUT new_versions    bigint[]
)
LANGUAGE plpgsql AS $$
DECLARE
    n_streams integer := coalesce(array_length(p_streams, 1), 0);
    n_events  integer := coalesce(array_length(e_ids, 1), 0);
    actual    bigint[] := array_fill(0::bigint, ARRAY[n_streams]);
    bumped    integer[] := '{}';
    ordered   integer[];
    conflict  integer;
    i         integer;
    v         bigint;
    xid_base  bigint;
    base      bigint;
    next_at   text;
    ignored   text;
BEGIN
    -- Visit participants in stream-id order so that concurrent multi-stream
    -- appends never deadlock.
    IF n_streams = 1 THEN
        ordered := ARRAY[1];
    ELSE
        ordered := ARRAY(
            SELECT t.idx::integer
            FROM unnest(p_streams) WITH ORDINALITY AS t(sid, idx)
            ORDER BY t.sid
        );
    END IF;

    FOREACH i IN ARRAY coalesce(ordered, '{}') LOOP
        IF p_counts[i] > 0 AND p_expected[i] > 0 THEN
            -- Lock, check and bump in one statement.
            UPDATE __SCHEMA__.streams AS s SET version = s.version + p_counts[i]
            WHERE s.stream_id = p_streams[i] AND s.version = p_expected[i];
            IF FOUND THEN
                actual[i] := p_expected[i];
                bumped := bumped || i;
                CONTINUE;
            END IF;
        ELSIF p_counts[i] > 0 AND p_expected[i] = 0 THEN
            -- A new stream: create it, or take over a version-0 placeholder
            -- (left by a read-only check of a stream that did not exist).
            INSERT INTO __SCHEMA__.streams AS s (stream_id, version)
            VALUES (p_streams[i], p_counts[i])
            ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version
            WHERE s.version = 0;
            IF FOUND THEN
                actual[i] := 0;
                bumped := bumped || i;
                CONTINUE;
            END IF;
        ELSIF p_counts[i] > 0 THEN
            -- ExpectedVersion::Any: append at whatever version the stream has.
            INSERT INTO __SCHEMA__.streams AS s (stream_id, version)
            VALUES (p_streams[i], p_counts[i])
            ON CONFLICT (stream_id) DO UPDATE SET version = s.version + excluded.version
            RETURNING s.version - p_counts[i] INTO v;
            actual[i] := v;
            bumped := bumped || i;
            CONTINUE;
        ELSIF p_expected[i] < 0 THEN
            -- Unchecked and unwritten: report the version, lock nothing.
            SELECT s.version INTO v FROM __SCHEMA__.streams AS s WHERE s.stream_id = p_streams[i];
            actual[i] := coalesce(v, 0);
            CONTINUE;
        ELSE
            -- A read-only participant: share-lock its row so it cannot move
            -- before this transaction commits (a placeholder row stands in
            -- for a stream that does not exist yet).
            IF p_expected[i] = 0 THEN
                INSERT INTO __SCHEMA__.streams (stream_id, version)
                VALUES (p_streams[i], 0)
                ON CONFLICT (stream_id) DO NOTHING;
            END IF;
            SELECT s.version INTO v FROM __SCHEMA__.streams AS s
            WHERE s.stream_id = p_streams[i] FOR SHARE;
            actual[i] := coalesce(v, 0);
            IF actual[i] = p_expected[i] THEN
                CONTINUE;
            END IF;
        END IF;
        -- A conflict: report the stream's current version.
        IF actual[i] = 0 THEN
            SELECT s.version INTO v FROM __SCHEMA__.streams AS s WHERE s.stream_id = p_streams[i];
            actual[i] := coalesce(v, 0);
        END IF;
        conflict := i;
        EXIT;
    END LOOP;

    IF conflict IS NOT NULL THEN
        IF array_length(bumped, 1) > 0 THEN
            UPDATE __SCHEMA__.streams AS s SET version = s.version - p_counts[u.i]
            FROM unnest(bumped) AS u(i)
            WHERE s.stream_id = p_streams[u.i];
        END IF;
        conflict_index := conflict;
        actual_version := actual[conflict];
        IF p_commit THEN
            COMMIT;
        END IF;
        RETURN;
    END IF;

    IF n_events > 0 THEN
        xid_base := pg_current_xact_id()::text::bigint << 20;
        -- Continue after events this transaction appended already, if any.
        next_at := current_setting('eventcore.next_position', true);
        base := CASE WHEN coalesce(next_at, '') = '' THEN xid_base
                     ELSE greatest(next_at::bigint, xid_base) END;
        IF base - xid_base + n_events > 1048576 THEN
            RAISE EXCEPTION 'one transaction can append at most 1048576 events'
                USING ERRCODE = 'EC002';
        END IF;

        INSERT INTO __SCHEMA__.events
            (global_position, transaction_id, stream_id, version, event_id, event_type, payload, metadata)
        SELECT base + e.k - 1, pg_current_xact_id(), p_streams[e.p], actual[e.p] + e.o,
               e.id, e.t, e.pl::jsonb, e.md::jsonb
        FROM unnest(e_part, e_offset, e_ids, e_types, e_payloads, e_metadata)
             WITH ORDINALITY AS e(p, o, id, t, pl, md, k);
        ignored := set_config('eventcore.next_position', (base + n_events)::text, true);

        IF p_channel IS NOT NULL THEN
            PERFORM pg_notify(p_channel, (base + n_events - 1)::text);
        END IF;
    END IF;

    FOR i IN 1 .. n_streams LOOP
        actual[i] := actual[i] + p_counts[i];
    END LOOP;
    first_position := base;
    new_versions := actual;
    IF p_commit THEN
        -- Raises 2D000 (invalid_transaction_termination) inside a
        -- transaction block: nothing is acknowledged that would not commit.
        COMMIT;
    END IF;
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
