//! A shop day on the order-fulfilment saga: customers place and pay for
//! orders while the fulfilment process reserves stock, charges wallets,
//! ships, compensates and times out. Prints the story of each order and
//! checks that the shop ends consistent.
//!
//! Runs on the in-memory store; set `DATABASE_URL` to run on PostgreSQL
//! (each run names its orders afresh, so runs can share a database).

use std::{error::Error, time::Duration};

use eventcore::{
    CommandExecutor,
    process::{ProcessProjection, Scheduler, SchedulerConfig},
    projection::{ProjectionRunner, RunnerConfig},
    store::{CheckpointStore, EventStore, LeaseStore, ScheduleStore},
};
use eventcore_examples::fulfilment::{Day, Fulfilment, PaymentTimeouts, audit, story};
use eventcore_memory::MemoryStore;
use eventcore_postgres::PostgresStore;

type SagaResult<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;

const ORDERS: usize = 24;
const PAYMENT_WINDOW: Duration = Duration::from_millis(1_500);

#[tokio::main]
async fn main() -> SagaResult {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            println!("EventCore order-fulfilment saga on PostgreSQL");
            let store = PostgresStore::connect(&url).await?;
            store.migrate().await?;
            run(store).await
        }
        _ => {
            println!(
                "EventCore order-fulfilment saga on the in-memory store (set DATABASE_URL for PostgreSQL)"
            );
            run(MemoryStore::new()).await
        }
    }
}

async fn run<S>(store: S) -> SagaResult
where
    S: EventStore + CheckpointStore + LeaseStore + ScheduleStore + Clone + 'static,
{
    let prefix = format!(
        "day{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    );
    let day = Day::plan(&prefix, ORDERS, 7);
    let executor = CommandExecutor::new(store.clone());
    day.open(&executor).await?;

    // The process follows new events only: a database shared with earlier
    // days has their events, already answered.
    let process = ProjectionRunner::new(
        store.clone(),
        ProcessProjection::new(Fulfilment::new(PAYMENT_WINDOW), executor.clone()),
        RunnerConfig::default().poll_interval(Duration::from_millis(100)),
    )
    .start();
    let timeouts = Scheduler::new(
        executor.clone(),
        PaymentTimeouts,
        SchedulerConfig::default().poll_interval(Duration::from_millis(100)),
    )
    .start();

    println!(
        "{} orders from {} customers over {} skus; payment window {PAYMENT_WINDOW:?}",
        day.orders.len(),
        day.wallets.len(),
        day.skus.len()
    );
    day.shop(&executor, 4).await?;
    let open = day
        .wait_until_closed(&executor, PAYMENT_WINDOW * 4 + Duration::from_secs(10))
        .await?;
    timeouts.shutdown().await?;
    process.shutdown().await?;

    for planned in &day.orders {
        let lines = story(&store, &planned.order).await?;
        println!("\n{} ({:?}):", planned.order, planned.customer);
        for line in lines {
            println!("  {line}");
        }
    }
    let audit = audit(
        &store,
        &day.order_names(),
        &day.stock(),
        &day.wallet_names(),
    )
    .await?;
    println!("\noutcomes:");
    for (outcome, count) in audit.tally() {
        println!("  {outcome}: {count}");
    }
    println!("stock left:");
    for (sku, units) in &audit.stock {
        println!("  {sku}: {units}");
    }
    if open > 0 || !audit.violations.is_empty() {
        for violation in &audit.violations {
            println!("VIOLATION: {violation}");
        }
        return Err(format!(
            "{open} orders still open, {} violations",
            audit.violations.len()
        )
        .into());
    }
    println!(
        "\nconsistent: every order closed once, no double charge, no double release, no shelf below zero"
    );
    Ok(())
}
