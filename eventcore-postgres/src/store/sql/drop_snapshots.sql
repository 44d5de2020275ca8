-- Deletes every snapshot of one state type.
DELETE FROM __SCHEMA__.snapshots WHERE state_type = $1
