//! How a scheduler polls, holds its lease and backs off, and what it
//! reports.

use std::time::Duration;

#[cfg(doc)]
use super::Scheduler;

/// How a [`Scheduler`] polls, holds its lease and backs off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchedulerConfig {
    poll_interval: Duration,
    pub(super) batch_size: usize,
    pub(super) lease_ttl: Duration,
    pub(super) holder: String,
    pub(super) max_backoff: Duration,
}

impl Default for SchedulerConfig {
    /// Polls every second (a message scheduled by another process, or
    /// after the scheduler went to sleep, fires at most that late), fires
    /// up to 100 messages per round, holds a 10 s lease as `"scheduler"`,
    /// and backs off from 100 ms to 30 s after failures.
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            batch_size: 100,
            lease_ttl: Duration::from_secs(10),
            holder: "scheduler".to_owned(),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl SchedulerConfig {
    /// The longest the scheduler sleeps before looking for due messages
    /// again (it wakes earlier for the earliest pending message it knows
    /// of). Kept below a third of the lease's time-to-live.
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How many due messages one round fires at most (at least 1).
    #[must_use]
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.max(1);
        self
    }

    /// How long the lease lasts without renewal.
    #[must_use]
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(3));
        self
    }

    /// Who holds the lease (use a name unique to the process).
    #[must_use]
    pub fn holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = holder.into();
        self
    }

    /// The longest wait after failures, of the whole scheduler after a
    /// store error and of one message after its firing failed (the wait
    /// starts at 100 ms and doubles).
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff.max(Duration::from_millis(100));
        self
    }

    pub(super) fn sleep_between_rounds(&self) -> Duration {
        self.poll_interval.min(self.lease_ttl / 3)
    }
}

/// What a [`Scheduler`] has done, as its handle reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SchedulerHealth {
    /// The queue.
    pub queue: String,
    /// Whether this scheduler holds the queue's lease (and so fires).
    pub holds_lease: bool,
    /// Messages fired and settled.
    pub fired: u64,
    /// Failed firings and store errors.
    pub failures: u64,
    /// Messages whose firing failed, waiting to be tried again (each after
    /// its own backoff, from 100 ms doubling up to the configured maximum).
    pub retrying: usize,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Whether the scheduler has stopped.
    pub finished: bool,
}
