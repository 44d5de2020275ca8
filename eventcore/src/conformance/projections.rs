use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use super::support::{
    ConformanceStore, ScenarioResult, append_to, ensure, ensure_eq, event, stream,
};
use crate::{
    Event, GlobalPosition, RecordedEvent,
    projection::{ErrorPolicy, Projection, ProjectionRunner, ProjectionStatus, RunnerConfig},
    store::EventStore,
};

const WAIT: Duration = Duration::from_secs(10);

/// The payload written by the suite's `event("Tick", n)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Tick {
    n: u64,
}

impl Event for Tick {
    const EVENT_TYPES: &'static [&'static str] = &["Tick"];

    fn event_type(&self) -> &'static str {
        "Tick"
    }
}

#[derive(Debug, thiserror::Error)]
#[error("refusing tick {0}")]
struct Refused(u64);

/// A projection that records every `n` it applies, and can fail or block.
#[derive(Clone)]
struct Recorder {
    name: &'static str,
    seen: Arc<Mutex<Vec<u64>>>,
    resets: Arc<AtomicU32>,
    fail_on: Option<u64>,
    failures_left: Arc<AtomicU32>,
    gate: Option<Arc<Semaphore>>,
}

impl Recorder {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            seen: Arc::default(),
            resets: Arc::default(),
            fail_on: None,
            failures_left: Arc::default(),
            gate: None,
        }
    }

    fn failing(mut self, on: u64, times: u32) -> Self {
        self.fail_on = Some(on);
        self.failures_left = Arc::new(AtomicU32::new(times));
        self
    }

    fn gated(mut self, gate: Arc<Semaphore>) -> Self {
        self.gate = Some(gate);
        self
    }

    fn seen(&self) -> Vec<u64> {
        self.seen.lock().clone()
    }
}

impl Projection for Recorder {
    type Event = Tick;
    type Error = Refused;

    fn name(&self) -> &str {
        self.name
    }

    async fn apply(&mut self, events: &[RecordedEvent<Tick>]) -> Result<(), Refused> {
        if let Some(gate) = &self.gate {
            // Each batch needs a permit: lets a scenario hold a runner mid-batch.
            gate.acquire().await.map_err(|_| Refused(0))?.forget();
        }
        for e in events {
            let n = e.payload().n;
            if self.fail_on == Some(n)
                && self
                    .failures_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                        left.checked_sub(1)
                    })
                    .is_ok()
            {
                return Err(Refused(n));
            }
            self.seen.lock().push(n);
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Refused> {
        self.seen.lock().clear();
        self.resets.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

async fn ticks<S: EventStore>(
    store: &S,
    stream_name: &str,
    from: u64,
    to: u64,
) -> Result<GlobalPosition, crate::StoreError> {
    let id = stream(stream_name)?;
    let mut version = store.stream_version(&id).await?.value();
    let mut last = GlobalPosition::START;
    for n in from..=to {
        let written = append_to(store, &id, version, vec![event("Tick", n)]).await?;
        version += 1;
        last = written.events.last().map_or(last, |e| e.position);
    }
    Ok(last)
}

fn config(holder: &str) -> RunnerConfig {
    RunnerConfig::default()
        .batch_size(4)
        .holder(holder)
        .lease_ttl(Duration::from_millis(600))
        .poll_interval(Duration::from_millis(200))
        .error_policy(ErrorPolicy::Stop)
}

/// A runner catches up on history in batches, then applies new events live.
pub async fn projection_catches_up_then_follows_live<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    ticks(&store, "tick-a", 1, 10).await?;
    // Events of other types are not the projection's business.
    let other = append_to(&store, &stream("other-1")?, 0, vec![event("Other", 99)]).await?;
    let recorder = Recorder::new("catch-up");
    let handle = ProjectionRunner::new(store.clone(), recorder.clone(), config("a")).start();
    // Wait for the last appended position: a gap-safe head may briefly lag it.
    let caught_up = other
        .events
        .last()
        .map_or(GlobalPosition::START, |e| e.position);
    ensure!(
        handle.wait_for_position(caught_up, WAIT).await,
        "no catch-up: {:?}",
        handle.health()
    );
    ensure_eq!(
        recorder.seen(),
        (1..=10).collect::<Vec<_>>(),
        "history applied once, in order"
    );
    let last = ticks(&store, "tick-b", 11, 15).await?;
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "live events not applied: {:?}",
        handle.health()
    );
    ensure_eq!(
        recorder.seen(),
        (1..=15).collect::<Vec<_>>(),
        "live events applied once"
    );
    for _ in 0..100 {
        if handle.health().status == ProjectionStatus::Live {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    ensure_eq!(
        handle.health().status,
        ProjectionStatus::Live,
        "status once caught up"
    );
    handle.shutdown().await?;
    Ok(())
}

/// A paused runner applies nothing until resumed.
pub async fn projection_pause_and_resume<S: ConformanceStore>(store: S) -> ScenarioResult {
    let recorder = Recorder::new("pausable");
    let handle = ProjectionRunner::new(store.clone(), recorder.clone(), config("a")).start();
    let first = ticks(&store, "tick", 1, 3).await?;
    ensure!(handle.wait_for_position(first, WAIT).await, "no catch-up");
    handle.pause().await;
    ensure_eq!(
        handle.health().status,
        ProjectionStatus::Paused,
        "status after pause"
    );
    let last = ticks(&store, "tick", 4, 6).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    ensure_eq!(
        recorder.seen(),
        vec![1, 2, 3],
        "nothing applied while paused"
    );
    handle.resume().await;
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "nothing applied after resume"
    );
    ensure_eq!(
        recorder.seen(),
        (1..=6).collect::<Vec<_>>(),
        "applied after resume"
    );
    handle.shutdown().await?;
    Ok(())
}

/// Rebuilding resets the read model and replays it to the same result.
pub async fn projection_rebuild_yields_same_read_model<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let last = ticks(&store, "tick", 1, 9).await?;
    let recorder = Recorder::new("rebuildable");
    let handle = ProjectionRunner::new(store.clone(), recorder.clone(), config("a")).start();
    ensure!(handle.wait_for_position(last, WAIT).await, "no catch-up");
    let before = recorder.seen();
    handle.rebuild().await;
    ensure_eq!(
        recorder.resets.load(Ordering::SeqCst),
        1,
        "reset called once"
    );
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "no replay after rebuild"
    );
    ensure_eq!(recorder.seen(), before, "rebuilt read model");
    handle.shutdown().await?;
    Ok(())
}

