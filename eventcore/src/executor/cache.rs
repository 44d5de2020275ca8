//! A cache of decoded stream histories, so a command reads and decodes only
//! the events it has not seen before.
//!
//! Recorded events never change, so a cached prefix of a stream stays valid
//! forever; what can go stale is only whether it is the *whole* stream. The
//! executor therefore either asks the store for the events after the cached
//! version, or (speculatively) decides on the cached state and lets the
//! append's version check catch a stale cache. Correctness never depends on
//! the cache.

use std::{any::TypeId, collections::HashMap, sync::Arc};

use parking_lot::{Mutex, MutexGuard};

use super::entry::Entry;
pub(crate) use super::timeline::{History, Piece, Slot, Timeline};
use crate::{
    command::{
        SnapshotKind,
        folded::{FoldedState, FoldedStates},
    },
    error::StoreError,
    metrics::CacheCounters,
    store::Snapshot,
    types::{RecordedEvent, StreamId, StreamVersion},
};

/// What one execution may assume about the cache: the executor's shared
/// cache, or one of its own when the executor has none (then it only spares
/// retries re-reading what they read before, and is never decided on).
pub(crate) struct ExecutionCache<'a> {
    cache: Source<'a>,
    /// The conflict that ended the last attempt: the cache is decided on
    /// again only once it has caught up with the version that won (another
    /// command of this executor wrote it).
    beaten_by: Option<(StreamId, StreamVersion)>,
}

enum Source<'a> {
    Shared(&'a StreamCache),
    Own(StreamCache),
}

impl<'a> ExecutionCache<'a> {
    /// A view of `shared`, or of a cache of the execution's own.
    pub(crate) fn new(shared: Option<&'a StreamCache>) -> Self {
        let cache =
            shared.map_or_else(|| Source::Own(StreamCache::new(usize::MAX)), Source::Shared);
        Self {
            cache,
            beaten_by: None,
        }
    }

    /// The cache to read from and write to.
    pub(crate) const fn streams(&self) -> &StreamCache {
        match &self.cache {
            Source::Shared(cache) => cache,
            Source::Own(cache) => cache,
        }
    }

    /// Whether an attempt may decide on cached histories alone: only with
    /// the executor's shared cache, and only once it holds the version that
    /// beat the last attempt.
    pub(crate) fn worth_deciding_on<E: Clone + Send + Sync + 'static>(&self) -> bool {
        let Source::Shared(cache) = &self.cache else {
            return false;
        };
        self.beaten_by.as_ref().is_none_or(|(stream, actual)| {
            cache
                .lock()
                .version::<E>(stream)
                .is_some_and(|v| v >= *actual)
        })
    }

    /// Notes a version conflict that ended an attempt.
    pub(crate) fn beaten_by(&mut self, conflict: &StoreError) {
        if let StoreError::VersionConflict { stream, actual, .. } = conflict {
            self.beaten_by = Some((stream.clone(), *actual));
        }
    }
}

/// Decoded events per (stream, event type), bounded by a total event count.
#[derive(Debug)]
pub(crate) struct StreamCache {
    inner: Mutex<Entries>,
    capacity: usize,
    counters: CacheCounters,
}

#[derive(Default)]
struct Entries {
    streams: HashMap<(StreamId, TypeId), Entry, foldhash::fast::RandomState>,
    events: usize,
}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entries")
            .field("streams", &self.streams.len())
            .field("events", &self.events)
            .finish()
    }
}

