-- Takes the lease when it is free, lapsed, or already ours. A new tenure
-- (another holder, or the lease lapsed) bumps the fencing token.
INSERT INTO __SCHEMA__.leases AS l (name, holder, token, expires_at)
VALUES ($1, $2, 1, clock_timestamp() + $3::interval)
ON CONFLICT (name) DO UPDATE SET
    token = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > clock_timestamp()
                 THEN l.token ELSE l.token + 1 END,
    holder = EXCLUDED.holder,
    expires_at = EXCLUDED.expires_at
WHERE l.holder = EXCLUDED.holder OR l.expires_at <= clock_timestamp()
RETURNING l.token, l.expires_at
