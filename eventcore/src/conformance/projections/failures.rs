//! Error-policy scenarios, and lag reporting.

use std::{sync::Arc, time::Duration};

use tokio::sync::Semaphore;

use super::{Recorder, WAIT, config, ticks};
use crate::{
    GlobalPosition,
    conformance::support::{ConformanceStore, ScenarioResult, ensure, ensure_eq},
    projection::{ErrorPolicy, ProjectionRunner, ProjectionStatus},
};

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

/// Under `ErrorPolicy::Stop` a failing event in the middle of a batch stops
/// the runner just before it: the events before it are applied and
/// checkpointed, and the error names the failing event's own position.
pub async fn failing_event_in_a_batch_stops_the_runner_just_before_it<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    ticks(&store, "tick", 1, 6).await?;
    let all = store
        .read_all(GlobalPosition::START, &crate::store::EventFilter::all(), 6)
        .await?;
    let positions: Vec<_> = all
        .iter()
        .map(crate::store::StoredEvent::position)
        .collect();
    let recorder = Recorder::new("batch-stopper").failing(3, u32::MAX);
    let handle =
        ProjectionRunner::new(store.clone(), recorder.clone(), config("a").batch_size(6)).start();
    let failed = async {
        while !matches!(handle.health().status, ProjectionStatus::Failed { .. }) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    ensure!(
        tokio::time::timeout(WAIT, failed).await.is_ok(),
        "the runner did not stop: {:?}",
        handle.health()
    );
    let health = handle.health();
    let third = positions[2].to_string();
    ensure!(
        matches!(&health.status, ProjectionStatus::Failed { error } if error.contains(&third)),
        "the error names the failing event's position {third}: {:?}",
        health.status
    );
    let saved = store.load_checkpoint("batch-stopper").await?;
    ensure_eq!(
        saved,
        Some(positions[1]),
        "the checkpoint is just before the failing event"
    );
    let mut seen = recorder.seen();
    seen.sort_unstable();
    seen.dedup();
    ensure_eq!(seen, vec![1, 2], "only the events before it applied");
    ensure!(
        handle.shutdown().await.is_err(),
        "shutdown reports the error"
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
    ensure_eq!(
        skipped[0].version.map(crate::StreamVersion::value),
        Some(3),
        "the skipped event's version"
    );
    ensure_eq!(
        skipped[0].cause,
        crate::projection::SkipCause::Failed,
        "why it was skipped"
    );
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
