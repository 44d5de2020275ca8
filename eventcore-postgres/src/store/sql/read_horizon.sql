-- The first position this store's readers may not see yet: see
-- `read_horizon` in migration 5. read_all runs it as its own statement
-- first, so that the events are read with a snapshot taken after it.
SELECT h.horizon FROM __SCHEMA__.read_horizon() AS h
