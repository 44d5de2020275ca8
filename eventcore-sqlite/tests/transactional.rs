//! A read model in tables of the store's own file, committed with its
//! checkpoint: after a restart nothing is applied twice, and a failing
//! batch leaves neither its rows nor a moved checkpoint.

#![cfg(test)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use eventcore::{
    EventMetadata, GlobalPosition, RecordedEvent, SerializedEvent, StreamId,
    projection::{ProjectionRunner, RunnerConfig},
    store::{AppendBatch, CheckpointStore, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_sqlite::{SqliteProjection, SqliteStore, Transactional, sqlx};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, eventcore::Event)]
enum Ledger {
    Credited { cents: i64 },
}

/// Sums the credits of each stream into `totals`; fails a batch holding
/// a credit of 13 cents while `fail_13` is set.
#[derive(Clone, Default)]
struct Totals {
    fail_13: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
enum TotalsError {
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error("13 cents is unlucky")]
    Unlucky,
}

impl SqliteProjection for Totals {
    type Event = Ledger;
    type Error = TotalsError;

    fn name(&self) -> &'static str {
        "totals"
    }

    async fn apply(
        &mut self,
        tx: &mut sqlx::SqliteConnection,
        events: &[RecordedEvent<Ledger>],
    ) -> Result<(), TotalsError> {
        for event in events {
            let Ledger::Credited { cents } = event.payload();
            sqlx::query(
                "INSERT INTO totals (stream, cents) VALUES (?1, ?2) \
                 ON CONFLICT (stream) DO UPDATE SET cents = cents + ?2",
            )
            .bind(event.stream_id().as_str())
            .bind(cents)
            .execute(&mut *tx)
            .await?;
            if *cents == 13 && self.fail_13.load(Ordering::SeqCst) {
                return Err(TotalsError::Unlucky);
            }
        }
        Ok(())
    }

    async fn reset(&mut self, tx: &mut sqlx::SqliteConnection) -> Result<(), TotalsError> {
        sqlx::query("DELETE FROM totals").execute(&mut *tx).await?;
        Ok(())
    }
}

async fn credit(store: &SqliteStore, stream: &str, cents: &[i64]) -> GlobalPosition {
    let events = cents
        .iter()
        .map(|c| {
            NewEvent::new(
                SerializedEvent::new("Credited", format!("{{\"cents\":{c}}}"))
                    .with_schema_version(1),
                EventMetadata::new(),
            )
        })
        .collect();
    let batch = AppendBatch::single(
        StreamId::try_new(stream).unwrap(),
        ExpectedVersion::Any,
        events,
    );
    let appended = store.append(batch).await.unwrap();
    appended.events.last().unwrap().position
}

async fn total(store: &SqliteStore, stream: &str) -> Option<i64> {
    sqlx::query_scalar("SELECT cents FROM totals WHERE stream = ?1")
        .bind(stream)
        .fetch_optional(store.readers())
        .await
        .unwrap()
}

/// Runs the projection until it reaches `head` (or gives up after 5 s),
/// then stops it; its error, if it stopped on one.
async fn run_to(
    store: &SqliteStore,
    totals: &Totals,
    head: GlobalPosition,
) -> Result<bool, eventcore::ProjectionError> {
    let runner = ProjectionRunner::with_checkpointed(
        store.clone(),
        Transactional::new(store.clone(), totals.clone()),
        RunnerConfig::default().poll_interval(Duration::from_millis(20)),
    )
    .start();
    let reached = runner.wait_for_position(head, Duration::from_secs(5)).await;
    runner.shutdown().await.map(|()| reached)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_model_and_its_checkpoint_commit_together() {
    let store = SqliteStore::temporary().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    sqlx::query("CREATE TABLE totals (stream TEXT PRIMARY KEY, cents INTEGER NOT NULL)")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let totals = Totals::default();

    let head = credit(&store, "account-a", &[100, 250]).await;
    assert!(run_to(&store, &totals, head).await.unwrap());
    assert_eq!(total(&store, "account-a").await, Some(350));
    assert_eq!(store.load_checkpoint("totals").await.unwrap(), Some(head));

    // A restarted runner goes on from the checkpoint: nothing twice.
    let head = credit(&store, "account-a", &[5]).await;
    assert!(run_to(&store, &totals, head).await.unwrap());
    assert_eq!(total(&store, "account-a").await, Some(355));

    // A batch that fails part-way leaves none of its rows: the table holds
    // exactly what the checkpoint says was applied (the runner may apply
    // the events before the failing one on their own), never the 13.
    totals.fail_13.store(true, Ordering::SeqCst);
    let seven = credit(&store, "account-b", &[7]).await;
    let head = credit(&store, "account-b", &[13]).await;
    let failed = run_to(&store, &totals, head).await.unwrap_err();
    assert!(
        failed.to_string().contains("13 cents is unlucky"),
        "{failed}"
    );
    let checkpoint = store.load_checkpoint("totals").await.unwrap().unwrap();
    assert!(checkpoint < head, "the failing event is not checkpointed");
    let expected = (checkpoint >= seven).then_some(7);
    assert_eq!(total(&store, "account-b").await, expected);

    totals.fail_13.store(false, Ordering::SeqCst);
    assert!(run_to(&store, &totals, head).await.unwrap());
    assert_eq!(total(&store, "account-b").await, Some(20));
    assert_eq!(total(&store, "account-a").await, Some(355));
}
