//! One attempt: plan (read or recall, fold, discover), decide, append.

use std::sync::{Arc, atomic::Ordering};

use crate::{
    command::{Command, CommandLogic, StreamAccess, handle::ReadStream},
    error::{CommandError, StoreError, ValidationError},
    serialization::EventSerializer,
    store::{AppendBatch, EventStore, ExpectedVersion, NewEvent, StreamWrite},
    types::{EventMetadata, RecordedEvent, StreamId},
};

use super::{
    cache::StreamCache,
    execution::Execution,
    plan::{self, Plan, Planned, Source},
    replay::replay,
};

type EventOf<C> = <C as Command>::Event;
type Events<C> = Vec<RecordedEvent<EventOf<C>>>;

/// What a successful attempt has to show.
pub(super) struct Attempted<E> {
    /// The events written, or replayed.
    pub(super) events: Vec<RecordedEvent<E>>,
    /// Whether they were written by an earlier execution with the same
    /// idempotency key.
    pub(super) replayed: bool,
}

/// Why an attempt wrote nothing.
pub(super) enum AttemptError<E> {
    /// Only from an attempt on cached state: the cache cannot settle it (a
    /// stream is not cached, or the command rejected or wrote nothing, which
    /// might rest on stale state). Nothing was appended; an attempt on fresh
    /// state must decide.
    Unconfirmed,
    /// The append lost a race: a
    /// [`VersionConflict`](StoreError::VersionConflict).
    Conflict(StoreError),
    /// The append's idempotency key was recorded by another execution in
    /// the meantime: an
    /// [`IdempotencyKeyRecorded`](StoreError::IdempotencyKeyRecorded).
    /// Nothing was written; the next read finds the record.
    KeyRecorded(StoreError),
    /// A failure that another attempt would not fix.
    Failed(CommandError<E>),
}

impl<E> From<CommandError<E>> for AttemptError<E> {
    fn from(error: CommandError<E>) -> Self {
        match error {
            CommandError::Store(conflict @ StoreError::VersionConflict { .. }) => {
                Self::Conflict(conflict)
            }
            CommandError::Store(recorded @ StoreError::IdempotencyKeyRecorded { .. }) => {
                Self::KeyRecorded(recorded)
            }
            other => Self::Failed(other),
        }
    }
}

/// Plans from `source`, decides and appends. The append checks every
/// stream read at the version it was read at, so an attempt on a stale cache
/// shows up as a conflict. Only an append is trusted from the cache: a
/// rejection, or a decision to write nothing without a key to record, is
/// [`AttemptError::Unconfirmed`].
///
/// With an idempotency key, a read from the store finds the key's record if
/// it is recorded (the events are then replayed, and nothing is decided),
/// the append carries the claim (so a key recorded since is refused as
/// [`AttemptError::KeyRecorded`]), and a decision to write nothing is
/// appended too, to record the key.
pub(super) async fn attempt<S, Ser, C>(
    execution: &Execution<'_, S, Ser, C>,
    cache: &StreamCache,
    source: Source,
) -> Result<Attempted<EventOf<C>>, AttemptError<C::Error>>
where
    S: EventStore,
    Ser: EventSerializer,
    C: CommandLogic,
{
    let on_cache = source == Source::Cache;
    let Plan {
        streams,
        state,
        captured,
    } = match plan::plan(execution, cache, source).await? {
        None => return Err(AttemptError::Unconfirmed),
        Some(Planned::Decide(plan)) => plan,
        Some(Planned::Recorded(record)) => {
            return Ok(Attempted {
                events: replay(execution, record)?,
                replayed: true,
            });
        }
    };
    let (streams, emitted) = match decide(execution.command, state, streams) {
        Ok(decision) => decision,
        Err(_) if on_cache => return Err(AttemptError::Unconfirmed),
        Err(rejection) => return Err(AttemptError::Failed(CommandError::Rejected(rejection))),
    };
    // A decision to write nothing is appended only to record a claim: that
    // append checks every stream read, so it confirms a decision on cached
    // state like any other.
    if emitted.is_empty() && execution.claim.is_none() {
        if on_cache {
            return Err(AttemptError::Unconfirmed);
        }
        return Ok(Attempted {
            events: Vec::new(),
            replayed: false,
        });
    }
    let written = write(execution, &streams, emitted).await?;
    cache.remember(streams.iter().map(|s| (&s.id, s.version)), &written);
    if let Some(snapshots) = &execution.settings.snapshots {
        for snapshot in captured {
            cache.rebase::<EventOf<C>>(snapshot.stream_id(), Arc::new(snapshot.clone()));
            snapshots.save(snapshot);
        }
    }
    Ok(Attempted {
        events: written,
        replayed: false,
    })
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
/// part at the version it was read at. The events come back in emission
/// order, with global positions in that order.
async fn write<S, Ser, C>(
    execution: &Execution<'_, S, Ser, C>,
    streams: &[ReadStream],
    emitted: Vec<(StreamId, EventOf<C>)>,
) -> Result<Events<C>, CommandError<C::Error>>
where
    S: EventStore,
    Ser: EventSerializer,
    C: CommandLogic,
{
    // Each event is encoded, and gets its metadata (so its UUIDv7 id), in
    // the order the command emitted it; the batch keeps that order, which
    // the store gives global positions in.
    let mut per_stream: Vec<Vec<NewEvent>> = streams.iter().map(|_| Vec::new()).collect();
    let mut order = Vec::with_capacity(emitted.len());
    let mut pending: Vec<(EventOf<C>, EventMetadata)> = Vec::with_capacity(emitted.len());
    for (id, event) in emitted {
        let Some(index) = streams.iter().position(|s| s.id == id) else {
            return Err(CommandError::Validation(ValidationError::invalid(
                "StreamHandle",
                id,
                "events may only be emitted to streams the command read",
            )));
        };
        let metadata = execution.metadata.clone().build();
        per_stream[index].push(NewEvent::new(
            execution.settings.serializer.encode(&event)?,
            metadata.clone(),
        ));
        order.push(index);
        pending.push((event, metadata));
    }

    let writes = streams
        .iter()
        .zip(per_stream)
        .map(|(stream, events)| {
            if events.is_empty() {
                StreamWrite::check_only(stream.id.clone(), stream.version)
            } else {
                StreamWrite::new(
                    stream.id.clone(),
                    ExpectedVersion::Exact(stream.version),
                    events,
                )
            }
        })
        .collect();
    let mut batch = AppendBatch::try_interleaved(writes, order)?;
    if let Some(claim) = &execution.claim {
        batch = batch.with_idempotency(claim.clone());
    }
    execution.appending.store(true, Ordering::SeqCst);
    let appended = execution.store.append(batch).await;
    execution.appending.store(false, Ordering::SeqCst);
    let appended = appended?;
    Ok(appended
        .events
        .into_iter()
        .zip(pending)
        .map(|(at, (payload, metadata))| {
            RecordedEvent::new(at.stream_id, at.version, at.position, metadata, payload)
        })
        .collect())
}
