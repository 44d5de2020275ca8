//! Idempotency keys against the faults they exist for: an append written
//! whose reply was lost, and executions cancelled at any point.

#![cfg(test)]

use std::time::Duration;

use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, CommandState, Event, ExecutionOptions,
    IdempotencyKey, RecordedEvent, StoreError, StreamId, store::EventStore,
};
use eventcore_memory::MemoryStore;
use eventcore_testing::chaos::{ChaosConfig, ChaosStore};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Tick {
    Left,
    Right,
}

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
        streams.left.emit(Tick::Left);
        streams.right.emit(Tick::Right);
        Ok(())
    }
}

fn id(name: &str) -> StreamId {
    StreamId::try_new(name).unwrap()
}

fn tick_both() -> TickBoth {
    TickBoth {
        left: id("left"),
        right: id("right"),
    }
}

/// Every append is written and then reported as failed.
fn losing_replies(store: &MemoryStore) -> ChaosStore<MemoryStore> {
    ChaosStore::new(
        store.clone(),
        ChaosConfig::default().append_lost_reply_rate(1.0),
    )
}

#[tokio::test]
async fn a_lost_reply_is_resolved_by_executing_again_with_the_key() {
    let store = MemoryStore::new();
    let key = IdempotencyKey::try_new("transfer-7").unwrap();
    let keyed = || ExecutionOptions::new().idempotency_key(key.clone());

    let flaky = losing_replies(&store);
    let lost = CommandExecutor::new(flaky.clone())
        .execute_with_options(tick_both(), keyed())
        .await;
    assert!(
        matches!(
            lost,
            Err(CommandError::Store(StoreError::Unavailable { .. }))
        ),
        "the reply was lost: {lost:?}"
    );
    assert_eq!(flaky.stats().append_lost_replies, 1);
    assert_eq!(store.stream_version(&id("left")).await.unwrap().value(), 1);

    // The caller cannot tell a lost reply from a failure: it executes
    // again with the same key, and gets the batch that was written.
    let executed = CommandExecutor::new(store.clone())
        .execute_with_options(tick_both(), keyed())
        .await
        .unwrap();
    assert!(executed.replayed);
    assert_eq!(executed.attempts, 0);
    let written = store
        .read_streams(&[id("left"), id("right")])
        .await
        .unwrap();
    let positions: Vec<u64> = executed
        .events
        .iter()
        .map(|e| e.position().value())
        .collect();
    let stored: Vec<u64> = written
        .into_streams()
        .into_iter()
        .flat_map(eventcore::store::StreamEvents::into_events)
        .map(|e| e.position().value())
        .collect();
    assert_eq!(positions, stored, "the replay returns the recorded events");
    assert_eq!(
        executed
            .events
            .iter()
            .map(RecordedEvent::payload)
            .collect::<Vec<_>>(),
        [&Tick::Left, &Tick::Right]
    );
    for stream in ["left", "right"] {
        assert_eq!(
            store.stream_version(&id(stream)).await.unwrap().value(),
            1,
            "{stream} written once"
        );
    }
}

#[tokio::test]
async fn without_a_key_executing_again_after_a_lost_reply_writes_twice() {
    // What the key prevents: the same request, retried, is a second command.
    let store = MemoryStore::new();
    let lost = CommandExecutor::new(losing_replies(&store))
        .execute(tick_both())
        .await;
    assert!(lost.is_err(), "{lost:?}");
    let executed = CommandExecutor::new(store.clone())
        .execute(tick_both())
        .await
        .unwrap();
    assert!(!executed.replayed);
    assert_eq!(store.stream_version(&id("left")).await.unwrap().value(), 2);
}

