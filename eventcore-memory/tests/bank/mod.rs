//! Shorthands over the examples' banking domain (`eventcore_examples::banking`),
//! the one bank the executor tests run on.
#![allow(
    dead_code,
    reason = "each test file uses a different part of the shared helpers"
)]

use eventcore::{
    CommandExecutor, EventMetadata, EventSerializer, Executed, JsonSerializer,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_examples::banking::{
    AccountId, Amount, BankEvent, Deposit, Money, OpenAccount, Owner, TransferMoney,
};

pub fn account(number: &str) -> AccountId {
    AccountId::try_new(number).expect("a valid account number")
}

pub fn cents(n: i64) -> Amount {
    Amount::try_from_cents(n).expect("a positive amount")
}

pub fn money(n: i64) -> Money {
    Money::try_from_cents(n).expect("a valid balance")
}

pub fn open(account: &AccountId, balance_cents: i64) -> OpenAccount {
    OpenAccount {
        account: account.clone(),
        owner: Owner::try_new("Owner").expect("a valid owner"),
        initial_deposit: money(balance_cents),
    }
}

pub fn deposit(account: &AccountId, amount_cents: i64) -> Deposit {
    Deposit {
        account: account.clone(),
        amount: cents(amount_cents),
    }
}

pub fn transfer(from: &AccountId, to: &AccountId, amount_cents: i64) -> TransferMoney {
    TransferMoney::new(from.clone(), to.clone(), cents(amount_cents)).expect("distinct accounts")
}

/// Opens each account with `balance_cents`.
pub async fn open_all<S: EventStore>(
    executor: &CommandExecutor<S>,
    accounts: &[&AccountId],
    balance_cents: i64,
) -> Vec<Executed<BankEvent>> {
    let mut done = Vec::new();
    for account in accounts {
        done.push(
            executor
                .execute(open(account, balance_cents))
                .await
                .expect("opens"),
        );
    }
    done
}

/// A deposit into `account` as another writer appends it, whatever the
/// stream's version: the rival of a `ContendedStore`.
pub fn rival_deposit(account: &AccountId, amount_cents: i64) -> AppendBatch {
    let event = JsonSerializer
        .encode(&BankEvent::Deposited {
            amount: cents(amount_cents),
        })
        .expect("encodes");
    AppendBatch::single(
        account.clone().into(),
        ExpectedVersion::Any,
        vec![NewEvent::new(event, EventMetadata::new())],
    )
}
