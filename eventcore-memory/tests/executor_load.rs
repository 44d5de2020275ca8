//! Loading one stream's state outside a command: folded from its events
//! through the stream cache, or from a snapshot and the events after it,
//! and never writing anything.

#![cfg(test)]

use eventcore::{
    Command, CommandExecutor, CommandLogic, CommandState, Event, EventMetadata, Fold,
    RecordedEvent, SerializedEvent, SnapshotPolicy, StreamId, StreamVersion,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent, Snapshot, SnapshotStore},
};
use eventcore_memory::MemoryStore;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum BankEvent {
    Deposited { amount: u64 },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Account {
    balance: u64,
    deposits: u64,
}

#[eventcore::fold]
impl Fold<BankEvent> for Account {
    fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
        let BankEvent::Deposited { amount } = event.payload();
        self.balance += amount;
        self.deposits += 1;
    }
}

/// A command keeping accounts in snapshots: its field's snapshot kind is
/// the one a snapshotted load must share.
#[derive(Command)]
#[command(event = BankEvent)]
struct Touch {
    #[stream(state = Account, snapshot)]
    account: StreamId,
}

impl CommandLogic for Touch {
    type Error = std::convert::Infallible;

    fn handle(&self, _: TouchState, _: &mut TouchStreams<'_>) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// A command keeping accounts in snapshots under a version bumped by hand.
#[derive(Command)]
#[command(event = BankEvent)]
struct TouchV3 {
    #[stream(state = Account, snapshot_version = 3)]
    account: StreamId,
}

impl CommandLogic for TouchV3 {
    type Error = std::convert::Infallible;

    fn handle(&self, _: TouchV3State, _: &mut TouchV3Streams<'_>) -> Result<(), Self::Error> {
        Ok(())
    }
}

async fn deposit(store: &MemoryStore, stream: &StreamId, amounts: &[u64]) {
    let events = amounts
        .iter()
        .map(|amount| {
            NewEvent::new(
                SerializedEvent::new("Deposited", format!("{{\"amount\":{amount}}}")),
                EventMetadata::new(),
            )
        })
        .collect();
    let batch = AppendBatch::single(stream.clone(), ExpectedVersion::Any, events);
    store.append(batch).await.unwrap();
}

#[tokio::test]
async fn a_stream_is_loaded_folded_and_kept_current_through_the_cache() {
    let store = MemoryStore::new();
    let (a, b) = (
        StreamId::try_new("account-a").unwrap(),
        StreamId::try_new("account-b").unwrap(),
    );
    deposit(&store, &a, &[5, 7]).await;
    deposit(&store, &b, &[100]).await;
    let executor = CommandExecutor::new(store.clone());
    let loaded: Account = executor.load(&a).await.unwrap();
    assert_eq!(
        loaded,
        Account {
            balance: 12,
            deposits: 2
        },
        "only a's events"
    );
    // Events appended since are seen by the next load (the cache is
    // refreshed, not trusted).
    deposit(&store, &a, &[1]).await;
    let loaded: Account = executor.load(&a).await.unwrap();
    assert_eq!(
        loaded,
        Account {
            balance: 13,
            deposits: 3
        }
    );
    // A stream with no events loads as the default state.
    let none: Account = executor
        .load(&StreamId::try_new("account-z").unwrap())
        .await
        .unwrap();
    assert_eq!(none, Account::default());
    assert_eq!(store.len(), 4, "loading writes nothing");
}

#[tokio::test]
async fn a_snapshotted_load_starts_from_the_snapshot_and_folds_the_tail() {
    let store = MemoryStore::new();
    let a = StreamId::try_new("account-a").unwrap();
    deposit(&store, &a, &[5, 7]).await;
    // A snapshot at version 2 that does not match the events (a balance of
    // 1000): a load that starts from it shows that it did.
    let kind = Touch { account: a.clone() }.snapshot_kind(&a).unwrap();
    let state = serde_json::to_value(Account {
        balance: 1000,
        deposits: 2,
    })
    .unwrap();
    let snapshot = Snapshot::new(
        a.clone(),
        kind.state_type(),
        StreamVersion::new(2),
        kind.fingerprint(),
        state,
    )
    .unwrap();
    assert!(store.save_snapshot(snapshot).await.unwrap());
    deposit(&store, &a, &[1]).await;

    let executor = CommandExecutor::new(store.clone()).snapshots(SnapshotPolicy::default());
    let loaded: Account = executor.load_snapshotted(&a).await.unwrap();
    assert_eq!(
        loaded,
        Account {
            balance: 1001,
            deposits: 3
        }
    );
    // The plain load folds every event, and ignores snapshots.
    let cold = CommandExecutor::new(store.clone());
    let folded: Account = cold.load(&a).await.unwrap();
    assert_eq!(
        folded,
        Account {
            balance: 13,
            deposits: 3
        }
    );
}

#[tokio::test]
async fn a_load_with_a_manual_snapshot_version_shares_the_fields_snapshots() {
    let store = MemoryStore::new();
    let a = StreamId::try_new("account-a").unwrap();
    deposit(&store, &a, &[5, 7]).await;
    let kind = TouchV3 { account: a.clone() }.snapshot_kind(&a).unwrap();
    let state = serde_json::to_value(Account {
        balance: 500,
        deposits: 2,
    })
    .unwrap();
    let snapshot = Snapshot::new(
        a.clone(),
        kind.state_type(),
        StreamVersion::new(2),
        kind.fingerprint(),
        state,
    )
    .unwrap();
    assert!(store.save_snapshot(snapshot).await.unwrap());
    let executor = CommandExecutor::new(store.clone()).snapshots(SnapshotPolicy::default());
    let shared: Account = executor.load_snapshotted_version(&a, 3).await.unwrap();
    assert_eq!(
        shared,
        Account {
            balance: 500,
            deposits: 2
        }
    );
    // Another version is another fold: its snapshots are not these.
    let other: Account = executor.load_snapshotted_version(&a, 4).await.unwrap();
    assert_eq!(
        other,
        Account {
            balance: 12,
            deposits: 2
        }
    );
}
