//! The fault-injecting store wrappers, on the in-memory store.

#![cfg(test)]

use std::{convert::Infallible, time::Duration};

use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, Event, EventMetadata, EventSerializer,
    Fold, GlobalPosition, JsonSerializer, RecordedEvent, RetryPolicy, StoreError, StreamId,
    StreamVersion,
    store::{AppendBatch, CheckpointStore, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_memory::MemoryStore;
use eventcore_testing::chaos::{
    ChaosConfig, ChaosStore, ConflictingStore, ContendedStore, RecordingStore,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Counted {
    Incremented,
}

#[derive(Default)]
struct Count(u64);

impl Fold<Counted> for Count {
    fn fold(&mut self, _: &RecordedEvent<Counted>) {
        self.0 += 1;
    }
}

#[derive(Command)]
#[command(event = Counted)]
struct Increment {
    #[stream(state = Count)]
    counter: StreamId,
}

impl CommandLogic for Increment {
    type Error = Infallible;

    fn handle(&self, _: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), Infallible> {
        streams.counter.emit(Counted::Incremented);
        Ok(())
    }
}

fn counter() -> StreamId {
    StreamId::try_new("counter").unwrap()
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(attempts)
        .max_delay(Duration::from_millis(1))
}

#[tokio::test]
async fn conflicting_store_forces_exactly_n_retries() {
    let store = ConflictingStore::new(MemoryStore::new(), 3);
    let executor = CommandExecutor::new(store.clone()).retry_policy(fast_retries(10));
    let done = executor
        .execute(Increment { counter: counter() })
        .await
        .unwrap();
    assert_eq!(done.attempts, 4, "three forced conflicts, then success");
    assert_eq!(store.remaining(), 0);
    assert_eq!(
        store
            .inner()
            .stream_version(&counter())
            .await
            .unwrap()
            .value(),
        1,
        "forced conflicts write nothing"
    );
}

#[tokio::test]
async fn conflicting_store_exhausts_a_short_retry_policy() {
    let store = ConflictingStore::new(MemoryStore::new(), 5);
    let executor = CommandExecutor::new(store.clone()).retry_policy(fast_retries(2));
    let err = executor
        .execute(Increment { counter: counter() })
        .await
        .unwrap_err();
    assert!(
        matches!(err, CommandError::RetriesExhausted { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(store.inner().is_empty());
}

#[tokio::test]
async fn chaos_conflicts_are_survived_by_retries_and_counted() {
    let store = ChaosStore::new(
        MemoryStore::new(),
        ChaosConfig::default().conflict_rate(0.4).seed(42),
    );
    let executor = CommandExecutor::new(store.clone()).retry_policy(fast_retries(100));
    for _ in 0..50 {
        executor
            .execute(Increment { counter: counter() })
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .inner()
            .stream_version(&counter())
            .await
            .unwrap()
            .value(),
        50,
        "every command landed exactly once"
    );
    let stats = store.stats();
    assert!(stats.conflicts > 5, "conflicts were injected: {stats:?}");
    assert_eq!(stats.failures, 0);
}

#[tokio::test]
async fn chaos_failures_surface_as_typed_unavailable_errors() {
    let store = ChaosStore::new(MemoryStore::new(), ChaosConfig::default().failure_rate(1.0));
    let executor = CommandExecutor::new(store.clone());
    let err = executor
        .execute(Increment { counter: counter() })
        .await
        .unwrap_err();
    assert!(
        matches!(err, CommandError::Store(StoreError::Unavailable { .. })),
        "{err:?}"
    );
    assert!(
        store.inner().is_empty(),
        "a failed operation writes nothing"
    );
    assert!(store.stats().failures >= 1);
}

#[tokio::test]
async fn chaos_append_failures_let_reads_through() {
    let memory = MemoryStore::new();
    CommandExecutor::new(memory.clone())
        .execute(Increment { counter: counter() })
        .await
        .unwrap();
    let store = ChaosStore::new(memory, ChaosConfig::default().append_failure_rate(1.0));

    let err = CommandExecutor::new(store.clone())
        .retry_policy(fast_retries(5))
        .execute(Increment { counter: counter() })
        .await
        .unwrap_err();

    assert!(
        matches!(err, CommandError::Store(StoreError::Unavailable { .. })),
        "{err:?}"
    );
    assert_eq!(store.stats().failures, 1, "only the append failed");
    assert_eq!(
        store.stream_version(&counter()).await.unwrap(),
        StreamVersion::new(1),
        "reads succeed and the failed append wrote nothing"
    );
}

/// One `Incremented` on the counter, written by someone else.
fn rival_increment() -> AppendBatch {
    let event = JsonSerializer.encode(&Counted::Incremented).unwrap();
    AppendBatch::single(
        counter(),
        ExpectedVersion::Any,
        vec![NewEvent::new(event, EventMetadata::new())],
    )
}

#[tokio::test]
async fn contended_store_makes_retries_read_the_rival_writes() {
    let store = ContendedStore::new(MemoryStore::new(), rival_increment(), 2);
    let executor = CommandExecutor::new(store.clone()).retry_policy(fast_retries(10));

    let done = executor
        .execute(Increment { counter: counter() })
        .await
        .unwrap();

    assert_eq!(done.attempts, 3, "lost two races, then succeeded");
    assert_eq!(store.remaining(), 0);
    assert_eq!(
        done.events[0].version(),
        StreamVersion::new(3),
        "written after the rival's two events"
    );
}

#[tokio::test]
async fn recording_store_records_every_attempted_append() {
    let store = RecordingStore::new(ConflictingStore::new(MemoryStore::new(), 2));
    let executor = CommandExecutor::new(store.clone()).retry_policy(fast_retries(10));

    let done = executor
        .execute(Increment { counter: counter() })
        .await
        .unwrap();

    assert_eq!(done.attempts, 3);
    let appends = store.appends();
    assert_eq!(appends.len(), 3, "two refused, one written");
    for batch in &appends {
        assert_eq!(batch.writes().len(), 1);
        assert_eq!(batch.writes()[0].stream_id(), &counter());
        assert_eq!(
            batch.writes()[0].expected(),
            ExpectedVersion::Exact(StreamVersion::INITIAL)
        );
        assert_eq!(batch.event_count(), 1);
    }
}

#[tokio::test]
async fn chaos_delays_slow_operations_down() {
    let store = ChaosStore::new(
        MemoryStore::new(),
        ChaosConfig::default()
            .delays(1.0, Duration::from_millis(20))
            .seed(1),
    );
    let started = std::time::Instant::now();
    for _ in 0..5 {
        store.stream_version(&counter()).await.unwrap();
    }
    assert_eq!(store.stats().delays, 5);
    assert!(started.elapsed() > Duration::from_millis(5));
}

#[tokio::test]
async fn the_same_seed_injects_the_same_faults() {
    let run = |seed| async move {
        let store = ChaosStore::new(
            MemoryStore::new(),
            ChaosConfig::default().failure_rate(0.5).seed(seed),
        );
        let mut outcomes = Vec::new();
        for _ in 0..32 {
            outcomes.push(store.stream_version(&counter()).await.is_ok());
        }
        outcomes
    };
    assert_eq!(run(9).await, run(9).await);
    assert_ne!(run(9).await, run(10).await);
}

mod chaos_conformance {
    //! A wrapper with no chaos configured is transparent: it passes the
    //! whole conformance suite.
    use std::convert::Infallible;

    use eventcore_memory::MemoryStore;
    use eventcore_testing::chaos::{ChaosConfig, ChaosStore};

    eventcore::conformance_tests!(|| async {
        Ok::<_, Infallible>(ChaosStore::new(MemoryStore::new(), ChaosConfig::default()))
    });
}

mod recording_conformance {
    //! Recording changes nothing: the recorder passes the whole conformance
    //! suite.
    use std::convert::Infallible;

    use eventcore_memory::MemoryStore;
    use eventcore_testing::chaos::RecordingStore;

    eventcore::conformance_tests!(|| async {
        Ok::<_, Infallible>(RecordingStore::new(MemoryStore::new()))
    });
}

#[tokio::test]
async fn chaos_checkpoint_failures_write_nothing_and_lost_replies_write() {
    let at = GlobalPosition::new;
    let failing = ChaosStore::new(
        MemoryStore::new(),
        ChaosConfig::default().checkpoint_faults(1.0, 0.0),
    );
    let err = failing
        .save_checkpoint("p", GlobalPosition::START, at(3), None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert_eq!(failing.inner().load_checkpoint("p").await.unwrap(), None);
    assert_eq!(failing.stats().checkpoint_failures, 1);

    let forgetful = ChaosStore::new(
        MemoryStore::new(),
        ChaosConfig::default().checkpoint_faults(0.0, 1.0),
    );
    let err = forgetful
        .save_checkpoint("p", GlobalPosition::START, at(3), None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert_eq!(
        forgetful.inner().load_checkpoint("p").await.unwrap(),
        Some(at(3)),
        "a lost reply still wrote"
    );
    assert_eq!(forgetful.stats().checkpoint_lost_replies, 1);
}

#[test]
fn chaos_rates_are_clamped_to_probabilities() {
    assert_eq!(
        ChaosConfig::default()
            .failure_rate(7.0)
            .conflict_rate(-1.0)
            .delays(2.0, Duration::ZERO)
            .checkpoint_faults(1.5, -0.5),
        ChaosConfig::default()
            .failure_rate(1.0)
            .conflict_rate(0.0)
            .delays(1.0, Duration::ZERO)
            .checkpoint_faults(1.0, 0.0),
    );
}
