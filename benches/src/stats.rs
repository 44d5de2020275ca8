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