impl StreamCache {
    /// A cache holding at most about `capacity` events.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::default(),
            capacity,
            counters: CacheCounters::default(),
        }
    }

    /// The most events it holds (about).
    pub(crate) const fn capacity(&self) -> usize {
        self.capacity
    }

    /// The cached histories of `ids`, in order; `None` unless every one is
    /// cached.
    pub(crate) fn recall<E: Clone + Send + Sync + 'static>(
        &self,
        ids: &[&StreamId],
    ) -> Option<Vec<History<E>>> {
        let guard = self.lock();
        let found: Option<Vec<History<E>>> = ids.iter().map(|id| guard.history::<E>(id)).collect();
        if found.is_some() {
            self.counters.lookups(ids.len() as u64, 0);
        }
        found
    }

    /// How far each of `ids` is cached (0 if not at all), in order, for a
    /// command whose snapshot kinds are `kinds` (same order; missing means
    /// none): a history that starts from a snapshot of another kind is no
    /// use to it, and counts as not cached.
    pub(crate) fn versions<E: Clone + Send + Sync + 'static>(
        &self,
        ids: &[&StreamId],
        kinds: &[Option<SnapshotKind>],
    ) -> Vec<StreamVersion> {
        let guard = self.lock();
        let versions: Vec<StreamVersion> = ids
            .iter()
            .enumerate()
            .map(|(at, id)| {
                let kind = kinds.get(at).and_then(Option::as_ref);
                guard
                    .history::<E>(id)
                    .filter(|history| {
                        history
                            .base()
                            .is_none_or(|base| kind.is_some_and(|kind| kind.matches(base)))
                    })
                    .map_or(StreamVersion::INITIAL, |history| history.version())
            })
            .collect();
        let hits = versions.iter().filter(|v| !v.is_initial()).count() as u64;
        self.counters.lookups(hits, versions.len() as u64 - hits);
        versions
    }

    /// Adds freshly read pieces and returns each stream's history, in
    /// order; `None` if a piece does not line up with the cache (its entry
    /// was evicted meanwhile).
    pub(crate) fn extend_all<E: Clone + Send + Sync + 'static>(
        &self,
        pieces: Vec<Piece<'_, E>>,
    ) -> Option<Vec<History<E>>> {
        let mut guard = self.lock();
        pieces
            .into_iter()
            .map(|piece| guard.extend(piece))
            .collect()
    }

    /// Adds what a command wrote to streams it had read at `read` versions,
    /// so the next command on them need not read it back.
    pub(crate) fn remember<'s, E: Clone + Send + Sync + 'static>(
        &self,
        read: impl IntoIterator<Item = (&'s StreamId, StreamVersion)>,
        written: &[RecordedEvent<E>],
    ) {
        let mut guard = self.lock();
        for (id, version) in read {
            let mine: Vec<Slot<E>> = written
                .iter()
                .filter(|e| e.stream_id() == id)
                .cloned()
                .map(Some)
                .collect();
            if let Some(Some(last)) = mine.last() {
                let current = last.version();
                guard.extend(Piece {
                    id,
                    known: version,
                    base: None,
                    events: mine,
                    current,
                });
            }
        }
    }

    /// Makes the cached history of `id` start from `snapshot` (saved after
    /// a command that wrote to it), so folds on this executor start there
    /// too.
    pub(crate) fn rebase<E: Clone + Send + Sync + 'static>(
        &self,
        id: &StreamId,
        snapshot: Arc<Snapshot>,
    ) {
        self.lock().rebase::<E>(id, snapshot);
    }

    /// Locks the cache. Hold the guard only in synchronous sections.
    fn lock(&self) -> CacheGuard<'_> {
        CacheGuard {
            entries: self.inner.lock(),
            capacity: self.capacity,
            counters: &self.counters,
        }
    }
}

impl FoldedStates for StreamCache {
    fn folded(
        &self,
        stream: &StreamId,
        event: TypeId,
        state: TypeId,
    ) -> Option<(StreamVersion, FoldedState)> {
        let guard = self.lock();
        guard
            .entries
            .streams
            .get(&(stream.clone(), event))?
            .folded(state)
    }

    fn keep(
        &self,
        stream: &StreamId,
        event: TypeId,
        state: TypeId,
        version: StreamVersion,
        folded: FoldedState,
    ) {
        // Kept only with the stream's history, and evicted with it.
        let mut guard = self.lock();
        if let Some(entry) = guard.entries.streams.get_mut(&(stream.clone(), event)) {
            entry.keep(state, version, folded);
        }
    }
}

/// Exclusive access to the cache.
struct CacheGuard<'a> {
    entries: MutexGuard<'a, Entries>,
    capacity: usize,
    counters: &'a CacheCounters,
}

