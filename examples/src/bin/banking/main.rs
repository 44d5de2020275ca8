//! The README demo: opens ten accounts, runs a few hundred transfers from
//! several concurrent tasks, and shows that money is conserved.
//!
//! By default the events live in an SQLite file (`eventcore-demo.db` in the
//! current directory, or `--file PATH`): the accounts have fixed numbers,
//! so a second run continues from the first's balances. `--memory` runs on
//! the in-memory store; without either flag, a non-empty `DATABASE_URL`
//! runs on PostgreSQL.

use std::{
    error::Error,
    path::Path,
    process::ExitCode,
    time::{Duration, Instant},
};

use eventcore::{
    CommandError, CommandExecutor, EventId, GlobalPosition, RetryPolicy, SnapshotPolicy,
    projection::{ProjectionHandle, ProjectionRunner, RunnerConfig},
    store::{CheckpointStore, EventStore, LeaseStore, SnapshotStore},
};
use eventcore_examples::banking::{
    self, AccountId, Amount, BalanceProjection, BankError, Money, OpenAccount, Owner,
    PgBalanceTable, SqliteBalanceTable, TransferMoney,
};
use eventcore_memory::MemoryStore;
use eventcore_postgres::PostgresStore;
use eventcore_sqlite::{SqliteStore, sqlx};
use rand::{Rng, SeedableRng, rngs::StdRng};

use cli::{Backend, USAGE, backend, redact};

mod cli;

const ACCOUNTS: usize = 10;
const TASKS: usize = 8;
const TRANSFERS_PER_TASK: usize = 50;
const OPENING_BALANCE_CENTS: i64 = 100_000;
type DemoResult<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = match backend(&args, std::env::var("DATABASE_URL").ok()) {
        Ok(Some(backend)) => backend,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("banking: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match demo(backend).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("banking: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn demo(backend: Backend) -> DemoResult {
    match backend {
        Backend::Sqlite(path) => {
            let store = SqliteStore::open(&path).await?;
            println!(
                "EventCore banking demo on the SQLite file {} (run it again to continue; --memory for the in-memory store)",
                std::path::absolute(&path)
                    .as_deref()
                    .unwrap_or(Path::new(store.path()))
                    .display()
            );
            // The balance table, in the same file, commits with its
            // checkpoint: exactly-once, and it carries on across runs.
            let table = SqliteBalanceTable::create(&store).await?;
            let runner = ProjectionRunner::with_checkpointed(
                store.clone(),
                eventcore_sqlite::Transactional::new(store.clone(), table.clone()),
                RunnerConfig::default(),
            );
            let table = (BalanceTable::Sqlite(table), runner.start());
            let result = run(store.clone(), Accounts::Fixed, Some(table)).await;
            // Folds the write-ahead log back into the file before exiting.
            store.close().await;
            result
        }
        Backend::Postgres(url) => {
            println!("EventCore banking demo on PostgreSQL ({})", redact(&url));
            let store = PostgresStore::connect(&url).await?;
            store.migrate().await?;
            // The balance table commits with its checkpoint: exactly-once.
            let table = PgBalanceTable::create(&store).await?;
            let runner = ProjectionRunner::with_checkpointed(
                store.clone(),
                eventcore_postgres::Transactional::new(store.clone(), table.clone()),
                RunnerConfig::default(),
            );
            let table = (BalanceTable::Postgres(table), runner.start());
            run(store, Accounts::PerRun, Some(table)).await
        }
        Backend::Memory => {
            println!("EventCore banking demo on the in-memory store");
            run(MemoryStore::new(), Accounts::PerRun, None).await
        }
    }
}

/// The exactly-once balance table beside the events, on the stores that
/// have one.
enum BalanceTable {
    Postgres(PgBalanceTable),
    Sqlite(SqliteBalanceTable),
}

impl BalanceTable {
    async fn balance(&self, account: &AccountId) -> Result<Option<Money>, sqlx::Error> {
        match self {
            Self::Postgres(table) => table.balance(account).await,
            Self::Sqlite(table) => table.balance(account).await,
        }
    }
}

/// Which account numbers a run uses.
#[derive(Clone, Copy, PartialEq)]
enum Accounts {
    /// `demo-0` … `demo-9`, opened by the first run on a file and used by
    /// every later one.
    Fixed,
    /// New numbers every run, so runs sharing a database do not collide.
    PerRun,
}

async fn run<S>(
    store: S,
    accounts: Accounts,
    table: Option<(BalanceTable, ProjectionHandle)>,
) -> DemoResult
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

    let accounts = open_accounts(&executor, accounts).await?;
    let mut before = Vec::with_capacity(accounts.len());
    for account in &accounts {
        before.push(banking::balance(&store, account).await?);
    }
    let start = store.head_position().await?;
    transfers(&executor, &accounts, start).await?;

    let head = store.head_position().await?;
    let mut caught_up = projection
        .wait_for_position(head, Duration::from_secs(30))
        .await;
    if let Some((_, handle)) = &table {
        caught_up &= handle
            .wait_for_position(head, Duration::from_secs(30))
            .await;
    }
    let rows = Rows {
        accounts: &accounts,
        before: &before,
        balances: &balances,
        table: table.as_ref().map(|(table, _)| table),
    };
    let checked = report(&store, &rows).await;
    projection.shutdown().await?;
    if let Some((_, handle)) = table {
        handle.shutdown().await?;
    }
    checked?;
    if !caught_up {
        return Err("the balance projections did not catch up within 30 s".into());
    }
    println!("head of the event log: position {start} before the transfers, {head} after");
    println!(
        "\ntotal conserved; no balance below zero (Money cannot be negative); the projections agree with every account"
    );
    Ok(())
}

/// Opens the demo's accounts; an account an earlier run opened is used as
/// it is.
async fn open_accounts<S: EventStore>(
    executor: &CommandExecutor<S>,
    numbering: Accounts,
) -> DemoResult<Vec<AccountId>> {
    let prefix = match numbering {
        Accounts::Fixed => "demo".to_owned(),
        Accounts::PerRun => EventId::new().to_string()[24..].to_owned(),
    };
    let accounts: Vec<AccountId> = (0..ACCOUNTS)
        .map(|i| AccountId::try_new(format!("{prefix}-{i}")))
        .collect::<Result<_, _>>()?;
    let opening = Money::try_from_cents(OPENING_BALANCE_CENTS)?;
    let mut opened = 0;
    for (i, account) in accounts.iter().enumerate() {
        let open = OpenAccount {
            account: account.clone(),
            owner: Owner::try_new(format!("Customer {i}"))?,
            initial_deposit: opening,
        };
        match executor.execute(open).await {
            Ok(_) => opened += 1,
            Err(CommandError::Rejected(BankError::AccountExists(_))) => {}
            Err(other) => return Err(other.into()),
        }
    }
    match opened {
        0 => println!("accounts opened by an earlier run: continuing from their balances"),
        ACCOUNTS => println!("opened {ACCOUNTS} accounts with {opening} each"),
        _ => println!(
            "opened {opened} accounts with {opening} each; {} were opened by an earlier run",
            ACCOUNTS - opened
        ),
    }
    Ok(accounts)
}

/// What the report shows, besides the store.
struct Rows<'a> {
    accounts: &'a [AccountId],
    before: &'a [Money],
    balances: &'a BalanceProjection,
    table: Option<&'a BalanceTable>,
}

