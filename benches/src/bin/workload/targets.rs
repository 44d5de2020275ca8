//! The performance target of each workload, judged against the medians.
//! A target is met only if the workload's invariants also held.

use std::fmt::Write as _;

use crate::{
    measure::Measure,
    workload::{
        Backend::{self, Memory, Postgres, Sqlite},
        Workload::{self, W1, W2Eight, W2Single, W3, W4, W5, W6},
    },
};

/// How a target is judged.
#[derive(Clone, Copy)]
enum Goal {
    /// `ratio` to the raw-SQL limit at least this.
    RatioAtLeast(f64),
    /// p99 latency at most this many ms.
    P99AtMost(f64),
    /// Milliseconds per command at most this.
    MsPerCommandAtMost(f64),
    /// Rate (commands/s or events/s) at least this.
    RateAtLeast(f64),
}

use Goal::{MsPerCommandAtMost, P99AtMost, RateAtLeast, RatioAtLeast};

/// Store, workload, the target as the table states it, and how it is
/// judged.
type Target = (Backend, Workload, &'static str, Goal);

// One target per line, so the list reads as the table it is.
#[rustfmt::skip]
const TARGETS: [Target; 12] = [
    (Postgres, W1, "≥ 0.6 × raw 1-connection commits/s", RatioAtLeast(0.6)),
    (Postgres, W2Eight, "≥ 0.5 × raw 8-connection commits/s", RatioAtLeast(0.5)),
    (Postgres, W3, "all 2,000 succeed, p99 ≤ 50 ms", P99AtMost(50.0)),
    (Postgres, W4, "≤ 4 ms per command", MsPerCommandAtMost(4.0)),
    (Postgres, W5, "≥ 50,000 events/s", RateAtLeast(50_000.0)),
    (Memory, W1, "≥ 1,000,000 commands/s", RateAtLeast(1_000_000.0)),
    (Memory, W2Single, "≥ 400,000 commands/s", RateAtLeast(400_000.0)),
    (Memory, W4, "≤ 0.3 ms per command", MsPerCommandAtMost(0.3)),
    // Issue 17's targets, for the executor with snapshots.
    (Postgres, W6, "≤ 5 ms per command (with snapshots)", MsPerCommandAtMost(5.0)),
    (Memory, W6, "≤ 0.2 ms per command (with snapshots)", MsPerCommandAtMost(0.2)),
    // Issue 19's targets for the SQLite store.
    (Sqlite, W1, "≥ 0.6 × raw 1-connection commits/s", RatioAtLeast(0.6)),
    (Sqlite, W5, "≥ 100,000 events/s", RateAtLeast(100_000.0)),
];

/// What was measured against `goal`, and whether it meets it.
fn judge(m: &Measure, goal: Goal) -> (String, bool) {
    match goal {
        RatioAtLeast(min) => {
            let r = m.ratio.unwrap_or(f64::NAN);
            (
                format!("{:.0} {} = {r:.2} × raw", m.per_second, m.unit),
                r >= min,
            )
        }
        P99AtMost(max) => (
            format!("p99 {:.1} ms, invariants {}", m.p99_ms, m.invariant),
            m.p99_ms <= max,
        ),
        MsPerCommandAtMost(max) => (
            format!("{:.3} ms per command", m.ms_per_command),
            m.ms_per_command <= max,
        ),
        RateAtLeast(min) => (
            format!("{:.0} {}", m.per_second, m.unit),
            m.per_second >= min,
        ),
    }
}

/// Every target whose workload ran, with its verdict, as a Markdown table.
pub fn table(medians: &[Measure]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| store | workload | target | measured | verdict |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for (store, key, target, goal) in TARGETS {
        let Some(m) = medians.iter().find(|m| m.store == store && m.key == key) else {
            continue;
        };
        let (measured, ok) = judge(m, goal);
        let verdict = if ok && m.invariant_ok {
            "met"
        } else {
            "NOT met"
        };
        let _ = writeln!(
            out,
            "| {} | {} | {target} | {measured} | {verdict} |",
            store.name(),
            key.describe(),
        );
    }
    out
}
