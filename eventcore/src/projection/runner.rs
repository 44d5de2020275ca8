use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::{
    AtLeastOnce, CheckpointedProjection, ErrorPolicy, Projection, ProjectionHealth,
    ProjectionStatus, SkippedEvent,
    checkpointed::{is_event_failure, is_lease_lost},
};
use crate::{
    error::ProjectionError,
    store::{CheckpointStore, EventStore, Lease, LeaseStore, StoredEvent},
    types::{EventId, GlobalPosition},
};

/// How a [`ProjectionRunner`] behaves.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RunnerConfig {
    /// Events read and applied per batch (default 500).
    pub batch_size: usize,
    /// How long the lease lasts without renewal (default 10 s). A crashed
    /// runner's projection is taken over within about this long.
    pub lease_ttl: Duration,
    /// The longest wait for a notification before polling anyway
    /// (default 1 s); the fallback when notifications are lost.
    pub poll_interval: Duration,
    /// What to do when applying an event fails.
    pub error_policy: ErrorPolicy,
    /// This runner's identity in the lease table (default: a fresh UUID).
    pub holder: String,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            lease_ttl: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
            error_policy: ErrorPolicy::default(),
            holder: format!("runner-{}", EventId::new()),
        }
    }
}

impl RunnerConfig {
    /// Sets the batch size (at least 1).
    #[must_use]
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.max(1);
        self
    }

    /// Sets the lease time-to-live.
    #[must_use]
    pub const fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// Sets the polling fallback interval.
    #[must_use]
    pub const fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets the error policy.
    #[must_use]
    pub fn error_policy(mut self, policy: ErrorPolicy) -> Self {
        self.error_policy = policy;
        self
    }

    /// Sets the lease holder name.
    #[must_use]
    pub fn holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = holder.into();
        self
    }
}

/// Drives one projection: catch-up from the checkpoint, then live.
///
/// See the [module docs](super) for an example.
pub struct ProjectionRunner<S, C> {
    store: S,
    projection: C,
    config: RunnerConfig,
}

impl<S, P> ProjectionRunner<S, AtLeastOnce<P, S>>
where
    S: EventStore + LeaseStore + CheckpointStore + Clone + 'static,
    P: Projection,
{
    /// A runner for a plain [`Projection`], with its checkpoint in `store`
    /// (at-least-once delivery).
    pub fn new(store: S, projection: P, config: RunnerConfig) -> Self {
        let projection = AtLeastOnce::new(projection, store.clone());
        Self {
            store,
            projection,
            config,
        }
    }
}

