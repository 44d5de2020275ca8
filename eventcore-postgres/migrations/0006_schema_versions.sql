-- Schema versions: each event carries the schema version of its type name,
-- and payloads hold the event's data alone (`{"amount":5}`), with the type
-- name as the one discriminator.
--
-- Rows written before this migration hold serde's tagged form
-- (`{"Deposited":{"amount":5}}`) and get no schema version: NULL marks that
-- form, and readers decode it as version 1. Adding a nullable column without
-- a default rewrites nothing, so the migration is instant on any table.
--
-- The append procedure gets one more argument, the schema versions, as an
-- overload: the procedure of migration 5 stays, so that code from before
-- this migration keeps appending, in its own form (NULL), during a rolling
-- upgrade. Its body is migration 5's with the new column written.

ALTER TABLE __SCHEMA__.events ADD COLUMN schema_version integer;

ALTER TABLE __SCHEMA__.events ADD CONSTRAINT events_schema_version_positive
    CHECK (schema_version >= 1) NOT VALID;

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
    lowest    bigint;
    announced text;
    base      bigint;
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
        IF n_events > 1048576 THEN
            RAISE EXCEPTION 'one append can write at most 1048576 events'
                USING ERRCODE = 'EC002';
        END IF;
        -- Announce this transaction once, before its first epoch (see the
        -- top of this file). The lowest epoch it can take is the sequence's
        -- next value, read before nextval below.
        -- (Expressions, not queries: PL/pgSQL evaluates them without the
        -- executor, and folds the constant parts once per session.)
        announced := 'eventcore.announced_' || '__SCHEMA__'::regnamespace::oid::text;
        IF coalesce(current_setting(announced, true), '') = '' THEN
            -- NULL only before the first nextval; this migration's setval
            -- is one, so 1 (below any epoch) is merely a safe fallback.
            lowest := (coalesce(pg_sequence_last_value('__SCHEMA__.append_epochs'), 0) + 1)
                      & 4294967295;
            ignored := pg_advisory_xact_lock_shared(
                __SCHEMA__.append_lock_key(),
                (CASE WHEN lowest >= 2147483648 THEN lowest - 4294967296 ELSE lowest END)::integer
            )::text;
            ignored := set_config(announced, 'yes', true);
        END IF;
        base := nextval('__SCHEMA__.append_epochs') << 20;

        INSERT INTO __SCHEMA__.events
            (global_position, transaction_id, stream_id, version, event_id, event_type,
             schema_version, payload, metadata)
        SELECT base + e.k - 1, pg_current_xact_id(), p_streams[e.p], actual[e.p] + e.o,
               e.id, e.t, e.sv, e.pl::jsonb, e.md::jsonb
        FROM unnest(e_part, e_offset, e_ids, e_types, e_versions, e_payloads, e_metadata)
             WITH ORDINALITY AS e(p, o, id, t, sv, pl, md, k);

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
