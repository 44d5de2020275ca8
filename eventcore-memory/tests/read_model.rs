//! Reading an in-memory read model while its runner writes it.

#![cfg(test)]

use std::time::Duration;

use eventcore::{
    EventMetadata, RecordedEvent, SerializedEvent, StreamId,
    projection::{Projection, ProjectionRunner, ReadModel, RunnerConfig},
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_memory::MemoryStore;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, eventcore::Event)]
enum Counted {
    Ticked { slow: bool },
}

/// Counts ticks; a slow tick takes 300 ms to apply.
#[derive(Default)]
struct Ticks {
    count: u64,
    resets: u64,
}

impl Projection for Ticks {
    type Event = Counted;
    type Error = std::convert::Infallible;

    fn name(&self) -> &'static str {
        "ticks"
    }

    async fn apply(&mut self, events: &[RecordedEvent<Counted>]) -> Result<(), Self::Error> {
        for event in events {
            let Counted::Ticked { slow } = event.payload();
            if *slow {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            self.count += 1;
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Self::Error> {
        self.count = 0;
        self.resets += 1;
        Ok(())
    }
}

async fn tick(store: &MemoryStore, slow: bool) -> eventcore::GlobalPosition {
    let event = NewEvent::new(
        SerializedEvent::new("Ticked", format!("{{\"slow\":{slow}}}")),
        EventMetadata::new(),
    );
    let batch = AppendBatch::single(
        StreamId::try_new("clock").unwrap(),
        ExpectedVersion::Any,
        vec![event],
    );
    store.append(batch).await.unwrap().events[0].position
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_see_whole_batches_while_the_runner_applies() {
    let store = MemoryStore::new();
    let ticks = ReadModel::new(Ticks::default());
    let runner = ProjectionRunner::new(
        store.clone(),
        ticks.clone(),
        RunnerConfig::default().poll_interval(Duration::from_millis(10)),
    )
    .start();
    assert_eq!(ticks.read(|t| t.count).await, 0);
    let first = tick(&store, false).await;
    assert!(
        runner
            .wait_for_position(first, Duration::from_secs(5))
            .await
    );
    assert_eq!(ticks.read(|t| t.count).await, 1);
    assert_eq!(ticks.try_read(|t| t.count), Some(1), "free between batches");

    // While a slow batch is applied, a non-waiting read gets nothing and a
    // waiting one gets the state after the batch.
    let slow = tick(&store, true).await;
    let mut busy = false;
    for _ in 0..100 {
        if ticks.try_read(|t| t.count).is_none() {
            busy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(busy, "try_read saw the batch in progress");
    assert_eq!(ticks.read(|t| t.count).await, 2);
    assert!(runner.wait_for_position(slow, Duration::from_secs(5)).await);

    // A rebuild resets the shared read model itself.
    runner.rebuild().await;
    let last = tick(&store, false).await;
    assert!(runner.wait_for_position(last, Duration::from_secs(5)).await);
    assert_eq!(ticks.read(|t| (t.count, t.resets)).await, (3, 1));
    runner.shutdown().await.unwrap();
}
