-- Group commit: several batches in one transaction and one round trip, each
-- with its own outcome.
--
-- The store combines batches that are ready to append at the same moment
-- (see `GroupCommit`). Every batch is checked against the versions the
-- batches before it in the group left, exactly as if they had been
-- appended one after the other: a batch whose expected versions no longer
-- hold gets its own conflict and writes nothing, the others commit.
--
-- Parameters: the batches' participants, concatenated (`p_batch` names each
-- participant's batch, 1-based, batches in order and each batch's
-- participants together), and their events, concatenated in each batch's
-- emission order (`e_part` is a participant's index over the whole group).
-- Results, per batch: the participant (1-based, within the batch) whose
-- version did not hold and that version, or the batch's first position
-- (NULL for a batch without events); per participant: its new version.
--
-- Every stream of the group is locked first, one after the other in
-- stream-id order (the order in which `append_events` visits participants),
-- so that groups and single appends never deadlock: a written stream by
-- bumping it by everything the group writes to it (one row write, as a
-- single append makes), a stream the group only reads by a share lock.
--
-- The procedure sends no notification: the store notifies after the commit.

CREATE PROCEDURE __SCHEMA__.append_group(
    p_batch    integer[],
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
    INOUT conflict_index  integer[],
    INOUT actual_version  bigint[],
    INOUT first_position  bigint[],
    INOUT new_versions    bigint[]
)
LANGUAGE plpgsql AS $$
DECLARE
    n_parts   integer := coalesce(array_length(p_streams, 1), 0);
    n_batches integer;
    ids       text[];
    versions  bigint[];
    original  bigint[];
    bump      bigint[];
    slot      integer[];
    start_v   bigint[];
    ok        boolean[];
    taken     bigint := 0;
    written   bigint;
    v         bigint;
    b         integer;
    k         integer;
    j         integer;
    first_k   integer := 1;
    last_k    integer;
    conflict  integer;
    lowest    bigint;
    announced text;
    base      bigint;
    ignored   text;
BEGIN
    IF n_parts = 0 THEN
        RETURN;
    END IF;
    n_batches := p_batch[n_parts];

    -- Every stream locked in stream-id order, one after the other, as
    -- `append_events` visits them. A stream some batch writes is bumped
    -- at once by what all of the group's batches write to it (created if
    -- it does not exist), which locks it and tells its version before the
    -- group; a batch that then fails is taken back out below, which costs
    -- a second write only for the streams of failed batches. A stream the
    -- group only reads is share-locked (a version-0 placeholder stands in
    -- for one that does not exist).
    ids := ARRAY(SELECT DISTINCT s FROM unnest(p_streams) AS s ORDER BY s);
    slot := ARRAY(SELECT array_position(ids, u.s)
                  FROM unnest(p_streams) WITH ORDINALITY AS u(s, n) ORDER BY u.n);
    bump := array_fill(0::bigint, ARRAY[array_length(ids, 1)]);
    FOR k IN 1 .. n_parts LOOP
        bump[slot[k]] := bump[slot[k]] + p_counts[k];
    END LOOP;
    versions := array_fill(0::bigint, ARRAY[array_length(ids, 1)]);
    FOR j IN 1 .. array_length(ids, 1) LOOP
        IF bump[j] > 0 THEN
            -- A plain UPDATE (not an upsert, which would write a lock
            -- record before its update) for a stream that exists.
            UPDATE __SCHEMA__.streams AS s SET version = s.version + bump[j]
            WHERE s.stream_id = ids[j]
            RETURNING s.version INTO v;
            IF NOT FOUND THEN
                INSERT INTO __SCHEMA__.streams (stream_id, version) VALUES (ids[j], bump[j])
                ON CONFLICT (stream_id) DO NOTHING;
                IF FOUND THEN
                    v := bump[j];
                ELSE
                    -- Created by another transaction while this one looked:
                    -- the insert waited for it to commit, so it exists now.
                    UPDATE __SCHEMA__.streams AS s SET version = s.version + bump[j]
                    WHERE s.stream_id = ids[j]
                    RETURNING s.version INTO v;
                END IF;
            END IF;
            v := v - bump[j];
        ELSE
            SELECT s.version INTO v FROM __SCHEMA__.streams AS s
            WHERE s.stream_id = ids[j] FOR SHARE;
            IF NOT FOUND THEN
                -- Waits for a concurrent creator of the stream to finish.
                INSERT INTO __SCHEMA__.streams (stream_id, version) VALUES (ids[j], 0)
                ON CONFLICT (stream_id) DO NOTHING;
                SELECT s.version INTO v FROM __SCHEMA__.streams AS s
                WHERE s.stream_id = ids[j] FOR SHARE;
            END IF;
        END IF;
        versions[j] := v;
    END LOOP;

    original := versions;
    start_v := array_fill(0::bigint, ARRAY[n_parts]);
    new_versions := array_fill(NULL::bigint, ARRAY[n_parts]);
    conflict_index := array_fill(NULL::integer, ARRAY[n_batches]);
    actual_version := array_fill(NULL::bigint, ARRAY[n_batches]);
    first_position := array_fill(NULL::bigint, ARRAY[n_batches]);
    ok := array_fill(false, ARRAY[n_batches]);

    FOR b IN 1 .. n_batches LOOP
        last_k := first_k;
        WHILE last_k < n_parts AND p_batch[last_k + 1] = b LOOP
            last_k := last_k + 1;
        END LOOP;
        -- The batch's checks, against the versions the batches before it left.
        conflict := NULL;
        FOR k IN first_k .. last_k LOOP
            IF p_expected[k] >= 0 AND versions[slot[k]] <> p_expected[k] THEN
                conflict := k;
                EXIT;
            END IF;
        END LOOP;
        IF conflict IS NOT NULL THEN
            conflict_index[b] := conflict - first_k + 1;
            actual_version[b] := versions[slot[conflict]];
        ELSE
            ok[b] := true;
            written := 0;
            FOR k IN first_k .. last_k LOOP
                j := slot[k];
                start_v[k] := versions[j];
                versions[j] := versions[j] + p_counts[k];
                new_versions[k] := versions[j];
                written := written + p_counts[k];
            END LOOP;
            IF written > 0 THEN
                -- An offset for now; the epoch is added below.
                first_position[b] := taken;
                taken := taken + written;
            END IF;
        END IF;
        first_k := last_k + 1;
    END LOOP;

    IF taken > 0 THEN
        IF taken > 1048576 THEN
            RAISE EXCEPTION 'one append can write at most 1048576 events'
                USING ERRCODE = 'EC002';
        END IF;
        -- Announce this transaction before its first epoch, as
        -- append_events does (see migration 5).
        announced := 'eventcore.announced_' || '__SCHEMA__'::regnamespace::oid::text;
        IF coalesce(current_setting(announced, true), '') = '' THEN
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
        SELECT base + f.n - 1, pg_current_xact_id(), p_streams[f.p], start_v[f.p] + f.o,
               f.id, f.t, f.sv, f.pl::jsonb, f.md::jsonb
        FROM (SELECT e.*, row_number() OVER (ORDER BY e.k) AS n
              FROM unnest(e_part, e_offset, e_ids, e_types, e_versions, e_payloads, e_metadata)
                   WITH ORDINALITY AS e(p, o, id, t, sv, pl, md, k)
              WHERE ok[p_batch[e.p]]) AS f;

        FOR b IN 1 .. n_batches LOOP
            IF first_position[b] IS NOT NULL THEN
                first_position[b] := base + first_position[b];
            END IF;
        END LOOP;
    END IF;

    -- Streams bumped for a batch that did not commit: the version the
    -- committed ones left.
    FOR j IN 1 .. array_length(ids, 1) LOOP
        IF bump[j] > 0 AND versions[j] <> original[j] + bump[j] THEN
            UPDATE __SCHEMA__.streams AS s SET version = versions[j] WHERE s.stream_id = ids[j];
        END IF;
    END LOOP;

    -- Raises 2D000 inside a transaction block: nothing is acknowledged that
    -- would not commit.
    COMMIT;
END
$$;
