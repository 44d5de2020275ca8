//! Idempotency records, written in the transaction of the batch that
//! claims them.

use eventcore::{
    GlobalPosition, IdempotencyKey, StoreError,
    store::{IdempotencyClaim, IdempotencyRecord},
};
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use super::{
    Shared, from_micros, now_micros,
    rows::{EVENT_COLUMNS, decode_event},
    to_i64,
};

/// Refuses a claim on a key that is recorded and live.
pub(super) async fn refuse_recorded(
    tx: &mut SqliteConnection,
    claim: &IdempotencyClaim,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<(), StoreError> {
    let live: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM idempotency_keys WHERE key = ?1 AND (expires_us IS NULL OR expires_us > ?2)",
    )
    .bind(claim.key().as_str())
    .bind(now_micros())
    .fetch_optional(&mut *tx)
    .await
    .map_err(map)?;
    match live {
        Some(_) => Err(StoreError::IdempotencyKeyRecorded {
            key: claim.key().clone(),
        }),
        None => Ok(()),
    }
}

/// Records `claim` for the events at `first..=last` (none when `last` is
/// below `first`), replacing an expired record of its key.
pub(super) async fn insert(
    tx: &mut SqliteConnection,
    claim: &IdempotencyClaim,
    first: GlobalPosition,
    last: GlobalPosition,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<(), StoreError> {
    let recorded = now_micros();
    // A retention beyond what the clock can hold keeps the record for ever.
    let expires = claim
        .retention()
        .and_then(|r| i64::try_from(r.as_micros()).ok())
        .and_then(|r| recorded.checked_add(r));
    sqlx::query(
        "INSERT OR REPLACE INTO idempotency_keys \
         (key, command, fingerprint, recorded_us, expires_us, first_position, last_position) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(claim.key().as_str())
    .bind(claim.command())
    .bind(claim.fingerprint())
    .bind(recorded)
    .bind(expires)
    .bind(to_i64("GlobalPosition", first.value())?)
    .bind(to_i64("GlobalPosition", last.value())?)
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    Ok(())
}

/// The live record of `key`, with its events.
pub(super) async fn record(
    shared: &Shared,
    key: &IdempotencyKey,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    let map = shared.errors.on("idempotency_record");
    let row = sqlx::query(
        "SELECT command, fingerprint, recorded_us, expires_us, first_position, last_position \
         FROM idempotency_keys WHERE key = ?1 AND (expires_us IS NULL OR expires_us > ?2)",
    )
    .bind(key.as_str())
    .bind(now_micros())
    .fetch_optional(&shared.readers)
    .await
    .map_err(&map)?;
    let Some(row) = row else { return Ok(None) };
    let what = format!("the idempotency record of {key}");
    let command: String = row.try_get("command").map_err(&map)?;
    let fingerprint: Uuid = row.try_get("fingerprint").map_err(&map)?;
    let recorded_at = from_micros(&what, row.try_get("recorded_us").map_err(&map)?)?;
    let expires_at = match row.try_get::<Option<i64>, _>("expires_us").map_err(&map)? {
        Some(us) => Some(from_micros(&what, us)?),
        None => None,
    };
    let first: i64 = row.try_get("first_position").map_err(&map)?;
    let last: i64 = row.try_get("last_position").map_err(&map)?;
    // Events are never deleted, so the batch's events are still there.
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e \
         WHERE e.global_position BETWEEN ?1 AND ?2 ORDER BY e.global_position"
    ))
    .bind(first)
    .bind(last)
    .fetch_all(&shared.readers)
    .await
    .map_err(&map)?;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        if let Some(event) = decode_event(row, &map)? {
            events.push(event);
        }
    }
    Ok(Some(IdempotencyRecord::new(
        key.clone(),
        command,
        fingerprint,
        recorded_at,
        expires_at,
        events,
    )))
}

/// Deletes the expired records; returns how many.
pub(super) async fn purge(shared: &Shared) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM idempotency_keys WHERE expires_us IS NOT NULL AND expires_us <= ?1",
    )
    .bind(now_micros())
    .execute(&shared.writer)
    .await
    .map_err(shared.errors.on("purge_idempotency_records"))?;
    Ok(done.rows_affected())
}
