//! Process managers: event-driven workflows that answer events with
//! commands.
//!
//! A [`ProcessManager`] subscribes to events like a projection and, for each
//! event, issues the commands the process calls for ("an order was placed:
//! reserve its stock"; "the payment failed: release the stock"). It runs on
//! the [`ProjectionRunner`](crate::projection::ProjectionRunner) through a
//! [`ProcessProjection`], so it has everything a projection has:
//! checkpoints, a lease with fencing (one active instance across processes),
//! pause and resume, health and the [`ErrorPolicy`](crate::projection::ErrorPolicy).
//!
//! # Exactly-once effects on at-least-once delivery
//!
//! The runner delivers events at least once: a crash between executing a
//! command and saving the checkpoint delivers the event again. Every
//! command issued through [`Commands`] therefore carries an
//! [idempotency key](crate::ExecutionOptions::idempotency_key) derived from
//! the process manager's name, the triggering event's id and the command's
//! index in the reaction (0, 1, …), so the same event answered again
//! replays the commands already written instead of writing them twice. For
//! that, a reaction must issue the same commands in the same order when it
//! sees the same event again: decide from the event and from durable state
//! (the streams a command reads), not from memory that a restart loses.
//!
//! Every event those commands write carries the triggering event's id as its
//! causation id and its correlation id, so a whole process can be traced.
//!
//! # Timers
//!
//! A reaction can schedule a message for later with
//! [`Commands::schedule`] ("cancel the order if it is not paid within 15
//! minutes"): the store keeps it ([`ScheduleStore`]) until the
//! [`Scheduler`] of its queue fires it through a [`ScheduleHandler`],
//! whose commands carry keys derived from the message's id. A message's id
//! is the reaction's next key, so an event delivered again schedules
//! nothing new, and a message fires once across crashes and restarts.
//!
//! # Rejections are outcomes
//!
//! [`Commands::execute`] returns the command's result: a rejection by the
//! domain is `Err(CommandError::Rejected(_))`, for the reaction to answer
//! (with a compensating command, say). Only what the reaction itself
//! returns as an error goes to the runner's error policy.
//!
//! # Example
//!
//! ```
//! use eventcore::process::{Commands, ProcessManager, ProcessProjection};
//! use eventcore::projection::{ProjectionRunner, RunnerConfig};
//! use eventcore::{
//!     Command, CommandError, CommandExecutor, CommandLogic, Event, EventSerializer, Fold,
//!     RecordedEvent, StreamId, ValidationError, require,
//!     store::{EventStore, ScheduleStore},
//! };
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
//! enum Shop {
//!     OrderPlaced { order: String, quantity: u32 },
//!     StockReserved { order: String, quantity: u32 },
//!     OrderRejected { order: String },
//! }
//!
//! #[derive(Default)]
//! struct Stock { reserved: u32 }
//! impl Fold<Shop> for Stock {
//!     fn fold(&mut self, event: &RecordedEvent<Shop>) {
//!         if let Shop::StockReserved { quantity, .. } = event.payload() {
//!             self.reserved += quantity;
//!         }
//!     }
//! }
//!
//! #[derive(Debug, thiserror::Error)]
//! #[error("out of stock")]
//! struct OutOfStock;
//!
//! #[derive(Command)]
//! #[command(event = Shop)]
//! struct Reserve { #[stream(state = Stock)] stock: StreamId, order: String, quantity: u32 }
//! impl CommandLogic for Reserve {
//!     type Error = OutOfStock;
//!     fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), OutOfStock> {
//!         require!(state.stock.reserved + self.quantity <= 10, OutOfStock);
//!         streams.stock.emit(Shop::StockReserved { order: self.order.clone(), quantity: self.quantity });
//!         Ok(())
//!     }
//! }
//!
//! #[derive(Default)]
//! struct Order { rejected: bool }
//! impl Fold<Shop> for Order {
//!     fn fold(&mut self, event: &RecordedEvent<Shop>) {
//!         self.rejected |= matches!(event.payload(), Shop::OrderRejected { .. });
//!     }
//! }
//!
//! #[derive(Command)]
//! #[command(event = Shop)]
//! struct Place { #[stream(state = Order)] order_stream: StreamId, order: String, quantity: u32 }
//! impl CommandLogic for Place {
//!     type Error = std::convert::Infallible;
//!     fn handle(&self, _: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), Self::Error> {
//!         streams.order_stream.emit(Shop::OrderPlaced { order: self.order.clone(), quantity: self.quantity });
//!         Ok(())
//!     }
//! }
//!
//! #[derive(Command)]
//! #[command(event = Shop)]
//! struct Reject { #[stream(state = Order)] order_stream: StreamId, order: String }
//! impl CommandLogic for Reject {
//!     type Error = std::convert::Infallible;
//!     fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), Self::Error> {
//!         if !state.order_stream.rejected {
//!             streams.order_stream.emit(Shop::OrderRejected { order: self.order.clone() });
//!         }
//!         Ok(())
//!     }
//! }
//!
//! #[derive(Debug, thiserror::Error)]
//! enum FulfilmentFailed {
//!     #[error("reserving stock: {0}")]
//!     Reserve(CommandError<OutOfStock>),
//!     #[error("rejecting the order: {0}")]
//!     Reject(#[from] CommandError<std::convert::Infallible>),
//!     #[error(transparent)]
//!     Invalid(#[from] ValidationError),
//! }
//!
//! /// Reserves the stock of every order placed; rejects the order when
//! /// there is not enough.
//! struct Fulfilment;
//!
//! impl ProcessManager for Fulfilment {
//!     type Event = Shop;
//!     type Error = FulfilmentFailed;
//!
//!     fn name(&self) -> &str {
//!         "fulfilment"
//!     }
//!
//!     async fn react<S: EventStore + ScheduleStore, Ser: EventSerializer>(
//!         &mut self,
//!         event: &RecordedEvent<Shop>,
//!         commands: &mut Commands<'_, S, Ser>,
//!     ) -> Result<(), Self::Error> {
//!         let Shop::OrderPlaced { order, quantity } = event.payload() else {
//!             return Ok(());
//!         };
//!         let stock = StreamId::try_new("stock-widget")?;
//!         let reserve = Reserve { stock, order: order.clone(), quantity: *quantity };
//!         match commands.execute(reserve).await {
//!             Ok(_) => Ok(()),
//!             // The domain said no: compensate, rather than fail the runner.
//!             Err(CommandError::Rejected(OutOfStock)) => {
//!                 let reject = Reject { order_stream: event.stream_id().clone(), order: order.clone() };
//!                 commands.execute(reject).await?;
//!                 Ok(())
//!             }
//!             // Anything else (the store is down, say) goes to the error
//!             // policy: retrying the event replays what was written.
//!             Err(other) => Err(FulfilmentFailed::Reserve(other)),
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = eventcore_memory::MemoryStore::new();
//! let executor = CommandExecutor::new(store.clone());
//! let process = ProcessProjection::new(Fulfilment, executor.clone());
//! let handle = ProjectionRunner::new(store.clone(), process, RunnerConfig::default()).start();
//!
//! let mut last = None;
//! for n in 1..=2 {
//!     let order = format!("order-{n}");
//!     let place = Place { order_stream: StreamId::try_new(&order)?, order, quantity: 6 };
//!     last = executor.execute(place).await?.events.last().map(|e| e.position());
//! }
//! // Once the process has answered both orders: the first got its stock,
//! // the second (6 + 6 > 10) was rejected.
//! let answered = handle.wait_for_position(last.unwrap(), std::time::Duration::from_secs(5)).await;
//! assert!(answered);
//! let second = store.read_streams(&[StreamId::try_new("order-2")?]).await?;
//! let types: Vec<_> = second.streams()[0].events().iter().map(|e| e.payload().event_type()).collect();
//! assert_eq!(types, ["OrderPlaced", "OrderRejected"]);
//! handle.shutdown().await?;
//! # Ok(())
//! # }
//! ```

