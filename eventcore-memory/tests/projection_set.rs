//! The projection set, on the in-memory store.

#![cfg(test)]

use std::{convert::Infallible, sync::Arc, time::Duration};

use eventcore::{
    Command, CommandExecutor, CommandLogic, Event, Fold, ProjectionError, RecordedEvent, StreamId,
    projection::{Projection, ProjectionRunner, ProjectionSet, ProjectionStatus, RunnerConfig},
    store::EventStore,
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
