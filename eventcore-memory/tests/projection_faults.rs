//! Projection runners under store faults: transient errors are ridden out
//! on their own budget, checkpoint writes are compare-and-set, and health
//! never claims a lease the runner may have lost.

#![cfg(test)]

use std::{
    collections::BTreeSet,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use eventcore::{
    Event, EventMetadata, EventSerializer, GlobalPosition, JsonSerializer, RecordedEvent, StreamId,
    projection::{
        ErrorPolicy, Projection, ProjectionHandle, ProjectionHealth, ProjectionRunner,
        ProjectionStatus, RunnerConfig, StoreRetryPolicy,
    },
    store::{AppendBatch, EventStore, ExpectedVersion, LeaseStore, NewEvent},
};
use eventcore_memory::MemoryStore;
use eventcore_testing::chaos::{ChaosConfig, ChaosStore};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Ticked {
    Tick { n: u64 },
}

#[derive(Debug, thiserror::Error)]
#[error("refusing tick {0}")]
struct Refused(u64);

/// Records every tick it applies; can refuse one tick a few times, or hold
/// each batch until a permit arrives.
#[derive(Clone, Default)]
struct Ticks {
    seen: Arc<Mutex<Vec<u64>>>,
    refuse: Option<u64>,
    refusals_left: Arc<AtomicU32>,
    gate: Option<Arc<Semaphore>>,
}

impl Ticks {
    fn refusing(n: u64, times: u32) -> Self {
        Self {
            refuse: Some(n),
            refusals_left: Arc::new(AtomicU32::new(times)),
            ..Self::default()
        }
    }

    fn seen(&self) -> Vec<u64> {
        self.seen.lock().clone()
    }
}

impl Projection for Ticks {
    type Event = Ticked;
    type Error = Refused;

    fn name(&self) -> &'static str {
        "ticks"
    }

    async fn apply(&mut self, events: &[RecordedEvent<Ticked>]) -> Result<(), Refused> {
        if let Some(gate) = &self.gate {
            gate.acquire().await.map_err(|_| Refused(0))?.forget();
        }
        for event in events {
            let Ticked::Tick { n } = event.payload();
            let refuse = self.refuse == Some(*n)
                && self
                    .refusals_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(1))
                    .is_ok();
            if refuse {
                return Err(Refused(*n));
            }
            self.seen.lock().push(*n);
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Refused> {
        self.seen.lock().clear();
        Ok(())
    }
}

/// Appends ticks `1..=n` to one stream; returns the last position.
async fn ticks(store: &MemoryStore, n: u64) -> GlobalPosition {
    let stream = StreamId::try_new("ticks").unwrap();
    let mut last = GlobalPosition::START;
    for i in 1..=n {
        let event = NewEvent::new(
            JsonSerializer.encode(&Ticked::Tick { n: i }).unwrap(),
            EventMetadata::new(),
        );
        let written = store
            .append(AppendBatch::single(
                stream.clone(),
                ExpectedVersion::Exact(eventcore::StreamVersion::new(i - 1)),
                vec![event],
            ))
            .await
            .unwrap();
        last = written.events[0].position;
    }
    last
}

fn config() -> RunnerConfig {
    RunnerConfig::default()
        .batch_size(3)
        .lease_ttl(Duration::from_millis(600))
        .poll_interval(Duration::from_millis(20))
        .store_retry(
            StoreRetryPolicy::default()
                .backoff(Duration::from_millis(1), Duration::from_millis(10)),
        )
}

/// Samples the runner's health until `done` or 10 s pass; returns every
/// status seen.
async fn watch_until(
    handle: &ProjectionHandle,
    done: impl Fn(&ProjectionHealth) -> bool,
) -> Vec<ProjectionStatus> {
    let mut seen = Vec::new();
    for _ in 0..2_000 {
        let health = handle.health();
        let finished = done(&health);
        let status = health.status;
        if seen.last() != Some(&status) {
            seen.push(status);
        }
        if finished {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    seen
}

#[tokio::test]
async fn a_runner_rides_out_failing_reads_and_checkpoint_writes() {
    let memory = MemoryStore::new();
    let last = ticks(&memory, 20).await;
    // Two operations in five fail, and checkpoint saves fail or lose their
    // reply: before the fix, the first failed read stopped the runner.
    let chaos = ChaosStore::new(
        memory,
        ChaosConfig::default()
            .failure_rate(0.4)
            .checkpoint_faults(0.2, 0.2)
            .seed(7),
    );
    let projection = Ticks::default();
    let handle = ProjectionRunner::new(chaos.clone(), projection.clone(), config()).start();
    let statuses = watch_until(&handle, |h| h.position >= last).await;
    assert!(
        handle
            .wait_for_position(last, Duration::from_secs(10))
            .await,
        "runner did not get through: {:?}",
        handle.health()
    );
    let stats = chaos.stats();
    assert!(
        stats.failures > 0 && stats.checkpoint_lost_replies > 0,
        "{stats:?}"
    );
    // At least once: every tick applied, a lost checkpoint reply may replay a
    // batch, but nothing is missing and nothing stopped the runner.
    let applied: BTreeSet<u64> = projection.seen().into_iter().collect();
    assert_eq!(applied, (1..=20).collect());
    assert!(
        statuses.iter().any(|s| matches!(s, ProjectionStatus::Retrying { error, .. } if error.contains("chaos: injected failure"))),
        "health never showed Retrying with the error: {statuses:?}"
    );
    assert!(
        !statuses
            .iter()
            .any(|s| matches!(s, ProjectionStatus::Failed { .. })),
        "{statuses:?}"
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_runner_gives_up_only_when_its_store_budget_is_spent() {
    let memory = MemoryStore::new();
    ticks(&memory, 3).await;
    let dead = ChaosStore::new(memory, ChaosConfig::default().failure_rate(1.0));
    let config = config().store_retry(
        StoreRetryPolicy::default()
            .backoff(Duration::from_millis(20), Duration::from_millis(20))
            .max_transient_failures(Some(3)),
    );
    let handle = ProjectionRunner::new(dead.clone(), Ticks::default(), config).start();
    let statuses = watch_until(&handle, |h| {
        matches!(h.status, ProjectionStatus::Failed { .. })
    })
    .await;
    assert!(
        statuses
            .iter()
            .any(|s| matches!(s, ProjectionStatus::Retrying { attempt: 1..=3, .. })),
        "{statuses:?}"
    );
    match handle.health().status {
        ProjectionStatus::Failed { error } => {
            assert!(error.contains("injected failure"), "{error}");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    // Three retries after the first failure, then the fourth ended it.
    assert_eq!(dead.stats().failures, 4);
    let result = handle.shutdown().await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn store_failures_do_not_use_up_the_event_retry_budget() {
    let memory = MemoryStore::new();
    let last = ticks(&memory, 6).await;
    // Checkpoint saves fail often; tick 3 is refused once. Under
    // retry_then_stop(2), the refusal may be retried exactly once: store
    // failures in between must not count against it.
    let chaos = ChaosStore::new(
        memory,
        ChaosConfig::default().checkpoint_faults(0.6, 0.0).seed(3),
    );
    let projection = Ticks::refusing(3, 1);
    let config = config().batch_size(1).error_policy(
        ErrorPolicy::retry_then_stop(2)
            .with_backoff(Duration::from_millis(1), Duration::from_millis(1)),
    );
    let handle = ProjectionRunner::new(chaos.clone(), projection.clone(), config).start();
    assert!(
        handle
            .wait_for_position(last, Duration::from_secs(10))
            .await,
        "stopped: {:?}",
        handle.health()
    );
    assert!(
        chaos.stats().checkpoint_failures >= 4,
        "{:?}",
        chaos.stats()
    );
    let applied: BTreeSet<u64> = projection.seen().into_iter().collect();
    assert_eq!(applied, (1..=6).collect());
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_stalled_runner_does_not_claim_its_lapsed_lease() {
    let store = MemoryStore::new();
    let last = ticks(&store, 2).await;
    let gate = Arc::new(Semaphore::new(0));
    let stuck = Ticks {
        gate: Some(Arc::clone(&gate)),
        ..Ticks::default()
    };
    let ttl = Duration::from_millis(200);
    let config = config().lease_ttl(ttl).batch_size(1);
    let a = ProjectionRunner::new(store.clone(), stuck, config.clone()).start();
    // `a` takes the lease and blocks in its first batch.
    for _ in 0..200 {
        if a.health().holds_lease {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let held = a.health();
    assert!(held.holds_lease, "{held:?}");
    assert!(held.lease_expires_at.is_some(), "{held:?}");
    // Stalled past its time-to-live, it must stop claiming the lease, even
    // though it never got to notice.
    tokio::time::sleep(ttl + Duration::from_millis(50)).await;
    assert!(!a.health().holds_lease, "{:?}", a.health());
    // Another runner takes over and does the work.
    let b_projection = Ticks::default();
    let b = ProjectionRunner::new(store.clone(), b_projection.clone(), config).start();
    assert!(
        b.wait_for_position(last, Duration::from_secs(5)).await,
        "{:?}",
        b.health()
    );
    assert!(b.health().holds_lease);
    assert!(!a.health().holds_lease);
    gate.add_permits(10);
    b.shutdown().await.unwrap();
    a.shutdown().await.unwrap();
    assert_eq!(b_projection.seen(), vec![1, 2]);
}

#[tokio::test]
async fn runners_configured_alike_never_share_a_lease() {
    let store = MemoryStore::new();
    let last = ticks(&store, 30).await;
    let config = config().holder("same-host");
    let (one, two) = (Ticks::default(), Ticks::default());
    let a = ProjectionRunner::new(store.clone(), one.clone(), config.clone()).start();
    let b = ProjectionRunner::new(store.clone(), two.clone(), config).start();
    assert_ne!(a.health().holder, b.health().holder);
    assert!(a.health().holder.starts_with("same-host#"));
    for _ in 0..400 {
        if a.health().position >= last || b.health().position >= last {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(
            !(a.health().holds_lease && b.health().holds_lease),
            "both runners claim the lease"
        );
    }
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
    // Before the fix both held the lease with the same token and applied
    // every tick twice.
    let mut all = one.seen();
    all.extend(two.seen());
    all.sort_unstable();
    assert_eq!(all, (1..=30).collect::<Vec<_>>());
}

/// Panics on a chosen tick.
#[derive(Clone)]
struct Panicky;

impl Projection for Panicky {
    type Event = Ticked;
    type Error = Refused;

    fn name(&self) -> &'static str {
        "panicky"
    }

    async fn apply(&mut self, events: &[RecordedEvent<Ticked>]) -> Result<(), Refused> {
        for event in events {
            let Ticked::Tick { n } = event.payload();
            assert!(*n != 2, "tick {n} is cursed");
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Refused> {
        Ok(())
    }
}

#[tokio::test]
async fn a_panicking_projection_is_reported_failed_at_once() {
    let store = MemoryStore::new();
    ticks(&store, 3).await;
    let mut set = eventcore::projection::ProjectionSet::new();
    set.insert(ProjectionRunner::new(store.clone(), Panicky, config().batch_size(1)).start());
    let handle = set.get("panicky").unwrap();
    // Before the fix the task died silently and health said `Live` for ever.
    let statuses = watch_until(handle, |h| {
        matches!(h.status, ProjectionStatus::Failed { .. })
    })
    .await;
    match &handle.health().status {
        ProjectionStatus::Failed { error } => {
            assert!(
                error.contains("panicked") && error.contains("tick 2 is cursed"),
                "{error}"
            );
        }
        other => panic!("expected Failed, got {other:?} after {statuses:?}"),
    }
    assert!(!handle.health().holds_lease);
    let reported = set.health();
    assert!(
        matches!(reported[0].status, ProjectionStatus::Failed { .. }),
        "{reported:?}"
    );
    // The lease was given up: another runner can take over at once.
    let taken = store
        .try_acquire_lease("panicky", "successor", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(taken.is_some(), "the panicked runner kept its lease");
    let result = set.shutdown("panicky").await;
    assert!(result.is_err(), "{result:?}");
}