mod commands;
mod scheduler;

use std::future::Future;

pub use commands::Commands;
pub use scheduler::{
    ScheduleHandler, Scheduler, SchedulerConfig, SchedulerHandle, SchedulerHealth, SchedulerWatch,
};

use crate::{
    event::Event,
    executor::CommandExecutor,
    projection::Projection,
    serialization::{EventSerializer, JsonSerializer},
    store::{EventFilter, EventStore, ScheduleStore},
    types::RecordedEvent,
};

/// A workflow that answers events with commands. See the
/// [module docs](self) for the guarantees and an example.
///
/// Implement [`name`](Self::name) and [`react`](Self::react); override
/// [`filter`](Self::filter) to narrow the events beyond the event type's
/// names, and [`reset`](Self::reset) if the process keeps state in memory
/// that a rebuild must clear.
pub trait ProcessManager: Send + 'static {
    /// The events this process reads.
    type Event: Event;

    /// What a reaction fails with; it goes to the runner's
    /// [`ErrorPolicy`](crate::projection::ErrorPolicy).
    type Error: std::error::Error + Send + Sync + 'static;

    /// A stable, unique name: it keys the checkpoint and the lease, and
    /// goes into the idempotency key of every command the process issues,
    /// so renaming a process makes it answer old events anew.
    fn name(&self) -> &str;

    /// Which events to read (default: every event the event type decodes).
    fn filter(&self) -> EventFilter {
        EventFilter::decodable::<Self::Event>()
    }

    /// Answers one event, in global order, issuing commands through
    /// `commands`. The same event may be delivered again (after a crash, a
    /// retry or a rebuild): issue the same commands in the same order, and
    /// the ones already written are replayed rather than written again.
    fn react<S: EventStore + ScheduleStore, Ser: EventSerializer>(
        &mut self,
        event: &RecordedEvent<Self::Event>,
        commands: &mut Commands<'_, S, Ser>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Clears what the process keeps in memory before a rebuild delivers
    /// every event again (default: nothing to clear). Commands issued
    /// during the rebuild replay, since their keys are recorded.
    fn reset(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        async { Ok(()) }
    }
}

