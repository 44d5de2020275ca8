//! Group commit: batches that arrive together share one transaction and
//! keep their own outcomes.
//!
//! The stores here wait up to two seconds for a group of four, one group
//! at a time, so that the batches each test sends at once form one group.

#![cfg(test)]

mod common;

use std::time::Duration;

use common::{TestResult, drop_schema, event, fresh_store, id};
use eventcore::{
    GlobalPosition, StoreError, StreamVersion,
    store::{AppendBatch, AppendResult, EventStore, ExpectedVersion, StreamWrite},
};
use eventcore_postgres::{GroupCommit, PostgresStore, sqlx};
use serde_json::json;

/// A second handle on `store`'s schema that groups up to `batches` batches.
async fn grouping(store: &PostgresStore, batches: usize) -> PostgresStore {
    common::config(store.schema())
        .group_commit(
            GroupCommit::new()
                .max_in_flight(1)
                .max_batches(batches)
                .max_wait(Duration::from_secs(2)),
        )
        .statement_timeout(Duration::from_millis(500))
        .connect()
        .await
        .expect("grouping store connects")
}

fn one(stream: &str, expected: ExpectedVersion, events: usize) -> AppendBatch {
    let events = (0..events)
        .map(|i| event("E", &json!({ "i": i })))
        .collect();
    AppendBatch::single(id(stream), expected, events)
}

