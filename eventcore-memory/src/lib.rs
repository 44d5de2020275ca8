//! An in-memory [`EventStore`] for EventCore: the backend of unit tests,
//! demos and embedded use.
//!
//! [`MemoryStore`] implements the whole port: atomic multi-stream appends
//! with optimistic concurrency, global positions, filtered `read_all`, live
//! notifications, checkpoints, fenced leases, idempotency records,
//! scheduled messages and snapshots. It is thread-safe and cheap
//! to clone (clones share the same data). Nothing is persisted.
//!
//! ```
//! use eventcore::store::{AppendBatch, EventStore, ExpectedVersion, NewEvent};
//! use eventcore::{EventMetadata, SerializedEvent, StreamId};
//! use eventcore_memory::MemoryStore;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = MemoryStore::new();
//! let stream = StreamId::try_new("account-1")?;
//! let event = NewEvent::new(SerializedEvent::new("Opened", "{}"), EventMetadata::new());
//! store.append(AppendBatch::single(stream.clone(), ExpectedVersion::NO_STREAM, vec![event])).await?;
//!
//! let read = store.read_streams(&[stream.clone()]).await?;
//! assert_eq!(read.version_of(&stream).value(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod idempotency;
mod projection;
mod schedule;
mod snapshot;

use std::{collections::HashMap, sync::Arc};

use eventcore::{
    GlobalPosition, IdempotencyKey, StoreError, StreamId, StreamVersion,
    metrics::StoreMetrics,
    store::{
        AppendBatch, AppendResult, AppendedEvent, EventFilter, EventNotifications, EventStore,
        ExpectedVersion, IdempotencyRecord, KeyedRead, NewEvent, NotificationHub, StoredEvent,
        StreamEvents, StreamsRead,
    },
};
use parking_lot::{Mutex, RwLock};

use self::{
    idempotency::Keys, projection::ProjectionState, schedule::Schedule, snapshot::Snapshots,
};

/// The in-memory event store. Clones share the same data.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    events: RwLock<EventLog>,
    hub: NotificationHub,
    projections: Mutex<ProjectionState>,
    schedule: Mutex<Schedule>,
    snapshots: Mutex<Snapshots>,
    metrics: StoreMetrics,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            events: RwLock::default(),
            hub: NotificationHub::default(),
            projections: Mutex::default(),
            schedule: Mutex::default(),
            snapshots: Mutex::default(),
            metrics: StoreMetrics::new("memory"),
        }
    }
}

#[derive(Debug, Default)]
struct EventLog {
    /// Every event in position order; the event at index `i` has position `i + 1`.
    log: Vec<StoredEvent>,
    /// For each stream, the log indexes of its events in version order.
    streams: HashMap<StreamId, Vec<usize>, foldhash::fast::RandomState>,
    /// Idempotency records, written with the batches that claim them.
    keys: Keys,
}

impl EventLog {
    /// One stream's version and its events after the first `skip`.
    fn stream_after(&self, id: &StreamId, skip: usize) -> StreamEvents {
        let indexes = self.streams.get(id);
        let events = indexes.map_or_else(Vec::new, |idx| {
            idx.iter()
                .skip(skip)
                .map(|&i| self.log[i].clone())
                .collect()
        });
        StreamEvents::new(id.clone(), version_of(indexes), events)
    }

    /// Each stream's version and its events after the given version (the
    /// first mention of a stream counts).
    fn streams_after(&self, streams: &[(StreamId, StreamVersion)]) -> StreamsRead {
        let mut out: Vec<StreamEvents> = Vec::with_capacity(streams.len());
        for (id, after) in streams {
            if !out.iter().any(|s| s.stream_id() == id) {
                let skip = usize::try_from(after.value()).unwrap_or(usize::MAX);
                out.push(self.stream_after(id, skip));
            }
        }
        StreamsRead::new(out)
    }
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of events committed so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shared.events.read().log.len()
    }

    /// Whether no event has been committed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn position_of(index: usize) -> GlobalPosition {
    GlobalPosition::new(index as u64 + 1)
}

fn version_of(indexes: Option<&Vec<usize>>) -> StreamVersion {
    StreamVersion::new(indexes.map_or(0, Vec::len) as u64)
}