/// A [`ProcessManager`] as a [`Projection`], for the
/// [`ProjectionRunner`](crate::projection::ProjectionRunner): each event is
/// answered with commands on `executor`.
#[derive(Debug)]
pub struct ProcessProjection<P, S, Ser = JsonSerializer> {
    manager: P,
    executor: CommandExecutor<S, Ser>,
}

impl<P, S, Ser> ProcessProjection<P, S, Ser> {
    /// Runs `manager`, executing its commands on `executor`.
    pub const fn new(manager: P, executor: CommandExecutor<S, Ser>) -> Self {
        Self { manager, executor }
    }

    /// The process manager.
    pub const fn manager(&self) -> &P {
        &self.manager
    }
}

impl<P, S, Ser> Projection for ProcessProjection<P, S, Ser>
where
    P: ProcessManager,
    S: EventStore + ScheduleStore + 'static,
    Ser: EventSerializer,
{
    type Event = P::Event;
    type Error = P::Error;

    fn name(&self) -> &str {
        self.manager.name()
    }

    fn filter(&self) -> EventFilter {
        self.manager.filter()
    }

    async fn apply(&mut self, events: &[RecordedEvent<P::Event>]) -> Result<(), P::Error> {
        for event in events {
            let mut commands = Commands::new(&self.executor, self.manager.name(), event);
            self.manager.react(event, &mut commands).await?;
        }
        Ok(())
    }

    fn reset(&mut self) -> impl Future<Output = Result<(), P::Error>> + Send {
        self.manager.reset()
    }
}
