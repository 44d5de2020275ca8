//! PostgreSQL fixtures: one fresh schema per workload, dropped afterwards.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use eventcore_postgres::{
    GroupCommit, PostgresConfig, PostgresStore, SchemaName,
    sqlx::{self, PgPool},
};

use crate::BenchResult;

/// The default connection URL when `DATABASE_URL` is unset.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Connections in every pool the benches open: the store's default, so
/// the raw-SQL limit goes through the same kind of pool as the store.
pub const POOL_SIZE: u32 = PostgresConfig::DEFAULT_MAX_CONNECTIONS;

/// `DATABASE_URL`, or [`DEFAULT_URL`].
#[must_use]
pub fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_URL.to_owned())
}

/// [`database_url`] with the user and password hidden, for messages.
#[must_use]
pub fn redacted_database_url() -> String {
    let url = database_url();
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url,
    }
}

/// A schema name unique to this process and call.
#[must_use]
pub fn fresh_schema_name(label: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(16)
        .collect();
    format!("bench_{label}_{}_{n}_{nanos}", std::process::id())
}

/// A migrated [`PostgresStore`] in its own schema.
#[derive(Debug)]
pub struct PgFixture {
    /// The store.
    pub store: PostgresStore,
    /// Its schema.
    pub schema: SchemaName,
}

impl PgFixture {
    /// Connects with the store's default settings in a fresh schema
    /// and migrates it.
    pub async fn new(label: &str) -> BenchResult<Self> {
        Self::with_pool_size(label, POOL_SIZE).await
    }

    /// As [`PgFixture::new`], with a pool of `max_connections`
    /// connections (for more concurrent tasks than [`POOL_SIZE`]).
    pub async fn with_pool_size(label: &str, max_connections: u32) -> BenchResult<Self> {
        let schema = SchemaName::try_new(fresh_schema_name(label))?;
        let store = PostgresConfig::from_url(database_url())
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .schema(schema.clone())
            .group_commit(group_commit()?)
            .connect()
            .await?;
        store.migrate().await?;
        Ok(Self { store, schema })
    }

    /// Drops the schema and everything in it.
    pub async fn drop_schema(self) -> BenchResult {
        drop_schema(self.store.pool(), self.schema.as_str()).await
    }
}

/// The group commit the benches' stores use: the store's default, or what
/// `EVENTCORE_GROUP_COMMIT` says (`off`, or the number of groups in flight,
/// optionally with a wait in microseconds: `2` or `2/200`).
pub fn group_commit() -> BenchResult<GroupCommit> {
    let Ok(setting) = std::env::var("EVENTCORE_GROUP_COMMIT") else {
        return Ok(GroupCommit::new());
    };
    if setting == "off" {
        return Ok(GroupCommit::disabled());
    }
    let (in_flight, wait) = setting.split_once('/').unwrap_or((&setting, "0"));
    let invalid = || {
        format!(
            "EVENTCORE_GROUP_COMMIT={setting:?}: expected `off`, a number of groups in \
             flight (`2`), or groups and a wait in microseconds (`2/200`)"
        )
    };
    let in_flight: usize = in_flight.parse().map_err(|_| invalid())?;
    let wait: u64 = wait.parse().map_err(|_| invalid())?;
    Ok(GroupCommit::new()
        .max_in_flight(in_flight)
        .max_wait(Duration::from_micros(wait)))
}

/// `DROP SCHEMA … CASCADE`.
pub async fn drop_schema(pool: &PgPool, schema: &str) -> BenchResult {
    // The name comes from `fresh_schema_name` / `SchemaName`: no quote
    // characters are possible.
    sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether PostgreSQL answers at [`database_url`] within two seconds.
pub async fn reachable() -> bool {
    match PostgresConfig::from_url(database_url())
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(2))
        .connect()
        .await
    {
        Ok(store) => {
            store.pool().close().await;
            true
        }
        Err(_) => false,
    }
}
