use crate::types::{RecordedEvent, StreamId};

use super::IntoStreamId;

/// A piece of state that events of one stream fold into.
///
/// Used with `#[stream(state = T)]`: the generated command state holds one
/// `T` per stream of the field, starting from `T::default()`, and every event
/// of that stream is folded into it in global position order.
///
/// ```
/// use eventcore::{Fold, RecordedEvent};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, Debug, Serialize, Deserialize, eventcore::Event)]
/// # enum BankEvent { Deposited { amount: u64 }, Withdrawn { amount: u64 } }
///
/// #[derive(Default)]
/// struct Account {
///     balance: u64,
/// }
///
/// impl Fold<BankEvent> for Account {
///     fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
///         match event.payload() {
///             BankEvent::Deposited { amount } => self.balance += amount,
///             BankEvent::Withdrawn { amount } => self.balance -= amount,
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as stream state for events of type `{E}`",
    label = "`{Self}` does not implement `Fold<{E}>`",
    note = "`#[stream(state = T)]` needs `T: Fold<{E}> + Default`; implement `Fold<{E}>` for `{Self}`"
)]
pub trait Fold<E>: Default {
    /// Folds one event of this stream into the state.
    fn fold(&mut self, event: &RecordedEvent<E>);
}

/// A fingerprint of the code of a [`Fold`] impl, written by
/// [`#[eventcore::fold]`](crate::fold) on the `impl Fold<E> for T` block:
/// it changes whenever the fold logic does, so a snapshot of `T` saved by
/// other code can be told apart and ignored.
#[diagnostic::on_unimplemented(
    message = "the fold logic of `{Self}` has no fingerprint",
    label = "`{Self}` does not implement `FoldFingerprint<{E}>`",
    note = "put `#[eventcore::fold]` on the `impl Fold<{E}> for {Self}` block, so that snapshots folded by other code are never used",
    note = "or, where the impl cannot be annotated, name a version you bump whenever the fold changes: `#[stream(state = {Self}, snapshot_version = 1)]`"
)]
pub trait FoldFingerprint<E>: Fold<E> {
    /// A hash of the tokens of the `impl Fold<E>` block.
    const FOLD_FINGERPRINT: u64;
}

/// The states of a collection field declared `#[stream(state = T)]`: one `T`
/// per distinct stream id, in declaration order.
///
/// ```
/// use eventcore::{StreamId, StreamStates};
///
/// let states: StreamStates<u32> = StreamStates::default();
/// assert!(states.get(&StreamId::try_new("a")?).is_none());
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamStates<S> {
    entries: Vec<(StreamId, S)>,
}

impl<S> Default for StreamStates<S> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<S> StreamStates<S> {
    pub(crate) fn insert_default(&mut self, id: StreamId)
    where
        S: Default,
    {
        if !self.entries.iter().any(|(known, _)| *known == id) {
            self.entries.push((id, S::default()));
        }
    }

    /// Folds `event` into the state of its stream, adding the stream (from
    /// `S::default()`) on its first event: how generated state keeps the
    /// states of discovered streams (`#[command(discovered_state = S)]`).
    #[doc(hidden)]
    pub fn fold_discovered<E>(&mut self, event: &RecordedEvent<E>)
    where
        S: Fold<E>,
    {
        if let Some(state) = self.get_mut_by_id(event.stream_id()) {
            state.fold(event);
            return;
        }
        let mut state = S::default();
        state.fold(event);
        self.entries.push((event.stream_id().clone(), state));
    }

    pub(crate) fn get_mut_by_id(&mut self, id: &StreamId) -> Option<&mut S> {
        self.entries
            .iter_mut()
            .find(|(known, _)| known == id)
            .map(|(_, state)| state)
    }

    /// The state of the stream `id` (a `StreamId` or a type converting into
    /// one), if the field holds it.
    pub fn get<K: IntoStreamId + ?Sized>(&self, id: &K) -> Option<&S> {
        let id = id.to_stream_id();
        self.entries
            .iter()
            .find(|(known, _)| *known == id)
            .map(|(_, state)| state)
    }

    /// Every stream with its state, in declaration order.
    #[must_use]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&StreamId, &S)> {
        self.entries.iter().map(|(id, state)| (id, state))
    }

    /// The number of streams.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the field holds no stream.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<'s, S> IntoIterator for &'s StreamStates<S> {
    type Item = (&'s StreamId, &'s S);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'s, (StreamId, S)>,
        fn(&'s (StreamId, S)) -> (&'s StreamId, &'s S),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(id, state)| (id, state))
    }
}
