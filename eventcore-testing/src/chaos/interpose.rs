//! How a fault-injecting wrapper sits between its caller and the store it
//! wraps.
//!
//! A wrapper writes only the hooks of the faults it injects ([`Interpose`]);
//! `interposed_ports!` gives it the five ports. Each generated impl
//! denies `clippy::missing_trait_methods`, so every port method, defaulted
//! ones included, reaches the inner store's own version (or a hook): a
//! method added to a port later fails to compile here until someone decides
//! whether it can fault.
//!
//! NOTE: a macro rather than one generic `Interposed<S, Faults>` type, so
//! `ChaosStore<S>` and `ConflictingStore<S>` stay plain structs and no fault
//! plan trait joins the public API. The macro takes only the wrapper's
//! name; what differs between wrappers lives in their `Interpose` impls.
//! Scheduled messages and snapshots are forwarded without hooks.

use std::{
    future::{Future, ready},
    time::Duration,
};

use eventcore::{
    GlobalPosition, IdempotencyKey, StoreError, StreamId, StreamVersion, Timestamp,
    store::{
        AppendBatch, AppendResult, CheckpointStore, ControlRequest, EventFilter,
        EventNotifications, EventStore, ExpectedVersion, HeldBack, IdempotencyRecord, KeyedRead,
        Lease, LeaseStore, ProjectionControl, ScheduleStore, ScheduledMessage, Settled, Snapshot,
        SnapshotStore, StoredEvent, StreamsRead, UndecodableEvent,
    },
};

use super::{ChaosStore, ConflictingStore, ContendedStore, RecordingStore};

/// What to do to an append before it reaches the inner store.
pub(crate) enum AppendFault {
    /// Let it through.
    Pass,
    /// Fail it as unavailable, writing nothing.
    Fail,
    /// Refuse it with a version conflict, writing nothing.
    Conflict,
    /// Let it through, then fail it as unavailable: written, reply lost.
    LoseReply,
}

/// The hooks a wrapper overrides for the faults it injects. The defaults
/// let every operation through untouched.
pub(crate) trait Interpose: Send + Sync {
    /// Runs before every read (`read_streams`, `read_streams_after`,
    /// `stream_version`, `stream_exists`, `read_all`, `read_all_lenient`); an error fails the
    /// read without reaching the store.
    fn before_read(
        &self,
        operation: &'static str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = operation;
        ready(Ok(()))
    }

    /// Runs before every append, with the batch about to be appended; an
    /// error fails the append as it is, without reaching the store.
    fn before_append(
        &self,
        batch: &AppendBatch,
    ) -> impl Future<Output = Result<AppendFault, StoreError>> + Send {
        let _ = batch;
        ready(Ok(AppendFault::Pass))
    }

    /// Wraps every checkpoint save: `save` writes it when awaited, and is
    /// dropped unpolled to fail without writing.
    fn around_save_checkpoint<F>(
        &self,
        save: F,
    ) -> impl Future<Output = Result<(), StoreError>> + Send
    where
        F: Future<Output = Result<(), StoreError>> + Send,
    {
        save
    }
}

/// The error of an injected failure.
pub(crate) fn injected_failure(operation: &str) -> StoreError {
    StoreError::Unavailable {
        message: format!("chaos: injected failure of {operation}"),
        source: None,
    }
}

/// A conflict on the first stream of `batch` with a checked version, as if
/// another writer had just moved it on. Nothing is written. `None` for an
/// empty batch, which cannot conflict.
pub(crate) async fn injected_conflict<S: EventStore>(
    inner: &S,
    batch: &AppendBatch,
) -> Option<StoreError> {
    let checked = batch.writes().iter().find_map(|w| match w.expected() {
        ExpectedVersion::Exact(v) => Some((w.stream_id().clone(), v)),
        ExpectedVersion::Any => None,
    });
    let (stream, expected) = if let Some(found) = checked {
        found
    } else {
        let first = batch.writes().first()?;
        let current = inner
            .stream_version(first.stream_id())
            .await
            .unwrap_or_default();
        (first.stream_id().clone(), current)
    };
    Some(StoreError::VersionConflict {
        stream,
        expected,
        actual: expected.next(),
    })
}

