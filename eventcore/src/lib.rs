//! # EventCore
//!
//! Multi-stream event sourcing with dynamic consistency boundaries.
//!
//! There are no aggregates. A command names the event streams it needs; the
//! executor reads them, folds them into state, runs the command's logic and
//! appends the new events to any of those streams in **one atomic,
//! optimistically concurrent write**. Every stream read takes part in the
//! concurrency check, read-only ones included, so write skew is impossible.
//!
//! ## A command
//!
//! A command is a struct. Its `#[stream]` fields name the streams it reads;
//! `#[derive(Command)]` generates the stream declarations, a handles struct
//! (`TransferMoneyStreams`) with one write handle per stream, and, for fields
//! marked `state = T`, the folded state (`TransferMoneyState`). You write the
//! decision:
//!
//! ```
//! use eventcore::{
//!     Command, CommandError, CommandLogic, Event, Fold, RecordedEvent, StreamId, emit, execute,
//!     require,
//! };
//! use eventcore_memory::MemoryStore;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
//! enum BankEvent {
//!     Deposited { amount: u64 },
//!     Withdrawn { amount: u64 },
//! }
//!
//! #[derive(Debug, PartialEq, thiserror::Error)]
//! enum BankError {
//!     #[error("insufficient funds: {balance} < {requested}")]
//!     InsufficientFunds { balance: u64, requested: u64 },
//! }
//!
//! /// What one account's events fold into.
//! #[derive(Default)]
//! struct Account {
//!     balance: u64,
//! }
//!
//! impl Fold<BankEvent> for Account {
//!     fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
//!         match event.payload() {
//!             BankEvent::Deposited { amount } => self.balance += amount,
//!             BankEvent::Withdrawn { amount } => self.balance -= amount,
//!         }
//!     }
//! }
//!
//! #[derive(Command)]
//! #[command(event = BankEvent)]
//! struct TransferMoney {
//!     #[stream(state = Account)]
//!     from: StreamId,
//!     #[stream(state = Account)]
//!     to: StreamId,
//!     amount: u64,
//! }
//!
//! impl CommandLogic for TransferMoney {
//!     type Error = BankError;
//!
//!     fn handle(
//!         &self,
//!         state: TransferMoneyState,
//!         streams: &mut TransferMoneyStreams<'_>,
//!     ) -> Result<(), BankError> {
//!         let balance = state.from.balance;
//!         require!(
//!             balance >= self.amount,
//!             BankError::InsufficientFunds { balance, requested: self.amount }
//!         );
//!         emit!(streams.from, BankEvent::Withdrawn { amount: self.amount });
//!         emit!(streams.to, BankEvent::Deposited { amount: self.amount });
//!         Ok(())
//!     }
//! }
//!
//! # #[derive(Command)]
//! # #[command(event = BankEvent)]
//! # struct Deposit { #[stream(state = Account)] to: StreamId, amount: u64 }
//! # impl CommandLogic for Deposit {
//! #     type Error = BankError;
//! #     fn handle(&self, _: DepositState, streams: &mut DepositStreams<'_>) -> Result<(), BankError> {
//! #         emit!(streams.to, BankEvent::Deposited { amount: self.amount });
//! #         Ok(())
//! #     }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::new();
//! let (alice, bob) = (StreamId::try_new("account-alice")?, StreamId::try_new("account-bob")?);
//! execute(&store, Deposit { to: alice.clone(), amount: 100 }).await?;
//!
//! let done = execute(&store, TransferMoney { from: alice.clone(), to: bob, amount: 30 }).await?;
//! assert_eq!(done.attempts, 1);
//! assert_eq!(done.events[0].stream_id(), &alice);
//! assert_eq!(done.events[0].version().value(), 2);
//!
//! let refused = execute(&store, TransferMoney { from: alice.clone(), to: alice, amount: 500 }).await;
//! assert!(matches!(
//!     refused,
//!     Err(CommandError::Rejected(BankError::InsufficientFunds { balance: 70, requested: 500 }))
//! ));
//! # Ok(())
//! # }
//! ```
//!
//! See [`CommandExecutor`] for retries, metadata and limits, and
//! [`StreamResolver`] for dynamic stream discovery.
//!
//! ## What the derive generates, and why writes are safe at compile time
//!
//! `#[derive(Command)]` generates [`Command`] (which streams to read, and a
//! *handles struct* `<Name>Streams<'_>` with one [`StreamHandle`] per
//! `#[stream]` field) and, when fields say `#[stream(state = T)]` with
//! `T: Fold<Event>`, [`CommandState`]: a `<Name>State` struct with one state
//! per such field and an `apply` that routes every event to the state of its
//! stream. You implement [`CommandLogic`] (the business decision) and, when no
//! field has a `state`, [`CommandState`] by hand.
//!
//! Events are written only through [`StreamHandle::emit`]. A handle has
//! private fields and no public constructor: the executor creates handles, for
//! the streams the command declared or discovered, and hands them to
//! [`CommandLogic::handle`] inside the handles struct. Code that tries to write
//! to any other stream has nothing to call, so it does not compile. A handle
//! is typed by its command (`StreamHandle<'_, TransferMoney>`), so it accepts
//! only that command's event type and cannot be passed to code written for
//! another command. As a second line of defence, the executor refuses at run
//! time any event aimed at a stream it did not read (reachable only through a
//! hand-written [`Command`] impl, which is not supported).
//!
//! ## The rest of the crate
//!
//! This crate also holds the vocabulary ([`StreamId`], [`EventId`],
//! [`StreamVersion`], [`GlobalPosition`], [`EventMetadata`],
//! [`RecordedEvent`]), the [`Event`] trait, serialization and
//! [schema evolution](evolution) (versions, upcasters, retired types, a
//! store check), the storage port
//! ([`store::EventStore`]) and, behind the `conformance` feature, the adapter
//! conformance suite. Storage backends live in their own crates
//! (`eventcore-memory`, `eventcore-postgres`); the testing toolkit
//! (given/when/then, fault-injecting stores, proptest strategies) lives in
//! `eventcore-testing`, on top of the in-memory store.
//!
//! Stores can also be used directly:
//!
//! ```
//! use eventcore::store::{AppendBatch, EventStore, ExpectedVersion, NewEvent};
//! use eventcore::{Event, EventMetadata, EventSerializer, JsonSerializer, StreamId};
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
//! # enum BankEvent { Deposited { amount: u64 } }
//!
//! async fn deposit(store: &impl EventStore) -> Result<(), Box<dyn std::error::Error>> {
//!     let account = StreamId::try_new("account-1")?;
//!     let event = JsonSerializer.encode(&BankEvent::Deposited { amount: 10 })?;
//!     let batch = AppendBatch::single(
//!         account.clone(),
//!         ExpectedVersion::NO_STREAM,
//!         vec![NewEvent::new(event, EventMetadata::new())],
//!     );
//!     let written = store.append(batch).await?;
//!     assert_eq!(written.events[0].version.value(), 1);
//!     Ok(())
//! }
//! ```

