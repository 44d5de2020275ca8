//! Fault-injecting store wrappers, for testing how code copes with a store
//! that fails, stalls or loses races.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use parking_lot::Mutex;
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::{
    error::StoreError,
    store::{
        AppendBatch, AppendResult, CheckpointStore, EventFilter, EventNotifications, EventStore,
        ExpectedVersion, Lease, LeaseStore, StoredEvent, StreamsRead,
    },
    types::{GlobalPosition, StreamId, StreamVersion},
};

/// How often a [`ChaosStore`] misbehaves. Rates are probabilities in
/// `0.0..=1.0`; values outside are clamped.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ChaosConfig {
    /// Chance that an operation fails with [`StoreError::Unavailable`].
    pub failure_rate: f64,
    /// Chance that an append is refused with a
    /// [`StoreError::VersionConflict`] without writing anything.
    pub conflict_rate: f64,
    /// Chance that an operation is delayed.
    pub delay_rate: f64,
    /// The longest injected delay; each delay is uniform in `0..=max_delay`.
    pub max_delay: Duration,
    /// Chance that a checkpoint save fails with [`StoreError::Unavailable`]
    /// without writing.
    pub checkpoint_failure_rate: f64,
    /// Chance that a checkpoint save is written but reported as failed,
    /// as when the database commits and the reply is lost.
    pub checkpoint_lost_reply_rate: f64,
    /// Seed for the random choices, so a failing run can be replayed.
    pub seed: u64,
}

impl Default for ChaosConfig {
    /// No chaos at all: a transparent wrapper.
    fn default() -> Self {
        Self {
            failure_rate: 0.0,
            conflict_rate: 0.0,
            delay_rate: 0.0,
            max_delay: Duration::from_millis(5),
            checkpoint_failure_rate: 0.0,
            checkpoint_lost_reply_rate: 0.0,
            seed: 0x5EED,
        }
    }
}

impl ChaosConfig {
    /// Sets the failure rate.
    #[must_use]
    pub const fn failure_rate(mut self, rate: f64) -> Self {
        self.failure_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Sets the injected conflict rate.
    #[must_use]
    pub const fn conflict_rate(mut self, rate: f64) -> Self {
        self.conflict_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Sets the delay rate and the longest delay.
    #[must_use]
    pub const fn delays(mut self, rate: f64, max_delay: Duration) -> Self {
        self.delay_rate = rate.clamp(0.0, 1.0);
        self.max_delay = max_delay;
        self
    }

    /// Sets the chance that a checkpoint save fails without writing, and
    /// the chance that it is written but reported as failed (a lost reply).
    #[must_use]
    pub const fn checkpoint_faults(mut self, failure_rate: f64, lost_reply_rate: f64) -> Self {
        self.checkpoint_failure_rate = failure_rate.clamp(0.0, 1.0);
        self.checkpoint_lost_reply_rate = lost_reply_rate.clamp(0.0, 1.0);
        self
    }

    /// Sets the random seed.
    #[must_use]
    pub const fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// Counts of the faults a [`ChaosStore`] injected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChaosStats {
    /// Operations failed with `Unavailable`.
    pub failures: u64,
    /// Appends refused with a conflict.
    pub conflicts: u64,
    /// Operations delayed.
    pub delays: u64,
    /// Checkpoint saves failed without writing.
    pub checkpoint_failures: u64,
    /// Checkpoint saves written but reported as failed.
    pub checkpoint_lost_replies: u64,
}

/// Wraps a store and injects failures, conflicts and delays at configured
/// rates, and, if configured, failed and unacknowledged checkpoint saves.
/// Leases pass through untouched.
///
/// An injected fault never writes anything, so the wrapped store stays
/// consistent: code under test sees exactly what a flaky backend would show.
///
/// ```
/// use eventcore::testing::chaos::{ChaosConfig, ChaosStore};
/// # fn wrap<S: eventcore::store::EventStore>(store: S) {
/// let flaky = ChaosStore::new(store, ChaosConfig::default().conflict_rate(0.3).seed(7));
/// # let _ = flaky; }
/// ```
#[derive(Clone, Debug)]
pub struct ChaosStore<S> {
    inner: S,
    config: Arc<ChaosConfig>,
    rng: Arc<Mutex<StdRng>>,
    stats: Arc<Mutex<ChaosStats>>,
}

enum Fault {
    None,
    Fail,
    Conflict,
}

impl<S> ChaosStore<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, config: ChaosConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Self {
            inner,
            config: Arc::new(config),
            rng: Arc::new(Mutex::new(rng)),
            stats: Arc::default(),
        }
    }

