//! The command line.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::workload::{Backend, Group, Workload};

/// Runs the bank workloads W1–W6 of the banking example on the in-memory
/// store, on PostgreSQL and on SQLite, and prints every PostgreSQL and
/// SQLite result next to the raw-SQL limit of the same database measured
/// in the same run.
///
/// PostgreSQL is `DATABASE_URL` (default
/// `postgres://postgres@127.0.0.1:5432/postgres`); each workload runs in a
/// fresh schema that is dropped afterwards. On SQLite each workload runs in
/// a fresh file in a temporary directory (`TMPDIR`), deleted afterwards.
///
/// With `--scaling` it runs the scaling curve instead: W2 on PostgreSQL
/// from 1, 2, 4, 8, 16 and 32 tasks, each against the raw-SQL limit from
/// as many connections, printed as a table and drawn as an SVG chart.
#[derive(Debug, Parser)]
#[command(name = "workload")]
pub struct Cli {
    /// The stores to run the workloads on.
    #[arg(long, value_enum, default_value_t = StoreChoice::All)]
    pub store: StoreChoice,

    /// Run the whole suite N times; the final table gives the median of
    /// every figure (0 counts as 1).
    #[arg(long, value_name = "N", default_value_t = 1)]
    runs: usize,

    /// Print one JSON object per result line (each run's lines, then the
    /// medians) instead of tables.
    #[arg(long)]
    pub json: bool,

    /// Run only these workloads, comma-separated (e.g. `W1,W3`); by
    /// default all of them, except W6 without snapshots on SQLite.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        ignore_case = true,
        value_name = "W1,W2,..."
    )]
    only: Vec<Group>,

    /// Instead of the suite, run the scaling curve: W2 (transfers) on
    /// PostgreSQL from 1, 2, 4, 8, 16 and 32 tasks, and the raw-SQL limit
    /// from as many connections; prints a table and writes the chart
    /// (`--chart`). Repeated and reduced to medians by `--runs`.
    #[arg(long, conflicts_with_all = ["store", "only"])]
    pub scaling: bool,

    /// Transfers per point of the scaling curve (10,000 as in W2; fewer
    /// for a quick check).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u32).range(1..),
        requires = "scaling"
    )]
    pub scaling_commands: u32,

    /// Where `--scaling` writes its SVG chart.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "benches/scaling.svg",
        requires = "scaling"
    )]
    pub chart: PathBuf,
}

/// The `--store` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StoreChoice {
    /// The in-memory store only.
    Memory,
    /// PostgreSQL only.
    Postgres,
    /// SQLite only.
    Sqlite,
    /// All three, in this order: memory, PostgreSQL, SQLite (`both` is
    /// its old name).
    #[value(alias = "both")]
    All,
}

impl Cli {
    /// The stores to run on, in order.
    pub fn stores(&self) -> Vec<Backend> {
        match self.store {
            StoreChoice::Memory => vec![Backend::Memory],
            StoreChoice::Postgres => vec![Backend::Postgres],
            StoreChoice::Sqlite => vec![Backend::Sqlite],
            StoreChoice::All => vec![Backend::Memory, Backend::Postgres, Backend::Sqlite],
        }
    }

    /// How many times to run the suite (at least once).
    pub fn runs(&self) -> usize {
        self.runs.max(1)
    }

    /// The workloads selected for `store`, in suite order: those `--only`
    /// names, else all but the ones `store` skips by default.
    pub fn workloads(&self, store: Backend) -> Vec<Workload> {
        Workload::ALL
            .into_iter()
            .filter(|&w| {
                if self.only.is_empty() {
                    !store.skips_by_default(w)
                } else {
                    self.only.contains(&w.group())
                }
            })
            .collect()
    }
}
