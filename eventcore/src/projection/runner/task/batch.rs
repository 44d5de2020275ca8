//! Applying a batch under the error policy: listed and undecodable events
//! are set aside first, then runs of events are applied with retries, and a
//! failing run is tried one event at a time to find the failing one.

use std::time::Instant;

use super::{Failure, Task, is_interruption};
use crate::{
    error::ProjectionError,
    projection::{CheckpointedProjection, ProjectionStatus, SkipCause, SkippedEvent},
    store::{EventStore, LeaseStore, StoredEvent, UndecodableEvent},
    types::{GlobalPosition, StreamVersion},
};

/// One row of the feed: an event, or a row the store could not decode.
pub(super) type Entry = Result<StoredEvent, UndecodableEvent>;

/// The position of a feed row.
pub(super) fn entry_position(entry: &Entry) -> GlobalPosition {
    match entry {
        Ok(event) => event.position(),
        Err(row) => row.position(),
    }
}

/// A row of a batch that is not applied.
enum Gap {
    /// Passed over and recorded.
    Skip(SkippedEvent),
    /// The runner stops here.
    Stop(ProjectionError),
}

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
    /// Processes a batch read after `from`: listed events and undecodable
    /// rows become gaps (skipped and recorded, or, for an undecodable row
    /// under a policy that does not skip, the place the runner stops), and
    /// the runs of events between them are applied.
    pub(super) async fn process(
        &mut self,
        entries: Vec<Entry>,
        from: GlobalPosition,
        checkpoint: GlobalPosition,
    ) -> Result<(), Failure> {
        let (events, gaps) = self.sort_out(entries);
        let total = events.len();
        let gap_count = gaps.len();
        let (mut from, mut start) = (from, 0);
        for (i, (at, gap)) in gaps.into_iter().enumerate() {
            if at > start {
                let to = events[at - 1].position();
                if !self.apply_run(&events[start..at], from, to).await? {
                    return Ok(());
                }
                (from, start) = (to, at);
            }
            let skipped = match gap {
                Gap::Skip(skipped) => skipped,
                Gap::Stop(error) => return Err(Failure::Stop(error)),
            };
            let to = if i + 1 == gap_count && at == total {
                checkpoint
            } else {
                skipped.position
            };
            self.record_skip(skipped, from, to).await?;
            if self.position != Some(to) {
                return Ok(());
            }
            from = to;
        }
        if start < total {
            self.apply_run(&events[start..], from, checkpoint).await?;
        }
        Ok(())
    }

    /// Splits a batch into the events to apply and the gaps between them,
    /// each gap with the index of the event it precedes.
    fn sort_out(&self, entries: Vec<Entry>) -> (Vec<StoredEvent>, Vec<(usize, Gap)>) {
        let listed = &self.config.skip_positions;
        let mut events = Vec::with_capacity(entries.len());
        let mut gaps = Vec::new();
        for entry in entries {
            let position = entry_position(&entry);
            if !listed.is_empty() && listed.contains(&position) {
                let error =
                    format!("position {position} is listed in RunnerConfig::skip_positions");
                let skipped = match &entry {
                    Ok(event) => SkippedEvent::of_event(event, SkipCause::Listed, error),
                    Err(row) => SkippedEvent::of_row(row, SkipCause::Listed, error),
                };
                gaps.push((events.len(), Gap::Skip(skipped)));
                continue;
            }
            match entry {
                Ok(event) => events.push(event),
                // Decoding a stored row again gives the same answer, so the
                // policy's retries are not spent on it: it goes straight to
                // the policy's last word.
                Err(row) => {
                    let gap = if self.config.error_policy.skips() {
                        let error = row.to_string();
                        Gap::Skip(SkippedEvent::of_row(&row, SkipCause::Undecodable, error))
                    } else {
                        Gap::Stop(ProjectionError::Stopped {
                            projection: self.projection.name().to_owned(),
                            reason: format!(
                                "{row}; to go on without it, list position {} in \
                                 RunnerConfig::skip_positions or use an error policy that skips",
                                row.position()
                            ),
                        })
                    };
                    gaps.push((events.len(), gap));
                }
            }
        }
        (events, gaps)
    }

    /// Applies a run of events read after `from` under the error policy;
    /// `checkpoint` is where the checkpoint goes once it is through. Returns
    /// whether it went through (applied or skipped), so the batch goes on.
    async fn apply_run(
        &mut self,
        batch: &[StoredEvent],
        from: GlobalPosition,
        checkpoint: GlobalPosition,
    ) -> Result<bool, Failure> {
        let error = match self.attempt(batch, from, checkpoint).await? {
            Outcome::Applied => return Ok(true),
            Outcome::Interrupted | Outcome::Shutdown => return Ok(false),
            Outcome::Exhausted(error) => error,
        };
        if let [event] = batch {
            if !self.config.error_policy.skips() {
                return Err(Failure::Stop(error));
            }
            self.skip_failed(event, from, checkpoint, &error).await?;
            return Ok(self.position == Some(checkpoint));
        }
        // Find the failing event one at a time: the events before it apply,
        // and the error (a stop, or a skip) names exactly that event, whose
        // position is what an operator would list to get past it.
        let mut from = from;
        for (i, event) in batch.iter().enumerate() {
            let to = if i + 1 == batch.len() {
                checkpoint
            } else {
                event.position()
            };
            match self.attempt(std::slice::from_ref(event), from, to).await? {
                Outcome::Applied => {}
                Outcome::Interrupted | Outcome::Shutdown => return Ok(false),
                Outcome::Exhausted(error) if !self.config.error_policy.skips() => {
                    return Err(Failure::Stop(error));
                }
                Outcome::Exhausted(error) => self.skip_failed(event, from, to, &error).await?,
            }
            match self.position {
                Some(now) => from = now,
                None => return Ok(false),
            }
        }
        Ok(self.position == Some(checkpoint))
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
                    self.count_applied(applied);
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
            self.count_error();
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

    async fn skip_failed(
        &mut self,
        event: &StoredEvent,
        from: GlobalPosition,
        checkpoint: GlobalPosition,
        error: &ProjectionError,
    ) -> Result<(), ProjectionError> {
        let skipped = SkippedEvent::of_event(event, SkipCause::Failed, error.to_string());
        self.record_skip(skipped, from, checkpoint).await
    }

    /// Logs a skipped event, lists it in health, and moves the checkpoint
    /// past it.
    async fn record_skip(
        &mut self,
        skipped: SkippedEvent,
        from: GlobalPosition,
        checkpoint: GlobalPosition,
    ) -> Result<(), ProjectionError> {
        let event_id = skipped
            .event_id
            .map(|id| id.to_string())
            .unwrap_or_default();
        let version = skipped.version.map(StreamVersion::value);
        if skipped.cause == SkipCause::Listed {
            tracing::warn!(
                projection = self.projection.name(),
                position = %skipped.position,
                event_id,
                stream = skipped.stream,
                version,
                event_type = skipped.event_type,
                "skipping event listed in skip_positions"
            );
        } else {
            tracing::error!(
                projection = self.projection.name(),
                position = %skipped.position,
                event_id,
                stream = skipped.stream,
                version,
                event_type = skipped.event_type,
                cause = ?skipped.cause,
                error = skipped.error,
                "skipping event that could not be applied"
            );
        }
        self.count_skip(skipped.cause);
        self.state.send_modify(|s| s.health.skipped.push(skipped));
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
