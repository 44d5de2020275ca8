//! Exactly-once projections: the read model and the checkpoint commit in one
//! transaction.

#![cfg(test)]

mod common;

use common::Tick;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use eventcore::{
    EventMetadata, GlobalPosition, RecordedEvent, SerializedEvent, StreamId,
    projection::{ErrorPolicy, ProjectionRunner, ProjectionStatus, RunnerConfig},
    store::{AppendBatch, CheckpointStore, EventFilter, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_postgres::{PostgresProjection, PostgresStore, Transactional, sqlx};
use tokio::sync::Semaphore;

const WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
enum TickError {
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error("refusing tick {0}")]
    Refused(i64),
}

/// Counts, per tick, how many times it was applied: `applied` must end at 1.
struct TickTable {
    table: String,
    gate: Option<Arc<Semaphore>>,
    fail_on: Option<i64>,
    resets: Arc<AtomicU32>,
}

impl TickTable {
    fn new(store: &PostgresStore) -> Self {
        Self {
            table: format!("\"{}\".ticks_applied", store.schema()),
            gate: None,
            fail_on: None,
            resets: Arc::default(),
        }
    }
}

impl PostgresProjection for TickTable {
    type Event = Tick;
    type Error = TickError;

    fn name(&self) -> &'static str {
        "tick-table"
    }

    async fn apply(
        &mut self,
        tx: &mut sqlx::PgConnection,
        events: &[RecordedEvent<Tick>],
    ) -> Result<(), TickError> {
        for (i, event) in events.iter().enumerate() {
            let n = event.payload().n;
            if self.fail_on == Some(n) {
                return Err(TickError::Refused(n));
            }
            sqlx::query(&format!(
                "INSERT INTO {} (n, applied) VALUES ($1, 1) \
                 ON CONFLICT (n) DO UPDATE SET applied = ticks_applied.applied + 1",
                self.table
            ))
            .bind(n)
            .execute(&mut *tx)
            .await?;
            // After the first row of a batch, wait for a permit: lets a test
            // crash the runner in the middle of a batch.
            if i == 0
                && let Some(gate) = &self.gate
            {
                gate.acquire()
                    .await
                    .map_err(|_| TickError::Refused(n))?
                    .forget();
            }
        }
        Ok(())
    }

    async fn reset(&mut self, tx: &mut sqlx::PgConnection) -> Result<(), TickError> {
        sqlx::query(&format!("DELETE FROM {}", self.table))
            .execute(&mut *tx)
            .await?;
        self.resets.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

async fn setup(ticks: i64) -> (PostgresStore, GlobalPosition) {
    let store = common::fresh_store().await.unwrap();
    sqlx::raw_sql(&format!(
        "CREATE TABLE \"{}\".ticks_applied (n bigint PRIMARY KEY, applied int NOT NULL)",
        store.schema()
    ))
    .execute(store.pool())
    .await
    .unwrap();
    let stream = StreamId::try_new("ticks").unwrap();
    let events = (1..=ticks)
        .map(|n| {
            let payload = serde_json::json!({ "n": n }).to_string();
            NewEvent::new(SerializedEvent::new("Tick", payload), EventMetadata::new())
        })
        .collect();
    let written = store
        .append(AppendBatch::single(
            stream,
            ExpectedVersion::NO_STREAM,
            events,
        ))
        .await
        .unwrap();
    let last = written.events.last().unwrap().position;
    (store, last)
}

async fn applied(store: &PostgresStore) -> Vec<(i64, i32)> {
    sqlx::query_as(&format!(
        "SELECT n, applied FROM \"{}\".ticks_applied ORDER BY n",
        store.schema()
    ))
    .fetch_all(store.pool())
    .await
    .unwrap()
}

fn config(holder: &str) -> RunnerConfig {
    RunnerConfig::default()
        .batch_size(4)
        .holder(holder)
        .lease_ttl(Duration::from_millis(800))
        .poll_interval(Duration::from_millis(200))
        .error_policy(ErrorPolicy::Stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactional_projection_applies_every_event_once() {
    let (store, last) = setup(10).await;
    let projection = Transactional::new(store.clone(), TickTable::new(&store));
    let handle =
        ProjectionRunner::with_checkpointed(store.clone(), projection, config("a")).start();
    assert!(
        handle.wait_for_position(last, WAIT).await,
        "{:?}",
        handle.health()
    );
    handle.shutdown().await.unwrap();
    assert_eq!(
        applied(&store).await,
        (1..=10).map(|n| (n, 1)).collect::<Vec<_>>()
    );
    assert_eq!(
        store.load_checkpoint("tick-table").await.unwrap(),
        Some(last)
    );
    common::drop_schema(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_mid_batch_then_restart_processes_nothing_twice() {
    let (store, last) = setup(10).await;
    let gate = Arc::new(Semaphore::new(1));
    let mut doomed = TickTable::new(&store);
    doomed.gate = Some(Arc::clone(&gate));
    let projection = Transactional::new(store.clone(), doomed);
    let handle =
        ProjectionRunner::with_checkpointed(store.clone(), projection, config("doomed")).start();
    // The first batch (1..=4) commits; the second blocks after inserting 5.
    for _ in 0..500 {
        if gate.available_permits() == 0 && applied(&store).await.len() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(applied(&store).await.len(), 4, "first batch committed");
    handle.abort();

    let successor = Transactional::new(store.clone(), TickTable::new(&store));
    let handle =
        ProjectionRunner::with_checkpointed(store.clone(), successor, config("successor")).start();
    assert!(
        handle.wait_for_position(last, WAIT).await,
        "successor did not take over: {:?}",
        handle.health()
    );
    handle.shutdown().await.unwrap();
    assert_eq!(
        applied(&store).await,
        (1..=10).map(|n| (n, 1)).collect::<Vec<_>>(),
        "every tick applied exactly once despite the crash"
    );
    common::drop_schema(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_batch_rolls_back_and_only_the_events_before_the_failure_commit() {
    let (store, _) = setup(6).await;
    let mut failing = TickTable::new(&store);
    failing.fail_on = Some(3);
    let projection = Transactional::new(store.clone(), failing);
    let handle =
        ProjectionRunner::with_checkpointed(store.clone(), projection, config("a")).start();
    for _ in 0..500 {
        if matches!(handle.health().status, ProjectionStatus::Failed { .. }) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(matches!(
        handle.health().status,
        ProjectionStatus::Failed { .. }
    ));
    assert!(handle.shutdown().await.is_err());
    // The batch 1..=4 failed at 3 and was rolled back whole; the runner
    // then applied one event at a time, so 1 and 2 committed once each with
    // their checkpoint, and it stopped just before 3.
    assert_eq!(applied(&store).await, vec![(1, 1), (2, 1)]);
    let second = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 2)
        .await
        .unwrap()[1]
        .position();
    assert_eq!(
        store.load_checkpoint("tick-table").await.unwrap(),
        Some(second)
    );
    common::drop_schema(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_resets_the_table_and_replays() {
    let (store, last) = setup(5).await;
    let table = TickTable::new(&store);
    let resets = Arc::clone(&table.resets);
    let projection = Transactional::new(store.clone(), table);
    let handle =
        ProjectionRunner::with_checkpointed(store.clone(), projection, config("a")).start();
    assert!(handle.wait_for_position(last, WAIT).await);
    handle.rebuild().await;
    assert_eq!(resets.load(Ordering::SeqCst), 1);
    assert!(handle.wait_for_position(last, WAIT).await);
    handle.shutdown().await.unwrap();
    assert_eq!(
        applied(&store).await,
        (1..=5).map(|n| (n, 1)).collect::<Vec<_>>()
    );
    common::drop_schema(&store).await;
}
