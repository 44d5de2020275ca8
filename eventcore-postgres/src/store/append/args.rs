//! The batch flattened into the append procedure's parallel arrays.

use eventcore::{
    StoreError, ValidationError,
    store::{AppendBatch, ExpectedVersion, IdempotencyClaim},
};
use sqlx::{Postgres, postgres::PgArguments, query::Query};
use uuid::Uuid;

/// The most events one append may write (positions reserve 20 bits for the
/// index within a transaction).
pub const MAX_EVENTS_PER_APPEND: usize = 1 << 20;

/// The append procedure's arguments: the batch flattened into parallel
/// arrays. Payloads are borrowed, not copied.
pub(super) struct AppendArgs<'a> {
    streams: Vec<&'a str>,
    expected: Vec<i64>,
    counts: Vec<i32>,
    event_part: Vec<i32>,
    event_offset: Vec<i32>,
    event_ids: Vec<Uuid>,
    event_types: Vec<&'a str>,
    /// NULL for a payload in the form kept before schema versions.
    schema_versions: Vec<Option<i32>>,
    payloads: Vec<&'a str>,
    metadata: Vec<String>,
}

impl<'a> AppendArgs<'a> {
    pub(super) fn new(batch: &'a AppendBatch) -> Result<Self, StoreError> {
        let total = batch.event_count();
        let mut args = Self::with_capacity(batch.writes().len(), total);
        args.push(batch)?;
        Ok(args)
    }

    /// Arguments with room for `streams` participants and `events` events.
    pub(super) fn with_capacity(streams: usize, events: usize) -> Self {
        AppendArgs {
            streams: Vec::with_capacity(streams),
            expected: Vec::with_capacity(streams),
            counts: Vec::with_capacity(streams),
            event_part: Vec::with_capacity(events),
            event_offset: Vec::with_capacity(events),
            event_ids: Vec::with_capacity(events),
            event_types: Vec::with_capacity(events),
            schema_versions: Vec::with_capacity(events),
            payloads: Vec::with_capacity(events),
            metadata: Vec::with_capacity(events),
        }
    }

    /// How many participants the arguments hold.
    pub(super) fn participants(&self) -> usize {
        self.streams.len()
    }

    /// How many events the arguments hold.
    pub(super) fn events(&self) -> usize {
        self.event_ids.len()
    }

    /// Adds `batch` after the batches already added (a group's batches go
    /// one after the other; event participant indexes count over all of
    /// them). A batch that breaks a rule adds nothing.
    pub(super) fn push(&mut self, batch: &'a AppendBatch) -> Result<(), StoreError> {
        let (streams, events) = (self.participants(), self.events());
        let pushed = self.try_push(batch);
        if pushed.is_err() {
            self.truncate(streams, events);
        }
        pushed
    }

    fn try_push(&mut self, batch: &'a AppendBatch) -> Result<(), StoreError> {
        batch.check_payloads()?;
        let total = batch.event_count();
        if total > MAX_EVENTS_PER_APPEND {
            return Err(ValidationError::invalid(
                "AppendBatch",
                format!("{total} events"),
                format!("must hold at most {MAX_EVENTS_PER_APPEND} events"),
            )
            .into());
        }
        let first_part = self.participants();
        for write in batch.writes() {
            self.streams.push(write.stream_id().as_str());
            self.expected.push(match write.expected() {
                ExpectedVersion::Exact(v) => i64::try_from(v.value()).map_err(|_| {
                    ValidationError::invalid(
                        "StreamVersion",
                        v,
                        "must be at most i64::MAX to be stored in PostgreSQL",
                    )
                })?,
                ExpectedVersion::Any => -1,
            });
            // Bounded by MAX_EVENTS_PER_APPEND, checked above.
            self.counts
                .push(i32::try_from(write.events().len()).unwrap_or(i32::MAX));
        }
        // The procedure gives positions in the order of these arrays: the
        // batch's emission order.
        for emitted in batch.emitted() {
            let event = emitted.event;
            // Both bounded by MAX_EVENTS_PER_APPEND (and a group's
            // participants by its batches' count), checked above.
            self.event_part
                .push(i32::try_from(first_part + emitted.write + 1).unwrap_or(i32::MAX));
            self.event_offset
                .push(i32::try_from(emitted.offset + 1).unwrap_or(i32::MAX));
            self.event_ids.push(*event.metadata().event_id().as_uuid());
            self.event_types.push(event.event().event_type());
            // In 1..=i32::MAX: `check_payloads` above applies the rule.
            self.schema_versions.push(
                (!event.event().is_legacy_tagged())
                    .then(|| i32::try_from(event.event().schema_version()).unwrap_or(i32::MAX)),
            );
            self.payloads.push(event.event().payload());
            self.metadata
                .push(serde_json::to_string(event.metadata()).map_err(|e| {
                    StoreError::backend("append", format!("could not encode event metadata: {e}"))
                })?);
        }
        Ok(())
    }

    fn truncate(&mut self, streams: usize, events: usize) {
        self.streams.truncate(streams);
        self.expected.truncate(streams);
        self.counts.truncate(streams);
        self.event_part.truncate(events);
        self.event_offset.truncate(events);
        self.event_ids.truncate(events);
        self.event_types.truncate(events);
        self.schema_versions.truncate(events);
        self.payloads.truncate(events);
        self.metadata.truncate(events);
    }

    /// `append_group.sql` with these arguments bound, each participant's
    /// batch (1-based) first.
    pub(super) fn bind_group<'q>(
        &'q self,
        sql: &'q str,
        batch_of: &'q [i32],
    ) -> Query<'q, Postgres, PgArguments> {
        self.bind_batch(sqlx::query(sql).bind(batch_of))
    }

    /// The statement `sql` (`append.sql` or `append_committed.sql`, or
    /// their `_keyed` forms) with these arguments bound, then the
    /// notification channel, then the batch's idempotency claim if it has
    /// one.
    pub(super) fn bind<'q>(
        &'q self,
        sql: &'q str,
        channel: Option<&'q str>,
        claim: Option<&'q IdempotencyClaim>,
    ) -> Query<'q, Postgres, PgArguments> {
        let query = self.bind_batch(sqlx::query(sql)).bind(channel);
        match claim {
            None => query,
            Some(claim) => query
                .bind(claim.key().as_str())
                .bind(claim.command())
                .bind(claim.fingerprint())
                // Microseconds; a retention beyond i64 is for ever.
                .bind(
                    claim
                        .retention()
                        .and_then(|r| i64::try_from(r.as_micros()).ok()),
                ),
        }
    }

    /// The batch's arrays, in the order both procedures take them.
    fn bind_batch<'q>(
        &'q self,
        query: Query<'q, Postgres, PgArguments>,
    ) -> Query<'q, Postgres, PgArguments> {
        query
            .bind(&self.streams)
            .bind(&self.expected)
            .bind(&self.counts)
            .bind(&self.event_part)
            .bind(&self.event_offset)
            .bind(&self.event_ids)
            .bind(&self.event_types)
            .bind(&self.payloads)
            .bind(&self.metadata)
            .bind(&self.schema_versions)
    }
}
