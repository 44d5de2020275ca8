//! Metrics, through the [`metrics`](https://docs.rs/metrics) facade.
//!
//! EventCore records its metrics with the `metrics` crate's macros and
//! exports nothing itself: install any recorder (for example
//! `metrics-exporter-prometheus`) and they appear; without one, recording
//! costs a few nanoseconds (the `execute` bench in `benches/` measures it).
//! Names and labels follow Prometheus conventions: counters end in
//! `_total`, durations are histograms in seconds.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `eventcore_command_executions_total` | counter | `command`, `outcome` | executions by outcome: `ok`, `replayed` (an idempotency key's earlier result), `rejected`, `conflict_exhausted`, `deadline`, `error` |
//! | `eventcore_command_duration_seconds` | histogram | `command`, `outcome` | time from `execute` to its result |
//! | `eventcore_command_attempts` | histogram | `command` | appends tried per execution |
//! | `eventcore_command_conflicts_total` | counter | `command` | version conflicts met (each one retried or final) |
//! | `eventcore_store_operation_duration_seconds` | histogram | `store`, `operation`, `outcome` (`ok`, `error`) | one store operation (`append`, `read_streams`, `read_all`, …) |
//! | `eventcore_store_events_appended_total` | counter | `store` | events written by successful appends |
//! | `eventcore_store_append_batch_events` | histogram | `store` | events per successful append |
//! | `eventcore_projection_position` | gauge | `projection` | the last position processed |
//! | `eventcore_projection_head` | gauge | `projection` | the newest position in the store, as last seen |
//! | `eventcore_projection_lag_events` | gauge | `projection` | events between position and head (at most a million) |
//! | `eventcore_projection_lag_seconds` | gauge | `projection` | time since the runner was last caught up (0 while caught up) |
//! | `eventcore_projection_events_applied_total` | counter | `projection` | events applied |
//! | `eventcore_projection_errors_total` | counter | `projection` | failed batches and store operations |
//! | `eventcore_projection_events_skipped_total` | counter | `projection`, `cause` (`failed`, `undecodable`, `listed`) | events passed over |
//! | `eventcore_projection_lease_held` | gauge | `projection` | 1 while this runner holds the lease, else 0 |
//! | `eventcore_projection_status` | gauge | `projection`, `status` | 1 for the runner's current status (`starting`, `standby`, `catching_up`, `live`, `paused`, `retrying`, `failed`, `stopped`), 0 for the others |
//! | `eventcore_stream_cache_hits_total` | counter | | stream lookups the executor's cache answered |
//! | `eventcore_stream_cache_misses_total` | counter | | stream lookups read from the start |
//! | `eventcore_stream_cache_evictions_total` | counter | | streams evicted to stay within the cache's size |
//! | `eventcore_snapshots_loaded_total` | counter | | snapshots a cold command started from |
//! | `eventcore_snapshots_passed_over_total` | counter | `reason` (`fingerprint`, `undecodable`, `beyond_stream`, `load_error`, `not_captured`) | snapshots not used (or not taken), the state folded from the events |
//! | `eventcore_snapshots_saved_total` | counter | `outcome` (`written`, `kept_newer`, `error`) | snapshot saves after successful commands |
//!
//! The `store` label is the adapter's: `memory` or `postgres`.

use std::{future::Future, time::Instant};

use crate::error::StoreError;

/// Records the duration of a store operation and its outcome.
///
/// For adapters: wrap each operation of the port, with the adapter's name
/// (`"memory"`, `"postgres"`) and the operation's (the method's name).
///
/// ```
/// # async fn run() -> Result<(), eventcore::StoreError> {
/// let rows: u64 = eventcore::metrics::store_operation("my-store", "count_events", async {
///     Ok(42)
/// })
/// .await?;
/// assert_eq!(rows, 42);
/// # Ok(())
/// # }
/// ```
pub async fn store_operation<T>(
    store: &'static str,
    operation: &'static str,
    run: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let result = run.await;
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics::histogram!(
        "eventcore_store_operation_duration_seconds",
        "store" => store,
        "operation" => operation,
        "outcome" => outcome,
    )
    .record(started.elapsed());
    result
}

/// Records a successful append of `events` events.
pub fn events_appended(store: &'static str, events: usize) {
    metrics::counter!("eventcore_store_events_appended_total", "store" => store)
        .increment(events as u64);
    metrics::histogram!("eventcore_store_append_batch_events", "store" => store)
        .record(f64::from(u32::try_from(events).unwrap_or(u32::MAX)));
}

/// Records the end of one execution.
pub(crate) fn execution(
    command: &'static str,
    outcome: &'static str,
    started: Instant,
    attempts: u32,
) {
    metrics::counter!(
        "eventcore_command_executions_total",
        "command" => command,
        "outcome" => outcome,
    )
    .increment(1);
    metrics::histogram!(
        "eventcore_command_duration_seconds",
        "command" => command,
        "outcome" => outcome,
    )
    .record(started.elapsed());
    metrics::histogram!("eventcore_command_attempts", "command" => command)
        .record(f64::from(attempts));
}

/// Records a version conflict met by `command`.
pub(crate) fn conflict(command: &'static str) {
    metrics::counter!("eventcore_command_conflicts_total", "command" => command).increment(1);
}

/// Records stream cache lookups.
pub(crate) fn cache_lookups(hits: u64, misses: u64) {
    if hits > 0 {
        metrics::counter!("eventcore_stream_cache_hits_total").increment(hits);
    }
    if misses > 0 {
        metrics::counter!("eventcore_stream_cache_misses_total").increment(misses);
    }
}

/// Records streams evicted from the cache.
pub(crate) fn cache_evictions(streams: u64) {
    metrics::counter!("eventcore_stream_cache_evictions_total").increment(streams);
}

/// Records a snapshot a command started from.
pub(crate) fn snapshot_loaded() {
    metrics::counter!("eventcore_snapshots_loaded_total").increment(1);
}

/// Records a snapshot passed over, or not taken.
pub(crate) fn snapshot_passed_over(reason: &'static str) {
    metrics::counter!("eventcore_snapshots_passed_over_total", "reason" => reason).increment(1);
}

/// Records a snapshot save.
pub(crate) fn snapshot_saved(outcome: &'static str) {
    metrics::counter!("eventcore_snapshots_saved_total", "outcome" => outcome).increment(1);
}
