//! Folding one stream into the states that hold it, starting from a folded
//! state kept by the executor's cache when there is one, so that a command
//! folds only the events that are new since (its cost does not grow with
//! the length of its streams).
//!
//! Recorded events never change, so the state of a stream folded up to a
//! version is valid forever. Only states that are `Clone + Send + Sync` are
//! kept; the generated `CommandState::fold_stream` picks the folder by
//! autoref (see [`Folding`]), so any other state is folded from the start
//! of the history as before.

use std::{
    any::{Any, TypeId},
    marker::PhantomData,
    sync::Arc,
};

use super::Fold;
use crate::types::{RecordedEvent, StreamId, StreamVersion};

/// A folded state, its type erased.
pub(crate) type FoldedState = Arc<dyn Any + Send + Sync>;

/// Where folded states are kept: per stream, event type and state type.
pub(crate) trait FoldedStates: Sync {
    /// The newest folded state kept, with the version it was folded up to.
    fn folded(
        &self,
        stream: &StreamId,
        event: TypeId,
        state: TypeId,
    ) -> Option<(StreamVersion, FoldedState)>;

    /// Keeps `folded`, the state folded up to `version`, unless a newer one
    /// is kept (or the stream is not cached at all).
    fn keep(
        &self,
        stream: &StreamId,
        event: TypeId,
        state: TypeId,
        version: StreamVersion,
        folded: FoldedState,
    );
}

/// One stream's history as one command reads it: its events after `start`
/// (the version a snapshot restored the states to, or 0), up to the
/// version read. A retired event type's event is `None`.
#[doc(hidden)]
pub struct StreamFold<'a, E> {
    stream: &'a StreamId,
    start: u64,
    events: &'a [Option<RecordedEvent<E>>],
    kept: Option<&'a dyn FoldedStates>,
}

impl<'a, E> StreamFold<'a, E> {
    pub(crate) fn new(
        stream: &'a StreamId,
        start: u64,
        events: &'a [Option<RecordedEvent<E>>],
        kept: Option<&'a dyn FoldedStates>,
    ) -> Self {
        Self {
            stream,
            start,
            events,
            kept,
        }
    }

    /// The stream folded.
    #[must_use]
    pub const fn stream(&self) -> &StreamId {
        self.stream
    }

    /// The events to fold, from the start of the history.
    pub fn events(&self) -> impl Iterator<Item = &RecordedEvent<E>> {
        self.events.iter().flatten()
    }

    /// The version read.
    fn version(&self) -> StreamVersion {
        StreamVersion::new(self.start + self.events.len() as u64)
    }
}

/// The most events folded from the start of a history rather than from a
/// kept state: about where the two cost the same, for small states.
const SHORT_HISTORY: usize = 16;

/// Folds `fold`'s events into `state` from the start of the history.
fn fold_whole<T: Fold<E>, E>(state: &mut T, fold: &StreamFold<'_, E>) {
    for event in fold.events() {
        state.fold(event);
    }
}

/// Starts `state` from the newest folded state kept, if it lies within the
/// history, folds the events after it, and keeps the result.
fn fold_kept<T, E>(state: &mut T, fold: &StreamFold<'_, E>)
where
    T: Fold<E> + Clone + Send + Sync + 'static,
    E: 'static,
{
    // A short history folds faster than a kept state is looked up,
    // cloned and kept again.
    let (Some(kept), false) = (fold.kept, fold.events.len() <= SHORT_HISTORY) else {
        fold_whole(state, fold);
        return;
    };
    let (event_type, state_type) = (TypeId::of::<E>(), TypeId::of::<T>());
    let read = fold.version();
    let mut from = fold.start;
    if let Some((version, folded)) = kept.folded(fold.stream, event_type, state_type)
        && (fold.start..=read.value()).contains(&version.value())
        && let Some(folded) = folded.downcast_ref::<T>()
    {
        state.clone_from(folded);
        from = version.value();
    }
    let skip = usize::try_from(from - fold.start).unwrap_or(usize::MAX);
    for event in fold.events.iter().skip(skip).flatten() {
        state.fold(event);
    }
    if from < read.value() {
        kept.keep(
            fold.stream,
            event_type,
            state_type,
            read,
            Arc::new(state.clone()),
        );
    }
}

/// How a state of type `T` folds a stream: generated code calls
/// `(&Folding::<T, E>::new()).folder()` with [`ViaKept`] and [`ViaWhole`]
/// in scope; method lookup takes `ViaKept` when `T` can be kept and falls
/// back to `ViaWhole` one autoref later.
#[doc(hidden)]
pub struct Folding<T, E>(PhantomData<fn() -> (T, E)>);

impl<T, E> Folding<T, E> {
    /// The selector.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T, E> Default for Folding<T, E> {
    fn default() -> Self {
        Self::new()
    }
}

/// A folder of one stream into a state of type `T`.
pub type Folder<T, E> = for<'s, 'f, 'a> fn(&'s mut T, &'f StreamFold<'a, E>);

/// Folds from the newest kept state: for `Clone + Send + Sync` states.
#[doc(hidden)]
pub trait ViaKept<T, E> {
    /// The folder.
    fn folder(&self) -> Folder<T, E>;
}

impl<T, E> ViaKept<T, E> for Folding<T, E>
where
    T: Fold<E> + Clone + Send + Sync + 'static,
    E: 'static,
{
    fn folder(&self) -> Folder<T, E> {
        fold_kept::<T, E>
    }
}

/// Folds the whole history: for any other state.
#[doc(hidden)]
pub trait ViaWhole<T, E> {
    /// The folder.
    fn folder(&self) -> Folder<T, E>;
}

impl<T: Fold<E>, E> ViaWhole<T, E> for &Folding<T, E> {
    fn folder(&self) -> Folder<T, E> {
        fold_whole::<T, E>
    }
}
