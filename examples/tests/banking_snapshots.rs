//! The banking commands keep accounts in snapshots: an executor with
//! snapshots saves them as it goes, and a new executor decides on the
//! newest one and the events after it, with the same outcome as from the
//! whole history.

#![cfg(test)]

use std::time::Duration;

use eventcore::{
    CommandError, CommandExecutor, CommandState, SnapshotPolicy, store::SnapshotStore,
};
use eventcore_examples::banking::{
    self, AccountId, Amount, BankError, Deposit, Money, OpenAccount, Owner, TransferMoney, Withdraw,
};
use eventcore_memory::MemoryStore;

fn id(n: &str) -> AccountId {
    AccountId::try_new(n).unwrap()
}

#[tokio::test]
async fn accounts_are_kept_in_snapshots_and_a_new_executor_decides_on_them() {
    let store = MemoryStore::new();
    let policy = SnapshotPolicy::every(25).unwrap();
    let executor = CommandExecutor::new(store.clone()).snapshots(policy);
    let (alice, bob) = (id("alice"), id("bob"));
    for account in [&alice, &bob] {
        executor
            .execute(OpenAccount {
                account: account.clone(),
                owner: Owner::try_new("Ada").unwrap(),
                initial_deposit: Money::ZERO,
            })
            .await
            .unwrap();
    }
    for _ in 0..60 {
        let deposit = Deposit {
            account: alice.clone(),
            amount: Amount::try_from_cents(100).unwrap(),
        };
        executor.execute(deposit).await.unwrap();
    }

    // Saved on a task of their own: at versions 25 and 50 of alice's 61.
    let probe = Deposit {
        account: alice.clone(),
        amount: Amount::try_from_cents(1).unwrap(),
    };
    let kind = probe.snapshot_kind(alice.stream_id()).unwrap();
    let mut saved = None;
    for _ in 0..500 {
        saved = store
            .load_snapshot(alice.stream_id(), kind.state_type())
            .await
            .unwrap()
            .filter(|s| s.version().value() >= 50);
        if saved.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let saved = saved.expect("no snapshot of alice at version 50");
    assert_eq!(saved.state()["balance"], serde_json::json!(4_900));

    // A new executor (as after a restart) with snapshots: the same
    // decisions as from the whole history.
    let restarted = CommandExecutor::new(store.clone()).snapshots(policy);
    let too_much = Withdraw {
        account: alice.clone(),
        amount: Amount::try_from_cents(6_001).unwrap(),
    };
    match restarted.execute(too_much).await {
        Err(CommandError::Rejected(BankError::InsufficientFunds { balance, .. })) => {
            assert_eq!(balance, Money::try_from_cents(6_000).unwrap());
        }
        other => panic!("{other:?}"),
    }
    let fresh = CommandExecutor::new(store.clone()).snapshots(policy);
    fresh
        .execute(
            TransferMoney::new(
                alice.clone(),
                bob.clone(),
                Amount::try_from_cents(6_000).unwrap(),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(banking::balance(&store, &alice).await.unwrap(), Money::ZERO);
    assert_eq!(
        banking::balance(&store, &bob).await.unwrap(),
        Money::try_from_cents(6_000).unwrap()
    );
}
