//! The [`EventStore`] implementation: reads from the in-memory indexes,
//! appends through [`FileStore::change`].

use eventcore::{
    GlobalPosition, IdempotencyKey, StoreError, StreamId, StreamVersion, Timestamp,
    store::{
        AppendBatch, AppendResult, EventFilter, EventNotifications, EventStore, IdempotencyRecord,
        KeyedRead, StoredEvent, StreamEvents, StreamsRead,
    },
};

use crate::{FileStore, state::State};

impl State {
    /// Each requested stream once (the first mention counts), with its
    /// version and its events above the given version.
    fn streams_after(&self, streams: &[(StreamId, StreamVersion)]) -> StreamsRead {
        let mut read: Vec<StreamEvents> = Vec::with_capacity(streams.len());
        for (id, after) in streams {
            if read.iter().any(|s| s.stream_id() == id) {
                continue;
            }
            let indexes = self.streams.get(id).map_or(&[][..], Vec::as_slice);
            let skip = usize::try_from(after.value()).unwrap_or(usize::MAX);
            let events = indexes
                .iter()
                .skip(skip)
                .map(|&i| self.events[i].clone())
                .collect();
            read.push(StreamEvents::new(id.clone(), self.version(id), events));
        }
        StreamsRead::new(read)
    }
}

impl EventStore for FileStore {
    async fn read_streams(&self, streams: &[StreamId]) -> Result<StreamsRead, StoreError> {
        let from_start: Vec<_> = streams
            .iter()
            .map(|id| (id.clone(), StreamVersion::INITIAL))
            .collect();
        Ok(self.read(|state| state.streams_after(&from_start)))
    }

    async fn read_streams_after(
        &self,
        streams: &[(StreamId, StreamVersion)],
    ) -> Result<StreamsRead, StoreError> {
        Ok(self.read(|state| state.streams_after(streams)))
    }

    async fn append(&self, batch: AppendBatch) -> Result<AppendResult, StoreError> {
        // The rule every store shares, before anything else.
        batch.check_payloads()?;
        let result = self.change(|state| state.decide_append(&batch, Timestamp::now()))?;
        // Applied before the lock was released: a woken reader finds them.
        if let Some(last) = result.events.last() {
            self.shared.hub.notify(last.position);
        }
        Ok(result)
    }

    async fn idempotency_record(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self.read(|state| state.idempotency_record(key, Timestamp::now())))
    }

    async fn read_streams_keyed(
        &self,
        streams: &[(StreamId, StreamVersion)],
        key: &IdempotencyKey,
    ) -> Result<KeyedRead, StoreError> {
        // Both from one snapshot: the default would take the lock twice.
        Ok(self.read(
            |state| match state.idempotency_record(key, Timestamp::now()) {
                Some(record) => KeyedRead::Recorded(record),
                None => KeyedRead::Streams(state.streams_after(streams)),
            },
        ))
    }

    async fn purge_idempotency_records(&self) -> Result<u64, StoreError> {
        self.change(|state| Ok(state.decide_purge_keys(Timestamp::now())))
    }

    async fn stream_version(&self, stream: &StreamId) -> Result<StreamVersion, StoreError> {
        Ok(self.read(|state| state.version(stream)))
    }

    async fn read_all(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self.read(|state| {
            // Dense positions: the first event after `after` is at index `after`.
            let start = usize::try_from(after.value())
                .unwrap_or(usize::MAX)
                .min(state.events.len());
            state.events[start..]
                .iter()
                .filter(|e| filter.matches(e.stream_id().as_str(), e.event_type()))
                .take(limit)
                .cloned()
                .collect()
        }))
    }

    async fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        Ok(self.read(State::head))
    }

    // `count_events` and `held_back` keep their defaults: positions are
    // dense, and events become visible in position order.

    fn subscribe(&self) -> EventNotifications {
        self.shared.hub.subscribe()
    }
}
