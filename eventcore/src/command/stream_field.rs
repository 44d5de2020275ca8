use std::collections::{BTreeSet, HashSet, VecDeque};

use crate::types::{RecordedEvent, StreamId};

use super::{Command, Fold, StreamAccess, StreamHandle, StreamHandles, StreamStates};

/// A single stream id: [`StreamId`] itself, or any `Clone` type with
/// `impl From<T> for StreamId`, such as a domain newtype.
///
/// ```
/// use eventcore::{IntoStreamId, StreamId};
///
/// #[derive(Clone)]
/// struct AccountId(StreamId);
///
/// impl From<AccountId> for StreamId {
///     fn from(id: AccountId) -> Self {
///         id.0
///     }
/// }
///
/// let id = AccountId(StreamId::try_new("account-1")?);
/// assert_eq!(id.to_stream_id().as_str(), "account-1");
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a stream id",
    label = "expected a stream id",
    note = "a stream id is a `StreamId` or a `Clone` type with `impl From<{Self}> for StreamId`"
)]
pub trait IntoStreamId {
    /// The stream id this value names.
    fn to_stream_id(&self) -> StreamId;
}

// `do_not_recommend` on this and the `StreamField` impls: a field type that
// is not an id is then reported through the traits' own messages ("`u64`
// is not a stream id"), not as the bound deep inside (`StreamId: From<u64>`).
#[diagnostic::do_not_recommend]
impl<T: Clone + Into<StreamId>> IntoStreamId for T {
    fn to_stream_id(&self) -> StreamId {
        self.clone().into()
    }
}

/// The streams a command declares, in order, without duplicates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamDeclarations {
    ids: Vec<StreamId>,
}

impl StreamDeclarations {
    /// Adds `id` unless it is already declared.
    pub fn push(&mut self, id: StreamId) {
        if !self.ids.contains(&id) {
            self.ids.push(id);
        }
    }

    /// The declared ids, in first-declared order.
    #[must_use]
    pub fn ids(&self) -> &[StreamId] {
        &self.ids
    }

    /// Takes the ids out.
    #[must_use]
    pub fn into_ids(self) -> Vec<StreamId> {
        self.ids
    }
}

/// What a `#[stream]` field may hold: a single stream id ([`IntoStreamId`]),
/// an `Option` of one, or a collection of them (`Vec`, `VecDeque`, arrays,
/// boxed slices, `HashSet`, `BTreeSet`).
///
/// Each kind decides the shape of the field's handles and state:
///
/// | field | handle | state |
/// |---|---|---|
/// | id | [`StreamHandle`] | `T` |
/// | `Option<id>` | `Option<StreamHandle>` | `Option<T>` |
/// | collection of ids | [`StreamHandles`] | [`StreamStates<T>`] |
///
/// The methods are called by generated code.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a stream id",
    label = "this `#[stream]` field does not hold stream ids",
    note = "a `#[stream]` field holds a `StreamId`, a `Clone` type with `impl From<T> for StreamId`, an `Option` of one, or a collection (`Vec`, `HashSet`, …) of them",
    note = "for text, parse it once with `StreamId::try_new` and keep the `StreamId`, or wrap it in a newtype with `impl From<YourId> for StreamId`"
)]
pub trait StreamField {
    /// The handles of this field in the handles struct.
    type Handles<'a, C: Command>;

    /// The state of this field in a generated state struct.
    type State<S>;

    /// Declares the field's streams.
    #[doc(hidden)]
    fn declare(&self, streams: &mut StreamDeclarations);

    /// The field's handles.
    #[doc(hidden)]
    fn handles<'a, C: Command>(&self, access: &'a StreamAccess<C::Event>) -> Self::Handles<'a, C>;

    /// The field's state before any event.
    fn initial_state<S: Default>(&self) -> Self::State<S>;

    /// Folds `event` into the field's state if it belongs to one of the
    /// field's streams.
    fn fold<S: Fold<E>, E>(&self, state: &mut Self::State<S>, event: &RecordedEvent<E>);

    /// Whether `id` is one of the field's streams.
    #[doc(hidden)]
    fn holds(&self, id: &StreamId) -> bool {
        let mut streams = StreamDeclarations::default();
        self.declare(&mut streams);
        streams.ids().contains(id)
    }

    /// The state of the field's stream `id`, if the field holds it; used to
    /// restore it from a snapshot and to capture it into one. A field type
    /// that cannot reach it returns `None`, and its streams are always
    /// folded from their events.
    #[doc(hidden)]
    fn state_mut<'s, S>(&self, state: &'s mut Self::State<S>, id: &StreamId) -> Option<&'s mut S> {
        let _ = (state, id);
        None
    }
}

