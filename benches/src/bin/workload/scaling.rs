//! The scaling curve (`--scaling`): W2, 10,000 transfers among 1,000
//! accounts, on PostgreSQL from 1, 2, 4, 8, 16 and 32 tasks, each in a
//! fresh schema with a store pool at least as large as its task count, and
//! the raw-SQL limit from the same numbers of connections measured in the
//! same run. Prints a table and writes an SVG chart of both curves.

use std::fmt::Write as _;

use eventcore_benches::{BenchResult, pg};

use crate::{
    baseline,
    chart::{self, Point},
    cli::Cli,
    measure::Measure,
    report::{self, fmt_num},
    workload::Backend,
    workloads,
};

/// The task counts of the curve, and the raw limit's connection counts.
pub const TASKS: [usize; 6] = [1, 2, 4, 8, 16, 32];

/// Runs the curve `--runs` times, prints the table of medians and writes
/// the chart; fails if an invariant check failed.
pub async fn run(cli: &Cli) -> BenchResult {
    if !pg::reachable().await {
        return Err(format!(
            "PostgreSQL is not reachable at {}: the scaling curve needs it",
            pg::redacted_database_url()
        )
        .into());
    }
    let runs = cli.runs();
    let transfers = usize::try_from(cli.scaling_commands)?;
    let mut all: Vec<Measure> = Vec::new();
    for run in 1..=runs {
        eprintln!("run {run}: raw-SQL limit from {TASKS:?} connections ...");
        let raws = baseline::raw_rates(&TASKS).await?;
        let mut lines = Vec::with_capacity(TASKS.len());
        for (&tasks, &raw) in TASKS.iter().zip(&raws) {
            eprintln!("run {run}: postgres W2 transfer ({tasks} task(s)) ...");
            let mut m = point(tasks, transfers).await?;
            m.run = run.to_string();
            m.compare_with_rate(tasks, raw);
            if cli.json {
                println!("{}", serde_json::to_string(&m)?);
            }
            lines.push(m);
        }
        if !cli.json && runs > 1 {
            println!("run {run} of {runs}:");
            print!("{}", table(&lines));
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
        print!("{}", table(&medians));
    }
    let points: Vec<Point> = medians
        .iter()
        .map(|m| Point {
            tasks: m.tasks,
            commands_per_second: m.per_second,
            raw_commits_per_second: m.raw_commits_per_second.unwrap_or(f64::NAN),
        })
        .collect();
    let svg = chart::render(&points, transfers, runs)?;
    std::fs::write(&cli.chart, svg)
        .map_err(|e| format!("cannot write the chart to {}: {e}", cli.chart.display()))?;
    eprintln!("chart written to {}", cli.chart.display());
    if medians.iter().any(|m| !m.invariant_ok) {
        return Err("an invariant check failed (see the table)".into());
    }
    Ok(())
}

/// W2 with `transfers` transfers from `tasks` tasks, in a fresh schema
/// (dropped afterwards) whose store pool has a connection per task, and
/// never fewer than the store's default.
async fn point(tasks: usize, transfers: usize) -> BenchResult<Measure> {
    let pool = u32::try_from(tasks)?.max(pg::POOL_SIZE);
    let fixture = pg::PgFixture::with_pool_size("W2_scaling", pool).await?;
    let result =
        workloads::w2_from(Backend::Postgres, fixture.store.clone(), tasks, transfers).await;
    fixture.drop_schema().await?;
    result
}

/// The curve as a Markdown table.
fn table(lines: &[Measure]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| tasks | n | commands/s | raw commits/s | ratio | p50 ms | p99 ms | retries | invariants |"
    );
    let _ = writeln!(out, "|--:|--:|--:|--:|--:|--:|--:|--:|---|");
    for m in lines {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            m.tasks,
            m.commands,
            fmt_num(m.per_second, 0),
            fmt_num(m.raw_commits_per_second.unwrap_or(f64::NAN), 0),
            fmt_num(m.ratio.unwrap_or(f64::NAN), 2),
            fmt_num(m.p50_ms, 3),
            fmt_num(m.p99_ms, 3),
            m.retries,
            m.invariant,
        );
    }
    out
}
