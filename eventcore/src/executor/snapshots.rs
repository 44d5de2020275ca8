//! The executor's side of snapshots: where they are loaded from and saved
//! to, when they are taken, and saying once that one was passed over.

use std::{collections::HashSet, fmt, future::Future, pin::Pin, sync::Arc};

use parking_lot::Mutex;

use crate::{
    error::StoreError,
    store::{Snapshot, SnapshotStore},
    types::{StreamId, ValidationError},
};

/// When an executor saves a snapshot of a stream's state: once the stream
/// has grown by [`events`](Self::events) events past the snapshot it was
/// folded from (or past its start).
///
/// A snapshot is captured from the state a successful command decided on
/// and saved on a task of its own after the command's append: it is never
/// part of the append, and a command never waits for it. Turn snapshots on
/// with [`CommandExecutor::snapshots`](crate::CommandExecutor::snapshots),
/// and keep a state in them with `#[stream(state = T, snapshot)]`:
///
/// ```
/// use eventcore::{Command, CommandExecutor, CommandLogic, Event, Fold, RecordedEvent};
/// use eventcore::{SnapshotPolicy, StreamId};
/// use eventcore_memory::MemoryStore;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Debug, Serialize, Deserialize, Event)]
/// enum BankEvent { Deposited { amount: u64 } }
///
/// #[derive(Default, Serialize, Deserialize)]
/// struct Account { balance: u64 }
///
/// #[eventcore::fold]
/// impl Fold<BankEvent> for Account {
///     fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
///         let BankEvent::Deposited { amount } = event.payload();
///         self.balance += amount;
///     }
/// }
///
/// #[derive(Command)]
/// #[command(event = BankEvent)]
/// struct Deposit {
///     #[stream(state = Account, snapshot)]
///     account: StreamId,
///     amount: u64,
/// }
///
/// impl CommandLogic for Deposit {
///     type Error = std::convert::Infallible;
///     fn handle(&self, _: DepositState, streams: &mut DepositStreams<'_>) -> Result<(), Self::Error> {
///         streams.account.emit(BankEvent::Deposited { amount: self.amount });
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new();
/// let executor = CommandExecutor::new(store.clone()).snapshots(SnapshotPolicy::every(10)?);
/// let account = StreamId::try_new("account-1")?;
/// for _ in 0..25 {
///     executor.execute(Deposit { account: account.clone(), amount: 1 }).await?;
/// }
/// # Ok(())
/// # }
/// ```
///
/// The distance must be at least one event:
///
/// ```
/// use eventcore::SnapshotPolicy;
///
/// assert_eq!(SnapshotPolicy::every(500)?.events(), 500);
/// assert_eq!(SnapshotPolicy::default().events(), SnapshotPolicy::DEFAULT_EVENTS);
/// assert!(SnapshotPolicy::every(0).is_err());
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotPolicy {
    events: u64,
}

impl SnapshotPolicy {
    /// The default distance between snapshots, in events. Measured with
    /// the workload runner's W6 (see `benches/README.md`): a cold command
    /// reads and folds up to this many events past a snapshot, and a
    /// snapshot is saved once every this many events.
    pub const DEFAULT_EVENTS: u64 = 100;

    /// A snapshot once a stream has grown by `events` events past its last
    /// one (at least 1).
    pub fn every(events: u64) -> Result<Self, ValidationError> {
        if events == 0 {
            return Err(ValidationError::invalid(
                "SnapshotPolicy",
                events,
                "snapshots are taken every 1 or more events",
            ));
        }
        Ok(Self { events })
    }

    /// The distance between snapshots, in events.
    #[must_use]
    pub const fn events(&self) -> u64 {
        self.events
    }
}

impl Default for SnapshotPolicy {
    fn default() -> Self {
        Self {
            events: Self::DEFAULT_EVENTS,
        }
    }
}

type Loading<'a> = Pin<Box<dyn Future<Output = Result<Option<Snapshot>, StoreError>> + Send + 'a>>;

/// A [`SnapshotStore`] behind a pointer, so settings need no type for it.
trait Port: Send + Sync {
    fn load<'a>(&'a self, stream: &'a StreamId, state_type: &'a str) -> Loading<'a>;
    fn save(&self, snapshot: Snapshot);
}

struct StorePort<S>(S);

impl<S: SnapshotStore + Clone + 'static> Port for StorePort<S> {
    fn load<'a>(&'a self, stream: &'a StreamId, state_type: &'a str) -> Loading<'a> {
        Box::pin(self.0.load_snapshot(stream, state_type))
    }

    fn save(&self, snapshot: Snapshot) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!("no runtime to save a snapshot on; skipped");
            return;
        };
        let store = self.0.clone();
        runtime.spawn(async move {
            let (stream, version) = (snapshot.stream_id().clone(), snapshot.version());
            match store.save_snapshot(snapshot).await {
                Ok(written) => {
                    crate::metrics::snapshot_saved(if written { "written" } else { "kept_newer" });
                    tracing::debug!(%stream, %version, written, "snapshot saved");
                }
                Err(error) => {
                    crate::metrics::snapshot_saved("error");
                    tracing::warn!(%stream, %version, %error, "snapshot not saved");
                }
            }
        });
    }
}

/// How many streams a passed-over snapshot is reported for at warning
/// level; past that, at debug level, so a bad deployment cannot grow the
/// set without bound.
const WARNED_LIMIT: usize = 10_000;

/// The snapshots an executor loads and saves.
pub(crate) struct Snapshots {
    port: Box<dyn Port>,
    policy: SnapshotPolicy,
    /// The (stream, state type) pairs a passed-over snapshot was reported
    /// for at warning level.
    warned: Mutex<HashSet<(StreamId, &'static str)>>,
}

impl fmt::Debug for Snapshots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshots")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Snapshots {
    pub(crate) fn new<S: SnapshotStore + Clone + 'static>(
        store: S,
        policy: SnapshotPolicy,
    ) -> Arc<Self> {
        Arc::new(Self {
            port: Box::new(StorePort(store)),
            policy,
            warned: Mutex::default(),
        })
    }

    pub(crate) const fn policy(&self) -> SnapshotPolicy {
        self.policy
    }

    /// The snapshot of `stream` for `state_type`, if any. A store error is
    /// reported and taken as none: a snapshot is only a cache.
    pub(crate) async fn load(
        &self,
        stream: &StreamId,
        state_type: &'static str,
    ) -> Option<Snapshot> {
        match self.port.load(stream, state_type).await {
            Ok(found) => found,
            Err(error) => {
                self.passed_over(stream, state_type, "load_error", &error);
                None
            }
        }
    }

    /// Saves `snapshot` on a task of its own.
    pub(crate) fn save(&self, snapshot: Snapshot) {
        self.port.save(snapshot);
    }

    /// Reports a snapshot the executor did not use and folded from the
    /// events instead: at warning level the first time for a stream and
    /// state type, at debug level after.
    pub(crate) fn passed_over(
        &self,
        stream: &StreamId,
        state_type: &'static str,
        reason: &'static str,
        why: &dyn fmt::Display,
    ) {
        crate::metrics::snapshot_passed_over(reason);
        let first = {
            let mut warned = self.warned.lock();
            warned.len() < WARNED_LIMIT && warned.insert((stream.clone(), state_type))
        };
        if first {
            tracing::warn!(%stream, state_type, reason = %why, "snapshot passed over; folding from the events");
        } else {
            tracing::debug!(%stream, state_type, reason = %why, "snapshot passed over; folding from the events");
        }
    }
}
