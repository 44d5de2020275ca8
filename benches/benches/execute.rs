//! Command execution on the in-memory store: a single-stream deposit and a
//! two-stream transfer, through `CommandExecutor::execute` (read, fold,
//! decide, encode, append); the deposit again with an idempotency key (a
//! fresh key per command: the lookup and the record it adds), and the
//! replay of a deposit whose key is already recorded. The deposit, with
//! and without a key, runs on PostgreSQL too (a warm executor over 1,000
//! accounts in a fresh schema; skipped with a note when the database is
//! unreachable).
//!
//! Streams stay short (a handful of events): every few thousand commands
//! the bench starts over on a fresh store, outside the timed section.
//!
//! Last, `execute/metrics` runs the deposit again after installing a
//! metrics recorder (one that adds every record to an atomic): next to
//! `execute/memory/single_stream_deposit`, run before any recorder exists,
//! it shows what recording costs, and that without a recorder it costs
//! nothing measurable.

use std::{
    hint::black_box,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eventcore::{CommandExecutor, CommandLogic, ExecutionOptions, IdempotencyKey};
use eventcore_benches::{BenchResult, harness, or_exit, seed};
use eventcore_examples::banking::{AccountId, Amount, Deposit, TransferMoney};
use eventcore_memory::MemoryStore;
use tokio::runtime::Builder;

const ACCOUNTS: usize = 1_000;
/// Commands per fresh store: at most 5 (deposit) or 10 (transfer) new
/// events per account.
const CHUNK: u64 = 5_000;

/// Whether a command's key is recorded before the timed section.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keys {
    /// Executed once, timed: an unkeyed or a first keyed execution.
    Fresh,
    /// Executed untimed first, then timed again: a replay.
    Replayed,
}

/// Times `iters` commands on fresh stores with `ACCOUNTS` opened accounts,
/// `CHUNK` commands per store.
async fn timed<C, F>(
    iters: u64,
    accounts: &[AccountId],
    opening: i64,
    keys: Keys,
    make: F,
) -> Duration
where
    C: CommandLogic,
    F: Fn(u64) -> BenchResult<(C, ExecutionOptions)>,
{
    let mut elapsed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let chunk = (iters - done).min(CHUNK);
        let executor = CommandExecutor::new(MemoryStore::new());
        or_exit(
            seed::open_all(&executor, accounts, opening).await,
            "open accounts",
        );
        let build = || {
            or_exit(
                (done..done + chunk)
                    .map(&make)
                    .collect::<BenchResult<Vec<_>>>(),
                "build commands",
            )
        };
        if keys == Keys::Replayed {
            for (command, options) in build() {
                or_exit(
                    executor.execute_with_options(command, options).await,
                    "record",
                );
            }
        }
        let commands = build();
        let started = Instant::now();
        for (command, options) in commands {
            black_box(or_exit(
                executor.execute_with_options(command, options).await,
                "execute",
            ));
        }
        elapsed += started.elapsed();
        done += chunk;
    }
    elapsed
}

fn deposit(accounts: &[AccountId], i: u64) -> BenchResult<Deposit> {
    Ok(Deposit {
        account: accounts[(i as usize) % ACCOUNTS].clone(),
        amount: Amount::try_from_cents(100)?,
    })
}

fn execute(c: &mut Criterion) {
    let rt = harness::runtime(Builder::new_current_thread());
    let accounts = or_exit(seed::accounts("bench", ACCOUNTS), "account ids");
    let mut group = c.benchmark_group("execute/memory");
    group.throughput(Throughput::Elements(1));

    group.bench_function("single_stream_deposit", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let accounts = accounts.clone();
            async move {
                timed(iters, &accounts, 0, Keys::Fresh, |i| {
                    Ok((deposit(&accounts, i)?, ExecutionOptions::new()))
                })
                .await
            }
        });
    });

    for (name, keys) in [
        ("single_stream_deposit_keyed", Keys::Fresh),
        ("single_stream_deposit_replayed", Keys::Replayed),
    ] {
        group.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iters| {
                let accounts = accounts.clone();
                async move {
                    timed(iters, &accounts, 0, keys, |i| {
                        let key = IdempotencyKey::try_new(format!("deposit-{i}"))?;
                        Ok((
                            deposit(&accounts, i)?,
                            ExecutionOptions::new().idempotency_key(key),
                        ))
                    })
                    .await
                }
            });
        });
    }

    group.bench_function("two_stream_transfer", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let accounts = accounts.clone();
            async move {
                timed(iters, &accounts, 1_000_000, Keys::Fresh, |i| {
                    let from = (i as usize) % ACCOUNTS;
                    // A different partner each lap, never the same account.
                    let to = (from + 1 + (i as usize / ACCOUNTS) % (ACCOUNTS - 1)) % ACCOUNTS;
                    let transfer = TransferMoney::new(
                        accounts[from].clone(),
                        accounts[to].clone(),
                        Amount::try_from_cents(1)?,
                    )?;
                    Ok((transfer, ExecutionOptions::new()))
                })
                .await
            }
        });
    });
    group.finish();
}

