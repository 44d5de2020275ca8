use std::time::Duration;

use crate::backoff::Backoff;

/// What a runner does when applying an event fails.
///
/// Nothing is ever dropped silently: a skipped event is recorded in the
/// runner's [`ProjectionHealth`](super::ProjectionHealth) and logged, and a
/// stopped runner reports the error. Store failures (an unreachable
/// database, a lost reply) are not the policy's business: they are retried
/// under the runner's [`StoreRetryPolicy`](super::StoreRetryPolicy).
///
/// ```
/// use std::time::Duration;
/// use eventcore::projection::{ErrorPolicy, Fallback};
///
/// let policy = ErrorPolicy::Retry {
///     attempts: 3,
///     initial_backoff: Duration::from_millis(50),
///     max_backoff: Duration::from_secs(1),
///     then: Fallback::Skip,
/// };
/// assert_eq!(ErrorPolicy::retry_then_skip(3).with_backoff(Duration::from_millis(50), Duration::from_secs(1)), policy);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorPolicy {
    /// Stop the runner at the failing event: the events before it in its
    /// batch are applied, the checkpoint stays just before it, and the error
    /// names its position (list it in
    /// [`RunnerConfig::skip_positions`](super::RunnerConfig::skip_positions)
    /// to get past it).
    Stop,
    /// Record the failing event as skipped and carry on after it.
    Skip,
    /// Retry the failing batch with exponential backoff; after `attempts`
    /// failed tries, fall back to `then`.
    Retry {
        /// Tries in all, including the first (0 counts as 1).
        attempts: u32,
        /// The wait before the second try; it doubles each time.
        initial_backoff: Duration,
        /// The longest wait between tries.
        max_backoff: Duration,
        /// What to do once the retries are used up.
        then: Fallback,
    },
}

/// What [`ErrorPolicy::Retry`] does once its retries are used up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// Stop the runner, as [`ErrorPolicy::Stop`].
    Stop,
    /// Skip the failing event, as [`ErrorPolicy::Skip`].
    Skip,
}

impl ErrorPolicy {
    /// Retry `attempts` times with backoff from 100 ms to 5 s, then stop.
    #[must_use]
    pub const fn retry_then_stop(attempts: u32) -> Self {
        Self::retry(attempts, Fallback::Stop)
    }

    /// Retry `attempts` times with backoff from 100 ms to 5 s, then skip.
    #[must_use]
    pub const fn retry_then_skip(attempts: u32) -> Self {
        Self::retry(attempts, Fallback::Skip)
    }

    const fn retry(attempts: u32, then: Fallback) -> Self {
        Self::Retry {
            attempts,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            then,
        }
    }

    /// Sets the backoff of a [`Retry`](Self::Retry) policy; other policies
    /// are returned unchanged.
    #[must_use]
    pub const fn with_backoff(self, initial: Duration, max: Duration) -> Self {
        match self {
            Self::Retry { attempts, then, .. } => Self::Retry {
                attempts,
                initial_backoff: initial,
                max_backoff: max,
                then,
            },
            other => other,
        }
    }

    /// The backoff before retry number `retry` (1-based), or `None` when the
    /// policy has no retries left.
    pub(crate) fn backoff(&self, retry: u32) -> Option<Duration> {
        match self {
            Self::Retry {
                attempts,
                initial_backoff,
                max_backoff,
                ..
            } if retry < *attempts => {
                Some(Backoff::new(*initial_backoff, *max_backoff).ceiling(retry))
            }
            _ => None,
        }
    }

    /// Whether the failing event is skipped once retries are exhausted.
    pub(crate) const fn skips(&self) -> bool {
        matches!(
            self,
            Self::Skip
                | Self::Retry {
                    then: Fallback::Skip,
                    ..
                }
        )
    }
}

impl Default for ErrorPolicy {
    /// Retry 5 times, then stop: transient faults heal, real bugs halt the
    /// projection visibly instead of corrupting it.
    fn default() -> Self {
        Self::retry_then_stop(5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_ends() {
        let policy = ErrorPolicy::retry_then_skip(5)
            .with_backoff(Duration::from_millis(100), Duration::from_millis(300));
        let waits: Vec<_> = (1..=5).map(|r| policy.backoff(r)).collect();
        assert_eq!(
            waits,
            vec![
                Some(Duration::from_millis(100)),
                Some(Duration::from_millis(200)),
                Some(Duration::from_millis(300)),
                Some(Duration::from_millis(300)),
                None
            ]
        );
        assert!(policy.skips());
        assert!(!ErrorPolicy::Stop.skips());
        assert!(!ErrorPolicy::retry_then_stop(2).skips());
        assert_eq!(ErrorPolicy::Skip.backoff(1), None);
    }
}
