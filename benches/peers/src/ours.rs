//! Our EventCore: the banking example's commands (`eventcore_examples::
//! banking`) through a `CommandExecutor`, on `MemoryStore` and on
//! `PostgresStore`.

use std::{sync::Arc, time::Duration};

use eventcore::{
    CommandExecutor, EventMetadata, EventSerializer, JsonSerializer, RetryPolicy, StreamVersion,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_examples::banking::{
    AccountId, Amount, BankEvent, Deposit, Money, OpenAccount, Owner, TransferMoney,
};

use crate::{
    bank::{Bank, Failure},
    plan::{Op, account_name},
};

/// Events written per append when seeding a long stream.
const SEED_BATCH: usize = 1_000;

/// The runner's retry policy for contended workloads (the workload
/// runner's W2 and W3): enough attempts that every command succeeds, a
/// short backoff.
fn policy() -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(10_000)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(10))
}

/// Our bank on store `S`.
#[derive(Clone)]
pub struct Ours<S> {
    executor: CommandExecutor<S>,
    accounts: Arc<Vec<AccountId>>,
}

impl<S: EventStore + Clone + 'static> Ours<S> {
    /// A bank with `accounts` account ids on `store`.
    pub fn new(store: S, accounts: usize) -> Result<Self, Failure> {
        let accounts = (0..accounts)
            .map(|i| AccountId::try_new(account_name(i)).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            executor: CommandExecutor::new(store).retry_policy(policy()),
            accounts: Arc::new(accounts),
        })
    }

    fn account(&self, i: usize) -> Result<&AccountId, Failure> {
        self.accounts
            .get(i)
            .ok_or_else(|| format!("no account {i}"))
    }
}

fn event(e: &BankEvent) -> Result<NewEvent, Failure> {
    Ok(NewEvent::new(
        JsonSerializer.encode(e).map_err(|e| e.to_string())?,
        EventMetadata::new(),
    ))
}

impl<S: EventStore + Clone + 'static> Bank for Ours<S> {
    async fn open(&self, account: usize, cents: i64) -> Result<(), Failure> {
        self.executor
            .execute(OpenAccount {
                account: self.account(account)?.clone(),
                owner: Owner::try_new("Bench Customer").map_err(|e| e.to_string())?,
                initial_deposit: Money::try_from_cents(cents).map_err(|e| e.to_string())?,
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn seed(&self, account: usize, deposits: usize) -> Result<(), Failure> {
        // Straight through the store, as the workload runner's W4 does.
        let stream = self.account(account)?.stream_id().clone();
        let deposit = event(&BankEvent::Deposited {
            amount: Amount::try_from_cents(1).map_err(|e| e.to_string())?,
        })?;
        let mut version = 1_u64;
        let mut left = deposits;
        while left > 0 {
            let n = left.min(SEED_BATCH);
            self.executor
                .store()
                .append(AppendBatch::single(
                    stream.clone(),
                    ExpectedVersion::Exact(StreamVersion::new(version)),
                    vec![deposit.clone(); n],
                ))
                .await
                .map_err(|e| e.to_string())?;
            version += n as u64;
            left -= n;
        }
        Ok(())
    }

    async fn run(&self, op: Op) -> Result<u32, Failure> {
        let done = match op {
            Op::Deposit { account, cents } => {
                self.executor
                    .execute(Deposit {
                        account: self.account(account)?.clone(),
                        amount: Amount::try_from_cents(cents).map_err(|e| e.to_string())?,
                    })
                    .await
                    .map_err(|e| e.to_string())?
                    .attempts
            }
            Op::Transfer { from, to, cents } => {
                let command = TransferMoney::new(
                    self.account(from)?.clone(),
                    self.account(to)?.clone(),
                    Amount::try_from_cents(cents).map_err(|e| e.to_string())?,
                )
                .map_err(|e| e.to_string())?;
                self.executor
                    .execute(command)
                    .await
                    .map_err(|e| e.to_string())?
                    .attempts
            }
        };
        Ok(done)
    }

    async fn audit(&self, accounts: usize) -> Result<(i128, bool), Failure> {
        let ids: Vec<_> = self
            .accounts
            .iter()
            .take(accounts)
            .map(|a| a.stream_id().clone())
            .collect();
        let mut total = 0_i128;
        let mut negative = false;
        for chunk in ids.chunks(100) {
            let read = self
                .executor
                .store()
                .read_streams(chunk)
                .await
                .map_err(|e| e.to_string())?;
            for stream in read.streams() {
                let mut balance = 0_i128;
                for stored in stream.events() {
                    let e: BankEvent = JsonSerializer.decode(stored).map_err(|e| e.to_string())?;
                    balance += i128::from(e.balance_change());
                    negative |= balance < 0;
                }
                total += balance;
            }
        }
        Ok((total, negative))
    }
}