/// Shutdown saves the checkpoint; a new runner continues from it.
pub async fn projection_shutdown_saves_checkpoint<S: ConformanceStore>(store: S) -> ScenarioResult {
    let last = ticks(&store, "tick", 1, 6).await?;
    let recorder = Recorder::new("durable");
    let handle = ProjectionRunner::new(store.clone(), recorder.clone(), config("a")).start();
    ensure!(handle.wait_for_position(last, WAIT).await, "no catch-up");
    handle.shutdown().await?;
    let saved = store.load_checkpoint("durable").await?;
    ensure!(
        saved.is_some_and(|p| p >= last),
        "checkpoint {saved:?} is before {last}"
    );
    let newer = ticks(&store, "tick", 7, 8).await?;
    let handle = ProjectionRunner::new(store.clone(), recorder.clone(), config("b")).start();
    ensure!(
        handle.wait_for_position(newer, WAIT).await,
        "restart did not continue"
    );
    ensure_eq!(
        recorder.seen(),
        (1..=8).collect::<Vec<_>>(),
        "nothing applied twice"
    );
    handle.shutdown().await?;
    Ok(())
}

/// A runner that crashes mid-batch loses its lease after the TTL; the
/// successor replays from the last checkpoint, so no event is missed
/// (events of the interrupted batch may be applied twice: at-least-once).
pub async fn projection_crash_mid_batch_is_at_least_once<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let last = ticks(&store, "tick", 1, 10).await?;
    let gate = Arc::new(Semaphore::new(1));
    let recorder = Recorder::new("crashy").gated(Arc::clone(&gate));
    let handle = ProjectionRunner::new(store.clone(), recorder.clone(), config("doomed")).start();
    // The first batch (1..=4) goes through; the runner then blocks in the second.
    ensure!(
        handle.wait_for_position(GlobalPosition::START, WAIT).await,
        "runner did not start"
    );
    for _ in 0..100 {
        if recorder.seen().len() >= 4 && gate.available_permits() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ensure_eq!(
        recorder.seen(),
        vec![1, 2, 3, 4],
        "first batch applied before the crash"
    );
    handle.abort();
    gate.add_permits(1000);
    let successor =
        ProjectionRunner::new(store.clone(), recorder.clone(), config("successor")).start();
    ensure!(
        successor.wait_for_position(last, WAIT).await,
        "successor did not take over: {:?}",
        successor.health()
    );
    let seen = recorder.seen();
    for n in 1..=10 {
        ensure!(seen.contains(&n), "event {n} was never applied: {seen:?}");
    }
    ensure!(
        seen.len() <= 14,
        "more than the interrupted batch was replayed: {seen:?}"
    );
    successor.shutdown().await?;
    Ok(())
}

/// Two runners, one lease: only the holder applies; when it shuts down the
/// other takes over and carries on without duplicates.
pub async fn two_runners_share_one_lease<S: ConformanceStore>(store: S) -> ScenarioResult {
    let first_last = ticks(&store, "tick", 1, 5).await?;
    let recorder = Recorder::new("shared");
    let a = ProjectionRunner::new(store.clone(), recorder.clone(), config("a")).start();
    ensure!(
        a.wait_for_position(first_last, WAIT).await,
        "a did not catch up"
    );
    let b = ProjectionRunner::new(store.clone(), recorder.clone(), config("b")).start();
    tokio::time::sleep(Duration::from_millis(300)).await;
    ensure!(a.health().holds_lease, "a holds the lease");
    ensure!(!b.health().holds_lease, "b must not hold the lease too");
    ensure_eq!(b.health().status, ProjectionStatus::Standby, "b stands by");
    a.shutdown().await?;
    let last = ticks(&store, "tick", 6, 9).await?;
    ensure!(
        b.wait_for_position(last, WAIT).await,
        "b did not take over: {:?}",
        b.health()
    );
    ensure_eq!(
        recorder.seen(),
        (1..=9).collect::<Vec<_>>(),
        "every event applied exactly once"
    );
    b.shutdown().await?;
    Ok(())
}

