-- Compare-and-set from $2 to $3, fenced by the lease ($4 holder, $5 token)
-- when one is given.
SELECT saved, fenced_out, actual
FROM __SCHEMA__.save_checkpoint($1, $2, $3, $4, $5)
