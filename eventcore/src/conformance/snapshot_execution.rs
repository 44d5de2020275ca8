//! Snapshots through the executor, in every store: the state from a
//! snapshot and the events after it is the state folded from scratch; a
//! snapshot that cannot be trusted is passed over; and snapshots saved
//! while commands run never change a decision.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

use super::support::{ConformanceStore, ScenarioResult, ensure, ensure_eq, stream};
use crate::{
    CommandError, CommandExecutor, CommandLogic, CommandState, Event, RecordedEvent, RetryPolicy,
    SnapshotPolicy, StreamHandle, StreamId, StreamVersion,
    command::{
        CaptureError, Command, FoldIdentity, RestoreError, SnapshotKind, StreamAccess,
        StreamDeclarations,
    },
    error::StoreError,
    store::Snapshot,
};

/// Money moved into (positive) or out of (negative) a ledger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Moved {
    amount: i64,
}

impl Event for Moved {
    const EVENT_TYPES: &'static [&'static str] = &["Moved"];

    fn event_type(&self) -> &'static str {
        "Moved"
    }
}

/// A ledger's state: its balance, how many moves made it, and the lowest
/// balance it ever had (which a correct decision keeps at 0 or above).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Ledger {
    balance: i64,
    moves: u64,
    lowest: i64,
}

impl Ledger {
    fn fold(&mut self, event: &Moved) {
        self.balance += event.amount;
        self.moves += 1;
        self.lowest = self.lowest.min(self.balance);
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the ledger holds {balance}, and {amount} would take it below 0")]
pub(super) struct Overdrawn {
    balance: i64,
    amount: i64,
}

/// Moves `amount` unless that takes the ledger below 0; with amount 0,
/// writes nothing and keeps the state it saw. Its ledger state is kept in
/// snapshots, by hand (what the derive generates for
/// `#[stream(state = Ledger, snapshot_version = 1)]`).
pub(super) struct Move {
    ledger: StreamId,
    amount: i64,
    seen: Arc<Mutex<Option<Ledger>>>,
}

impl Move {
    fn new(ledger: &StreamId, amount: i64) -> Self {
        Self {
            ledger: ledger.clone(),
            amount,
            seen: Arc::default(),
        }
    }
}

impl Command for Move {
    type Event = Moved;
    type Streams<'a> = StreamHandle<'a, Self>;
    const NAME: &'static str = "Move";

    fn declare_streams(&self, streams: &mut StreamDeclarations) {
        streams.push(self.ledger.clone());
    }

    fn build_streams<'a>(&self, access: &'a StreamAccess<Moved>) -> StreamHandle<'a, Self> {
        access.handle::<Self>(self.ledger.clone())
    }
}

impl CommandState for Move {
    type State = Ledger;

    fn initial_state(&self) -> Ledger {
        Ledger::default()
    }

    fn apply(&self, ledger: &mut Ledger, event: &RecordedEvent<Moved>) {
        ledger.fold(event.payload());
    }

    fn snapshot_kind(&self, stream: &StreamId) -> Option<SnapshotKind> {
        (*stream == self.ledger).then(|| SnapshotKind::of::<Ledger, Moved>(FoldIdentity::Manual(1)))
    }

    fn restore_snapshot(
        &self,
        ledger: &mut Ledger,
        stream: &StreamId,
        value: &serde_json::Value,
    ) -> Result<(), RestoreError> {
        if *stream != self.ledger {
            return Err(RestoreError::NoPlace);
        }
        *ledger = Ledger::deserialize(value)?;
        Ok(())
    }

    fn capture_snapshot(
        &self,
        ledger: &mut Ledger,
        stream: &StreamId,
    ) -> Option<Result<serde_json::Value, CaptureError>> {
        (*stream == self.ledger).then(|| serde_json::to_value(&*ledger).map_err(CaptureError::from))
    }
}

impl CommandLogic for Move {
    type Error = Overdrawn;

    fn handle(&self, ledger: Ledger, stream: &mut StreamHandle<'_, Self>) -> Result<(), Overdrawn> {
        if self.amount == 0 {
            // A poisoned lock leaves the probe empty, which its caller reports.
            if let Ok(mut seen) = self.seen.lock() {
                *seen = Some(ledger);
            }
            return Ok(());
        }
        if ledger.balance + self.amount < 0 {
            return Err(Overdrawn {
                balance: ledger.balance,
                amount: self.amount,
            });
        }
        stream.emit(Moved {
            amount: self.amount,
        });
        Ok(())
    }
}

type Failure = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The state an executor with an empty cache decides on, with snapshots
/// or without.
async fn cold_state<S: ConformanceStore>(
    store: &S,
    ledger: &StreamId,
    snapshots: bool,
) -> Result<Ledger, Failure> {
    let mut executor = CommandExecutor::new(store.clone());
    if snapshots {
        executor = executor.snapshots(SnapshotPolicy::default());
    }
    let probe = Move::new(ledger, 0);
    let seen = Arc::clone(&probe.seen);
    executor.execute(probe).await?;
    let state = seen.lock().map_err(|_| "a probe panicked")?.take();
    Ok(state.ok_or("the probe saw no state")?)
}

/// A snapshot of `ledger` at `version` holding `state`, of the kind the
/// command restores from.
fn snapshot_of(
    ledger: &StreamId,
    version: u64,
    state: serde_json::Value,
) -> Result<Snapshot, StoreError> {
    let kind = SnapshotKind::of::<Ledger, Moved>(FoldIdentity::Manual(1));
    Ok(Snapshot::new(
        ledger.clone(),
        kind.state_type(),
        StreamVersion::new(version),
        kind.fingerprint(),
        state,
    )?)
}

