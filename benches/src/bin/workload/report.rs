//! Reporting: medians over runs, and the results as a Markdown table.

use std::{collections::BTreeMap, fmt::Write as _};

use eventcore_benches::{
    pg,
    stats::{median, median_u64},
};

use crate::{
    baseline::RawLimit,
    measure::Measure,
    workload::{Backend, Workload},
};

/// One line per store and workload with the median of every figure over
/// the runs; the verdict lists every run whose invariants failed.
pub fn medians(all: &[Measure], runs: usize) -> Vec<Measure> {
    let mut groups: BTreeMap<(Backend, Workload), Vec<&Measure>> = BTreeMap::new();
    for m in all {
        groups.entry((m.store, m.key)).or_default().push(m);
    }
    groups
        .into_values()
        .filter_map(|ms| {
            let first = *ms.first()?;
            let med = |f: fn(&Measure) -> f64| {
                median(&ms.iter().map(|m| f(m)).collect::<Vec<_>>()).unwrap_or(f64::NAN)
            };
            let opt = |f: fn(&Measure) -> Option<f64>| {
                let v: Vec<f64> = ms.iter().filter_map(|m| f(m)).collect();
                median(&v)
            };
            let failed: Vec<String> = ms
                .iter()
                .filter(|m| !m.invariant_ok)
                .map(|m| format!("run {}: {}", m.run, m.invariant))
                .collect();
            let retries: Vec<u64> = ms.iter().map(|m| m.retries).collect();
            Some(Measure {
                run: "median".to_owned(),
                seconds: med(|m| m.seconds),
                per_second: med(|m| m.per_second),
                p50_ms: med(|m| m.p50_ms),
                p99_ms: med(|m| m.p99_ms),
                ms_per_command: med(|m| m.ms_per_command),
                retries: median_u64(&retries).unwrap_or(0),
                invariant_ok: failed.is_empty(),
                invariant: if failed.is_empty() {
                    if runs > 1 {
                        format!("ok ({runs}/{runs})")
                    } else {
                        "ok".to_owned()
                    }
                } else {
                    failed.join("; ")
                },
                raw_commits_per_second: opt(|m| m.raw_commits_per_second),
                ratio: opt(|m| m.ratio),
                ..first.clone()
            })
        })
        .collect()
}

/// `v` with `decimals` decimals, or `-` for NaN (a figure that does not
/// apply).
pub fn fmt_num(v: f64, decimals: usize) -> String {
    if v.is_nan() {
        "-".to_owned()
    } else {
        format!("{v:.decimals$}")
    }
}

/// The result lines as a Markdown table.
pub fn table(lines: &[Measure]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| store | workload | tasks | n | rate | p50 ms | p99 ms | ms/cmd | retries | invariants | raw-SQL limit | ratio |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|");
    for m in lines {
        let raw = match (m.raw_commits_per_second, m.raw_connections) {
            (Some(r), Some(c)) => format!("{r:.0} ({c} conn)"),
            _ => "-".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} {} | {} | {} | {} | {} | {} | {} | {} |",
            m.store.name(),
            m.workload,
            m.tasks,
            m.commands,
            fmt_num(m.per_second, 0),
            m.unit,
            fmt_num(m.p50_ms, 3),
            fmt_num(m.p99_ms, 3),
            fmt_num(m.ms_per_command, 3),
            m.retries,
            m.invariant,
            raw,
            m.ratio
                .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}")),
        );
    }
    out
}

/// The line under the table that states the raw-SQL limit (medians over
/// the runs).
pub fn raw_limits(raws: &[RawLimit], runs: usize) -> String {
    let one: Vec<f64> = raws.iter().map(|r| r.one_connection).collect();
    let eight: Vec<f64> = raws.iter().map(|r| r.eight_connections).collect();
    format!(
        "raw-SQL limit (single-row INSERT commits/s, pool of {}): 1 connection {:.0}, 8 connections {:.0}{}",
        pg::POOL_SIZE,
        median(&one).unwrap_or(f64::NAN),
        median(&eight).unwrap_or(f64::NAN),
        if runs > 1 {
            " (medians; ratios above are medians of per-run ratios)"
        } else {
            ""
        }
    )
}

/// The line under the table that states SQLite's raw-SQL limit, measured
/// in each workload's file: the median over the SQLite lines of every run,
/// per connection count; `None` without SQLite lines.
pub fn sqlite_raw_limits(all: &[Measure], runs: usize) -> Option<String> {
    let by_connections = |n: usize| -> Vec<f64> {
        all.iter()
            .filter(|m| m.store == Backend::Sqlite && m.raw_connections == Some(n))
            .filter_map(|m| m.raw_commits_per_second)
            .collect()
    };
    let (one, eight) = (by_connections(1), by_connections(8));
    if one.is_empty() && eight.is_empty() {
        return None;
    }
    let figure = |v: &[f64]| {
        median(v).map_or_else(
            || "-".to_owned(),
            |m| format!("{m:.0} (median of {} measurements)", v.len()),
        )
    };
    Some(format!(
        "SQLite raw-SQL limit (single-row INSERT commits/s into the workload's own file, \
         synchronous = FULL, measured before each workload): 1 connection {}, 8 connections {}{}",
        figure(&one),
        figure(&eight),
        if runs > 1 {
            " (ratios above are medians of per-run ratios)"
        } else {
            ""
        }
    ))
}
