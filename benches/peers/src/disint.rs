//! disintegrate 4 (crates.io) on PostgreSQL, in its own style: one event
//! enum with domain ids, a `StateQuery` per account folded by
//! `StateMutate`, `Decision`s made by a `DecisionMaker`; a transfer's state
//! query is the pair of both accounts, so its decision is checked against
//! both. disintegrate does not retry a decision that lost a race (a
//! concurrency error, or PostgreSQL's serialization failure, since it
//! appends in a `SERIALIZABLE` transaction): [`Disintegrate::make`] retries
//! those as ours and eventcore 2.1 do.

use std::{sync::Arc, time::Duration};

use disintegrate::{
    Decision, DecisionError, EventStore as _, NoSnapshot, StateMutate, StateQuery, StreamItem,
    query, serde::json::Json,
};
use disintegrate_postgres::{PgDecisionMaker, PgEventStore};
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::{
    bank::{Bank, Failure},
    disint_sql,
    plan::{Op, account_name},
};

/// Events written per decision when seeding a long stream.
const SEED_BATCH: usize = 1_000;
/// Attempts before a decision that keeps losing races fails.
const MAX_ATTEMPTS: u32 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, disintegrate::Event, Serialize, Deserialize)]
pub enum BankEvent {
    AccountOpened {
        #[id]
        account_id: String,
        cents: i64,
    },
    AmountDeposited {
        #[id]
        account_id: String,
        cents: i64,
    },
    TransferSent {
        #[id]
        account_id: String,
        cents: i64,
    },
    TransferReceived {
        #[id]
        account_id: String,
        cents: i64,
    },
}

impl BankEvent {
    fn change(&self) -> i64 {
        match self {
            Self::AccountOpened { cents, .. }
            | Self::AmountDeposited { cents, .. }
            | Self::TransferReceived { cents, .. } => *cents,
            Self::TransferSent { cents, .. } => -cents,
        }
    }
}

/// One account, as a decision sees it.
#[derive(Default, StateQuery, Clone, Serialize, Deserialize)]
#[state_query(BankEvent)]
pub struct Account {
    #[id]
    account_id: String,
    open: bool,
    balance: i64,
}

impl Account {
    fn new(account_id: &str) -> Self {
        Self {
            account_id: account_id.to_owned(),
            ..Self::default()
        }
    }
}

impl StateMutate for Account {
    fn mutate(&mut self, event: Self::Event) {
        self.open |= matches!(event, BankEvent::AccountOpened { .. });
        self.balance += event.change();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("account already open")]
    AlreadyOpen,
    #[error("account not open")]
    NotOpen,
    #[error("insufficient funds")]
    InsufficientFunds,
}

/// A decision on one account: opening it, a deposit, or seeding deposits.
pub struct OnAccount {
    account_id: String,
    action: Action,
}

#[derive(Clone, Copy)]
enum Action {
    Open { cents: i64 },
    Deposit { cents: i64 },
    Seed { deposits: usize },
}

impl Decision for OnAccount {
    type Event = BankEvent;
    type StateQuery = Account;
    type Error = BankError;

    fn state_query(&self) -> Account {
        Account::new(&self.account_id)
    }

    fn process(&self, state: &Account) -> Result<Vec<BankEvent>, BankError> {
        let account_id = self.account_id.clone();
        match self.action {
            Action::Open { cents } if !state.open => {
                Ok(vec![BankEvent::AccountOpened { account_id, cents }])
            }
            Action::Open { .. } => Err(BankError::AlreadyOpen),
            _ if !state.open => Err(BankError::NotOpen),
            Action::Deposit { cents } => Ok(vec![BankEvent::AmountDeposited { account_id, cents }]),
            Action::Seed { deposits } => Ok(vec![
                BankEvent::AmountDeposited {
                    account_id,
                    cents: 1
                };
                deposits
            ]),
        }
    }
}

/// A transfer, decided on the state of both accounts.
pub struct Transfer {
    from: String,
    to: String,
    cents: i64,
}

impl Decision for Transfer {
    type Event = BankEvent;
    type StateQuery = (Account, Account);
    type Error = BankError;

    fn state_query(&self) -> (Account, Account) {
        (Account::new(&self.from), Account::new(&self.to))
    }

    fn process(&self, (from, to): &(Account, Account)) -> Result<Vec<BankEvent>, BankError> {
        if !from.open || !to.open {
            return Err(BankError::NotOpen);
        }
        if from.balance < self.cents {
            return Err(BankError::InsufficientFunds);
        }
        Ok(vec![
            BankEvent::TransferSent {
                account_id: self.from.clone(),
                cents: self.cents,
            },
            BankEvent::TransferReceived {
                account_id: self.to.clone(),
                cents: self.cents,
            },
        ])
    }
}

type Store = PgEventStore<BankEvent, Json<BankEvent>>;

/// disintegrate's bank on PostgreSQL.
#[derive(Clone)]
pub struct Disintegrate {
    store: Store,
    maker: Arc<PgDecisionMaker<BankEvent, Json<BankEvent>, NoSnapshot>>,
}

