//! Reading and purging the idempotency records appends write, and the
//! keyed read an idempotent execution starts with.

use chrono::{DateTime, Utc};
use eventcore::{
    IdempotencyKey, StoreError, StreamId, StreamVersion, Timestamp,
    store::{IdempotencyRecord, KeyedRead, StreamsRead},
};
use sqlx::{Row, postgres::PgRow};
use uuid::Uuid;

use crate::store::read::{tails_from_rows, unique_after};
use crate::store::rows::decode_event;
use crate::store::shared::Shared;

/// The live record of `key`, with the events its batch wrote.
pub(crate) async fn idempotency_record(
    shared: &Shared,
    key: &IdempotencyKey,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    const OPERATION: &str = "idempotency_record";
    let map = shared.errors.on(OPERATION);
    let rows = sqlx::query(&shared.sql.idempotency_record)
        .bind(key.as_str())
        .fetch_all(shared.pool_for(OPERATION).await?)
        .await
        .map_err(&map)?;
    record_from_rows(shared, key, &rows, OPERATION)
}

/// An idempotent execution's first read: the key's live record, or the
/// streams after the given versions, in one statement (one snapshot).
pub(crate) async fn read_streams_keyed(
    shared: &Shared,
    streams: &[(StreamId, StreamVersion)],
    key: &IdempotencyKey,
) -> Result<KeyedRead, StoreError> {
    const OPERATION: &str = "read_streams_keyed";
    let unique = unique_after(streams)?;
    let ids: Vec<&str> = unique.iter().map(|(s, _)| s.as_str()).collect();
    let after: Vec<i64> = unique.iter().map(|(_, a)| *a).collect();
    let map = shared.errors.on(OPERATION);
    let rows = sqlx::query(&shared.sql.read_streams_keyed)
        .bind(&ids)
        .bind(&after)
        .bind(key.as_str())
        .fetch_all(shared.pool_for(OPERATION).await?)
        .await
        .map_err(&map)?;
    let recorded = match rows.first() {
        Some(first) => first.try_get::<i64, _>("stream_index").map_err(&map)? == 0,
        None => false,
    };
    if recorded {
        let record = record_from_rows(shared, key, &rows, OPERATION)?;
        Ok(record.map_or_else(
            || KeyedRead::Streams(StreamsRead::default()),
            KeyedRead::Recorded,
        ))
    } else {
        Ok(KeyedRead::Streams(tails_from_rows(
            shared, &unique, &rows, OPERATION,
        )?))
    }
}

/// The record in `rows` (the key's columns on every row, then the
/// events), if there are any rows.
fn record_from_rows(
    shared: &Shared,
    key: &IdempotencyKey,
    rows: &[PgRow],
    operation: &'static str,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    let map = shared.errors.on(operation);
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let command: String = first.try_get("command").map_err(&map)?;
    let fingerprint: Uuid = first.try_get("fingerprint").map_err(&map)?;
    let recorded_at: DateTime<Utc> = first.try_get("recorded_at").map_err(&map)?;
    let expires_at: Option<DateTime<Utc>> = first.try_get("expires_at").map_err(&map)?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        events.extend(decode_event(row, shared.errors, operation)?);
    }
    Ok(Some(IdempotencyRecord::new(
        key.clone(),
        command,
        fingerprint,
        Timestamp::from(recorded_at),
        expires_at.map(Timestamp::from),
        events,
    )))
}

/// Deletes the expired records; returns how many went.
pub(crate) async fn purge(shared: &Shared) -> Result<u64, StoreError> {
    const OPERATION: &str = "purge_idempotency_records";
    let done = sqlx::query(&shared.sql.purge_idempotency_keys)
        .execute(shared.pool_for(OPERATION).await?)
        .await
        .map_err(shared.errors.on(OPERATION))?;
    Ok(done.rows_affected())
}
