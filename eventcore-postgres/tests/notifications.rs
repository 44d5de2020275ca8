//! Live notifications: they cross processes, survive a lost LISTEN
//! connection and stop with the store; and a notified append that is not
//! yet readable (an older transaction holds the gap-safe head back) is
//! announced as soon as it becomes readable, not a whole poll interval later.

#![cfg(test)]

mod common;

use std::time::{Duration, Instant};

use common::{TestResult, event, id, listener_pids};
use eventcore::{
    EventMetadata, GlobalPosition, SerializedEvent, StreamVersion,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_postgres::sqlx;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_back_append_is_announced_once_readable_not_a_poll_interval_later() -> TestResult {
    let writer = common::fresh_store().await?;
    // Polling alone would take a minute: only the follower's re-checks can
    // make the deadline below.
    let reader = common::config(writer.schema())
        .poll_interval(Duration::from_mins(1))
        .connect()
        .await?;
    let mut notifications = reader.subscribe();
    let append = |n: u64| {
        AppendBatch::single(
            id("held"),
            ExpectedVersion::Any,
            vec![NewEvent::new(
                SerializedEvent::new("E", format!("{{\"n\":{n}}}")),
                EventMetadata::new(),
            )],
        )
    };
    // The follower catches up and goes idle at its poll interval.
    let first = writer.append(append(1)).await?.events[0].position;
    let woke = notifications
        .wait_beyond(GlobalPosition::START, Duration::from_secs(10))
        .await;
    assert!(woke.is_some_and(|p| p >= first), "{woke:?} vs {first}");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // An older append to this store, still in flight, holds the next one
    // back.
    let mut blocker = writer.begin().await?;
    writer
        .append_in(
            &mut blocker,
            AppendBatch::single(
                id("blocker"),
                ExpectedVersion::NO_STREAM,
                vec![NewEvent::new(
                    SerializedEvent::new("E", "{}"),
                    EventMetadata::new(),
                )],
            ),
        )
        .await?;
    let second = writer.append(append(2)).await?.events[0].position;
    tokio::time::sleep(Duration::from_millis(300)).await;
    blocker.rollback().await?;
    let released = Instant::now();

    let woke = notifications
        .wait_beyond(first, Duration::from_secs(10))
        .await;
    assert!(woke.is_some_and(|p| p >= second), "{woke:?} vs {second}");
    // Before the fix the re-check waited the full poll interval (60 s).
    assert!(
        released.elapsed() < Duration::from_secs(5),
        "announced {:?} after the blocker ended",
        released.elapsed()
    );
    common::drop_schema(&writer).await;
    Ok(())
}

async fn wait_for<F, Fut>(mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..100 {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_cross_processes_survive_reconnects_and_stop_with_the_store() -> TestResult {
    let writer = common::fresh_store().await?;
    // Polling is slowed to a minute, so a wake-up within seconds can only
    // come from NOTIFY.
    let reader = common::config(writer.schema())
        .poll_interval(Duration::from_mins(1))
        .connect()
        .await?;
    let mut notifications = reader.subscribe();
    assert!(
        wait_for(|| async { listener_pids(&writer).await.len() == 1 }).await,
        "listening"
    );

    let written = writer
        .append(AppendBatch::single(
            id("n"),
            ExpectedVersion::NO_STREAM,
            vec![event("E", &serde_json::json!({}))],
        ))
        .await?;
    let position = written.events[0].position;
    let woke = notifications
        .wait_beyond(GlobalPosition::START, Duration::from_secs(5))
        .await;
    assert!(
        woke.is_some_and(|p| p >= position),
        "{woke:?} vs {position}"
    );

    // Kill the LISTEN connection: the follower reconnects and keeps going.
    let pid = listener_pids(&writer).await[0];
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .execute(writer.pool())
        .await?;
    assert!(
        wait_for(|| async { listener_pids(&writer).await.iter().any(|p| *p != pid) }).await,
        "listener reconnected"
    );
    let written = writer
        .append(AppendBatch::single(
            id("n"),
            StreamVersion::new(1),
            vec![event("E", &serde_json::json!({}))],
        ))
        .await?;
    let position = written.events[0].position;
    let woke = notifications
        .wait_beyond(woke.unwrap_or_default(), Duration::from_secs(5))
        .await;
    assert!(
        woke.is_some_and(|p| p >= position),
        "after reconnect: {woke:?} vs {position}"
    );

    // Dropping the last clone stops the task and closes its connection.
    let clone = reader.clone();
    drop(reader);
    assert_eq!(
        listener_pids(&writer).await.len(),
        1,
        "a clone keeps it alive"
    );
    drop(clone);
    assert!(
        wait_for(|| async { listener_pids(&writer).await.is_empty() }).await,
        "listener stopped"
    );
    common::drop_schema(&writer).await;
    Ok(())
}
