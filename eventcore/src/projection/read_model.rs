//! A projection that callers can read while its runner writes it.

use std::sync::Arc;

use tokio::sync::RwLock;

use super::Projection;
use crate::{store::EventFilter, types::RecordedEvent};

/// A projection shared between its runner and its readers: an in-memory
/// read model you can query while the runner keeps it current, without
/// writing the `Arc<Mutex<…>>` plumbing yourself.
///
/// Wrap the projection, hand a clone to the runner, and read through the
/// others. A read waits while a batch is being applied (readers never see
/// half a batch) and batches wait for reads in progress; keep reads short.
///
/// ```
/// use std::collections::HashMap;
/// use std::time::Duration;
/// use eventcore::projection::{Projection, ProjectionRunner, ReadModel, RunnerConfig};
/// use eventcore::store::{AppendBatch, EventStore, ExpectedVersion, NewEvent};
/// use eventcore::{EventMetadata, RecordedEvent, SerializedEvent, StreamId};
/// use eventcore_memory::MemoryStore;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, Debug, Serialize, Deserialize, eventcore::Event)]
/// # enum BankEvent { Deposited { amount: u64 } }
///
/// #[derive(Default)]
/// struct Balances(HashMap<String, u64>);
///
/// impl Projection for Balances {
///     type Event = BankEvent;
///     type Error = std::convert::Infallible;
///
///     fn name(&self) -> &str {
///         "balances"
///     }
///
///     async fn apply(&mut self, events: &[RecordedEvent<BankEvent>]) -> Result<(), Self::Error> {
///         for event in events {
///             let BankEvent::Deposited { amount } = event.payload();
///             *self.0.entry(event.stream_id().to_string()).or_default() += amount;
///         }
///         Ok(())
///     }
///
///     async fn reset(&mut self) -> Result<(), Self::Error> {
///         self.0.clear();
///         Ok(())
///     }
/// }
///
/// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let balances = ReadModel::new(Balances::default());
/// let runner = ProjectionRunner::new(store.clone(), balances.clone(), RunnerConfig::default()).start();
///
/// let event = NewEvent::new(SerializedEvent::new("Deposited", r#"{"amount":40}"#), EventMetadata::new());
/// let id = StreamId::try_new("account-1")?;
/// let written = store.append(AppendBatch::single(id, ExpectedVersion::Any, vec![event])).await?;
/// assert!(runner.wait_for_position(written.events[0].position, Duration::from_secs(5)).await);
///
/// let balance = balances.read(|b| b.0.get("account-1").copied()).await;
/// assert_eq!(balance, Some(40));
/// runner.shutdown().await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct ReadModel<P> {
    projection: Arc<RwLock<P>>,
    /// The projection's name and filter, taken when it was wrapped:
    /// the runner asks for them without waiting for readers.
    name: Arc<str>,
    filter: EventFilter,
}

impl<P> Clone for ReadModel<P> {
    fn clone(&self) -> Self {
        Self {
            projection: Arc::clone(&self.projection),
            name: Arc::clone(&self.name),
            filter: self.filter.clone(),
        }
    }
}

impl<P: Projection> ReadModel<P> {
    /// Wraps `projection`; its name and filter are read now and kept.
    pub fn new(projection: P) -> Self {
        let name = Arc::from(projection.name());
        let filter = projection.filter();
        Self {
            projection: Arc::new(RwLock::new(projection)),
            name,
            filter,
        }
    }
}

impl<P> ReadModel<P> {
    /// Runs `f` on the read model as it is between batches, waiting while
    /// a batch is being applied.
    pub async fn read<R>(&self, f: impl FnOnce(&P) -> R) -> R {
        f(&*self.projection.read().await)
    }

    /// Like [`read`](Self::read), without waiting: `None` while a batch is
    /// being applied. For code that cannot `await`.
    pub fn try_read<R>(&self, f: impl FnOnce(&P) -> R) -> Option<R> {
        self.projection.try_read().ok().map(|guard| f(&guard))
    }
}

impl<P> Projection for ReadModel<P>
where
    P: Projection + Sync,
{
    type Event = P::Event;
    type Error = P::Error;

    fn name(&self) -> &str {
        &self.name
    }

    fn filter(&self) -> EventFilter {
        self.filter.clone()
    }

    async fn apply(&mut self, events: &[RecordedEvent<Self::Event>]) -> Result<(), Self::Error> {
        self.projection.write().await.apply(events).await
    }

    async fn reset(&mut self) -> Result<(), Self::Error> {
        self.projection.write().await.reset().await
    }
}
