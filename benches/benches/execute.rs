//! Command execution on the in-memory store: a single-stream deposit and a
//! two-stream transfer, through `CommandExecutor::execute` (read, fold,
//! decide, encode, append).
//!
//! Streams stay short (a handful of events): every few thousand commands
//! the bench starts over on a fresh store, outside the timed section.

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eventcore::{CommandExecutor, CommandLogic};
use eventcore_benches::{BenchResult, harness, or_exit, seed};
use eventcore_examples::banking::{AccountId, Amount, Deposit, TransferMoney};
use eventcore_memory::MemoryStore;
use tokio::runtime::Builder;

const ACCOUNTS: usize = 1_000;
/// Commands per fresh store: at most 5 (deposit) or 10 (transfer) new
/// events per account.
const CHUNK: u64 = 5_000;

/// Times `chunk` commands on fresh stores with `ACCOUNTS` opened accounts.
async fn timed<C, F>(iters: u64, accounts: &[AccountId], opening: i64, make: F) -> Duration
where
    C: CommandLogic,
    F: Fn(u64) -> BenchResult<C>,
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
        let commands = or_exit(
            (done..done + chunk)
                .map(&make)
                .collect::<BenchResult<Vec<C>>>(),
            "build commands",
        );
        let started = Instant::now();
        for command in commands {
            black_box(or_exit(executor.execute(command).await, "execute"));
        }
        elapsed += started.elapsed();
        done += chunk;
    }
    elapsed
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
                timed(iters, &accounts, 0, |i| {
                    Ok(Deposit {
                        account: accounts[(i as usize) % ACCOUNTS].clone(),
                        amount: Amount::try_from_cents(100)?,
                    })
                })
                .await
            }
        });
    });

    group.bench_function("two_stream_transfer", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let accounts = accounts.clone();
            async move {
                timed(iters, &accounts, 1_000_000, |i| {
                    let from = (i as usize) % ACCOUNTS;
                    // A different partner each lap, never the same account.
                    let to = (from + 1 + (i as usize / ACCOUNTS) % (ACCOUNTS - 1)) % ACCOUNTS;
                    Ok(TransferMoney::new(
                        accounts[from].clone(),
                        accounts[to].clone(),
                        Amount::try_from_cents(1)?,
                    )?)
                })
                .await
            }
        });
    });
    group.finish();
}

criterion_group!(
    name = benches;
    config = harness::config(Duration::from_secs(3), 20);
    targets = execute
);
criterion_main!(benches);