/// Appends every batch at once, each from a task of its own.
async fn at_once(
    store: &PostgresStore,
    batches: Vec<AppendBatch>,
) -> Vec<Result<AppendResult, StoreError>> {
    let tasks: Vec<_> = batches
        .into_iter()
        .map(|batch| {
            let store = store.clone();
            tokio::spawn(async move { store.append(batch).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("append task"));
    }
    outcomes
}

/// The events stored in `stream`.
async fn stored(
    store: &PostgresStore,
    stream: &str,
) -> Result<Vec<eventcore::store::StoredEvent>, StoreError> {
    let read = store.read_streams(&[id(stream)]).await?;
    Ok(read
        .streams()
        .iter()
        .flat_map(|s| s.events().to_vec())
        .collect())
}

fn epoch(position: GlobalPosition) -> u64 {
    position.value() >> 20
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_batch_fails_alone_and_the_others_share_one_commit() -> TestResult {
    let store = fresh_store().await?;
    let grouped = grouping(&store, 4).await;
    let outcomes = at_once(
        &grouped,
        vec![
            one("x", ExpectedVersion::NO_STREAM, 1),
            one("x", ExpectedVersion::NO_STREAM, 1),
            one("y", ExpectedVersion::NO_STREAM, 2),
            AppendBatch::try_new(vec![
                StreamWrite::new(id("z"), ExpectedVersion::NO_STREAM, Vec::new()),
                StreamWrite::new(
                    id("w"),
                    ExpectedVersion::NO_STREAM,
                    vec![event("E", &json!(1))],
                ),
            ])?,
        ],
    )
    .await;
    // Exactly one of the two batches expecting a new `x` wins; the other
    // sees the version the winner left.
    let (wins, losses): (Vec<_>, Vec<_>) = outcomes[..2].iter().partition(|o| o.is_ok());
    assert_eq!((wins.len(), losses.len()), (1, 1), "{outcomes:?}");
    match losses[0] {
        Err(StoreError::VersionConflict {
            stream,
            expected,
            actual,
        }) => {
            assert_eq!(stream.as_str(), "x");
            assert_eq!(
                (*expected, *actual),
                (StreamVersion::INITIAL, StreamVersion::new(1))
            );
        }
        other => panic!("expected a version conflict, got {other:?}"),
    }
    let mut positions = Vec::new();
    for outcome in [wins[0], &outcomes[2], &outcomes[3]] {
        let result = outcome.as_ref().map_err(ToString::to_string)?;
        positions.extend(result.events.iter().map(|e| e.position));
    }
    // One transaction: one epoch, consecutive positions.
    positions.sort();
    assert_eq!(positions.len(), 4);
    assert!(
        positions.iter().all(|p| epoch(*p) == epoch(positions[0])),
        "{positions:?}"
    );
    assert_eq!(
        positions[3].value() - positions[0].value(),
        3,
        "{positions:?}"
    );
    let y = outcomes[2].as_ref().map_err(ToString::to_string)?;
    assert_eq!(y.stream_versions, vec![(id("y"), StreamVersion::new(2))]);
    assert_eq!(stored(&store, "x").await?.len(), 1);
    assert_eq!(stored(&store, "w").await?.len(), 1);
    // The stream's version is the one its events left, not what the group
    // first reserved for both batches on `x`.
    store
        .append(one("x", ExpectedVersion::Exact(StreamVersion::new(1)), 1))
        .await?;
    drop_schema(&store).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_on_one_stream_in_a_group_apply_in_order() -> TestResult {
    let store = fresh_store().await?;
    store
        .append(one("s", ExpectedVersion::NO_STREAM, 1))
        .await?;
    let grouped = grouping(&store, 3).await;
    // Whatever order they arrive in, each is checked against the versions
    // the ones before it left: the stream ends dense and holds exactly the
    // events of the batches that were told they committed.
    let outcomes = at_once(
        &grouped,
        vec![
            one("s", ExpectedVersion::Exact(StreamVersion::new(1)), 2),
            one("s", ExpectedVersion::Any, 1),
            one("s", ExpectedVersion::Exact(StreamVersion::new(1)), 1),
        ],
    )
    .await;
    let committed: usize = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok())
        .map(|r| r.events.len())
        .sum();
    let stream = stored(&store, "s").await?;
    assert_eq!(stream.len(), 1 + committed);
    for (i, e) in stream.iter().enumerate() {
        assert_eq!(e.version().value(), i as u64 + 1);
    }
    // The `Any` batch always commits; at most one of the two batches that
    // expect version 1 can (none if the `Any` batch went first), and the
    // others are refused as conflicts.
    assert!(outcomes[1].is_ok(), "{outcomes:?}");
    assert!(outcomes[0].is_err() || outcomes[2].is_err(), "{outcomes:?}");
    let next = StreamVersion::new(1 + committed as u64);
    store
        .append(one("s", ExpectedVersion::Exact(next), 1))
        .await?;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(_) | Err(StoreError::VersionConflict { .. }))),
        "{outcomes:?}"
    );
    drop_schema(&store).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_refused_before_sending_fails_alone() -> TestResult {
    let store = fresh_store().await?;
    let grouped = grouping(&store, 2).await;
    let bad = eventcore::store::NewEvent::new(
        eventcore::SerializedEvent::new("E", "{not json"),
        eventcore::EventMetadata::new(),
    );
    let outcomes = at_once(
        &grouped,
        vec![
            AppendBatch::single(id("bad"), ExpectedVersion::NO_STREAM, vec![bad]),
            one("good", ExpectedVersion::NO_STREAM, 1),
        ],
    )
    .await;
    assert!(
        matches!(outcomes[0], Err(StoreError::Validation(_))),
        "{outcomes:?}"
    );
    assert!(outcomes[1].is_ok(), "{outcomes:?}");
    assert_eq!(stored(&store, "bad").await?.len(), 0);
    drop_schema(&store).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_the_server_refuses_is_appended_batch_by_batch() -> TestResult {
    let store = fresh_store().await?;
    store
        .append(one("locked", ExpectedVersion::NO_STREAM, 1))
        .await?;
    // Another session holds the `locked` stream's row: the group waits past
    // its statement timeout and is cancelled, then each batch goes alone.
    let mut blocker = store.pool().begin().await?;
    let sql = format!(
        "SELECT version FROM \"{}\".streams WHERE stream_id = 'locked' FOR UPDATE",
        store.schema()
    );
    sqlx::query(&sql).execute(&mut *blocker).await?;
    let grouped = grouping(&store, 2).await;
    let outcomes = at_once(
        &grouped,
        vec![
            one("locked", ExpectedVersion::Exact(StreamVersion::new(1)), 1),
            one("free", ExpectedVersion::NO_STREAM, 1),
        ],
    )
    .await;
    blocker.rollback().await?;
    assert!(
        matches!(outcomes[0], Err(StoreError::Timeout { .. })),
        "{outcomes:?}"
    );
    assert!(outcomes[1].is_ok(), "{outcomes:?}");
    assert_eq!(stored(&store, "locked").await?.len(), 1);
    assert_eq!(stored(&store, "free").await?.len(), 1);
    drop_schema(&store).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_caller_stopped_waiting_before_it_was_sent_is_dropped() -> TestResult {
    let store = fresh_store().await?;
    let grouped = grouping(&store, 2).await;
    let dropped = {
        let grouped = grouped.clone();
        tokio::spawn(async move {
            grouped
                .append(one("gone", ExpectedVersion::NO_STREAM, 3))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    dropped.abort();
    let kept = grouped
        .append(one("kept", ExpectedVersion::NO_STREAM, 1))
        .await?;
    assert_eq!(kept.events.len(), 1);
    // The abandoned batch was still waiting for its group: it is never
    // written later.
    assert_eq!(stored(&store, "gone").await?.len(), 0);
    drop_schema(&store).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_group_commit_every_append_has_its_own_transaction() -> TestResult {
    let store = fresh_store().await?;
    let single = common::config(store.schema())
        .group_commit(GroupCommit::disabled())
        .connect()
        .await?;
    let outcomes = at_once(
        &single,
        (0..4)
            .map(|i| one(&format!("s{i}"), ExpectedVersion::NO_STREAM, 1))
            .collect(),
    )
    .await;
    let mut epochs = Vec::new();
    for outcome in &outcomes {
        let result = outcome.as_ref().map_err(ToString::to_string)?;
        epochs.push(epoch(result.events[0].position));
    }
    epochs.sort_unstable();
    epochs.dedup();
    assert_eq!(epochs.len(), 4, "{outcomes:?}");
    drop_schema(&store).await;
    Ok(())
}
