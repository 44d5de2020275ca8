//! jwilger's eventcore 2.1 (crates.io), in its own style: events that name
//! their stream, commands that declare their streams and fold every event of
//! them into a state, `eventcore::execute` with a `RetryPolicy`. On its
//! in-memory store and its PostgreSQL store.
//!
//! Its `#[derive(Command)]` expands to paths under `::eventcore`, which is
//! our crate in this package, so the stream declarations are written out by
//! hand (what the derive generates).

use std::sync::Arc;

use eventcore2::{
    BackoffStrategy, CommandError, CommandLogic, CommandStreams, DelayMilliseconds, Event,
    NewEvents, RetryPolicy, StreamDeclarations, StreamId, execute,
};
use eventcore2_types::{EventStore, collect_events};
use serde::{Deserialize, Serialize};

use crate::{
    bank::{Bank, Failure},
    plan::{Op, account_name},
};

/// Events written per command when seeding a long stream.
const SEED_BATCH: usize = 1_000;

/// An account's events; each names its stream.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum AccountEvent {
    Opened { account: StreamId, cents: i64 },
    Deposited { account: StreamId, cents: i64 },
    SentTransfer { account: StreamId, cents: i64 },
    ReceivedTransfer { account: StreamId, cents: i64 },
}

impl AccountEvent {
    fn change(&self) -> i64 {
        match self {
            Self::Opened { cents, .. }
            | Self::Deposited { cents, .. }
            | Self::ReceivedTransfer { cents, .. } => *cents,
            Self::SentTransfer { cents, .. } => -cents,
        }
    }
}

impl Event for AccountEvent {
    fn stream_id(&self) -> &StreamId {
        match self {
            Self::Opened { account, .. }
            | Self::Deposited { account, .. }
            | Self::SentTransfer { account, .. }
            | Self::ReceivedTransfer { account, .. } => account,
        }
    }

    fn event_type_name() -> &'static str {
        "AccountEvent"
    }
}

/// One account's state as a command folds it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Account {
    open: bool,
    balance: i64,
}

impl Account {
    fn apply(mut self, event: &AccountEvent) -> Self {
        self.open |= matches!(event, AccountEvent::Opened { .. });
        self.balance += event.change();
        self
    }
}

/// A command on one account: opening it, a deposit, or a batch of
/// seeding deposits.
pub struct OnAccount {
    streams: StreamDeclarations,
    account: StreamId,
    action: Action,
}

#[derive(Clone, Copy)]
enum Action {
    Open { cents: i64 },
    Deposit { cents: i64 },
    Seed { deposits: usize },
}

impl CommandStreams for OnAccount {
    fn stream_declarations(&self) -> StreamDeclarations {
        self.streams.clone()
    }
}

impl CommandLogic for OnAccount {
    type Event = AccountEvent;
    type State = Account;

    fn apply(&self, state: Account, event: &AccountEvent) -> Account {
        state.apply(event)
    }

    fn handle(&self, state: Account) -> Result<NewEvents<AccountEvent>, CommandError> {
        let account = self.account.clone();
        match self.action {
            Action::Open { cents } if !state.open => {
                Ok(vec![AccountEvent::Opened { account, cents }].into())
            }
            Action::Open { .. } => Err("account already open".into()),
            _ if !state.open => Err("account not open".into()),
            Action::Deposit { cents } => {
                Ok(vec![AccountEvent::Deposited { account, cents }].into())
            }
            Action::Seed { deposits } => {
                Ok(vec![AccountEvent::Deposited { account, cents: 1 }; deposits].into())
            }
        }
    }
}

/// A transfer between two accounts, atomic over both streams; refused if
/// it would make the balance of `from` negative.
pub struct Transfer {
    streams: StreamDeclarations,
    from: StreamId,
    to: StreamId,
    cents: i64,
}

impl CommandStreams for Transfer {
    fn stream_declarations(&self) -> StreamDeclarations {
        self.streams.clone()
    }
}

impl CommandLogic for Transfer {
    type Event = AccountEvent;
    type State = (Account, Account);

