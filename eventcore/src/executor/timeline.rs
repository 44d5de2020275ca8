//! A stream's history as the cache holds it: from version 1, or from
//! just after a snapshot.

use std::sync::Arc;

use crate::{
    store::Snapshot,
    types::{RecordedEvent, StreamId, StreamVersion},
};

/// A stream's history as cached, shared with the commands folding it, so
/// eviction never pulls events from under a fold.
pub(crate) type History<E> = Arc<Timeline<E>>;

/// One version of a stream: its event, or `None` for an event of a retired
/// type, which folds skip and which keeps the versions dense.
pub(crate) type Slot<E> = Option<RecordedEvent<E>>;

/// A stream's events from version 1, or from just after the snapshot it
/// starts from.
#[derive(Clone, Debug)]
pub(crate) struct Timeline<E> {
    pub(super) base: Option<Arc<Snapshot>>,
    pub(super) events: Vec<Slot<E>>,
}

impl<E> Timeline<E> {
    /// The version the events follow: the snapshot's, or 0.
    pub(crate) fn start(&self) -> u64 {
        self.base.as_ref().map_or(0, |base| base.version().value())
    }

    /// The version of the last event held.
    pub(crate) fn version(&self) -> StreamVersion {
        StreamVersion::new(self.start() + self.events.len() as u64)
    }

    /// The snapshot the events follow, if any.
    pub(crate) fn base(&self) -> Option<&Snapshot> {
        self.base.as_deref()
    }

    /// The events after the start, up to `version`.
    pub(crate) fn up_to(&self, version: StreamVersion) -> &[Slot<E>] {
        let len = version.value().saturating_sub(self.start());
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        &self.events[..len.min(self.events.len())]
    }
}

/// The events of one stream read past a cached version (or past a
/// snapshot): the stream, the version the events follow, the snapshot they
/// follow if any, the new events, and the stream's version.
pub(crate) struct Piece<'a, E> {
    pub(crate) id: &'a StreamId,
    pub(crate) known: StreamVersion,
    pub(crate) base: Option<Arc<Snapshot>>,
    pub(crate) events: Vec<Slot<E>>,
    pub(crate) current: StreamVersion,
}
