//! Exactly-once projections for read models kept in the same file.

use std::future::Future;

use eventcore::{
    Event, EventSerializer, GlobalPosition, JsonSerializer, ProjectionError, RecordedEvent,
    projection::{CheckpointedProjection, apply_failed, decode_events},
    store::{EventFilter, Lease, StoredEvent},
};
use sqlx::SqliteConnection;

use crate::{SqliteStore, WriteTransaction, store::save_checkpoint_in};

/// A projection whose read model lives in tables of the store's own file.
///
/// [`apply`](Self::apply) is handed the write transaction in which the
/// runner also moves the checkpoint, so the read-model update and the
/// checkpoint commit together or not at all: after a crash no event is
/// applied twice and none is lost (**exactly-once effects**). Run it
/// through [`Transactional`]. The transaction holds the file's write lock,
/// so keep a batch's work short: appends wait for it.
///
/// ```no_run
/// use eventcore::{Event, RecordedEvent};
/// use eventcore::projection::{ProjectionRunner, RunnerConfig};
/// use eventcore_sqlite::{SqliteProjection, SqliteStore, Transactional, sqlx};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, Debug, Serialize, Deserialize, Event)]
/// # enum BankEvent { Deposited { amount: i64 } }
///
/// struct Totals;
///
/// impl SqliteProjection for Totals {
///     type Event = BankEvent;
///     type Error = sqlx::Error;
///
///     fn name(&self) -> &str {
///         "totals"
///     }
///
///     async fn apply(
///         &mut self,
///         tx: &mut sqlx::SqliteConnection,
///         events: &[RecordedEvent<BankEvent>],
///     ) -> Result<(), sqlx::Error> {
///         for event in events {
///             let BankEvent::Deposited { amount } = event.payload();
///             sqlx::query("INSERT INTO totals (stream, total) VALUES (?1, ?2) \
///                          ON CONFLICT (stream) DO UPDATE SET total = total + ?2")
///                 .bind(event.stream_id().as_str())
///                 .bind(amount)
///                 .execute(&mut *tx)
///                 .await?;
///         }
///         Ok(())
///     }
///
///     async fn reset(&mut self, tx: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
///         sqlx::query("DELETE FROM totals").execute(&mut *tx).await?;
///         Ok(())
///     }
/// }
///
/// # async fn run(store: SqliteStore) -> Result<(), eventcore::ProjectionError> {
/// let projection = Transactional::new(store.clone(), Totals);
/// let handle = ProjectionRunner::with_checkpointed(store, projection, RunnerConfig::default()).start();
/// # handle.shutdown().await
/// # }
/// ```
pub trait SqliteProjection: Send + 'static {
    /// The events this projection decodes.
    type Event: Event;

    /// The projection's failure type (often `sqlx::Error` or a wrapper).
    type Error: std::error::Error + Send + Sync + 'static;

    /// A stable, unique name: it keys the checkpoint and the lease.
    fn name(&self) -> &str;

    /// Which events to read. The default is every event the projection's
    /// event type can decode ([`EventFilter::decodable`]).
    fn filter(&self) -> EventFilter {
        EventFilter::decodable::<Self::Event>()
    }

    /// Applies a batch inside `tx`; the checkpoint is moved in the same
    /// transaction afterwards.
    fn apply(
        &mut self,
        tx: &mut SqliteConnection,
        events: &[RecordedEvent<Self::Event>],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Clears the read model inside `tx`, before a rebuild.
    fn reset(
        &mut self,
        tx: &mut SqliteConnection,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// Runs a [`SqliteProjection`] with its checkpoint committed in the same
/// transaction as its read-model update.
#[derive(Debug)]
pub struct Transactional<P, Ser = JsonSerializer> {
    store: SqliteStore,
    projection: P,
    serializer: Ser,
}

impl<P> Transactional<P> {
    /// Wraps `projection`; its checkpoint and lease live in `store`.
    pub const fn new(store: SqliteStore, projection: P) -> Self {
        Self {
            store,
            projection,
            serializer: JsonSerializer,
        }
    }
}

impl<P, Ser> Transactional<P, Ser> {
    /// Uses `serializer` to decode events.
    pub fn with_serializer<T>(self, serializer: T) -> Transactional<P, T> {
        Transactional {
            store: self.store,
            projection: self.projection,
            serializer,
        }
    }

    /// The wrapped projection.
    pub const fn projection(&self) -> &P {
        &self.projection
    }
}

impl<P, Ser> CheckpointedProjection for Transactional<P, Ser>
where
    P: SqliteProjection,
    Ser: EventSerializer,
{
    fn name(&self) -> &str {
        self.projection.name()
    }

    fn filter(&self) -> EventFilter {
        self.projection.filter()
    }

    type Checkpoints = SqliteStore;

    fn checkpoints(&self) -> &SqliteStore {
        &self.store
    }

    async fn apply_batch(
        &mut self,
        events: &[StoredEvent],
        from: GlobalPosition,
        to: GlobalPosition,
        lease: &Lease,
    ) -> Result<(), ProjectionError> {
        let decoded = decode_events::<P::Event, _>(&self.serializer, events)?;
        let first = events.first().map_or(to, StoredEvent::position);
        // Dropped at any await below, the transaction rolls back.
        let mut tx = self.store.begin().await?;
        if let Err(source) = self.projection.apply(&mut tx, &decoded).await {
            drop(tx.rollback().await);
            return Err(apply_failed(self.projection.name(), first, source));
        }
        self.commit_with_checkpoint(tx, from, to, lease).await
    }

    async fn reset(&mut self, from: GlobalPosition, lease: &Lease) -> Result<(), ProjectionError> {
        let mut tx = self.store.begin().await?;
        if let Err(source) = self.projection.reset(&mut tx).await {
            drop(tx.rollback().await);
            return Err(apply_failed(
                self.projection.name(),
                GlobalPosition::START,
                source,
            ));
        }
        self.commit_with_checkpoint(tx, from, GlobalPosition::START, lease)
            .await
    }
}

impl<P: SqliteProjection, Ser> Transactional<P, Ser> {
    /// Moves the checkpoint from `from` to `to` inside `tx`, then commits
    /// the read-model changes and the checkpoint together. If this batch
    /// was committed before and only the reply was lost, the checkpoint
    /// has moved, this fails, and dropping `tx` undoes the second
    /// application.
    async fn commit_with_checkpoint(
        &mut self,
        mut tx: WriteTransaction,
        from: GlobalPosition,
        to: GlobalPosition,
        lease: &Lease,
    ) -> Result<(), ProjectionError> {
        let saved = save_checkpoint_in(
            &mut tx,
            &self.store.shared.errors.on("save_checkpoint"),
            self.projection.name(),
            from,
            to,
            Some(lease),
        )
        .await;
        Ok(tx.end(saved).await?)
    }
}
