//! Snapshots through the executor: a cold executor starts from the newest
//! usable snapshot and folds only the events after it; a snapshot that is
//! of other code, does not decode, or is beyond its stream is passed over;
//! and for any history and any snapshot point, the state from snapshot and
//! tail is the state folded from scratch.

#![cfg(test)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, CommandState, Event, Fold, RecordedEvent,
    SnapshotPolicy, StreamId, StreamVersion,
    store::{Snapshot, SnapshotStore},
};
use eventcore_memory::MemoryStore;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum BankEvent {
    Deposited { amount: u64 },
    Withdrawn { amount: u64 },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Account {
    balance: u64,
    operations: u64,
}

#[eventcore::fold]
impl Fold<BankEvent> for Account {
    fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
        match event.payload() {
            BankEvent::Deposited { amount } => self.balance += amount,
            BankEvent::Withdrawn { amount } => self.balance -= amount,
        }
        self.operations += 1;
    }
}

#[derive(Debug, thiserror::Error)]
#[error("insufficient funds: balance {balance}, asked {asked}")]
struct Insufficient {
    balance: u64,
    asked: u64,
}

/// Deposits, or withdraws when `amount` is negative.
#[derive(Command)]
#[command(event = BankEvent)]
struct Move {
    #[stream(state = Account, snapshot)]
    account: StreamId,
    amount: i64,
}

impl CommandLogic for Move {
    type Error = Insufficient;

    fn handle(&self, state: MoveState, streams: &mut MoveStreams<'_>) -> Result<(), Insufficient> {
        let asked = self.amount.unsigned_abs();
        if self.amount >= 0 {
            streams.account.emit(BankEvent::Deposited { amount: asked });
        } else if state.account.balance < asked {
            return Err(Insufficient {
                balance: state.account.balance,
                asked,
            });
        } else {
            streams.account.emit(BankEvent::Withdrawn { amount: asked });
        }
        Ok(())
    }
}

/// Writes nothing and keeps the state it saw.
#[derive(Command)]
#[command(event = BankEvent)]
struct Probe {
    #[stream(state = Account, snapshot)]
    account: StreamId,
    seen: Arc<Mutex<Option<Account>>>,
}

impl CommandLogic for Probe {
    type Error = std::convert::Infallible;

    fn handle(&self, state: ProbeState, _: &mut ProbeStreams<'_>) -> Result<(), Self::Error> {
        *self.seen.lock().unwrap() = Some(state.account);
        Ok(())
    }
}

fn account(name: &str) -> StreamId {
    StreamId::try_new(name).unwrap()
}

/// The state a cold executor (empty cache) with snapshots decides on.
async fn cold_state(store: &MemoryStore, stream: &StreamId) -> Account {
    let seen = Arc::new(Mutex::new(None));
    let executor = CommandExecutor::new(store.clone()).snapshots(SnapshotPolicy::default());
    executor
        .execute(Probe {
            account: stream.clone(),
            seen: Arc::clone(&seen),
        })
        .await
        .unwrap();
    seen.lock().unwrap().take().unwrap()
}

/// The snapshot the probe would restore from, holding `state` at `version`.
fn snapshot_of(stream: &StreamId, version: u64, state: serde_json::Value) -> Snapshot {
    let probe = Probe {
        account: stream.clone(),
        seen: Arc::default(),
    };
    let kind = probe.snapshot_kind(stream).unwrap();
    Snapshot::new(
        stream.clone(),
        kind.state_type(),
        StreamVersion::new(version),
        kind.fingerprint(),
        state,
    )
    .unwrap()
}

async fn deposit_times(store: &MemoryStore, stream: &StreamId, times: u64) {
    let executor = CommandExecutor::new(store.clone());
    for _ in 0..times {
        executor
            .execute(Move {
                account: stream.clone(),
                amount: 1,
            })
            .await
            .unwrap();
    }
}

