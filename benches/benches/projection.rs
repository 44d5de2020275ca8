//! Projection catch-up: a `ProjectionRunner` with the banking balance
//! projection, from position 0 to the head of 10,000 events (100 accounts
//! of 100 events), on the in-memory store and on PostgreSQL. Each iteration
//! uses a new projection name, so it starts without a checkpoint.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
    measurement::WallTime,
};
use eventcore::{
    projection::{ProjectionRunner, RunnerConfig},
    store::{CheckpointStore, EventStore, LeaseStore},
};
use eventcore_benches::{harness, or_exit, seed};
use eventcore_examples::banking::BalanceProjection;
use eventcore_memory::MemoryStore;
use tokio::runtime::{Builder, Runtime};

const ACCOUNTS: usize = 100;
const PER_ACCOUNT: usize = 100;
const EVENTS: u64 = (ACCOUNTS * PER_ACCOUNT) as u64;

async fn catch_up<S>(store: &S, iters: u64) -> Duration
where
    S: EventStore + CheckpointStore + LeaseStore + Clone + 'static,
{
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let head = or_exit(store.head_position().await, "head position");
    let mut elapsed = Duration::ZERO;
    for _ in 0..iters {
        let name = format!("bench-balances-{}", RUNS.fetch_add(1, Ordering::Relaxed));
        let started = Instant::now();
        let handle = ProjectionRunner::new(
            store.clone(),
            BalanceProjection::named(name),
            RunnerConfig::default(),
        )
        .start();
        let reached = handle.wait_for_position(head, Duration::from_mins(1)).await;
        elapsed += started.elapsed();
        or_exit(handle.shutdown().await, "shutdown");
        if !reached {
            eprintln!("projection did not reach the head within a minute");
            std::process::exit(1);
        }
    }
    elapsed
}

fn bench<S>(group: &mut BenchmarkGroup<'_, WallTime>, rt: &Runtime, store: &S)
where
    S: EventStore + CheckpointStore + LeaseStore + Clone + 'static,
{
    let accounts = or_exit(seed::accounts("proj", ACCOUNTS), "account ids");
    for account in &accounts {
        or_exit(
            rt.block_on(seed::seed_account(
                store,
                account,
                PER_ACCOUNT - 1,
                5,
                PER_ACCOUNT,
            )),
            "seed",
        );
    }
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(EVENTS));
    group.bench_function(format!("catch_up/{EVENTS}"), |b| {
        b.to_async(rt).iter_custom(|iters| catch_up(store, iters));
    });
}

fn memory(c: &mut Criterion) {
    let rt = harness::runtime(Builder::new_multi_thread());
    let mut group = c.benchmark_group("projection/memory");
    bench(&mut group, &rt, &MemoryStore::new());
    group.finish();
}

fn postgres(c: &mut Criterion) {
    let rt = harness::runtime(Builder::new_multi_thread());
    harness::postgres(c, &rt, "projection", |group, store| {
        bench(group, &rt, store);
    });
}

criterion_group!(
    name = benches;
    config = harness::config(Duration::from_secs(4), 10);
    targets = memory, postgres
);
criterion_main!(benches);
