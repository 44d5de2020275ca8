//! Whose transactions a reader waits for: only appends to this store that
//! are still in flight. Transactions elsewhere on the server (another
//! database, another schema, another store, a checkpoint save) never hold
//! this store's readers back, and gap safety holds against adversarial
//! `append_in` writers.

#[cfg(test)]
mod common;

use common::Tick;

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use common::{TestResult, event, id};
use eventcore::{
    EventId, GlobalPosition, RecordedEvent, StoreError,
    projection::{Projection, ProjectionRunner, RunnerConfig},
    store::{AppendBatch, EventFilter, EventStore, ExpectedVersion, StoredEvent},
};
use eventcore_postgres::{
    PostgresStore,
    sqlx::{self, Connection, PgConnection},
};
use rand::Rng;

/// The database that stands for "another database on the same server".
const FOREIGN_DATABASE: &str = "eventcore_foreign";

/// The runner's poll interval in these tests.
const POLL: Duration = Duration::from_millis(500);

fn tick(n: i64) -> eventcore::store::NewEvent {
    event("Tick", &serde_json::json!({ "n": n }))
}

async fn append_tick(
    store: &PostgresStore,
    stream: &str,
    n: i64,
) -> Result<GlobalPosition, StoreError> {
    let written = store
        .append(AppendBatch::single(
            id(stream),
            ExpectedVersion::Any,
            vec![tick(n)],
        ))
        .await?;
    Ok(written.events[0].position)
}

/// A connection to another database of the same server (made on first use;
/// creating it races harmlessly with other test processes).
async fn foreign_database() -> Result<PgConnection, sqlx::Error> {
    let url = common::database_url();
    let mut admin = PgConnection::connect(&url).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(FOREIGN_DATABASE)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        match sqlx::raw_sql(&format!("CREATE DATABASE {FOREIGN_DATABASE}"))
            .execute(&mut admin)
            .await
        {
            Ok(_) => {}
            // Another process created it first.
            Err(sqlx::Error::Database(e))
                if matches!(e.code().as_deref(), Some("42P04" | "23505")) => {}
            Err(e) => return Err(e),
        }
    }
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    PgConnection::connect_with(&options.database(FOREIGN_DATABASE)).await
}

