//! The README demo: opens accounts, runs a few hundred transfers from
//! several concurrent tasks, and shows that money is conserved.
//!
//! Runs on the in-memory store; set `DATABASE_URL` to run on PostgreSQL.

use std::{
    error::Error,
    time::{Duration, Instant},
};

use eventcore::{
    CommandError, CommandExecutor, EventId, RetryPolicy, SnapshotPolicy,
    projection::{ProjectionHandle, ProjectionRunner, RunnerConfig},
    store::{CheckpointStore, EventStore, LeaseStore, SnapshotStore},
};
use eventcore_examples::banking::{
    self, AccountId, Amount, BalanceProjection, BankError, Money, OpenAccount, Owner,
    PgBalanceTable, TransferMoney,
};
use eventcore_memory::MemoryStore;
use eventcore_postgres::{PostgresStore, Transactional};
use rand::{Rng, SeedableRng, rngs::StdRng};

const ACCOUNTS: usize = 10;
const TASKS: usize = 8;
const TRANSFERS_PER_TASK: usize = 50;
const OPENING_BALANCE_CENTS: i64 = 100_000;

type DemoResult<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;

#[tokio::main]
async fn main() -> DemoResult {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            println!("EventCore banking demo on PostgreSQL ({})", redact(&url));
            let store = PostgresStore::connect(&url).await?;
            store.migrate().await?;
            // The balance table commits with its checkpoint: exactly-once.
            let table = PgBalanceTable::create(&store).await?;
            let runner = ProjectionRunner::with_checkpointed(
                store.clone(),
                Transactional::new(store.clone(), table.clone()),
                RunnerConfig::default(),
            );
            run(store, Some((table, runner.start()))).await
        }
        _ => {
            println!(
                "EventCore banking demo on the in-memory store (set DATABASE_URL for PostgreSQL)"
            );
            run(MemoryStore::new(), None).await
        }
    }
}

/// Hides the password in a connection URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn run<S>(store: S, table: Option<(PgBalanceTable, ProjectionHandle)>) -> DemoResult
where
    S: EventStore + CheckpointStore + LeaseStore + SnapshotStore + Clone + 'static,
{
    // Accounts are kept in snapshots (`snapshot_version` on the commands'
    // fields): a restarted demo reads only each account's latest events.
    let executor = CommandExecutor::new(store.clone())
        .retry_policy(
            RetryPolicy::new()
                .with_max_attempts(100)
                .max_delay(Duration::from_millis(20)),
        )
        .snapshots(SnapshotPolicy::default());
    let balances = BalanceProjection::new();
    let projection =
        ProjectionRunner::new(store.clone(), balances.clone(), RunnerConfig::default()).start();
    // The read model lives in memory, so replay it from the start.
    projection.rebuild().await;

    let accounts = open_accounts(&executor).await?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (executor, accounts) = (executor.clone(), accounts.clone());
        tasks.push(tokio::spawn(async move {
            transfer_loop(task, &executor, &accounts).await
        }));
    }
    let mut totals = TaskTotals::default();
    for task in tasks {
        totals.add(task.await??);
    }
    let elapsed = started.elapsed();
    println!(
        "ran {} transfers from {TASKS} concurrent tasks in {elapsed:.2?}: {} succeeded, {} refused for insufficient funds, {} retries after version conflicts",
        TASKS * TRANSFERS_PER_TASK,
        totals.succeeded,
        totals.refused,
        totals.retries,
    );

    let head = store.head_position().await?;
    let mut caught_up = projection
        .wait_for_position(head, Duration::from_secs(30))
        .await;
    if let Some((_, handle)) = &table {
        caught_up &= handle
            .wait_for_position(head, Duration::from_secs(30))
            .await;
    }
    let checked = report(&store, &accounts, &balances, table.as_ref().map(|(t, _)| t)).await;
    projection.shutdown().await?;
    if let Some((_, handle)) = table {
        handle.shutdown().await?;
    }
    checked?;
    if !caught_up {
        return Err("the balance projections did not catch up within 30 s".into());
    }
    println!(
        "\ntotal conserved; no balance below zero (Money cannot be negative); the projections agree with every account"
    );
    Ok(())
}

