//! PostgreSQL fixtures shared by the example tests: a migrated store in a
//! schema of its own, and the drop of that schema.

use std::time::Duration;

use eventcore_postgres::{PostgresConfig, PostgresStore, SchemaName, sqlx};

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A migrated store at `DATABASE_URL` (default: the local server) in a new
/// schema named after `label`.
pub async fn fresh_store(
    label: &str,
) -> Result<PostgresStore, Box<dyn std::error::Error + Send + Sync>> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let schema = SchemaName::try_new(format!(
        "ec_{label}_{}_{:016x}",
        std::process::id(),
        rand::random::<u64>()
    ))?;
    let store: PostgresStore = PostgresConfig::from_url(url)
        .schema(schema)
        .connect()
        .await?;
    store.migrate().await?;
    Ok(store)
}

/// Drops the store's schema. The store's own follower may still be reading
/// it, so PostgreSQL can pick the drop as a deadlock victim: it is tried
/// again then.
pub async fn drop_schema(store: &PostgresStore) -> TestResult {
    let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", store.schema());
    for attempt in 1.. {
        match sqlx::raw_sql(&sql).execute(store.pool()).await {
            Ok(_) => return Ok(()),
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some("40P01") && attempt < 5 =>
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