/// Implements `EventStore`, `LeaseStore` and `CheckpointStore` for wrappers
/// with an `inner` store field and an [`Interpose`] impl.
macro_rules! interposed_ports {
    ($($wrapper:ident),+ $(,)?) => {$(
        #[deny(clippy::missing_trait_methods)]
        impl<S: EventStore> EventStore for $wrapper<S>
        where
            Self: Interpose,
        {
            async fn read_streams(
                &self,
                streams: &[StreamId],
            ) -> Result<StreamsRead, StoreError> {
                self.before_read("read_streams").await?;
                self.inner.read_streams(streams).await
            }

            async fn read_streams_after(
                &self,
                streams: &[(StreamId, StreamVersion)],
            ) -> Result<StreamsRead, StoreError> {
                self.before_read("read_streams_after").await?;
                self.inner.read_streams_after(streams).await
            }

            async fn append(
                &self,
                batch: AppendBatch,
            ) -> Result<AppendResult, StoreError> {
                match self.before_append(&batch).await? {
                    AppendFault::Pass => {}
                    AppendFault::LoseReply => {
                        self.inner.append(batch).await?;
                        return Err(injected_failure("append (written, reply lost)"));
                    }
                    AppendFault::Fail => {
                        return Err(injected_failure("append"));
                    }
                    AppendFault::Conflict => {
                        if let Some(conflict) =
                            injected_conflict(&self.inner, &batch).await
                        {
                            return Err(conflict);
                        }
                    }
                }
                self.inner.append(batch).await
            }

            async fn idempotency_record(
                &self,
                key: &IdempotencyKey,
            ) -> Result<Option<IdempotencyRecord>, StoreError> {
                self.before_read("idempotency_record").await?;
                self.inner.idempotency_record(key).await
            }

            async fn read_streams_keyed(
                &self,
                streams: &[(StreamId, StreamVersion)],
                key: &IdempotencyKey,
            ) -> Result<KeyedRead, StoreError> {
                self.before_read("read_streams_keyed").await?;
                self.inner.read_streams_keyed(streams, key).await
            }

            fn purge_idempotency_records(
                &self,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send {
                self.inner.purge_idempotency_records()
            }

            async fn stream_version(
                &self,
                stream: &StreamId,
            ) -> Result<StreamVersion, StoreError> {
                self.before_read("stream_version").await?;
                self.inner.stream_version(stream).await
            }

            async fn stream_exists(
                &self,
                stream: &StreamId,
            ) -> Result<bool, StoreError> {
                self.before_read("stream_exists").await?;
                self.inner.stream_exists(stream).await
            }

            async fn read_all(
                &self,
                after: GlobalPosition,
                filter: &EventFilter,
                limit: usize,
            ) -> Result<Vec<StoredEvent>, StoreError> {
                self.before_read("read_all").await?;
                self.inner.read_all(after, filter, limit).await
            }

            async fn read_all_lenient(
                &self,
                after: GlobalPosition,
                filter: &EventFilter,
                limit: usize,
            ) -> Result<Vec<Result<StoredEvent, UndecodableEvent>>, StoreError> {
                self.before_read("read_all_lenient").await?;
                self.inner.read_all_lenient(after, filter, limit).await
            }

            // Position queries and subscriptions pass through: the faults
            // target the reads and writes that decide outcomes.
            fn head_position(
                &self,
            ) -> impl Future<
                Output = Result<GlobalPosition, StoreError>,
            > + Send {
                self.inner.head_position()
            }

            fn count_events(
                &self,
                after: GlobalPosition,
                up_to: GlobalPosition,
                cap: u64,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send
            {
                self.inner.count_events(after, up_to, cap)
            }

            fn held_back(
                &self,
            ) -> impl Future<Output = Result<Option<HeldBack>, StoreError>> + Send {
                self.inner.held_back()
            }

            fn subscribe(&self) -> EventNotifications {
                self.inner.subscribe()
            }
        }

        /// Leases pass through untouched.
        #[deny(clippy::missing_trait_methods)]
        impl<S: LeaseStore> LeaseStore for $wrapper<S> {
            fn try_acquire_lease(
                &self,
                name: &str,
                holder: &str,
                ttl: Duration,
            ) -> impl Future<
                Output = Result<Option<Lease>, StoreError>,
            > + Send {
                self.inner.try_acquire_lease(name, holder, ttl)
            }

            fn renew_lease(
                &self,
                lease: &Lease,
                ttl: Duration,
            ) -> impl Future<
                Output = Result<Lease, StoreError>,
            > + Send {
                self.inner.renew_lease(lease, ttl)
            }

            fn release_lease(
                &self,
                lease: &Lease,
            ) -> impl Future<Output = Result<(), StoreError>> + Send
            {
                self.inner.release_lease(lease)
            }

            fn control_projection(&self, name: &str, request: ControlRequest)
                -> impl Future<Output = Result<ProjectionControl, StoreError>> + Send {
                self.inner.control_projection(name, request)
            }

            fn projection_control(&self, name: &str)
                -> impl Future<Output = Result<ProjectionControl, StoreError>> + Send {
                self.inner.projection_control(name)
            }
        }

        #[deny(clippy::missing_trait_methods)]
        impl<S: CheckpointStore> CheckpointStore for $wrapper<S>
        where
            Self: Interpose,
        {
            fn load_checkpoint(
                &self,
                name: &str,
            ) -> impl Future<
                Output = Result<Option<GlobalPosition>, StoreError>,
            > + Send {
                self.inner.load_checkpoint(name)
            }

            fn save_checkpoint(
                &self,
                name: &str,
                from: GlobalPosition,
                to: GlobalPosition,
                fence: Option<&Lease>,
            ) -> impl Future<Output = Result<(), StoreError>> + Send
            {
                self.around_save_checkpoint(self.inner.save_checkpoint(name, from, to, fence))
            }
        }

        /// Scheduled messages pass through untouched.
        #[deny(clippy::missing_trait_methods)]
        impl<S: ScheduleStore> ScheduleStore for $wrapper<S> {
            fn schedule(
                &self,
                message: ScheduledMessage,
            ) -> impl Future<Output = Result<bool, StoreError>> + Send {
                self.inner.schedule(message)
            }

            fn due_messages(
                &self,
                queue: &str,
                now: Timestamp,
                limit: usize,
            ) -> impl Future<Output = Result<Vec<ScheduledMessage>, StoreError>> + Send {
                self.inner.due_messages(queue, now, limit)
            }

            fn next_due(
                &self,
                queue: &str,
            ) -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send {
                self.inner.next_due(queue)
            }

            fn settle(
                &self,
                id: &IdempotencyKey,
                how: Settled,
            ) -> impl Future<Output = Result<bool, StoreError>> + Send {
                self.inner.settle(id, how)
            }

            fn purge_settled(
                &self,
                before: Timestamp,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send {
                self.inner.purge_settled(before)
            }
        }

        /// Snapshots pass through untouched.
        #[deny(clippy::missing_trait_methods)]
        impl<S: SnapshotStore> SnapshotStore for $wrapper<S> {
            fn save_snapshot(
                &self,
                snapshot: Snapshot,
            ) -> impl Future<Output = Result<bool, StoreError>> + Send {
                self.inner.save_snapshot(snapshot)
            }

            fn load_snapshot(
                &self,
                stream: &StreamId,
                state_type: &str,
            ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send {
                self.inner.load_snapshot(stream, state_type)
            }

            fn drop_snapshots(
                &self,
                state_type: &str,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send {
                self.inner.drop_snapshots(state_type)
            }
        }
    )+};
}

interposed_ports!(ChaosStore, ConflictingStore, ContendedStore, RecordingStore);
