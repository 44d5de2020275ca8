//! PostgreSQL-specific behaviour: configuration failures, migrations,
//! immutability, atomicity, cross-process concurrency, leases, timeouts,
//! decoding failures and LISTEN/NOTIFY.

#[cfg(test)]
mod common;

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use common::{TestResult, count, event, id};
use eventcore::{
    EventMetadata, GlobalPosition, SerializedEvent, StoreError, StreamId, StreamVersion,
    store::{
        AppendBatch, CheckpointStore, EventFilter, EventStore, ExpectedVersion, LeaseStore,
        NewEvent, StreamWrite,
    },
};
use eventcore_postgres::{PostgresConfig, PostgresStore, SchemaName, sqlx};

#[tokio::test]
async fn unreachable_database_fails_fast_with_unavailable() {
    let started = Instant::now();
    let result = PostgresConfig::from_url("postgres://postgres@127.0.0.1:1/postgres")
        .acquire_timeout(Duration::from_millis(500))
        .connect()
        .await;
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(StoreError::Unavailable { .. })),
        "expected Unavailable, got {result:?}"
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
}

#[tokio::test]
async fn lazily_built_store_reports_unavailable_on_first_operation() {
    let store = PostgresConfig::from_url("postgres://postgres@127.0.0.1:1/postgres")
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy()
        .expect("URL parses");
    let started = Instant::now();
    let err = store
        .read_streams(&[id("a")])
        .await
        .expect_err("no database");
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("read_streams"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn malformed_url_is_a_validation_error_that_hides_the_url() {
    let err = PostgresConfig::from_url("postgres://user:secret@host:notaport/db")
        .connect_lazy()
        .expect_err("not a postgres URL");
    assert!(matches!(err, StoreError::Validation(_)), "{err:?}");
    assert!(!err.to_string().contains("secret"), "{err}");
}

#[tokio::test]
async fn migrations_are_idempotent_and_safe_concurrently() -> TestResult {
    let schema = common::fresh_schema();
    let stores: Vec<PostgresStore> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(common::other_process(&schema).await);
        }
        v
    };
    let runs = stores.iter().map(PostgresStore::migrate);
    for result in futures_join_all(runs).await {
        result?;
    }
    stores[0].migrate().await?;
    stores[0].migrate().await?;
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))?
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|ext| ext == "sql"))
        })
        .count();
    assert_eq!(
        count(&stores[0], "SELECT count(*) FROM S.eventcore_migrations").await,
        i64::try_from(shipped)?,
        "each migration recorded once"
    );
    // And the schema works.
    stores[1]
        .append(AppendBatch::single(
            id("m"),
            ExpectedVersion::NO_STREAM,
            vec![event("E", &serde_json::json!({}))],
        ))
        .await?;
    common::drop_schema(&stores[0]).await;
    Ok(())
}

