//! Reading streams past what the cache holds, or past a snapshot.

use std::sync::Arc;

use crate::{
    command::{Command, CommandLogic, SnapshotKind},
    error::{CommandError, StoreError},
    serialization::EventSerializer,
    store::{EventStore, IdempotencyRecord, KeyedRead, Snapshot, StreamEvents},
    types::{IdempotencyKey, RecordedEvent, StreamId, StreamVersion},
};

use crate::executor::cache::{History, Piece, StreamCache};
use crate::executor::execution::Execution;

type EventOf<C> = <C as Command>::Event;

/// Each stream's version as read and its history.
pub(super) type Histories<E> = Vec<(StreamVersion, History<E>)>;

/// Reads `ids` past what the cache holds, decodes the new events and adds
/// them to the cache; returns each stream's version as read and its history
/// (which may run further: another command may have added to it). With a
/// `key`, looks it up in the same call, and returns its record instead if
/// it is recorded.
///
/// A stream with a snapshot kind in `kinds` (same order as `ids`; missing
/// means none) that the cache lacks is read past its snapshot, when the
/// store has one of that kind. A snapshot that claims a version the stream
/// has not reached is passed over.
pub(super) async fn read<S, Ser, C>(
    execution: &Execution<'_, S, Ser, C>,
    cache: &StreamCache,
    ids: &[&StreamId],
    kinds: &[Option<SnapshotKind>],
    key: Option<&IdempotencyKey>,
) -> Result<Result<Histories<EventOf<C>>, IdempotencyRecord>, CommandError<C::Error>>
where
    S: EventStore,
    Ser: EventSerializer,
    C: CommandLogic,
{
    // The first try asks only for what the cache (or a snapshot) lacks; if
    // an entry vanished in the meantime (evicted), or a snapshot is beyond
    // its stream, the second asks for whole streams.
    for from_scratch in [false, true] {
        let (known, bases) = if from_scratch {
            (
                vec![StreamVersion::INITIAL; ids.len()],
                vec![None; ids.len()],
            )
        } else {
            let known = cache.versions::<EventOf<C>>(ids, kinds);
            let bases = snapshots(execution, ids, kinds, &known).await;
            let known = known
                .into_iter()
                .zip(&bases)
                .map(|(known, base)| base.as_ref().map_or(known, |base| base.version()))
                .collect();
            (known, bases)
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
        let mut beyond = false;
        for (at, ((id, known), base)) in ids.iter().zip(known).zip(bases).enumerate() {
            let stream = read.stream(id);
            let version = stream.map_or(StreamVersion::INITIAL, StreamEvents::version);
            if let Some(base) = &base
                && version < base.version()
                && let Some(snapshots) = &execution.settings.snapshots
            {
                let why = format!(
                    "it folds up to version {}, and the stream is at version {version}",
                    base.version()
                );
                let state_type = kinds
                    .get(at)
                    .and_then(Option::as_ref)
                    .map_or("", SnapshotKind::state_type);
                snapshots.passed_over(id, state_type, "beyond_stream", &why);
                beyond = true;
            }
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
            pieces.push(Piece {
                id,
                known,
                base,
                events,
                current: version,
            });
        }
        if beyond {
            continue;
        }
        let versions: Vec<StreamVersion> = pieces.iter().map(|piece| piece.current).collect();
        if let Some(histories) = cache.extend_all(pieces) {
            return Ok(Ok(versions.into_iter().zip(histories).collect()));
        }
    }
    Err(CommandError::Store(StoreError::Corrupt {
        detail: "a stream read from the store does not line up with its own version".to_owned(),
    }))
}

/// The snapshots to read past, for the streams the cache lacks (`known` is
/// 0) whose state is kept in snapshots: each stream's newest snapshot of
/// its kind, if the store has one.
async fn snapshots<S, Ser, C>(
    execution: &Execution<'_, S, Ser, C>,
    ids: &[&StreamId],
    kinds: &[Option<SnapshotKind>],
    known: &[StreamVersion],
) -> Vec<Option<Arc<Snapshot>>> {
    let mut bases = vec![None; ids.len()];
    let Some(snapshots) = &execution.settings.snapshots else {
        return bases;
    };
    let wanted =
        ids.iter()
            .zip(kinds)
            .zip(known)
            .enumerate()
            .filter_map(|(at, ((id, kind), known))| {
                let kind = kind.as_ref().filter(|_| known.is_initial())?;
                Some(async move { (at, kind, snapshots.load(id, kind.state_type()).await) })
            });
    for (at, kind, found) in futures_util::future::join_all(wanted).await {
        let Some(snapshot) = found else {
            continue;
        };
        if kind.matches(&snapshot) {
            execution.settings.metrics.snapshot_loaded();
            bases[at] = Some(Arc::new(snapshot));
        } else {
            let why = format!(
                "it was folded by other code (fingerprint {}, this code's is {})",
                snapshot.fingerprint(),
                kind.fingerprint()
            );
            snapshots.passed_over(ids[at], kind.state_type(), "fingerprint", &why);
        }
    }
    bases
}

/// Reads the whole of `id`, past no snapshot, for a command that could not
/// restore from the one it was read past.
pub(super) async fn read_whole<S, Ser, C>(
    execution: &Execution<'_, S, Ser, C>,
    cache: &StreamCache,
    id: &StreamId,
) -> Result<(StreamVersion, History<EventOf<C>>), CommandError<C::Error>>
where
    S: EventStore,
    Ser: EventSerializer,
    C: CommandLogic,
{
    let corrupt = |detail: &str| {
        CommandError::Store(StoreError::Corrupt {
            detail: detail.to_owned(),
        })
    };
    match read(execution, cache, &[id], &[], None).await? {
        Ok(mut histories) => histories
            .pop()
            .ok_or_else(|| corrupt("a read of one stream returned none")),
        Err(_) => Err(corrupt(
            "a read without an idempotency key returned an idempotency record",
        )),
    }
}
