//! The storage port: the [`EventStore`] trait every backend implements, and
//! the serialized types it speaks.
//!
//! Stores speak in serialized events (type name, JSON payload, metadata) so
//! adapters stay simple and projections can read streams that mix event
//! types. Typed encoding happens in an
//! [`EventSerializer`](crate::EventSerializer).

mod appended;
mod batch;
pub(crate) mod events;
mod filter;
mod forward;
mod held_back;
mod idempotency;
mod lease;
mod notify;
mod raw;
mod schedule;
mod snapshot;
mod undecodable;
mod write;

use std::future::Future;

pub use appended::{AppendResult, AppendedEvent};
pub use batch::{AppendBatch, Emitted};
pub use events::{NewEvent, StoredEvent, StreamEvents, StreamsRead};
pub use write::{ExpectedVersion, StreamWrite};
// `events::SerializedEvent` is part of the crate's vocabulary: re-exported at
// the root only.
pub(crate) use events::SerializedEvent;
pub use filter::EventFilter;
pub use held_back::HeldBack;
pub use idempotency::{IdempotencyClaim, IdempotencyRecord, KeyedRead};
pub use lease::{CheckpointStore, ControlRequest, Lease, LeaseStore, ProjectionControl};
pub use notify::{EventNotifications, NotificationHub};
pub use raw::RawEvent;
pub use schedule::{ScheduleStore, ScheduledMessage, Settled};
pub use snapshot::{Snapshot, SnapshotStore};
pub use undecodable::UndecodableEvent;

use crate::{
    error::StoreError,
    types::{GlobalPosition, IdempotencyKey, StreamId, StreamVersion},
};

/// The port every storage backend implements.
///
/// Every method is async, and the futures are `Send`, so a store can be used
/// from any Tokio task. Implementations must uphold:
///
/// - **Atomic appends.** [`append`](Self::append) writes all of a batch or
///   nothing.
/// - **Optimistic concurrency.** Every stream in a batch, read-only ones
///   included, is checked against its expected version; the first mismatch
///   fails the whole batch with [`StoreError::VersionConflict`].
/// - **Dense versions.** A stream's events have versions `1..=n`.
/// - **Emission order.** An append gives global positions in the batch's
///   emission order ([`AppendBatch::emitted`]), across its streams, not
///   stream by stream.
/// - **Idempotency keys.** A batch that
///   [claims a key](AppendBatch::with_idempotency) records it with the
///   positions it wrote, in the same atomic write; a batch claiming a key
///   already recorded (and not expired) writes nothing and fails with
///   [`StoreError::IdempotencyKeyRecorded`]. Keys are scoped per store.
/// - **Gap-safe global order.** [`read_all`](Self::read_all) never returns an
///   event at position `p` and later reveals one at a position `< p`. To
///   guarantee this a store may hold back just-committed events while
///   older transactions are still open, so `read_all` and
///   [`head_position`](Self::head_position) can briefly lag an append that
///   has already returned (PostgreSQL waits a bounded time for them).
///
/// Payloads are JSON text. A store may refuse text that is not valid JSON
/// (PostgreSQL does) and may normalise whitespace and key order (PostgreSQL's
/// `jsonb` does), so compare payloads as JSON values, not as strings. A store
/// may also limit the size of one batch; it says so in its docs.
///
/// The conformance suite (feature `conformance`) checks all of this.
pub trait EventStore: Send + Sync {
    /// Reads every requested stream (duplicates collapse) with its events and
    /// current version, from one consistent snapshot. Missing streams come
    /// back empty at version 0.
    fn read_streams(
        &self,
        streams: &[StreamId],
    ) -> impl Future<Output = Result<StreamsRead, StoreError>> + Send;

    /// Like [`read_streams`](Self::read_streams), but returns for each
    /// `(stream, after)` only the events with versions above `after`, with
    /// the stream's current version: what a caller that already holds the
    /// first `after` events (a cache) needs. One snapshot, like
    /// `read_streams`.
    ///
    /// The default reads whole streams and drops the known prefix; stores
    /// override it to skip that work.
    fn read_streams_after(
        &self,
        streams: &[(StreamId, StreamVersion)],
    ) -> impl Future<Output = Result<StreamsRead, StoreError>> + Send {
        async move {
            let ids: Vec<StreamId> = streams.iter().map(|(id, _)| id.clone()).collect();
            let read = self.read_streams(&ids).await?;
            let trimmed = read
                .into_streams()
                .into_iter()
                .map(|stream| {
                    let after = streams
                        .iter()
                        .find(|(id, _)| id == stream.stream_id())
                        .map_or(StreamVersion::INITIAL, |(_, v)| *v);
                    let (id, version) = (stream.stream_id().clone(), stream.version());
                    let events = stream
                        .into_events()
                        .into_iter()
                        .filter(|e| e.version() > after)
                        .collect();
                    StreamEvents::new(id, version, events)
                })
                .collect();
            Ok(StreamsRead::new(trimmed))
        }
    }

