//! Appends: one `BEGIN IMMEDIATE` transaction per batch.
//!
//! The transaction holds the file's write lock from its first statement,
//! so the versions it checks cannot change before it commits, and the
//! positions it takes (the head plus one, two, …) are the next ones to
//! commit: writers run one at a time, in the order they take the lock.
//! That is why a reader can never see a position before a lower one
//! (gap safety by construction, with nothing to wait for).

use eventcore::{
    GlobalPosition, StoreError, StreamId, StreamVersion,
    store::{AppendBatch, AppendResult, AppendedEvent, ExpectedVersion, NewEvent},
};
use sqlx::SqliteConnection;

use super::{Shared, idempotency, to_i64, to_u64};

const OPERATION: &str = "append";

const INSERT_EVENT: &str = "INSERT INTO events \
    (global_position, stream_id, version, event_id, event_type, schema_version, payload, metadata) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

const SET_VERSION: &str = "INSERT INTO streams (stream_id, version) VALUES (?1, ?2) \
    ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version";

pub(super) async fn append(
    shared: &Shared,
    batch: AppendBatch,
) -> Result<AppendResult, StoreError> {
    batch.check_payloads()?;
    let mut tx = shared.begin(OPERATION).await?;
    let result = write(&mut tx, shared, batch).await;
    tx.end(result).await
}

/// The batch's checks and writes, inside the transaction.
async fn write(
    tx: &mut SqliteConnection,
    shared: &Shared,
    batch: AppendBatch,
) -> Result<AppendResult, StoreError> {
    let map = shared.errors.on(OPERATION);
    // Every participant is checked before anything is written.
    let mut versions = Vec::with_capacity(batch.writes().len());
    for write in batch.writes() {
        let actual = current_version(tx, write.stream_id(), &map).await?;
        if let ExpectedVersion::Exact(expected) = write.expected()
            && actual != expected
        {
            return Err(StoreError::VersionConflict {
                stream: write.stream_id().clone(),
                expected,
                actual,
            });
        }
        versions.push(actual);
    }
    if let Some(claim) = batch.idempotency() {
        idempotency::refuse_recorded(tx, claim, &map).await?;
    }
    let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(global_position), 0) FROM events")
        .fetch_one(&mut *tx)
        .await
        .map_err(&map)?;
    let head = to_u64("the head position", head)?;
    let claim = batch.idempotency().cloned();
    let mut result = AppendResult {
        events: Vec::with_capacity(batch.event_count()),
        stream_versions: Vec::with_capacity(batch.writes().len()),
    };
    // Positions follow the batch's emission order.
    let (writes, order) = batch.into_parts();
    let mut parts: Vec<(StreamId, std::vec::IntoIter<NewEvent>)> = writes
        .into_iter()
        .map(|write| {
            let (stream_id, _, events) = write.into_parts();
            (stream_id, events.into_iter())
        })
        .collect();
    for write in order {
        let (stream_id, events) = &mut parts[write];
        let Some(event) = events.next() else { continue };
        versions[write] = versions[write].next();
        let position = GlobalPosition::new(head + result.events.len() as u64 + 1);
        insert(tx, stream_id, versions[write], position, &event, &map).await?;
        result.events.push(AppendedEvent {
            stream_id: stream_id.clone(),
            version: versions[write],
            position,
            event_id: event.metadata().event_id(),
        });
    }
    for ((stream_id, _), version) in parts.into_iter().zip(versions) {
        if !version.is_initial() {
            sqlx::query(SET_VERSION)
                .bind(stream_id.as_str())
                .bind(to_i64("StreamVersion", version.value())?)
                .execute(&mut *tx)
                .await
                .map_err(&map)?;
        }
        result.stream_versions.push((stream_id, version));
    }
    if let Some(claim) = claim {
        let first = GlobalPosition::new(head + 1);
        let last = GlobalPosition::new(head + result.events.len() as u64);
        idempotency::insert(tx, &claim, first, last, &map).await?;
    }
    Ok(result)
}

async fn current_version(
    tx: &mut SqliteConnection,
    stream: &StreamId,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<StreamVersion, StoreError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT version FROM streams WHERE stream_id = ?1")
            .bind(stream.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?;
    Ok(StreamVersion::new(to_u64(
        "a stream's version",
        version.unwrap_or(0),
    )?))
}

async fn insert(
    tx: &mut SqliteConnection,
    stream: &StreamId,
    version: StreamVersion,
    position: GlobalPosition,
    event: &NewEvent,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<(), StoreError> {
    let metadata =
        serde_json::to_string(event.metadata()).map_err(|e| StoreError::backend(OPERATION, e))?;
    let serialized = event.event();
    sqlx::query(INSERT_EVENT)
        .bind(to_i64("GlobalPosition", position.value())?)
        .bind(stream.as_str())
        .bind(to_i64("StreamVersion", version.value())?)
        .bind(*event.metadata().event_id().as_uuid())
        .bind(serialized.event_type())
        .bind((!serialized.is_legacy_tagged()).then(|| i64::from(serialized.schema_version())))
        .bind(serialized.payload())
        .bind(metadata)
        .execute(&mut *tx)
        .await
        .map_err(map)?;
    Ok(())
}
