use std::time::Duration;

/// What a runner does when applying an event fails.
///
/// Nothing is ever dropped silently: a skipped event is recorded in the
/// runner's [`ProjectionHealth`](super::ProjectionHealth) and logged, and a
/// stopped runner reports the error.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorPolicy {
    /// Stop the runner at the failing event; its checkpoint stays before it.
    Stop,
    /// Record the failing event as skipped and carry on after it.
    Skip,
    /// Retry the failing batch with exponential backoff; after `attempts`
    /// failed tries, fall back to `then`.
    Retry {
        /// Tries in all, including the first.
        attempts: u32,
        /// The wait before the second try; it doubles each time.
        initial_backoff: Duration,
        /// The longest wait between tries.
        max_backoff: Duration,
        /// What to do once the retries are used up: `Stop` or `Skip`.
        then: Box<ErrorPolicy>,
    },
}

impl ErrorPolicy {
    /// Retry `attempts` times with backoff from 100 ms to 5 s, then stop.
    #[must_use]
    pub fn retry_then_stop(attempts: u32) -> Self {
        Self::Retry {
            attempts,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            then: Box::new(Self::Stop),
        }
    }

    /// Retry `attempts` times with backoff from 100 ms to 5 s, then skip.
    #[must_use]
    pub fn retry_then_skip(attempts: u32) -> Self {
        Self::Retry {
            attempts,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            then: Box::new(Self::Skip),
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
                let factor = 2_u32.saturating_pow(retry.saturating_sub(1));
                Some(initial_backoff.saturating_mul(factor).min(*max_backoff))
            }
            _ => None,
        }
    }

    /// Whether the failing event is skipped once retries are exhausted.
    pub(crate) fn skips(&self) -> bool {
        match self {
            Self::Skip => true,
            Self::Stop => false,
            Self::Retry { then, .. } => then.skips(),
        }
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
        let policy = ErrorPolicy::Retry {
            attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            then: Box::new(ErrorPolicy::Skip),
        };
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
        assert_eq!(ErrorPolicy::Skip.backoff(1), None);
    }
}