impl<S, C> ProjectionRunner<S, C>
where
    S: EventStore + LeaseStore + 'static,
    C: CheckpointedProjection,
{
    /// A runner for a projection that manages its own checkpoint, e.g. in the
    /// same transaction as its read model.
    pub const fn with_checkpointed(store: S, projection: C, config: RunnerConfig) -> Self {
        Self {
            store,
            projection,
            config,
        }
    }

    /// Spawns the runner on the current Tokio runtime.
    #[must_use]
    pub fn start(self) -> ProjectionHandle {
        let name = self.projection.name().to_owned();
        let (control_tx, control_rx) = watch::channel(Control::default());
        let (state_tx, state_rx) = watch::channel(RunnerState::new(name.clone()));
        let task = Task {
            store: self.store,
            projection: self.projection,
            config: self.config,
            control: control_rx,
            state: state_tx,
            lease: None,
            lease_renew_at: Instant::now(),
            position: None,
            rebuilds_done: 0,
            lag_counted_at: None,
            catching_up: false,
        };
        let join = tokio::spawn(task.run());
        ProjectionHandle {
            name,
            control: control_tx,
            state: state_rx,
            join: Some(join),
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Control {
    paused: bool,
    shutdown: bool,
    rebuilds: u64,
}

#[derive(Clone, Debug)]
struct RunnerState {
    health: ProjectionHealth,
    last_event: Option<Instant>,
    rebuilds_done: u64,
    finished: bool,
}

impl RunnerState {
    fn new(name: String) -> Self {
        Self {
            health: ProjectionHealth {
                name,
                status: ProjectionStatus::Starting,
                position: GlobalPosition::START,
                head: GlobalPosition::START,
                lag: 0,
                since_last_event: None,
                skipped: Vec::new(),
                holds_lease: false,
            },
            last_event: None,
            rebuilds_done: 0,
            finished: false,
        }
    }
}

/// Controls a running projection. Dropping the handle does not stop the
/// runner; call [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct ProjectionHandle {
    name: String,
    control: watch::Sender<Control>,
    state: watch::Receiver<RunnerState>,
    join: Option<tokio::task::JoinHandle<Result<(), ProjectionError>>>,
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
        let state = self.state.borrow();
        let mut health = state.health.clone();
        health.since_last_event = state.last_event.map(|at| at.elapsed());
        health
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

/// What happened to a batch.
enum Outcome {
    Applied,
    LeaseLost,
    Shutdown,
    Exhausted(ProjectionError),
}

struct Task<S, C> {
    store: S,
    projection: C,
    config: RunnerConfig,
    control: watch::Receiver<Control>,
    state: watch::Sender<RunnerState>,
    lease: Option<Lease>,
    lease_renew_at: Instant,
    /// The processed position; `None` until loaded after taking the lease.
    position: Option<GlobalPosition>,
    rebuilds_done: u64,
    lag_counted_at: Option<Instant>,
    /// Whether the last batch was full, i.e. more events are waiting.
    catching_up: bool,
}

/// The most events [`ProjectionHealth::lag`] counts; a bigger backlog is
/// reported as this many.
const LAG_CAP: u64 = 1_000_000;

/// How often the lag is recounted while catching up.
const LAG_REFRESH: Duration = Duration::from_secs(1);

impl<S, C> Task<S, C>
where
    S: EventStore + LeaseStore + 'static,
    C: CheckpointedProjection,
{
    async fn run(mut self) -> Result<(), ProjectionError> {
        let result = self.run_loop().await;
        self.release().await;
        self.state.send_modify(|s| {
            s.finished = true;
            s.health.holds_lease = false;
            s.health.status = match &result {
                Ok(()) => ProjectionStatus::Stopped,
                Err(e) => ProjectionStatus::Failed {
                    error: e.to_string(),
                },
            };
        });
        if let Err(error) = &result {
            tracing::error!(projection = self.projection.name(), %error, "projection stopped");
        }
        result
    }

    fn set_status(&self, status: ProjectionStatus) {
        self.state.send_if_modified(|s| {
            let changed = s.health.status != status;
            s.health.status = status;
            changed
        });
    }

    async fn run_loop(&mut self) -> Result<(), ProjectionError> {
        let filter = self.projection.filter();
        let mut notifications = self.store.subscribe();
        loop {
            let control = self.control.borrow_and_update().clone();
            if control.shutdown {
                return Ok(());
            }
            if !self.hold_lease().await? {
                self.set_status(ProjectionStatus::Standby);
                self.idle(self.config.lease_ttl / 3).await;
                continue;
            }
            if control.rebuilds > self.rebuilds_done {
                self.rebuild(control.rebuilds).await?;
                continue;
            }
            if control.paused {
                self.set_status(ProjectionStatus::Paused);
                self.idle(self.config.lease_ttl / 3).await;
                continue;
            }
            let position = if let Some(position) = self.position {
                position
            } else {
                let loaded = self.projection.load_checkpoint().await?.unwrap_or_default();
                self.publish_position(loaded);
                loaded
            };
            // While catching up in full batches the head is needed only for
            // the lag, so it is read at most every LAG_REFRESH; otherwise it
            // is read *before* the batch, so every event up to it is either
            // in the batch or excluded by the filter.
            let head = if self.catching_up && !self.lag_due() {
                None
            } else {
                Some(self.store.head_position().await?)
            };
            let batch = self
                .store
                .read_all(position, &filter, self.config.batch_size)
                .await?;
            if let Some(head) = head {
                self.refresh_lag(position, head).await?;
            }
            let Some(last) = batch.last().map(StoredEvent::position) else {
                self.catching_up = false;
                // Everything up to `head` is either processed or filtered out.
                let head = head.unwrap_or(position);
                if head > position {
                    self.save_progress(head).await?;
                }
                self.set_status(ProjectionStatus::Live);
                self.wait_for_events(&mut notifications, head.max(position))
                    .await;
                continue;
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
            self.process(&batch, checkpoint).await?;
        }
    }

    /// Acquires or renews the lease. Returns whether this runner holds it.
    async fn hold_lease(&mut self) -> Result<bool, ProjectionError> {
        let now = Instant::now();
        let ttl = self.config.lease_ttl;
        let lease = match &self.lease {
            Some(lease) if now < self.lease_renew_at => return Ok(true),
            Some(lease) => match self.store.renew_lease(lease, ttl).await {
                Ok(renewed) => Some(renewed),
                Err(crate::StoreError::LeaseLost { .. }) => None,
                Err(other) => return Err(other.into()),
            },
            None => {
                let name = self.projection.name().to_owned();
                self.store
                    .try_acquire_lease(&name, &self.config.holder, ttl)
                    .await?
            }
        };
        let held = lease.is_some();
        if held && self.lease.is_none() {
            tracing::info!(projection = self.projection.name(), holder = %self.config.holder, "lease acquired");
        }
        if !held {
            self.lost_lease();
        }
        self.lease = lease;
        self.lease_renew_at = now + ttl / 3;
        self.state.send_if_modified(|s| {
            let changed = s.health.holds_lease != held;
            s.health.holds_lease = held;
            changed
        });
        Ok(held)
    }

    /// Forgets the lease and the position: another runner may have moved
    /// the checkpoint since.
    fn lost_lease(&mut self) {
        if self.lease.take().is_some() {
            tracing::warn!(
                projection = self.projection.name(),
                "lease lost; standing by"
            );
        }
        self.position = None;
    }

    async fn release(&mut self) {
        if let Some(lease) = self.lease.take()
            && let Err(error) = self.store.release_lease(&lease).await
        {
            tracing::warn!(projection = self.projection.name(), %error, "could not release lease");
        }
    }

    async fn rebuild(&mut self, requested: u64) -> Result<(), ProjectionError> {
        let Some(lease) = self.lease.clone() else {
            return Ok(());
        };
        match self.projection.reset(&lease).await {
            Ok(()) => {}
            Err(e) if is_lease_lost(&e) => {
                self.lost_lease();
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        tracing::info!(
            projection = self.projection.name(),
            "projection reset for rebuild"
        );
        self.rebuilds_done = requested;
        self.publish_position(GlobalPosition::START);
        self.state.send_modify(|s| {
            s.rebuilds_done = requested;
            s.health.skipped.clear();
        });
        Ok(())
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

    /// Records the head and how many events lie between `position` and it.
    /// Counting costs a query on some stores, so it is redone at most every
    /// [`LAG_REFRESH`] while behind, and capped at [`LAG_CAP`].
    /// Whether the lag should be recounted.
    fn lag_due(&self) -> bool {
        self.lag_counted_at
            .is_none_or(|at| at.elapsed() >= LAG_REFRESH)
    }

    async fn refresh_lag(
        &mut self,
        position: GlobalPosition,
        head: GlobalPosition,
    ) -> Result<(), ProjectionError> {
        let due = self.lag_due();
        let lag = if position >= head {
            Some(0)
        } else if due {
            self.lag_counted_at = Some(Instant::now());
            Some(self.store.count_events(position, head, LAG_CAP).await?)
        } else {
            None
        };
        self.state.send_modify(|s| {
            s.health.head = head;
            if let Some(lag) = lag {
                s.health.lag = lag;
            }
        });
        Ok(())
    }

    async fn save_progress(&mut self, position: GlobalPosition) -> Result<(), ProjectionError> {
        let Some(lease) = self.lease.clone() else {
            return Ok(());
        };
        match self.projection.save_checkpoint(position, &lease).await {
            Ok(()) => {
                self.publish_position(position);
                Ok(())
            }
            Err(e) if is_lease_lost(&e) => {
                self.lost_lease();
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Sleeps until `duration` passes or a control message arrives.
    async fn idle(&mut self, duration: Duration) {
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            _ = self.control.changed() => {}
        }
    }

    async fn wait_for_events(
        &mut self,
        notifications: &mut crate::store::EventNotifications,
        seen: GlobalPosition,
    ) {
        // Wake for new events, a control message, or to renew the lease.
        let wait = self.config.poll_interval.min(self.config.lease_ttl / 3);
        tokio::select! {
            _ = notifications.wait_beyond(seen, wait) => {}
            _ = self.control.changed() => {}
        }
    }

    /// Applies a batch under the error policy.
    async fn process(
        &mut self,
        batch: &[StoredEvent],
        checkpoint: GlobalPosition,
    ) -> Result<(), ProjectionError> {
        match self.attempt(batch, checkpoint).await? {
            Outcome::Applied | Outcome::LeaseLost | Outcome::Shutdown => Ok(()),
            Outcome::Exhausted(error) if !self.config.error_policy.skips() => Err(error),
            Outcome::Exhausted(error) => {
                if let [event] = batch {
                    return self.skip(event, checkpoint, &error).await;
                }
                // Find the failing events one at a time; the rest apply.
                for (i, event) in batch.iter().enumerate() {
                    let single_checkpoint = if i + 1 == batch.len() {
                        checkpoint
                    } else {
                        event.position()
                    };
                    let single = std::slice::from_ref(event);
                    match self.attempt(single, single_checkpoint).await? {
                        Outcome::Applied => {}
                        Outcome::LeaseLost | Outcome::Shutdown => return Ok(()),
                        Outcome::Exhausted(error) => {
                            self.skip(event, single_checkpoint, &error).await?;
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// Tries a batch until it applies or the policy's retries run out.
    async fn attempt(
        &mut self,
        batch: &[StoredEvent],
        checkpoint: GlobalPosition,
    ) -> Result<Outcome, ProjectionError> {
        let mut attempt = 1_u32;
        let mut store_retry = 1_u32;
        loop {
            let Some(lease) = self.lease.clone() else {
                return Ok(Outcome::LeaseLost);
            };
            let error = match self.projection.apply_batch(batch, checkpoint, &lease).await {
                Ok(()) => {
                    self.publish_position(checkpoint);
                    let applied = batch.len() as u64;
                    self.state.send_modify(|s| {
                        s.last_event = Some(Instant::now());
                        s.health.lag = s.health.lag.saturating_sub(applied);
                    });
                    return Ok(Outcome::Applied);
                }
                Err(e) if is_lease_lost(&e) => {
                    self.lost_lease();
                    return Ok(Outcome::LeaseLost);
                }
                Err(e) => e,
            };
            let wait = if is_event_failure(&error) {
                match self.config.error_policy.backoff(attempt) {
                    Some(wait) => wait,
                    None => return Ok(Outcome::Exhausted(error)),
                }
            } else {
                // The store failed: transient by nature, retry with capped backoff.
                let retry = ErrorPolicy::Retry {
                    attempts: u32::MAX,
                    initial_backoff: Duration::from_millis(100),
                    max_backoff: Duration::from_secs(5),
                    then: Box::new(ErrorPolicy::Stop),
                };
                store_retry += 1;
                retry
                    .backoff(store_retry - 1)
                    .unwrap_or(Duration::from_secs(5))
            };
            tracing::warn!(
                projection = self.projection.name(),
                %error,
                attempt,
                retry_in = ?wait,
                "projection batch failed; retrying"
            );
            self.set_status(ProjectionStatus::Retrying { attempt });
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
        self.save_progress(checkpoint).await
    }
}
