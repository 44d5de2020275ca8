//! One attempt: read (or recall), fold, decide, append.

use crate::{
    command::{Command, CommandLogic, StreamAccess, handle::ReadStream},
    error::{CommandError, StoreError, ValidationError},
    event::Event,
    serialization::EventSerializer,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent, StreamEvents, StreamWrite},
    types::{EventMetadata, EventMetadataBuilder, RecordedEvent, StreamId, StreamVersion},
};

use super::{
    Settings,
    cache::{CacheGuard, History, StreamCache},
};

type EventOf<C> = <C as Command>::Event;
type Events<C> = Vec<RecordedEvent<EventOf<C>>>;
type Outcome<C> = Result<Events<C>, CommandError<<C as CommandLogic>::Error>>;

/// Why a speculative attempt did not complete.
pub(super) enum Speculation<E> {
    /// The cache could not settle it (a stream not cached, a decision that
    /// must be confirmed on fresh data, or a stale cache caught by the
    /// append's version check): run a normal attempt at once. `appended`
    /// says whether an append was tried.
    Inconclusive { appended: bool },
    /// A failure that a fresh attempt would not fix.
    Failed(CommandError<E>),
}

/// Decides on the cached histories alone, without reading the store: one
/// round trip (the append) instead of two. Only a write is trusted: the
/// append checks every stream's version, so a stale cache shows up as a
/// conflict. A rejection or a decision to write nothing might rest on stale
/// state, so those are confirmed by a normal attempt.
pub(super) async fn speculate<S, Z, C>(
    store: &S,
    settings: &Settings<Z>,
    cache: &StreamCache,
    command: &C,
    declared: &[StreamId],
    template: &EventMetadataBuilder,
) -> Result<Events<C>, Speculation<C::Error>>
where
    S: EventStore,
    Z: EventSerializer,
    C: CommandLogic,
{
    let inconclusive = || Speculation::Inconclusive { appended: false };
    let (streams, state) = {
        let guard = cache.lock();
        let mut streams = Vec::with_capacity(declared.len());
        let mut histories = Vec::with_capacity(declared.len());
        for id in declared {
            if !recall(&guard, id, false, &mut streams, &mut histories) {
                return Err(inconclusive());
            }
        }
        let mut state = fold(command, &streams, &histories);
        loop {
            let new = undiscovered(command, &state, &streams);
            if new.is_empty() {
                break;
            }
            check_limit(streams.len() + new.len(), settings.max_streams)
                .map_err(Speculation::Failed)?;
            for id in &new {
                if !recall(&guard, id, true, &mut streams, &mut histories) {
                    return Err(inconclusive());
                }
            }
            state = fold(command, &streams, &histories);
        }
        (streams, state)
    };
    let Ok((streams, emitted)) = decide(command, state, streams) else {
        return Err(inconclusive());
    };
    if emitted.is_empty() {
        return Err(inconclusive());
    }
    match write::<S, Z, C>(store, settings, template, &streams, emitted).await {
        Ok(written) => {
            remember(cache, &streams, &written);
            Ok(written)
        }
        // The cached histories stay: they are valid prefixes, and the next
        // read fetches only what lies past them.
        Err(CommandError::Store(StoreError::VersionConflict { .. })) => {
            Err(Speculation::Inconclusive { appended: true })
        }
        Err(other) => Err(Speculation::Failed(other)),
    }
}

/// The version of `id` the cache holds for command `C`'s event type.
pub(super) fn cached_version<C: CommandLogic>(
    cache: &StreamCache,
    id: &StreamId,
) -> Option<StreamVersion> {
    cache.lock().version::<EventOf<C>>(id)
}

/// Takes `id`'s cached history for a speculative attempt; `false` if the
/// stream is not cached.
fn recall<E: Event>(
    cache: &CacheGuard<'_>,
    id: &StreamId,
    discovered: bool,
    streams: &mut Vec<ReadStream>,
    histories: &mut Vec<History<E>>,
) -> bool {
    let Some(history) = cache.history::<E>(id) else {
        return false;
    };
    let version = StreamVersion::new(history.len() as u64);
    streams.push(ReadStream {
        id: id.clone(),
        version,
        discovered,
    });
    histories.push(history);
    true
}

