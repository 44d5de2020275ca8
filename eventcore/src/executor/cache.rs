//! A cache of decoded stream histories, so a command reads and decodes only
//! the events it has not seen before.
//!
//! Recorded events never change, so a cached prefix of a stream stays valid
//! forever; what can go stale is only whether it is the *whole* stream. The
//! executor therefore either asks the store for the events after the cached
//! version, or (speculatively) decides on the cached state and lets the
//! append's version check catch a stale cache. Correctness never depends on
//! the cache.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    sync::Arc,
};

use parking_lot::{Mutex, MutexGuard};

use crate::{
    error::StoreError,
    types::{RecordedEvent, StreamId, StreamVersion},
};

/// A stream's history, versions `1..=len()`. Shared with the commands folding
/// it, so eviction never pulls events from under a fold.
pub(crate) type History<E> = Arc<Vec<Slot<E>>>;

/// One version of a stream: its event, or `None` for an event of a retired
/// type, which folds skip and which keeps the versions dense.
pub(crate) type Slot<E> = Option<RecordedEvent<E>>;

/// The events of one stream read past a cached version: the stream, the
/// version the cache held, the new events, and the stream's version.
pub(crate) type Piece<'a, E> = (&'a StreamId, StreamVersion, Vec<Slot<E>>, StreamVersion);

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
}

#[derive(Default)]
struct Entries {
    streams: HashMap<(StreamId, TypeId), Box<dyn Cached>, foldhash::fast::RandomState>,
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

/// A history whose event type is erased, so one map holds every type.
trait Cached: Send {
    fn len(&self) -> usize;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<E: Clone + Send + Sync + 'static> Cached for History<E> {
    fn len(&self) -> usize {
        self.as_ref().len()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl StreamCache {
    /// A cache holding at most about `capacity` events.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::default(),
            capacity,
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
        ids.iter().map(|id| guard.history::<E>(id)).collect()
    }

    /// How far each of `ids` is cached (0 if not at all), in order.
    pub(crate) fn versions<E: Clone + Send + Sync + 'static>(
        &self,
        ids: &[&StreamId],
    ) -> Vec<StreamVersion> {
        let guard = self.lock();
        ids.iter()
            .map(|id| guard.version::<E>(id).unwrap_or_default())
            .collect()
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
            .map(|(id, known, new, current)| guard.extend(id, known, new, current))
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
                guard.extend(id, version, mine, current);
            }
        }
    }

    /// Locks the cache. Hold the guard only in synchronous sections.
    fn lock(&self) -> CacheGuard<'_> {
        CacheGuard {
            entries: self.inner.lock(),
            capacity: self.capacity,
        }
    }
}

/// Exclusive access to the cache.
struct CacheGuard<'a> {
    entries: MutexGuard<'a, Entries>,
    capacity: usize,
}

impl CacheGuard<'_> {
    /// The cached history of `id`, if any.
    fn history<E: Clone + Send + Sync + 'static>(&self, id: &StreamId) -> Option<History<E>> {
        self.entries
            .streams
            .get(&(id.clone(), TypeId::of::<E>()))
            .and_then(|entry| entry.as_any().downcast_ref::<History<E>>())
            .cloned()
    }

    /// The cached version of `id`, if cached.
    fn version<E: Clone + Send + Sync + 'static>(&self, id: &StreamId) -> Option<StreamVersion> {
        self.entries
            .streams
            .get(&(id.clone(), TypeId::of::<E>()))
            .map(|entry| StreamVersion::new(entry.len() as u64))
    }

    /// Adds `new`, the events of `id` after version `known`, and returns a
    /// history holding at least `current` events. `None` if the pieces do
    /// not line up (the entry was evicted, or is shorter than `known`).
    fn extend<E: Clone + Send + Sync + 'static>(
        &mut self,
        id: &StreamId,
        known: StreamVersion,
        new: Vec<Slot<E>>,
        current: StreamVersion,
    ) -> Option<History<E>> {
        let key = (id.clone(), TypeId::of::<E>());
        let (history, grew) = match self.entries.streams.get_mut(&key) {
            Some(entry) => {
                let history = entry.as_any_mut().downcast_mut::<History<E>>()?;
                let have = history.len() as u64;
                if have < known.value() {
                    return None;
                }
                // Events are immutable: skip the ones already cached.
                let skip = usize::try_from(have - known.value()).unwrap_or(usize::MAX);
                let before = history.len();
                if skip < new.len() {
                    Arc::make_mut(history).extend(new.into_iter().skip(skip));
                }
                (Arc::clone(history), history.len() - before)
            }
            None if known.is_initial() => {
                let history: History<E> = Arc::new(new);
                let grew = history.len();
                self.entries
                    .streams
                    .insert(key.clone(), Box::new(Arc::clone(&history)));
                (history, grew)
            }
            None => return None,
        };
        self.entries.events += grew;
        self.make_room(&key);
        (history.len() as u64 >= current.value()).then_some(history)
    }

    /// Evicts arbitrary entries other than `keep` while over capacity.
    fn make_room(&mut self, keep: &(StreamId, TypeId)) {
        while self.entries.events > self.capacity {
            let Some(victim) = self.entries.streams.keys().find(|k| *k != keep).cloned() else {
                break;
            };
            if let Some(entry) = self.entries.streams.remove(&victim) {
                self.entries.events = self.entries.events.saturating_sub(entry.len());
            }
        }
    }
}