/// Runs futures concurrently without pulling in futures-util.
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: Future,
{
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out = Vec::with_capacity(set.len());
    // Poll all together by racing them through a local join.
    let mut pending: Vec<_> = set.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => {
                        *result = Some(value);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.extend(results.into_iter().flatten());
    out
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_events() -> TestResult {
    let store = common::fresh_store().await?;
    store
        .append(AppendBatch::single(
            id("fixed"),
            ExpectedVersion::NO_STREAM,
            vec![event("E", &serde_json::json!({"n": 1}))],
        ))
        .await?;
    let s = store.schema().to_string();
    for sql in [
        format!("UPDATE \"{s}\".events SET event_type = 'X'"),
        format!("DELETE FROM \"{s}\".events"),
        format!("TRUNCATE \"{s}\".events"),
    ] {
        let err = sqlx::raw_sql(&sql)
            .execute(store.pool())
            .await
            .expect_err(&sql);
        let db = err.as_database_error().expect("database error");
        assert_eq!(db.code().as_deref(), Some("EC001"), "{sql}: {db}");
        assert!(db.message().contains("immutable"), "{}", db.message());
    }
    assert_eq!(count(&store, "SELECT count(*) FROM S.events").await, 1);
    common::drop_schema(&store).await;
    Ok(())
}

#[tokio::test]
async fn conflict_in_a_multi_stream_append_writes_nothing_anywhere() -> TestResult {
    let store = common::fresh_store().await?;
    let (a, b, c) = (id("acct-a"), id("acct-b"), id("acct-c"));
    store
        .append(AppendBatch::single(
            a.clone(),
            ExpectedVersion::NO_STREAM,
            vec![event("Opened", &serde_json::json!({}))],
        ))
        .await?;
    let batch = AppendBatch::try_new(vec![
        StreamWrite::new(
            b.clone(),
            ExpectedVersion::NO_STREAM,
            vec![event("Opened", &serde_json::json!({}))],
        ),
        StreamWrite::new(
            c.clone(),
            ExpectedVersion::NO_STREAM,
            vec![event("Opened", &serde_json::json!({}))],
        ),
        // Read-only participant with a stale version: the whole batch fails.
        StreamWrite::check_only(a.clone(), StreamVersion::INITIAL),
    ])?;
    let err = store.append(batch).await.expect_err("a moved");
    match err {
        StoreError::VersionConflict {
            stream,
            expected,
            actual,
        } => {
            assert_eq!(stream, a);
            assert_eq!(expected, StreamVersion::INITIAL);
            assert_eq!(actual, StreamVersion::new(1));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.stream_version(&b).await?, StreamVersion::INITIAL);
    assert_eq!(store.stream_version(&c).await?, StreamVersion::INITIAL);
    assert_eq!(count(&store, "SELECT count(*) FROM S.events").await, 1);
    common::drop_schema(&store).await;
    Ok(())
}

/// Transfers between accounts from three pools ("processes") at once, with
/// every command reading both accounts and retrying on conflict. Afterwards
/// streams are dense, money is conserved, and every success is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commands_from_several_pools_keep_invariants() -> TestResult {
    let first = common::fresh_store().await?;
    let schema = first.schema().clone();
    let mut stores = vec![first.clone()];
    for _ in 0..2 {
        stores.push(common::other_process(&schema).await);
    }
    let accounts: Vec<StreamId> = (0..4).map(|i| id(&format!("account-{i}"))).collect();
    let mut tasks = Vec::new();
    for (worker, store) in (0..6).zip(stores.iter().cycle()) {
        let store = store.clone();
        let accounts = accounts.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0_u32;
            let mut conflicts = 0_u32;
            for round in 0..15 {
                let from = &accounts[(worker + round) % accounts.len()];
                let to = &accounts[(worker + round + 1) % accounts.len()];
                loop {
                    let read = store.read_streams(&[from.clone(), to.clone()]).await?;
                    let batch = AppendBatch::try_new(vec![
                        StreamWrite::new(
                            from.clone(),
                            read.version_of(from),
                            vec![event("Withdrawn", &serde_json::json!({"amount": 1}))],
                        ),
                        StreamWrite::new(
                            to.clone(),
                            read.version_of(to),
                            vec![event("Deposited", &serde_json::json!({"amount": 1}))],
                        ),
                    ])?;
                    match store.append(batch).await {
                        Ok(_) => break,
                        Err(e) if e.is_version_conflict() => conflicts += 1,
                        Err(e) => return Err(e),
                    }
                }
                done += 1;
            }
            Ok::<_, StoreError>((done, conflicts))
        }));
    }
    let mut commands = 0;
    for task in tasks {
        let (done, _conflicts) = task.await??;
        commands += done;
    }
    let read = first.read_streams(&accounts).await?;
    let mut balance: HashMap<&str, i64> = HashMap::new();
    let mut total_events = 0;
    for stream in read.streams() {
        for (i, e) in stream.events().iter().enumerate() {
            assert_eq!(
                e.version().value(),
                i as u64 + 1,
                "dense versions in {}",
                stream.stream_id()
            );
            let delta = if e.event_type() == "Deposited" { 1 } else { -1 };
            *balance.entry(stream.stream_id().as_str()).or_default() += delta;
        }
        assert_eq!(stream.version().value(), stream.events().len() as u64);
        total_events += stream.events().len();
    }
    assert_eq!(balance.values().sum::<i64>(), 0, "money is conserved");
    assert_eq!(total_events, commands as usize * 2);
    let all = first
        .read_all(GlobalPosition::START, &EventFilter::all(), 10_000)
        .await?;
    assert_eq!(all.len(), total_events);
    assert!(all.windows(2).all(|w| w[0].position() < w[1].position()));
    common::drop_schema(&first).await;
    Ok(())
}

