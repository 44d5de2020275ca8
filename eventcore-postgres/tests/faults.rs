//! Faults a real deployment meets: replies that arrive late or never, and
//! tasks cancelled at any await point. Every connection of the store under
//! test goes through a fault proxy; the invariants are checked through a
//! direct connection.
//!
//! - An append that returned `Ok` is visible to a fresh connection, even
//!   when the pooled connection was left inside a transaction by a
//!   cancelled `BEGIN`.
//! - An exactly-once projection never applies a batch twice, even when the
//!   server commits and the reply is lost, or the runner is killed at any
//!   point.

#![cfg(test)]

mod common;

use common::Tick;

use common::TestResult;

use std::{
    collections::{BTreeSet, HashSet},
    time::Duration,
};

use eventcore::{
    EventId, EventMetadata, GlobalPosition, RecordedEvent, SerializedEvent, StoreError, StreamId,
    conformance::faults::{FaultProxy, cancel_at_poll},
    projection::{ProjectionHandle, ProjectionRunner, RunnerConfig, StoreRetryPolicy},
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_postgres::{PostgresProjection, PostgresStore, Transactional, sqlx};
use rand::{Rng, SeedableRng, rngs::StdRng};

const WAIT: Duration = Duration::from_secs(30);

/// One new event for `stream`, appended at whatever version it has.
fn any_version_batch(stream: &StreamId, n: u64) -> (AppendBatch, EventId) {
    let metadata = EventMetadata::new();
    let id = metadata.event_id();
    let payload = serde_json::json!({ "n": n }).to_string();
    let event = NewEvent::new(SerializedEvent::new("Tick", payload), metadata);
    (
        AppendBatch::single(stream.clone(), ExpectedVersion::Any, vec![event]),
        id,
    )
}

/// Every event id committed to the store, read by plain SQL through
/// `direct` (not the proxy, and not bounded by `read_all`'s gap safety).
async fn stored_ids(direct: &PostgresStore) -> Result<HashSet<EventId>, sqlx::Error> {
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(&format!(
        "SELECT event_id FROM \"{}\".events",
        direct.schema()
    ))
    .fetch_all(direct.pool())
    .await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| EventId::try_from_uuid(id).ok())
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_on_a_connection_left_inside_a_transaction_is_refused_not_acknowledged()
-> TestResult {
    let direct = common::fresh_store().await?;
    let proxy = FaultProxy::start(common::upstream()).await?;
    // One connection, so the next append gets the one the cancelled task used.
    let store = common::store_via(proxy.local_addr(), direct.schema(), 1).await;
    let stream = common::id("acked");

    // sqlx 0.8/0.9.0 raise the transaction depth only after BEGIN's reply:
    // a begin cancelled while that reply is late leaves the connection
    // inside a transaction and hands it back to the pool.
    proxy.delay_reply_after(b"BEGIN", Duration::from_millis(300), 1);
    let cancelled = tokio::time::timeout(Duration::from_millis(50), store.pool().begin()).await;
    assert!(cancelled.is_err(), "begin should have been cancelled");

    // Before the fix this returned Ok and the event vanished with the
    // connection.
    let (batch, lost) = any_version_batch(&stream, 1);
    let refused = store.append(batch).await;
    assert!(
        matches!(refused, Err(StoreError::StrayTransaction { .. })),
        "{refused:?}"
    );
    assert!(refused.is_err_and(|e| e.is_transient()));

    // The poisoned connection was closed: the next append commits.
    let (batch, acked) = any_version_batch(&stream, 2);
    store.append(batch).await?;
    let ids = stored_ids(&direct).await?;
    assert!(ids.contains(&acked), "acknowledged append not visible");
    assert!(!ids.contains(&lost));
    common::drop_schema(&direct).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_operations_never_leave_an_acknowledged_append_invisible() -> TestResult {
    let direct = common::fresh_store().await?;
    let proxy = FaultProxy::start(common::upstream()).await?;
    // One connection: whatever a cancelled task leaves on it, the next
    // operation meets.
    let store = common::store_via(proxy.local_addr(), direct.schema(), 1).await;
    let stream = common::id("cancelled");
    let mut rng = StdRng::seed_from_u64(0x00C0_FFEE);
    let mut acked = Vec::new();
    let mut refused = 0;
    for round in 0..60_u64 {
        proxy.delay_all_replies(Duration::from_micros(rng.random_range(0..2_000)));
        let polls = rng.random_range(1..12);
        match round % 5 {
            // The store's own cancel-safe transaction, cut at a random await.
            0 => {
                let (batch, id) = any_version_batch(&stream, round);
                let work = async {
                    let mut tx = store.begin().await?;
                    store.append_in(&mut tx, batch).await?;
                    tx.commit().await
                };
                if let Some(Ok(())) = cancel_at_poll(work, polls).await {
                    acked.push(id);
                }
            }
            // sqlx's own begin, cancelled while BEGIN is in flight: the
            // connection goes back to the pool inside a transaction.
            1 => {
                proxy.delay_reply_after(b"BEGIN", Duration::from_millis(60), 1);
                let _ = tokio::time::timeout(Duration::from_millis(20), store.pool().begin()).await;
            }
            // A migration dropped half-way.
            2 => {
                let _ = cancel_at_poll(store.migrate(), polls).await;
            }
            // A pooled append dropped half-way: its outcome is unknown, so
            // it is never counted as acknowledged.
            3 => {
                let (batch, _) = any_version_batch(&stream, round);
                let _ = cancel_at_poll(store.append(batch), polls).await;
            }
            // A read dropped half-way.
            _ => {
                let _ =
                    cancel_at_poll(store.read_streams(std::slice::from_ref(&stream)), polls).await;
            }
        }
        // Whatever was cancelled, a pooled append either commits or fails.
        let (batch, id) = any_version_batch(&stream, 1_000 + round);
        match store.append(batch).await {
            Ok(_) => acked.push(id),
            Err(StoreError::StrayTransaction { .. }) => refused += 1,
            Err(other) => return Err(other.into()),
        }
    }
    proxy.clear();
    let ids = stored_ids(&direct).await?;
    let missing: Vec<_> = acked.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged appends are missing",
        missing.len(),
        acked.len()
    );
    assert!(
        acked.len() >= 40,
        "only {} appends were acknowledged",
        acked.len()
    );
    assert!(
        refused > 0,
        "no stray transaction was ever produced: the test proves nothing"
    );
    common::drop_schema(&direct).await;
    Ok(())
}

/// Inserts one row per applied event: duplicates show up as repeated ids.
struct AppliedLog {
    table: String,
}

impl AppliedLog {
    async fn create(store: &PostgresStore) -> Result<Self, sqlx::Error> {
        let table = format!("\"{}\".applied", store.schema());
        sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (event_id uuid NOT NULL)"
        ))
        .execute(store.pool())
        .await?;
        Ok(Self { table })
    }

    /// An exactly-once runner of this log on `store`.
    fn start_runner(&self, store: &PostgresStore) -> ProjectionHandle {
        let projection = Transactional::new(
            store.clone(),
            Self {
                table: self.table.clone(),
            },
        );
        ProjectionRunner::with_checkpointed(store.clone(), projection, runner_config()).start()
    }

    /// (rows, distinct event ids)
    async fn counts(&self, direct: &PostgresStore) -> Result<(i64, i64), sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT count(*), count(DISTINCT event_id) FROM {}",
            self.table
        ))
        .fetch_one(direct.pool())
        .await
    }
}

