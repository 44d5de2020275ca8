use std::time::Duration;

use super::support::{ConformanceStore, ScenarioResult, append_to, ensure, events, stream};

/// A task waiting for new events wakes when another task appends.
pub async fn notification_wakes_a_waiter<S: ConformanceStore>(store: S) -> ScenarioResult {
    let id = stream("notify-1")?;
    let mut notifications = store.subscribe();
    let start = store.head_position().await?;
    let waiter = tokio::spawn(async move {
        notifications
            .wait_beyond(start, Duration::from_secs(10))
            .await
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let written = append_to(&store, &id, 0, events("E", 1)).await?;
    let position = written.events.first().ok_or("no event reported")?.position;
    let woke = waiter.await?;
    ensure!(woke.is_some(), "the waiter was not woken within 10 s");
    ensure!(
        woke.is_some_and(|p| p >= position),
        "notified position {woke:?} is before the appended event at {position}"
    );
    Ok(())
}

/// A conflicting append announces nothing.
pub async fn failed_append_sends_no_notification<S: ConformanceStore>(store: S) -> ScenarioResult {
    let id = stream("notify-2")?;
    append_to(&store, &id, 0, events("E", 1)).await?;
    // Let any in-flight notification of the first append arrive first.
    let mut notifications = store.subscribe();
    let head = store.head_position().await?;
    let _ = notifications
        .wait_beyond(head.max(notifications.latest()), Duration::from_millis(200))
        .await;
    let seen = notifications.latest().max(head);
    let conflict = append_to(&store, &id, 0, events("E", 1)).await;
    ensure!(conflict.is_err(), "the append should have conflicted");
    let woke = notifications
        .wait_beyond(seen, Duration::from_millis(300))
        .await;
    ensure!(
        woke.is_none(),
        "a failed append announced position {woke:?}"
    );
    Ok(())
}
