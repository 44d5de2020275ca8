//! The banking service: an HTTP API over the banking domain, with
//! `/health` and `/metrics`. On the in-memory store by default, on
//! PostgreSQL when `DATABASE_URL` is set; listens on `127.0.0.1:3000`
//! (or `ADDR`).
//!
//! ```text
//! cargo run -p eventcore-examples --bin service
//! curl -X POST localhost:3000/accounts -H 'content-type: application/json' \
//!      -d '{"account": "alice", "owner": "Alice", "initial_deposit_cents": 1000}'
//! curl -X POST localhost:3000/accounts/alice/deposits -H 'idempotency-key: dep-1' \
//!      -H 'content-type: application/json' -d '{"amount_cents": 250}'
//! curl localhost:3000/accounts/alice
//! curl localhost:3000/health
//! curl localhost:3000/metrics
//! ```

use std::error::Error;

use eventcore::{
    health::HealthCheck,
    projection::{ProjectionRunner, RunnerConfig},
    store::{CheckpointStore, EventStore, LeaseStore, SnapshotStore},
};
use eventcore_examples::{banking::BalanceProjection, service::App};
use eventcore_memory::MemoryStore;
use eventcore_postgres::PostgresConfig;
use metrics_exporter_prometheus::PrometheusBuilder;

type Result<T = ()> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("service: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result {
    // The recorder first: executors, stores and runners register their
    // metrics with the recorder in place when they first record.
    let recorder = PrometheusBuilder::new().build_recorder();
    let metrics = recorder.handle();
    metrics::set_global_recorder(recorder)?;
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    match std::env::var("DATABASE_URL") {
        Ok(url) => {
            let store = PostgresConfig::from_url(url).connect().await?;
            store.migrate().await?;
            serve(store, &addr, metrics).await
        }
        Err(_) => serve(MemoryStore::new(), &addr, metrics).await,
    }
}

async fn serve<S>(
    store: S,
    addr: &str,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
) -> Result
where
    S: EventStore + CheckpointStore + LeaseStore + SnapshotStore + Clone + 'static,
{
    let balances = BalanceProjection::new();
    let runner =
        ProjectionRunner::new(store.clone(), balances.clone(), RunnerConfig::default()).start();
    // The read model lives in memory: replay it from the start.
    runner.rebuild().await;
    let health = HealthCheck::new()
        .store("events", store.clone())
        .projection(runner.watch());
    let app = App::new(store, balances, health, metrics).router();
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    runner.shutdown().await?;
    Ok(())
}
