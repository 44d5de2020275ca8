-- $1 projection name, $2 request ('pause', 'resume', 'rebuild', 'done'),
-- $3 rebuilds done (for 'done'). One statement: concurrent requests apply
-- one after the other on the row.
INSERT INTO __SCHEMA__.projection_controls AS c (name, paused, rebuilds_requested, rebuilds_done)
VALUES ($1, $2 = 'pause', CASE WHEN $2 = 'rebuild' THEN 1 ELSE 0 END, 0)
ON CONFLICT (name) DO UPDATE SET
    paused = CASE $2 WHEN 'pause' THEN true WHEN 'resume' THEN false ELSE c.paused END,
    rebuilds_requested = c.rebuilds_requested + CASE WHEN $2 = 'rebuild' THEN 1 ELSE 0 END,
    rebuilds_done = CASE
        WHEN $2 = 'done' THEN greatest(c.rebuilds_done, least($3, c.rebuilds_requested))
        ELSE c.rebuilds_done
    END,
    updated_at = now()
RETURNING paused, rebuilds_requested, rebuilds_done
