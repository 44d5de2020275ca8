//! Runner lifecycle scenarios: catch-up, live, pause, rebuild, shutdown, crash, lease sharing.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use tokio::sync::Semaphore;

use super::{Recorder, WAIT, config, ticks};
use crate::{
    GlobalPosition,
    conformance::support::{
        ConformanceStore, ScenarioResult, append_to, ensure, ensure_eq, event, stream,
    },
    projection::{ProjectionRunner, ProjectionStatus},
};

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
