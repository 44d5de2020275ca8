use std::future::Future;

use super::Projection;
use crate::{
    error::{ProjectionError, StoreError},
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

    /// The saved checkpoint, if any.
    fn load_checkpoint(
        &mut self,
    ) -> impl Future<Output = Result<Option<GlobalPosition>, ProjectionError>> + Send;

    /// Applies `events` (in global order) and records `checkpoint`, which is
    /// at or after the last event's position. The checkpoint write must be
    /// fenced by `lease`: if the lease is lost, fail with
    /// [`StoreError::LeaseLost`].
    fn apply_batch(
        &mut self,
        events: &[StoredEvent],
        checkpoint: GlobalPosition,
        lease: &Lease,
    ) -> impl Future<Output = Result<(), ProjectionError>> + Send;

    /// Records `checkpoint` without applying anything: used to move past
    /// skipped events and past stretches of events the filter excludes.
    fn save_checkpoint(
        &mut self,
        checkpoint: GlobalPosition,
        lease: &Lease,
    ) -> impl Future<Output = Result<(), ProjectionError>> + Send;

    /// Clears the read model and moves the checkpoint back to the start.
    fn reset(&mut self, lease: &Lease) -> impl Future<Output = Result<(), ProjectionError>> + Send;
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

    async fn load_checkpoint(&mut self) -> Result<Option<GlobalPosition>, ProjectionError> {
        Ok(self
            .checkpoints
            .load_checkpoint(self.projection.name())
            .await?)
    }

    async fn apply_batch(
        &mut self,
        events: &[StoredEvent],
        checkpoint: GlobalPosition,
        lease: &Lease,
    ) -> Result<(), ProjectionError> {
        let decoded = decode_events(&self.serializer, events)?;
        if let Err(source) = self.projection.apply(&decoded).await {
            return Err(ProjectionError::Apply {
                projection: self.projection.name().to_owned(),
                position: events.first().map_or(checkpoint, StoredEvent::position),
                source: Box::new(source),
            });
        }
        self.save_checkpoint(checkpoint, lease).await
    }

    async fn save_checkpoint(
        &mut self,
        checkpoint: GlobalPosition,
        lease: &Lease,
    ) -> Result<(), ProjectionError> {
        let name = self.projection.name();
        Ok(self
            .checkpoints
            .save_checkpoint(name, checkpoint, Some(lease))
            .await?)
    }

    async fn reset(&mut self, lease: &Lease) -> Result<(), ProjectionError> {
        if let Err(source) = self.projection.reset().await {
            return Err(ProjectionError::Apply {
                projection: self.projection.name().to_owned(),
                position: GlobalPosition::START,
                source: Box::new(source),
            });
        }
        self.save_checkpoint(GlobalPosition::START, lease).await
    }
}

/// Decodes a batch for a projection; the first undecodable event fails it
/// (and goes to the runner's error policy), so nothing is dropped silently.
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
        .map(|stored| {
            let payload = serializer.decode::<E>(stored)?;
            Ok(RecordedEvent::new(
                stored.stream_id().clone(),
                stored.version(),
                stored.position(),
                stored.metadata().clone(),
                payload,
            ))
        })
        .collect()
}

/// Whether an error means this runner no longer holds its lease.
pub(crate) const fn is_lease_lost(error: &ProjectionError) -> bool {
    matches!(error, ProjectionError::Store(StoreError::LeaseLost { .. }))
}

/// Whether an error comes from the projection or its events (and so goes to
/// the error policy) rather than from the store.
pub(crate) const fn is_event_failure(error: &ProjectionError) -> bool {
    matches!(
        error,
        ProjectionError::Apply { .. } | ProjectionError::Serialization(_)
    )
}