/// Waits until the store holds a snapshot of `stream` at `version` or
/// later (they are saved on a task of their own).
async fn snapshot_at_least(store: &MemoryStore, stream: &StreamId, version: u64) -> Snapshot {
    let state_type = snapshot_of(stream, 1, serde_json::Value::Null)
        .state_type()
        .to_owned();
    for _ in 0..500 {
        if let Some(found) = store.load_snapshot(stream, &state_type).await.unwrap()
            && found.version().value() >= version
        {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("no snapshot of {stream} at version {version} or later was saved");
}

#[tokio::test]
async fn commands_save_snapshots_as_the_policy_says_and_a_cold_executor_uses_them() {
    let store = MemoryStore::new();
    let stream = account("account-policy");
    let executor =
        CommandExecutor::new(store.clone()).snapshots(SnapshotPolicy::every(10).unwrap());
    for _ in 0..25 {
        executor
            .execute(Move {
                account: stream.clone(),
                amount: 2,
            })
            .await
            .unwrap();
    }
    // Captured from the state decided on: at version 10 and then 20.
    let saved = snapshot_at_least(&store, &stream, 20).await;
    assert_eq!(saved.version().value(), 20);
    assert_eq!(
        saved.state(),
        &serde_json::json!({ "balance": 40, "operations": 20 })
    );
    let state = cold_state(&store, &stream).await;
    assert_eq!(
        state,
        Account {
            balance: 50,
            operations: 25
        }
    );
}

#[tokio::test]
async fn a_cold_executor_decides_on_the_snapshot_and_the_events_after_it() {
    let store = MemoryStore::new();
    let stream = account("account-trusting");
    deposit_times(&store, &stream, 5).await;
    // A snapshot that disagrees with the events (which no real fold would
    // save) shows it is the snapshot the executor starts from.
    let planted = serde_json::json!({ "balance": 1000, "operations": 3 });
    store
        .save_snapshot(snapshot_of(&stream, 3, planted))
        .await
        .unwrap();
    assert_eq!(
        cold_state(&store, &stream).await,
        Account {
            balance: 1002,
            operations: 5
        }
    );
    // And a decision rests on it: 900 can be withdrawn.
    let executor = CommandExecutor::new(store.clone()).snapshots(SnapshotPolicy::default());
    executor
        .execute(Move {
            account: stream.clone(),
            amount: -900,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn snapshots_of_other_code_or_undecodable_or_beyond_the_stream_are_passed_over() {
    let store = MemoryStore::new();
    let stream = account("account-passed-over");
    deposit_times(&store, &stream, 6).await;
    let truth = Account {
        balance: 6,
        operations: 6,
    };
    let wrong = serde_json::json!({ "balance": 1000, "operations": 3 });

    // Folded by other code: another fingerprint.
    let good = snapshot_of(&stream, 3, wrong.clone());
    let other = Snapshot::new(
        stream.clone(),
        good.state_type(),
        good.version(),
        "an-older-fold",
        wrong.clone(),
    )
    .unwrap();
    store.save_snapshot(other).await.unwrap();
    assert_eq!(
        cold_state(&store, &stream).await,
        truth,
        "another fingerprint"
    );

    // Does not decode as the state type.
    store.drop_snapshots(good.state_type()).await.unwrap();
    let garbled = serde_json::json!({ "balance": "lots" });
    store
        .save_snapshot(snapshot_of(&stream, 3, garbled))
        .await
        .unwrap();
    assert_eq!(cold_state(&store, &stream).await, truth, "undecodable");

    // Claims a version the stream has not reached.
    store.drop_snapshots(good.state_type()).await.unwrap();
    store
        .save_snapshot(snapshot_of(&stream, 60, wrong))
        .await
        .unwrap();
    assert_eq!(
        cold_state(&store, &stream).await,
        truth,
        "beyond the stream"
    );
}

#[tokio::test]
async fn a_state_with_a_float_json_cannot_carry_is_never_snapshotted() {
    #[derive(Clone, Debug, Default, Serialize, Deserialize)]
    struct Ratio {
        value: Option<f64>,
    }

    impl Fold<BankEvent> for Ratio {
        fn fold(&mut self, _: &RecordedEvent<BankEvent>) {
            self.value = Some(f64::NAN);
        }
    }

    #[derive(Command)]
    #[command(event = BankEvent)]
    struct Touch {
        #[stream(state = Ratio, snapshot_version = 1)]
        ratio: StreamId,
    }

    impl CommandLogic for Touch {
        type Error = std::convert::Infallible;
        fn handle(&self, _: TouchState, streams: &mut TouchStreams<'_>) -> Result<(), Self::Error> {
            streams.ratio.emit(BankEvent::Deposited { amount: 1 });
            Ok(())
        }
    }

    let store = MemoryStore::new();
    let stream = account("ratio-nan");
    let executor = CommandExecutor::new(store.clone()).snapshots(SnapshotPolicy::every(1).unwrap());
    for _ in 0..5 {
        executor
            .execute(Touch {
                ratio: stream.clone(),
            })
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let kind = Touch {
        ratio: stream.clone(),
    }
    .snapshot_kind(&stream)
    .unwrap();
    // NaN would be written as `null`, and restored as `None`: not the
    // state the events fold to.
    assert_eq!(
        store
            .load_snapshot(&stream, kind.state_type())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_rejection_rests_on_the_snapshot_and_tail_like_on_the_whole_history() {
    let store = MemoryStore::new();
    let stream = account("account-rejects");
    deposit_times(&store, &stream, 8).await;
    let truth = serde_json::json!({ "balance": 5, "operations": 5 });
    store
        .save_snapshot(snapshot_of(&stream, 5, truth))
        .await
        .unwrap();
    let executor = CommandExecutor::new(store.clone()).snapshots(SnapshotPolicy::default());
    match executor
        .execute(Move {
            account: stream.clone(),
            amount: -9,
        })
        .await
    {
        Err(CommandError::Rejected(Insufficient {
            balance: 8,
            asked: 9,
        })) => {}
        other => panic!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// For any history and any snapshot point, a cold executor's state from
    /// the snapshot and the events after it is the state folded from
    /// scratch.
    #[test]
    fn snapshot_and_tail_fold_to_the_state_from_scratch(
        amounts in proptest::collection::vec(-20_i64..40, 1..60),
        point in any::<prop::sample::Index>(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let store = MemoryStore::new();
            let stream = account("account-property");
            let executor = CommandExecutor::new(store.clone());
            let mut folded = Vec::new();
            let mut state = Account::default();
            for amount in amounts {
                let written = executor.execute(Move { account: stream.clone(), amount }).await;
                if let Ok(done) = written {
                    for event in &done.events {
                        state.fold(event);
                    }
                    folded.push(state.clone());
                }
            }
            prop_assume!(!folded.is_empty());
            let at = point.index(folded.len());
            let value = serde_json::to_value(&folded[at]).unwrap();
            store.save_snapshot(snapshot_of(&stream, at as u64 + 1, value)).await.unwrap();
            prop_assert_eq!(&cold_state(&store, &stream).await, folded.last().unwrap());
            Ok(())
        })?;
    }
}
