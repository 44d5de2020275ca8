//! The executor end to end on the in-memory store: what `execute` returns,
//! how state is folded, and what a rejection looks like.

#![cfg(test)]

mod executor_common;

use eventcore::{CommandError, CommandExecutor, StreamVersion, execute, store::EventStore};
use eventcore_memory::MemoryStore;
use executor_common::{AccountId, BankError, BankEvent, Deposit, TransferMoney};

#[tokio::test]
async fn execute_returns_recorded_events_with_versions_and_positions() {
    let store = MemoryStore::new();
    let alice = AccountId::new("alice");
    let bob = AccountId::new("bob");
    execute(
        &store,
        Deposit {
            account: alice.clone(),
            amount: 100,
        },
    )
    .await
    .unwrap();

    let done = execute(
        &store,
        TransferMoney {
            from: alice.clone(),
            to: bob.clone(),
            amount: 30,
        },
    )
    .await
    .unwrap();

    assert_eq!(done.attempts, 1);
    assert_eq!(done.events.len(), 2);
    let (withdrawn, deposited) = (&done.events[0], &done.events[1]);
    assert_eq!(*withdrawn.payload(), BankEvent::Withdrawn { amount: 30 });
    assert_eq!(withdrawn.stream_id(), &alice.clone().into());
    assert_eq!(withdrawn.version(), StreamVersion::new(2));
    assert_eq!(*deposited.payload(), BankEvent::Deposited { amount: 30 });
    assert_eq!(deposited.stream_id(), &bob.clone().into());
    assert_eq!(deposited.version(), StreamVersion::new(1));
    assert!(withdrawn.position() < deposited.position());
    assert_eq!(
        store.stream_version(&alice.into()).await.unwrap(),
        StreamVersion::new(2)
    );
}

#[tokio::test]
async fn generated_state_routes_each_event_to_its_own_stream() {
    let store = MemoryStore::new();
    let alice = AccountId::new("alice");
    let bob = AccountId::new("bob");
    execute(
        &store,
        Deposit {
            account: alice.clone(),
            amount: 10,
        },
    )
    .await
    .unwrap();
    execute(
        &store,
        Deposit {
            account: bob.clone(),
            amount: 500,
        },
    )
    .await
    .unwrap();

    // Alice has 10; Bob's 500 must not count towards her balance.
    let err = execute(
        &store,
        TransferMoney {
            from: alice,
            to: bob,
            amount: 11,
        },
    )
    .await
    .unwrap_err();

    assert!(
        matches!(
            err,
            CommandError::Rejected(BankError::InsufficientFunds {
                balance: 10,
                requested: 11
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_rejected_command_writes_nothing() {
    let store = MemoryStore::new();
    let err = execute(
        &store,
        TransferMoney {
            from: AccountId::new("a"),
            to: AccountId::new("b"),
            amount: 1,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, CommandError::Rejected(_)));
    assert!(store.is_empty());
}

#[tokio::test]
async fn the_same_stream_twice_collapses_into_one() {
    let store = MemoryStore::new();
    let alice = AccountId::new("alice");
    let executor = CommandExecutor::new(store.clone());
    executor
        .execute(Deposit {
            account: alice.clone(),
            amount: 10,
        })
        .await
        .unwrap();

    let done = executor
        .execute(TransferMoney {
            from: alice.clone(),
            to: alice.clone(),
            amount: 10,
        })
        .await
        .unwrap();

    let versions: Vec<u64> = done.events.iter().map(|e| e.version().value()).collect();
    assert_eq!(versions, [2, 3]);
}
