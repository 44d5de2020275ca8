//! The storage port: `append` of 1, 10 and 100 events (one new stream per
//! append) and `read_streams` of a stream of 10, 100 and 1,000 events, on
//! the in-memory store and on PostgreSQL.
//!
//! PostgreSQL runs in a fresh schema that is dropped at the end; if the
//! database (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`)
//! is unreachable, its groups are skipped with a note.

use std::{
    hint::black_box,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use eventcore::{
    StreamId,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_benches::{BenchResult, harness, or_exit, seed};
use eventcore_examples::banking::{AccountId, Amount, BankEvent};
use eventcore_memory::MemoryStore;
use tokio::runtime::{Builder, Runtime};

const APPEND_SIZES: [usize; 3] = [1, 10, 100];
const READ_SIZES: [usize; 3] = [10, 100, 1_000];
/// Events per fresh in-memory store, so memory use stays bounded.
const EVENTS_PER_STORE: usize = 50_000;

/// `count` appends of `size` deposit events, each to a new stream.
fn batches(size: usize, count: u64) -> BenchResult<Vec<AppendBatch>> {
    static STREAMS: AtomicU64 = AtomicU64::new(0);
    let deposit = BankEvent::Deposited {
        amount: Amount::try_from_cents(100)?,
    };
    (0..count)
        .map(|_| {
            let n = STREAMS.fetch_add(1, Ordering::Relaxed);
            let stream = StreamId::try_new(format!("append-{size}-{n}"))?;
            let events = (0..size)
                .map(|_| seed::new_event(&deposit))
                .collect::<BenchResult<Vec<NewEvent>>>()?;
            Ok(AppendBatch::single(
                stream,
                ExpectedVersion::NO_STREAM,
                events,
            ))
        })
        .collect()
}

async fn timed_appends<S: EventStore>(fresh: impl Fn() -> S, size: usize, iters: u64) -> Duration {
    let per_store = (EVENTS_PER_STORE / size).max(1) as u64;
    let mut elapsed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let chunk = (iters - done).min(per_store);
        let store = fresh();
        let batches = or_exit(batches(size, chunk), "build batches");
        let started = Instant::now();
        for batch in batches {
            black_box(or_exit(store.append(batch).await, "append"));
        }
        elapsed += started.elapsed();
        done += chunk;
    }
    elapsed
}

fn bench_store<S: EventStore + Clone + 'static>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rt: &Runtime,
    fresh: impl Fn() -> S + Clone,
) {
    for size in APPEND_SIZES {
        group.throughput(Throughput::Elements(size as u64));
        group.bench_function(format!("append/{size}"), |b| {
            b.to_async(rt).iter_custom(|iters| {
                let fresh = fresh.clone();
                async move { timed_appends(fresh, size, iters).await }
            });
        });
    }
    let store = fresh();
    for size in READ_SIZES {
        let account = or_exit(AccountId::try_new(format!("read-{size}")), "account id");
        or_exit(
            rt.block_on(seed::seed_account(&store, &account, size - 1, 100, 1_000)),
            "seed stream",
        );
        let ids = [account.stream_id().clone()];
        group.throughput(Throughput::Elements(size as u64));
        group.bench_function(format!("read/{size}"), |b| {
            b.to_async(rt)
                .iter(|| async { black_box(or_exit(store.read_streams(&ids).await, "read")) });
        });
    }
}

fn memory(c: &mut Criterion) {
    let rt = harness::runtime(Builder::new_multi_thread());
    let mut group = c.benchmark_group("store/memory");
    bench_store(&mut group, &rt, MemoryStore::new);
    group.finish();
}

fn postgres(c: &mut Criterion) {
    let rt = harness::runtime(Builder::new_multi_thread());
    harness::postgres(c, &rt, "store", |group, store| {
        let store = store.clone();
        bench_store(group, &rt, move || store.clone());
    });
}

criterion_group!(
    name = benches;
    config = harness::config(Duration::from_secs(3), 20);
    targets = memory, postgres
);
criterion_main!(benches);
