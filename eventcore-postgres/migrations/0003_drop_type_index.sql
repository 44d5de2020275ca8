-- read_all walks events in position order and filters event types row by
-- row (an index on the filter plus a sort reads every remaining row on
-- every call when the planner misjudges the match count). Nothing uses the
-- type index any more, so stop paying for it on every insert.
DROP INDEX IF EXISTS __SCHEMA__.events_type_position_idx;
