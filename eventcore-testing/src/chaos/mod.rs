//! Store wrappers for tests: how code copes with a store that fails, stalls
//! or loses races, and what it asked the store to write.
//!
//! - [`ChaosStore`] injects failures, conflicts, delays and checkpoint
//!   faults at random, at configured rates, from a replayable seed.
//! - [`ConflictingStore`] forces the first `n` appends to conflict, writing
//!   nothing.
//! - [`ContendedStore`] plays a rival writer that really appends before
//!   each of the first `n` appends, so they lose a genuine race and a retry
//!   reads the rival's events.
//! - [`RecordingStore`] records every append batch it is asked to write,
//!   to check what a command appended, with which expected versions, and how
//!   many times it tried.
//!
//! All of them implement `EventStore`, `LeaseStore`, `CheckpointStore`,
//! `ScheduleStore` and `SnapshotStore` whenever the wrapped store does, and forward every operation they do not fault,
//! defaulted port methods included, to the wrapped store's own version. With
//! nothing configured, a `ChaosStore` passes the adapter conformance suite.

mod conflicting;
mod contended;
mod interpose;
mod recording;

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use eventcore::{StoreError, store::AppendBatch};
use parking_lot::Mutex;
use rand::{Rng, SeedableRng, rngs::StdRng};

pub use conflicting::ConflictingStore;
pub use contended::ContendedStore;
use interpose::{AppendFault, Interpose, injected_failure};
pub use recording::RecordingStore;

/// A shared count of faults left to inject: clones of a wrapper share it.
#[derive(Clone, Debug)]
struct Countdown(Arc<AtomicU64>);

impl Countdown {
    fn new(n: u64) -> Self {
        Self(Arc::new(AtomicU64::new(n)))
    }

