//! Shared helpers: every test gets its own freshly migrated schema.
#![cfg(test)]
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::time::Duration;

use eventcore::{Event, EventMetadata, SerializedEvent, StoreError, StreamId, store::NewEvent};
use eventcore_postgres::{PostgresConfig, PostgresStore, SchemaName, sqlx};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

pub fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

const PREFIX: &str = "ec_test_";

/// A schema name unique to this test: `ec_test_<pid>_<random>`.
pub fn fresh_schema() -> SchemaName {
    let random = uuid::Uuid::now_v7().simple().to_string();
    let name = format!(
        "{PREFIX}{}_{}",
        std::process::id(),
        &random[random.len() - 16..]
    );
    SchemaName::try_new(name).expect("valid schema name")
}

pub fn config(schema: &SchemaName) -> PostgresConfig {
    PostgresConfig::from_url(database_url())
        .schema(schema.clone())
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .poll_interval(Duration::from_millis(200))
}

/// A connected, migrated store in a fresh schema.
pub async fn fresh_store() -> Result<PostgresStore, StoreError> {
    sweep_stale_schemas().await;
    let store = config(&fresh_schema()).connect().await?;
    store.migrate().await?;
    Ok(store)
}

/// A second store (own pool) on the same schema, as another process would have.
pub async fn other_process(schema: &SchemaName) -> PostgresStore {
    config(schema)
        .connect()
        .await
        .expect("second store connects")
}

/// Drops the store's schema. The store's own follower may still be reading
/// it (the sequence, then the events), so the drop can be chosen as a
/// deadlock victim: it is tried again then.
pub async fn drop_schema(store: &PostgresStore) {
    let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", store.schema());
    for attempt in 1.. {
        match sqlx::raw_sql(&sql).execute(store.pool()).await {
            Ok(_) => return,
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some("40P01") && attempt < 5 =>
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("schema not dropped: {e}"),
        }
    }
}

/// Drops schemas left behind by earlier test processes that have exited
/// (conformance tests cannot clean up after themselves). Once per process.
async fn sweep_stale_schemas() {
    static SWEPT: OnceCell<()> = OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            let Ok(pool) = sqlx::PgPool::connect(&database_url()).await else {
                return;
            };
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname::text, $1)",
            )
            .bind(PREFIX)
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
            for name in names {
                let pid = name[PREFIX.len()..].split('_').next().unwrap_or_default();
                let alive = std::path::Path::new("/proc").join(pid).exists();
                if !alive {
                    let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                        .execute(&pool)
                        .await;
                }
            }
            pool.close().await;
        })
        .await;
}

/// What the tests return: `?` works on any error.
pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A new event of `event_type` with `payload` and fresh metadata.
pub fn event(event_type: &'static str, payload: &serde_json::Value) -> NewEvent {
    NewEvent::new(
        SerializedEvent::new(event_type, payload.to_string()),
        EventMetadata::new(),
    )
}

pub fn id(name: &str) -> StreamId {
    StreamId::try_new(name).expect("valid stream id")
}

/// Runs a `SELECT count(*)`-style query; `S.` stands for the store's schema.
pub async fn count(store: &PostgresStore, sql: &str) -> i64 {
    let sql = sql.replace("S.", &format!("\"{}\".", store.schema()));
    sqlx::query_scalar(&sql)
        .fetch_one(store.pool())
        .await
        .expect("count query")
}

/// Backend pids of the connections listening for this store's appends.
pub async fn listener_pids(store: &PostgresStore) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE rtrim(query, ';') = 'LISTEN \"' || $1 || '\"'",
    )
    .bind(store.schema().channel())
    .fetch_all(store.pool())
    .await
    .expect("pg_stat_activity")
}

/// The `host:port` of the server `DATABASE_URL` names.
pub fn upstream() -> String {
    let url = database_url();
    let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let authority = after_scheme.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    }
}

/// `DATABASE_URL` with its host and port replaced by `addr`.
pub fn url_via(addr: std::net::SocketAddr) -> String {
    database_url().replacen(&upstream(), &addr.to_string(), 1)
}

/// A store on `schema` whose connections all go through `addr` (a fault
/// proxy), with a pool of `connections`.
pub async fn store_via(
    addr: std::net::SocketAddr,
    schema: &SchemaName,
    connections: u32,
) -> PostgresStore {
    PostgresConfig::from_url(url_via(addr))
        .schema(schema.clone())
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(10))
        .poll_interval(Duration::from_millis(100))
        .connect()
        .await
        .expect("store through the proxy connects")
}

/// The event the projection tests append (type `Tick`, payload `{"n": n}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tick {
    /// Which tick.
    pub n: i64,
}

impl Event for Tick {
    const EVENT_TYPES: &'static [&'static str] = &["Tick"];

    fn event_type(&self) -> &'static str {
        "Tick"
    }
}
