//! The port, implemented on one SQLite file.

mod append;
mod convert;
mod idempotency;
mod projection;
mod read;
mod rows;
mod schedule;
mod snapshot;
mod write;

use std::sync::Arc;

use eventcore::{
    GlobalPosition, IdempotencyKey, StoreError, StreamId, StreamVersion,
    metrics::StoreMetrics,
    store::{
        AppendBatch, AppendResult, EventFilter, EventNotifications, EventStore, IdempotencyRecord,
        NotificationHub, StoredEvent, StreamsRead, UndecodableEvent,
    },
};
use sqlx::SqlitePool;

use crate::{SqliteStore, error::SqliteErrors};

use self::convert::{from_micros, micros, now_micros, to_i64, to_u64};
pub(crate) use self::projection::save_checkpoint_in;
pub use self::write::WriteTransaction;

/// What every clone of a store shares.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The file, for messages.
    pub path: Arc<str>,
    /// The one connection that writes: tasks of this process queue for it,
    /// and its `BEGIN IMMEDIATE` queues behind other processes' writes.
    pub writer: SqlitePool,
    /// Connections that only read; in WAL mode they never wait for the
    /// writer, nor it for them.
    pub readers: SqlitePool,
    pub hub: NotificationHub,
    /// The poll for other processes' commits, and how to stop it.
    pub follower: std::sync::Mutex<Option<crate::follower::Follower>>,
    pub metrics: StoreMetrics,
    pub errors: SqliteErrors,
    /// The directory of a [`SqliteStore::temporary`] store, removed when
    /// the last clone is dropped (after the connections, declared above).
    pub _temporary: Option<tempfile::TempDir>,
}

impl Shared {
    /// A write transaction: `BEGIN IMMEDIATE` takes the file's write lock
    /// at once (waiting up to the busy timeout for another process), so
    /// nothing it reads can change before it commits. Dropping it without
    /// committing rolls it back.
    pub(crate) async fn begin(
        &self,
        operation: &'static str,
    ) -> Result<WriteTransaction, StoreError> {
        WriteTransaction::begin(&self.writer, &self.errors, operation).await
    }
}

impl EventStore for SqliteStore {
    async fn read_streams(&self, streams: &[StreamId]) -> Result<StreamsRead, StoreError> {
        let from_start: Vec<(StreamId, StreamVersion)> = streams
            .iter()
            .map(|id| (id.clone(), StreamVersion::INITIAL))
            .collect();
        self.shared
            .metrics
            .operation(
                "read_streams",
                read::streams_after(&self.shared, &from_start),
            )
            .await
    }

    async fn read_streams_after(
        &self,
        streams: &[(StreamId, StreamVersion)],
    ) -> Result<StreamsRead, StoreError> {
        self.shared
            .metrics
            .operation(
                "read_streams_after",
                read::streams_after(&self.shared, streams),
            )
            .await
    }

    async fn append(&self, batch: AppendBatch) -> Result<AppendResult, StoreError> {
        let appended = self
            .shared
            .metrics
            .operation("append", append::append(&self.shared, batch))
            .await?;
        self.shared.metrics.appended(appended.events.len());
        if let Some(last) = appended.events.iter().map(|e| e.position).max() {
            self.shared.hub.notify(last);
        }
        Ok(appended)
    }

    async fn idempotency_record(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.shared
            .metrics
            .operation("idempotency_record", idempotency::record(&self.shared, key))
            .await
    }

    async fn purge_idempotency_records(&self) -> Result<u64, StoreError> {
        idempotency::purge(&self.shared).await
    }

    async fn stream_version(&self, stream: &StreamId) -> Result<StreamVersion, StoreError> {
        read::stream_version(&self.shared, stream).await
    }

    async fn read_all(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.shared
            .metrics
            .operation("read_all", async {
                read::all(&self.shared, after, filter, limit)
                    .await?
                    .into_iter()
                    .map(|entry| {
                        entry.map_err(|bad| StoreError::Corrupt {
                            detail: format!("{}: {bad}", self.shared.path),
                        })
                    })
                    .collect()
            })
            .await
    }

    async fn read_all_lenient(
        &self,
        after: GlobalPosition,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<Result<StoredEvent, UndecodableEvent>>, StoreError> {
        self.shared
            .metrics
            .operation("read_all", read::all(&self.shared, after, filter, limit))
            .await
    }

    async fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        read::head(&self.shared).await
    }

    async fn count_events(
        &self,
        after: GlobalPosition,
        up_to: GlobalPosition,
        cap: u64,
    ) -> Result<u64, StoreError> {
        read::count(&self.shared, after, up_to, cap).await
    }

    fn subscribe(&self) -> EventNotifications {
        self.shared.hub.subscribe()
    }
}
