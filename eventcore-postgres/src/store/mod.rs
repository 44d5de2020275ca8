//! [`PostgresStore`]: the store's handle, and the operations of its
//! [`EventStore`] implementation, one module each with its SQL in `sql/`.

mod append;
mod checkpoints;
mod combiner;
mod follow;
mod leases;
mod notifier;
mod read;
mod read_all;
mod rows;
mod schedule;
mod shared;
mod snapshot;
mod statements;
mod visibility;

use std::sync::Arc;

use eventcore::{
    GlobalPosition, IdempotencyKey, StoreError, StreamId, StreamVersion,
    store::{
        AppendBatch, AppendResult, EventFilter, EventNotifications, EventStore, HeldBack,
        IdempotencyRecord, KeyedRead, StoredEvent, StreamsRead, UndecodableEvent,
    },
};
use sqlx::{PgConnection, PgPool};

pub use self::append::MAX_EVENTS_PER_APPEND;
pub(crate) use self::shared::Settings;
use self::shared::Shared;
#[cfg(test)]
pub(crate) use self::statements::Statements;
use crate::{
    SchemaName,
    migrate::{self, MigrationInfo},
    transaction::Transaction,
};

/// A PostgreSQL [`EventStore`], [`CheckpointStore`](eventcore::store::CheckpointStore)
/// and [`LeaseStore`](eventcore::store::LeaseStore).
///
/// Cheap to clone: clones share the pool, the prepared SQL and the live
/// notification feed. The background listener (started by the first
/// [`subscribe`](EventStore::subscribe)) stops when the last clone is
/// dropped.
///
/// ```no_run
/// use eventcore::store::{AppendBatch, EventStore, ExpectedVersion, NewEvent};
/// use eventcore::{EventMetadata, SerializedEvent, StreamId};
/// use eventcore_postgres::PostgresStore;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://postgres@127.0.0.1:5432/postgres").await?;
/// store.migrate().await?;
///
/// let account = StreamId::try_new("account-1")?;
/// let opened = NewEvent::new(SerializedEvent::new("Opened", "{}"), EventMetadata::new());
/// let written = store
///     .append(AppendBatch::single(account.clone(), ExpectedVersion::NO_STREAM, vec![opened]))
///     .await?;
/// assert_eq!(written.events[0].version.value(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.shared.schema)
            .field("pool_size", &self.shared.pool.size())
            .field("listening", &self.shared.running_follower().is_some())
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    pub(crate) fn new(pool: PgPool, settings: Settings) -> Self {
        Self {
            shared: Arc::new(Shared::new(pool, settings)),
        }
    }

    /// Creates or upgrades the schema, tables, indexes, triggers and the
    /// append procedure. Idempotent, and safe to run from several processes
    /// at once (they serialize on an advisory lock).
    #[tracing::instrument(name = "eventcore_postgres.migrate", skip_all, fields(schema = %self.shared.schema))]
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let pool = self.shared.pool_for("migrate").await?;
        migrate::run(pool, &self.shared.schema, self.shared.errors).await
    }

    /// Every migration this build embeds, with when the store's schema got
    /// it (`None`: pending, applied by the next [`migrate`](Self::migrate)),
    /// in order. Reads only: nothing is created.
    #[tracing::instrument(name = "eventcore_postgres.migrations", skip_all, fields(schema = %self.shared.schema))]
    pub async fn migrations(&self) -> Result<Vec<MigrationInfo>, StoreError> {
        let pool = self.shared.pool_for("migrations").await?;
        migrate::status(pool, &self.shared.schema, self.shared.errors).await
    }

    /// The pool the store uses, e.g. to run a read model's queries in the
    /// same database.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.shared.pool
    }

    /// The schema holding the store's tables.
    #[must_use]
    pub fn schema(&self) -> &SchemaName {
        &self.shared.schema
    }

    /// Checks that the database answers.
    #[tracing::instrument(name = "eventcore_postgres.ping", skip_all)]
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(self.shared.pool_for("connect").await?)
            .await
            .map(drop)
            .map_err(self.shared.errors.on("connect"))
    }

    /// Starts a [`Transaction`] on the store's pool that is safe to cancel
    /// at any point: unless it is committed or rolled back, its connection
    /// is closed, never returned to the pool mid-transaction.
    #[tracing::instrument(name = "eventcore_postgres.begin", skip_all)]
    pub async fn begin(&self) -> Result<Transaction, StoreError> {
        Transaction::begin(self.shared.pool_for("begin").await?, self.shared.errors).await
    }

    /// Appends a batch inside a transaction the caller controls, e.g. to
    /// commit events together with other changes (an outbox, a read model).
    ///
    /// The events become visible, and subscribers are notified, when the
    /// caller commits. Same checks and result as
    /// [`append`](EventStore::append); on a [`StoreError::VersionConflict`]
    /// the caller should roll back. Open the transaction with
    /// [`begin`](Self::begin), which is safe to cancel.
    ///
    /// ```no_run
    /// # use eventcore::store::AppendBatch;
    /// # use eventcore_postgres::PostgresStore;
    /// # async fn run(store: &PostgresStore, batch: AppendBatch) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut tx = store.begin().await?;
    /// let written = store.append_in(&mut tx, batch).await?;
    /// sqlx::query("UPDATE outbox_state SET last = $1")
    ///     .bind(written.events.len() as i64)
    ///     .execute(&mut *tx)
    ///     .await?;
    /// tx.commit().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[tracing::instrument(
        name = "eventcore_postgres.append_in",
        skip_all,
        fields(streams = batch.writes().len(), events = batch.event_count())
    )]
    pub async fn append_in(
        &self,
        conn: &mut PgConnection,
        batch: AppendBatch,
    ) -> Result<AppendResult, StoreError> {
        append::run(&self.shared, conn, append::Commit::Caller, batch).await
    }
}

