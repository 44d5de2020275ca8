//! Sixteen tasks run overlapping and disjoint banking commands through
//! PostgreSQL's group commit (groups formed on purpose: few groups in
//! flight and a short wait for companions), then the stored events are
//! audited:
//!
//! - money is conserved: the balances sum to what was opened and deposited
//!   minus what was withdrawn by the commands that succeeded;
//! - no balance ever went below zero (folded with signed arithmetic, in
//!   version order);
//! - every stream's versions are dense (1..n) and follow its positions;
//! - every event of every successful command is stored exactly once, and
//!   nothing else is stored;
//! - batches really shared transactions (some epoch holds the events of
//!   more than one command).

#![cfg(test)]

mod common;

use std::{collections::HashMap, time::Duration};

use common::TestResult;
use eventcore::{
    CommandError, CommandExecutor, EventId, EventSerializer, GlobalPosition, JsonSerializer,
    RetryPolicy,
    store::{EventFilter, EventStore},
};
use eventcore_examples::banking::{
    AccountId, Amount, BankError, BankEvent, Deposit, Money, OpenAccount, Owner, TransferMoney,
    Withdraw,
};
use eventcore_postgres::{GroupCommit, PostgresConfig, PostgresStore, SchemaName};
use rand::{Rng, SeedableRng, rngs::StdRng};

const TASKS: usize = 16;
const COMMANDS_PER_TASK: usize = 60;
const SHARED_ACCOUNTS: usize = 6;
const OPENING_CENTS: i64 = 500;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What the successful commands of one task did.
#[derive(Default)]
struct Done {
    event_ids: Vec<EventId>,
    deposited: i128,
    withdrawn: i128,
    refused: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_tasks_through_group_commit_keep_every_banking_invariant() -> TestResult {
    let store = grouped_store().await?;
    // Run in a task so that the schema is dropped even when a check fails.
    let result = tokio::spawn(run_and_audit(store.clone())).await;
    common::drop_schema(&store).await?;
    match result {
        Ok(checked) => checked,
        Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
        Err(failed) => Err(failed.into()),
    }
}

/// A store whose appends wait briefly for companions, two groups at a time.
async fn grouped_store() -> Result<PostgresStore, Error> {
    let plain = common::fresh_store("group").await?;
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let schema = SchemaName::try_new(plain.schema().to_string())?;
    let store = PostgresConfig::from_url(url)
        .schema(schema)
        .max_connections(8)
        .group_commit(
            GroupCommit::new()
                .max_in_flight(2)
                .max_batches(8)
                .max_wait(Duration::from_micros(500)),
        )
        .connect()
        .await?;
    Ok(store)
}

async fn run_and_audit(store: PostgresStore) -> TestResult {
    let executor = CommandExecutor::new(store.clone()).retry_policy(
        RetryPolicy::new()
            .with_max_attempts(1_000)
            .max_delay(Duration::from_millis(5)),
    );
    let shared: Vec<AccountId> = (0..SHARED_ACCOUNTS)
        .map(|i| AccountId::try_new(format!("shared-{i}")))
        .collect::<Result<_, _>>()?;
    let mut opened = 0_i128;
    let mut expected_ids = Vec::new();
    for account in &shared {
        expected_ids.extend(open(&executor, account, OPENING_CENTS).await?);
        opened += i128::from(OPENING_CENTS);
    }
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (executor, shared) = (executor.clone(), shared.clone());
        tasks.push(tokio::spawn(async move {
            one_task(task, &executor, &shared).await
        }));
    }
    let (mut deposited, mut withdrawn, mut refused) = (0, 0, 0);
    for task in tasks {
        let (done, private_opened) = task.await??;
        expected_ids.extend(done.event_ids);
        deposited += done.deposited;
        withdrawn += done.withdrawn;
        refused += done.refused;
        opened += private_opened;
    }
    assert!(
        refused > 0,
        "no command was refused: the no-negative rule went untested"
    );
    audit(&store, &expected_ids, opened + deposited - withdrawn).await
}

/// Opens `account` with `cents`; the ids of the events it wrote.
async fn open(
    executor: &CommandExecutor<PostgresStore>,
    account: &AccountId,
    cents: i64,
) -> Result<Vec<EventId>, Error> {
    let executed = executor
        .execute(OpenAccount {
            account: account.clone(),
            owner: Owner::try_new("group commit")?,
            initial_deposit: Money::try_from_cents(cents)?,
        })
        .await?;
    Ok(ids_of(&executed.events))
}

