//! What one attempt decides on: the declared streams, then whatever the
//! command discovers after seeing their state, up to the stream limit, all
//! folded into the command's state.

mod read;

use std::borrow::Cow;

use crate::{
    command::{
        Command, CommandLogic, SnapshotKind, StreamFold, folded::FoldedStates, handle::ReadStream,
    },
    error::CommandError,
    serialization::EventSerializer,
    store::{EventStore, IdempotencyClaim, IdempotencyRecord, Snapshot},
    types::{RecordedEvent, StreamId},
};

use self::read::{read, read_whole};
use super::{
    cache::{History, StreamCache},
    execution::Execution,
};

type EventOf<C> = <C as Command>::Event;

/// Where an attempt takes stream histories from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    /// The cache alone, without a round trip: it may be behind the store.
    Cache,
    /// The store, for whatever the cache lacks (one round trip, one snapshot
    /// per round of streams).
    Store,
}

/// The streams an attempt read, at the versions it read them, and the state
/// folded from them.
pub(super) struct Plan<C: CommandLogic> {
    pub(super) streams: Vec<ReadStream>,
    pub(super) state: C::State,
    /// Snapshots of the state, to save if the command's append succeeds.
    pub(super) captured: Vec<Snapshot>,
}

/// What planning found.
pub(super) enum Planned<C: CommandLogic> {
    /// The state to decide on.
    Decide(Plan<C>),
    /// The execution's idempotency key is recorded: nothing to decide.
    Recorded(IdempotencyRecord),
}

/// Reads the declared streams from `source`, then any the command discovers,
/// and folds them. `Ok(None)` when the source is the cache and it lacks a
/// stream. An execution with an idempotency key looks it up with its first
/// read, in the same call.
pub(super) async fn plan<S, Ser, C>(
    execution: &Execution<'_, S, Ser, C>,
    cache: &StreamCache,
    source: Source,
) -> Result<Option<Planned<C>>, CommandError<C::Error>>
where
    S: EventStore,
    Ser: EventSerializer,
    C: CommandLogic,
{
    let Execution {
        command, declared, ..
    } = *execution;
    let limit = execution.settings.max_streams;
    check_limit(declared.len(), limit)?;
    let mut streams: Vec<ReadStream> = Vec::with_capacity(declared.len());
    let mut histories: Vec<History<EventOf<C>>> = Vec::with_capacity(declared.len());
    let mut wanted = Cow::Borrowed(declared);
    let mut discovered = false;
    loop {
        let ids = unread(&wanted, &streams);
        let kinds = snapshot_kinds(execution, &ids);
        let loaded = match source {
            Source::Cache => cache.recall(&ids).map(|found| {
                found
                    .into_iter()
                    .map(|history| (history.version(), history))
                    .collect()
            }),
            Source::Store => {
                let look_up = if discovered {
                    None
                } else {
                    execution.claim.as_ref()
                };
                match read(
                    execution,
                    cache,
                    &ids,
                    &kinds,
                    look_up.map(IdempotencyClaim::key),
                )
                .await?
                {
                    Ok(read) => Some(read),
                    Err(record) => return Ok(Some(Planned::Recorded(record))),
                }
            }
        };
        let Some(loaded) = loaded else {
            return Ok(None);
        };
        for (id, (version, history)) in ids.into_iter().zip(loaded) {
            streams.push(ReadStream {
                id: id.clone(),
                version,
                discovered,
            });
            histories.push(history);
        }
        // Every stream is folded again from scratch after a discovery round,
        // so the state never depends on the order streams were read in.
        let mut state = loop {
            let unusable = match fold(command, &streams, &histories, cache) {
                Ok(state) => break state,
                Err(unusable) => unusable,
            };
            if source == Source::Cache {
                return Ok(None);
            }
            // A snapshot that does not restore: the stream is read whole.
            let stream = &mut streams[unusable.at];
            if let (Some(why), Some(snapshots), Some(base)) = (
                &unusable.why,
                &execution.settings.snapshots,
                histories[unusable.at].base(),
            ) {
                let state_type = command
                    .snapshot_kind(&stream.id)
                    .map_or("", |kind| kind.state_type());
                let why = format!("it does not restore at version {}: {why}", base.version());
                snapshots.passed_over(&stream.id, state_type, "undecodable", &why);
            }
            let (version, history) = read_whole(execution, cache, &stream.id).await?;
            stream.version = version;
            histories[unusable.at] = history;
        };
        wanted = Cow::Owned(undiscovered(command, &state, &streams));
        if wanted.is_empty() {
            let captured = capture(execution, &streams, &histories, &mut state);
            return Ok(Some(Planned::Decide(Plan {
                streams,
                state,
                captured,
            })));
        }
        check_limit(streams.len() + wanted.len(), limit)?;
        drop(state);
        tracing::debug!(streams = ?wanted, "discovered streams");
        discovered = true;
    }
}

/// The snapshot kinds of `ids` for the command, when the executor keeps
/// snapshots (none otherwise).
fn snapshot_kinds<S, Ser, C: CommandLogic>(
    execution: &Execution<'_, S, Ser, C>,
    ids: &[&StreamId],
) -> Vec<Option<SnapshotKind>> {
    if execution.settings.snapshots.is_none() {
        return Vec::new();
    }
    ids.iter()
        .map(|id| execution.command.snapshot_kind(id))
        .collect()
}