/// A normal attempt: reads what the cache lacks (one round trip, one
/// snapshot), folds, decides and appends.
pub(super) async fn run<S, Z, C>(
    store: &S,
    settings: &Settings<Z>,
    cache: &StreamCache,
    command: &C,
    declared: &[StreamId],
    template: &EventMetadataBuilder,
) -> Outcome<C>
where
    S: EventStore,
    Z: EventSerializer,
    C: CommandLogic,
{
    check_limit(declared.len(), settings.max_streams)?;
    let mut streams: Vec<ReadStream> = Vec::with_capacity(declared.len());
    let mut histories: Vec<History<EventOf<C>>> = Vec::with_capacity(declared.len());
    read(
        store,
        settings,
        cache,
        declared,
        false,
        &mut streams,
        &mut histories,
    )
    .await?;
    let state = loop {
        // Every stream is folded again from scratch after a discovery round,
        // so the state never depends on the order streams were read in.
        let state = fold(command, &streams, &histories);
        let new = undiscovered(command, &state, &streams);
        if new.is_empty() {
            break state;
        }
        check_limit(streams.len() + new.len(), settings.max_streams)?;
        drop(state);
        tracing::debug!(streams = ?new, "discovered streams");
        read(
            store,
            settings,
            cache,
            &new,
            true,
            &mut streams,
            &mut histories,
        )
        .await?;
    };
    // Let go of the histories so the cache can extend them in place.
    drop(histories);

    let (streams, emitted) = decide(command, state, streams).map_err(CommandError::Rejected)?;
    if emitted.is_empty() {
        return Ok(Vec::new());
    }
    let written = write::<S, Z, C>(store, settings, template, &streams, emitted).await?;
    remember(cache, &streams, &written);
    Ok(written)
}

/// Reads `ids` past what the cache holds, decodes the new events and adds
/// them to the cache; records each stream's version and history.
async fn read<S, Z, E, X>(
    store: &S,
    settings: &Settings<Z>,
    cache: &StreamCache,
    ids: &[StreamId],
    discovered: bool,
    streams: &mut Vec<ReadStream>,
    histories: &mut Vec<History<E>>,
) -> Result<(), CommandError<X>>
where
    S: EventStore,
    Z: EventSerializer,
    E: Event,
{
    let ids: Vec<&StreamId> = ids
        .iter()
        .filter(|id| !streams.iter().any(|s| s.id == **id))
        .collect();
    // The first try asks only for what the cache lacks; if an entry vanished
    // in the meantime (evicted), the second asks for whole streams.
    for from_scratch in [false, true] {
        let cursors: Vec<(StreamId, StreamVersion)> = {
            let guard = cache.lock();
            ids.iter()
                .map(|id| {
                    let known = if from_scratch {
                        StreamVersion::INITIAL
                    } else {
                        guard.version::<E>(id).unwrap_or_default()
                    };
                    ((*id).clone(), known)
                })
                .collect()
        };
        let read = store.read_streams_after(&cursors).await?;
        let mut decoded = Vec::with_capacity(cursors.len());
        for (id, known) in &cursors {
            let stream = read.stream(id);
            let version = stream.map_or(StreamVersion::INITIAL, StreamEvents::version);
            let stored = stream.map_or(&[][..], StreamEvents::events);
            let mut events = Vec::with_capacity(stored.len());
            for event in stored {
                events.push(RecordedEvent::new(
                    event.stream_id().clone(),
                    event.version(),
                    event.position(),
                    event.metadata().clone(),
                    settings.serializer.decode::<E>(event)?,
                ));
            }
            decoded.push((id, *known, events, version));
        }
        let mut found = Vec::with_capacity(decoded.len());
        {
            let mut guard = cache.lock();
            for (id, known, events, version) in decoded {
                match guard.extend(id, known, events, version) {
                    Some(history) => found.push((id, version, history)),
                    None => break,
                }
            }
        }
        if found.len() == ids.len() {
            for (id, version, history) in found {
                streams.push(ReadStream {
                    id: id.clone(),
                    version,
                    discovered,
                });
                histories.push(history);
            }
            return Ok(());
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
        for event in prefix(stream, history) {
            command.apply(&mut state, event);
        }
    } else {
        let mut all: Vec<&RecordedEvent<EventOf<C>>> = streams
            .iter()
            .zip(histories)
            .flat_map(|(stream, history)| prefix(stream, history))
            .collect();
        all.sort_by_key(|e| e.position());
        for event in all {
            command.apply(&mut state, event);
        }
    }
    state
}

/// A history up to the version its stream was read at.
fn prefix<'h, E>(stream: &ReadStream, history: &'h History<E>) -> &'h [RecordedEvent<E>] {
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