    fn apply(&self, (from, to): Self::State, event: &AccountEvent) -> Self::State {
        if event.stream_id() == &self.from {
            (from.apply(event), to)
        } else {
            (from, to.apply(event))
        }
    }

    fn handle(&self, (from, to): Self::State) -> Result<NewEvents<AccountEvent>, CommandError> {
        if !from.open || !to.open {
            return Err("account not open".into());
        }
        if from.balance < self.cents {
            return Err("insufficient funds".into());
        }
        Ok(vec![
            AccountEvent::SentTransfer {
                account: self.from.clone(),
                cents: self.cents,
            },
            AccountEvent::ReceivedTransfer {
                account: self.to.clone(),
                cents: self.cents,
            },
        ]
        .into())
    }
}

/// The same retries as ours get: many attempts, 1 ms apart (eventcore 2.1
/// has fixed and unbounded exponential backoff only).
fn policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_retries(10_000)
        .backoff_strategy(BackoffStrategy::Fixed {
            delay_ms: DelayMilliseconds::new(1),
        })
}

/// eventcore 2.1's bank on store `S`.
pub struct Peer<S> {
    store: Arc<S>,
    accounts: Arc<Vec<StreamId>>,
}

// By hand: the store itself need not be `Clone`.
impl<S> Clone for Peer<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            accounts: Arc::clone(&self.accounts),
        }
    }
}

impl<S> Peer<S>
where
    S: EventStore + Send + Sync + 'static,
{
    pub fn new(store: S, accounts: usize) -> Result<Self, Failure> {
        let accounts = (0..accounts)
            .map(|i| StreamId::try_new(account_name(i)).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            store: Arc::new(store),
            accounts: Arc::new(accounts),
        })
    }

    fn account(&self, i: usize) -> Result<&StreamId, Failure> {
        self.accounts
            .get(i)
            .ok_or_else(|| format!("no account {i}"))
    }

    fn on_account(&self, i: usize, action: Action) -> Result<OnAccount, Failure> {
        let account = self.account(i)?.clone();
        Ok(OnAccount {
            streams: StreamDeclarations::try_from_streams([account.clone()])
                .map_err(|e| e.to_string())?,
            account,
            action,
        })
    }

    async fn exec<C: CommandLogic>(&self, command: C) -> Result<u32, Failure> {
        execute(&*self.store, command, policy())
            .await
            .map(|done| done.attempts())
            .map_err(|e| e.to_string())
    }
}

impl<S> Bank for Peer<S>
where
    S: EventStore + Send + Sync + 'static,
{
    async fn open(&self, account: usize, cents: i64) -> Result<(), Failure> {
        self.exec(self.on_account(account, Action::Open { cents })?)
            .await
            .map(drop)
    }

    async fn seed(&self, account: usize, deposits: usize) -> Result<(), Failure> {
        let mut left = deposits;
        while left > 0 {
            let n = left.min(SEED_BATCH);
            self.exec(self.on_account(account, Action::Seed { deposits: n })?)
                .await?;
            left -= n;
        }
        Ok(())
    }

    async fn run(&self, op: Op) -> Result<u32, Failure> {
        match op {
            Op::Deposit { account, cents } => {
                self.exec(self.on_account(account, Action::Deposit { cents })?)
                    .await
            }
            Op::Transfer { from, to, cents } => {
                let (from, to) = (self.account(from)?.clone(), self.account(to)?.clone());
                let streams = StreamDeclarations::try_from_streams([from.clone(), to.clone()])
                    .map_err(|e| e.to_string())?;
                self.exec(Transfer {
                    streams,
                    from,
                    to,
                    cents,
                })
                .await
            }
        }
    }

    async fn audit(&self, accounts: usize) -> Result<(i128, bool), Failure> {
        let mut total = 0_i128;
        let mut negative = false;
        for id in self.accounts.iter().take(accounts) {
            let stream = self
                .store
                .read_stream::<AccountEvent>(id.clone())
                .await
                .map_err(|e| e.to_string())?;
            let mut balance = 0_i128;
            for e in collect_events(stream).await.map_err(|e| e.to_string())? {
                balance += i128::from(e.change());
                negative |= balance < 0;
            }
            total += balance;
        }
        Ok((total, negative))
    }
}
