-- EventCore event store schema. `__SCHEMA__` is replaced by the configured
-- schema name (a validated, quoted identifier) when the migration runs.

-- Every committed event. `global_position` is derived from the writing
-- transaction's id (xid8 << 20 | index in the transaction), so position order
-- equals commit-visibility order for readers that stop at the snapshot xmin:
-- see `read_all` in the crate docs.
CREATE TABLE __SCHEMA__.events (
    global_position bigint NOT NULL,
    transaction_id  xid8 NOT NULL,
    stream_id       text COLLATE "C" NOT NULL,
    version         bigint NOT NULL CHECK (version > 0),
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    payload         jsonb NOT NULL,
    metadata        jsonb NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_pkey PRIMARY KEY (global_position),
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, version)
);

-- read_all filtered by event type.
CREATE INDEX events_type_position_idx ON __SCHEMA__.events (event_type, global_position);

-- Current version of every stream: the row appends lock for their checks.
-- A row at version 0 is a placeholder taken by a check on a stream that does
-- not exist yet; it reads as "no stream".
CREATE TABLE __SCHEMA__.streams (
    stream_id text COLLATE "C" NOT NULL,
    version   bigint NOT NULL CHECK (version >= 0),
    CONSTRAINT streams_pkey PRIMARY KEY (stream_id)
);

CREATE TABLE __SCHEMA__.checkpoints (
    name       text NOT NULL,
    position   bigint NOT NULL CHECK (position >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT checkpoints_pkey PRIMARY KEY (name)
);

CREATE TABLE __SCHEMA__.leases (
    name       text NOT NULL,
    holder     text NOT NULL,
    token      bigint NOT NULL CHECK (token > 0),
    expires_at timestamptz NOT NULL,
    CONSTRAINT leases_pkey PRIMARY KEY (name)
);

-- Events are immutable: the database refuses to change or remove them.
CREATE FUNCTION __SCHEMA__.refuse_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable: % on %.% is refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'EC001';
END
$$;

CREATE TRIGGER events_refuse_update_delete
    BEFORE UPDATE OR DELETE ON __SCHEMA__.events
    FOR EACH STATEMENT EXECUTE FUNCTION __SCHEMA__.refuse_event_change();

CREATE TRIGGER events_refuse_truncate
    BEFORE TRUNCATE ON __SCHEMA__.events
    FOR EACH STATEMENT EXECUTE FUNCTION __SCHEMA__.refuse_event_change();

-- The whole append in one call: lock and check every participant, then
-- write every event, or report the first conflict (in batch order) as data.
--
-- p_streams/p_expected/p_counts describe the participants in batch order
-- (p_expected = -1 means "any version"); the e_* arrays describe the events
-- in batch order, e_part being the 1-based participant index and e_offset
-- the event's 1-based index within its stream's part of the batch.
CREATE FUNCTION __SCHEMA__.append_events(
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
    i         integer;
    v         bigint;
    xid_base  bigint;
    base      bigint;
BEGIN
    -- Lock participants in stream-id order so that concurrent multi-stream
    -- appends never deadlock. Writers take the row exclusively, read-only
    -- participants share it, so a checked stream cannot move before commit.
    FOR i IN
        SELECT t.idx FROM unnest(p_streams) WITH ORDINALITY AS t(sid, idx) ORDER BY t.sid
    LOOP
        IF p_expected[i] < 0 AND p_counts[i] = 0 THEN
            -- Unchecked and unwritten: report the version, lock nothing.
            SELECT s.version INTO v FROM __SCHEMA__.streams AS s WHERE s.stream_id = p_streams[i];
            actual[i] := coalesce(v, 0);
            CONTINUE;
        END IF;
        IF p_expected[i] <= 0 THEN
            -- The stream may not exist: create a placeholder so there is a
            -- row to lock (a concurrent creator then queues behind us).
            INSERT INTO __SCHEMA__.streams (stream_id, version)
            VALUES (p_streams[i], 0)
            ON CONFLICT (stream_id) DO NOTHING;
        END IF;
        IF p_counts[i] > 0 THEN
            SELECT s.version INTO v FROM __SCHEMA__.streams AS s
            WHERE s.stream_id = p_streams[i] FOR NO KEY UPDATE;
        ELSE
            SELECT s.version INTO v FROM __SCHEMA__.streams AS s
            WHERE s.stream_id = p_streams[i] FOR SHARE;
        END IF;
        actual[i] := coalesce(v, 0);
    END LOOP;

    FOR i IN 1 .. n_streams LOOP
        IF p_expected[i] >= 0 AND actual[i] <> p_expected[i] THEN
            RETURN QUERY SELECT i, actual[i], NULL::bigint, NULL::bigint[];
            RETURN;
        END IF;
    END LOOP;

    IF n_events > 0 THEN
        xid_base := pg_current_xact_id()::text::bigint << 20;
        -- Continue after events this transaction wrote already, if any.
        SELECT coalesce(max(e.global_position) + 1, xid_base) INTO base
        FROM __SCHEMA__.events AS e
        WHERE e.global_position >= xid_base AND e.global_position < xid_base + 1048576;
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

        FOR i IN 1 .. n_streams LOOP
            actual[i] := actual[i] + p_counts[i];
        END LOOP;

        UPDATE __SCHEMA__.streams AS s SET version = u.v
        FROM unnest(p_streams, actual, p_counts) AS u(sid, v, c)
        WHERE u.c > 0 AND s.stream_id = u.sid;

        IF p_channel IS NOT NULL THEN
            PERFORM pg_notify(p_channel, (base + n_events - 1)::text);
        END IF;
    END IF;

    RETURN QUERY SELECT NULL::integer, NULL::bigint, base, actual;
END
$$;