type Decision<C> = (Vec<ReadStream>, Vec<(StreamId, EventOf<C>)>);

/// Runs the command's logic with freshly made handles. Synchronous, so the
/// handles never live across an await.
fn decide<C: CommandLogic>(
    command: &C,
    state: C::State,
    streams: Vec<ReadStream>,
) -> Result<Decision<C>, C::Error> {
    let access = StreamAccess::new(streams);
    let outcome = {
        let mut handles = command.build_streams(&access);
        command.handle(state, &mut handles)
    };
    outcome.map(|()| access.into_parts())
}

/// Appends the emitted events in one batch in which every stream read takes
/// part at the version it was read at.
async fn write<S, Z, C>(
    store: &S,
    settings: &Settings<Z>,
    template: &EventMetadataBuilder,
    streams: &[ReadStream],
    emitted: Vec<(StreamId, EventOf<C>)>,
) -> Outcome<C>
where
    S: EventStore,
    Z: EventSerializer,
    C: CommandLogic,
{
    let mut per_stream: Vec<Vec<EventOf<C>>> = streams.iter().map(|_| Vec::new()).collect();
    for (id, event) in emitted {
        let Some(index) = streams.iter().position(|s| s.id == id) else {
            return Err(CommandError::Validation(ValidationError::invalid(
                "StreamHandle",
                id,
                "events may only be emitted to streams the command read",
            )));
        };
        per_stream[index].push(event);
    }

    let mut writes = Vec::with_capacity(streams.len());
    let mut pending: Vec<(EventOf<C>, EventMetadata)> = Vec::new();
    for (stream, stream_events) in streams.iter().zip(per_stream) {
        if stream_events.is_empty() {
            writes.push(StreamWrite::check_only(stream.id.clone(), stream.version));
            continue;
        }
        let mut new_events = Vec::with_capacity(stream_events.len());
        for event in stream_events {
            let metadata = template.clone().build();
            new_events.push(NewEvent::new(
                settings.serializer.encode(&event)?,
                metadata.clone(),
            ));
            pending.push((event, metadata));
        }
        writes.push(StreamWrite::new(
            stream.id.clone(),
            ExpectedVersion::Exact(stream.version),
            new_events,
        ));
    }
    let appended = store.append(AppendBatch::try_new(writes)?).await?;
    Ok(appended
        .events
        .into_iter()
        .zip(pending)
        .map(|(at, (payload, metadata))| {
            RecordedEvent::new(at.stream_id, at.version, at.position, metadata, payload)
        })
        .collect())
}

/// Adds what the command wrote to the cache, so the next command on these
/// streams need not read it back.
fn remember<E: Event>(cache: &StreamCache, streams: &[ReadStream], written: &[RecordedEvent<E>]) {
    let mut guard = cache.lock();
    for stream in streams {
        let mine: Vec<RecordedEvent<E>> = written
            .iter()
            .filter(|e| *e.stream_id() == stream.id)
            .cloned()
            .collect();
        if let Some(last) = mine.last() {
            let version = last.version();
            guard.extend(&stream.id, stream.version, mine, version);
        }
    }
}

fn check_limit<E>(requested: usize, limit: usize) -> Result<(), CommandError<E>> {
    if requested > limit {
        return Err(CommandError::StreamLimitExceeded { limit, requested });
    }
    Ok(())
}
