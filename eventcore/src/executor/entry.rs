//! One entry of the stream cache: a stream's decoded history, its event
//! type erased, and the states folded from it, which are evicted with it.

use std::{any::Any, any::TypeId};

use crate::{command::folded::FoldedState, types::StreamVersion};

use super::timeline::{History, Timeline};

/// A history whose event type is erased, so one map holds every type.
pub(super) trait Cached: Send {
    /// The number of events held.
    fn len(&self) -> usize;
    /// The version of the last event held.
    fn version(&self) -> StreamVersion;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<E: Clone + Send + Sync + 'static> Cached for History<E> {
    fn len(&self) -> usize {
        self.events.len()
    }

    fn version(&self) -> StreamVersion {
        Timeline::version(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A cached history and the newest state of each type folded from it.
pub(super) struct Entry {
    pub(super) history: Box<dyn Cached>,
    /// At most one per state type (a handful per stream: the types are
    /// those of the commands' code), so a short vector.
    folded: Vec<(TypeId, StreamVersion, FoldedState)>,
}

impl Entry {
    pub(super) fn new(history: Box<dyn Cached>) -> Self {
        Self {
            history,
            folded: Vec::new(),
        }
    }

    /// The newest state of type `state` folded from the history.
    pub(super) fn folded(&self, state: TypeId) -> Option<(StreamVersion, FoldedState)> {
        self.folded
            .iter()
            .find(|(kept, ..)| *kept == state)
            .map(|(_, version, folded)| (*version, FoldedState::clone(folded)))
    }

    /// Keeps `folded` unless a state of its type folded further is kept.
    /// A state folded beyond the history (from events another command
    /// read) is as valid as any: events never change.
    pub(super) fn keep(&mut self, state: TypeId, version: StreamVersion, folded: FoldedState) {
        match self.folded.iter_mut().find(|(kept, ..)| *kept == state) {
            Some(slot) if slot.1 < version => *slot = (state, version, folded),
            Some(_) => {}
            None => self.folded.push((state, version, folded)),
        }
    }
}