/// Opens a transaction on `conn` that holds a transaction id (and, with
/// `sql`, has written something) and leaves it open.
async fn hold_open(conn: &mut PgConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(&format!("BEGIN; SELECT pg_current_xact_id(); {sql}"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Counts the ticks it applies.
#[derive(Clone, Default)]
struct Counted(Arc<Mutex<u64>>);

impl Projection for Counted {
    type Event = Tick;
    type Error = std::convert::Infallible;

    fn name(&self) -> &'static str {
        "counted"
    }

    async fn apply(&mut self, events: &[RecordedEvent<Tick>]) -> Result<(), Self::Error> {
        if let Ok(mut count) = self.0.lock() {
            *count += events.len() as u64;
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), Self::Error> {
        if let Ok(mut count) = self.0.lock() {
            *count = 0;
        }
        Ok(())
    }
}

/// Another database, another schema of this database, another store in
/// this database with an append in flight, and a checkpoint save of this
/// very store, all held open for 30 s: appends made meanwhile are visible
/// at once, and a projection follows each within a poll interval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_that_never_append_to_this_store_never_hold_its_readers_back() -> TestResult {
    const HELD_FOR: Duration = Duration::from_secs(30);
    let store = common::fresh_store().await?;
    let other_store = common::fresh_store().await?;

    let mut other_database = foreign_database().await?;
    hold_open(&mut other_database, "").await?;

    let side_schema = format!("{}_side", store.schema());
    sqlx::raw_sql(&format!(
        "CREATE SCHEMA {side_schema}; CREATE TABLE {side_schema}.jobs (n bigint)"
    ))
    .execute(store.pool())
    .await?;
    let mut other_schema = PgConnection::connect(&common::database_url()).await?;
    hold_open(
        &mut other_schema,
        &format!("INSERT INTO {side_schema}.jobs VALUES (1)"),
    )
    .await?;

    let mut other_append = other_store.begin().await?;
    other_store
        .append_in(
            &mut other_append,
            AppendBatch::single(id("elsewhere"), ExpectedVersion::Any, vec![tick(0)]),
        )
        .await?;

    let mut checkpoint = store.begin().await?;
    store
        .save_checkpoint_in(
            &mut checkpoint,
            "some-read-model",
            GlobalPosition::START,
            GlobalPosition::new(1),
            None,
        )
        .await?;

    let counted = Counted::default();
    let handle = ProjectionRunner::new(
        store.clone(),
        counted.clone(),
        RunnerConfig::default().poll_interval(POLL),
    )
    .start();

    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < HELD_FOR {
        n += 1;
        let appended_at = Instant::now();
        let position = append_tick(&store, &format!("tick-{}", n % 3), n).await?;

        // Read-your-writes, with all of the above still open.
        let head = store.head_position().await?;
        assert!(
            head >= position,
            "head {head} is behind the append at {position}"
        );
        assert_eq!(store.held_back().await?, None);

        assert!(
            handle
                .wait_for_position(position, Duration::from_secs(1))
                .await,
            "the projection did not reach {position} within 1 s: {:?}",
            handle.health()
        );
        // Its lag returns to zero within one poll interval of the append.
        loop {
            let health = handle.health();
            if health.lag == 0 && health.head >= position {
                break;
            }
            assert!(
                appended_at.elapsed() <= POLL,
                "lag still {} after a poll interval: {health:?}",
                health.lag
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(n >= 20, "only {n} appends in {HELD_FOR:?}");
    let count = counted.0.lock().map(|c| *c).unwrap_or_default();
    assert_eq!(count, u64::try_from(n)?, "every tick applied once");
    assert_eq!(handle.health().held_back, None);
    handle.shutdown().await?;

    // Everything held open was open the whole time.
    for conn in [&mut other_database, &mut other_schema] {
        let open: bool = sqlx::query_scalar("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
        assert!(open, "a held transaction ended early");
        sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await?;
    }
    other_append.rollback().await?;
    checkpoint.rollback().await?;
    sqlx::raw_sql(&format!("DROP SCHEMA {side_schema} CASCADE"))
        .execute(store.pool())
        .await?;
    common::drop_schema(&other_store).await;
    common::drop_schema(&store).await;
    Ok(())
}

/// What the writers did, for the reader's account to be checked against.
#[derive(Default)]
struct Ledger {
    committed: HashSet<EventId>,
    rolled_back: HashSet<EventId>,
}

/// One `append_in` writer: each round writes another table first (so its
/// transaction has an id before it appends), appends once or twice with
/// pauses, sleeps 0–200 ms, then commits or rolls back.
async fn slow_writer(
    store: PostgresStore,
    writer: usize,
    rounds: usize,
    ledger: Arc<Mutex<Ledger>>,
) -> TestResult {
    let side = format!("\"{}\".side_effects", store.schema());
    for round in 0..rounds {
        let (pause, appends, sleep, commit) = {
            let mut rng = rand::rng();
            (
                rng.random_range(0..20),
                rng.random_range(1..=2),
                rng.random_range(0..=200),
                rng.random_bool(0.6),
            )
        };
        let mut tx = store.begin().await?;
        sqlx::query(&format!("INSERT INTO {side} VALUES ($1)"))
            .bind(i64::try_from(round)?)
            .execute(&mut *tx)
            .await?;
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let mut ids = Vec::new();
        for part in 0..appends {
            let written = store
                .append_in(
                    &mut tx,
                    AppendBatch::single(
                        id(&format!("slow-{writer}-{round}-{part}")),
                        ExpectedVersion::NO_STREAM,
                        vec![tick(0), tick(1)],
                    ),
                )
                .await?;
            ids.extend(written.events.iter().map(|e| e.event_id));
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        tokio::time::sleep(Duration::from_millis(sleep)).await;
        if commit {
            tx.commit().await?;
            if let Ok(mut ledger) = ledger.lock() {
                ledger.committed.extend(ids);
            }
        } else {
            tx.rollback().await?;
            if let Ok(mut ledger) = ledger.lock() {
                ledger.rolled_back.extend(ids);
            }
        }
    }
    Ok(())
}

/// A writer that appends as fast as it can until told to stop.
async fn fast_writer(
    store: PostgresStore,
    writer: usize,
    stop: Arc<AtomicBool>,
    ledger: Arc<Mutex<Ledger>>,
) -> TestResult {
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let written = store
            .append(AppendBatch::single(
                id(&format!("fast-{writer}")),
                ExpectedVersion::Any,
                vec![tick(n)],
            ))
            .await?;
        if let Ok(mut ledger) = ledger.lock() {
            ledger
                .committed
                .extend(written.events.iter().map(|e| e.event_id));
        }
    }
    Ok(())
}

/// Pages `read_all` three events at a time until `stop` is set and nothing
/// is left.
async fn page_reader(
    store: PostgresStore,
    stop: Arc<AtomicBool>,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut seen = Vec::new();
    let mut after = GlobalPosition::START;
    loop {
        let done = stop.load(Ordering::SeqCst);
        let page = store.read_all(after, &EventFilter::all(), 3).await?;
        if let Some(last) = page.last() {
            after = last.position();
        }
        let empty = page.is_empty();
        seen.extend(page);
        if done && empty {
            return Ok(seen);
        }
        if empty {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// Eight writers hold `append_in` transactions open for random times (some
/// appending twice, some rolling back) beside two fast writers, while a
/// reader pages through `read_all`: it sees every committed event exactly
/// once, in position order, and no rolled-back one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_paging_reader_sees_every_committed_event_once_in_order_under_slow_append_in_writers()
-> TestResult {
    let store = common::fresh_store().await?;
    sqlx::raw_sql(&format!(
        "CREATE TABLE \"{}\".side_effects (n bigint)",
        store.schema()
    ))
    .execute(store.pool())
    .await?;
    let writers_store = common::other_process(store.schema()).await;
    let reader_store = common::other_process(store.schema()).await;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop_fast = Arc::new(AtomicBool::new(false));
    let stop_reader = Arc::new(AtomicBool::new(false));

    let reader = tokio::spawn(page_reader(reader_store, Arc::clone(&stop_reader)));
    let fast: Vec<_> = (0..2)
        .map(|w| {
            tokio::spawn(fast_writer(
                store.clone(),
                w,
                Arc::clone(&stop_fast),
                Arc::clone(&ledger),
            ))
        })
        .collect();
    let slow: Vec<_> = (0..8)
        .map(|w| {
            tokio::spawn(slow_writer(
                writers_store.clone(),
                w,
                12,
                Arc::clone(&ledger),
            ))
        })
        .collect();
    for writer in slow {
        writer.await??;
    }
    stop_fast.store(true, Ordering::SeqCst);
    for writer in fast {
        writer.await??;
    }
    stop_reader.store(true, Ordering::SeqCst);
    let seen = tokio::time::timeout(Duration::from_secs(30), reader).await???;

    let (committed, rolled_back) = {
        let ledger = ledger.lock().map_err(|e| e.to_string())?;
        (ledger.committed.clone(), ledger.rolled_back.clone())
    };
    assert!(!rolled_back.is_empty() && committed.len() > 100);
    assert!(
        seen.windows(2).all(|w| w[0].position() < w[1].position()),
        "the reader saw events out of position order"
    );
    let ids: Vec<EventId> = seen.iter().map(|e| e.metadata().event_id()).collect();
    let unique: HashSet<EventId> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "an event was seen twice");
    assert!(
        unique.is_disjoint(&rolled_back),
        "the reader saw a rolled-back event"
    );
    let missed: Vec<_> = committed.difference(&unique).collect();
    assert!(
        missed.is_empty(),
        "the reader skipped {} committed events",
        missed.len()
    );
    assert_eq!(unique.len(), committed.len());
    common::drop_schema(&store).await;
    Ok(())
}

/// An `append_in` transaction of this store left open holds readers back
/// at its position (and only there), and the store and a projection's
/// health name it and say how long it has been open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_append_in_holds_readers_back_and_health_names_it() -> TestResult {
    let store = common::fresh_store().await?;
    let before = append_tick(&store, "before", 1).await?;

    let mut open = store.begin().await?;
    let held = store
        .append_in(
            &mut open,
            AppendBatch::single(id("held"), ExpectedVersion::NO_STREAM, vec![tick(2)]),
        )
        .await?
        .events[0]
        .position;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *open)
        .await?;
    let after = append_tick(&store, "after", 3).await?;
    assert!(before < held && held < after);

    // Readers stop just before the open append...
    assert_eq!(store.head_position().await?, before);
    let read = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 10)
        .await?;
    assert_eq!(
        read.iter().map(StoredEvent::position).collect::<Vec<_>>(),
        vec![before]
    );
    // ...and the store says who holds them.
    let stall = store
        .held_back()
        .await?
        .ok_or("nothing reported as held back")?;
    assert_eq!(stall.from, held);
    assert!(
        stall.holder.contains(&format!("backend pid {pid}")),
        "{stall}"
    );
    assert!(stall.started_at.is_some(), "{stall}");

    // So does a projection that waits at the head.
    let handle = ProjectionRunner::new(
        store.clone(),
        Counted::default(),
        RunnerConfig::default().poll_interval(Duration::from_millis(100)),
    )
    .start();
    let deadline = Instant::now() + Duration::from_secs(5);
    let reported = loop {
        if let Some(reported) = handle.health().held_back {
            break reported;
        }
        assert!(Instant::now() < deadline, "{:?}", handle.health());
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(reported.from, held);
    assert!(
        reported
            .held_for()
            .is_some_and(|open| open < Duration::from_mins(1))
    );
    assert_eq!(handle.health().position, before);

    // Once it commits, everything is readable and nothing is held back.
    open.commit().await?;
    assert!(
        handle
            .wait_for_position(after, Duration::from_secs(5))
            .await
    );
    assert_eq!(store.head_position().await?, after);
    assert_eq!(store.held_back().await?, None);
    let deadline = Instant::now() + Duration::from_secs(5);
    while handle.health().held_back.is_some() {
        assert!(Instant::now() < deadline, "{:?}", handle.health());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    handle.shutdown().await?;
    common::drop_schema(&store).await;
    Ok(())
}

/// An append that rolls back leaves nothing behind that holds readers back.
#[tokio::test]
async fn a_rolled_back_append_in_releases_readers_at_once() -> TestResult {
    let store = common::fresh_store().await?;
    let mut open = store.begin().await?;
    store
        .append_in(
            &mut open,
            AppendBatch::single(id("gone"), ExpectedVersion::NO_STREAM, vec![tick(1)]),
        )
        .await?;
    let after = append_tick(&store, "kept", 2).await?;
    assert_eq!(store.head_position().await?, GlobalPosition::START);
    open.rollback().await?;
    assert_eq!(store.head_position().await?, after);
    let read = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 10)
        .await?;
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].stream_id(), &id("kept"));
    common::drop_schema(&store).await;
    Ok(())
}

/// Positions from epochs start above every position the first version
/// (`transaction id << 20 | n`) gave or could give for a long time, so
/// upgraded stores keep their order and a reader of the first version still
/// running during an upgrade waits instead of skipping.
#[tokio::test]
async fn epoch_positions_sort_after_every_transaction_id_position() -> TestResult {
    // Taken before the store is migrated: other sessions move the cluster's
    // transaction counter on meanwhile, but never back.
    let mut conn = PgConnection::connect(&common::database_url()).await?;
    let xid: i64 = sqlx::query_scalar("SELECT pg_current_xact_id()::text::bigint")
        .fetch_one(&mut conn)
        .await?;
    let store = common::fresh_store().await?;
    let first = append_tick(&store, "first", 1).await?;
    let second = append_tick(&store, "second", 2).await?;
    assert!(
        first.value() >> 20 > u64::try_from(xid)? + (1 << 31),
        "{first} vs xid {xid}"
    );
    assert!(second > first);
    // One epoch per append, 2^20 positions each.
    assert_eq!((second.value() >> 20) - (first.value() >> 20), 1);
    assert_eq!(first.value() & ((1 << 20) - 1), 0);
    common::drop_schema(&store).await;
    Ok(())
}
