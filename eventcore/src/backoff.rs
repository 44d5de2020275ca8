//! Exponential backoff with equal jitter, shared by the retry settings.

use std::time::Duration;

use rand::Rng;

/// Waits that double from `initial` up to `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub(crate) initial: Duration,
    pub(crate) max: Duration,
}

impl Backoff {
    pub(crate) const fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max }
    }

    /// The longest wait before retry number `retry` (1-based).
    pub(crate) fn ceiling(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        self.initial
            .saturating_mul(1_u32 << doublings)
            .min(self.max)
    }

    /// A wait between half the ceiling and the ceiling ("equal jitter"), so
    /// that runners failing together do not retry together.
    pub(crate) fn jittered(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let half = ceiling / 2;
        let spread = ceiling.saturating_sub(half);
        if spread.is_zero() {
            return ceiling;
        }
        half + rand::rng().random_range(Duration::ZERO..=spread)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_up_to_the_cap_without_overflow() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(300));
        let ceilings: Vec<_> = [1, 2, 3, 4, u32::MAX]
            .into_iter()
            .map(|r| backoff.ceiling(r).as_millis())
            .collect();
        assert_eq!(ceilings, [100, 200, 300, 300, 300]);
    }

    #[test]
    fn jittered_wait_lies_between_half_and_full_ceiling() {
        let backoff = Backoff::new(Duration::from_millis(8), Duration::from_secs(1));
        for retry in 1..=6 {
            let ceiling = backoff.ceiling(retry);
            for _ in 0..50 {
                let wait = backoff.jittered(retry);
                assert!(
                    wait >= ceiling / 2 && wait <= ceiling,
                    "{wait:?} vs {ceiling:?}"
                );
            }
        }
    }
}
