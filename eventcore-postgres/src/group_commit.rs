//! [`GroupCommit`]: combining concurrent appends into one transaction.

use std::time::Duration;

/// How a [`PostgresStore`](crate::PostgresStore) combines appends that are
/// ready at the same moment into one transaction.
///
/// Every commit waits for the server to flush its write-ahead log; when the
/// disk's flush is the bottleneck, each command that pays its own commit is
/// bounded by the flush rate. With group commit, appends of one store (and
/// its clones) that arrive while others are being committed are queued, and
/// the next group sends them together: one round trip, one transaction, one
/// flush.
///
/// Each batch keeps its own outcome. Batches in a group are checked in the
/// order they arrived, each against the versions the ones before it left,
/// exactly as if they had been appended one after the other: a batch whose
/// expected versions no longer hold gets its own
/// [`StoreError::VersionConflict`](eventcore::StoreError::VersionConflict)
/// (which the executor retries) and writes nothing, while the others
/// commit. A batch the database refuses for another reason (a payload
/// PostgreSQL's `jsonb` rejects, say) makes the group fall back to
/// appending its batches one by one, so that only that batch fails.
///
/// A lone append is not delayed: at most
/// [`max_in_flight`](Self::max_in_flight) groups are committed at once, and
/// an append that finds fewer in flight starts one straight away. Batches
/// that claim an idempotency key, and appends inside a caller's
/// [`Transaction`](crate::Transaction), are never combined.
///
/// ```
/// use std::time::Duration;
/// use eventcore_postgres::{GroupCommit, PostgresConfig};
///
/// let config = PostgresConfig::from_url("postgres://postgres@127.0.0.1:5432/postgres")
///     .group_commit(GroupCommit::new().max_in_flight(4).max_wait(Duration::from_micros(200)));
/// let off = PostgresConfig::from_url("postgres://postgres@127.0.0.1:5432/postgres")
///     .group_commit(GroupCommit::disabled());
/// # drop((config, off));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct GroupCommit {
    enabled: bool,
    max_in_flight: usize,
    max_batches: usize,
    max_wait: Duration,
}

impl GroupCommit {
    /// Default number of groups committed at once.
    pub const DEFAULT_MAX_IN_FLIGHT: usize = 2;
    /// Default number of batches in one group.
    pub const DEFAULT_MAX_BATCHES: usize = 64;

    /// Group commit with the default settings: up to
    /// [`DEFAULT_MAX_IN_FLIGHT`](Self::DEFAULT_MAX_IN_FLIGHT) groups at
    /// once, of up to [`DEFAULT_MAX_BATCHES`](Self::DEFAULT_MAX_BATCHES)
    /// batches, without waiting for more batches than are queued.
    pub const fn new() -> Self {
        Self {
            enabled: true,
            max_in_flight: Self::DEFAULT_MAX_IN_FLIGHT,
            max_batches: Self::DEFAULT_MAX_BATCHES,
            max_wait: Duration::ZERO,
        }
    }

    /// Every append in a transaction of its own.
    pub const fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::new()
        }
    }

    /// How many groups may be committed at the same time (at least 1).
    ///
    /// Fewer groups in flight make bigger groups (fewer commits) and more
    /// waiting; the pool needs at least this many connections besides the
    /// ones reads use.
    pub const fn max_in_flight(mut self, groups: usize) -> Self {
        self.max_in_flight = if groups == 0 { 1 } else { groups };
        self
    }

    /// The most batches one group holds (at least 1). A group also never
    /// holds more than [`MAX_EVENTS_PER_APPEND`](crate::MAX_EVENTS_PER_APPEND)
    /// events.
    pub const fn max_batches(mut self, batches: usize) -> Self {
        self.max_batches = if batches == 0 { 1 } else { batches };
        self
    }

    /// How long a group that is not full waits for more batches before it
    /// is sent (default zero: a group is what was queued when it started).
    ///
    /// A wait trades each command's latency for fewer commits; zero never
    /// delays a lone command. Waits shorter than the runtime's timer
    /// resolution (1 ms in Tokio) are spent yielding to other tasks.
    pub const fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// Whether appends are combined.
    #[must_use]
    pub const fn is_enabled(&self) -> bool {
        self.enabled
    }

    pub(crate) const fn in_flight_limit(&self) -> usize {
        self.max_in_flight
    }

    pub(crate) const fn batch_limit(&self) -> usize {
        self.max_batches
    }

    pub(crate) const fn wait(&self) -> Duration {
        self.max_wait
    }
}

impl Default for GroupCommit {
    fn default() -> Self {
        Self::new()
    }
}
