//! Commands: the traits `#[derive(Command)]` implements, the ones you
//! implement, and the typed stream handles that make writes safe.
//!
//! A command is a struct whose `#[stream]` fields name the event streams it
//! needs. `#[derive(Command)]` generates:
//!
//! - [`Command`]: which streams to read, and a *handles struct*
//!   (`<Name>Streams<'_>`) with one [`StreamHandle`] per `#[stream]` field;
//! - [`CommandState`], when fields say `#[stream(state = T)]` with
//!   `T: Fold<Event>`: a `<Name>State` struct with one state per such field,
//!   and an `apply` that routes every event to the state of its stream.
//!
//! You implement [`CommandLogic`] (the business decision) and, when no field
//! has a `state`, [`CommandState`] by hand.
//!
//! The crate documentation explains why writes are safe at compile time and
//! has a complete example.

mod field;
mod fold;
pub(crate) mod folded;
pub(crate) mod handle;
mod macros;
mod projected;
pub(crate) mod snapshot;
mod stream_field;

pub use field::CommandField;
pub use fold::{Fold, FoldFingerprint, StreamStates};
pub use handle::{StreamAccess, StreamHandle, StreamHandles};
pub use stream_field::{IntoStreamId, StreamDeclarations, StreamField};

use crate::{
    event::Event,
    types::{RecordedEvent, StreamId},
};

#[doc(hidden)]
pub use folded::{Folding, StreamFold, ViaKept, ViaWhole};
#[doc(hidden)]
pub use projected::ProjectedIds;
pub use snapshot::SnapshotState;
#[doc(hidden)]
pub use snapshot::{
    CaptureError, FoldIdentity, RestoreError, SnapshotKind, capture_field, restore_field,
};

/// What `#[derive(Command)]` generates: the streams a command reads and the
/// handles it writes through.
///
/// Do not implement this trait by hand; derive it. Its methods are called by
/// the executor and are not meant to be called directly.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a command",
    label = "add `#[derive(Command)]` to `{Self}`",
    note = "commands are structs with `#[derive(Command)]` and at least one `#[stream]` field"
)]
pub trait Command: Send + Sync + Sized {
    /// The command's event type, from `#[command(event = ..)]`.
    type Event: Event + 'static;

    /// The handles struct (`<Name>Streams<'a>`): one handle per `#[stream]`
    /// field, plus `discovered` for commands with a [`StreamResolver`].
    type Streams<'a>;

    /// The command's name, for tracing.
    const NAME: &'static str;

    /// Adds every stream the command reads to `streams`, in field order.
    #[doc(hidden)]
    fn declare_streams(&self, streams: &mut StreamDeclarations);

    /// Builds the handles struct from the executor's `access`.
    #[doc(hidden)]
    fn build_streams<'a>(&self, access: &'a StreamAccess<Self::Event>) -> Self::Streams<'a>;

    /// The streams the command declares, in field order, each once (before
    /// any dynamic discovery).
    ///
    /// ```
    /// use eventcore::{Command, StreamId};
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Clone, Debug, Serialize, Deserialize, eventcore::Event)]
    /// # enum BankEvent { Deposited { amount: u64 } }
    ///
    /// #[derive(Command)]
    /// #[command(event = BankEvent)]
    /// struct Audit {
    ///     #[stream]
    ///     accounts: Vec<StreamId>,
    ///     #[stream]
    ///     ledger: Option<StreamId>,
    /// }
    /// # impl eventcore::CommandState for Audit {
    /// #     type State = ();
    /// #     fn initial_state(&self) {}
    /// #     fn apply(&self, _: &mut (), _: &eventcore::RecordedEvent<BankEvent>) {}
    /// # }
    ///
    /// let a = StreamId::try_new("account-a")?;
    /// let audit = Audit { accounts: vec![a.clone(), a.clone()], ledger: None };
    /// assert_eq!(audit.declared_streams(), vec![a]);
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    fn declared_streams(&self) -> Vec<StreamId> {
        let mut streams = StreamDeclarations::default();
        self.declare_streams(&mut streams);
        streams.into_ids()
    }

    /// Streams to read in addition to the declared ones, after seeing
    /// `state`. Generated to call [`StreamResolver::resolve`] for commands
    /// marked `#[command(resolver)]`; asks for nothing otherwise.
    fn discover_streams(&self, state: &<Self as CommandState>::State) -> Vec<StreamId>
    where
        Self: CommandState,
    {
        let _ = state;
        Vec::new()
    }
}

/// The state a command decides on, and how events fold into it.
///
/// `#[derive(Command)]` implements this when fields say
/// `#[stream(state = T)]`. Implement it by hand for state that spans streams
/// (then no field may say `state = ..`; doing both does not compile):
///
/// ```
/// use eventcore::{Command, CommandState, Event, RecordedEvent, StreamId};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, Debug, Serialize, Deserialize, Event)]
/// # enum BankEvent { Deposited { amount: u64 } }
///
/// #[derive(Command)]
/// #[command(event = BankEvent)]
/// struct Audit {
///     #[stream]
///     accounts: Vec<StreamId>,
/// }
///
/// impl CommandState for Audit {
///     type State = u64;
///
///     fn initial_state(&self) -> u64 {
///         0
///     }
///
///     fn apply(&self, total: &mut u64, event: &RecordedEvent<BankEvent>) {
///         let BankEvent::Deposited { amount } = event.payload();
///         *total += amount;
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no command state",
    label = "`{Self}` needs a `CommandState`",
    note = "annotate `#[stream(state = T)]` fields to generate one, or implement `CommandState` for `{Self}` by hand"
)]
pub trait CommandState: Command {
    /// The folded state.
    type State;

