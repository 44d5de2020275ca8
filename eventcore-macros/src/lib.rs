//! Macros for EventCore: `#[derive(Command)]`, `#[derive(Event)]`, and the
//! `#[fold]` attribute that fingerprints fold logic for snapshots.
//!
//! Use them through the `eventcore` crate, which re-exports them; each
//! documents its options below. Each derive has its own module (`command`, `event`) with
//! one file per phase: `ast` parses the input and its attributes, `valid`
//! checks rules that span fields, and `expand` writes the generated code.
//! Both run on `proc_macro2` tokens through the same pipeline in
//! `internals`.

mod command;
mod event;
mod fold;
mod internals;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `eventcore::Command` for a struct whose `#[stream]` fields name
/// the streams the command reads and writes, and `CommandState` when those
/// fields say what their streams fold into.
///
/// For a struct `Transfer` it generates:
///
/// - `impl Command for Transfer`: the stream list (every `#[stream]` field,
///   in order, duplicates removed), `NAME` (`"Transfer"`), the event type,
///   and the handles struct;
/// - `TransferStreams<'_>`: one handle per `#[stream]` field, the only way
///   `handle` can write ([`StreamHandle`] for an id, `Option<StreamHandle>`
///   for an `Option`, [`StreamHandles`] for a collection);
/// - when any field says `state = T`: `TransferState`, with one `T` per such
///   field, and `impl CommandState` whose `apply` routes each event to the
///   state of its own stream. Without any `state`, implement
///   `CommandState` by hand.
///
/// Both generated structs implement `Debug` (a field whose type has none
/// shows as `..`) and keep the command's generics, defaults included.
///
/// Every field of the command, `#[stream]` or not, must be `Send + Sync`
/// (`eventcore::CommandField`), since the executor shares the command
/// between tasks and keeps it across retries. A field of a concrete type
/// that is not (an `Rc`, a `RefCell`) is reported at the field; a field of
/// a generic type needs no bound on the struct: the derive bounds it where
/// the command is used.
///
/// # `#[stream]` fields
///
/// A field marked `#[stream]` holds a stream id (`StreamId`, or a `Clone`
/// newtype with `impl From<YourId> for StreamId`), an `Option` of one, or a
/// collection of them (`Vec`, `VecDeque`, arrays, boxed slices, `HashSet`,
/// `BTreeSet`). It owns its ids: a reference (`&'a StreamId`) is refused.
///
/// | option | form | meaning |
/// |---|---|---|
/// | `state` | `#[stream(state = Account)]` | the field's streams fold into `Account`, which must be `Fold<Event> + Default` |
/// | `snapshot` | `#[stream(state = Account, snapshot)]` | the state is kept in snapshots, fingerprinted by `#[eventcore::fold]` on its `Fold` impl |
/// | `snapshot_version` | `#[stream(state = Account, snapshot_version = 2)]` | the state is kept in snapshots, identified by a version you bump whenever the fold changes |
/// | `ids` | `#[stream(ids = OrderLine::product)]` | the field is not an id itself: its streams are this function (or closure) applied to each of its items, which must give ids |
///
/// With `ids = f` the field is anything iterable by reference (a `Vec` of
/// order lines, an `Option` of a struct) and `f` takes one item (`&Item`):
/// the field then behaves as a collection of the ids `f` gives (its handles
/// are `StreamHandles`, its state a `StreamStates` keyed by id). This is
/// how a `Vec<(ProductId, u32)>`-like field names its products without a
/// second field of ids.
///
/// # `#[command(..)]` on the struct
///
/// | option | form | meaning |
/// |---|---|---|
/// | `event` | `event = BankEvent` | **required**: the event type, an enum deriving `Event` |
/// | `resolver` | `resolver` | the command also discovers streams at run time: implement `StreamResolver`; the handles struct gets a `discovered` field |
/// | `discovered_state` | `resolver, discovered_state = Stock` | each discovered stream folds into its own `Stock` (`Fold<Event> + Default`): the generated state gets a `discovered: StreamStates<Stock>` field, with an entry for every discovered stream that has events |
/// | `state_name` | `state_name = MyState` | names the state struct (default `<Command>State`), when that name is taken |
/// | `streams_name` | `streams_name = MyStreams` | names the handles struct (default `<Command>Streams`) |
/// | `crate` | `crate = my_app::eventcore` | where generated code finds `eventcore`, when it is re-exported under another path |
///
/// Every mistake is reported at the token that has it, with what to write
/// instead; the rest of the expansion is still emitted, so no follow-on
/// errors about missing items appear.
///
/// # Example
///
/// ```
/// use eventcore::{Command, CommandLogic, Event, Fold, RecordedEvent, StreamId, require};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
/// enum BankEvent {
///     Deposited { amount: u64 },
///     Withdrawn { amount: u64 },
/// }
///
/// #[derive(Debug, Default)]
/// struct Balance(u64);
///
/// impl Fold<BankEvent> for Balance {
///     fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
///         match event.payload() {
///             BankEvent::Deposited { amount } => self.0 += amount,
///             BankEvent::Withdrawn { amount } => self.0 -= amount,
///         }
///     }
/// }
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("insufficient funds")]
/// struct Insufficient;
///
/// #[derive(Command)]
/// #[command(event = BankEvent)]
/// struct Transfer {
///     #[stream(state = Balance)]
///     from: StreamId,
///     #[stream]
///     to: StreamId,
///     amount: u64,
/// }
///
/// impl CommandLogic for Transfer {
///     type Error = Insufficient;
///
///     fn handle(&self, state: TransferState, streams: &mut TransferStreams<'_>) -> Result<(), Insufficient> {
///         require!(state.from.0 >= self.amount, Insufficient);
///         streams.from.emit(BankEvent::Withdrawn { amount: self.amount });
///         streams.to.emit(BankEvent::Deposited { amount: self.amount });
///         Ok(())
///     }
/// }
///
/// assert_eq!(<Transfer as Command>::NAME, "Transfer");
/// let from = StreamId::try_new("account-1")?;
/// let to = StreamId::try_new("account-2")?;
/// let transfer = Transfer { from: from.clone(), to: to.clone(), amount: 5 };
/// assert_eq!(transfer.declared_streams(), [from, to]);
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
///
/// [`StreamHandle`]: https://docs.rs/eventcore/latest/eventcore/struct.StreamHandle.html
/// [`StreamHandles`]: https://docs.rs/eventcore/latest/eventcore/struct.StreamHandles.html
#[proc_macro_derive(Command, attributes(command, stream))]
pub fn derive_command(input: TokenStream) -> TokenStream {
    command::derive(&parse_macro_input!(input as DeriveInput)).into()
}

