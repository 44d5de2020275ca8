//! The suite: every selected workload on every selected store, each in a
//! fresh store, `--runs` times; then the medians and the targets. The
//! PostgreSQL raw-SQL limit is measured once per run, SQLite's in each
//! workload's own file.

use eventcore_benches::{BenchResult, pg};
use eventcore_memory::MemoryStore;
use eventcore_sqlite::SqliteStore;

use crate::{
    baseline::{self, RawJson, RawLimit},
    cli::Cli,
    measure::Measure,
    report, sqlite_baseline, targets,
    workload::{Backend, Workload},
    workloads,
};

/// Runs the suite as `cli` asks and prints the results; fails if an
/// invariant check failed.
pub async fn run(cli: &Cli) -> BenchResult {
    let stores = reachable_stores(cli.stores()).await?;
    let runs = cli.runs();
    let mut all: Vec<Measure> = Vec::new();
    let mut raws: Vec<RawLimit> = Vec::new();
    for run in 1..=runs {
        let mut lines = Vec::new();
        for &store in &stores {
            let raw = if store == Backend::Postgres {
                let limit = baseline::raw_limit(run).await?;
                if cli.json {
                    println!("{}", serde_json::to_string(&RawJson::from(limit))?);
                }
                raws.push(limit);
                Some(limit)
            } else {
                None
            };
            for workload in cli.workloads(store) {
                eprintln!("run {run}: {} {} ...", store.name(), workload.describe());
                let mut m = on_fresh_store(workload, store).await?;
                m.run = run.to_string();
                if let Some(raw) = raw {
                    m.compare_with(raw);
                }
                if cli.json {
                    println!("{}", serde_json::to_string(&m)?);
                }
                lines.push(m);
            }
        }
        if !cli.json && runs > 1 {
            println!("run {run} of {runs}:");
            print!("{}", report::table(&lines));
            println!();
        }
        all.extend(lines);
    }

    let medians = report::medians(&all, runs);
    if cli.json {
        for m in &medians {
            println!("{}", serde_json::to_string(m)?);
        }
    } else {
        if runs > 1 {
            println!("medians of {runs} runs:");
        }
        print!("{}", report::table(&medians));
        if !raws.is_empty() {
            println!("\n{}", report::raw_limits(&raws, runs));
        }
        if let Some(line) = report::sqlite_raw_limits(&all, runs) {
            println!("\n{line}");
        }
        println!();
        print!("{}", targets::table(&medians));
    }
    if medians.iter().any(|m| !m.invariant_ok) {
        return Err("an invariant check failed (see the table)".into());
    }
    Ok(())
}

/// `stores` without PostgreSQL if it is unreachable; an error if it was
/// the only store asked for.
async fn reachable_stores(mut stores: Vec<Backend>) -> BenchResult<Vec<Backend>> {
    if stores.contains(&Backend::Postgres) && !pg::reachable().await {
        let note = format!(
            "PostgreSQL is not reachable at {}: skipping the PostgreSQL workloads",
            pg::redacted_database_url()
        );
        if stores.len() == 1 {
            return Err(note.into());
        }
        eprintln!("note: {note}");
        stores.retain(|s| *s != Backend::Postgres);
    }
    Ok(stores)
}

/// Runs `workload` on a new store: a fresh in-memory store, a fresh
/// PostgreSQL schema that is dropped afterwards, or a fresh SQLite file
/// (deleted afterwards) whose raw-SQL limit is measured first and set on
/// the result.
async fn on_fresh_store(workload: Workload, store: Backend) -> BenchResult<Measure> {
    match store {
        Backend::Memory => workloads::run(workload, store, MemoryStore::new()).await,
        Backend::Postgres => {
            let fixture = pg::PgFixture::new(workload.group().name()).await?;
            let result = workloads::run(workload, store, fixture.store.clone()).await;
            fixture.drop_schema().await?;
            result
        }
        Backend::Sqlite => {
            let sqlite = SqliteStore::temporary().await?;
            let connections = workload.tasks();
            let raw = sqlite_baseline::raw_limit(&sqlite, connections).await?;
            let mut m = workloads::run(workload, store, sqlite).await?;
            m.compare_with_rate(connections, raw);
            Ok(m)
        }
    }
}