    /// The wrapped store.
    pub const fn inner(&self) -> &S {
        &self.inner
    }

    /// What has been injected so far.
    #[must_use]
    pub fn stats(&self) -> ChaosStats {
        *self.stats.lock()
    }

    /// Rolls the dice for one operation: an optional delay, then a fault.
    async fn roll(&self, may_conflict: bool) -> Fault {
        let (delay, fault) = {
            let mut rng = self.rng.lock();
            let delay = rng
                .random_bool(self.config.delay_rate)
                .then(|| self.config.max_delay.mul_f64(rng.random::<f64>()));
            let fault = if rng.random_bool(self.config.failure_rate) {
                Fault::Fail
            } else if may_conflict && rng.random_bool(self.config.conflict_rate) {
                Fault::Conflict
            } else {
                Fault::None
            };
            (delay, fault)
        };
        if let Some(delay) = delay {
            self.stats.lock().delays += 1;
            tokio::time::sleep(delay).await;
        }
        match fault {
            Fault::Fail => self.stats.lock().failures += 1,
            Fault::Conflict => self.stats.lock().conflicts += 1,
            Fault::None => {}
        }
        fault
    }

    fn injected_failure(operation: &str) -> StoreError {
        StoreError::Unavailable {
            message: format!("chaos: injected failure of {operation}"),
            source: None,
        }
    }
}

/// A conflict on the first stream of `batch` with a checked version, as if
/// another writer had just moved it on. Nothing is written. `None` for an
/// empty batch, which cannot conflict.
async fn injected_conflict<S: EventStore>(inner: &S, batch: &AppendBatch) -> Option<StoreError> {
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

impl<S: EventStore> EventStore for ChaosStore<S> {
    async fn read_streams(&self, streams: &[StreamId]) -> Result<StreamsRead, StoreError> {
        match self.roll(false).await {
            Fault::Fail => Err(Self::injected_failure("read_streams")),
            _ => self.inner.read_streams(streams).await,
        }
    }

    async fn read_streams_after(
        &self,
        streams: &[(StreamId, StreamVersion)],
    ) -> Result<StreamsRead, StoreError> {
        match self.roll(false).await {
            Fault::Fail => Err(Self::injected_failure("read_streams_after")),
            _ => self.inner.read_streams_after(streams).await,
        }
    }

    async fn append(&self, batch: AppendBatch) -> Result<AppendResult, StoreError> {
        match self.roll(true).await {
            Fault::Fail => Err(Self::injected_failure("append")),
            Fault::Conflict => match injected_conflict(&self.inner, &batch).await {
                Some(conflict) => Err(conflict),
                None => self.inner.append(batch).await,
            },
            Fault::None => self.inner.append(batch).await,
        }
    }

    async fn stream_version(&self, stream: &StreamId) -> Result<StreamVersion, StoreError> {
        match self.roll(false).await {
            Fault::Fail => Err(Self::injected_failure("stream_version")),
            _ => self.inner.stream_version(stream).await,
        }
    }

    async fn read_all(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        match self.roll(false).await {
            Fault::Fail => Err(Self::injected_failure("read_all")),
            _ => self.inner.read_all(after, filter, limit).await,
        }
    }

    async fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        self.inner.head_position().await
    }

    async fn count_events(
        &self,
        after: GlobalPosition,
        up_to: GlobalPosition,
        cap: u64,
    ) -> Result<u64, StoreError> {
        self.inner.count_events(after, up_to, cap).await
    }

    fn subscribe(&self) -> EventNotifications {
        self.inner.subscribe()
    }
}

