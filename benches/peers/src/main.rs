//! Runs the bank workloads W1–W4 on our EventCore and on peer libraries —
//! jwilger's eventcore 2.1 and disintegrate 4 — on the in-memory stores and
//! on PostgreSQL, alternating the libraries within every round, and prints
//! the medians as a Markdown table with our rate over each peer's.
//!
//! `cargo run --release -- --rounds 3` (PostgreSQL at `DATABASE_URL`,
//! default `postgres://postgres@127.0.0.1:5432/postgres`; every run gets a
//! fresh database `peers_<random>`, dropped afterwards).

mod bank;
mod db;
mod disint;
mod disint_sql;
mod jwilger;
mod ours;
mod plan;
mod report;

use std::time::Duration;

use clap::Parser;
use sqlx::postgres::PgPoolOptions;

use crate::{
    bank::{Failure, Outcome, run_plan},
    db::FreshDb,
    plan::{Plan, Shape},
    report::{Library, Results, StoreKind},
};

/// Connections in every library's pool: our store's default.
const POOL_SIZE: u32 = 10;

/// Runs W1–W4 on EventCore, eventcore 2.1 and disintegrate 4.
#[derive(Debug, Parser)]
#[command(name = "eventcore-peers")]
struct Cli {
    /// Rounds; each runs every library once per workload and store, in
    /// turn (ours, eventcore 2.1, disintegrate, then the next workload).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,

    /// The stores, comma-separated (default: both).
    #[arg(long, value_enum, value_delimiter = ',')]
    store: Vec<StoreKind>,

    /// Only these workloads, comma-separated (W1, W2-1, W2-8, W3, W4).
    #[arg(long, value_enum, value_delimiter = ',', ignore_case = true)]
    only: Vec<Shape>,
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let cli = Cli::parse();
    let mut stores = if cli.store.is_empty() {
        vec![StoreKind::Memory, StoreKind::Postgres]
    } else {
        cli.store.clone()
    };
    if stores.contains(&StoreKind::Postgres) && !db::reachable().await {
        eprintln!("note: PostgreSQL is not reachable: skipping it");
        stores.retain(|s| *s != StoreKind::Postgres);
        if stores.is_empty() {
            return Err("PostgreSQL is not reachable and no other store was asked for".into());
        }
    }
    let shapes: Vec<Shape> = if cli.only.is_empty() {
        Shape::ALL.to_vec()
    } else {
        Shape::ALL
            .into_iter()
            .filter(|s| cli.only.contains(s))
            .collect()
    };
    let mut results = Results::default();
    for round in 1..=cli.rounds {
        for &store in &stores {
            for &shape in &shapes {
                let plan = Plan::new(shape);
                for library in libraries(store) {
                    eprintln!(
                        "round {round}: {} {} ({} task(s)) on {} ...",
                        store.name(),
                        shape.label(),
                        shape.tasks(),
                        library.name()
                    );
                    let outcome = match run(library, store, &plan).await {
                        Ok(outcome) => outcome,
                        Err(e) => {
                            eprintln!("  failed: {e}");
                            failed(&plan, e)
                        }
                    };
                    results.add(store, shape, library, outcome);
                }
            }
        }
    }
    println!("medians of {} round(s):\n", cli.rounds);
    print!("{}", results.table());
    if results.any_problem() {
        return Err("a command or an invariant check failed (see the table)".into());
    }
    Ok(())
}

/// The libraries that have `store`, in the order of a round.
fn libraries(store: StoreKind) -> Vec<Library> {
    match store {
        StoreKind::Memory => vec![Library::Ours, Library::Eventcore2],
        StoreKind::Postgres => vec![Library::Ours, Library::Eventcore2, Library::Disintegrate],
    }
}

/// An outcome for a run that could not even be set up.
fn failed(plan: &Plan, why: Failure) -> Outcome {
    Outcome {
        commands: plan.commands(),
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        retries: 0,
        problems: vec![why],
    }
}

/// Runs `plan` on `library` with a fresh `store`.
async fn run(library: Library, store: StoreKind, plan: &Plan) -> Result<Outcome, Failure> {
    match store {
        StoreKind::Memory => match library {
            Library::Ours => {
                let bank = ours::Ours::new(eventcore_memory::MemoryStore::new(), plan.accounts)?;
                run_plan(&bank, plan).await
            }
            Library::Eventcore2 => {
                let store = eventcore2_memory::InMemoryEventStore::new();
                run_plan(&jwilger::Peer::new(store, plan.accounts)?, plan).await
            }
            Library::Disintegrate => Err("disintegrate has no in-memory store".into()),
        },
        StoreKind::Postgres => {
            let db = FreshDb::create().await?;
            let outcome = on_postgres(library, &db.url, plan).await;
            db.drop_db().await?;
            outcome
        }
    }
}

/// Runs `plan` on `library` in the empty database at `url`.
async fn on_postgres(library: Library, url: &str, plan: &Plan) -> Result<Outcome, Failure> {
    let pool = PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await
        .map_err(|e| format!("cannot connect to the fresh database: {e}"))?;
    let outcome = match library {
        Library::Ours => {
            let store = eventcore_postgres::PostgresConfig::from_pool(pool.clone())
                .connect()
                .await
                .map_err(|e| e.to_string())?;
            store.migrate().await.map_err(|e| e.to_string())?;
            run_plan(&ours::Ours::new(store, plan.accounts)?, plan).await
        }
        Library::Eventcore2 => {
            let store = eventcore2_postgres::PostgresEventStore::from_pool(pool.clone());
            // Its `migrate` panics on failure: a task turns that into an error.
            let migrating = store.clone();
            tokio::spawn(async move { migrating.migrate().await })
                .await
                .map_err(|e| format!("eventcore 2.1's migration failed: {e}"))?;
            run_plan(&jwilger::Peer::new(store, plan.accounts)?, plan).await
        }
        Library::Disintegrate => {
            let bank = disint::Disintegrate::connect(pool.clone()).await?;
            run_plan(&bank, plan).await
        }
    };
    pool.close().await;
    outcome
}
