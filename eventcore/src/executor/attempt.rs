//! One attempt: read, fold, decide, append.

use crate::{
    command::{CommandLogic, StreamAccess, handle::ReadStream},
    error::{CommandError, ValidationError},
    serialization::EventSerializer,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent, StreamWrite, StreamsRead},
    types::{EventMetadata, RecordedEvent, StreamId},
};

use super::Settings;

type Outcome<C> = Result<
    Vec<RecordedEvent<<C as crate::command::Command>::Event>>,
    CommandError<<C as CommandLogic>::Error>,
>;

pub(super) async fn run<S, Z, C>(
    store: &S,
    settings: &Settings<Z>,
    command: &C,
    declared: &[StreamId],
    template: &EventMetadata,
) -> Outcome<C>
where
    S: EventStore,
    Z: EventSerializer,
    C: CommandLogic,
{
    check_limit(declared.len(), settings.max_streams)?;
    let mut streams: Vec<ReadStream> = Vec::with_capacity(declared.len());
    let mut events: Vec<RecordedEvent<C::Event>> = Vec::new();
    let read = store.read_streams(declared).await?;
    absorb(
        &settings.serializer,
        declared,
        read,
        false,
        &mut streams,
        &mut events,
    )?;

    let state = loop {
        // Every stream is folded again from scratch after a discovery round,
        // so the state never depends on the order streams were read in.
        events.sort_by_key(RecordedEvent::position);
        let mut state = command.initial_state();
        for event in &events {
            command.apply(&mut state, event);
        }
        let mut new: Vec<StreamId> = Vec::new();
        for id in command.discover_streams(&state) {
            if !streams.iter().any(|s| s.id == id) && !new.contains(&id) {
                new.push(id);
            }
        }
        if new.is_empty() {
            break state;
        }
        check_limit(streams.len() + new.len(), settings.max_streams)?;
        drop(state);
        tracing::debug!(streams = ?new, "discovered streams");
        let read = store.read_streams(&new).await?;
        absorb(
            &settings.serializer,
            &new,
            read,
            true,
            &mut streams,
            &mut events,
        )?;
    };
    drop(events);

    let (streams, emitted) = decide(command, state, streams).map_err(CommandError::Rejected)?;
    if emitted.is_empty() {
        return Ok(Vec::new());
    }

    let mut per_stream: Vec<Vec<C::Event>> = streams.iter().map(|_| Vec::new()).collect();
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
    let mut pending: Vec<(C::Event, EventMetadata)> = Vec::new();
    for (stream, stream_events) in streams.into_iter().zip(per_stream) {
        if stream_events.is_empty() {
            writes.push(StreamWrite::check_only(stream.id, stream.version));
            continue;
        }
        let mut new_events = Vec::with_capacity(stream_events.len());
        for event in stream_events {
            let metadata = template.to_builder().build();
            new_events.push(NewEvent::new(
                settings.serializer.encode(&event)?,
                metadata.clone(),
            ));
            pending.push((event, metadata));
        }
        writes.push(StreamWrite::new(
            stream.id,
            ExpectedVersion::Exact(stream.version),
            new_events,
        ));
    }
    let batch = AppendBatch::try_new(writes)?;
    let appended = store.append(batch).await?;
    Ok(appended
        .events
        .into_iter()
        .zip(pending)
        .map(|(at, (payload, metadata))| {
            RecordedEvent::new(at.stream_id, at.version, at.position, metadata, payload)
        })
        .collect())
}

type Decision<C> = (
    Vec<ReadStream>,
    Vec<(StreamId, <C as crate::command::Command>::Event)>,
);

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

fn check_limit<E>(requested: usize, limit: usize) -> Result<(), CommandError<E>> {
    if requested > limit {
        return Err(CommandError::StreamLimitExceeded { limit, requested });
    }
    Ok(())
}

/// Records the streams of one read and decodes their events.
fn absorb<Z: EventSerializer, E: crate::Event>(
    serializer: &Z,
    requested: &[StreamId],
    read: StreamsRead,
    discovered: bool,
    streams: &mut Vec<ReadStream>,
    events: &mut Vec<RecordedEvent<E>>,
) -> Result<(), crate::error::SerializationError> {
    let first_new = streams.len();
    for stream in read.into_streams() {
        if streams.iter().any(|s| s.id == *stream.stream_id()) {
            continue;
        }
        streams.push(ReadStream {
            id: stream.stream_id().clone(),
            version: stream.version(),
            discovered,
        });
        for stored in stream.events() {
            let payload = serializer.decode::<E>(stored)?;
            events.push(RecordedEvent::new(
                stored.stream_id().clone(),
                stored.version(),
                stored.position(),
                stored.metadata().clone(),
                payload,
            ));
        }
    }
    // A store may leave out streams that do not exist; they still take part
    // in the concurrency check, at version 0.
    for id in requested {
        if !streams[first_new..].iter().any(|s| s.id == *id) {
            streams.push(ReadStream {
                id: id.clone(),
                version: crate::types::StreamVersion::INITIAL,
                discovered,
            });
        }
    }
    Ok(())
}
