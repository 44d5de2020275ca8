//! A deadline that passes while an append waits on PostgreSQL: the error
//! says the outcome is unknown, and the batch is then in the store whole or
//! not at all.

mod common;

use std::time::{Duration, Instant};

use common::{TestResult, Tick};
use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, CommandState, ExecutionOptions,
    IdempotencyKey, RecordedEvent, StreamId, store::EventStore,
};
use eventcore_postgres::{PostgresStore, sqlx};

/// Appends one tick to each of two streams.
#[derive(Command)]
#[command(event = Tick)]
struct TickBoth {
    #[stream]
    left: StreamId,
    #[stream]
    right: StreamId,
}

impl CommandState for TickBoth {
    type State = ();
    fn initial_state(&self) {}
    fn apply(&self, (): &mut (), _: &RecordedEvent<Tick>) {}
}

impl CommandLogic for TickBoth {
    type Error = std::convert::Infallible;

    fn handle(&self, (): (), streams: &mut TickBothStreams<'_>) -> Result<(), Self::Error> {
        streams.left.emit(Tick { n: 1 });
        streams.right.emit(Tick { n: 2 });
        Ok(())
    }
}

/// Another session's transaction holding `stream`'s row: appends to the
/// stream wait until it ends.
async fn lock_stream_row(
    store: &PostgresStore,
    stream: &StreamId,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut blocker = store.pool().begin().await?;
    sqlx::query(&format!(
        "SELECT version FROM \"{}\".streams WHERE stream_id = $1 FOR UPDATE",
        store.schema()
    ))
    .bind(stream.as_str())
    .execute(&mut *blocker)
    .await?;
    Ok(blocker)
}

#[tokio::test]
async fn a_deadline_during_a_blocked_append_is_an_unknown_outcome_and_never_half_a_batch()
-> TestResult {
    let store = common::fresh_store().await?;
    let (left, right) = (common::id("deadline-left"), common::id("deadline-right"));
    let executor = CommandExecutor::new(store.clone()).stream_cache(0);
    let command = || TickBoth {
        left: left.clone(),
        right: right.clone(),
    };
    executor.execute(command()).await?;

    // Another session holds the left stream's row: the next append waits.
    let blocker = lock_stream_row(&store, &left).await?;

    let started = Instant::now();
    let options = ExecutionOptions::new().timeout(Duration::from_millis(500));
    let outcome = executor.execute_with_options(command(), options).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    match &outcome {
        Err(CommandError::OutcomeUnknown {
            attempts: 1,
            idempotency_key: None,
        }) => {}
        other => panic!("the append was in flight: the outcome is unknown, got {other:?}"),
    }
    let message = outcome.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("may or may not have been written"),
        "{message}"
    );

    // Once the row is free, the abandoned append finishes or not, whole.
    blocker.rollback().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (l, r) = (
        store.stream_version(&left).await?.value(),
        store.stream_version(&right).await?.value(),
    );
    assert_eq!(l, r, "both streams or neither");
    assert!(l == 1 || l == 2, "{l}");
    common::drop_schema(&store).await;
    Ok(())
}

#[tokio::test]
async fn an_unknown_outcome_carries_the_key_and_executing_again_with_it_writes_once() -> TestResult
{
    let store = common::fresh_store().await?;
    let (left, right) = (common::id("keyed-left"), common::id("keyed-right"));
    let executor = CommandExecutor::new(store.clone()).stream_cache(0);
    let command = || TickBoth {
        left: left.clone(),
        right: right.clone(),
    };
    executor.execute(command()).await?;
    let key = IdempotencyKey::from(uuid::Uuid::now_v7());

    let blocker = lock_stream_row(&store, &left).await?;

    let options = ExecutionOptions::new()
        .idempotency_key(key.clone())
        .timeout(Duration::from_millis(500));
    match executor.execute_with_options(command(), options).await {
        Err(CommandError::OutcomeUnknown {
            attempts: 1,
            idempotency_key: Some(carried),
        }) => assert_eq!(carried, key),
        other => panic!("the outcome is unknown and names the key, got {other:?}"),
    }

    // The abandoned append may commit as soon as the row is free, before
    // or while the same request is executed again: either way the key
    // makes it one write.
    blocker.rollback().await?;
    let again = executor
        .execute_with_options(command(), ExecutionOptions::new().idempotency_key(key))
        .await?;
    assert_eq!(again.events.len(), 2);
    for stream in [&left, &right] {
        assert_eq!(
            store.stream_version(stream).await?.value(),
            2,
            "{stream}: written once by the two executions with one key"
        );
    }
    let versions: Vec<u64> = again.events.iter().map(|e| e.version().value()).collect();
    assert_eq!(versions, [2, 2]);
    common::drop_schema(&store).await;
    Ok(())
}
