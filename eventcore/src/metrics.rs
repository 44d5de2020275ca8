//! Metrics, through the [`metrics`](https://docs.rs/metrics) facade.
//!
//! EventCore records its metrics with the `metrics` crate and exports
//! nothing itself: install any recorder (for example
//! `metrics-exporter-prometheus`) and they appear. Each executor, store and
//! projection runner registers its metric handles with the recorder in
//! place when it first records, and keeps them: **install the recorder
//! before creating them** (at start-up, as exporters expect). Without a
//! recorder the handles do nothing; what remains is two clock reads and a
//! read-locked map lookup per execution and per store operation (about 760
//! instructions per in-memory deposit; see `benches/README.md`).
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
//! The `store` label is the adapter's: `memory`, `postgres` or `sqlite`.

use std::{collections::HashMap, future::Future, sync::OnceLock, time::Instant};

use metrics::{Counter, Histogram};
use parking_lot::RwLock;

use crate::error::StoreError;

/// A static name, compared and hashed by address and length: names are
/// literals, so this is a few instructions where hashing the text is
/// dozens. Two copies of one literal at different addresses are two
/// entries for the same metric, which a recorder merges.
#[derive(Clone, Copy, Debug)]
struct Name(&'static str);

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.0.as_ptr() as usize);
        state.write_usize(self.0.len());
    }
}

/// A store's metrics (`eventcore_store_*`), for adapters: create one per
/// store (shared by its clones) with the adapter's name, and wrap each
/// operation of the port in [`operation`](Self::operation).
///
/// ```
/// use eventcore::metrics::StoreMetrics;
///
/// # async fn run() -> Result<(), eventcore::StoreError> {
/// let metrics = StoreMetrics::new("my-store");
/// let rows: u64 = metrics.operation("count_events", async { Ok(42) }).await?;
/// assert_eq!(rows, 42);
/// metrics.appended(3);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct StoreMetrics {
    store: &'static str,
    /// Duration histograms by operation and outcome.
    operations: RwLock<HashMap<(Name, bool), Histogram, foldhash::fast::RandomState>>,
    appended: OnceLock<(Counter, Histogram)>,
}

impl StoreMetrics {
    /// The metrics of a store labelled `store` (`"memory"`, `"postgres"`).
    #[must_use]
    pub fn new(store: &'static str) -> Self {
        Self {
            store,
            operations: RwLock::default(),
            appended: OnceLock::new(),
        }
    }

    /// Runs `run`, the store operation `operation`, and records its
    /// duration and outcome.
    pub async fn operation<T>(
        &self,
        operation: &'static str,
        run: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let span = tracing::debug_span!(
            "eventcore.store",
            store = self.store,
            operation,
            error = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = tracing::Instrument::instrument(run, span.clone()).await;
        if let Err(error) = &result {
            span.record("error", tracing::field::display(error));
        }
        let ok = result.is_ok();
        let known = self.operations.read().get(&(Name(operation), ok)).cloned();
        let histogram = known.unwrap_or_else(|| {
            let histogram = metrics::histogram!(
                "eventcore_store_operation_duration_seconds",
                "store" => self.store,
                "operation" => operation,
                "outcome" => if ok { "ok" } else { "error" },
            );
            self.operations
                .write()
                .insert((Name(operation), ok), histogram.clone());
            histogram
        });
        histogram.record(started.elapsed());
        result
    }

    /// Records a successful append of `events` events.
    pub fn appended(&self, events: usize) {
        let (total, batches) = self.appended.get_or_init(|| {
            (
                metrics::counter!("eventcore_store_events_appended_total", "store" => self.store),
                metrics::histogram!("eventcore_store_append_batch_events", "store" => self.store),
            )
        });
        total.increment(events as u64);
        batches.record(f64::from(u32::try_from(events).unwrap_or(u32::MAX)));
    }
}

/// How an execution ended.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Outcome {
    Ok,
    Replayed,
    Rejected,
    ConflictExhausted,
    Deadline,
    Error,
}

impl Outcome {
    /// Its label.
    pub(crate) const fn label(self) -> &'static str {
        OUTCOMES[self as usize]
    }
}