/// Deposits on PostgreSQL through a warm executor, with a fresh key per
/// command or none, and through an executor without a stream cache: the
/// keyed command's cost next to the plain one's and to a plain one that
/// reads first.
fn postgres(c: &mut Criterion) {
    let rt = harness::runtime(Builder::new_multi_thread());
    harness::postgres(c, &rt, "execute", |group, store| {
        let executor = CommandExecutor::new(store.clone());
        // Without a stream cache every command reads before it appends:
        // the two round trips a keyed command also makes.
        let uncached = CommandExecutor::new(store.clone()).stream_cache(0);
        let accounts = or_exit(seed::accounts("pg", ACCOUNTS), "account ids");
        or_exit(
            rt.block_on(seed::open_all(&executor, &accounts, 0)),
            "open accounts",
        );
        let next = AtomicU64::new(0);
        for (name, keyed, executor) in [
            ("single_stream_deposit", false, &executor),
            ("single_stream_deposit_uncached", false, &uncached),
            ("single_stream_deposit_keyed", true, &executor),
        ] {
            group.bench_function(name, |b| {
                b.to_async(&rt).iter_custom(|iters| {
                    let first = next.fetch_add(iters, Ordering::Relaxed);
                    let (executor, accounts) = (executor.clone(), accounts.clone());
                    async move {
                        let commands = or_exit(
                            (first..first + iters)
                                .map(|i| {
                                    let options = if keyed {
                                        let key = IdempotencyKey::try_new(format!("deposit-{i}"))?;
                                        ExecutionOptions::new().idempotency_key(key)
                                    } else {
                                        ExecutionOptions::new()
                                    };
                                    Ok((deposit(&accounts, i)?, options))
                                })
                                .collect::<BenchResult<Vec<_>>>(),
                            "build commands",
                        );
                        let started = Instant::now();
                        for (command, options) in commands {
                            black_box(or_exit(
                                executor.execute_with_options(command, options).await,
                                "execute",
                            ));
                        }
                        started.elapsed()
                    }
                });
            });
        }
    });
}

/// A recorder that adds every record to one atomic: the cost of the
/// instrumentation itself, without an exporter's own bookkeeping.
#[derive(Default)]
struct Tally(Arc<AtomicU64>);

struct Recorded(Arc<AtomicU64>);

impl metrics::CounterFn for Recorded {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }

    fn absolute(&self, value: u64) {
        self.0.fetch_max(value, Ordering::Relaxed);
    }
}

impl metrics::GaugeFn for Recorded {
    fn increment(&self, _: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn decrement(&self, _: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn set(&self, _: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl metrics::HistogramFn for Recorded {
    fn record(&self, _: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl metrics::Recorder for Tally {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }

    fn register_counter(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        metrics::Counter::from_arc(Arc::new(Recorded(Arc::clone(&self.0))))
    }

    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::from_arc(Arc::new(Recorded(Arc::clone(&self.0))))
    }

    fn register_histogram(
        &self,
        _: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::from_arc(Arc::new(Recorded(Arc::clone(&self.0))))
    }
}

/// The deposit with a recorder installed (for the rest of the process).
fn recorded(c: &mut Criterion) {
    let tally = Tally::default();
    let records = Arc::clone(&tally.0);
    or_exit(
        metrics::set_global_recorder(tally).map_err(|e| e.to_string()),
        "install the recorder",
    );
    let rt = harness::runtime(Builder::new_current_thread());
    let accounts = or_exit(seed::accounts("bench", ACCOUNTS), "account ids");
    let mut group = c.benchmark_group("execute/metrics");
    group.throughput(Throughput::Elements(1));
    group.bench_function("single_stream_deposit_recorded", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let accounts = accounts.clone();
            async move {
                timed(iters, &accounts, 0, Keys::Fresh, |i| {
                    Ok((deposit(&accounts, i)?, ExecutionOptions::new()))
                })
                .await
            }
        });
    });
    group.finish();
    if records.load(Ordering::Relaxed) == 0 {
        eprintln!("the recorder saw no record: the metrics are not wired");
        std::process::exit(1);
    }
}

criterion_group!(
    name = benches;
    config = harness::config(Duration::from_secs(3), 20);
    targets = execute, postgres, recorded
);
criterion_main!(benches);