/// Derives `eventcore::Event` for an enum: each variant is one event type,
/// named after the variant (as serde names it: `r#type` is `"type"`).
///
/// The enum must also be `Serialize + Deserialize + Clone + Debug` (derive
/// them). Type names are what the store keeps and what projections filter
/// on, so once events are stored, rename a variant with `rename` rather than
/// changing its stored name.
///
/// # `#[event(..)]` on a variant
///
/// | option | form | meaning |
/// |---|---|---|
/// | `rename` | `#[event(rename = "AccountOpened")]` | the stored type name instead of the variant's name: non-empty, at most 255 characters, no control characters, no leading or trailing whitespace |
/// | `version` | `#[event(version = 2)]` | the type's current schema version (1 by default, at most `i32::MAX`): events are written with it, and older stored versions read through the enum's upcasters |
/// | `alias` | `#[event(alias = "AccountCreated")]` | an older type name that reads as this variant (repeatable) |
///
/// # `#[event(..)]` on the enum
///
/// | option | form | meaning |
/// |---|---|---|
/// | `crate` | `#[event(crate = my_app::eventcore)]` | where generated code finds `eventcore`, when it is re-exported under another path |
/// | `upcasters` | `#[event(upcasters = bank_upcasters)]` | a `fn() -> eventcore::Upcasters` that turns older schema versions and retired names into today's (built once, on first use) |
/// | `compose` | `#[event(compose)]` | each variant wraps another event enum (`Order(OrderEvent)`): see below |
///
/// Type names must be unique within the enum; a duplicate is reported at
/// the second one.
///
/// # Composed event enums
///
/// A command writes one event type, so a command that touches orders and
/// products needs an enum covering both. With `#[event(compose)]` that
/// enum wraps the domain's own enums instead of repeating their variants:
/// its type names, schema versions and aliases are the parts' (no two
/// parts may share a name), an event is stored exactly as its part stores
/// it, and stored events are read through the part that owns their type
/// name, upcasters included. The derive also writes `From<Part>` (emit
/// `OrderEvent::Placed { .. }.into()`) and `eventcore::ComposedOf<Part>`.
/// A state that folds a part's events folds the composed enum's with
/// `#[eventcore::fold(via = ShopEvent)]` on its `impl Fold<Part>`.
///
/// ```
/// use eventcore::{Event, Fold, RecordedEvent};
/// # use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Debug, Serialize, Deserialize, Event)]
/// enum OrderEvent { Placed { units: u32 } }
///
/// #[derive(Clone, Debug, Serialize, Deserialize, Event)]
/// enum ProductEvent { Restocked { units: u32 }, Reserved { units: u32 } }
///
/// #[derive(Clone, Debug, Serialize, Deserialize, Event)]
/// #[event(compose)]
/// enum ShopEvent {
///     Order(OrderEvent),
///     Product(ProductEvent),
/// }
///
/// #[derive(Default)]
/// struct Stock(u32);
///
/// #[eventcore::fold(via = ShopEvent)]
/// impl Fold<ProductEvent> for Stock {
///     fn fold(&mut self, event: &RecordedEvent<ProductEvent>) {
///         match event.payload() {
///             ProductEvent::Restocked { units } => self.0 += units,
///             ProductEvent::Reserved { units } => self.0 -= units,
///         }
///     }
/// }
///
/// assert_eq!(ShopEvent::EVENT_TYPES, ["Placed", "Restocked", "Reserved"]);
/// // `Stock` now folds `ShopEvent` too: usable as `#[stream(state = Stock)]`
/// // in a command whose event type is `ShopEvent`.
/// fn folds<T: Fold<ShopEvent>>() {}
/// folds::<Stock>();
/// ```
///
/// # Example
///
/// ```
/// use eventcore::Event;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Debug, Serialize, Deserialize, Event)]
/// enum AccountEvent {
///     Opened { owner: String },
///     #[event(rename = "MoneyDeposited")]
///     Deposited { amount: u64 },
/// }
///
/// assert_eq!(AccountEvent::EVENT_TYPES, ["Opened", "MoneyDeposited"]);
/// assert_eq!(AccountEvent::Deposited { amount: 1 }.event_type(), "MoneyDeposited");
/// ```
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    event::derive(&parse_macro_input!(input as DeriveInput)).into()
}

