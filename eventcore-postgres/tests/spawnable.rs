//! Every public future of the PostgreSQL store can be `tokio::spawn`ed (a
//! future that is not `Send` for every lifetime, the classic
//! "implementation of `Executor` is not general enough", does not compile
//! here), and each one fails cleanly and at once, with a typed error that
//! says why, when the database cannot be reached.

#![cfg(test)]

use std::time::{Duration, Instant};

use eventcore::{
    GlobalPosition, StoreError, StreamId, Timestamp,
    store::{
        AppendBatch, CheckpointStore, EventFilter, EventStore, ExpectedVersion, Lease, LeaseStore,
    },
};
use eventcore_postgres::{PostgresConfig, PostgresStore, sqlx};
use tokio::task::JoinHandle;

type Spawned = JoinHandle<Result<(), StoreError>>;

/// How long the unreachable store would wait for a pooled connection. The
/// refusal must be reported long before.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(20);

/// A store whose every connection attempt is refused (nothing listens on
/// port 1).
fn unreachable() -> PostgresStore {
    PostgresConfig::from_url("postgres://postgres@127.0.0.1:1/postgres")
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_lazy()
        .expect("a valid URL")
}

fn spawn_every_operation(store: &PostgresStore) -> Vec<(&'static str, Spawned)> {
    let batch = AppendBatch::single(
        StreamId::try_new("s").expect("valid"),
        ExpectedVersion::Any,
        Vec::new(),
    );
    let one = GlobalPosition::START;
    let two = GlobalPosition::new(1);
    let s = || store.clone();
    vec![
        ("migrate", spawn(s(), |s| async move { s.migrate().await })),
        ("ping", spawn(s(), |s| async move { s.ping().await })),
        (
            "begin",
            spawn(s(), |s| async move { s.begin().await?.commit().await }),
        ),
        ("append", {
            let b = batch.clone();
            spawn(s(), |s| async move { s.append(b).await.map(drop) })
        }),
        ("append_in", {
            let b = batch.clone();
            spawn(s(), |s| async move {
                let mut tx = s.begin().await?;
                s.append_in(&mut tx, b).await?;
                s.save_checkpoint_in(&mut tx, "p", one, two, None).await?;
                sqlx::query("SELECT 1")
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::backend("select", e))?;
                tx.rollback().await
            })
        }),
        (
            "read_streams",
            spawn(s(), |s| async move {
                let id = StreamId::try_new("s").expect("valid");
                s.read_streams(&[id]).await.map(drop)
            }),
        ),
        (
            "read_all",
            spawn(s(), |s| async move {
                s.read_all(one, &EventFilter::all(), 10).await.map(drop)
            }),
        ),
        (
            "head_position",
            spawn(s(), |s| async move { s.head_position().await.map(drop) }),
        ),
        (
            "stream_version",
            spawn(s(), |s| async move {
                let id = StreamId::try_new("s").expect("valid");
                s.stream_version(&id).await.map(drop)
            }),
        ),
        (
            "count_events",
            spawn(s(), |s| async move {
                s.count_events(one, two, 10).await.map(drop)
            }),
        ),
    ]
}

fn spawn_every_projection_operation(store: &PostgresStore) -> Vec<(&'static str, Spawned)> {
    let lease = Lease::new("p".into(), "h".into(), 1, Timestamp::now());
    let (one, two) = (GlobalPosition::START, GlobalPosition::new(1));
    let ttl = Duration::from_secs(1);
    let s = || store.clone();
    vec![
        (
            "load_checkpoint",
            spawn(
                s(),
                |s| async move { s.load_checkpoint("p").await.map(drop) },
            ),
        ),
        ("save_checkpoint", {
            let l = lease.clone();
            spawn(s(), |s| async move {
                s.save_checkpoint("p", one, two, Some(&l)).await
            })
        }),
        (
            "try_acquire_lease",
            spawn(s(), |s| async move {
                s.try_acquire_lease("p", "h", ttl).await.map(drop)
            }),
        ),
        ("renew_lease", {
            let l = lease.clone();
            spawn(
                s(),
                |s| async move { s.renew_lease(&l, ttl).await.map(drop) },
            )
        }),
        (
            "release_lease",
            spawn(s(), |s| async move { s.release_lease(&lease).await }),
        ),
        (
            "connect",
            tokio::spawn(async {
                PostgresStore::connect("postgres://postgres@127.0.0.1:1/postgres")
                    .await
                    .map(drop)
            }),
        ),
    ]
}

fn spawn<F, Fut>(store: PostgresStore, operation: F) -> Spawned
where
    F: FnOnce(PostgresStore) -> Fut,
    Fut: Future<Output = Result<(), StoreError>> + Send + 'static,
{
    tokio::spawn(operation(store))
}

#[tokio::test]
async fn every_public_future_spawns_and_fails_at_once_with_the_reason_when_the_server_refuses() {
    let started = Instant::now();
    let store = unreachable();
    let tasks = spawn_every_operation(&store)
        .into_iter()
        .chain(spawn_every_projection_operation(&store));
    for (operation, task) in tasks {
        let result = task.await.expect("the task must not panic");
        let Err(err @ StoreError::Unavailable { .. }) = result else {
            panic!("{operation}: {result:?}");
        };
        // Before: "no database connection became available within 20s",
        // after waiting all of it.
        assert!(
            err.to_string().to_lowercase().contains("refused"),
            "{operation} must say why: {err}"
        );
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < ACQUIRE_TIMEOUT / 4,
        "a refused connection must fail fast, not after the acquire timeout: {elapsed:?}"
    );
}