/// Snapshots of the streams that have grown by the policy's distance past
/// the snapshot (or the start) their history follows, captured from the
/// state folded at the versions read.
fn capture<S, Ser, C: CommandLogic>(
    execution: &Execution<'_, S, Ser, C>,
    streams: &[ReadStream],
    histories: &[History<EventOf<C>>],
    state: &mut C::State,
) -> Vec<Snapshot> {
    let Some(snapshots) = &execution.settings.snapshots else {
        return Vec::new();
    };
    let every = snapshots.policy().events();
    let command = execution.command;
    let mut captured = Vec::new();
    for (stream, history) in streams.iter().zip(histories) {
        if stream.version.value().saturating_sub(history.start()) < every {
            continue;
        }
        let Some(kind) = command.snapshot_kind(&stream.id) else {
            continue;
        };
        let taken = match command.capture_snapshot(state, &stream.id) {
            None => continue,
            Some(Err(error)) => Err(error.to_string()),
            Some(Ok(value)) => Snapshot::new(
                stream.id.clone(),
                kind.state_type(),
                stream.version,
                kind.fingerprint(),
                value,
            )
            .map_err(|error| error.to_string()),
        };
        match taken {
            Ok(snapshot) => captured.push(snapshot),
            Err(why) => snapshots.passed_over(
                &stream.id,
                kind.state_type(),
                "not_captured",
                &format!("no snapshot is taken at version {}: {why}", stream.version),
            ),
        }
    }
    captured
}

/// The ids among `ids` not read yet.
fn unread<'i>(ids: &'i [StreamId], streams: &[ReadStream]) -> Vec<&'i StreamId> {
    ids.iter()
        .filter(|id| !streams.iter().any(|s| s.id == **id))
        .collect()
}

/// A history whose snapshot the command cannot restore from.
struct Unusable {
    /// Its index among the streams.
    at: usize,
    /// Why, when the snapshot is of the command's kind but does not
    /// restore; `None` when it is of another kind (another command's).
    why: Option<String>,
}

/// Restores each stream's snapshot, if its history follows one, and folds
/// each history up to the version it was read at: one stream at a time,
/// from the states the cache keeps, when the command's state allows it;
/// otherwise every event, in global position order.
fn fold<C: CommandLogic>(
    command: &C,
    streams: &[ReadStream],
    histories: &[History<EventOf<C>>],
    kept: &dyn FoldedStates,
) -> Result<C::State, Unusable> {
    let mut state = restored(command, streams, histories)?;
    for (at, (stream, history)) in streams.iter().zip(histories).enumerate() {
        let events = history.up_to(stream.version);
        let fold = StreamFold::new(&stream.id, history.start(), events, Some(kept));
        if !command.fold_stream(&mut state, &fold) {
            if at > 0 {
                // Not one stream at a time after all: start again.
                state = restored(command, streams, histories)?;
            }
            fold_in_order(command, &mut state, streams, histories);
            break;
        }
    }
    Ok(state)
}

/// The initial state, with each stream's snapshot restored if its history
/// follows one.
fn restored<C: CommandLogic>(
    command: &C,
    streams: &[ReadStream],
    histories: &[History<EventOf<C>>],
) -> Result<C::State, Unusable> {
    let mut state = command.initial_state();
    for (at, (stream, history)) in streams.iter().zip(histories).enumerate() {
        let Some(base) = history.base() else {
            continue;
        };
        if !command
            .snapshot_kind(&stream.id)
            .is_some_and(|kind| kind.matches(base))
        {
            return Err(Unusable { at, why: None });
        }
        if let Err(error) = command.restore_snapshot(&mut state, &stream.id, base.state()) {
            return Err(Unusable {
                at,
                why: Some(error.to_string()),
            });
        }
    }
    Ok(state)
}

/// Applies every event of every history up to the version it was read at,
/// in global position order.
fn fold_in_order<C: CommandLogic>(
    command: &C,
    state: &mut C::State,
    streams: &[ReadStream],
    histories: &[History<EventOf<C>>],
) {
    if let ([stream], [history]) = (streams, histories) {
        for event in history.up_to(stream.version).iter().flatten() {
            command.apply(state, event);
        }
    } else {
        let mut all: Vec<&RecordedEvent<EventOf<C>>> = streams
            .iter()
            .zip(histories)
            .flat_map(|(stream, history)| history.up_to(stream.version).iter().flatten())
            .collect();
        all.sort_by_key(|e| e.position());
        for event in all {
            command.apply(state, event);
        }
    }
}

/// Streams the command asks for, after seeing `state`, that it has not read.
fn undiscovered<C: CommandLogic>(
    command: &C,
    state: &C::State,
    streams: &[ReadStream],
) -> Vec<StreamId> {
    let mut new: Vec<StreamId> = Vec::new();
    for id in command.discover_streams(state) {
        if !streams.iter().any(|s| s.id == id) && !new.contains(&id) {
            new.push(id);
        }
    }
    new
}

fn check_limit<E>(requested: usize, limit: usize) -> Result<(), CommandError<E>> {
    if requested > limit {
        return Err(CommandError::StreamLimitExceeded { limit, requested });
    }
    Ok(())
}
