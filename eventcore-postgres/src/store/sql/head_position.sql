-- The gap-safe head (`safe`), the newest committed position (`newest`) and
-- the horizon with the in-flight append that sets it, if any: see
-- `read_head` in migration 5.
SELECT h.safe, h.newest, h.horizon, h.holder_pid, h.holder_since,
       h.holder_application, h.holder_state
FROM __SCHEMA__.read_head() AS h