/// For random histories and random snapshot points, a cold executor's
/// state from the snapshot and the events after it is the state folded
/// from scratch (a snapshot at the last version included: no tail).
pub async fn snapshot_and_tail_fold_to_the_state_from_scratch<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let mut rng = StdRng::seed_from_u64(0x5eed_0017);
    let executor = CommandExecutor::new(store.clone());
    for case in 0..10 {
        let ledger = stream(&format!("snap-tail-{case}"))?;
        let mut states = Vec::new();
        let mut state = Ledger::default();
        for _ in 0..rng.random_range(1..30) {
            let amount = rng.random_range(-30..50);
            if amount == 0 {
                continue;
            }
            if let Ok(done) = executor.execute(Move::new(&ledger, amount)).await {
                for event in &done.events {
                    state.fold(event.payload());
                }
                states.push(state.clone());
            }
        }
        if states.is_empty() {
            continue;
        }
        let at = if case == 0 {
            states.len()
        } else {
            rng.random_range(1..=states.len())
        };
        let value = serde_json::to_value(&states[at - 1])?;
        store
            .save_snapshot(snapshot_of(&ledger, at as u64, value)?)
            .await?;
        ensure_eq!(
            cold_state(&store, &ledger, true).await?,
            state,
            "case {case}: snapshot at version {at} of {}",
            states.len()
        );
    }
    Ok(())
}

/// A snapshot of other fold code, one that does not decode, and one that
/// claims a version its stream has not reached are each passed over, and
/// the state is folded from the events.
pub async fn untrustworthy_snapshots_are_passed_over<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let ledger = stream("snap-untrusted")?;
    let executor = CommandExecutor::new(store.clone());
    for _ in 0..6 {
        executor.execute(Move::new(&ledger, 5)).await?;
    }
    let truth = cold_state(&store, &ledger, false).await?;
    let wrong = serde_json::json!({ "balance": 1000, "moves": 3, "lowest": 0 });
    let good = snapshot_of(&ledger, 3, wrong.clone())?;
    let planted = [
        (
            "another fingerprint",
            Snapshot::new(
                ledger.clone(),
                good.state_type(),
                good.version(),
                "an-older-fold",
                wrong.clone(),
            )?,
        ),
        (
            "undecodable",
            snapshot_of(&ledger, 3, serde_json::json!({ "balance": "lots" }))?,
        ),
        ("beyond the stream", snapshot_of(&ledger, 60, wrong)?),
    ];
    for (what, snapshot) in planted {
        store.drop_snapshots(good.state_type()).await?;
        store.save_snapshot(snapshot).await?;
        ensure_eq!(cold_state(&store, &ledger, true).await?, truth, "{what}");
    }
    // The planted snapshot shows it is used when it can be.
    store.drop_snapshots(good.state_type()).await?;
    store.save_snapshot(good).await?;
    ensure_eq!(
        cold_state(&store, &ledger, true).await?.balance,
        1015,
        "a usable snapshot"
    );
    Ok(())
}

/// Tasks moving money on one ledger, some through one warm executor and
/// some through a cold executor per command, all saving snapshots every
/// 3 events: no decision ever takes the ledger below 0, every accepted move
/// is in the balance once, and the state from the snapshots left behind is
/// the state folded from scratch.
pub async fn snapshots_saved_while_commands_run_never_change_a_decision<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let ledger = stream("snap-race")?;
    let policy = SnapshotPolicy::every(3)?;
    // Six tasks on one stream, half of them from a cold executor whose
    // read-to-append window is the longest: enough attempts that losing
    // the race is never what ends a command (this scenario is about
    // decisions, not liveness).
    let retry = RetryPolicy::new()
        .with_max_attempts(100)
        .max_delay(Duration::from_millis(20));
    let warm = CommandExecutor::new(store.clone())
        .snapshots(policy)
        .retry_policy(retry);
    let mut tasks = Vec::new();
    for task in 0..6_u64 {
        let (store, warm, ledger) = (store.clone(), warm.clone(), ledger.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(task);
            let mut accepted = 0_i64;
            for _ in 0..20 {
                let amount = match rng.random_range(-40..30) {
                    0 => 1,
                    amount => amount,
                };
                let outcome = if task % 2 == 0 {
                    warm.execute(Move::new(&ledger, amount)).await
                } else {
                    let cold = CommandExecutor::new(store.clone())
                        .snapshots(policy)
                        .retry_policy(retry);
                    cold.execute(Move::new(&ledger, amount)).await
                };
                match outcome {
                    Ok(_) => accepted += amount,
                    Err(CommandError::Rejected(_)) => {}
                    Err(other) => return Err(other.to_string()),
                }
            }
            Ok(accepted)
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await?.map_err(|e| format!("a task failed: {e}"))?;
    }
    let truth = cold_state(&store, &ledger, false).await?;
    ensure!(
        truth.lowest >= 0,
        "a decision overdrew the ledger: {truth:?}"
    );
    ensure_eq!(
        truth.balance,
        accepted,
        "the balance against the accepted moves"
    );
    ensure_eq!(
        cold_state(&store, &ledger, true).await?,
        truth,
        "from the snapshots"
    );
    Ok(())
}