#[tokio::test]
async fn leases_are_exclusive_across_processes_and_fence_checkpoints() -> TestResult {
    let one = common::fresh_store().await?;
    let two = common::other_process(one.schema()).await;
    let ttl = Duration::from_millis(300);
    let lease = one
        .try_acquire_lease("proj", "runner-1", ttl)
        .await?
        .expect("free lease");
    assert!(
        two.try_acquire_lease("proj", "runner-2", ttl)
            .await?
            .is_none()
    );
    one.save_checkpoint(
        "proj",
        GlobalPosition::START,
        GlobalPosition::new(5),
        Some(&lease),
    )
    .await?;

    // runner-1 "crashes": its lease lapses and runner-2 takes over.
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    let taken = two
        .try_acquire_lease("proj", "runner-2", ttl)
        .await?
        .expect("expired lease");
    assert_eq!(taken.token(), lease.token() + 1);

    let refused = one
        .save_checkpoint(
            "proj",
            GlobalPosition::new(5),
            GlobalPosition::new(9),
            Some(&lease),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::LeaseLost { .. })),
        "{refused:?}"
    );
    assert!(matches!(
        one.renew_lease(&lease, ttl).await,
        Err(StoreError::LeaseLost { .. })
    ));
    two.save_checkpoint(
        "proj",
        GlobalPosition::new(5),
        GlobalPosition::new(7),
        Some(&taken),
    )
    .await?;
    assert_eq!(
        one.load_checkpoint("proj").await?,
        Some(GlobalPosition::new(7))
    );

    // Releasing frees it at once but keeps the token counter.
    two.release_lease(&taken).await?;
    let again = one
        .try_acquire_lease("proj", "runner-1", ttl)
        .await?
        .expect("released");
    assert_eq!(again.token(), taken.token() + 1);
    common::drop_schema(&one).await;
    Ok(())
}

#[tokio::test]
async fn append_and_checkpoint_in_a_rolled_back_transaction_leave_no_trace() -> TestResult {
    let store = common::fresh_store().await?;
    let mut tx = store.begin().await?;
    let written = store
        .append_in(
            &mut tx,
            AppendBatch::single(
                id("tx"),
                ExpectedVersion::NO_STREAM,
                vec![event("E", &serde_json::json!({}))],
            ),
        )
        .await?;
    assert_eq!(written.events.len(), 1);
    store
        .save_checkpoint_in(
            &mut tx,
            "p",
            GlobalPosition::START,
            written.events[0].position,
            None,
        )
        .await?;
    tx.rollback().await?;
    assert_eq!(
        store.stream_version(&id("tx")).await?,
        StreamVersion::INITIAL
    );
    assert_eq!(store.load_checkpoint("p").await?, None);

    // Committed, both become visible together; two appends in one
    // transaction get distinct, increasing positions.
    let mut tx = store.begin().await?;
    let one = store
        .append_in(
            &mut tx,
            AppendBatch::single(
                id("tx"),
                ExpectedVersion::NO_STREAM,
                vec![event("E", &serde_json::json!({}))],
            ),
        )
        .await?;
    let two = store
        .append_in(
            &mut tx,
            AppendBatch::single(
                id("tx"),
                StreamVersion::new(1),
                vec![event("E", &serde_json::json!({}))],
            ),
        )
        .await?;
    assert!(one.events[0].position < two.events[0].position);
    store
        .save_checkpoint_in(
            &mut tx,
            "p",
            GlobalPosition::START,
            two.events[0].position,
            None,
        )
        .await?;
    tx.commit().await?;
    assert_eq!(
        store.stream_version(&id("tx")).await?,
        StreamVersion::new(2)
    );
    assert_eq!(
        store.load_checkpoint("p").await?,
        Some(two.events[0].position)
    );
    common::drop_schema(&store).await;
    Ok(())
}

