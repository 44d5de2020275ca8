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
//! This crate holds the vocabulary ([`StreamId`], [`EventId`],
//! [`StreamVersion`], [`GlobalPosition`], [`EventMetadata`],
//! [`RecordedEvent`]), the [`Event`] trait, serialization, the storage port
//! ([`store::EventStore`]) and, behind features, the adapter conformance suite
//! (`conformance`) and testing helpers (`testing`). Storage backends live in
//! their own crates: `eventcore-memory` and `eventcore-postgres`.
//!
//! ```
//! use eventcore::store::{AppendBatch, EventStore, ExpectedVersion, NewEvent};
//! use eventcore::{Event, EventMetadata, EventSerializer, JsonSerializer, StreamId};
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
//! # enum BankEvent { Deposited { amount: u64 } }
//! # impl Event for BankEvent {
//! #     const EVENT_TYPES: &'static [&'static str] = &["Deposited"];
//! #     fn event_type(&self) -> &'static str { "Deposited" }
//! # }
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

pub mod command;
pub mod error;
pub mod event;
pub mod executor;
pub mod projection;
pub mod serialization;
pub mod store;
pub mod types;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{
    BoxError, CommandError, ProjectionError, SerializationError, StoreError, ValidationError,
};
pub use command::{
    Command, CommandLogic, CommandState, Fold, IntoStreamId, StreamHandle, StreamHandles,
    StreamResolver, StreamStates,
};
pub use event::Event;
pub use eventcore_macros::{Command, Event};
pub use executor::{CommandExecutor, Executed, ExecutionOptions, RetryPolicy, execute};
pub use serialization::{EventSerializer, JsonSerializer, SerializedEvent};
pub use types::{
    CausationId, CorrelationId, CustomMetadata, EventId, EventMetadata, EventMetadataBuilder,
    GlobalPosition, RecordedEvent, StreamId, StreamVersion, Timestamp, UserId,
};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
