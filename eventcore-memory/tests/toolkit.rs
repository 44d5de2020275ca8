//! The testing toolkit's store wrappers, and the projection set, on the
//! in-memory store.

#![cfg(test)]

use std::{convert::Infallible, sync::Arc, time::Duration};

use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, Event, Fold, ProjectionError,
    RecordedEvent, RetryPolicy, StoreError, StreamId,
    projection::{Projection, ProjectionRunner, ProjectionSet, ProjectionStatus, RunnerConfig},
    store::EventStore,
    testing::chaos::{ChaosConfig, ChaosStore, ConflictingStore},
};
use eventcore_memory::MemoryStore;
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

    use eventcore::testing::chaos::{ChaosConfig, ChaosStore};
    use eventcore_memory::MemoryStore;

    eventcore::conformance_tests!(|| async {
        Ok::<_, Infallible>(ChaosStore::new(MemoryStore::new(), ChaosConfig::default()))
    });
}

#[derive(Clone, Default)]
struct Tally(Arc<parking_lot::Mutex<u64>>, &'static str);

impl Projection for Tally {
    type Event = Counted;
    type Error = Infallible;

    fn name(&self) -> &str {
        self.1
    }

    async fn apply(&mut self, events: &[RecordedEvent<Counted>]) -> Result<(), Infallible> {
        *self.0.lock() += events.len() as u64;
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Infallible> {
        *self.0.lock() = 0;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projection_set_controls_runners_by_name() {
    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    for _ in 0..5 {
        executor
            .execute(Increment { counter: counter() })
            .await
            .unwrap();
    }
    let (a, b) = (
        Tally(Arc::default(), "tally-a"),
        Tally(Arc::default(), "tally-b"),
    );
    let config = RunnerConfig::default().poll_interval(Duration::from_millis(50));
    let mut set = ProjectionSet::new();
    set.insert(ProjectionRunner::new(store.clone(), a.clone(), config.clone()).start());
    set.insert(ProjectionRunner::new(store.clone(), b.clone(), config).start());
    assert_eq!(set.names().collect::<Vec<_>>(), vec!["tally-a", "tally-b"]);

    let head = store.head_position().await.unwrap();
    for name in ["tally-a", "tally-b"] {
        assert!(
            set.get(name)
                .unwrap()
                .wait_for_position(head, Duration::from_secs(5))
                .await
        );
    }
    assert_eq!((*a.0.lock(), *b.0.lock()), (5, 5));

    set.pause("tally-a").await.unwrap();
    executor
        .execute(Increment { counter: counter() })
        .await
        .unwrap();
    let head = store.head_position().await.unwrap();
    assert!(
        set.get("tally-b")
            .unwrap()
            .wait_for_position(head, Duration::from_secs(5))
            .await
    );
    let health = set.health();
    assert_eq!(health.len(), 2);
    assert_eq!(health[0].status, ProjectionStatus::Paused);
    assert_eq!(health[1].lag, 0);
    assert_eq!(
        (*a.0.lock(), *b.0.lock()),
        (5, 6),
        "only the running projection moved"
    );

    set.resume("tally-a").await.unwrap();
    set.rebuild("tally-a").await.unwrap();
    assert!(
        set.get("tally-a")
            .unwrap()
            .wait_for_position(head, Duration::from_secs(5))
            .await
    );
    assert_eq!(*a.0.lock(), 6, "rebuilt from scratch");

    assert!(matches!(
        set.pause("missing").await,
        Err(ProjectionError::UnknownProjection(name)) if name == "missing"
    ));
    set.shutdown("tally-b").await.unwrap();
    assert_eq!(set.names().count(), 1);
    set.shutdown_all().await.unwrap();
    assert!(set.health().is_empty());
}