/// Under `ErrorPolicy::Stop` a failing event stops the runner before it.
pub async fn failing_event_stops_runner_under_stop_policy<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    ticks(&store, "tick", 1, 6).await?;
    let recorder = Recorder::new("stopper").failing(3, u32::MAX);
    let handle =
        ProjectionRunner::new(store.clone(), recorder.clone(), config("a").batch_size(1)).start();
    for _ in 0..200 {
        if matches!(handle.health().status, ProjectionStatus::Failed { .. }) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let health = handle.health();
    ensure!(
        matches!(health.status, ProjectionStatus::Failed { ref error } if error.contains("refusing tick 3")),
        "status {:?}",
        health.status
    );
    ensure_eq!(
        recorder.seen(),
        vec![1, 2],
        "applied up to the failing event"
    );
    let saved = store.load_checkpoint("stopper").await?;
    let third = store
        .read_all(GlobalPosition::START, &crate::store::EventFilter::all(), 3)
        .await?;
    let third = third.last().ok_or("missing events")?.position();
    ensure!(
        saved.is_some_and(|p| p < third),
        "checkpoint {saved:?} must stay before the failing event at {third}"
    );
    ensure!(
        handle.shutdown().await.is_err(),
        "shutdown reports the error that stopped the runner"
    );
    Ok(())
}

/// Under `ErrorPolicy::Skip` the failing event is recorded as skipped and
/// everything else is applied.
pub async fn failing_event_is_recorded_under_skip_policy<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let last = ticks(&store, "tick", 1, 8).await?;
    let recorder = Recorder::new("skipper").failing(3, u32::MAX);
    let handle = ProjectionRunner::new(
        store.clone(),
        recorder.clone(),
        config("a").error_policy(ErrorPolicy::Skip),
    )
    .start();
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "did not get past the failing event: {:?}",
        handle.health()
    );
    let seen = recorder.seen();
    let mut applied: Vec<u64> = seen.clone();
    applied.dedup();
    ensure!(
        !seen.contains(&3),
        "the failing event was applied: {seen:?}"
    );
    for n in [1, 2, 4, 5, 6, 7, 8] {
        ensure!(seen.contains(&n), "event {n} missing: {seen:?}");
    }
    let skipped = handle.health().skipped;
    ensure_eq!(skipped.len(), 1, "one skipped event recorded");
    ensure_eq!(skipped[0].version.value(), 3, "the skipped event's version");
    ensure!(
        skipped[0].error.contains("refusing tick 3"),
        "skipped error: {}",
        skipped[0].error
    );
    handle.shutdown().await?;
    Ok(())
}

/// Under `ErrorPolicy::Retry` a transient failure heals without loss.
pub async fn failing_event_is_retried_under_retry_policy<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let last = ticks(&store, "tick", 1, 5).await?;
    let recorder = Recorder::new("retrier").failing(3, 2);
    let policy = ErrorPolicy::retry_then_stop(5)
        .with_backoff(Duration::from_millis(10), Duration::from_millis(50));
    let handle = ProjectionRunner::new(
        store.clone(),
        recorder.clone(),
        config("a").batch_size(1).error_policy(policy),
    )
    .start();
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "retries did not heal: {:?}",
        handle.health()
    );
    ensure_eq!(
        recorder.seen(),
        (1..=5).collect::<Vec<_>>(),
        "each event applied once"
    );
    ensure!(handle.health().skipped.is_empty(), "nothing skipped");
    handle.shutdown().await?;
    Ok(())
}

/// Health reports how far behind the head the runner is and when it last
/// processed an event.
pub async fn projection_lag_is_reported<S: ConformanceStore>(store: S) -> ScenarioResult {
    let last = ticks(&store, "tick", 1, 12).await?;
    let gate = Arc::new(Semaphore::new(0));
    let recorder = Recorder::new("laggy").gated(Arc::clone(&gate));
    let handle = ProjectionRunner::new(store.clone(), recorder.clone(), config("a")).start();
    for _ in 0..200 {
        if handle.health().head == last {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let blocked = handle.health();
    ensure_eq!(blocked.head, last, "head seen by the runner");
    ensure_eq!(
        blocked.lag,
        12,
        "lag before anything is processed: all 12 events"
    );
    ensure_eq!(blocked.since_last_event, None, "no event processed yet");
    gate.add_permits(1000);
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "did not catch up"
    );
    let caught_up = handle.health();
    ensure_eq!(caught_up.lag, 0, "no lag once caught up");
    ensure!(
        caught_up.since_last_event.is_some_and(|d| d < WAIT),
        "time since last event: {:?}",
        caught_up.since_last_event
    );
    handle.shutdown().await?;
    Ok(())
}
