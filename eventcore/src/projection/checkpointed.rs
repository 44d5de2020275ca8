use std::future::Future;

use super::Projection;
#[cfg(doc)]
use crate::error::StoreError;
use crate::{
    error::ProjectionError,
    serialization::{EventSerializer, JsonSerializer},
    store::{CheckpointStore, EventFilter, Lease, StoredEvent},
    types::{GlobalPosition, RecordedEvent},
};

/// A projection together with the way its checkpoint is stored: what a
/// [`ProjectionRunner`](super::ProjectionRunner) drives.
///
/// [`AtLeastOnce`] implements it for any [`Projection`] and
/// [`CheckpointStore`]. A backend implements it directly to commit the
/// read-model update and the checkpoint in one transaction (exactly-once).
pub trait CheckpointedProjection: Send + 'static {
    /// The projection's name; it keys the checkpoint and the lease.
    fn name(&self) -> &str;

    /// Which events to read.
    fn filter(&self) -> EventFilter;

    /// Where the checkpoint lives.
    type Checkpoints: CheckpointStore;

    /// The store holding the checkpoint (and fencing it with the lease).
    fn checkpoints(&self) -> &Self::Checkpoints;

    /// The saved checkpoint, if any.
    fn load_checkpoint(
        &mut self,
    ) -> impl Future<Output = Result<Option<GlobalPosition>, ProjectionError>> + Send {
        async move { Ok(self.checkpoints().load_checkpoint(self.name()).await?) }
    }

    /// Applies `events` (in global order, all after `from`) and moves the
    /// checkpoint from `from` to `to`, which is at or after the last event's
    /// position.
    ///
    /// The checkpoint write is a compare-and-set fenced by `lease`
    /// ([`CheckpointStore::save_checkpoint`]): if the lease is lost, fail
    /// with [`StoreError::LeaseLost`]; if the checkpoint is no longer at
    /// `from` (this batch was already recorded, say, and only the reply was
    /// lost), fail with [`StoreError::CheckpointMoved`] and, where the two
    /// commit together, leave the read model untouched.
    fn apply_batch(
        &mut self,
        events: &[StoredEvent],
        from: GlobalPosition,
        to: GlobalPosition,
        lease: &Lease,
    ) -> impl Future<Output = Result<(), ProjectionError>> + Send;

    /// Moves the checkpoint from `from` to `to` without applying anything:
    /// used to move past skipped events and past stretches of events the
    /// filter excludes. Fenced and compare-and-set as in
    /// [`apply_batch`](Self::apply_batch).
    fn save_checkpoint(
        &mut self,
        from: GlobalPosition,
        to: GlobalPosition,
        lease: &Lease,
    ) -> impl Future<Output = Result<(), ProjectionError>> + Send {
        async move {
            let name = self.name();
            Ok(self
                .checkpoints()
                .save_checkpoint(name, from, to, Some(lease))
                .await?)
        }
    }

    /// Clears the read model and moves the checkpoint from `from` back to
    /// the start.
    fn reset(
        &mut self,
        from: GlobalPosition,
        lease: &Lease,
    ) -> impl Future<Output = Result<(), ProjectionError>> + Send;
}

/// Runs a [`Projection`] with its checkpoint in a [`CheckpointStore`], saved
/// after each applied batch: events are applied at least once.
#[derive(Debug)]
pub struct AtLeastOnce<P, C, Ser = JsonSerializer> {
    projection: P,
    checkpoints: C,
    serializer: Ser,
}

impl<P, C> AtLeastOnce<P, C> {
    /// Wraps `projection`, keeping its checkpoint in `checkpoints`.
    pub const fn new(projection: P, checkpoints: C) -> Self {
        Self {
            projection,
            checkpoints,
            serializer: JsonSerializer,
        }
    }
}

impl<P, C, Ser> AtLeastOnce<P, C, Ser> {
    /// Uses `serializer` to decode events.
    pub fn with_serializer<T>(self, serializer: T) -> AtLeastOnce<P, C, T> {
        AtLeastOnce {
            projection: self.projection,
            checkpoints: self.checkpoints,
            serializer,
        }
    }

    /// The wrapped projection.
    pub const fn projection(&self) -> &P {
        &self.projection
    }
}

impl<P, C, Ser> CheckpointedProjection for AtLeastOnce<P, C, Ser>
where
    P: Projection,
    C: CheckpointStore + 'static,
    Ser: EventSerializer,
{
    fn name(&self) -> &str {
        self.projection.name()
    }

    fn filter(&self) -> EventFilter {
        self.projection.filter()
    }

    type Checkpoints = C;

    fn checkpoints(&self) -> &C {
        &self.checkpoints
    }

    async fn apply_batch(
        &mut self,
        events: &[StoredEvent],
        from: GlobalPosition,
        to: GlobalPosition,
        lease: &Lease,
    ) -> Result<(), ProjectionError> {
        let decoded = decode_events(&self.serializer, events)?;
        if let Err(source) = self.projection.apply(&decoded).await {
            return Err(apply_failed(
                self.projection.name(),
                events.first().map_or(to, StoredEvent::position),
                source,
            ));
        }
        self.save_checkpoint(from, to, lease).await
    }

    async fn reset(&mut self, from: GlobalPosition, lease: &Lease) -> Result<(), ProjectionError> {
        if let Err(source) = self.projection.reset().await {
            return Err(apply_failed(
                self.projection.name(),
                GlobalPosition::START,
                source,
            ));
        }
        self.save_checkpoint(from, GlobalPosition::START, lease)
            .await
    }
}

/// Decodes a batch for a projection; the first undecodable event fails it
/// (and goes to the runner's error policy), so nothing is dropped silently.
/// Events of retired types (see [`Upcasters::retire`]) are left out on
/// purpose.
///
/// [`Upcasters::retire`]: crate::Upcasters::retire
///
/// For adapters implementing [`CheckpointedProjection`].
pub fn decode_events<E, Ser>(
    serializer: &Ser,
    events: &[StoredEvent],
) -> Result<Vec<RecordedEvent<E>>, ProjectionError>
where
    E: crate::event::Event,
    Ser: EventSerializer,
{
    events
        .iter()
        .filter_map(|stored| {
            let payload = match serializer.decode::<E>(stored) {
                Ok(payload) => payload,
                Err(e) if e.is_retired() => return None,
                Err(e) => return Some(Err(e.into())),
            };
            // Built field by field: cloning `stored` to `map` it would also
            // copy the serialized payload and type name, per event.
            Some(Ok(RecordedEvent::new(
                stored.stream_id().clone(),
                stored.version(),
                stored.position(),
                stored.metadata().clone(),
                payload,
            )))
        })
        .collect()
}

/// The error for a projection's own failure at `position`.
///
/// For adapters implementing [`CheckpointedProjection`].
pub fn apply_failed(
    projection: &str,
    position: GlobalPosition,
    source: impl std::error::Error + Send + Sync + 'static,
) -> ProjectionError {
    ProjectionError::Apply {
        projection: projection.to_owned(),
        position,
        source: Box::new(source),
    }
}