fn ids_of(events: &[eventcore::RecordedEvent<BankEvent>]) -> Vec<EventId> {
    events.iter().map(|e| e.metadata().event_id()).collect()
}

/// One task: transfers and withdrawals on the shared accounts (which run
/// dry, so some are refused), and transfers and deposits between two
/// accounts of its own.
async fn one_task(
    task: usize,
    executor: &CommandExecutor<PostgresStore>,
    shared: &[AccountId],
) -> Result<(Done, i128), Error> {
    let mut rng = StdRng::seed_from_u64(task as u64);
    let mut done = Done::default();
    let own = [
        AccountId::try_new(format!("own-{task}-a"))?,
        AccountId::try_new(format!("own-{task}-b"))?,
    ];
    for account in &own {
        done.event_ids.extend(open(executor, account, 1_000).await?);
    }
    for _ in 0..COMMANDS_PER_TASK {
        let cents = rng.random_range(1..=300);
        let amount = Amount::try_from_cents(cents)?;
        let outcome = match rng.random_range(0..4) {
            0 => {
                let from = rng.random_range(0..shared.len());
                let to = (from + rng.random_range(1..shared.len())) % shared.len();
                let transfer =
                    TransferMoney::new(shared[from].clone(), shared[to].clone(), amount)?;
                executor.execute(transfer).await
            }
            1 => {
                let account = shared[rng.random_range(0..shared.len())].clone();
                let outcome = executor.execute(Withdraw { account, amount }).await;
                if outcome.is_ok() {
                    done.withdrawn += i128::from(cents);
                }
                outcome
            }
            2 => {
                let (from, to) = if rng.random_bool(0.5) { (0, 1) } else { (1, 0) };
                let transfer = TransferMoney::new(own[from].clone(), own[to].clone(), amount)?;
                executor.execute(transfer).await
            }
            _ => {
                let account = own[rng.random_range(0..2)].clone();
                let outcome = executor.execute(Deposit { account, amount }).await;
                if outcome.is_ok() {
                    done.deposited += i128::from(cents);
                }
                outcome
            }
        };
        match outcome {
            Ok(executed) => done.event_ids.extend(ids_of(&executed.events)),
            Err(CommandError::Rejected(BankError::InsufficientFunds { .. })) => done.refused += 1,
            Err(other) => return Err(other.into()),
        }
    }
    Ok((done, 2_000))
}

/// Reads every stored event and checks the invariants.
async fn audit(store: &PostgresStore, expected_ids: &[EventId], total: i128) -> TestResult {
    let mut stored = Vec::new();
    let mut after = GlobalPosition::START;
    loop {
        let batch = store.read_all(after, &EventFilter::all(), 1_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.position();
        stored.extend(batch);
    }
    // Every successful command's events, once each, and nothing else.
    let mut seen: HashMap<EventId, usize> = HashMap::new();
    for event in &stored {
        *seen.entry(event.metadata().event_id()).or_default() += 1;
    }
    assert_eq!(
        stored.len(),
        expected_ids.len(),
        "stored events vs events of successful commands"
    );
    for id in expected_ids {
        assert_eq!(seen.get(id), Some(&1), "event {id} of a successful command");
    }
    // Per stream: dense versions in position order, a balance never below
    // zero; overall: conservation.
    let mut streams: HashMap<String, (u64, i128)> = HashMap::new();
    let mut epochs: HashMap<u64, usize> = HashMap::new();
    for event in &stored {
        let (version, balance) = streams.entry(event.stream_id().to_string()).or_default();
        *version += 1;
        assert_eq!(
            event.version().value(),
            *version,
            "dense versions of {}",
            event.stream_id()
        );
        let decoded: BankEvent = JsonSerializer.decode(event)?;
        *balance += i128::from(decoded.balance_change());
        assert!(
            *balance >= 0,
            "{} went below zero at version {version}",
            event.stream_id()
        );
        *epochs.entry(event.position().value() >> 20).or_default() += 1;
    }
    let sum: i128 = streams.values().map(|(_, balance)| balance).sum();
    assert_eq!(sum, total, "money conserved");
    // A transfer writes two events and a withdrawal or deposit one: an
    // epoch with more than two events holds more than one command.
    assert!(
        epochs.values().any(|&events| events > 2),
        "no group held more than one command ({} epochs for {} events)",
        epochs.len(),
        stored.len()
    );
    Ok(())
}