/// Fingerprints the fold logic of an `impl Fold<Event> for State` block:
/// the block stays as written, and `State` gets
/// `eventcore::FoldFingerprint<Event>`, whose `FOLD_FINGERPRINT` is a hash
/// of the block's tokens. Editing the fold logic (anything but spacing and
/// comments) changes the fingerprint, so a snapshot of `State` folded by
/// the old code is never used by the new.
///
/// Only the tokens of the block are hashed: logic the fold calls elsewhere
/// (a method of `State`, a helper function) is not covered, and editing it
/// leaves the fingerprint as it was. Keep the fold logic inside the block,
/// or name a version bumped by hand on the field instead
/// (`#[stream(state = State, snapshot_version = 2)]`).
///
/// `#[eventcore::fold(via = ShopEvent)]` also folds `ShopEvent`, an enum
/// composed with `#[event(compose)]` that wraps this impl's event type: its
/// events of this part are folded by this impl, the others are passed
/// over, and its snapshots share this impl's fingerprint. Repeat `via` for
/// several composed enums.
///
/// `#[eventcore::fold(crate = path)]` names where `eventcore` is when it is
/// re-exported under another path.
///
/// ```
/// use eventcore::{Fold, FoldFingerprint, RecordedEvent};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, Debug, Serialize, Deserialize, eventcore::Event)]
/// # enum BankEvent { Deposited { amount: u64 } }
///
/// #[derive(Default)]
/// struct Account {
///     balance: u64,
/// }
///
/// #[eventcore::fold]
/// impl Fold<BankEvent> for Account {
///     fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
///         let BankEvent::Deposited { amount } = event.payload();
///         self.balance += amount;
///     }
/// }
///
/// assert_ne!(<Account as FoldFingerprint<BankEvent>>::FOLD_FINGERPRINT, 0);
/// ```
#[proc_macro_attribute]
pub fn fold(args: TokenStream, item: TokenStream) -> TokenStream {
    fold::expand(args.into(), item.into()).into()
}