// The vocabulary, commands, the executor, errors and serialization are
// reached at the crate root only; the store port and projections keep their
// own public modules.
mod backoff;
mod command;
mod error;
mod event;
pub mod evolution;
mod executor;
pub mod guide;
pub mod health;
pub mod metrics;
pub mod process;
pub mod projection;
mod serialization;
pub mod store;
mod types;
mod upcast;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use command::{
    Command, CommandField, CommandLogic, CommandState, Fold, FoldFingerprint, IntoStreamId,
    SnapshotState, StreamField, StreamHandle, StreamHandles, StreamResolver, StreamStates,
};
pub use error::{
    BoxError, CommandError, ProjectionError, SerializationError, StoreError, ValidationError,
};
pub use event::{ComposedOf, Event};
pub use eventcore_macros::{Command, Event, fold};
pub use executor::{
    CommandExecutor, Executed, ExecutionOptions, RetryPolicy, SnapshotPolicy, execute,
};
pub use serialization::{
    EventSchema, EventSerializer, JsonSerializer, StoreCheck, TypeSchema, Unreadable, UpcastStep,
    check_store,
};
pub use store::events::SerializedEvent;
pub use types::{
    CausationId, CorrelationId, CustomMetadata, EventId, EventMetadata, EventMetadataBuilder,
    GlobalPosition, IdempotencyKey, RecordedEvent, StreamId, StreamVersion, Timestamp, UserId,
};
pub use upcast::Upcasters;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
