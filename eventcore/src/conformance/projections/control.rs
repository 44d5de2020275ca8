//! An operator's requests kept in the store: the control record's rules,
//! and a runner obeying pause, resume and rebuild asked through the store
//! (as a command line in another process asks), within its poll interval.

use std::{sync::atomic::Ordering, time::Duration};

use super::{Recorder, WAIT, config, ticks};
use crate::{
    conformance::support::{ConformanceStore, ScenarioResult, ensure, ensure_eq},
    projection::{ProjectionRunner, ProjectionStatus},
    store::{ControlRequest, ProjectionControl},
};

/// The control record: the default until asked; pause and resume set a
/// flag; each rebuild request counts; the count of rebuilds done never
/// goes down and never passes the requests; projections are kept apart.
pub async fn control_records_follow_the_requests<S: ConformanceStore>(store: S) -> ScenarioResult {
    let name = "controlled";
    ensure_eq!(
        store.projection_control(name).await?,
        ProjectionControl::default(),
        "never asked"
    );
    let paused = store
        .control_projection(name, ControlRequest::Pause)
        .await?;
    ensure!(paused.paused, "paused: {paused:?}");
    store
        .control_projection(name, ControlRequest::Rebuild)
        .await?;
    let twice = store
        .control_projection(name, ControlRequest::Rebuild)
        .await?;
    ensure_eq!(
        (twice.rebuilds_requested, twice.rebuilds_done),
        (2, 0),
        "two rebuilds requested"
    );
    let capped = store
        .control_projection(name, ControlRequest::RebuildsDone(9))
        .await?;
    ensure_eq!(capped.rebuilds_done, 2, "done is capped at the requests");
    let kept = store
        .control_projection(name, ControlRequest::RebuildsDone(1))
        .await?;
    ensure_eq!(kept.rebuilds_done, 2, "done never goes down");
    ensure!(!kept.rebuild_pending(), "nothing pending: {kept:?}");
    let resumed = store
        .control_projection(name, ControlRequest::Resume)
        .await?;
    ensure!(
        !resumed.paused && resumed.paused != paused.paused,
        "resumed"
    );
    ensure_eq!(store.projection_control(name).await?, resumed, "read back");
    ensure_eq!(
        store.projection_control("another").await?,
        ProjectionControl::default(),
        "another projection"
    );
    Ok(())
}

/// A runner obeys requests written to the store, not to its handle: it
/// pauses (and applies nothing), resumes, and rebuilds once per request,
/// recording the rebuild done.
pub async fn a_runner_obeys_requests_kept_in_the_store<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let recorder = Recorder::new("remote");
    let handle = ProjectionRunner::new(store.clone(), recorder.clone(), config("a")).start();
    let first = ticks(&store, "remote-tick", 1, 3).await?;
    ensure!(handle.wait_for_position(first, WAIT).await, "no catch-up");

    store
        .control_projection("remote", ControlRequest::Pause)
        .await?;
    let watch = handle.watch();
    let paused = wait_until(|| watch.health().status == ProjectionStatus::Paused).await;
    ensure!(paused, "not paused: {:?}", watch.health().status);
    let last = ticks(&store, "remote-tick", 4, 5).await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    ensure_eq!(
        recorder.seen(),
        vec![1, 2, 3],
        "nothing applied while paused"
    );

    store
        .control_projection("remote", ControlRequest::Resume)
        .await?;
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "nothing applied after the resume"
    );

    store
        .control_projection("remote", ControlRequest::Rebuild)
        .await?;
    let rebuilt = wait_until(|| recorder.resets.load(Ordering::SeqCst) == 1).await;
    ensure!(rebuilt, "no rebuild");
    // Waited for on what was applied: the runner publishes the start
    // position only after the projection's reset has run, so in between
    // its position still says `last`.
    let replayed = wait_until(|| recorder.seen().len() >= 5).await;
    ensure!(
        replayed,
        "not replayed after the rebuild: {:?}",
        recorder.seen()
    );
    ensure!(
        handle.wait_for_position(last, WAIT).await,
        "not caught up after the rebuild"
    );
    ensure_eq!(
        recorder.seen(),
        (1..=5).collect::<Vec<_>>(),
        "replayed after the rebuild"
    );
    let control = store.projection_control("remote").await?;
    ensure_eq!(
        (control.rebuilds_requested, control.rebuilds_done),
        (1, 1),
        "the rebuild recorded done"
    );
    // Done once: no second reset.
    tokio::time::sleep(Duration::from_millis(400)).await;
    ensure_eq!(recorder.resets.load(Ordering::SeqCst), 1, "rebuilt once");
    handle.shutdown().await?;
    Ok(())
}

/// Polls `done` for up to [`WAIT`].
async fn wait_until(done: impl Fn() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}
