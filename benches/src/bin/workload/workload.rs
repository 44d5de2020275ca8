//! The stores and the workloads the runner knows.

use clap::ValueEnum;
use serde::Serialize;

/// A store the workloads run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Memory,
    Postgres,
    Sqlite,
}

impl Backend {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }

    /// Whether a run without `--only` leaves `workload` out on this
    /// store: W6 without snapshots on SQLite (100 commands that each read
    /// and fold 100,000 events, about 90 s a run; `--only W6` runs it).
    pub const fn skips_by_default(self, workload: Workload) -> bool {
        matches!((self, workload), (Self::Sqlite, Workload::W6Plain))
    }
}

/// A workload as named on the command line: W2 stands for both of its
/// variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Group {
    /// Single-stream deposits, from 1 and from 8 tasks.
    #[value(name = "W1")]
    W1,
    /// Two-stream transfers, from 1 and from 8 tasks.
    #[value(name = "W2")]
    W2,
    /// Transfers among 10 accounts from 8 tasks.
    #[value(name = "W3")]
    W3,
    /// Deposits on one long stream.
    #[value(name = "W4")]
    W4,
    /// Projection catch-up.
    #[value(name = "W5")]
    W5,
    /// Deposits on one very long stream, each from a cold executor, with
    /// snapshots and without.
    #[value(name = "W6")]
    W6,
}

/// One measured workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Workload {
    W1,
    /// W1 from 8 tasks.
    W1Eight,
    W2Single,
    W2Eight,
    W3,
    W4,
    W5,
    W6,
    /// W6 without snapshots: the figure snapshots are measured against.
    W6Plain,
    /// W2 from this many tasks: a point of the scaling curve (`--scaling`),
    /// never part of the suite.
    W2Tasks(usize),
}

impl Workload {
    /// Every workload, in suite order.
    pub const ALL: [Self; 9] = [
        Self::W1,
        Self::W1Eight,
        Self::W2Single,
        Self::W2Eight,
        Self::W3,
        Self::W4,
        Self::W5,
        Self::W6,
        Self::W6Plain,
    ];

    pub const fn label(self) -> &'static str {
        match self {
            Self::W1 | Self::W1Eight => "W1 deposit",
            Self::W2Single | Self::W2Eight | Self::W2Tasks(_) => "W2 transfer",
            Self::W3 => "W3 contention",
            Self::W4 => "W4 long stream",
            Self::W5 => "W5 catch-up",
            Self::W6 => "W6 cold long stream",
            Self::W6Plain => "W6 without snapshots",
        }
    }

    pub const fn group(self) -> Group {
        match self {
            Self::W1 | Self::W1Eight => Group::W1,
            Self::W2Single | Self::W2Eight | Self::W2Tasks(_) => Group::W2,
            Self::W3 => Group::W3,
            Self::W4 => Group::W4,
            Self::W5 => Group::W5,
            Self::W6 | Self::W6Plain => Group::W6,
        }
    }

    /// Concurrent tasks; in the suite this also picks the raw-SQL limit
    /// it is compared with (1 or 8 connections).
    pub const fn tasks(self) -> usize {
        match self {
            Self::W1 | Self::W2Single | Self::W4 | Self::W5 | Self::W6 | Self::W6Plain => 1,
            Self::W1Eight | Self::W2Eight | Self::W3 => 8,
            Self::W2Tasks(n) => n,
        }
    }

    /// The label and the task count, as the progress lines and the
    /// targets table show it.
    pub fn describe(self) -> String {
        format!("{} ({} task(s))", self.label(), self.tasks())
    }
}

impl Group {
    /// `"W1"` … `"W6"`, which also labels the workload's PostgreSQL schema.
    pub const fn name(self) -> &'static str {
        match self {
            Self::W1 => "W1",
            Self::W2 => "W2",
            Self::W3 => "W3",
            Self::W4 => "W4",
            Self::W5 => "W5",
            Self::W6 => "W6",
        }
    }
}