#[tokio::test]
async fn statement_timeout_becomes_a_typed_timeout() -> TestResult {
    let store = common::fresh_store().await?;
    let slow = common::config(store.schema())
        .statement_timeout(Duration::from_millis(200))
        .connect()
        .await?;
    store
        .append(AppendBatch::single(
            id("locked"),
            ExpectedVersion::NO_STREAM,
            vec![event("E", &serde_json::json!({}))],
        ))
        .await?;
    // Another session holds the stream's row, so the append must wait.
    let mut blocker = store.pool().begin().await?;
    sqlx::query(&format!(
        "SELECT 1 FROM \"{}\".streams WHERE stream_id = 'locked' FOR UPDATE",
        store.schema()
    ))
    .execute(&mut *blocker)
    .await?;
    let started = Instant::now();
    let err = slow
        .append(AppendBatch::single(
            id("locked"),
            StreamVersion::new(1),
            vec![event("E", &serde_json::json!({}))],
        ))
        .await
        .expect_err("blocked");
    assert!(
        matches!(
            err,
            StoreError::Timeout {
                operation: "append",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    blocker.rollback().await?;
    common::drop_schema(&store).await;
    Ok(())
}

#[tokio::test]
async fn payload_postgres_cannot_store_is_a_validation_error_naming_the_event() -> TestResult {
    let store = common::fresh_store().await?;
    let bad = NewEvent::new(SerializedEvent::new("E", "{not json"), EventMetadata::new());
    let err = store
        .append(AppendBatch::single(
            id("payloads"),
            ExpectedVersion::NO_STREAM,
            vec![event("E", &serde_json::json!({})), bad],
        ))
        .await
        .expect_err("invalid JSON");
    assert!(matches!(err, StoreError::Validation(_)), "{err:?}");
    assert!(err.to_string().contains("event 2 of payloads"), "{err}");
    assert_eq!(
        store.stream_version(&id("payloads")).await?,
        StreamVersion::INITIAL
    );
    common::drop_schema(&store).await;
    Ok(())
}

#[tokio::test]
async fn schema_names_isolate_applications_in_one_database() -> TestResult {
    let one = common::fresh_store().await?;
    let two = common::fresh_store().await?;
    one.append(AppendBatch::single(
        id("shared-name"),
        ExpectedVersion::NO_STREAM,
        vec![event("E", &serde_json::json!({}))],
    ))
    .await?;
    assert_eq!(
        two.stream_version(&id("shared-name")).await?,
        StreamVersion::INITIAL
    );
    assert!(
        two.read_all(GlobalPosition::START, &EventFilter::all(), 10)
            .await?
            .is_empty()
    );
    common::drop_schema(&one).await;
    common::drop_schema(&two).await;
    Ok(())
}

#[tokio::test]
async fn the_longest_schema_name_migrates_appends_and_notifies() -> TestResult {
    // The notification channel is derived from the schema name; with the old
    // `eventcore_appended_` prefix, names of 45 to 48 characters migrated and
    // then failed every append ("channel name too long").
    let name = format!("ec_test_{}_{}", std::process::id(), "x".repeat(48));
    let schema = SchemaName::try_new(&name[..SchemaName::MAX_LEN])?;
    let store = common::config(&schema).connect().await?;
    store.migrate().await?;
    let mut notifications = store.subscribe();
    let written = store
        .append(AppendBatch::single(
            id("long-schema"),
            ExpectedVersion::NO_STREAM,
            vec![event("E", &serde_json::json!({}))],
        ))
        .await?;
    let position = written.events[0].position;
    let woke = notifications
        .wait_beyond(GlobalPosition::START, Duration::from_secs(5))
        .await;
    assert!(
        woke.is_some_and(|p| p >= position),
        "{woke:?} vs {position}"
    );
    assert!(SchemaName::try_new("x".repeat(SchemaName::MAX_LEN + 1)).is_err());
    common::drop_schema(&store).await;
    Ok(())
}

#[tokio::test]
async fn a_refused_connection_is_reported_at_once_with_its_reason() {
    // A generous acquire timeout: before the fix, `connect` waited it out and
    // said only that no connection became available.
    let started = Instant::now();
    let result = PostgresConfig::from_url("postgres://postgres@127.0.0.1:1/postgres")
        .acquire_timeout(Duration::from_secs(10))
        .connect()
        .await;
    let elapsed = started.elapsed();
    let err = result.expect_err("nothing listens on port 1");
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("refused"),
        "the error must say why: {err}"
    );
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}