/// Opens the demo's accounts. Account numbers are unique per run, so runs
/// against one database do not collide.
async fn open_accounts<S: EventStore>(executor: &CommandExecutor<S>) -> DemoResult<Vec<AccountId>> {
    let run_id = EventId::new().to_string()[24..].to_owned();
    let accounts: Vec<AccountId> = (0..ACCOUNTS)
        .map(|i| AccountId::try_new(format!("{run_id}-{i}")))
        .collect::<Result<_, _>>()?;
    let opening = Money::try_from_cents(OPENING_BALANCE_CENTS)?;
    for (i, account) in accounts.iter().enumerate() {
        executor
            .execute(OpenAccount {
                account: account.clone(),
                owner: Owner::try_new(format!("Customer {i}"))?,
                initial_deposit: opening,
            })
            .await?;
    }
    println!("opened {ACCOUNTS} accounts with {opening} each");
    Ok(accounts)
}

/// Prints every balance three ways (folded from the stream, the in-memory
/// projection, the PostgreSQL table) and checks that they agree and that the
/// total is conserved.
async fn report<S: EventStore>(
    store: &S,
    accounts: &[AccountId],
    balances: &BalanceProjection,
    table: Option<&PgBalanceTable>,
) -> DemoResult {
    println!(
        "\n{:<28} {:>12} {:>12} {:>12}",
        "account", "folded", "projection", "pg table"
    );
    let show = |m: Option<Money>| m.map_or_else(|| "-".to_owned(), |m| m.to_string());
    let mut total = Money::ZERO;
    for account in accounts {
        let balance = banking::balance(store, account).await?;
        let projected = balances.balance(account);
        let in_table = match table {
            Some(table) => Some(table.balance(account).await?),
            None => None,
        };
        println!(
            "{:<28} {:>12} {:>12} {:>12}",
            account.to_string(),
            balance.to_string(),
            show(projected),
            in_table.map_or_else(|| "n/a".to_owned(), show)
        );
        if projected != Some(balance) || in_table.is_some_and(|row| row != Some(balance)) {
            return Err(format!("a projection disagrees with the stream for {account}").into());
        }
        total = total.checked_add(balance).ok_or("total overflow")?;
    }
    println!("{:<28} {:>12}", "total", total.to_string());
    let expected = Money::try_from_cents(OPENING_BALANCE_CENTS * i64::try_from(ACCOUNTS)?)?;
    if total != expected {
        return Err(format!("invariant broken: total {total}, expected {expected}").into());
    }
    Ok(())
}

#[derive(Clone, Copy, Default)]
struct TaskTotals {
    succeeded: u64,
    refused: u64,
    retries: u64,
}

impl TaskTotals {
    fn add(&mut self, other: Self) {
        self.succeeded += other.succeeded;
        self.refused += other.refused;
        self.retries += other.retries;
    }
}

async fn transfer_loop<S: EventStore>(
    task: usize,
    executor: &CommandExecutor<S>,
    accounts: &[AccountId],
) -> DemoResult<TaskTotals> {
    let mut rng = StdRng::seed_from_u64(task as u64);
    let mut totals = TaskTotals::default();
    for _ in 0..TRANSFERS_PER_TASK {
        let from = rng.random_range(0..accounts.len());
        let to = (from + rng.random_range(1..accounts.len())) % accounts.len();
        let amount = Amount::try_from_cents(rng.random_range(1..=30_000))?;
        let transfer = TransferMoney::new(accounts[from].clone(), accounts[to].clone(), amount)?;
        match executor.execute(transfer).await {
            Ok(done) => {
                totals.succeeded += 1;
                totals.retries += u64::from(done.attempts - 1);
            }
            Err(CommandError::Rejected(BankError::InsufficientFunds { .. })) => totals.refused += 1,
            Err(other) => return Err(other.into()),
        }
    }
    Ok(totals)
}
