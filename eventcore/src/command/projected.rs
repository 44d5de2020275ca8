//! `#[stream(ids = f)]`: a field whose streams are computed from its value,
//! for fields that are not ids themselves (order lines that each name a
//! product).

use super::{Command, Fold, StreamAccess, StreamDeclarations, StreamField};
use crate::{
    command::{StreamHandles, StreamStates},
    types::{RecordedEvent, StreamId},
};

/// The streams of a field declared `#[stream(ids = f)]`: `f` applied to
/// each item of the field, in order. Generated code builds it; it behaves
/// as a collection of ids (its handles are [`StreamHandles`], its state
/// [`StreamStates`]).
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct ProjectedIds(Vec<StreamId>);

impl ProjectedIds {
    /// No ids: what generated code folds through, since a collection
    /// routes each event by the event's own stream id and never reads
    /// the ids (so folding computes nothing per event).
    pub const ROUTED_BY_EVENT: Self = Self(Vec::new());

    /// The field's ids, in order. Generated code maps the field's items
    /// to ids itself, so that a function that gives no id is reported at
    /// the attribute, as `IntoStreamId` not implemented.
    pub fn from_ids(ids: impl IntoIterator<Item = StreamId>) -> Self {
        Self(ids.into_iter().collect())
    }
}

impl StreamField for ProjectedIds {
    type Handles<'a, C: Command> = StreamHandles<'a, C>;
    type State<S> = StreamStates<S>;

    fn declare(&self, streams: &mut StreamDeclarations) {
        self.0.declare(streams);
    }

    fn handles<'a, C: Command>(&self, access: &'a StreamAccess<C::Event>) -> StreamHandles<'a, C> {
        self.0.handles::<C>(access)
    }

    fn initial_state<S: Default>(&self) -> StreamStates<S> {
        self.0.initial_state()
    }

    fn fold<S: Fold<E>, E>(&self, state: &mut StreamStates<S>, event: &RecordedEvent<E>) {
        self.0.fold(state, event);
    }

    fn holds(&self, id: &StreamId) -> bool {
        self.0.holds(id)
    }

    fn state_mut<'s, S>(&self, state: &'s mut StreamStates<S>, id: &StreamId) -> Option<&'s mut S> {
        self.0.state_mut(state, id)
    }
}
