//! Pointers to a store are stores: `Arc<S>`, `Box<S>` and `&S` forward every
//! port method to the pointee.
//!
//! One macro writes all five ports for each pointer, and each impl denies
//! `clippy::missing_trait_methods`: a method added to a port later cannot
//! silently fall back to its default here, which would bypass a store's own
//! (cheaper or stricter) version of it. *(`object_store`'s `as_ref_impl!`)*

use std::{future::Future, time::Duration};

use super::{
    AppendBatch, AppendResult, CheckpointStore, ControlRequest, EventFilter, EventNotifications,
    EventStore, HeldBack, IdempotencyRecord, KeyedRead, Lease, LeaseStore, ProjectionControl,
    ScheduleStore, ScheduledMessage, Settled, Snapshot, SnapshotStore, StoredEvent, StreamsRead,
    UndecodableEvent,
};
use crate::{
    error::StoreError,
    types::{GlobalPosition, IdempotencyKey, StreamId, StreamVersion, Timestamp},
};

macro_rules! forward_ports {
    ($($pointer:ty: $what:literal),+ $(,)?) => {$(
        #[doc = concat!("Forwards to the pointee: ", $what, " of a store is a store.")]
        #[deny(clippy::missing_trait_methods)]
        impl<S: EventStore + ?Sized> EventStore for $pointer {
            fn read_streams(
                &self,
                streams: &[StreamId],
            ) -> impl Future<Output = Result<StreamsRead, StoreError>> + Send {
                (**self).read_streams(streams)
            }

            fn read_streams_after(
                &self,
                streams: &[(StreamId, StreamVersion)],
            ) -> impl Future<Output = Result<StreamsRead, StoreError>> + Send {
                (**self).read_streams_after(streams)
            }

            fn append(
                &self,
                batch: AppendBatch,
            ) -> impl Future<Output = Result<AppendResult, StoreError>> + Send {
                (**self).append(batch)
            }

            fn idempotency_record(
                &self,
                key: &IdempotencyKey,
            ) -> impl Future<Output = Result<Option<IdempotencyRecord>, StoreError>> + Send {
                (**self).idempotency_record(key)
            }

            fn read_streams_keyed(
                &self,
                streams: &[(StreamId, StreamVersion)],
                key: &IdempotencyKey,
            ) -> impl Future<Output = Result<KeyedRead, StoreError>> + Send {
                (**self).read_streams_keyed(streams, key)
            }

            fn purge_idempotency_records(
                &self,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send {
                (**self).purge_idempotency_records()
            }

            fn stream_version(
                &self,
                stream: &StreamId,
            ) -> impl Future<Output = Result<StreamVersion, StoreError>> + Send {
                (**self).stream_version(stream)
            }

            fn stream_exists(
                &self,
                stream: &StreamId,
            ) -> impl Future<Output = Result<bool, StoreError>> + Send {
                (**self).stream_exists(stream)
            }

            fn read_all(
                &self,
                after: GlobalPosition,
                filter: &EventFilter,
                limit: usize,
            ) -> impl Future<Output = Result<Vec<StoredEvent>, StoreError>> + Send {
                (**self).read_all(after, filter, limit)
            }

            fn read_all_lenient(
                &self,
                after: GlobalPosition,
                filter: &EventFilter,
                limit: usize,
            ) -> impl Future<
                Output = Result<Vec<Result<StoredEvent, UndecodableEvent>>, StoreError>,
            > + Send {
                (**self).read_all_lenient(after, filter, limit)
            }

            fn head_position(
                &self,
            ) -> impl Future<Output = Result<GlobalPosition, StoreError>> + Send {
                (**self).head_position()
            }

            fn count_events(
                &self,
                after: GlobalPosition,
                up_to: GlobalPosition,
                cap: u64,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send {
                (**self).count_events(after, up_to, cap)
            }

            fn held_back(
                &self,
            ) -> impl Future<Output = Result<Option<HeldBack>, StoreError>> + Send {
                (**self).held_back()
            }

            fn subscribe(&self) -> EventNotifications {
                (**self).subscribe()
            }
        }

        #[doc = concat!("Forwards to the pointee: ", $what, " of a lease store is a lease store.")]
        #[deny(clippy::missing_trait_methods)]
        impl<S: LeaseStore + ?Sized> LeaseStore for $pointer {
            fn try_acquire_lease(
                &self,
                name: &str,
                holder: &str,
                ttl: Duration,
            ) -> impl Future<Output = Result<Option<Lease>, StoreError>> + Send {
                (**self).try_acquire_lease(name, holder, ttl)
            }

            fn renew_lease(
                &self,
                lease: &Lease,
                ttl: Duration,
            ) -> impl Future<Output = Result<Lease, StoreError>> + Send {
                (**self).renew_lease(lease, ttl)
            }

            fn release_lease(
                &self,
                lease: &Lease,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).release_lease(lease)
            }

            fn control_projection(
                &self,
                name: &str,
                request: ControlRequest,
            ) -> impl Future<Output = Result<ProjectionControl, StoreError>> + Send {
                (**self).control_projection(name, request)
            }

            fn projection_control(
                &self,
                name: &str,
            ) -> impl Future<Output = Result<ProjectionControl, StoreError>> + Send {
                (**self).projection_control(name)
            }
        }

        #[doc = concat!("Forwards to the pointee: ", $what, " of a checkpoint store is a checkpoint store.")]
        #[deny(clippy::missing_trait_methods)]
        impl<S: CheckpointStore + ?Sized> CheckpointStore for $pointer {
            fn load_checkpoint(
                &self,
                name: &str,
            ) -> impl Future<Output = Result<Option<GlobalPosition>, StoreError>> + Send {
                (**self).load_checkpoint(name)
            }

            fn save_checkpoint(
                &self,
                name: &str,
                from: GlobalPosition,
                to: GlobalPosition,
                fence: Option<&Lease>,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).save_checkpoint(name, from, to, fence)
            }
        }

        #[doc = concat!("Forwards to the pointee: ", $what, " of a schedule store is a schedule store.")]
        #[deny(clippy::missing_trait_methods)]
        impl<S: ScheduleStore + ?Sized> ScheduleStore for $pointer {
            fn schedule(
                &self,
                message: ScheduledMessage,
            ) -> impl Future<Output = Result<bool, StoreError>> + Send {
                (**self).schedule(message)
            }

            fn due_messages(
                &self,
                queue: &str,
                now: Timestamp,
                limit: usize,
            ) -> impl Future<Output = Result<Vec<ScheduledMessage>, StoreError>> + Send {
                (**self).due_messages(queue, now, limit)
            }

            fn next_due(
                &self,
                queue: &str,
            ) -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send {
                (**self).next_due(queue)
            }

            fn settle(
                &self,
                id: &IdempotencyKey,
                how: Settled,
            ) -> impl Future<Output = Result<bool, StoreError>> + Send {
                (**self).settle(id, how)
            }

            fn purge_settled(
                &self,
                before: Timestamp,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send {
                (**self).purge_settled(before)
            }
        }

        #[doc = concat!("Forwards to the pointee: ", $what, " of a snapshot store is a snapshot store.")]
        #[deny(clippy::missing_trait_methods)]
        impl<S: SnapshotStore + ?Sized> SnapshotStore for $pointer {
            fn save_snapshot(
                &self,
                snapshot: Snapshot,
            ) -> impl Future<Output = Result<bool, StoreError>> + Send {
                (**self).save_snapshot(snapshot)
            }

            fn load_snapshot(
                &self,
                stream: &StreamId,
                state_type: &str,
            ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send {
                (**self).load_snapshot(stream, state_type)
            }

            fn drop_snapshots(
                &self,
                state_type: &str,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send {
                (**self).drop_snapshots(state_type)
            }
        }
    )+};
}

forward_ports!(
    std::sync::Arc<S>: "an `Arc`",
    Box<S>: "a `Box`",
    &S: "a reference",
);
