//! Applying a batch under the error policy: retries, then stop or skip, one
//! event at a time to find the failing one.

use std::time::Instant;

use super::{Failure, Task, is_interruption};
use crate::{
    error::ProjectionError,
    projection::{CheckpointedProjection, ProjectionStatus, SkippedEvent},
    store::{EventStore, LeaseStore, StoredEvent},
    types::GlobalPosition,
};

/// What happened to a batch.
enum Outcome {
    Applied,
    /// The lease is gone, or the checkpoint moved under us: reload and go on.
    Interrupted,
    Shutdown,
    /// The error policy's retries are used up.
    Exhausted(ProjectionError),
}

impl<S, P> Task<S, P>
where
    S: EventStore + LeaseStore + 'static,
    P: CheckpointedProjection,
{
    /// Applies a batch read after `from` under the error policy.
    pub(super) async fn process(
        &mut self,
        batch: &[StoredEvent],
        from: GlobalPosition,
        checkpoint: GlobalPosition,
    ) -> Result<(), Failure> {
        let error = match self.attempt(batch, from, checkpoint).await? {
            Outcome::Applied | Outcome::Interrupted | Outcome::Shutdown => return Ok(()),
            Outcome::Exhausted(error) if !self.config.error_policy.skips() => {
                return Err(Failure::Stop(error));
            }
            Outcome::Exhausted(error) => error,
        };
        if let [event] = batch {
            return Ok(self.skip(event, from, checkpoint, &error).await?);
        }
        // Find the failing events one at a time; the rest apply.
        let mut from = from;
        for (i, event) in batch.iter().enumerate() {
            let to = if i + 1 == batch.len() {
                checkpoint
            } else {
                event.position()
            };
            match self.attempt(std::slice::from_ref(event), from, to).await? {
                Outcome::Applied => {}
                Outcome::Interrupted | Outcome::Shutdown => return Ok(()),
                Outcome::Exhausted(error) => self.skip(event, from, to, &error).await?,
            }
            match self.position {
                Some(now) => from = now,
                None => return Ok(()),
            }
        }
        Ok(())
    }

    /// Tries a batch until it applies or the policy's retries run out. A
    /// store failure ends the attempt: the loop retries it under the store
    /// retry policy, without touching the event retry budget.
    async fn attempt(
        &mut self,
        batch: &[StoredEvent],
        from: GlobalPosition,
        checkpoint: GlobalPosition,
    ) -> Result<Outcome, Failure> {
        let mut attempt = 1_u32;
        loop {
            let Some(lease) = self.lease.current().cloned() else {
                return Ok(Outcome::Interrupted);
            };
            let error = match self
                .projection
                .apply_batch(batch, from, checkpoint, &lease)
                .await
            {
                Ok(()) => {
                    self.publish_position(checkpoint);
                    let applied = batch.len() as u64;
                    self.state.send_modify(|s| {
                        s.last_event = Some(Instant::now());
                        s.health.lag = s.health.lag.saturating_sub(applied);
                    });
                    return Ok(Outcome::Applied);
                }
                Err(e) if is_interruption(&e) => {
                    self.interrupted(&e);
                    return Ok(Outcome::Interrupted);
                }
                Err(e) if !is_event_failure(&e) => return Err(Failure::Store(e)),
                Err(e) => e,
            };
            let Some(wait) = self.config.error_policy.backoff(attempt) else {
                return Ok(Outcome::Exhausted(error));
            };
            tracing::warn!(
                projection = self.projection.name(),
                %error,
                attempt,
                retry_in = ?wait,
                "projection batch failed; retrying"
            );
            self.set_status(ProjectionStatus::Retrying {
                attempt,
                error: error.to_string(),
            });
            attempt += 1;
            self.idle(wait).await;
            if self.control.borrow().shutdown {
                return Ok(Outcome::Shutdown);
            }
        }
    }

    async fn skip(
        &mut self,
        event: &StoredEvent,
        from: GlobalPosition,
        checkpoint: GlobalPosition,
        error: &ProjectionError,
    ) -> Result<(), ProjectionError> {
        tracing::error!(
            projection = self.projection.name(),
            position = %event.position(),
            stream = %event.stream_id(),
            version = %event.version(),
            %error,
            "skipping event that could not be applied"
        );
        self.state.send_modify(|s| {
            s.health.skipped.push(SkippedEvent {
                position: event.position(),
                stream_id: event.stream_id().clone(),
                version: event.version(),
                event_type: event.event_type().to_owned(),
                error: error.to_string(),
            });
        });
        self.save_progress(from, checkpoint).await
    }
}

/// Whether an error comes from the projection or its events (and so goes to
/// the error policy) rather than from the store.
const fn is_event_failure(error: &ProjectionError) -> bool {
    matches!(
        error,
        ProjectionError::Apply { .. } | ProjectionError::Serialization(_)
    )
}
