-- A leaner append_events: the same contract as 0001, in fewer statements.
--
-- * A written stream is locked, checked and bumped by one
--   UPDATE ... WHERE version = expected (0001 locked it, then updated it
--   later: two statements and two WAL records).
-- * The transaction's next position is kept in a transaction-local setting
--   instead of being looked up with max() on every call.
-- * A single-stream batch skips sorting its participants.
-- * The result is returned with RETURN NEXT rather than a query.
--
-- On a conflict, streams already bumped by this call are put back (their
-- rows are still locked by this transaction), so nothing is written.

CREATE OR REPLACE FUNCTION __SCHEMA__.append_events(
    p_streams  text[],
    p_expected bigint[],
    p_counts   integer[],
    e_part     integer[],
    e_offset   integer[],
    e_ids      uuid[],
    e_types    text[],
    e_payloads text[],
    e_metadata text[],
    p_channel  text
) RETURNS TABLE (
    conflict_index  integer,
    actual_version  bigint,
    first_position  bigint,
    new_versions    bigint[]
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
        RETURN NEXT;
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
    RETURN NEXT;
END
$$;
