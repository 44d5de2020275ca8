//! The caller's side of a running projection: control and health.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::super::{ProjectionHealth, ProjectionStatus};
use crate::{error::ProjectionError, types::GlobalPosition};

/// Requests from the handle to the runner task.
#[derive(Clone, Debug, Default)]
pub(super) struct Control {
    pub(super) paused: bool,
    pub(super) shutdown: bool,
    pub(super) rebuilds: u64,
}

/// What the runner task publishes for the handle.
#[derive(Clone, Debug)]
pub(super) struct RunnerState {
    pub(super) health: ProjectionHealth,
    pub(super) last_event: Option<Instant>,
    /// The lease is ours until this instant (its time-to-live counted from
    /// when the grant or renewal was *requested*), if we hold one.
    pub(super) lease_valid_until: Option<Instant>,
    pub(super) rebuilds_done: u64,
    pub(super) finished: bool,
}

impl RunnerState {
    pub(super) fn new(name: String, holder: String, skip_positions: Vec<GlobalPosition>) -> Self {
        Self {
            health: ProjectionHealth {
                name,
                status: ProjectionStatus::Starting,
                position: GlobalPosition::START,
                head: GlobalPosition::START,
                lag: 0,
                since_last_event: None,
                skipped: Vec::new(),
                skip_positions,
                holds_lease: false,
                lease_expires_at: None,
                holder,
                held_back: None,
            },
            last_event: None,
            lease_valid_until: None,
            rebuilds_done: 0,
            finished: false,
        }
    }
}

/// The health of a runner as it is now, from what it publishes.
fn health_of(state: &watch::Receiver<RunnerState>) -> ProjectionHealth {
    let state = state.borrow();
    let mut health = state.health.clone();
    health.since_last_event = state.last_event.map(|at| at.elapsed());
    // Judged now, not when the runner last looked: a runner stalled past
    // its lease's time-to-live may already have been replaced.
    health.holds_lease = state
        .lease_valid_until
        .is_some_and(|until| Instant::now() < until);
    health
}

/// A cloneable view of one runner's health (see
/// [`ProjectionHandle::watch`]). It outlives the runner: a stopped runner
/// reports its last health, with its final status.
#[derive(Clone, Debug)]
pub struct ProjectionWatch(watch::Receiver<RunnerState>);

impl ProjectionWatch {
    /// The runner's current health and lag.
    #[must_use]
    pub fn health(&self) -> ProjectionHealth {
        health_of(&self.0)
    }
}

/// Controls a running projection. Dropping the handle does not stop the
/// runner; call [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct ProjectionHandle {
    pub(super) name: String,
    pub(super) control: watch::Sender<Control>,
    pub(super) state: watch::Receiver<RunnerState>,
    pub(super) join: Option<tokio::task::JoinHandle<Result<(), ProjectionError>>>,
}

impl ProjectionHandle {
    /// The projection's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The runner's current health and lag.
    #[must_use]
    pub fn health(&self) -> ProjectionHealth {
        health_of(&self.state)
    }

    /// A cloneable view of the runner's health, for a
    /// [`HealthCheck`](crate::health::HealthCheck) or anything else that
    /// reports on it while the handle stays with its owner.
    #[must_use]
    pub fn watch(&self) -> ProjectionWatch {
        ProjectionWatch(self.state.clone())
    }

    /// Pauses after the batch in flight. Returns once the runner is paused
    /// (or has stopped).
    pub async fn pause(&self) {
        self.control.send_modify(|c| c.paused = true);
        self.wait_for_state(|s| {
            matches!(
                s.health.status,
                ProjectionStatus::Paused | ProjectionStatus::Standby
            ) || s.finished
        })
        .await;
    }

    /// Resumes a paused runner.
    pub async fn resume(&self) {
        self.control.send_modify(|c| c.paused = false);
        self.wait_for_state(|s| s.health.status != ProjectionStatus::Paused || s.finished)
            .await;
    }

    /// Clears the read model and replays every event from the start.
    /// Returns once the reset is done (which needs this runner to hold the
    /// lease) or the runner has stopped.
    pub async fn rebuild(&self) {
        let mut requested = 0;
        self.control.send_modify(|c| {
            c.rebuilds += 1;
            requested = c.rebuilds;
        });
        self.wait_for_state(|s| s.rebuilds_done >= requested || s.finished)
            .await;
    }

    /// Waits until the runner has processed everything up to `position`,
    /// or `timeout` passes. Returns whether it got there.
    pub async fn wait_for_position(&self, position: GlobalPosition, timeout: Duration) -> bool {
        let rebuilds = self.control.borrow().rebuilds;
        let wait = self.wait_for_state(|s| {
            s.finished || (s.rebuilds_done >= rebuilds && s.health.position >= position)
        });
        tokio::time::timeout(timeout, wait).await.is_ok()
            && self.state.borrow().health.position >= position
    }

    /// Stops after the batch in flight, saving its checkpoint and releasing
    /// the lease. Returns the error that stopped the runner, if one did.
    pub async fn shutdown(mut self) -> Result<(), ProjectionError> {
        self.control.send_modify(|c| c.shutdown = true);
        match self.join.take() {
            Some(join) => join.await.unwrap_or_else(|e| {
                Err(ProjectionError::Stopped {
                    projection: self.name.clone(),
                    reason: format!("the runner task ended abnormally: {e}"),
                })
            }),
            None => Ok(()),
        }
    }

    /// Stops the runner at once, mid-batch, without saving or releasing
    /// anything, as a crash would. The lease lapses after its time-to-live
    /// and another runner takes over from the last saved checkpoint.
    pub fn abort(mut self) {
        if let Some(join) = self.join.take() {
            join.abort();
        }
    }

    async fn wait_for_state(&self, done: impl Fn(&RunnerState) -> bool + Send + Sync) {
        let mut state = self.state.clone();
        // An error means the runner is gone, which also ends the wait.
        let _ = state.wait_for(|s| done(s)).await;
    }
}