    /// Appends a batch atomically. See [`AppendBatch`].
    ///
    /// Returns where each event landed, in the batch's emission order
    /// ([`AppendBatch::emitted`]): an adapter gives global positions in
    /// that order, not stream by stream (the conformance scenario
    /// `interleaved_batch_gets_positions_in_its_order` holds it to this).
    /// On a conflict nothing is written and the error names the stream, the
    /// expected and the actual version.
    fn append(
        &self,
        batch: AppendBatch,
    ) -> impl Future<Output = Result<AppendResult, StoreError>> + Send;

    /// The record kept under an idempotency key, with the events its batch
    /// wrote; `None` if the key was never recorded or its record expired.
    ///
    /// The record's events are returned whether or not
    /// [`read_all`](Self::read_all) shows them yet: they committed with the
    /// record.
    fn idempotency_record(
        &self,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<IdempotencyRecord>, StoreError>> + Send;

    /// What an idempotent execution reads first: the key's record if it is
    /// recorded, and otherwise the streams, as
    /// [`read_streams_after`](Self::read_streams_after) reads them.
    ///
    /// The default looks the key up, then reads; stores where each call is
    /// a round trip override it to do both in one.
    fn read_streams_keyed(
        &self,
        streams: &[(StreamId, StreamVersion)],
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<KeyedRead, StoreError>> + Send {
        async move {
            if let Some(record) = self.idempotency_record(key).await? {
                return Ok(KeyedRead::Recorded(record));
            }
            Ok(KeyedRead::Streams(self.read_streams_after(streams).await?))
        }
    }

    /// Deletes every expired idempotency record and returns how many went.
    /// Expired records are already ignored; this only reclaims their space
    /// (run it from a maintenance job). Records kept for ever are never
    /// deleted.
    fn purge_idempotency_records(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The current version of a stream (0 if it does not exist).
    fn stream_version(
        &self,
        stream: &StreamId,
    ) -> impl Future<Output = Result<StreamVersion, StoreError>> + Send;

    /// Whether the stream holds at least one event.
    fn stream_exists(
        &self,
        stream: &StreamId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        async move { Ok(!self.stream_version(stream).await?.is_initial()) }
    }

    /// Up to `limit` events with positions after `after` that match `filter`,
    /// in position order.
    ///
    /// Gap-safe: an event is returned only once no transaction that could
    /// still commit a lower position is in flight.
    fn read_all(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, StoreError>> + Send;

    /// Like [`read_all`](Self::read_all), but a stored row this store
    /// cannot decode comes back in its place as an [`UndecodableEvent`]
    /// instead of failing the whole read. Same positions, filter, limit and
    /// gap safety: the entries are exactly the rows `read_all` would cover.
    ///
    /// This is what the projection runner reads, so that one bad row is
    /// handled by the projection's error policy instead of stopping it.
    /// Stores that can hold rows they cannot decode (a database other tools
    /// write to) override it, and make `read_all` fail with
    /// [`StoreError::Corrupt`] naming the row; the default, for stores that
    /// only hold what they were given, wraps `read_all`.
    fn read_all_lenient(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Result<StoredEvent, UndecodableEvent>>, StoreError>> + Send
    {
        async move {
            let events = self.read_all(after, filter, limit).await?;
            Ok(events.into_iter().map(Ok).collect())
        }
    }

    /// The position of the newest event [`read_all`](Self::read_all) can
    /// return ([`GlobalPosition::START`] for an empty store).
    fn head_position(&self) -> impl Future<Output = Result<GlobalPosition, StoreError>> + Send;

    /// Counts the events with positions in `(after, up_to]`, stopping at
    /// `cap`: how far a reader at `after` is behind. Positions may have
    /// gaps, so this is not `up_to - after` in general.
    ///
    /// The default pages through [`read_all`](Self::read_all); stores
    /// override it with something cheaper.
    fn count_events(
        &self,
        after: GlobalPosition,
        up_to: GlobalPosition,
        cap: u64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        async move {
            const PAGE: usize = 1_000;
            let filter = EventFilter::all();
            let (mut count, mut from) = (0_u64, after);
            while count < cap && from < up_to {
                let page = self.read_all(from, &filter, PAGE).await?;
                let Some(last) = page.last() else { break };
                from = last.position();
                count += page.iter().take_while(|e| e.position() <= up_to).count() as u64;
                if page.len() < PAGE {
                    break;
                }
            }
            Ok(count.min(cap))
        }
    }

    /// The in-flight write that holds readers back right now, if any:
    /// events have committed at or after [`HeldBack::from`] that
    /// [`read_all`](Self::read_all) and
    /// [`head_position`](Self::head_position) do not return until it
    /// ends. Projection runners ask while they wait, and show the answer in
    /// their health.
    ///
    /// The default reports nothing, for stores that make events visible in
    /// position order (the memory store).
    fn held_back(&self) -> impl Future<Output = Result<Option<HeldBack>, StoreError>> + Send {
        async { Ok(None) }
    }

    /// Subscribes to live notifications of new events.
    fn subscribe(&self) -> EventNotifications;
}