/// Wraps a store and forces the first `n` appends to fail with a
/// [`StoreError::VersionConflict`], deterministically. Use it to test retry
/// behaviour.
///
/// ```
/// use eventcore::testing::chaos::ConflictingStore;
/// # fn wrap<S: eventcore::store::EventStore>(store: S) {
/// let store = ConflictingStore::new(store, 2);
/// assert_eq!(store.remaining(), 2);
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ConflictingStore<S> {
    inner: S,
    remaining: Arc<AtomicU64>,
}

impl<S> ConflictingStore<S> {
    /// Wraps `inner`; its first `n` appends conflict.
    pub fn new(inner: S, n: u64) -> Self {
        Self {
            inner,
            remaining: Arc::new(AtomicU64::new(n)),
        }
    }

    /// How many forced conflicts are left.
    #[must_use]
    pub fn remaining(&self) -> u64 {
        self.remaining.load(Ordering::SeqCst)
    }

    /// The wrapped store.
    pub const fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: EventStore> EventStore for ConflictingStore<S> {
    async fn read_streams(&self, streams: &[StreamId]) -> Result<StreamsRead, StoreError> {
        self.inner.read_streams(streams).await
    }

    async fn read_streams_after(
        &self,
        streams: &[(StreamId, StreamVersion)],
    ) -> Result<StreamsRead, StoreError> {
        self.inner.read_streams_after(streams).await
    }

    async fn append(&self, batch: AppendBatch) -> Result<AppendResult, StoreError> {
        let forced = self
            .remaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if forced && let Some(conflict) = injected_conflict(&self.inner, &batch).await {
            return Err(conflict);
        }
        self.inner.append(batch).await
    }

    async fn stream_version(&self, stream: &StreamId) -> Result<StreamVersion, StoreError> {
        self.inner.stream_version(stream).await
    }

    async fn read_all(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.inner.read_all(after, filter, limit).await
    }

    async fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        self.inner.head_position().await
    }

    async fn count_events(
        &self,
        after: GlobalPosition,
        up_to: GlobalPosition,
        cap: u64,
    ) -> Result<u64, StoreError> {
        self.inner.count_events(after, up_to, cap).await
    }

    fn subscribe(&self) -> EventNotifications {
        self.inner.subscribe()
    }
}

macro_rules! delegate_lease_store {
    ($wrapper:ident) => {
        impl<S: LeaseStore> LeaseStore for $wrapper<S> {
            async fn try_acquire_lease(
                &self,
                name: &str,
                holder: &str,
                ttl: Duration,
            ) -> Result<Option<Lease>, StoreError> {
                self.inner.try_acquire_lease(name, holder, ttl).await
            }

            async fn renew_lease(&self, lease: &Lease, ttl: Duration) -> Result<Lease, StoreError> {
                self.inner.renew_lease(lease, ttl).await
            }

            async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
                self.inner.release_lease(lease).await
            }
        }
    };
}

delegate_lease_store!(ChaosStore);
delegate_lease_store!(ConflictingStore);

impl<S: CheckpointStore> CheckpointStore for ChaosStore<S> {
    async fn load_checkpoint(&self, name: &str) -> Result<Option<GlobalPosition>, StoreError> {
        self.inner.load_checkpoint(name).await
    }

    async fn save_checkpoint(
        &self,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> Result<(), StoreError> {
        let (fail, lose_reply) = {
            let mut rng = self.rng.lock();
            (
                rng.random_bool(self.config.checkpoint_failure_rate),
                rng.random_bool(self.config.checkpoint_lost_reply_rate),
            )
        };
        if fail {
            self.stats.lock().checkpoint_failures += 1;
            return Err(Self::injected_failure("save_checkpoint"));
        }
        self.inner.save_checkpoint(name, from, to, fence).await?;
        if lose_reply {
            self.stats.lock().checkpoint_lost_replies += 1;
            return Err(Self::injected_failure(
                "save_checkpoint (written, reply lost)",
            ));
        }
        Ok(())
    }
}

impl<S: CheckpointStore> CheckpointStore for ConflictingStore<S> {
    async fn load_checkpoint(&self, name: &str) -> Result<Option<GlobalPosition>, StoreError> {
        self.inner.load_checkpoint(name).await
    }

    async fn save_checkpoint(
        &self,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> Result<(), StoreError> {
        self.inner.save_checkpoint(name, from, to, fence).await
    }
}