impl Disintegrate {
    /// Initialises the event store in `pool`'s database.
    pub async fn connect(pool: PgPool) -> Result<Self, Failure> {
        let serde = Json::<BankEvent>::default();
        let store = match PgEventStore::try_new(pool.clone(), serde.clone()).await {
            Ok(store) => store,
            // disintegrate-postgres 4.0.1 writes a hexadecimal integer
            // literal in one of its functions, which PostgreSQL accepts
            // from version 16 only: on older servers, create the same
            // objects with that literal in decimal.
            Err(e) if e.to_string().contains("0xFFFFFFFF") => {
                let columns: Vec<String> = <BankEvent as disintegrate::Event>::SCHEMA
                    .domain_ids
                    .iter()
                    .map(|id| id.ident.to_string())
                    .collect();
                disint_sql::init_before_16(&pool, &columns).await?;
                PgEventStore::new_uninitialized(pool, serde)
            }
            Err(e) => return Err(e.to_string()),
        };
        let maker = disintegrate_postgres::decision_maker(store.clone(), NoSnapshot);
        Ok(Self {
            store,
            maker: Arc::new(maker),
        })
    }

    /// Makes `decision`, retrying it while it loses races; the attempts.
    async fn make<D, F>(&self, decision: F) -> Result<u32, Failure>
    where
        F: Fn() -> D,
        D: Decision<Error = BankError>,
        PgDecisionMaker<BankEvent, Json<BankEvent>, NoSnapshot>: MakeDecision<D>,
    {
        let mut attempt = 1;
        loop {
            match self.maker.make_decision(decision()).await {
                Ok(()) => return Ok(attempt),
                Err(DecisionError::StateStore(e)) if attempt < MAX_ATTEMPTS && lost_race(&*e) => {
                    let backoff = (1_u64 << attempt.min(4)).min(10);
                    tokio::time::sleep(Duration::from_millis(backoff)).await;
                    attempt += 1;
                }
                Err(e) => return Err(format!("{e} (attempt {attempt})")),
            }
        }
    }
}

/// `make` for one decision type: hides the decision maker's long bounds.
pub trait MakeDecision<D: Decision> {
    fn make_decision(
        &self,
        decision: D,
    ) -> impl Future<Output = Result<(), DecisionError<D::Error>>> + Send;
}

macro_rules! make_decision {
    ($($decision:ty),*) => {$(
        impl MakeDecision<$decision> for PgDecisionMaker<BankEvent, Json<BankEvent>, NoSnapshot> {
            async fn make_decision(&self, decision: $decision) -> Result<(), DecisionError<BankError>> {
                self.make(decision).await.map(drop)
            }
        }
    )*};
}
make_decision!(OnAccount, Transfer);

/// Whether a state store error is a lost race: disintegrate's concurrency
/// error, or a serialization failure or deadlock reported by PostgreSQL.
fn lost_race(e: &(dyn std::error::Error + 'static)) -> bool {
    match e.downcast_ref::<disintegrate_postgres::Error>() {
        Some(disintegrate_postgres::Error::Concurrency) => true,
        Some(disintegrate_postgres::Error::Database(sqlx::Error::Database(db))) => {
            matches!(db.code().as_deref(), Some("40001" | "40P01"))
        }
        _ => false,
    }
}

impl Bank for Disintegrate {
    async fn open(&self, account: usize, cents: i64) -> Result<(), Failure> {
        let account_id = account_name(account);
        self.make(|| OnAccount {
            account_id: account_id.clone(),
            action: Action::Open { cents },
        })
        .await
        .map(drop)
    }

    async fn seed(&self, account: usize, deposits: usize) -> Result<(), Failure> {
        let account_id = account_name(account);
        let mut left = deposits;
        while left > 0 {
            let n = left.min(SEED_BATCH);
            self.make(|| OnAccount {
                account_id: account_id.clone(),
                action: Action::Seed { deposits: n },
            })
            .await?;
            left -= n;
        }
        Ok(())
    }

    async fn run(&self, op: Op) -> Result<u32, Failure> {
        match op {
            Op::Deposit { account, cents } => {
                let account_id = account_name(account);
                self.make(|| OnAccount {
                    account_id: account_id.clone(),
                    action: Action::Deposit { cents },
                })
                .await
            }
            Op::Transfer { from, to, cents } => {
                let (from, to) = (account_name(from), account_name(to));
                self.make(|| Transfer {
                    from: from.clone(),
                    to: to.clone(),
                    cents,
                })
                .await
            }
        }
    }

    async fn audit(&self, accounts: usize) -> Result<(i128, bool), Failure> {
        let mut balances = vec![0_i128; accounts];
        let mut negative = false;
        let all = query!(BankEvent);
        let mut events = self.store.stream(&all);
        while let Some(item) = events.next().await {
            if let StreamItem::Event(e) = item.map_err(|e| e.to_string())? {
                let e = e.into_inner();
                let (BankEvent::AccountOpened { account_id, .. }
                | BankEvent::AmountDeposited { account_id, .. }
                | BankEvent::TransferSent { account_id, .. }
                | BankEvent::TransferReceived { account_id, .. }) = &e;
                let index = account_id
                    .strip_prefix("acct-")
                    .and_then(|i| i.parse::<usize>().ok())
                    .filter(|&i| i < accounts)
                    .ok_or_else(|| format!("an event of an unknown account {account_id}"))?;
                balances[index] += i128::from(e.change());
                negative |= balances[index] < 0;
            }
        }
        Ok((balances.iter().sum(), negative))
    }
}
