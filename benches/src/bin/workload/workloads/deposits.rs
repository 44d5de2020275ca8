//! Single-stream deposits.
//!
//! - W1: 10,000 deposits to random accounts among 1,000, from one task or
//!   from 8 (the same deposits, dealt round-robin to the tasks).
//! - W4: one account with 10,000 events, written straight through the
//!   store, then 100 deposits on it through the executor.
//! - W6: one account with 100,000 events, then 100 deposits, each from a
//!   new executor (an empty stream cache, as a new process or replica has):
//!   what snapshots are for.

use eventcore::{
    CommandExecutor, CommandState, SnapshotPolicy,
    store::{EventStore, SnapshotStore},
};
use eventcore_benches::{BenchResult, seed};
use eventcore_examples::banking::{AccountId, Amount, Deposit};
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{Cache, Expected, drive_and_audit};
use crate::{
    measure::Measure,
    workload::{Backend, Workload},
};

const W1_ACCOUNTS: usize = 1_000;
const W1_COMMANDS: usize = 10_000;

const W4_HISTORY: usize = 10_000;
const W4_COMMANDS: usize = 100;
const W4_DEPOSIT_CENTS: i64 = 100;

const W6_HISTORY: usize = 100_000;
const W6_COMMANDS: usize = 100;

pub async fn w1<S: EventStore + Clone + 'static>(
    backend: Backend,
    store: S,
    workload: Workload,
) -> BenchResult<Measure> {
    let tasks = workload.tasks();
    // From one task nothing conflicts: the default policy. From several,
    // two tasks may deposit to the same account at once: the contention
    // policy of W2 and W3, so every deposit succeeds.
    let executor = if tasks == 1 {
        CommandExecutor::new(store)
    } else {
        CommandExecutor::new(store).retry_policy(super::contention_policy())
    };
    let accounts = seed::accounts("w1", W1_ACCOUNTS)?;
    seed::open_all(&executor, &accounts, 0).await?;

    let mut rng = StdRng::seed_from_u64(1);
    let mut deposited: i128 = 0;
    let mut per_task: Vec<Vec<Deposit>> = (0..tasks)
        .map(|_| Vec::with_capacity(W1_COMMANDS / tasks + 1))
        .collect();
    for i in 0..W1_COMMANDS {
        let cents = rng.random_range(1..=1_000);
        deposited += i128::from(cents);
        per_task[i % tasks].push(Deposit {
            account: accounts[rng.random_range(0..W1_ACCOUNTS)].clone(),
            amount: Amount::try_from_cents(cents)?,
        });
    }
    let expected = Expected {
        total_cents: deposited,
        events: W1_ACCOUNTS + W1_COMMANDS,
    };
    drive_and_audit(
        backend,
        workload,
        &executor,
        per_task,
        Cache::Warm,
        &accounts,
        &expected,
    )
    .await
}

pub async fn w4<S: EventStore + Clone + 'static>(
    backend: Backend,
    store: S,
) -> BenchResult<Measure> {
    let account = AccountId::try_new("w4-long")?;
    // AccountOpened (zero) + 9,999 deposits of one cent.
    seed::seed_account(&store, &account, W4_HISTORY - 1, 1, 1_000).await?;
    let executor = CommandExecutor::new(store);
    let amount = Amount::try_from_cents(W4_DEPOSIT_CENTS)?;
    let commands: Vec<Deposit> = (0..W4_COMMANDS)
        .map(|_| Deposit {
            account: account.clone(),
            amount,
        })
        .collect();
    let expected = Expected {
        total_cents: (W4_HISTORY as i128 - 1) + i128::from(W4_DEPOSIT_CENTS) * W4_COMMANDS as i128,
        events: W4_HISTORY + W4_COMMANDS,
    };
    drive_and_audit(
        backend,
        Workload::W4,
        &executor,
        vec![commands],
        Cache::Warm,
        std::slice::from_ref(&account),
        &expected,
    )
    .await
}

/// W6, with snapshots (`snapshots`) or without. With them, one deposit
/// before the timed section (not timed) saves the account's first
/// snapshot, as a system running with snapshots would have; the timed
/// deposits then save more as the policy says.
///
/// `EVENTCORE_W6_SNAPSHOT_EVERY=N` runs it with `SnapshotPolicy::every(N)`
/// instead of the default; for N over 100, `(N - 100) / 2` deposits
/// without snapshots follow the first snapshot (not timed), so the timed
/// commands read on average N / 2 events past it, as they would in a
/// steady state under that policy.
pub async fn w6<S: EventStore + SnapshotStore + Clone + 'static>(
    backend: Backend,
    store: S,
    snapshots: bool,
) -> BenchResult<Measure> {
    let account = AccountId::try_new("w6-long")?;
    // AccountOpened (zero) + 99,999 deposits of one cent.
    seed::seed_account(&store, &account, W6_HISTORY - 1, 1, 1_000).await?;
    let policy = match std::env::var("EVENTCORE_W6_SNAPSHOT_EVERY") {
        Ok(every) => SnapshotPolicy::every(every.parse()?)?,
        Err(_) => SnapshotPolicy::default(),
    };
    let mut executor = CommandExecutor::new(store.clone());
    let workload = if snapshots {
        executor = executor.snapshots(policy);
        Workload::W6
    } else {
        Workload::W6Plain
    };
    let amount = Amount::try_from_cents(W4_DEPOSIT_CENTS)?;
    let deposit = || Deposit {
        account: account.clone(),
        amount,
    };
    let mut setup = 0;
    if snapshots {
        executor.execute(deposit()).await?;
        wait_for_snapshot(&store, &account).await?;
        let tail = usize::try_from(policy.events().saturating_sub(100) / 2)?;
        let plain = CommandExecutor::new(store.clone());
        for _ in 0..tail {
            plain.execute(deposit()).await?;
        }
        setup = 1 + tail;
    }
    let commands: Vec<Deposit> = (0..W6_COMMANDS).map(|_| deposit()).collect();
    let deposits = (W6_COMMANDS + setup) as i128;
    let expected = Expected {
        total_cents: (W6_HISTORY as i128 - 1) + i128::from(W4_DEPOSIT_CENTS) * deposits,
        events: W6_HISTORY + W6_COMMANDS + setup,
    };
    drive_and_audit(
        backend,
        workload,
        &executor,
        vec![commands],
        Cache::Cold,
        std::slice::from_ref(&account),
        &expected,
    )
    .await
}

/// Waits (up to 30 s) until `account` has a snapshot: they are saved on a
/// task of their own after a command.
async fn wait_for_snapshot<S: SnapshotStore>(store: &S, account: &AccountId) -> BenchResult {
    let probe = Deposit {
        account: account.clone(),
        amount: Amount::try_from_cents(1)?,
    };
    let kind = probe
        .snapshot_kind(account.stream_id())
        .ok_or("the account state is not kept in snapshots")?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if store
            .load_snapshot(account.stream_id(), kind.state_type())
            .await?
            .is_some()
        {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    Err("no snapshot of the W6 account was saved within 30 s".into())
}