/// Prints every balance before the transfers and after them three ways
/// (folded from the stream, the in-memory projection, the table beside the
/// events) and checks that they agree and that the total is conserved.
async fn report<S: EventStore>(store: &S, rows: &Rows<'_>) -> DemoResult {
    println!(
        "\n{:<16} {:>12} {:>12} {:>12} {:>12}",
        "account", "before", "after", "projection", "table"
    );
    let show = |m: Option<Money>| m.map_or_else(|| "-".to_owned(), |m| m.to_string());
    let (mut total_before, mut total) = (Money::ZERO, Money::ZERO);
    for (account, before) in rows.accounts.iter().zip(rows.before) {
        let balance = banking::balance(store, account).await?;
        let projected = rows.balances.balance(account);
        let in_table = match rows.table {
            Some(table) => Some(table.balance(account).await?),
            None => None,
        };
        println!(
            "{:<16} {:>12} {:>12} {:>12} {:>12}",
            account.to_string(),
            before.to_string(),
            balance.to_string(),
            show(projected),
            in_table.map_or_else(|| "n/a".to_owned(), show)
        );
        if projected != Some(balance) || in_table.is_some_and(|row| row != Some(balance)) {
            return Err(format!("a projection disagrees with the stream for {account}").into());
        }
        total_before = total_before.checked_add(*before).ok_or("total overflow")?;
        total = total.checked_add(balance).ok_or("total overflow")?;
    }
    println!(
        "{:<16} {:>12} {:>12}",
        "total",
        total_before.to_string(),
        total.to_string()
    );
    let expected = Money::try_from_cents(OPENING_BALANCE_CENTS * i64::try_from(ACCOUNTS)?)?;
    if total_before != expected || total != expected {
        return Err(format!(
            "invariant broken: total {total_before} before and {total} after, expected {expected}"
        )
        .into());
    }
    Ok(())
}

/// Runs the transfers from `TASKS` concurrent tasks and prints what
/// happened. `seed` varies the transfers from one run to the next.
async fn transfers<S: EventStore + Clone + 'static>(
    executor: &CommandExecutor<S>,
    accounts: &[AccountId],
    seed: GlobalPosition,
) -> DemoResult {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (executor, accounts) = (executor.clone(), accounts.to_vec());
        let seed = seed.value().wrapping_add(task as u64);
        tasks.push(tokio::spawn(async move {
            transfer_loop(seed, &executor, &accounts).await
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
    seed: u64,
    executor: &CommandExecutor<S>,
    accounts: &[AccountId],
) -> DemoResult<TaskTotals> {
    let mut rng = StdRng::seed_from_u64(seed);
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