impl CacheGuard<'_> {
    /// The cached history of `id`, if any.
    fn history<E: Clone + Send + Sync + 'static>(&self, id: &StreamId) -> Option<History<E>> {
        self.entries
            .streams
            .get(&(id.clone(), TypeId::of::<E>()))
            .and_then(|entry| entry.history.as_any().downcast_ref::<History<E>>())
            .cloned()
    }

    /// The cached version of `id`, if cached.
    fn version<E: Clone + Send + Sync + 'static>(&self, id: &StreamId) -> Option<StreamVersion> {
        self.entries
            .streams
            .get(&(id.clone(), TypeId::of::<E>()))
            .map(|entry| entry.history.version())
    }

    /// Adds a piece and returns a history holding at least its `current`
    /// version. A piece that follows a snapshot replaces the entry; one
    /// read from version 0 replaces an entry that starts from a snapshot.
    /// `None` if the piece does not line up (the entry was evicted, is
    /// shorter than `known`, or starts after it).
    fn extend<E: Clone + Send + Sync + 'static>(
        &mut self,
        piece: Piece<'_, E>,
    ) -> Option<History<E>> {
        let Piece {
            id,
            known,
            base,
            events,
            current,
        } = piece;
        let key = (id.clone(), TypeId::of::<E>());
        // The start of the entry there is, if any.
        let existing = match self.entries.streams.get(&key) {
            Some(entry) => Some(entry.history.as_any().downcast_ref::<History<E>>()?.start()),
            None => None,
        };
        let replace = match (&base, existing) {
            (Some(_), _) => true,
            (None, None) => {
                if !known.is_initial() {
                    return None;
                }
                true
            }
            // A whole history read again replaces one from a snapshot.
            (None, Some(start)) => known.is_initial() && start > 0,
        };
        let history = if replace {
            let history: History<E> = Arc::new(Timeline { base, events });
            let grew = history.events.len();
            if let Some(old) = self
                .entries
                .streams
                .insert(key.clone(), Entry::new(Box::new(Arc::clone(&history))))
            {
                self.entries.events = self.entries.events.saturating_sub(old.history.len());
            }
            self.entries.events += grew;
            history
        } else {
            let history = self
                .entries
                .streams
                .get_mut(&key)?
                .history
                .as_any_mut()
                .downcast_mut::<History<E>>()?;
            let have = history.version().value();
            if have < known.value() || known.value() < history.start() {
                return None;
            }
            // Events are immutable: skip the ones already cached.
            let skip = usize::try_from(have - known.value()).unwrap_or(usize::MAX);
            let before = history.events.len();
            if skip < events.len() {
                Arc::make_mut(history)
                    .events
                    .extend(events.into_iter().skip(skip));
            }
            let grew = history.events.len() - before;
            let history = Arc::clone(history);
            self.entries.events += grew;
            history
        };
        self.make_room(&key);
        (history.version() >= current).then_some(history)
    }

    /// Makes the entry of `id` start from `snapshot`, dropping the events
    /// it folds, when the entry holds its version.
    fn rebase<E: Clone + Send + Sync + 'static>(&mut self, id: &StreamId, snapshot: Arc<Snapshot>) {
        let key = (id.clone(), TypeId::of::<E>());
        let Some(history) = self
            .entries
            .streams
            .get_mut(&key)
            .and_then(|entry| entry.history.as_any_mut().downcast_mut::<History<E>>())
        else {
            return;
        };
        let (start, at) = (history.start(), snapshot.version().value());
        if at <= start || history.version().value() < at {
            return;
        }
        let drop = usize::try_from(at - start).unwrap_or(usize::MAX);
        let timeline = Arc::make_mut(history);
        timeline.events.drain(..drop.min(timeline.events.len()));
        timeline.base = Some(snapshot);
        self.entries.events = self.entries.events.saturating_sub(drop);
    }

    /// Evicts arbitrary entries other than `keep` while over capacity.
    fn make_room(&mut self, keep: &(StreamId, TypeId)) {
        let mut evicted = 0;
        while self.entries.events > self.capacity {
            let Some(victim) = self.entries.streams.keys().find(|k| *k != keep).cloned() else {
                break;
            };
            if let Some(entry) = self.entries.streams.remove(&victim) {
                self.entries.events = self.entries.events.saturating_sub(entry.history.len());
                evicted += 1;
            }
        }
        if evicted > 0 {
            self.counters.evictions(evicted);
        }
    }
}