    fn left(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Uses one up; `false` once none are left.
    fn take(&self) -> bool {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// How often a [`ChaosStore`] misbehaves, built from [`ChaosConfig::default`]
/// (no chaos at all) with the methods below. Rates are probabilities in
/// `0.0..=1.0`; values outside are clamped.
///
/// ```
/// use std::time::Duration;
/// use eventcore_testing::chaos::ChaosConfig;
///
/// let config = ChaosConfig::default()
///     .failure_rate(0.1)
///     .append_failure_rate(0.2)
///     .conflict_rate(7.0) // clamped to 1.0
///     .delays(0.5, Duration::from_millis(2))
///     .seed(42);
/// assert_ne!(config, ChaosConfig::default());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ChaosConfig {
    failure_rate: f64,
    append_failure_rate: f64,
    conflict_rate: f64,
    delay_rate: f64,
    max_delay: Duration,
    checkpoint_failure_rate: f64,
    checkpoint_lost_reply_rate: f64,
    append_lost_reply_rate: f64,
    seed: u64,
}

impl Default for ChaosConfig {
    /// No chaos at all: a transparent wrapper.
    fn default() -> Self {
        Self {
            failure_rate: 0.0,
            append_failure_rate: 0.0,
            conflict_rate: 0.0,
            delay_rate: 0.0,
            max_delay: Duration::from_millis(5),
            checkpoint_failure_rate: 0.0,
            checkpoint_lost_reply_rate: 0.0,
            append_lost_reply_rate: 0.0,
            seed: 0x5EED,
        }
    }
}

impl ChaosConfig {
    /// Sets the chance that a read or an append fails with
    /// [`StoreError::Unavailable`] without reaching the store.
    #[must_use]
    pub const fn failure_rate(mut self, rate: f64) -> Self {
        self.failure_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Sets the chance that an append, and only an append, fails with
    /// [`StoreError::Unavailable`] without writing anything, on top of
    /// [`failure_rate`](Self::failure_rate): reads still succeed, so the
    /// code under test gets as far as writing.
    #[must_use]
    pub const fn append_failure_rate(mut self, rate: f64) -> Self {
        self.append_failure_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Sets the chance that an append is refused with a
    /// [`StoreError::VersionConflict`] without writing anything.
    #[must_use]
    pub const fn conflict_rate(mut self, rate: f64) -> Self {
        self.conflict_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Sets the chance that a read or an append is delayed, and the longest
    /// delay; each delay is uniform in `0..=max_delay` (5 ms by default).
    #[must_use]
    pub const fn delays(mut self, rate: f64, max_delay: Duration) -> Self {
        self.delay_rate = rate.clamp(0.0, 1.0);
        self.max_delay = max_delay;
        self
    }

    /// Sets the chance that a checkpoint save fails without writing, and
    /// the chance that it is written but reported as failed (a lost reply,
    /// as when the database commits and the connection drops).
    #[must_use]
    pub const fn checkpoint_faults(mut self, failure_rate: f64, lost_reply_rate: f64) -> Self {
        self.checkpoint_failure_rate = failure_rate.clamp(0.0, 1.0);
        self.checkpoint_lost_reply_rate = lost_reply_rate.clamp(0.0, 1.0);
        self
    }

    /// Sets the chance that an append that got through is written but
    /// reported as failed with [`StoreError::Unavailable`]: a lost reply, as
    /// when the database commits and the connection drops before the
    /// acknowledgement arrives. The caller cannot tell it from a failure
    /// that wrote nothing; re-executing with the same
    /// [`IdempotencyKey`](eventcore::IdempotencyKey) resolves it.
    #[must_use]
    pub const fn append_lost_reply_rate(mut self, rate: f64) -> Self {
        self.append_lost_reply_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Sets the seed of the random choices, so a failing run can be
    /// replayed.
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
    /// Appends written but reported as failed.
    pub append_lost_replies: u64,
}

/// Wraps a store and injects failures, conflicts and delays at configured
/// rates, and, if configured, failed and unacknowledged checkpoint saves.
/// Leases, position queries and subscriptions pass through untouched.
///
/// An injected fault never writes anything (apart from a lost reply to a
/// checkpoint save or an append, which by definition wrote), so the wrapped store stays
/// consistent: code under test sees exactly what a flaky backend would show.
///
/// ```
/// use eventcore_memory::MemoryStore;
/// use eventcore_testing::chaos::{ChaosConfig, ChaosStore};
///
/// let flaky = ChaosStore::new(MemoryStore::new(), ChaosConfig::default().conflict_rate(0.3).seed(7));
/// assert_eq!(flaky.stats().conflicts, 0);
/// ```
#[derive(Clone, Debug)]
pub struct ChaosStore<S> {
    pub(super) inner: S,
    config: Arc<ChaosConfig>,
    rng: Arc<Mutex<StdRng>>,
    stats: Arc<Mutex<ChaosStats>>,
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

    /// Rolls the dice for one read or append (`is_append`): an optional
    /// delay, then a fault.
    async fn roll(&self, is_append: bool) -> AppendFault {
        let (delay, fault) = {
            let mut rng = self.rng.lock();
            let delay = rng
                .random_bool(self.config.delay_rate)
                .then(|| self.config.max_delay.mul_f64(rng.random::<f64>()));
            // The append-only roll is skipped when unset, so a seed replays
            // the same faults it did before that setting existed.
            let append_fails = is_append
                && self.config.append_failure_rate > 0.0
                && rng.random_bool(self.config.append_failure_rate);
            let fault = if rng.random_bool(self.config.failure_rate) || append_fails {
                AppendFault::Fail
            } else if is_append && rng.random_bool(self.config.conflict_rate) {
                AppendFault::Conflict
            } else if is_append
                && self.config.append_lost_reply_rate > 0.0
                && rng.random_bool(self.config.append_lost_reply_rate)
            {
                AppendFault::LoseReply
            } else {
                AppendFault::Pass
            };
            (delay, fault)
        };
        if let Some(delay) = delay {
            self.stats.lock().delays += 1;
            tokio::time::sleep(delay).await;
        }
        match fault {
            AppendFault::Fail => self.stats.lock().failures += 1,
            AppendFault::Conflict => self.stats.lock().conflicts += 1,
            AppendFault::LoseReply => self.stats.lock().append_lost_replies += 1,
            AppendFault::Pass => {}
        }
        fault
    }
}

impl<S: Send + Sync> Interpose for ChaosStore<S> {
    async fn before_read(&self, operation: &'static str) -> Result<(), StoreError> {
        match self.roll(false).await {
            AppendFault::Fail => Err(injected_failure(operation)),
            AppendFault::Pass | AppendFault::Conflict | AppendFault::LoseReply => Ok(()),
        }
    }

    async fn before_append(&self, _: &AppendBatch) -> Result<AppendFault, StoreError> {
        Ok(self.roll(true).await)
    }

    async fn around_save_checkpoint<F>(&self, save: F) -> Result<(), StoreError>
    where
        F: Future<Output = Result<(), StoreError>> + Send,
    {
        let (fail, lose_reply) = {
            let mut rng = self.rng.lock();
            (
                rng.random_bool(self.config.checkpoint_failure_rate),
                rng.random_bool(self.config.checkpoint_lost_reply_rate),
            )
        };
        if fail {
            self.stats.lock().checkpoint_failures += 1;
            return Err(injected_failure("save_checkpoint"));
        }
        save.await?;
        if lose_reply {
            self.stats.lock().checkpoint_lost_replies += 1;
            return Err(injected_failure("save_checkpoint (written, reply lost)"));
        }
        Ok(())
    }
}
