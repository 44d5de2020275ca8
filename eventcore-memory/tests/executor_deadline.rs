//! Deadlines: no attempt starts and no retry waits past one, and the error
//! says whether anything may have been written.

#![cfg(test)]

use std::time::{Duration, Instant};

use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, CommandState, Event, ExecutionOptions,
    RecordedEvent, RetryPolicy, StoreError, StreamId, store::EventStore,
};
use eventcore_memory::MemoryStore;
use eventcore_testing::chaos::ConflictingStore;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Note {
    Written,
}

#[derive(Command)]
#[command(event = Note)]
struct Write {
    #[stream]
    page: StreamId,
}

impl CommandState for Write {
    type State = ();
    fn initial_state(&self) {}
    fn apply(&self, (): &mut (), _: &RecordedEvent<Note>) {}
}

impl CommandLogic for Write {
    type Error = std::convert::Infallible;

    fn handle(&self, (): (), streams: &mut WriteStreams<'_>) -> Result<(), Self::Error> {
        streams.page.emit(Note::Written);
        Ok(())
    }
}

fn page() -> StreamId {
    StreamId::try_new("page-1").unwrap()
}

#[tokio::test]
async fn a_deadline_already_past_tries_nothing_and_writes_nothing() {
    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    let past = ExecutionOptions::new().deadline(Instant::now());
    match executor
        .execute_with_options(Write { page: page() }, past)
        .await
    {
        Err(CommandError::DeadlineExceeded {
            attempts: 0,
            last: None,
        }) => {}
        other => panic!("must be refused before any attempt, got {other:?}"),
    }
    assert!(store.stream_version(&page()).await.unwrap().is_initial());
}

#[tokio::test]
async fn a_retry_that_would_wait_past_the_deadline_is_not_waited_for() {
    // Every append conflicts; the policy would wait 2 s before retrying.
    let store = ConflictingStore::new(MemoryStore::new(), u64::MAX);
    let executor = CommandExecutor::new(store.clone()).retry_policy(
        RetryPolicy::new()
            .with_max_attempts(10)
            .base_delay(Duration::from_secs(2))
            .max_delay(Duration::from_secs(2)),
    );
    let started = Instant::now();
    let options = ExecutionOptions::new().timeout(Duration::from_millis(300));
    let outcome = executor
        .execute_with_options(Write { page: page() }, options)
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    match outcome {
        Err(CommandError::DeadlineExceeded {
            attempts,
            last: Some(StoreError::VersionConflict { .. }),
        }) => assert!(attempts >= 1, "{attempts}"),
        other => panic!("must stop at the deadline with the conflict, got {other:?}"),
    }
    let message = executor
        .execute_with_options(
            Write { page: page() },
            ExecutionOptions::new().timeout(Duration::from_millis(50)),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(message.contains("nothing was written"), "{message}");
}

#[tokio::test]
async fn a_deadline_that_leaves_time_changes_nothing() {
    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    let options = ExecutionOptions::new().timeout(Duration::from_secs(30));
    let executed = executor
        .execute_with_options(Write { page: page() }, options)
        .await
        .unwrap();
    assert_eq!(executed.events.len(), 1);
    assert_eq!(executed.attempts, 1);
    assert_eq!(store.stream_version(&page()).await.unwrap().value(), 1);
}
