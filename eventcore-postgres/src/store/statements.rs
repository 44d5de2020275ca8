//! Every statement the store runs, rendered for one schema.
//!
//! The SQL lives in `sql/`, beside the operations that run it, with a
//! `__SCHEMA__` placeholder. A store renders each text once and sends it as
//! a prepared statement, which sqlx caches per connection.

use crate::{SchemaName, schema::render};

#[derive(Debug)]
pub(crate) struct Statements {
    pub append: String,
    pub append_committed: String,
    pub append_keyed: String,
    pub append_keyed_committed: String,
    pub append_group: String,
    pub idempotency_record: String,
    pub purge_idempotency_keys: String,
    pub schedule_message: String,
    pub due_messages: String,
    pub next_due: String,
    pub settle_message: String,
    pub purge_settled_messages: String,
    pub save_snapshot: String,
    pub load_snapshot: String,
    pub drop_snapshots: String,
    pub read_streams: String,
    pub read_streams_keyed: String,
    pub stream_versions: String,
    pub stream_version: String,
    pub read_all: ReadAll,
    pub read_horizon: String,
    pub head_position: String,
    pub count_events: String,
    pub load_checkpoint: String,
    pub save_checkpoint: String,
    pub acquire_lease: String,
    pub renew_lease: String,
    pub release_lease: String,
    pub control_projection: String,
    pub projection_control: String,
}

impl Statements {
    pub(crate) fn new(schema: &SchemaName) -> Self {
        let sql = |template| render(template, schema);
        Self {
            append: sql(include_str!("sql/append.sql")),
            append_committed: sql(include_str!("sql/append_committed.sql")),
            append_keyed: sql(include_str!("sql/append_keyed.sql")),
            append_keyed_committed: sql(include_str!("sql/append_keyed_committed.sql")),
            append_group: sql(include_str!("sql/append_group.sql")),
            idempotency_record: sql(include_str!("sql/idempotency_record.sql")),
            purge_idempotency_keys: sql(include_str!("sql/purge_idempotency_keys.sql")),
            schedule_message: sql(include_str!("sql/schedule_message.sql")),
            due_messages: sql(include_str!("sql/due_messages.sql")),
            next_due: sql(include_str!("sql/next_due.sql")),
            settle_message: sql(include_str!("sql/settle_message.sql")),
            purge_settled_messages: sql(include_str!("sql/purge_settled_messages.sql")),
            save_snapshot: sql(include_str!("sql/save_snapshot.sql")),
            load_snapshot: sql(include_str!("sql/load_snapshot.sql")),
            drop_snapshots: sql(include_str!("sql/drop_snapshots.sql")),
            read_streams: sql(include_str!("sql/read_streams.sql")),
            read_streams_keyed: sql(include_str!("sql/read_streams_keyed.sql")),
            stream_versions: sql(include_str!("sql/stream_versions.sql")),
            stream_version: sql(include_str!("sql/stream_version.sql")),
            read_all: ReadAll::new(&sql(include_str!("sql/read_all.sql"))),
            read_horizon: sql(include_str!("sql/read_horizon.sql")),
            head_position: sql(include_str!("sql/head_position.sql")),
            count_events: sql(include_str!("sql/count_events.sql")),
            load_checkpoint: sql(include_str!("sql/load_checkpoint.sql")),
            save_checkpoint: sql(include_str!("sql/save_checkpoint.sql")),
            acquire_lease: sql(include_str!("sql/acquire_lease.sql")),
            renew_lease: sql(include_str!("sql/renew_lease.sql")),
            release_lease: sql(include_str!("sql/release_lease.sql")),
            control_projection: sql(include_str!("sql/control_projection.sql")),
            projection_control: sql(include_str!("sql/projection_control.sql")),
        }
    }
}

/// `read_all` as one statement per filter shape, so each shape keeps its
/// own prepared plan. `$1` is the position to read after, `$2` the limit and
/// `$3` the horizon; a stream-id prefix, then a list of event types, follow
/// when filtered on.
#[derive(Debug)]
pub(crate) struct ReadAll {
    pub unfiltered: String,
    pub by_type: String,
    pub by_prefix: String,
    pub by_prefix_and_type: String,
}

impl ReadAll {
    fn new(template: &str) -> Self {
        // Written so no index can serve them (see `read_all.sql`).
        let prefix = |n| format!("AND left(e.stream_id, char_length(${n})) = ${n}");
        let types = |n| format!("AND (e.event_type || '') = ANY(${n})");
        let filtered = |filter: &str| template.replace("__FILTER__", filter);
        Self {
            unfiltered: filtered(""),
            by_type: filtered(&types(4)),
            by_prefix: filtered(&prefix(4)),
            by_prefix_and_type: filtered(&format!("{} {}", prefix(4), types(5))),
        }
    }

    /// The statement for a filter on a prefix, on event types, both or
    /// neither.
    pub(crate) fn get(&self, prefix: bool, types: bool) -> &str {
        match (prefix, types) {
            (false, false) => &self.unfiltered,
            (false, true) => &self.by_type,
            (true, false) => &self.by_prefix,
            (true, true) => &self.by_prefix_and_type,
        }
    }
}
