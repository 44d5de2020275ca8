//! Reading and purging the idempotency records appends write.

use chrono::{DateTime, Utc};
use eventcore::{IdempotencyKey, StoreError, Timestamp, store::IdempotencyRecord};
use sqlx::Row;
use uuid::Uuid;

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
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let command: String = first.try_get("command").map_err(&map)?;
    let fingerprint: Uuid = first.try_get("fingerprint").map_err(&map)?;
    let recorded_at: DateTime<Utc> = first.try_get("recorded_at").map_err(&map)?;
    let expires_at: Option<DateTime<Utc>> = first.try_get("expires_at").map_err(&map)?;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        events.extend(decode_event(row, shared.errors, OPERATION)?);
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
