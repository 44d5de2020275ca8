//! Loading one stream's state outside a command: the executor folds the
//! stream into a [`Fold`] state through the same path as a command that
//! reads it and writes nothing, so it uses the same stream cache and, for
//! [`load_snapshotted`](CommandExecutor::load_snapshotted), the same
//! snapshots.

use std::{convert::Infallible, marker::PhantomData, sync::Arc};

use parking_lot::Mutex;
use serde_json::Value;

use super::{CommandExecutor, ExecutionOptions, run::run};
use crate::{
    command::{
        CaptureError, Command, CommandLogic, CommandState, Fold, FoldFingerprint, FoldIdentity,
        RestoreError, SnapshotKind, SnapshotState, StreamAccess, StreamDeclarations, capture_field,
        restore_field,
    },
    error::{CommandError, StoreError},
    event::Event,
    serialization::EventSerializer,
    store::EventStore,
    types::{RecordedEvent, StreamId},
};

/// A command that reads one stream, folds it into `T` and writes nothing;
/// it keeps the state it was handed.
struct Load<T, E> {
    stream: StreamId,
    /// The snapshots `T` may be restored from, when loaded with snapshots.
    kind: Option<SnapshotKind>,
    /// Where `handle` leaves the state for the caller.
    loaded: Arc<Mutex<Option<T>>>,
    /// How the state is (de)serialized for snapshots.
    snapshots: Option<SnapshotFns<T>>,
    event: PhantomData<fn() -> E>,
}

/// Restores and captures `T`, for states kept in snapshots.
struct SnapshotFns<T> {
    restore: fn(&StreamId, &mut T, &StreamId, &Value) -> Result<bool, RestoreError>,
    capture: fn(&StreamId, &mut T, &StreamId) -> Option<Result<Value, CaptureError>>,
}

impl<T, E> Load<T, E> {
    fn new(stream: StreamId) -> Self {
        Self {
            stream,
            kind: None,
            loaded: Arc::new(Mutex::new(None)),
            snapshots: None,
            event: PhantomData,
        }
    }
}

impl<T, E> Command for Load<T, E>
where
    T: Fold<E> + Send + 'static,
    E: Event + 'static,
{
    type Event = E;
    type Streams<'a> = ();
    const NAME: &'static str = "eventcore::load";

    fn declare_streams(&self, streams: &mut StreamDeclarations) {
        streams.push(self.stream.clone());
    }

    fn build_streams<'a>(&self, access: &'a StreamAccess<E>) -> Self::Streams<'a> {
        let _ = access;
    }
}

impl<T, E> CommandState for Load<T, E>
where
    T: Fold<E> + Send + 'static,
    E: Event + 'static,
{
    type State = T;

    fn initial_state(&self) -> T {
        T::default()
    }

    fn apply(&self, state: &mut T, event: &RecordedEvent<E>) {
        if event.stream_id() == &self.stream {
            state.fold(event);
        }
    }

    fn snapshot_kind(&self, stream: &StreamId) -> Option<SnapshotKind> {
        self.kind.clone().filter(|_| stream == &self.stream)
    }

    fn restore_snapshot(
        &self,
        state: &mut T,
        stream: &StreamId,
        value: &Value,
    ) -> Result<(), RestoreError> {
        match &self.snapshots {
            Some(fns) if (fns.restore)(&self.stream, state, stream, value)? => Ok(()),
            _ => Err(RestoreError::NoPlace),
        }
    }

    fn capture_snapshot(
        &self,
        state: &mut T,
        stream: &StreamId,
    ) -> Option<Result<Value, CaptureError>> {
        (self.snapshots.as_ref()?.capture)(&self.stream, state, stream)
    }
}

impl<T, E> CommandLogic for Load<T, E>
where
    T: Fold<E> + Send + 'static,
    E: Event + 'static,
{
    type Error = Infallible;

    fn handle(&self, state: T, streams: &mut ()) -> Result<(), Infallible> {
        let () = streams;
        *self.loaded.lock() = Some(state);
        Ok(())
    }
}

/// A load of `stream` that starts from the snapshots of `T` folded by the
/// fold `identity` names.
fn snapshotted<T, E>(stream: &StreamId, identity: FoldIdentity) -> Load<T, E>
where
    T: Fold<E> + SnapshotState + Send + 'static,
    E: Event + 'static,
{
    let mut load = Load::new(stream.clone());
    load.kind = Some(SnapshotKind::of::<T, E>(identity));
    load.snapshots = Some(SnapshotFns {
        restore: |own, state, stream, value| {
            restore_field::<StreamId, T>(own, state, stream, value)
        },
        capture: |own, state, stream| capture_field::<StreamId, T>(own, state, stream),
    });
    load
}

