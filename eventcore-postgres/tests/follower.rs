//! The notification follower: a notified append that is not yet readable
//! (an older transaction holds the gap-safe head back) is announced as soon
//! as it becomes readable, not a whole poll interval later.

#![cfg(test)]

mod common;

use std::time::{Duration, Instant};

use eventcore::{
    EventMetadata, GlobalPosition, SerializedEvent,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_postgres::sqlx;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_back_append_is_announced_once_readable_not_a_poll_interval_later()
-> Result<(), Box<dyn std::error::Error + Send + Sync>> {
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
            common::id("held"),
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

    // An older transaction (with an xid) holds the next append back.
    let mut blocker = writer.begin().await?;
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *blocker)
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