/// The labels of [`Outcome`], in its order.
const OUTCOMES: [&str; 6] = [
    "ok",
    "replayed",
    "rejected",
    "conflict_exhausted",
    "deadline",
    "error",
];

/// One command's handles.
struct CommandHandles {
    executions: [Counter; OUTCOMES.len()],
    durations: [Histogram; OUTCOMES.len()],
    attempts: Histogram,
    conflicts: Counter,
}

impl CommandHandles {
    fn new(command: &'static str) -> Self {
        Self {
            executions: OUTCOMES.map(|outcome| {
                metrics::counter!(
                    "eventcore_command_executions_total",
                    "command" => command,
                    "outcome" => outcome,
                )
            }),
            durations: OUTCOMES.map(|outcome| {
                metrics::histogram!(
                    "eventcore_command_duration_seconds",
                    "command" => command,
                    "outcome" => outcome,
                )
            }),
            attempts: metrics::histogram!("eventcore_command_attempts", "command" => command),
            conflicts: metrics::counter!("eventcore_command_conflicts_total", "command" => command),
        }
    }
}

/// An executor's metrics: command handles by command name, and snapshots
/// loaded.
#[derive(Default)]
pub(crate) struct ExecutorMetrics {
    commands: RwLock<HashMap<Name, std::sync::Arc<CommandHandles>, foldhash::fast::RandomState>>,
    snapshots_loaded: OnceLock<Counter>,
}

impl std::fmt::Debug for ExecutorMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecutorMetrics").finish_non_exhaustive()
    }
}

impl ExecutorMetrics {
    fn command(&self, command: &'static str) -> std::sync::Arc<CommandHandles> {
        if let Some(handles) = self.commands.read().get(&Name(command)) {
            return std::sync::Arc::clone(handles);
        }
        let handles = std::sync::Arc::new(CommandHandles::new(command));
        self.commands
            .write()
            .insert(Name(command), std::sync::Arc::clone(&handles));
        handles
    }

    /// Records the end of one execution.
    pub(crate) fn execution(
        &self,
        command: &'static str,
        outcome: Outcome,
        started: Instant,
        attempts: u32,
    ) {
        let handles = self.command(command);
        let outcome = outcome as usize;
        handles.executions[outcome].increment(1);
        handles.durations[outcome].record(started.elapsed());
        handles.attempts.record(f64::from(attempts));
    }

    /// Records a version conflict met by `command`.
    pub(crate) fn conflict(&self, command: &'static str) {
        self.command(command).conflicts.increment(1);
    }

    /// Records a snapshot a command started from.
    pub(crate) fn snapshot_loaded(&self) {
        self.snapshots_loaded
            .get_or_init(|| metrics::counter!("eventcore_snapshots_loaded_total"))
            .increment(1);
    }
}

/// A stream cache's counters: hits, misses, evictions.
#[derive(Debug, Default)]
pub(crate) struct CacheCounters(OnceLock<[Counter; 3]>);

impl CacheCounters {
    fn get(&self) -> &[Counter; 3] {
        self.0.get_or_init(|| {
            [
                metrics::counter!("eventcore_stream_cache_hits_total"),
                metrics::counter!("eventcore_stream_cache_misses_total"),
                metrics::counter!("eventcore_stream_cache_evictions_total"),
            ]
        })
    }

    /// Records stream lookups.
    pub(crate) fn lookups(&self, hits: u64, misses: u64) {
        let [hit, miss, _] = self.get();
        hit.increment(hits);
        miss.increment(misses);
    }

    /// Records streams evicted.
    pub(crate) fn evictions(&self, streams: u64) {
        self.get()[2].increment(streams);
    }
}

/// Records a snapshot passed over, or not taken (rare: registered each
/// time).
pub(crate) fn snapshot_passed_over(reason: &'static str) {
    metrics::counter!("eventcore_snapshots_passed_over_total", "reason" => reason).increment(1);
}

/// Records a snapshot save (once per policy distance: registered each
/// time).
pub(crate) fn snapshot_saved(outcome: &'static str) {
    metrics::counter!("eventcore_snapshots_saved_total", "outcome" => outcome).increment(1);
}