impl PostgresProjection for AppliedLog {
    type Event = Tick;
    type Error = sqlx::Error;

    fn name(&self) -> &'static str {
        "applied"
    }

    async fn apply(
        &mut self,
        tx: &mut sqlx::PgConnection,
        events: &[RecordedEvent<Tick>],
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<uuid::Uuid> = events
            .iter()
            .map(|e| *e.metadata().event_id().as_uuid())
            .collect();
        sqlx::query(&format!(
            "INSERT INTO {} (event_id) SELECT unnest($1::uuid[])",
            self.table
        ))
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    async fn reset(&mut self, tx: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
        sqlx::query(&format!("DELETE FROM {}", self.table))
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}

fn runner_config() -> RunnerConfig {
    RunnerConfig::default()
        .batch_size(3)
        .lease_ttl(Duration::from_millis(400))
        .poll_interval(Duration::from_millis(50))
        .store_retry(
            StoreRetryPolicy::default()
                .backoff(Duration::from_millis(5), Duration::from_millis(50)),
        )
}

async fn append_ticks(
    store: &PostgresStore,
    stream: &StreamId,
    range: std::ops::Range<u64>,
) -> Result<(Vec<EventId>, GlobalPosition), StoreError> {
    let mut ids = Vec::new();
    let mut last = GlobalPosition::START;
    for n in range {
        let (batch, id) = any_version_batch(stream, n);
        last = store.append(batch).await?.events[0].position;
        ids.push(id);
    }
    Ok((ids, last))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_commit_reply_never_applies_a_batch_twice() -> TestResult {
    let direct = common::fresh_store().await?;
    let log = AppliedLog::create(&direct).await?;
    let (_, last) = append_ticks(&direct, &common::id("ticks"), 0..30).await?;

    let proxy = FaultProxy::start(common::upstream()).await?;
    let store = common::store_via(proxy.local_addr(), direct.schema(), 2).await;
    // The server commits these batches, the runner never hears so.
    proxy.cut_reply_after(b"COMMIT", 5);
    let handle = log.start_runner(&store);
    assert!(
        handle.wait_for_position(last, WAIT).await,
        "{:?}",
        handle.health()
    );
    handle.shutdown().await?;
    assert_eq!(proxy.stats().cut, 5, "every armed reply was cut");
    // Before the fix, each replayed batch was counted again.
    assert_eq!(log.counts(&direct).await?, (30, 30));
    common::drop_schema(&direct).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_looping_transactional_projection_counts_every_event_once() -> TestResult {
    let direct = common::fresh_store().await?;
    let log = AppliedLog::create(&direct).await?;
    let proxy = FaultProxy::start(common::upstream()).await?;
    // A small shared pool: a connection a killed runner left inside a
    // transaction would be handed to the writer next.
    let store = common::store_via(proxy.local_addr(), direct.schema(), 2).await;
    let stream = common::id("crash-loop");
    let mut rng = StdRng::seed_from_u64(20);
    let mut acked = BTreeSet::new();
    let mut n = 0;
    for run in 0..20 {
        // Late BEGIN replies widen the window the old code lost appends in;
        // a cut COMMIT reply now and then replays a committed batch.
        proxy.delay_reply_after(b"BEGIN", Duration::from_millis(rng.random_range(5..60)), 2);
        if run % 4 == 0 {
            proxy.cut_reply_after(b"COMMIT", 1);
        }
        let handle = log.start_runner(&store);
        for _ in 0..8 {
            let (batch, id) = any_version_batch(&stream, n);
            n += 1;
            match store.append(batch).await {
                Ok(_) => {
                    acked.insert(id);
                }
                Err(e) if e.is_transient() => {}
                Err(e) => return Err(e.into()),
            }
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..80))).await;
        // A crash: no checkpoint saved, no lease released, mid-batch maybe.
        handle.abort();
    }
    proxy.clear();
    // The lease of the last killed runner lapses; a fresh runner finishes.
    let head = direct.head_position().await?;
    let handle = log.start_runner(&store);
    assert!(
        handle.wait_for_position(head, WAIT).await,
        "{:?}",
        handle.health()
    );
    handle.shutdown().await?;

    let ids = stored_ids(&direct).await?;
    let lost = acked.iter().filter(|id| !ids.contains(id)).count();
    assert_eq!(lost, 0, "acknowledged appends lost");
    let stored = i64::try_from(ids.len())?;
    assert_eq!(
        log.counts(&direct).await?,
        (stored, stored),
        "every stored event counted exactly once"
    );
    assert!(
        acked.len() >= 100,
        "only {} appends acknowledged",
        acked.len()
    );
    common::drop_schema(&direct).await;
    Ok(())
}
