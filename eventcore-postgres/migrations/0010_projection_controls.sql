-- What operators asked of each projection's runners (pause, resume,
-- rebuild), kept in the store so that a command line in another process can
-- steer a runner; runners read it once per poll interval.
CREATE TABLE __SCHEMA__.projection_controls (
    name               text NOT NULL,
    paused             boolean NOT NULL DEFAULT false,
    rebuilds_requested bigint NOT NULL DEFAULT 0 CHECK (rebuilds_requested >= 0),
    rebuilds_done      bigint NOT NULL DEFAULT 0
        CHECK (rebuilds_done >= 0 AND rebuilds_done <= rebuilds_requested),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projection_controls_pkey PRIMARY KEY (name)
);
