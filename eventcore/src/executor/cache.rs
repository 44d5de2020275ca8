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

use crate::types::{RecordedEvent, StreamId, StreamVersion};

/// A stream's history, versions `1..=len()`. Shared with the commands folding
/// it, so eviction never pulls events from under a fold.
pub(crate) type History<E> = Arc<Vec<RecordedEvent<E>>>;

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

    /// Locks the cache. Hold the guard only in synchronous sections.
    pub(crate) fn lock(&self) -> CacheGuard<'_> {
        CacheGuard {
            entries: self.inner.lock(),
            capacity: self.capacity,
        }
    }
}

/// Exclusive access to the cache.
pub(crate) struct CacheGuard<'a> {
    entries: MutexGuard<'a, Entries>,
    capacity: usize,
}

impl CacheGuard<'_> {
    /// The cached history of `id`, if any.
    pub(crate) fn history<E: Clone + Send + Sync + 'static>(
        &self,
        id: &StreamId,
    ) -> Option<History<E>> {
        self.entries
            .streams
            .get(&(id.clone(), TypeId::of::<E>()))
            .and_then(|entry| entry.as_any().downcast_ref::<History<E>>())
            .cloned()
    }

    /// The cached version of `id`, if cached.
    pub(crate) fn version<E: Clone + Send + Sync + 'static>(
        &self,
        id: &StreamId,
    ) -> Option<StreamVersion> {
        self.entries
            .streams
            .get(&(id.clone(), TypeId::of::<E>()))
            .map(|entry| StreamVersion::new(entry.len() as u64))
    }

    /// Adds `new`, the events of `id` after version `known`, and returns a
    /// history holding at least `current` events. `None` if the pieces do
    /// not line up (the entry was evicted, or is shorter than `known`).
    pub(crate) fn extend<E: Clone + Send + Sync + 'static>(
        &mut self,
        id: &StreamId,
        known: StreamVersion,
        new: Vec<RecordedEvent<E>>,
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
