//! The runner's loop: hold the lease, read a batch after the checkpoint,
//! apply it under the error policy, and retry store failures with backoff.

use std::{panic::AssertUnwindSafe, time::Instant};

use futures_util::FutureExt;
use tracing::Instrument;

use tokio::sync::watch;

use super::{
    config::RunnerConfig,
    handle::{Control, ProjectionHandle, RunnerState},
    lease::{LeaseKeeper, Tenure},
};
use crate::{
    error::{ProjectionError, StoreError},
    projection::{CheckpointedProjection, ProjectionStatus},
    store::{EventFilter, EventNotifications, EventStore, LeaseStore, ProjectionControl},
    types::GlobalPosition,
};

/// Why a step of the loop did not finish.
enum Failure {
    /// The store (or the projection's own storage) failed: retried under
    /// the store retry policy.
    Store(ProjectionError),
    /// The error policy stopped the runner.
    Stop(ProjectionError),
}

impl From<ProjectionError> for Failure {
    fn from(error: ProjectionError) -> Self {
        Self::Store(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Self::Store(error.into())
    }
}

/// Spawns the runner task on the current Tokio runtime.
pub(super) fn spawn<S, P>(store: S, projection: P, config: RunnerConfig) -> ProjectionHandle
where
    S: EventStore + LeaseStore + 'static,
    P: CheckpointedProjection,
{
    let name = projection.name().to_owned();
    let holder = config.instance_holder();
    let (control_tx, control) = watch::channel(Control::default());
    let listed = config.skip_positions.iter().copied().collect();
    let (state, state_rx) = watch::channel(RunnerState::new(name.clone(), holder.clone(), listed));
    let task = Task {
        lease: LeaseKeeper::new(name.clone(), holder),
        store,
        projection,
        config,
        control,
        state,
        position: None,
        rebuilds_done: 0,
        lag_counted_at: None,
        held_back_checked_at: None,
        catching_up: false,
        store_failures: 0,
        behind_since: None,
        remote: ProjectionControl::default(),
        remote_read_at: None,
        metrics: std::sync::OnceLock::new(),
    };
    ProjectionHandle {
        name,
        control: control_tx,
        state: state_rx,
        join: Some(tokio::spawn(task.run())),
    }
}

mod batch;
mod gauges;
mod lag;
mod remote;

struct Task<S, P> {
    store: S,
    projection: P,
    config: RunnerConfig,
    lease: LeaseKeeper,
    control: watch::Receiver<Control>,
    state: watch::Sender<RunnerState>,
    /// The processed position; `None` until loaded under the current lease.
    position: Option<GlobalPosition>,
    rebuilds_done: u64,
    lag_counted_at: Option<Instant>,
    /// When the runner last asked the store what holds it back.
    held_back_checked_at: Option<Instant>,
    /// Whether the last batch was full, i.e. more events are waiting.
    catching_up: bool,
    /// Store failures in a row; any step that completes resets it.
    store_failures: u32,
    /// Since when the runner has been behind the head (for the lag in
    /// seconds); `None` while caught up.
    behind_since: Option<Instant>,
    /// The operator's requests in the store, as last read, and when.
    remote: ProjectionControl,
    remote_read_at: Option<Instant>,
    /// Its metric handles, registered when it first records.
    metrics: std::sync::OnceLock<gauges::RunnerMetrics>,
}

impl<S, P> Task<S, P>
where
    S: EventStore + LeaseStore + 'static,
    P: CheckpointedProjection,
{
    async fn run(mut self) -> Result<(), ProjectionError> {
        // A panic in the projection (or anywhere in the loop) is a failure
        // like any other: the runner reports it at once and gives the lease
        // up, instead of vanishing while its health still says `Live`.
        let result = match AssertUnwindSafe(self.run_loop()).catch_unwind().await {
            Ok(result) => result,
            Err(panic) => Err(ProjectionError::Stopped {
                projection: self.projection.name().to_owned(),
                reason: format!("it panicked: {}", panic_message(panic.as_ref())),
            }),
        };
        self.lease.release(&self.store).await;
        self.state.send_modify(|s| {
            s.finished = true;
            s.lease_valid_until = None;
            s.health.lease_expires_at = None;
            s.health.status = match &result {
                Ok(()) => ProjectionStatus::Stopped,
                Err(e) => ProjectionStatus::Failed {
                    error: e.to_string(),
                },
            };
        });
        self.report_gauges();
        if let Err(error) = &result {
            tracing::error!(projection = self.projection.name(), %error, "projection stopped");
        }
        result
    }

    async fn run_loop(&mut self) -> Result<(), ProjectionError> {
        let filter = self.projection.filter();
        let mut notifications = self.store.subscribe();
        loop {
            let control = self.control.borrow_and_update().clone();
            if control.shutdown {
                return Ok(());
            }
            let step = self.step(&control, &filter, &mut notifications).await;
            self.report_gauges();
            match step {
                Ok(()) => self.store_failures = 0,
                Err(Failure::Stop(error)) => return Err(error),
                Err(Failure::Store(error)) => {
                    self.count_error();
                    self.back_off(error).await?;
                }
            }
        }
    }

    /// One turn of the loop: keep the lease, obey the controls, then read
    /// and apply one batch (or wait for events).
    async fn step(
        &mut self,
        control: &Control,
        filter: &EventFilter,
        notifications: &mut EventNotifications,
    ) -> Result<(), Failure> {
        if !self.hold_lease().await? {
            self.set_status(ProjectionStatus::Standby);
            self.idle(self.config.lease_ttl / 3).await;
            return Ok(());
        }
        if control.rebuilds > self.rebuilds_done {
            return self.rebuild(control.rebuilds).await;
        }
        // What an operator asked through the store, from anywhere.
        let remote = self.remote_control().await?;
        if remote.rebuild_pending() {
            return self.rebuild_for_operator(remote.rebuilds_requested).await;
        }
        if control.paused || remote.paused {
            self.set_status(ProjectionStatus::Paused);
            // Wake within a poll interval, to see a remote resume.
            self.idle(self.config.poll_interval.min(self.config.lease_ttl / 3))
                .await;
            return Ok(());
        }
        let position = self.position().await?;
        // While catching up in full batches the head is needed only for the
        // lag, so it is read at most every LAG_REFRESH; otherwise it is read
        // *before* the batch, so every event up to it is either in the batch
        // or excluded by the filter.
        let head = if self.catching_up && !self.lag_due() {
            None
        } else {
            Some(self.store.head_position().await?)
        };
        let batch = self
            .store
            .read_all_lenient(position, filter, self.config.batch_size)
            .await?;
        if let Some(head) = head {
            self.refresh_lag(position, head).await?;
        }
        let Some(last) = batch.last().map(batch::entry_position) else {
            self.catching_up = false;
            // Everything up to `head` is either processed or filtered out.
            let head = head.unwrap_or(position);
            if head > position {
                self.save_progress(position, head).await?;
            }
            self.set_status(ProjectionStatus::Live);
            self.check_held_back().await?;
            self.wait_for_events(notifications, head.max(position))
                .await;
            return Ok(());
        };
        let full = batch.len() >= self.config.batch_size;
        self.catching_up = full;
        self.set_status(if full {
            ProjectionStatus::CatchingUp
        } else {
            ProjectionStatus::Live
        });
        let checkpoint = match head {
            Some(head) if !full => last.max(head),
            _ => last,
        };
        let span = tracing::debug_span!(
            "eventcore.projection.batch",
            projection = self.projection.name(),
            after = %position,
            events = batch.len(),
            checkpoint = %checkpoint,
        );
        self.process(batch, position, checkpoint)
            .instrument(span)
            .await
    }

    /// Waits out a store failure, or gives up once the budget for its kind
    /// is spent.
    async fn back_off(&mut self, error: ProjectionError) -> Result<(), ProjectionError> {
        self.store_failures = self.store_failures.saturating_add(1);
        let transient = matches!(&error, ProjectionError::Store(e) if e.is_transient());
        let Some(wait) = self
            .config
            .store_retry
            .wait_after(self.store_failures, transient)
        else {
            return Err(error);
        };
        tracing::warn!(
            projection = self.projection.name(),
            %error,
            failures = self.store_failures,
            retry_in = ?wait,
            "projection store operation failed; retrying"
        );
        self.set_status(ProjectionStatus::Retrying {
            attempt: self.store_failures,
            error: error.to_string(),
        });
        self.idle(wait).await;
        Ok(())
    }

    fn set_status(&self, status: ProjectionStatus) {
        self.state.send_if_modified(|s| {
            let changed = s.health.status != status;
            s.health.status = status;
            changed
        });
    }

    /// The processed position, loaded from the checkpoint when unknown.
    async fn position(&mut self) -> Result<GlobalPosition, ProjectionError> {
        if let Some(position) = self.position {
            return Ok(position);
        }
        let loaded = self.projection.load_checkpoint().await?.unwrap_or_default();
        self.publish_position(loaded);
        Ok(loaded)
    }

    /// Acquires or renews the lease. Returns whether this runner holds it.
    async fn hold_lease(&mut self) -> Result<bool, StoreError> {
        let tenure = self.lease.hold(&self.store, self.config.lease_ttl).await?;
        if !matches!(tenure, Tenure::Held) {
            // Another runner may have moved the checkpoint meanwhile.
            self.position = None;
        }
        self.publish_lease();
        Ok(!matches!(tenure, Tenure::Lost))
    }

    fn publish_lease(&self) {
        let valid_until = self.lease.valid_until();
        let expires_at = self.lease.current().map(crate::store::Lease::expires_at);
        self.state.send_if_modified(|s| {
            let changed =
                s.lease_valid_until != valid_until || s.health.lease_expires_at != expires_at;
            s.lease_valid_until = valid_until;
            s.health.lease_expires_at = expires_at;
            changed
        });
    }

    /// The lease is gone or the checkpoint moved: forget what was loaded.
    fn interrupted(&mut self, error: &ProjectionError) {
        if matches!(error, ProjectionError::Store(StoreError::LeaseLost { .. })) {
            self.lease.lose();
            self.publish_lease();
        } else {
            tracing::warn!(
                projection = self.projection.name(),
                %error,
                "checkpoint moved since it was loaded; reloading it"
            );
        }
        self.position = None;
    }

    fn publish_position(&mut self, position: GlobalPosition) {
        self.position = Some(position);
        self.state.send_modify(|s| {
            if position >= s.health.head {
                s.health.lag = 0;
            }
            s.health.position = position;
        });
    }

    /// Moves the checkpoint without applying anything.
    async fn save_progress(
        &mut self,
        from: GlobalPosition,
        to: GlobalPosition,
    ) -> Result<(), ProjectionError> {
        let Some(lease) = self.lease.current().cloned() else {
            return Ok(());
        };
        match self.projection.save_checkpoint(from, to, &lease).await {
            Ok(()) => {
                self.publish_position(to);
                Ok(())
            }
            Err(e) if is_interruption(&e) => {
                self.interrupted(&e);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// The text a panic was raised with, when it has one.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

/// Whether an error means this runner must reload before going on: its
/// lease is gone, or the checkpoint is not where it started.
const fn is_interruption(error: &ProjectionError) -> bool {
    matches!(
        error,
        ProjectionError::Store(StoreError::LeaseLost { .. } | StoreError::CheckpointMoved { .. })
    )
}