impl<S: EventStore, Ser: EventSerializer> CommandExecutor<S, Ser> {
    /// The state of one stream, folded from its events into a `T` (from
    /// `T::default()`), outside any command: what a command with
    /// `#[stream(state = T)]` on that stream would decide on. It reads
    /// through the executor's stream cache like a command, so loading a
    /// cached stream reads only its new events; it writes nothing.
    ///
    /// A load shows in tracing and metrics as an execution of the command
    /// `eventcore::load`. When `T` folds more than one event type (a part
    /// of a composed enum, `#[eventcore::fold(via = ..)]`), name the one to
    /// load through: `executor.load::<Stock, ProductEvent>(&id)`.
    ///
    /// ```
    /// use eventcore::{CommandExecutor, Fold, RecordedEvent, StreamId};
    /// # use eventcore::store::{AppendBatch, EventStore, ExpectedVersion, NewEvent};
    /// # use eventcore::{EventMetadata, SerializedEvent};
    /// use eventcore_memory::MemoryStore;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Clone, Debug, Serialize, Deserialize, eventcore::Event)]
    /// # enum BankEvent { Deposited { amount: u64 } }
    ///
    /// #[derive(Default)]
    /// struct Account { balance: u64 }
    ///
    /// impl Fold<BankEvent> for Account {
    ///     fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
    ///         let BankEvent::Deposited { amount } = event.payload();
    ///         self.balance += amount;
    ///     }
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = StreamId::try_new("account-1")?;
    /// # let deposit = |amount: u64| NewEvent::new(
    /// #     SerializedEvent::new("Deposited", format!("{{\"amount\":{amount}}}")), EventMetadata::new());
    /// # store.append(AppendBatch::single(id.clone(), ExpectedVersion::Any,
    /// #     vec![deposit(5), deposit(7)])).await?;
    /// let executor = CommandExecutor::new(store);
    /// let account: Account = executor.load(&id).await?;
    /// assert_eq!(account.balance, 12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn load<T, E>(&self, stream: &StreamId) -> Result<T, CommandError<Infallible>>
    where
        T: Fold<E> + Send + 'static,
        E: Event + 'static,
    {
        self.run_load(Load::new(stream.clone())).await
    }

    /// Like [`load`](Self::load), for a state kept in snapshots: with a
    /// [`SnapshotPolicy`](crate::SnapshotPolicy) on the executor it starts
    /// from the stream's newest usable snapshot of `T` (the same snapshots
    /// a command's `#[stream(state = T, snapshot)]` field uses, under the
    /// same fingerprint rules) and folds only the events after it.
    ///
    /// `T`'s fold must carry a fingerprint: put `#[eventcore::fold]` on its
    /// `impl Fold<E>` block.
    pub async fn load_snapshotted<T, E>(
        &self,
        stream: &StreamId,
    ) -> Result<T, CommandError<Infallible>>
    where
        T: FoldFingerprint<E> + SnapshotState + Send + 'static,
        E: Event + 'static,
    {
        self.run_load(snapshotted(
            stream,
            FoldIdentity::Tokens(T::FOLD_FINGERPRINT),
        ))
        .await
    }

    /// Like [`load_snapshotted`](Self::load_snapshotted), for a state whose
    /// fold is identified by a version bumped by hand (what
    /// `#[stream(state = T, snapshot_version = N)]` says on a command's
    /// field) instead of `#[eventcore::fold]`: pass the same `N` to share
    /// that field's snapshots.
    pub async fn load_snapshotted_version<T, E>(
        &self,
        stream: &StreamId,
        snapshot_version: u32,
    ) -> Result<T, CommandError<Infallible>>
    where
        T: Fold<E> + SnapshotState + Send + 'static,
        E: Event + 'static,
    {
        self.run_load(snapshotted(stream, FoldIdentity::Manual(snapshot_version)))
            .await
    }

    async fn run_load<T, E>(&self, load: Load<T, E>) -> Result<T, CommandError<Infallible>>
    where
        T: Fold<E> + Send + 'static,
        E: Event + 'static,
    {
        let loaded = Arc::clone(&load.loaded);
        run(&self.store, &self.settings, load, &ExecutionOptions::new()).await?;
        // `handle` runs before every successful return of a command that
        // has no idempotency key.
        loaded.lock().take().ok_or_else(|| {
            CommandError::Store(StoreError::backend(
                "load",
                "the executor returned without folding the stream",
            ))
        })
    }
}