impl EventStore for PostgresStore {
    #[tracing::instrument(name = "eventcore_postgres.read_streams", skip_all, fields(streams = streams.len()))]
    async fn read_streams(&self, streams: &[StreamId]) -> Result<StreamsRead, StoreError> {
        self.shared
            .metrics
            .operation("read_streams", read::read_streams(&self.shared, streams))
            .await
    }

    #[tracing::instrument(name = "eventcore_postgres.read_streams_after", skip_all, fields(streams = streams.len()))]
    async fn read_streams_after(
        &self,
        streams: &[(StreamId, StreamVersion)],
    ) -> Result<StreamsRead, StoreError> {
        self.shared
            .metrics
            .operation(
                "read_streams_after",
                read::read_streams_after(&self.shared, streams),
            )
            .await
    }

    #[tracing::instrument(
        name = "eventcore_postgres.append",
        skip_all,
        fields(streams = batch.writes().len(), events = batch.event_count())
    )]
    async fn append(&self, batch: AppendBatch) -> Result<AppendResult, StoreError> {
        let appended = self
            .shared
            .metrics
            .operation("append", append::commit(&self.shared, batch))
            .await?;
        self.shared.metrics.appended(appended.events.len());
        Ok(appended)
    }

    #[tracing::instrument(name = "eventcore_postgres.idempotency_record", skip_all, fields(key = %key))]
    async fn idempotency_record(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.shared
            .metrics
            .operation(
                "idempotency_record",
                append::idempotency_record(&self.shared, key),
            )
            .await
    }

    #[tracing::instrument(
        name = "eventcore_postgres.read_streams_keyed",
        skip_all,
        fields(streams = streams.len(), key = %key)
    )]
    async fn read_streams_keyed(
        &self,
        streams: &[(StreamId, StreamVersion)],
        key: &IdempotencyKey,
    ) -> Result<KeyedRead, StoreError> {
        self.shared
            .metrics
            .operation(
                "read_streams_keyed",
                append::read_streams_keyed(&self.shared, streams, key),
            )
            .await
    }

    #[tracing::instrument(name = "eventcore_postgres.purge_idempotency_records", skip_all)]
    async fn purge_idempotency_records(&self) -> Result<u64, StoreError> {
        self.shared
            .metrics
            .operation("purge_idempotency_records", append::purge(&self.shared))
            .await
    }

    #[tracing::instrument(name = "eventcore_postgres.stream_version", skip_all, fields(stream = %stream))]
    async fn stream_version(&self, stream: &StreamId) -> Result<StreamVersion, StoreError> {
        self.shared
            .metrics
            .operation("stream_version", read::stream_version(&self.shared, stream))
            .await
    }

    #[tracing::instrument(name = "eventcore_postgres.read_all", skip_all, fields(after = %after, limit))]
    async fn read_all(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let read = read_all::read_all_lenient(&self.shared, after, filter, limit);
        let entries = self.shared.metrics.operation("read_all", read).await?;
        Ok(entries.into_iter().collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(name = "eventcore_postgres.read_all_lenient", skip_all, fields(after = %after, limit))]
    async fn read_all_lenient(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<Result<StoredEvent, UndecodableEvent>>, StoreError> {
        self.shared
            .metrics
            .operation(
                "read_all_lenient",
                read_all::read_all_lenient(&self.shared, after, filter, limit),
            )
            .await
    }

    #[tracing::instrument(name = "eventcore_postgres.head_position", skip_all)]
    async fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        self.shared
            .metrics
            .operation("head_position", read_all::head_position(&self.shared))
            .await
    }

    #[tracing::instrument(name = "eventcore_postgres.count_events", skip_all, fields(after = %after, up_to = %up_to))]
    async fn count_events(
        &self,
        after: GlobalPosition,
        up_to: GlobalPosition,
        cap: u64,
    ) -> Result<u64, StoreError> {
        self.shared
            .metrics
            .operation(
                "count_events",
                read_all::count_events(&self.shared, after, up_to, cap),
            )
            .await
    }

    #[tracing::instrument(name = "eventcore_postgres.held_back", skip_all)]
    async fn held_back(&self) -> Result<Option<HeldBack>, StoreError> {
        self.shared
            .metrics
            .operation("held_back", read_all::held_back(&self.shared))
            .await
    }

    fn subscribe(&self) -> EventNotifications {
        let span = tracing::debug_span!("eventcore_postgres.subscribe");
        let _entered = span.enter();
        self.shared.follower();
        self.shared.hub.subscribe()
    }
}
