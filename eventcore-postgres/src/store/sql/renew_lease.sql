UPDATE __SCHEMA__.leases AS l
SET expires_at = clock_timestamp() + $4::interval
WHERE l.name = $1 AND l.holder = $2 AND l.token = $3 AND l.expires_at > clock_timestamp()
RETURNING l.expires_at