#[diagnostic::do_not_recommend]
impl<T: IntoStreamId> StreamField for T {
    type Handles<'a, C: Command> = StreamHandle<'a, C>;
    type State<S> = S;

    fn declare(&self, streams: &mut StreamDeclarations) {
        streams.push(self.to_stream_id());
    }

    fn handles<'a, C: Command>(&self, access: &'a StreamAccess<C::Event>) -> StreamHandle<'a, C> {
        access.handle(self.to_stream_id())
    }

    fn initial_state<S: Default>(&self) -> S {
        S::default()
    }

    fn fold<S: Fold<E>, E>(&self, state: &mut S, event: &RecordedEvent<E>) {
        if *event.stream_id() == self.to_stream_id() {
            state.fold(event);
        }
    }

    fn holds(&self, id: &StreamId) -> bool {
        self.to_stream_id() == *id
    }

    fn state_mut<'s, S>(&self, state: &'s mut S, id: &StreamId) -> Option<&'s mut S> {
        self.holds(id).then_some(state)
    }
}

#[diagnostic::do_not_recommend]
impl<T: IntoStreamId> StreamField for Option<T> {
    type Handles<'a, C: Command> = Option<StreamHandle<'a, C>>;
    type State<S> = Option<S>;

    fn declare(&self, streams: &mut StreamDeclarations) {
        if let Some(id) = self {
            streams.push(id.to_stream_id());
        }
    }

    fn handles<'a, C: Command>(
        &self,
        access: &'a StreamAccess<C::Event>,
    ) -> Option<StreamHandle<'a, C>> {
        self.as_ref().map(|id| access.handle(id.to_stream_id()))
    }

    fn initial_state<S: Default>(&self) -> Option<S> {
        self.as_ref().map(|_| S::default())
    }

    fn fold<S: Fold<E>, E>(&self, state: &mut Option<S>, event: &RecordedEvent<E>) {
        if let (Some(id), Some(state)) = (self, state)
            && *event.stream_id() == id.to_stream_id()
        {
            state.fold(event);
        }
    }

    fn holds(&self, id: &StreamId) -> bool {
        self.as_ref().is_some_and(|own| own.to_stream_id() == *id)
    }

    fn state_mut<'s, S>(&self, state: &'s mut Option<S>, id: &StreamId) -> Option<&'s mut S> {
        if self.holds(id) { state.as_mut() } else { None }
    }
}

/// Implements [`StreamField`] for a collection of ids via its `iter()`.
macro_rules! collection_stream_field {
    ($( [$($generics:tt)*] $ty:ty ),* $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl<$($generics)*> StreamField for $ty {
            type Handles<'a, C: Command> = StreamHandles<'a, C>;
            type State<S> = StreamStates<S>;

            fn declare(&self, streams: &mut StreamDeclarations) {
                for id in self.iter() {
                    streams.push(id.to_stream_id());
                }
            }

            fn handles<'a, C: Command>(
                &self,
                access: &'a StreamAccess<C::Event>,
            ) -> StreamHandles<'a, C> {
                StreamHandles::collect(self.iter().map(|id| access.handle(id.to_stream_id())))
            }

            fn initial_state<S: Default>(&self) -> StreamStates<S> {
                let mut states = StreamStates::default();
                for id in self.iter() {
                    states.insert_default(id.to_stream_id());
                }
                states
            }

            fn fold<S: Fold<E>, E>(&self, state: &mut StreamStates<S>, event: &RecordedEvent<E>) {
                if let Some(state) = state.get_mut_by_id(event.stream_id()) {
                    state.fold(event);
                }
            }

            fn holds(&self, id: &StreamId) -> bool {
                self.iter().any(|own| own.to_stream_id() == *id)
            }

            fn state_mut<'s, S>(
                &self,
                state: &'s mut StreamStates<S>,
                id: &StreamId,
            ) -> Option<&'s mut S> {
                state.get_mut_by_id(id)
            }
        }
    )*};
}

collection_stream_field! {
    [T: IntoStreamId] Vec<T>,
    [T: IntoStreamId] VecDeque<T>,
    [T: IntoStreamId] Box<[T]>,
    [T: IntoStreamId, const N: usize] [T; N],
    [T: IntoStreamId, H] HashSet<T, H>,
    [T: IntoStreamId] BTreeSet<T>,
}
