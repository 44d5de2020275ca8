//! Idempotent execution through the executor: the same key twice has the
//! effect of once, in every store.

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

use serde::{Deserialize, Serialize};

use super::support::{ConformanceStore, ScenarioResult, ensure, ensure_eq, stream};
use crate::{
    Command, CommandError, CommandExecutor, CommandLogic, CommandState, Event, ExecutionOptions,
    IdempotencyKey, RecordedEvent, StreamHandle, StreamId,
    command::{StreamAccess, StreamDeclarations},
    error::StoreError,
};

/// The event the scenarios' command writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Counted {
    n: u64,
}

impl Event for Counted {
    const EVENT_TYPES: &'static [&'static str] = &["Counted"];

    fn event_type(&self) -> &'static str {
        "Counted"
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the stream already holds {0} events, the limit")]
pub(super) struct Full(pub(super) u64);

/// Writes `Counted` to its stream while the stream holds fewer than
/// `limit` events, refuses at the limit, and writes nothing when `limit`
/// is 0. Counts how often its logic runs.
pub(super) struct Count {
    stream: StreamId,
    limit: u64,
    handled: Arc<AtomicU32>,
}

impl Count {
    pub(super) fn new(stream: &StreamId, limit: u64) -> Self {
        Self {
            stream: stream.clone(),
            limit,
            handled: Arc::default(),
        }
    }

    pub(super) fn sharing(&self, stream: &StreamId) -> Self {
        Self {
            stream: stream.clone(),
            limit: self.limit,
            handled: Arc::clone(&self.handled),
        }
    }

    pub(super) fn handled(&self) -> u32 {
        self.handled.load(Ordering::SeqCst)
    }
}

impl Command for Count {
    type Event = Counted;
    type Streams<'a> = StreamHandle<'a, Self>;
    const NAME: &'static str = "Count";

    fn declare_streams(&self, streams: &mut StreamDeclarations) {
        streams.push(self.stream.clone());
    }

    fn build_streams<'a>(&self, access: &'a StreamAccess<Counted>) -> StreamHandle<'a, Self> {
        access.handle::<Self>(self.stream.clone())
    }
}

impl CommandState for Count {
    type State = u64;

    fn initial_state(&self) -> u64 {
        0
    }

    fn apply(&self, count: &mut u64, _: &RecordedEvent<Counted>) {
        *count += 1;
    }
}

impl CommandLogic for Count {
    type Error = Full;

    fn handle(&self, count: u64, stream: &mut StreamHandle<'_, Self>) -> Result<(), Full> {
        self.handled.fetch_add(1, Ordering::SeqCst);
        if self.limit == 0 {
            return Ok(());
        }
        if count >= self.limit {
            return Err(Full(count));
        }
        stream.emit(Counted { n: count + 1 });
        Ok(())
    }
}

fn keyed(name: &str) -> Result<ExecutionOptions, StoreError> {
    Ok(ExecutionOptions::new().idempotency_key(IdempotencyKey::try_new(name)?))
}

/// Where each event landed and its id: what a replay must reproduce.
fn landing(events: &[RecordedEvent<Counted>]) -> Vec<(StreamId, u64, u64, String)> {
    events
        .iter()
        .map(|e| {
            (
                e.stream_id().clone(),
                e.version().value(),
                e.position().value(),
                e.metadata().event_id().to_string(),
            )
        })
        .collect()
}

/// A second execution with the same key writes nothing and returns the
/// first execution's events marked as a replay. A new executor (as in
/// another process) finds the record with its first read and does not run
/// the command's logic; the executor that wrote the events decides once on
/// its cached state, and the store refuses that append for the key.
pub async fn a_repeated_key_replays_the_first_execution<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("replayed")?;
    let command = Count::new(&id, 10);
    let executor = CommandExecutor::new(store.clone());
    let first = executor
        .execute_with_options(command.sharing(&id), keyed("pay-1")?)
        .await?;
    ensure!(!first.replayed, "the first execution says it replayed");
    ensure_eq!(first.events.len(), 1, "events written");
    for (name, executor, appends, handled) in [
        ("a new executor", CommandExecutor::new(store.clone()), 0, 1),
        ("the same executor", executor.clone(), 1, 2),
    ] {
        let again = executor
            .execute_with_options(command.sharing(&id), keyed("pay-1")?)
            .await?;
        ensure!(again.replayed, "{name}: a repeated key was not a replay");
        ensure_eq!(
            landing(&again.events),
            landing(&first.events),
            "{name}: replayed events"
        );
        ensure_eq!(
            again.events[0].payload(),
            first.events[0].payload(),
            "{name}: payload"
        );
        ensure_eq!(again.attempts, appends, "{name}: appends tried by a replay");
        ensure_eq!(command.handled(), handled, "{name}: times the logic ran");
    }
    ensure_eq!(
        store.stream_version(&id).await?.value(),
        1,
        "version of {id}"
    );
    // A new key is a new request.
    let other = executor
        .execute_with_options(command.sharing(&id), keyed("pay-2")?)
        .await?;
    ensure!(!other.replayed, "a new key replayed");
    ensure_eq!(
        store.stream_version(&id).await?.value(),
        2,
        "version after a new key"
    );
    Ok(())
}