#[tokio::test]
async fn executions_cancelled_at_any_point_never_leave_half_a_batch() {
    // Reads and appends are delayed at random, and each execution is
    // dropped after a random time: some before reading, some while the
    // append waits, some after it finished.
    let store = MemoryStore::new();
    let slow = ChaosStore::new(
        store.clone(),
        ChaosConfig::default()
            .delays(0.8, Duration::from_millis(4))
            .seed(16),
    );
    let executor = CommandExecutor::new(slow.clone()).stream_cache(0);
    let mut finished = 0_u64;
    for round in 0..200_u64 {
        let patience = Duration::from_micros((round * 7919) % 5000);
        if tokio::time::timeout(patience, executor.execute(tick_both()))
            .await
            .is_ok()
        {
            finished += 1;
        }
        let left = store.stream_version(&id("left")).await.unwrap();
        let right = store.stream_version(&id("right")).await.unwrap();
        assert_eq!(left, right, "round {round}: both streams or neither");
    }
    let written = store.stream_version(&id("left")).await.unwrap().value();
    assert!(slow.stats().delays > 0);
    assert!(
        written >= finished && written < 200,
        "{finished} finished, {written} written: some must have been cut off"
    );
}

#[tokio::test]
async fn a_keyed_execution_cancelled_and_executed_again_writes_once() {
    let store = MemoryStore::new();
    let slow = ChaosStore::new(
        store.clone(),
        ChaosConfig::default()
            .delays(1.0, Duration::from_millis(4))
            .seed(3),
    );
    let executor = CommandExecutor::new(slow).stream_cache(0);
    let (mut cut_off, mut replayed) = (0, 0);
    for n in 0..50_u64 {
        let key = IdempotencyKey::try_new(format!("request-{n}")).unwrap();
        let options = || ExecutionOptions::new().idempotency_key(key.clone());
        let patience = Duration::from_micros((n * 7919) % 8000);
        let first = tokio::time::timeout(
            patience,
            executor.execute_with_options(tick_both(), options()),
        )
        .await;
        let again = executor
            .execute_with_options(tick_both(), options())
            .await
            .unwrap();
        match first {
            Ok(first) => {
                assert_eq!(first.unwrap().events, again.events, "request {n}");
                assert!(again.replayed, "request {n}");
            }
            Err(_) => cut_off += 1,
        }
        replayed += u32::from(again.replayed);
        let version = store.stream_version(&id("left")).await.unwrap().value();
        assert_eq!(version, n + 1, "request {n} is written exactly once");
    }
    // Both kinds of run happened: the test proves something either way.
    assert!(
        cut_off > 0 && replayed > 0,
        "{cut_off} cut off, {replayed} replayed"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any sequence of requests, keys repeating at random, some through a
    /// new executor (a cold cache, as another process) and some through a
    /// warm one: each key writes once, and every repeat replays exactly
    /// the events its first execution wrote.
    #[test]
    fn each_key_writes_once_whatever_the_order(
        requests in proptest::collection::vec((0_u8..6, proptest::bool::ANY), 1..40)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let store = MemoryStore::new();
            let warm = CommandExecutor::new(store.clone());
            let mut first: std::collections::HashMap<u8, Vec<u64>> = std::collections::HashMap::new();
            for (key, cold) in requests {
                let executor = if cold { CommandExecutor::new(store.clone()) } else { warm.clone() };
                let options = ExecutionOptions::new()
                    .idempotency_key(IdempotencyKey::try_new(format!("request-{key}")).unwrap());
                let done = executor.execute_with_options(tick_both(), options).await.unwrap();
                let positions: Vec<u64> = done.events.iter().map(|e| e.position().value()).collect();
                match first.entry(key) {
                    std::collections::hash_map::Entry::Vacant(entry) => {
                        assert!(!done.replayed, "request {key} first time");
                        entry.insert(positions);
                    }
                    std::collections::hash_map::Entry::Occupied(entry) => {
                        assert!(done.replayed, "request {key} again");
                        assert_eq!(&positions, entry.get(), "request {key} again");
                    }
                }
            }
            let version = store.stream_version(&id("left")).await.unwrap().value();
            assert_eq!(version, first.len() as u64, "one write per key");
        });
    }
}
