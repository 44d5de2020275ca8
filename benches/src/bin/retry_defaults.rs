//! How often ordinary contention surfaces as `RetriesExhausted` under a
//! retry policy: eight tasks transfer money among six accounts on
//! PostgreSQL (`DATABASE_URL`), 32 transfers each, every task with its own
//! executor (as separate processes would be), and the failures are counted.
//! Runs the previous defaults and the current ones, alternating.
//!
//! `cargo run --release -p eventcore-benches --bin retry_defaults -- [RUNS]`

use std::time::Duration;

use eventcore::{CommandError, CommandExecutor, RetryPolicy};
use eventcore_benches::{BenchResult, pg::PgFixture, seed};
use eventcore_examples::banking::{Amount, TransferMoney};
use rand::{Rng, SeedableRng, rngs::StdRng};

const TASKS: usize = 8;
const PER_TASK: usize = 32;
const ACCOUNTS: usize = 6;

/// One run: returns (failed commands, total attempts).
async fn run(policy: RetryPolicy, seed_value: u64) -> BenchResult<(usize, u64)> {
    let fixture = PgFixture::new("retry").await?;
    let accounts = seed::accounts("shop", ACCOUNTS)?;
    seed::open_all(
        &CommandExecutor::new(fixture.store.clone()),
        &accounts,
        100_000_000,
    )
    .await?;
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let executor = CommandExecutor::new(fixture.store.clone()).retry_policy(policy);
        let accounts = accounts.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed_value * 100 + task as u64);
            let (mut failed, mut attempts) = (0_usize, 0_u64);
            for _ in 0..PER_TASK {
                let from = rng.random_range(0..ACCOUNTS);
                let to = (from + rng.random_range(1..ACCOUNTS)) % ACCOUNTS;
                let command = TransferMoney::new(
                    accounts[from].clone(),
                    accounts[to].clone(),
                    Amount::try_from_cents(1)?,
                )?;
                match executor.execute(command).await {
                    Ok(done) => attempts += u64::from(done.attempts),
                    Err(CommandError::RetriesExhausted { attempts: n, .. }) => {
                        failed += 1;
                        attempts += u64::from(n);
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            BenchResult::Ok((failed, attempts))
        }));
    }
    let (mut failed, mut attempts) = (0, 0);
    for task in tasks {
        let (f, a) = task.await??;
        failed += f;
        attempts += a;
    }
    fixture.drop_schema().await?;
    Ok((failed, attempts))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> BenchResult {
    let runs: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let previous = RetryPolicy::new()
        .with_max_attempts(5)
        .base_delay(Duration::from_millis(10))
        .max_delay(Duration::from_secs(1));
    let current = RetryPolicy::default();
    println!("{TASKS} tasks x {PER_TASK} transfers over {ACCOUNTS} accounts, {runs} runs each");
    for (name, policy) in [("previous default", previous), ("current default", current)] {
        let mut line = Vec::new();
        for run_number in 0..runs {
            let (failed, attempts) = run(policy, run_number).await?;
            line.push(format!("{failed} failed / {attempts} attempts"));
        }
        println!("{name} ({policy:?}): {}", line.join("; "));
    }
    Ok(())
}
