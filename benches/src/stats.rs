//! Percentiles over a sorted vector, and medians.

use std::time::Duration;

/// The `p`-th percentile (0..=100) of `sorted`, nearest-rank.
#[must_use]
pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * p.min(100)).div_ceil(100);
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of `values` (the mean of the middle two for an even
/// count); `None` for no values.
#[must_use]
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        f64::midpoint(v[mid - 1], v[mid])
    } else {
        v[mid]
    })
}

/// The median of `values`, the middle two rounded half up for an even
/// count; `None` for no values.
#[must_use]
pub fn median_u64(values: &[u64]) -> Option<u64> {
    let mut v = values.to_vec();
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        // (a + b + 1) / 2 without overflow: what rounding the mean does.
        v[mid - 1] / 2 + v[mid] / 2 + (v[mid - 1] % 2 + v[mid] % 2).div_ceil(2)
    } else {
        v[mid]
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{median, median_u64, percentile};

    #[test]
    fn percentile_is_nearest_rank() {
        let ms: Vec<Duration> = (1..=10).map(Duration::from_millis).collect();
        assert_eq!(percentile(&ms, 50), Duration::from_millis(5));
        assert_eq!(percentile(&ms, 99), Duration::from_millis(10));
        assert_eq!(percentile(&ms, 0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }

    #[test]
    fn median_of_even_count_is_mean_of_middle_two() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN, 7.0]), Some(7.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn integer_median_rounds_the_middle_two_half_up() {
        assert_eq!(median_u64(&[3, 1, 2]), Some(2));
        assert_eq!(median_u64(&[1, 2]), Some(2));
        assert_eq!(median_u64(&[2, 4]), Some(3));
        assert_eq!(median_u64(&[u64::MAX, u64::MAX]), Some(u64::MAX));
        assert_eq!(median_u64(&[]), None);
    }
}
