//! How a runner behaves: batch size, lease, polling, and the two retry
//! budgets (one for failing events, one for a failing store).

use std::{collections::BTreeSet, time::Duration};

use super::super::ErrorPolicy;
#[cfg(doc)]
use crate::error::StoreError;
use crate::{
    backoff::Backoff,
    types::{EventId, GlobalPosition},
};

/// How a [`ProjectionRunner`](super::ProjectionRunner) behaves.
///
/// Built with setters that keep every value in range:
///
/// ```
/// use std::time::Duration;
/// use eventcore::projection::{ErrorPolicy, RunnerConfig, StoreRetryPolicy};
///
/// let config = RunnerConfig::default()
///     .batch_size(200)
///     .lease_ttl(Duration::from_secs(5))
///     .holder("billing-worker")
///     .error_policy(ErrorPolicy::retry_then_skip(3))
///     .store_retry(StoreRetryPolicy::default().max_transient_failures(Some(100)));
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct RunnerConfig {
    pub(super) batch_size: usize,
    pub(super) lease_ttl: Duration,
    pub(super) poll_interval: Duration,
    pub(super) error_policy: ErrorPolicy,
    pub(super) holder: String,
    pub(super) store_retry: StoreRetryPolicy,
    pub(super) skip_positions: BTreeSet<GlobalPosition>,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            lease_ttl: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
            error_policy: ErrorPolicy::default(),
            holder: "runner".to_owned(),
            store_retry: StoreRetryPolicy::default(),
            skip_positions: BTreeSet::new(),
        }
    }
}

impl RunnerConfig {
    /// The shortest lease time-to-live accepted: the lease is renewed every
    /// third of it, which must leave room for a round trip.
    pub const MIN_LEASE_TTL: Duration = Duration::from_millis(50);

    /// Events read and applied per batch (default 500; at least 1).
    #[must_use]
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.max(1);
        self
    }

    /// How long the lease lasts without renewal (default 10 s, at least
    /// [`MIN_LEASE_TTL`](Self::MIN_LEASE_TTL)). A crashed runner's
    /// projection is taken over within about this long.
    #[must_use]
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Self::MIN_LEASE_TTL);
        self
    }

    /// The longest wait for a notification before polling anyway (default
    /// 1 s, at least 1 ms): the fallback when notifications are lost.
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// What to do when applying an event fails (default: retry 5 times,
    /// then stop).
    #[must_use]
    pub fn error_policy(mut self, policy: ErrorPolicy) -> Self {
        self.error_policy = policy;
        self
    }

    /// A name for this runner in the lease table (default `runner`), e.g.
    /// the host or service name. Each runner appends its own instance id
    /// (`name#<uuid>`), so two runners configured alike never share a lease
    /// tenure; [`ProjectionHealth::holder`](super::super::ProjectionHealth)
    /// shows the full identity.
    #[must_use]
    pub fn holder(mut self, name: impl Into<String>) -> Self {
        self.holder = name.into();
        self
    }

    /// How store failures are retried (see [`StoreRetryPolicy`]).
    #[must_use]
    pub const fn store_retry(mut self, policy: StoreRetryPolicy) -> Self {
        self.store_retry = policy;
        self
    }

    /// Events the runner must pass over without applying them, by global
    /// position: the operator's way past an event that stops a projection
    /// (one its `apply` always fails on, or a row the store cannot decode)
    /// without editing history, which is immutable.
    ///
    /// Each listed event the runner reaches is recorded in
    /// [`ProjectionHealth::skipped`](super::super::ProjectionHealth) with
    /// [`SkipCause::Listed`](super::super::SkipCause) and logged; the list
    /// itself is shown in
    /// [`ProjectionHealth::skip_positions`](super::super::ProjectionHealth).
    /// Positions the projection's filter excludes, or that lie before its
    /// checkpoint, are never reached and change nothing. Calls add up.
    ///
    /// ```
    /// use eventcore::GlobalPosition;
    /// use eventcore::projection::{ErrorPolicy, RunnerConfig};
    ///
    /// // The runner stopped at position 4_194_305 (its health said why);
    /// // restart it past that event, keeping the Stop policy for the rest.
    /// let config = RunnerConfig::default()
    ///     .error_policy(ErrorPolicy::Stop)
    ///     .skip_positions([GlobalPosition::new(4_194_305)]);
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn skip_positions(mut self, positions: impl IntoIterator<Item = GlobalPosition>) -> Self {
        self.skip_positions.extend(positions);
        self
    }

    /// This runner instance's lease holder identity.
    pub(super) fn instance_holder(&self) -> String {
        format!("{}#{}", self.holder, EventId::new())
    }
}

