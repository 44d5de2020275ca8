UPDATE __SCHEMA__.leases AS l
SET expires_at = least(l.expires_at, clock_timestamp())
WHERE l.name = $1 AND l.holder = $2 AND l.token = $3
