//! The EventCore workload runner (`just workload`).
//!
//! Runs the bank workloads W1–W6 on the in-memory store, on PostgreSQL and
//! on SQLite, and measures in the same run the raw-SQL limit of each
//! database: single-row `INSERT` commits per second through the same kind
//! of connections, from 1 and from 8 connections. Every PostgreSQL and
//! SQLite result is printed next to that limit as a ratio, because on a
//! shared, noisy machine the ratio is the figure that counts.
//!
//! - [`cli`]: the command line.
//! - [`suite`]: runs every selected workload on every store, once per run.
//! - [`workload`]: the workloads' names and shapes; [`workloads`]: what each
//!   one does.
//! - [`baseline`]: the raw-SQL limit of PostgreSQL; [`sqlite_baseline`]:
//!   SQLite's.
//! - [`drive`] times commands; [`measure`] turns timings and
//!   [`invariants`] into one result line.
//! - [`report`]: medians and tables; [`targets`]: the verdict per target.
//! - [`scaling`]: the scaling curve (`--scaling`), W2 on PostgreSQL from 1
//!   to 32 tasks; [`chart`] draws it as SVG.

// Counts and durations here are far below 2^52: converting them to f64 for
// rates loses nothing.
#![allow(clippy::cast_precision_loss)]

mod baseline;
mod chart;
mod cli;
mod drive;
mod invariants;
mod measure;
mod report;
mod scaling;
mod sqlite_baseline;
mod suite;
mod targets;
mod workload;
mod workloads;

use clap::Parser as _;
use eventcore_benches::BenchResult;

fn main() -> BenchResult {
    let cli = cli::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if cli.scaling {
        runtime.block_on(scaling::run(&cli))
    } else {
        runtime.block_on(suite::run(&cli))
    }
}
