//! What one attempt decides on: the declared streams, then whatever the
//! command discovers after seeing their state, up to the stream limit, all
//! folded into the command's state.

use std::borrow::Cow;

use crate::{
    command::{Command, CommandLogic, handle::ReadStream},
    error::{CommandError, StoreError},
    serialization::EventSerializer,
    store::{EventStore, IdempotencyClaim, IdempotencyRecord, KeyedRead, StreamEvents},
    types::{IdempotencyKey, RecordedEvent, StreamId, StreamVersion},
};

use super::{
    cache::{History, Slot, StreamCache},
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
        let loaded = match source {
            Source::Cache => cache.recall(&ids).map(|found| {
                found
                    .into_iter()
                    .map(|history| (StreamVersion::new(history.len() as u64), history))
                    .collect()
            }),
            Source::Store => {
                let look_up = if discovered {
                    None
                } else {
                    execution.claim.as_ref()
                };
                match read(execution, cache, &ids, look_up.map(IdempotencyClaim::key)).await? {
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
        let state = fold(command, &streams, &histories);
        wanted = Cow::Owned(undiscovered(command, &state, &streams));
        if wanted.is_empty() {
            return Ok(Some(Planned::Decide(Plan { streams, state })));
        }
        check_limit(streams.len() + wanted.len(), limit)?;
        drop(state);
        tracing::debug!(streams = ?wanted, "discovered streams");
        discovered = true;
    }
}

/// The ids among `ids` not read yet.
fn unread<'i>(ids: &'i [StreamId], streams: &[ReadStream]) -> Vec<&'i StreamId> {
    ids.iter()
        .filter(|id| !streams.iter().any(|s| s.id == **id))
        .collect()
}

type Histories<E> = Vec<(StreamVersion, History<E>)>;

/// Reads `ids` past what the cache holds, decodes the new events and adds
/// them to the cache; returns each stream's version as read and its history
/// (which may run further: another command may have added to it). With a
/// `key`, looks it up in the same call, and returns its record instead if
/// it is recorded.
async fn read<S, Ser, C>(
    execution: &Execution<'_, S, Ser, C>,
    cache: &StreamCache,
    ids: &[&StreamId],
    key: Option<&IdempotencyKey>,
) -> Result<Result<Histories<EventOf<C>>, IdempotencyRecord>, CommandError<C::Error>>
where
    S: EventStore,
    Ser: EventSerializer,
    C: CommandLogic,
{
    // The first try asks only for what the cache lacks; if an entry vanished
    // in the meantime (evicted), the second asks for whole streams.
    for from_scratch in [false, true] {
        let known = if from_scratch {
            vec![StreamVersion::INITIAL; ids.len()]
        } else {
            cache.versions::<EventOf<C>>(ids)
        };
        let cursors: Vec<(StreamId, StreamVersion)> = ids
            .iter()
            .zip(&known)
            .map(|(id, version)| ((*id).clone(), *version))
            .collect();
        let read = match key {
            None => execution.store.read_streams_after(&cursors).await?,
            Some(key) => match execution.store.read_streams_keyed(&cursors, key).await? {
                KeyedRead::Streams(read) => read,
                KeyedRead::Recorded(record) => return Ok(Err(record)),
            },
        };
        let mut pieces = Vec::with_capacity(ids.len());
        for (id, known) in ids.iter().zip(known) {
            let stream = read.stream(id);
            let version = stream.map_or(StreamVersion::INITIAL, StreamEvents::version);
            let stored = stream.map_or(&[][..], StreamEvents::events);
            let mut events = Vec::with_capacity(stored.len());
            for event in stored {
                // A retired type's event is skipped on purpose; its slot
                // keeps the history's versions dense.
                let payload = match execution.settings.serializer.decode(event) {
                    Ok(payload) => payload,
                    Err(e) if e.is_retired() => {
                        events.push(None);
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                events.push(Some(RecordedEvent::new(
                    event.stream_id().clone(),
                    event.version(),
                    event.position(),
                    event.metadata().clone(),
                    payload,
                )));
            }
            pieces.push((*id, known, events, version));
        }
        let versions: Vec<StreamVersion> = pieces.iter().map(|piece| piece.3).collect();
        if let Some(histories) = cache.extend_all(pieces) {
            return Ok(Ok(versions.into_iter().zip(histories).collect()));
        }
    }
    Err(CommandError::Store(StoreError::Corrupt {
        detail: "a stream read from the store does not line up with its own version".to_owned(),
    }))
}

/// Folds each stream's history up to the version it was read at, in global
/// position order.
fn fold<C: CommandLogic>(
    command: &C,
    streams: &[ReadStream],
    histories: &[History<EventOf<C>>],
) -> C::State {
    let mut state = command.initial_state();
    if let ([stream], [history]) = (streams, histories) {
        for event in prefix(stream, history).iter().flatten() {
            command.apply(&mut state, event);
        }
    } else {
        let mut all: Vec<&RecordedEvent<EventOf<C>>> = streams
            .iter()
            .zip(histories)
            .flat_map(|(stream, history)| prefix(stream, history).iter().flatten())
            .collect();
        all.sort_by_key(|e| e.position());
        for event in all {
            command.apply(&mut state, event);
        }
    }
    state
}

/// A history up to the version its stream was read at.
fn prefix<'h, E>(stream: &ReadStream, history: &'h History<E>) -> &'h [Slot<E>] {
    let len = usize::try_from(stream.version.value()).unwrap_or(usize::MAX);
    &history[..len.min(history.len())]
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
