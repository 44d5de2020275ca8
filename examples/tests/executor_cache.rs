//! The executor's stream cache never changes an outcome: a stale cache is
//! caught by the append's version check or confirmed by a fresh read.

#![cfg(test)]

use eventcore::{CommandError, CommandExecutor, store::EventStore};
use eventcore_examples::banking::{
    self, AccountId, Amount, BankError, Deposit, Money, OpenAccount, Owner, TransferMoney, Withdraw,
};
use eventcore_memory::MemoryStore;

fn id(n: &str) -> AccountId {
    AccountId::try_new(n).unwrap()
}

fn cents(n: i64) -> Amount {
    Amount::try_from_cents(n).unwrap()
}

async fn open(executor: &CommandExecutor<MemoryStore>, account: &AccountId, balance: i64) {
    executor
        .execute(OpenAccount {
            account: account.clone(),
            owner: Owner::try_new("Ada").unwrap(),
            initial_deposit: Money::try_from_cents(balance).unwrap(),
        })
        .await
        .unwrap();
}

fn withdraw(account: &str, amount: i64) -> Withdraw {
    Withdraw {
        account: id(account),
        amount: cents(amount),
    }
}

fn deposit(account: &str, amount: i64) -> Deposit {
    Deposit {
        account: id(account),
        amount: cents(amount),
    }
}

/// A store and two executors on it, each with its own cache: what two
/// processes sharing one database look like.
fn two_executors() -> (
    MemoryStore,
    CommandExecutor<MemoryStore>,
    CommandExecutor<MemoryStore>,
) {
    let store = MemoryStore::new();
    (
        store.clone(),
        CommandExecutor::new(store.clone()),
        CommandExecutor::new(store),
    )
}

#[tokio::test]
async fn a_stale_cache_cannot_overdraw_an_account() {
    let (store, mine, theirs) = two_executors();
    open(&mine, &id("a"), 100).await;
    // `mine` now caches a balance of 100; another executor empties the account.
    theirs.execute(withdraw("a", 100)).await.unwrap();

    let outcome = mine.execute(withdraw("a", 50)).await;
    assert!(
        matches!(
            outcome,
            Err(CommandError::Rejected(BankError::InsufficientFunds { .. }))
        ),
        "decided on fresh state: {outcome:?}"
    );
    assert_eq!(
        banking::balance(&store, &id("a")).await.unwrap(),
        Money::ZERO
    );
}

#[tokio::test]
async fn a_stale_cache_does_not_cause_a_false_rejection() {
    let (store, mine, theirs) = two_executors();
    open(&mine, &id("a"), 0).await;
    // `mine` caches a balance of 0; another executor pays money in.
    theirs.execute(deposit("a", 80)).await.unwrap();

    let done = mine.execute(withdraw("a", 50)).await.unwrap();
    assert_eq!(done.events.len(), 1);
    assert_eq!(
        banking::balance(&store, &id("a")).await.unwrap().cents(),
        30
    );
}

#[tokio::test]
async fn a_stale_read_only_stream_is_caught_too() {
    let (store, mine, theirs) = two_executors();
    open(&mine, &id("a"), 100).await;
    open(&mine, &id("b"), 0).await;
    theirs.execute(withdraw("a", 100)).await.unwrap();

    let transfer = TransferMoney::new(id("a"), id("b"), cents(10)).unwrap();
    let outcome = mine.execute(transfer).await;
    assert!(matches!(
        outcome,
        Err(CommandError::Rejected(BankError::InsufficientFunds { .. }))
    ));
    assert_eq!(
        banking::balance(&store, &id("b")).await.unwrap(),
        Money::ZERO
    );
}

#[tokio::test]
async fn a_stale_cache_alone_never_exhausts_the_retry_policy() {
    // With one attempt allowed, it reads the store; with two, the append on
    // the stale cache is the first and the one on fresh state the second.
    for (max, expected) in [(1, 1), (2, 2)] {
        let store = MemoryStore::new();
        let mine = CommandExecutor::new(store.clone())
            .retry_policy(eventcore::RetryPolicy::new().with_max_attempts(max));
        let theirs = CommandExecutor::new(store.clone());
        open(&mine, &id("a"), 100).await;
        theirs.execute(deposit("a", 1)).await.unwrap();

        let done = mine.execute(deposit("a", 1)).await.unwrap();
        assert_eq!(done.attempts, expected, "max {max}");
        assert_eq!(
            banking::balance(&store, &id("a")).await.unwrap().cents(),
            102
        );
    }
}

#[tokio::test]
async fn a_warm_cache_appends_without_reading() {
    let store = MemoryStore::new();
    let executor = CommandExecutor::new(store.clone());
    open(&executor, &id("a"), 0).await;
    for _ in 0..10 {
        let done = executor.execute(deposit("a", 5)).await.unwrap();
        assert_eq!(done.attempts, 1);
    }
    assert_eq!(
        banking::balance(&store, &id("a")).await.unwrap().cents(),
        50
    );
    assert_eq!(
        store
            .stream_version(id("a").stream_id())
            .await
            .unwrap()
            .value(),
        11
    );
}

#[tokio::test]
async fn tiny_and_disabled_caches_give_the_same_books() {
    for capacity in [0, 1, 3, 1_000] {
        let store = MemoryStore::new();
        let executor = CommandExecutor::new(store.clone()).stream_cache(capacity);
        let accounts: Vec<AccountId> = (0..4).map(|n| id(&format!("c{n}"))).collect();
        for account in &accounts {
            open(&executor, account, 1_000).await;
        }
        for i in 0..60_usize {
            let (from, to) = (&accounts[i % 4], &accounts[(i * 7 + 1) % 4]);
            if from == to {
                continue;
            }
            let amount = cents(i64::try_from(i).unwrap() * 13 % 400 + 1);
            match executor
                .execute(TransferMoney::new(from.clone(), to.clone(), amount).unwrap())
                .await
            {
                Ok(_) | Err(CommandError::Rejected(BankError::InsufficientFunds { .. })) => {}
                Err(other) => panic!("capacity {capacity}: {other:?}"),
            }
        }
        let mut total = 0;
        for account in &accounts {
            total += banking::balance(&store, account).await.unwrap().cents();
        }
        assert_eq!(total, 4_000, "capacity {capacity}: money is conserved");
    }
}
