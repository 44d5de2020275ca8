//! The command line.

use clap::{Parser, ValueEnum};

use crate::workload::{Backend, Group, Workload};

/// Runs the bank workloads W1–W6 of the banking example on the in-memory
/// store and on PostgreSQL, and prints every PostgreSQL result next to the
/// raw-SQL limit of the same database measured in the same run.
///
/// PostgreSQL is `DATABASE_URL` (default
/// `postgres://postgres@127.0.0.1:5432/postgres`); each workload runs in a
/// fresh schema that is dropped afterwards.
#[derive(Debug, Parser)]
#[command(name = "workload")]
pub struct Cli {
    /// The stores to run the workloads on.
    #[arg(long, value_enum, default_value_t = StoreChoice::Both)]
    pub store: StoreChoice,

    /// Run the whole suite N times; the final table gives the median of
    /// every figure (0 counts as 1).
    #[arg(long, value_name = "N", default_value_t = 1)]
    runs: usize,

    /// Print one JSON object per result line (each run's lines, then the
    /// medians) instead of tables.
    #[arg(long)]
    pub json: bool,

    /// Run only these workloads, comma-separated (e.g. `W1,W3`); all of
    /// them by default.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        ignore_case = true,
        value_name = "W1,W2,..."
    )]
    only: Vec<Group>,
}

/// The `--store` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StoreChoice {
    /// The in-memory store only.
    Memory,
    /// PostgreSQL only.
    Postgres,
    /// Both, memory first.
    Both,
}

impl Cli {
    /// The stores to run on, in order.
    pub fn stores(&self) -> Vec<Backend> {
        match self.store {
            StoreChoice::Memory => vec![Backend::Memory],
            StoreChoice::Postgres => vec![Backend::Postgres],
            StoreChoice::Both => vec![Backend::Memory, Backend::Postgres],
        }
    }

    /// How many times to run the suite (at least once).
    pub fn runs(&self) -> usize {
        self.runs.max(1)
    }

    /// The selected workloads, in suite order.
    pub fn workloads(&self) -> Vec<Workload> {
        Workload::ALL
            .into_iter()
            .filter(|w| self.only.is_empty() || self.only.contains(&w.group()))
            .collect()
    }
}
