//! The raw-SQL limit of SQLite: single-row `INSERT` commits per second
//! into a scratch table of the workload's own file, just before the
//! workload runs, through connections opened with the store's pragmas
//! (WAL, `synchronous = FULL`, the default busy timeout, foreign keys,
//! temporary tables in memory). It is what the SQLite results are divided
//! by.
//!
//! Each task writes through a connection of its own, as separate writers
//! of one file would: from 8 tasks they queue on the file's write lock
//! (SQLite's busy handler), where the store's own tasks queue for its one
//! writer connection.

use std::time::Instant;

use eventcore_benches::BenchResult;
use eventcore_sqlite::{
    DEFAULT_BUSY_TIMEOUT, SqliteStore,
    sqlx::{
        self, ConnectOptions as _, SqliteConnection,
        sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
    },
};

use crate::baseline::{DURATION, PAYLOAD};

const CREATE: &str = "CREATE TABLE bench_raw_scratch \
    (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)";
const INSERT: &str = "INSERT INTO bench_raw_scratch (payload) VALUES (?1)";
const DROP: &str = "DROP TABLE bench_raw_scratch";

/// The connection options `SqliteConfig::new(path)` opens the store's
/// connections with (its defaults: `Durability::Full`).
fn store_options(path: &str) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(DEFAULT_BUSY_TIMEOUT)
        .foreign_keys(true)
        .pragma("temp_store", "memory")
}

/// Commits per second of single-row `INSERT`s from `connections` tasks,
/// each on its own connection to `store`'s file, for [`DURATION`]. The
/// scratch table is dropped and the WAL checkpointed afterwards, so the
/// workload starts from a file like a fresh one.
pub async fn raw_limit(store: &SqliteStore, connections: usize) -> BenchResult<f64> {
    let options = store_options(store.path());
    let mut opened = Vec::with_capacity(connections);
    for _ in 0..connections.max(1) {
        opened.push(options.connect().await?);
    }
    sqlx::query(CREATE).execute(&mut opened[0]).await?;
    // Warm every connection's statement cache.
    for connection in &mut opened {
        for _ in 0..4 {
            insert_one(connection).await?;
        }
    }
    let started = Instant::now();
    let deadline = started + DURATION;
    let mut tasks = Vec::with_capacity(opened.len());
    for mut connection in opened {
        tasks.push(tokio::spawn(async move {
            let mut count = 0_u64;
            while Instant::now() < deadline {
                insert_one(&mut connection).await?;
                count += 1;
            }
            Ok::<_, sqlx::Error>((count, connection))
        }));
    }
    let mut total = 0_u64;
    let mut connections = Vec::with_capacity(tasks.len());
    for task in tasks {
        let (count, connection) = task.await??;
        total += count;
        connections.push(connection);
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    if let Some(first) = connections.first_mut() {
        sqlx::query(DROP).execute(&mut *first).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *first)
            .await?;
    }
    for connection in connections {
        sqlx::Connection::close(connection).await?;
    }
    Ok(rate)
}

async fn insert_one(connection: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(PAYLOAD)
        .execute(connection)
        .await?;
    Ok(())
}
