//! One file, several handles: what the file holds survives reopening,
//! writers queue instead of failing, and what goes wrong with the file is
//! a typed error that names it.

#![cfg(test)]

use std::time::{Duration, Instant};

use eventcore::{
    EventMetadata, SerializedEvent, StoreError, StreamId,
    store::{AppendBatch, EventStore, ExpectedVersion, LeaseStore, NewEvent},
};
use eventcore_sqlite::{SqliteConfig, SqliteStore, sqlx};

fn batch(stream: &str, expected: ExpectedVersion, n: usize) -> AppendBatch {
    let events = (0..n)
        .map(|i| {
            NewEvent::new(
                SerializedEvent::new("Noted", format!("{{\"i\":{i}}}")),
                EventMetadata::new(),
            )
        })
        .collect();
    AppendBatch::single(StreamId::try_new(stream).unwrap(), expected, events)
}

#[tokio::test]
async fn events_survive_reopening_and_a_second_handle_sees_the_first_ones_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let first = SqliteStore::open(&path).await.unwrap();
    first
        .append(batch("order-1", ExpectedVersion::NO_STREAM, 3))
        .await
        .unwrap();
    let second = SqliteStore::open(&path).await.unwrap();
    let stream = StreamId::try_new("order-1").unwrap();
    assert_eq!(second.stream_version(&stream).await.unwrap().value(), 3);
    // Writes through the second handle are checked against the first's.
    let stale = second
        .append(batch("order-1", ExpectedVersion::NO_STREAM, 1))
        .await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict { .. })),
        "{stale:?}"
    );
    drop((first, second));
    let reopened = SqliteStore::open(&path).await.unwrap();
    assert_eq!(reopened.stream_version(&stream).await.unwrap().value(), 3);
    assert_eq!(reopened.migrate().await.unwrap(), 0, "already migrated");
    assert!(
        reopened
            .migrations()
            .await
            .unwrap()
            .iter()
            .all(|m| m.applied)
    );
}

#[tokio::test]
async fn a_writer_queues_behind_another_handles_transaction_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let holder = SqliteStore::open(&path).await.unwrap();
    let writer = SqliteConfig::new(&path)
        .busy_timeout(Duration::from_secs(10))
        .open()
        .await
        .unwrap();
    let tx = holder.begin().await.unwrap();
    let started = Instant::now();
    let append = tokio::spawn({
        let writer = writer.clone();
        async move { writer.append(batch("a", ExpectedVersion::Any, 1)).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!append.is_finished(), "the append waits for the lock");
    tx.commit().await.unwrap();
    append.await.unwrap().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_lock_held_past_the_busy_timeout_is_unavailable_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let holder = SqliteStore::open(&path).await.unwrap();
    let writer = SqliteConfig::new(&path)
        .busy_timeout(Duration::from_millis(200))
        .open()
        .await
        .unwrap();
    let tx = holder.begin().await.unwrap();
    let err = writer
        .append(batch("a", ExpectedVersion::Any, 1))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("busy timeout"), "{text}");
    // Reads do not wait for the writer.
    let read = writer
        .read_streams(&[StreamId::try_new("a").unwrap()])
        .await
        .unwrap();
    assert_eq!(read.streams()[0].version().value(), 0);
    tx.rollback().await.unwrap();
    writer
        .append(batch("a", ExpectedVersion::Any, 1))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_corrupt_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "these are my notes, not a database. ".repeat(200)).unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(text.contains("notes.txt"), "{text}");
}

#[tokio::test]
async fn a_missing_directory_is_unavailable_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("events.db");
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
    let empty = SqliteStore::open("").await.unwrap_err();
    assert!(matches!(empty, StoreError::Validation(_)), "{empty:?}");
}

#[tokio::test]
async fn a_file_migrated_by_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    sqlx::query("INSERT INTO eventcore_migrations (version, name) VALUES (99, 'from the future')")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(text.contains("migration 99"), "{text}");
    assert!(text.contains("newer version"), "{text}");
}

#[tokio::test]
async fn events_are_immutable_in_the_file() {
    let store = SqliteStore::temporary().await.unwrap();
    store
        .append(batch("a", ExpectedVersion::Any, 1))
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    let update = sqlx::query("UPDATE events SET payload = '{}'")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(
        update.to_string().contains("events are immutable"),
        "{update}"
    );
    let delete = sqlx::query("DELETE FROM events")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(
        delete.to_string().contains("events are immutable"),
        "{delete}"
    );
}

#[tokio::test]
async fn a_lease_taken_through_one_handle_fences_another() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let (a, b) = (
        SqliteStore::open(&path).await.unwrap(),
        SqliteStore::open(&path).await.unwrap(),
    );
    let ttl = Duration::from_millis(300);
    let held = a
        .try_acquire_lease("audit", "a", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(
        b.try_acquire_lease("audit", "b", ttl)
            .await
            .unwrap()
            .is_none()
    );
    tokio::time::sleep(ttl + Duration::from_millis(50)).await;
    let taken = b
        .try_acquire_lease("audit", "b", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(taken.token() > held.token());
    let lost = a.renew_lease(&held, ttl).await.unwrap_err();
    assert!(matches!(lost, StoreError::LeaseLost { .. }), "{lost:?}");
}

#[tokio::test]
async fn a_cancelled_write_leaves_the_file_writable() {
    let store = SqliteStore::temporary().await.unwrap();
    for _ in 0..20 {
        // Cancelled at once, mid-way, or after: never a stuck lock.
        for polls in [1_u64, 3, 50] {
            let append = store.append(batch("c", ExpectedVersion::Any, 5));
            drop(tokio::time::timeout(Duration::from_micros(polls), append).await);
        }
    }
    let done = tokio::time::timeout(
        Duration::from_secs(5),
        store.append(batch("c", ExpectedVersion::Any, 1)),
    )
    .await
    .expect("the file is still writable")
    .unwrap();
    let version = done.stream_versions[0].1.value();
    assert_eq!(version % 5, 1, "whole batches only: version {version}");
}

#[tokio::test]
async fn another_handles_commit_wakes_subscribers_within_the_poll_interval() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let writer = SqliteStore::open(&path).await.unwrap();
    let watcher = SqliteConfig::new(&path)
        .poll_interval(Duration::from_millis(20))
        .open()
        .await
        .unwrap();
    let mut notifications = watcher.subscribe();
    let appended = writer
        .append(batch("n", ExpectedVersion::Any, 2))
        .await
        .unwrap();
    let last = appended.events[1].position;
    let started = Instant::now();
    let seen = notifications
        .wait_beyond(eventcore::GlobalPosition::START, Duration::from_secs(5))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "woken by the poll, not by the timeout"
    );
    assert_eq!(seen, Some(last));
    assert_eq!(notifications.latest(), last);
}

#[tokio::test]
async fn closing_folds_the_log_into_the_file_and_refuses_later_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store
        .append(batch("closing", ExpectedVersion::Any, 3))
        .await
        .unwrap();
    let wal = dir.path().join("events.db-wal");
    assert!(wal.exists(), "a WAL file while open");
    store.close().await;
    assert!(!wal.exists(), "the log is folded back and removed on close");
    let after = store
        .append(batch("closing", ExpectedVersion::Any, 1))
        .await;
    assert!(
        matches!(after, Err(StoreError::Unavailable { .. })),
        "{after:?}"
    );
    let reopened = SqliteStore::open(&path).await.unwrap();
    let id = StreamId::try_new("closing").unwrap();
    assert_eq!(reopened.stream_version(&id).await.unwrap().value(), 3);
}
