//! Medians over the rounds, and the comparison table.

use std::{collections::BTreeMap, fmt::Write as _};

use crate::{bank::Outcome, plan::Shape};

/// A library under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Library {
    Ours,
    Eventcore2,
    Disintegrate,
}

impl Library {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ours => "EventCore (ours)",
            Self::Eventcore2 => "eventcore 2.1.0",
            Self::Disintegrate => "disintegrate 4",
        }
    }
}

/// A store kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum StoreKind {
    Memory,
    Postgres,
}

impl StoreKind {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Postgres => "postgres",
        }
    }
}

/// Every round's outcomes, by store, shape and library.
#[derive(Default)]
pub struct Results {
    runs: BTreeMap<(StoreKind, Shape, Library), Vec<Outcome>>,
}

/// The medians of one store, shape and library.
struct Summary {
    rate: f64,
    p50: f64,
    p99: f64,
    retries: f64,
    rounds: usize,
    problems: Vec<String>,
}

impl Results {
    pub fn add(&mut self, store: StoreKind, shape: Shape, library: Library, outcome: Outcome) {
        self.runs
            .entry((store, shape, library))
            .or_default()
            .push(outcome);
    }

    /// Whether any run failed a command or an invariant.
    pub fn any_problem(&self) -> bool {
        self.runs.values().flatten().any(|o| !o.problems.is_empty())
    }

    fn summary(&self, key: (StoreKind, Shape, Library)) -> Option<Summary> {
        let outcomes = self.runs.get(&key)?;
        let med = |f: fn(&Outcome) -> f64| median(outcomes.iter().map(f).collect());
        Some(Summary {
            rate: med(Outcome::per_second),
            p50: med(|o| o.percentile_ms(50)),
            p99: med(|o| o.percentile_ms(99)),
            retries: med(|o| o.retries as f64),
            rounds: outcomes.len(),
            problems: outcomes.iter().flat_map(|o| o.problems.clone()).collect(),
        })
    }

    /// The Markdown table: one line per store, shape and library, with
    /// our rate over the peer's.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| store | workload | tasks | library | commands/s | p50 ms | p99 ms | retries | checks | ours / this |"
        );
        let _ = writeln!(out, "|---|---|--:|---|--:|--:|--:|--:|---|--:|");
        for &(store, shape, library) in self.runs.keys() {
            let Some(s) = self.summary((store, shape, library)) else {
                continue;
            };
            let ours = self
                .summary((store, shape, Library::Ours))
                .map_or(f64::NAN, |o| o.rate);
            let ratio = if library == Library::Ours {
                "1".to_owned()
            } else {
                num(ours / s.rate, 2)
            };
            let checks = if s.problems.is_empty() {
                format!("ok ({}/{})", s.rounds, s.rounds)
            } else {
                s.problems.join("; ")
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                store.name(),
                shape.label(),
                shape.tasks(),
                library.name(),
                num(s.rate, 0),
                num(s.p50, 3),
                num(s.p99, 3),
                num(s.retries, 0),
                checks,
                ratio,
            );
        }
        out
    }
}

fn num(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        "-".to_owned()
    }
}

/// The median (the mean of the middle two for an even count); NaN if empty.
fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        f64::midpoint(v[mid - 1], v[mid])
    } else {
        v[mid]
    }
}
