-- Readers wait only for appends to this store that are still in flight.
--
-- Until now a position was `writing transaction id << 20 | index`, and the
-- gap-safe bound was the snapshot xmin, which is cluster-wide: any open
-- transaction anywhere on the server (another database, a batch job, a
-- forgotten session) froze every reader of this store.
--
-- Now an append takes an *epoch* from this store's sequence and writes
-- positions `epoch << 20 | index`. Before it takes its first epoch in a
-- transaction, it announces itself with a shared transaction-level advisory
-- lock whose keys are this schema's oid and the low 32 bits of the lowest
-- epoch it can still take (the sequence's next value). The lock lives until
-- the transaction commits or rolls back, and PostgreSQL makes a commit
-- visible before it releases the transaction's locks. `read_horizon` below
-- turns that into the first position readers may not see yet.
--
-- An append that cannot take an epoch without having announced itself
-- cannot be missed: a reader reads the sequence, then the announcements,
-- then the sequence again, then the events with a fresh snapshot. Any epoch
-- at or below the first reading was taken by a transaction that had
-- announced itself before; it is either still announced (and bounds the
-- horizon) or has ended (and its events, if it committed, are in the
-- reader's snapshot). An epoch taken later is above the first reading.

CREATE SEQUENCE __SCHEMA__.append_epochs AS bigint MINVALUE 1 CACHE 1;

-- New positions start above every existing one, and above every position a
-- reader of the previous version would consider safe (its bound follows
-- the cluster's transaction ids), so that during a rolling upgrade an old
-- reader stalls on the new events instead of skipping one.
SELECT setval(
    '__SCHEMA__.append_epochs',
    greatest(
        coalesce((SELECT max(global_position) FROM __SCHEMA__.events), 0) >> 20,
        pg_current_xact_id()::text::bigint + 2147483648
    ) + 1
);

-- The key of this store's announcements: the schema's oid, as the
-- advisory-lock functions take it (a signed 32-bit integer). Written as one
-- expression, so that callers inline it and fold it to a constant.
CREATE FUNCTION __SCHEMA__.append_lock_key() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE WHEN '__SCHEMA__'::regnamespace::oid::bigint >= 2147483648
                 THEN '__SCHEMA__'::regnamespace::oid::bigint - 4294967296
                 ELSE '__SCHEMA__'::regnamespace::oid::bigint END)::integer
$$;

-- The append procedure of migration 4, with positions from epochs. Its
-- arguments and its result row are unchanged.
CREATE OR REPLACE PROCEDURE __SCHEMA__.append_events(
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
            (global_position, transaction_id, stream_id, version, event_id, event_type, payload, metadata)
        SELECT base + e.k - 1, pg_current_xact_id(), p_streams[e.p], actual[e.p] + e.o,
               e.id, e.t, e.pl::jsonb, e.md::jsonb
        FROM unnest(e_part, e_offset, e_ids, e_types, e_payloads, e_metadata)
             WITH ORDINALITY AS e(p, o, id, t, pl, md, k);

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

-- The first position this store's readers may not see yet (`horizon`):
-- every event below it has committed or will never exist. When an
-- in-flight append sets it, `holder_*` describe that transaction (what
-- pg_stat_activity shows this role), so an operator can find it.
--
-- VOLATILE and in PL/pgSQL on purpose: each statement takes a fresh
-- snapshot, in the order the argument at the top of this file needs.
CREATE FUNCTION __SCHEMA__.read_horizon(
    OUT horizon            bigint,
    OUT holder_pid         integer,
    OUT holder_since       timestamptz,
    OUT holder_application text,
    OUT holder_state       text
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    taken   bigint;
    latest  bigint;
    lows    bigint[];
    pids    integer[];
    lowest  bigint;
    pid     integer;
BEGIN
    -- 1. Every epoch taken so far is at most `taken`.
    SELECT s.last_value - CASE WHEN s.is_called THEN 0 ELSE 1 END INTO taken
    FROM __SCHEMA__.append_epochs AS s;
    -- 2. The appends of this store still in flight.
    SELECT array_agg(l.objid::bigint), array_agg(l.pid) INTO lows, pids
    FROM pg_catalog.pg_locks AS l
    WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted
      AND l.classid = '__SCHEMA__'::regnamespace::oid
      AND l.database = (SELECT d.oid FROM pg_catalog.pg_database AS d
                        WHERE d.datname = current_database());
    horizon := taken + 1;
    IF lows IS NOT NULL THEN
        -- 3. Each announcement holds the low 32 bits of an epoch at most
        -- `latest + 1`; PostgreSQL's wraparound limit keeps a transaction
        -- from staying open across 2^31 more (each append takes an xid).
        SELECT s.last_value - CASE WHEN s.is_called THEN 0 ELSE 1 END INTO latest
        FROM __SCHEMA__.append_epochs AS s;
        SELECT u.e, u.p INTO lowest, pid
        FROM (SELECT (latest + 1) - (((latest + 1 - a.lo) % 4294967296 + 4294967296) % 4294967296) AS e,
                     a.p
              FROM unnest(lows, pids) AS a(lo, p)) AS u
        ORDER BY u.e LIMIT 1;
        IF lowest < horizon THEN
            horizon := lowest;
            holder_pid := pid;
            SELECT a.xact_start, a.application_name, a.state
            INTO holder_since, holder_application, holder_state
            FROM pg_catalog.pg_stat_activity AS a WHERE a.pid = holder_pid;
        END IF;
    END IF;
    horizon := horizon << 20;
END
$$;

-- The gap-safe head: the newest position below the horizon (`safe`, 0 if
-- none), the newest committed position (`newest`), and the horizon with its
-- holder. The events are read after the horizon, with a fresh snapshot.
CREATE FUNCTION __SCHEMA__.read_head(
    OUT safe               bigint,
    OUT newest             bigint,
    OUT horizon            bigint,
    OUT holder_pid         integer,
    OUT holder_since       timestamptz,
    OUT holder_application text,
    OUT holder_state       text
)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    SELECT h.horizon, h.holder_pid, h.holder_since, h.holder_application, h.holder_state
    INTO horizon, holder_pid, holder_since, holder_application, holder_state
    FROM __SCHEMA__.read_horizon() AS h;
    SELECT coalesce(max(e.global_position), 0) INTO safe
    FROM __SCHEMA__.events AS e WHERE e.global_position < horizon;
    SELECT max(e.global_position) INTO newest FROM __SCHEMA__.events AS e;
END
$$;
