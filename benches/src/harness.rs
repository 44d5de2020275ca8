//! What the criterion benches share: a Tokio runtime, criterion's
//! settings, and PostgreSQL groups that run in a fresh schema or are
//! skipped when the database is unreachable.

use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, measurement::WallTime};
use eventcore_postgres::PostgresStore;
use tokio::runtime::{Builder, Runtime};

use crate::{
    or_exit,
    pg::{self, PgFixture},
};

/// Warm-up time of every bench.
const WARM_UP: Duration = Duration::from_secs(1);

/// A runtime from `builder`, with every driver enabled.
pub fn runtime(mut builder: Builder) -> Runtime {
    or_exit(builder.enable_all().build(), "tokio runtime")
}

/// Criterion with a short warm-up, `measurement` per bench and `samples`
/// samples: short enough that the whole suite takes minutes.
#[must_use]
pub fn config(measurement: Duration, samples: usize) -> Criterion {
    Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(measurement)
        .sample_size(samples)
}

/// Runs `benches` in the group `<name>/postgres` on a store in a fresh
/// schema, dropped afterwards; prints a note and skips the group when
/// PostgreSQL is unreachable.
pub fn postgres(
    c: &mut Criterion,
    rt: &Runtime,
    name: &str,
    benches: impl FnOnce(&mut BenchmarkGroup<'_, WallTime>, &PostgresStore),
) {
    let group_name = format!("{name}/postgres");
    if !rt.block_on(pg::reachable()) {
        println!("note: PostgreSQL is not reachable at DATABASE_URL; skipping {group_name}");
        return;
    }
    let fixture = or_exit(rt.block_on(PgFixture::new(name)), "PostgreSQL fixture");
    let mut group = c.benchmark_group(group_name);
    benches(&mut group, &fixture.store);
    group.finish();
    or_exit(rt.block_on(fixture.drop_schema()), "drop schema");
}