/// Sixteen concurrent executions with one key: exactly one writes, and all
/// sixteen return the same events.
pub async fn sixteen_concurrent_executions_with_one_key_write_once<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("contended")?;
    let command = Count::new(&id, 100);
    let executor = CommandExecutor::new(store.clone());
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (executor, command) = (executor.clone(), command.sharing(&id));
        let options = keyed("the-one")?;
        tasks.push(tokio::spawn(async move {
            executor
                .execute_with_options(command, options)
                .await
                .map_err(|e| e.to_string())
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await??);
    }
    let writers = outcomes.iter().filter(|o| !o.replayed).count();
    ensure_eq!(writers, 1, "executions that wrote");
    let first = landing(&outcomes[0].events);
    ensure_eq!(first.len(), 1, "events returned");
    for outcome in &outcomes {
        ensure_eq!(
            landing(&outcome.events),
            first,
            "events returned by every execution"
        );
    }
    ensure_eq!(
        store.stream_version(&id).await?.value(),
        1,
        "version of {id}"
    );
    Ok(())
}

/// The same key with another request (other streams, or another request
/// fingerprint) is refused without writing anything, and, from an
/// executor that reads the store first (as another process does), without
/// running the command's logic.
pub async fn a_key_reused_by_another_request_is_refused<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (a, b) = (stream("reuse-a")?, stream("reuse-b")?);
    let executor = CommandExecutor::new(store.clone());
    let command = Count::new(&a, 10);
    executor
        .execute_with_options(
            command.sharing(&a),
            keyed("order-5")?.request_fingerprint(b"amount=5"),
        )
        .await?;
    let elsewhere = CommandExecutor::new(store.clone());
    for executor in [&elsewhere, &executor] {
        let attempts = [
            ("other streams", command.sharing(&b), b"amount=5".as_slice()),
            (
                "another request",
                command.sharing(&a),
                b"amount=7".as_slice(),
            ),
        ];
        for (what, reuse, request) in attempts {
            let options = keyed("order-5")?.request_fingerprint(request);
            match executor.execute_with_options(reuse, options).await {
                Err(CommandError::IdempotencyKeyReused {
                    key,
                    command: "Count",
                    recorded_command,
                }) => {
                    ensure_eq!(key.as_str(), "order-5", "{what}: key");
                    ensure_eq!(
                        recorded_command.as_str(),
                        "Count",
                        "{what}: recorded command"
                    );
                }
                other => {
                    return Err(
                        format!("{what}: expected IdempotencyKeyReused, got {other:?}").into(),
                    );
                }
            }
        }
    }
    // The first execution, then each reuse from the executor whose cache
    // holds `a` (the logic decides; the store refuses the key); `b` was
    // never read by that executor, so that reuse reads first.
    ensure_eq!(command.handled(), 2, "times the logic ran");
    ensure_eq!(store.stream_version(&a).await?.value(), 1, "version of {a}");
    ensure_eq!(store.stream_version(&b).await?.value(), 0, "version of {b}");
    Ok(())
}

/// A rejection records no key (nothing was written, and the command may
/// succeed later); a decision to write nothing is recorded, and replayed
/// as no events even after the state changed.
pub async fn only_successful_executions_record_their_key<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("limited")?;
    let executor = CommandExecutor::new(store.clone());
    executor.execute(Count::new(&id, 1)).await?;
    let rejected = executor
        .execute_with_options(Count::new(&id, 1), keyed("after-limit")?)
        .await;
    ensure!(
        matches!(rejected, Err(CommandError::Rejected(Full(1)))),
        "expected a rejection, got {rejected:?}"
    );
    // With a higher limit the same key now succeeds.
    let later = executor
        .execute_with_options(Count::new(&id, 5), keyed("after-limit")?)
        .await?;
    ensure!(
        !later.replayed && later.events.len() == 1,
        "after a rejection: {later:?}"
    );

    let quiet = Count::new(&id, 0);
    let nothing = executor
        .execute_with_options(quiet.sharing(&id), keyed("no-op")?)
        .await?;
    ensure!(
        !nothing.replayed && nothing.events.is_empty(),
        "a decision to write nothing: {nothing:?}"
    );
    executor.execute(Count::new(&id, 5)).await?;
    let elsewhere = CommandExecutor::new(store.clone());
    for (name, executor, handled) in [
        ("a new executor", &elsewhere, 1),
        ("the same", &executor, 2),
    ] {
        let replay = executor
            .execute_with_options(quiet.sharing(&id), keyed("no-op")?)
            .await?;
        ensure!(
            replay.replayed && replay.events.is_empty(),
            "{name}: replay of a no-op: {replay:?}"
        );
        ensure_eq!(
            quiet.handled(),
            handled,
            "{name}: times the no-op's logic ran"
        );
    }
    Ok(())
}