/// How a runner retries when the *store* fails (an unreachable database, a
/// timeout, a lost reply), as opposed to the projection failing on an event
/// (that is the [`ErrorPolicy`]'s business). The two budgets are separate:
/// store trouble never uses up an event's retries.
///
/// Every failed store operation waits with exponential backoff (doubling
/// from 100 ms up to 5 s by default, with jitter) and tries again; the
/// runner's health shows
/// [`ProjectionStatus::Retrying`](super::super::ProjectionStatus) with the
/// last error meanwhile. Consecutive failures are counted, and any
/// successful step resets the count. A runner gives up (and ends
/// [`Failed`](super::super::ProjectionStatus::Failed)) only when the count
/// exceeds the budget for the error's kind: transient errors
/// ([`StoreError::is_transient`]) are retried without limit by default;
/// other store errors (corrupt data, invalid input) 3 times.
///
/// ```
/// use std::time::Duration;
/// use eventcore::projection::StoreRetryPolicy;
///
/// let policy = StoreRetryPolicy::default()
///     .backoff(Duration::from_millis(20), Duration::from_secs(2))
///     .max_transient_failures(Some(50))
///     .max_other_failures(1);
/// # let _ = policy;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreRetryPolicy {
    backoff: Backoff,
    max_transient_failures: Option<u32>,
    max_other_failures: u32,
}

impl Default for StoreRetryPolicy {
    fn default() -> Self {
        Self {
            backoff: Backoff::new(Duration::from_millis(100), Duration::from_secs(5)),
            max_transient_failures: None,
            max_other_failures: 3,
        }
    }
}

impl StoreRetryPolicy {
    /// The wait after the first failure, doubling up to `max`.
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff = Backoff::new(initial, max.max(initial));
        self
    }

    /// How many consecutive transient failures are retried before the
    /// runner gives up; `None` (the default) retries for as long as it takes.
    #[must_use]
    pub const fn max_transient_failures(mut self, limit: Option<u32>) -> Self {
        self.max_transient_failures = limit;
        self
    }

    /// How many consecutive non-transient store failures are retried before
    /// the runner gives up (default 3; 0 gives up at once).
    #[must_use]
    pub const fn max_other_failures(mut self, limit: u32) -> Self {
        self.max_other_failures = limit;
        self
    }

    /// The wait before retry number `failures` after a failure (transient
    /// or not), or `None` when the budget for its kind is spent.
    pub(super) fn wait_after(&self, failures: u32, transient: bool) -> Option<Duration> {
        let limit = if transient {
            self.max_transient_failures
        } else {
            Some(self.max_other_failures)
        };
        match limit {
            Some(limit) if failures > limit => None,
            _ => Some(self.backoff.jittered(failures)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRANSIENT: bool = true;
    const OTHER: bool = false;

    #[test]
    fn transient_failures_are_retried_without_limit_by_default() {
        let policy = StoreRetryPolicy::default();
        assert!(policy.wait_after(1_000_000, TRANSIENT).is_some());
        assert!(policy.wait_after(3, OTHER).is_some());
        assert!(policy.wait_after(4, OTHER).is_none());
    }

    #[test]
    fn budgets_are_configurable_per_kind() {
        let policy = StoreRetryPolicy::default()
            .max_transient_failures(Some(2))
            .max_other_failures(0);
        assert!(policy.wait_after(2, TRANSIENT).is_some());
        assert!(policy.wait_after(3, TRANSIENT).is_none());
        assert!(policy.wait_after(1, OTHER).is_none());
    }

    #[test]
    fn setters_clamp_out_of_range_values() {
        let config = RunnerConfig::default()
            .batch_size(0)
            .lease_ttl(Duration::ZERO)
            .poll_interval(Duration::ZERO);
        assert_eq!(config.batch_size, 1);
        assert_eq!(config.lease_ttl, RunnerConfig::MIN_LEASE_TTL);
        assert_eq!(config.poll_interval, Duration::from_millis(1));
    }

    #[test]
    fn every_runner_instance_gets_its_own_holder_identity() {
        let config = RunnerConfig::default().holder("worker");
        let (a, b) = (config.instance_holder(), config.instance_holder());
        assert_ne!(a, b);
        assert!(a.starts_with("worker#"), "{a}");
    }
}
