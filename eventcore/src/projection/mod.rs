//! Projections: read models built from the global event log.
//!
//! A [`Projection`] names itself, says which events it wants
//! ([`Projection::filter`]) and folds batches of decoded events into its read
//! model. A [`ProjectionRunner`] drives it: it catches up from the saved
//! checkpoint in batches, then follows live notifications, holding a lease so
//! that only one runner per projection is active across processes. A
//! [`ProjectionSet`] runs many projections and reports their health.
//!
//! # Delivery guarantee
//!
//! With [`AtLeastOnce`] (the default wrapper for a plain [`Projection`]) the
//! checkpoint is saved *after* the read model is updated, so a crash between
//! the two replays the batch: every event is applied **at least once**, and
//! `apply` should be idempotent. Every checkpoint write is a compare-and-set
//! from where the batch started, fenced by the runner's lease, so a runner
//! that lost its lease, or replays a batch whose first commit went through
//! unacknowledged, cannot record it again.
//!
//! # Failures
//!
//! A projection failing on an event goes to the [`ErrorPolicy`] (retry,
//! skip or stop), and so does a stored row the store cannot decode
//! ([`UndecodableEvent`](crate::store::UndecodableEvent); decoding it again
//! gives the same answer, so it is skipped or stops the runner without
//! retries). Every skipped event is logged and listed in
//! [`ProjectionHealth::skipped`]. History is immutable, so the way past an
//! event that stops a projection is to list its position in
//! [`RunnerConfig::skip_positions`] and restart the runner. A failing store (unreachable, slow, a lost reply) is
//! retried with backoff under the [`StoreRetryPolicy`], on its own budget;
//! by default transient store errors never stop a runner. Adapters can offer exactly-once by
//! implementing [`CheckpointedProjection`] so that the read-model update and
//! the checkpoint commit in one transaction (`eventcore-postgres` does this
//! for read models in the same database).
//!
//! # Example
//!
//! ```
//! use std::collections::HashMap;
//! use eventcore::projection::{Projection, ProjectionRunner, RunnerConfig};
//! use eventcore::{Event, RecordedEvent};
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
//! # enum BankEvent { Deposited { amount: u64 } }
//! # impl Event for BankEvent {
//! #     const EVENT_TYPES: &'static [&'static str] = &["Deposited"];
//! #     fn event_type(&self) -> &'static str { "Deposited" }
//! # }
//!
//! #[derive(Default)]
//! struct Balances(HashMap<String, u64>);
//!
//! impl Projection for Balances {
//!     type Event = BankEvent;
//!     type Error = std::convert::Infallible;
//!
//!     fn name(&self) -> &str {
//!         "balances"
//!     }
//!
//!     async fn apply(&mut self, events: &[RecordedEvent<BankEvent>]) -> Result<(), Self::Error> {
//!         for event in events {
//!             let BankEvent::Deposited { amount } = event.payload();
//!             *self.0.entry(event.stream_id().to_string()).or_default() += amount;
//!         }
//!         Ok(())
//!     }
//!
//!     async fn reset(&mut self) -> Result<(), Self::Error> {
//!         self.0.clear();
//!         Ok(())
//!     }
//! }
//!
//! # async fn run(store: impl eventcore::store::EventStore + eventcore::store::CheckpointStore + eventcore::store::LeaseStore + Clone + 'static) -> Result<(), eventcore::ProjectionError> {
//! let handle = ProjectionRunner::new(store, Balances::default(), RunnerConfig::default()).start();
//! // ... later
//! handle.pause().await;
//! handle.resume().await;
//! let health = handle.health();
//! println!("{} is {:?}, {} positions behind", health.name, health.status, health.lag);
//! handle.shutdown().await?;
//! # Ok(()) }
//! ```

mod checkpointed;
mod health;
mod policy;
mod read_model;
mod runner;
mod set;

use std::future::Future;

pub use checkpointed::{AtLeastOnce, CheckpointedProjection, apply_failed, decode_events};
pub use health::{ProjectionHealth, ProjectionStatus, SkipCause, SkippedEvent};
pub use policy::{ErrorPolicy, Fallback};
pub use read_model::ReadModel;
pub use runner::{
    ProjectionHandle, ProjectionRunner, ProjectionWatch, RunnerConfig, StoreRetryPolicy,
};
pub use set::ProjectionSet;

use crate::{event::Event, store::EventFilter, types::RecordedEvent};

/// A read model built from events.
///
/// Implement [`apply`](Self::apply) (and [`reset`](Self::reset) so the
/// projection can be rebuilt); override [`filter`](Self::filter) to narrow
/// the events beyond the event type's own names.
pub trait Projection: Send + 'static {
    /// The events this projection decodes. Use an enum that covers every
    /// event type the projection reads.
    type Event: Event;

    /// The projection's own failure type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// A stable, unique name: it keys the checkpoint and the lease.
    fn name(&self) -> &str;

    /// Which events to read. The default is every event this projection's
    /// event type can decode ([`EventFilter::decodable`]: its type names,
    /// aliases and the names its upcasters read), in any stream; events of
    /// other types in the store (another domain's) are not read at all. A
    /// wider filter (a stream prefix) also reads names the type does not
    /// know, which then go to the runner's
    /// [`ErrorPolicy`]: stopped by default, skipped and recorded in health
    /// under `Skip`.
    fn filter(&self) -> EventFilter {
        EventFilter::decodable::<Self::Event>()
    }

    /// Folds a batch of events, in global order, into the read model.
    fn apply(
        &mut self,
        events: &[RecordedEvent<Self::Event>],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Clears the read model before a rebuild replays every event.
    fn reset(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send;
}