impl MemoryStore {
    /// Appends `batch` at once (it never waits).
    fn append_now(&self, batch: AppendBatch) -> Result<AppendResult, StoreError> {
        batch.check_payloads()?;
        let head = {
            let mut guard = self.shared.events.write();
            let log = &mut *guard;
            // Check every participant before touching anything: all or nothing.
            for write in batch.writes() {
                if let ExpectedVersion::Exact(expected) = write.expected() {
                    let actual = version_of(log.streams.get(write.stream_id()));
                    if actual != expected {
                        return Err(StoreError::VersionConflict {
                            stream: write.stream_id().clone(),
                            expected,
                            actual,
                        });
                    }
                }
            }
            let claim = batch.idempotency().cloned();
            if let Some(claim) = &claim {
                log.keys.check(claim)?;
            }
            let first_index = log.log.len();
            let mut result = AppendResult {
                events: Vec::with_capacity(batch.event_count()),
                stream_versions: Vec::with_capacity(batch.writes().len()),
            };
            // Positions follow the batch's emission order.
            let (writes, order) = batch.into_parts();
            let mut parts: Vec<(StreamId, std::vec::IntoIter<NewEvent>)> = writes
                .into_iter()
                .map(|write| {
                    let (stream_id, _, events) = write.into_parts();
                    (stream_id, events.into_iter())
                })
                .collect();
            for write in order {
                let (stream_id, events) = &mut parts[write];
                let Some(event) = events.next() else { continue };
                let index = log.log.len();
                let indexes = log.streams.entry(stream_id.clone()).or_default();
                indexes.push(index);
                let version = StreamVersion::new(indexes.len() as u64);
                let position = position_of(index);
                result.events.push(AppendedEvent {
                    stream_id: stream_id.clone(),
                    version,
                    position,
                    event_id: event.metadata().event_id(),
                });
                log.log
                    .push(event.into_stored(stream_id.clone(), version, position));
            }
            for (stream_id, _) in parts {
                let version = version_of(log.streams.get(&stream_id));
                result.stream_versions.push((stream_id, version));
            }
            if let Some(claim) = claim {
                log.keys.record(claim, first_index..log.log.len());
            }
            (position_of(log.log.len().saturating_sub(1)), result)
        };
        let (head, result) = head;
        if !result.events.is_empty() {
            self.shared.hub.notify(head);
        }
        Ok(result)
    }
}

impl EventStore for MemoryStore {
    async fn read_streams(&self, streams: &[StreamId]) -> Result<StreamsRead, StoreError> {
        let log = self.shared.events.read();
        let mut out: Vec<StreamEvents> = Vec::with_capacity(streams.len());
        for id in streams {
            if !out.iter().any(|s| s.stream_id() == id) {
                out.push(log.stream_after(id, 0));
            }
        }
        Ok(StreamsRead::new(out))
    }

    async fn read_streams_after(
        &self,
        streams: &[(StreamId, StreamVersion)],
    ) -> Result<StreamsRead, StoreError> {
        self.shared
            .metrics
            .operation("read_streams_after", async {
                Ok(self.shared.events.read().streams_after(streams))
            })
            .await
    }

    async fn idempotency_record(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self.shared.events.read().idempotency_record(key))
    }

    async fn read_streams_keyed(
        &self,
        streams: &[(StreamId, StreamVersion)],
        key: &IdempotencyKey,
    ) -> Result<KeyedRead, StoreError> {
        self.shared
            .metrics
            .operation("read_streams_keyed", async {
                let log = self.shared.events.read();
                Ok(match log.idempotency_record(key) {
                    Some(record) => KeyedRead::Recorded(record),
                    None => KeyedRead::Streams(log.streams_after(streams)),
                })
            })
            .await
    }

    async fn purge_idempotency_records(&self) -> Result<u64, StoreError> {
        Ok(self.shared.events.write().keys.purge())
    }

    async fn append(&self, batch: AppendBatch) -> Result<AppendResult, StoreError> {
        let appended = self
            .shared
            .metrics
            .operation("append", async { self.append_now(batch) })
            .await?;
        self.shared.metrics.appended(appended.events.len());
        Ok(appended)
    }

    async fn stream_version(&self, stream: &StreamId) -> Result<StreamVersion, StoreError> {
        Ok(version_of(self.shared.events.read().streams.get(stream)))
    }

    async fn read_all(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.shared
            .metrics
            .operation("read_all", async {
                let log = self.shared.events.read();
                // Positions are dense, so the first event after `after` is at index `after`.
                let start = usize::try_from(after.value())
                    .unwrap_or(usize::MAX)
                    .min(log.log.len());
                Ok(log.log[start..]
                    .iter()
                    .filter(|e| filter.matches(e.stream_id().as_str(), e.event_type()))
                    .take(limit)
                    .cloned()
                    .collect())
            })
            .await
    }

    async fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        let len = self.shared.events.read().log.len();
        Ok(GlobalPosition::new(len as u64))
    }

    async fn count_events(
        &self,
        after: GlobalPosition,
        up_to: GlobalPosition,
        cap: u64,
    ) -> Result<u64, StoreError> {
        // Positions are dense here: the count is the distance, clipped to the log.
        let len = self.shared.events.read().log.len() as u64;
        Ok(up_to
            .value()
            .min(len)
            .saturating_sub(after.value())
            .min(cap))
    }

    fn subscribe(&self) -> EventNotifications {
        self.shared.hub.subscribe()
    }
}
