//! One result line: a workload's rate, latencies and invariant verdict.

use std::time::Duration;

use eventcore_benches::stats::percentile;
use serde::Serialize;

use crate::{
    baseline::RawLimit,
    drive::Drive,
    invariants::Check,
    workload::{Backend, Workload},
};

/// One result line.
#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    /// `"median"` for the summary lines, else the run number.
    pub run: String,
    pub store: Backend,
    pub workload: &'static str,
    pub tasks: usize,
    /// Commands executed (events applied for W5).
    pub commands: usize,
    pub seconds: f64,
    /// Commands per second (events per second for W5).
    pub per_second: f64,
    pub unit: &'static str,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub ms_per_command: f64,
    pub retries: u64,
    pub invariant_ok: bool,
    pub invariant: String,
    /// The raw-SQL limit this result is compared with (PostgreSQL and
    /// SQLite).
    pub raw_commits_per_second: Option<f64>,
    pub raw_connections: Option<usize>,
    /// `per_second / raw_commits_per_second`.
    pub ratio: Option<f64>,
    #[serde(skip)]
    pub key: Workload,
}

impl Measure {
    /// The line for `commands` commands driven as `drive` observed, with
    /// the verdict of `checks` (and of any failed command).
    pub fn new(
        store: Backend,
        workload: Workload,
        drive: &Drive,
        commands: usize,
        checks: Vec<Check>,
    ) -> Self {
        let secs = drive.elapsed.as_secs_f64();
        let mut failed: Vec<String> = checks
            .into_iter()
            .filter(|(ok, _)| !ok)
            .map(|(_, why)| why)
            .collect();
        if drive.failures > 0 {
            failed.insert(
                0,
                format!(
                    "{} of {commands} failed, first: {}",
                    drive.failures,
                    drive.first_failure.as_deref().unwrap_or("?")
                ),
            );
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        Self {
            run: String::new(),
            store,
            workload: workload.label(),
            tasks: workload.tasks(),
            commands,
            seconds: secs,
            per_second: commands as f64 / secs,
            unit: "commands/s",
            p50_ms: ms(percentile(&drive.latencies, 50)),
            p99_ms: ms(percentile(&drive.latencies, 99)),
            ms_per_command: secs * 1e3 / commands as f64,
            retries: drive.retries,
            invariant_ok: failed.is_empty(),
            invariant: if failed.is_empty() {
                "ok".to_owned()
            } else {
                failed.join("; ")
            },
            raw_commits_per_second: None,
            raw_connections: None,
            ratio: None,
            key: workload,
        }
    }

    /// Sets the PostgreSQL raw-SQL limit this line is compared with, and
    /// the ratio.
    pub fn compare_with(&mut self, raw: RawLimit) {
        let (connections, base) = raw.for_tasks(self.tasks);
        self.compare_with_rate(connections, base);
    }

    /// Sets the raw-SQL limit this line is compared with (`base` commits
    /// per second from `connections` connections), and the ratio.
    pub fn compare_with_rate(&mut self, connections: usize, base: f64) {
        self.raw_commits_per_second = Some(base);
        self.raw_connections = Some(connections);
        self.ratio = Some(self.per_second / base);
    }
}
