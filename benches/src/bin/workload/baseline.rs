//! The raw-SQL limit of PostgreSQL: single-row `INSERT` commits per
//! second into a scratch table, through a pool sized like the store's. It
//! is what the PostgreSQL results are divided by ([`crate::sqlite_baseline`]
//! measures SQLite's).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use eventcore_benches::{BenchResult, pg};
use eventcore_postgres::sqlx::{self, PgPool, postgres::PgPoolOptions};
use serde::Serialize;

/// How long each measurement runs.
pub const DURATION: Duration = Duration::from_secs(3);

/// The payload of every inserted row: a deposit's JSON.
pub const PAYLOAD: &str = r#"{"amount":1}"#;

/// The raw-SQL limit of one run.
#[derive(Clone, Copy, Debug)]
pub struct RawLimit {
    pub run: usize,
    /// Commits per second from one connection.
    pub one_connection: f64,
    /// Commits per second from eight connections.
    pub eight_connections: f64,
}

impl RawLimit {
    /// The limit a workload of `tasks` concurrent tasks is compared with:
    /// `(connections, commits per second)`.
    pub const fn for_tasks(self, tasks: usize) -> (usize, f64) {
        if tasks == 1 {
            (1, self.one_connection)
        } else {
            (8, self.eight_connections)
        }
    }
}

/// The `--json` line of a [`RawLimit`].
#[derive(Serialize)]
pub struct RawJson {
    run: String,
    store: &'static str,
    workload: &'static str,
    one_connection_commits_per_second: f64,
    eight_connections_commits_per_second: f64,
}

impl From<RawLimit> for RawJson {
    fn from(r: RawLimit) -> Self {
        Self {
            run: r.run.to_string(),
            store: "postgres",
            workload: "raw INSERT limit",
            one_connection_commits_per_second: r.one_connection,
            eight_connections_commits_per_second: r.eight_connections,
        }
    }
}

/// Measures the limit from 1 and from 8 connections, in a scratch schema
/// that is dropped afterwards.
pub async fn raw_limit(run: usize) -> BenchResult<RawLimit> {
    match raw_rates(&[1, 8]).await?[..] {
        [one, eight] => Ok(RawLimit {
            run,
            one_connection: one,
            eight_connections: eight,
        }),
        _ => Err("the raw-SQL limit returned the wrong number of rates".into()),
    }
}

/// Commits per second from each of `connections` connections (in that
/// order), in a scratch schema that is dropped afterwards, through one
/// pool of the store's size or of the largest count if that is more.
pub async fn raw_rates(connections: &[usize]) -> BenchResult<Vec<f64>> {
    let largest = connections.iter().copied().max().unwrap_or(1);
    let size = u32::try_from(largest)?.max(pg::POOL_SIZE);
    let pool = PgPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&pg::database_url())
        .await?;
    let schema = pg::fresh_schema_name("raw");
    sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&pool)
        .await?;
    let table = format!("\"{schema}\".scratch");
    let outcome = async {
        sqlx::query(&format!(
            "CREATE TABLE {table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload jsonb NOT NULL)"
        ))
        .execute(&pool)
        .await?;
        let insert = Arc::new(format!("INSERT INTO {table} (payload) VALUES ($1::jsonb)"));
        let mut rates = Vec::with_capacity(connections.len());
        for &n in connections {
            rates.push(insert_rate(&pool, &insert, n).await?);
        }
        BenchResult::Ok(rates)
    }
    .await;
    pg::drop_schema(&pool, &schema).await?;
    pool.close().await;
    outcome
}

/// Runs `insert` from `connections` tasks for [`DURATION`]; commits per
/// second.
async fn insert_rate(pool: &PgPool, insert: &Arc<String>, connections: usize) -> BenchResult<f64> {
    // Warm the connections and the statement cache.
    for _ in 0..connections * 4 {
        insert_one(pool, insert).await?;
    }
    let started = Instant::now();
    let deadline = started + DURATION;
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (pool, insert) = (pool.clone(), Arc::clone(insert));
        tasks.push(tokio::spawn(async move {
            let mut count = 0_u64;
            while Instant::now() < deadline {
                insert_one(&pool, &insert).await?;
                count += 1;
            }
            Ok::<u64, sqlx::Error>(count)
        }));
    }
    let mut total = 0_u64;
    for task in tasks {
        total += task.await??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

async fn insert_one(pool: &PgPool, insert: &str) -> Result<(), sqlx::Error> {
    sqlx::query(insert).bind(PAYLOAD).execute(pool).await?;
    Ok(())
}