    /// The state before any event is applied.
    fn initial_state(&self) -> Self::State;

    /// Folds one event into `state`. The executor calls it for every event of
    /// every stream read, in global position order.
    fn apply(&self, state: &mut Self::State, event: &RecordedEvent<Self::Event>);

    /// The snapshots the state of `stream` may be restored from, when the
    /// stream's state is kept in snapshots (`#[stream(state = T, snapshot)]`
    /// on every stateful field holding it).
    #[doc(hidden)]
    fn snapshot_kind(&self, stream: &StreamId) -> Option<SnapshotKind> {
        let _ = stream;
        None
    }

    /// Restores the state of `stream` from a snapshot's `value`; the
    /// executor then folds only the stream's events after the snapshot.
    #[doc(hidden)]
    fn restore_snapshot(
        &self,
        state: &mut Self::State,
        stream: &StreamId,
        value: &serde_json::Value,
    ) -> Result<(), RestoreError> {
        let _ = (state, stream, value);
        Err(RestoreError::NoPlace)
    }

    /// Folds the history of one stream (`fold`) into the states that hold
    /// it, each of which sees only that stream's events; `false`, touching
    /// nothing, when the state cannot be folded one stream at a time (a
    /// hand-written state, or one with discovered streams' states). The
    /// executor then folds every event through [`apply`](Self::apply).
    #[doc(hidden)]
    fn fold_stream(&self, state: &mut Self::State, fold: &StreamFold<'_, Self::Event>) -> bool {
        let _ = (state, fold);
        false
    }

    /// The state of `stream`, serialized for a snapshot; `None` when the
    /// stream's state is not kept in snapshots.
    #[doc(hidden)]
    fn capture_snapshot(
        &self,
        state: &mut Self::State,
        stream: &StreamId,
    ) -> Option<Result<serde_json::Value, CaptureError>> {
        let _ = (state, stream);
        None
    }
}

/// The business decision of a command: given the folded state, emit events
/// through the handles, or reject with the domain's own error.
///
/// `handle` is synchronous and sees only the state and the handles, so it is
/// deterministic and easy to test.
pub trait CommandLogic: CommandState {
    /// The domain error a rejection carries, returned to the caller as
    /// [`CommandError::Rejected`](crate::CommandError::Rejected). Usually a
    /// `thiserror` enum, so that `CommandError<Self::Error>` is a
    /// `std::error::Error` too.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Decides. Events emitted through `streams` are written atomically when
    /// this returns `Ok`; nothing is written when it returns `Err`.
    fn handle(
        &self,
        state: Self::State,
        streams: &mut Self::Streams<'_>,
    ) -> Result<(), Self::Error>;
}

/// Asks for more streams once the command has seen its state: *dynamic
/// stream discovery*.
///
/// Mark the command `#[command(resolver)]` and implement this trait. The
/// executor reads the requested streams once, folds their events into the
/// state too, and asks again until no new stream is requested. Generated
/// state folds each discovered stream into its own state when the command
/// says `#[command(resolver, discovered_state = T)]` (the state's
/// `discovered` field, a [`StreamStates<T>`](crate::StreamStates) keyed by
/// id); without it, generated state routes only the events of `#[stream]`
/// fields, and a hand-written [`CommandState`] sees every event. Discovered streams take part in the same concurrency check
/// and are writable through `streams.discovered`. The executor's
/// [`max_streams`](crate::CommandExecutor::max_streams) bounds the total.
///
/// ```
/// use eventcore::{Command, CommandState, Event, RecordedEvent, StreamId, StreamResolver};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, Debug, Serialize, Deserialize, Event)]
/// # enum ShopEvent { ItemAdded { product: StreamId } }
///
/// #[derive(Command)]
/// #[command(event = ShopEvent, resolver)]
/// struct Checkout {
///     #[stream]
///     cart: StreamId,
/// }
///
/// impl CommandState for Checkout {
///     type State = Vec<StreamId>;
///     fn initial_state(&self) -> Vec<StreamId> {
///         Vec::new()
///     }
///     fn apply(&self, products: &mut Vec<StreamId>, event: &RecordedEvent<ShopEvent>) {
///         let ShopEvent::ItemAdded { product } = event.payload();
///         products.push(product.clone());
///     }
/// }
///
/// impl StreamResolver for Checkout {
///     fn resolve(&self, products: &Vec<StreamId>) -> Vec<StreamId> {
///         products.clone()
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is marked `#[command(resolver)]` but does not implement `StreamResolver`",
    label = "`{Self}` needs `impl StreamResolver`",
    note = "implement `StreamResolver` for `{Self}`, or remove `resolver` from `#[command(..)]`"
)]
pub trait StreamResolver: CommandState {
    /// The streams to read next, given the state folded so far. Streams
    /// already read are ignored, so returning them again is harmless.
    fn resolve(&self, state: &Self::State) -> Vec<StreamId>;
}
