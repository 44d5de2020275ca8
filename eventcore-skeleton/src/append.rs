//! Deciding an append: the heart of the port's obligations.
//!
//! [`State::decide_append`] runs under the store's lock, so nothing moves
//! between the checks and the write. It refuses the batch (writing
//! nothing) or returns the one entry that commits all of it.

use std::collections::HashMap;

use eventcore::{
    GlobalPosition, IdempotencyKey, StoreError, StreamVersion, Timestamp,
    store::{AppendBatch, AppendResult, AppendedEvent, ExpectedVersion, IdempotencyRecord},
};

use crate::{
    entry::{Entry, EventLine, KeyLine},
    later,
    state::State,
};

impl State {
    /// The entry committing `batch` at `now` and what the append returns,
    /// or the refusal. The payloads were checked before
    /// ([`AppendBatch::check_payloads`]).
    pub(crate) fn decide_append(
        &self,
        batch: &AppendBatch,
        now: Timestamp,
    ) -> Result<(Option<Entry>, AppendResult), StoreError> {
        // 1. Optimistic concurrency: every participant, read-only ones
        //    included, before anything is written.
        for write in batch.writes() {
            if let ExpectedVersion::Exact(expected) = write.expected() {
                let actual = self.version(write.stream_id());
                if actual != expected {
                    return Err(StoreError::VersionConflict {
                        stream: write.stream_id().clone(),
                        expected,
                        actual,
                    });
                }
            }
        }
        // 2. A key already recorded (and live) refuses the whole batch.
        if let Some(claim) = batch.idempotency()
            && self
                .keys
                .get(claim.key())
                .is_some_and(|(record, _)| record.is_live(now))
        {
            return Err(StoreError::IdempotencyKeyRecorded {
                key: claim.key().clone(),
            });
        }
        // 3. Positions in emission order, versions dense per stream.
        let mut next_version: HashMap<usize, u64> = HashMap::new();
        let mut lines = Vec::with_capacity(batch.event_count());
        let mut result = AppendResult::default();
        for emitted in batch.emitted() {
            let stream = emitted.stream.stream_id();
            let version = next_version
                .entry(emitted.write)
                .or_insert_with(|| self.version(stream).value());
            *version += 1;
            let (version, position) = (
                StreamVersion::new(*version),
                GlobalPosition::new(self.events.len() as u64 + lines.len() as u64 + 1),
            );
            result.events.push(AppendedEvent {
                stream_id: stream.clone(),
                version,
                position,
                event_id: emitted.event.metadata().event_id(),
            });
            lines.push(EventLine::new(
                stream.clone(),
                version,
                position,
                emitted.event,
            ));
        }
        for (index, write) in batch.writes().iter().enumerate() {
            let version = next_version.get(&index).map_or_else(
                || self.version(write.stream_id()),
                |v| StreamVersion::new(*v),
            );
            result
                .stream_versions
                .push((write.stream_id().clone(), version));
        }
        // 4. The claim is recorded in the same entry as the events: one
        //    line, one atomic write. A claim without events is written too,
        //    so that a decision to write nothing is remembered.
        let key = batch.idempotency().map(|claim| KeyLine {
            key: claim.key().clone(),
            command: claim.command().to_owned(),
            fingerprint: claim.fingerprint(),
            recorded_at: now,
            expires_at: claim.retention().map(|keep| later(now, keep)),
        });
        let entry =
            (!lines.is_empty() || key.is_some()).then_some(Entry::Append { events: lines, key });
        Ok((entry, result))
    }

    /// The live record of `key`, with its batch's events.
    pub(crate) fn idempotency_record(
        &self,
        key: &IdempotencyKey,
        now: Timestamp,
    ) -> Option<IdempotencyRecord> {
        let (line, indexes) = self.keys.get(key)?;
        line.is_live(now).then(|| {
            IdempotencyRecord::new(
                line.key.clone(),
                line.command.clone(),
                line.fingerprint,
                line.recorded_at,
                line.expires_at,
                self.events[indexes.clone()].to_vec(),
            )
        })
    }

    /// The entry deleting the records expired at `now`, and how many go.
    pub(crate) fn decide_purge_keys(&self, now: Timestamp) -> (Option<Entry>, u64) {
        let expired = self
            .keys
            .values()
            .filter(|(line, _)| !line.is_live(now))
            .count() as u64;
        (
            (expired > 0).then_some(Entry::PurgeKeys { at: now }),
            expired,
        )
    }
}
