//! Appends: one `BEGIN IMMEDIATE` transaction per batch, in as few
//! statements as the batch allows (four for a batch without a key: begin,
//! one read of the head and every participant's version, one insert of
//! every event, commit).
//!
//! The transaction holds the file's write lock from its first statement,
//! so the versions it checks cannot change before it commits, and the
//! positions it takes (the head plus one, two, …) are the next ones to
//! commit: writers run one at a time, in the order they take the lock.
//! That is why a reader can never see a position before a lower one
//! (gap safety by construction, with nothing to wait for).

use std::fmt::Write as _;

use eventcore::{
    GlobalPosition, StoreError, StreamId, StreamVersion,
    store::{AppendBatch, AppendResult, AppendedEvent, ExpectedVersion, NewEvent},
};
use sqlx::{Row, SqliteConnection};

use super::{Shared, idempotency, to_i64, to_u64};

const OPERATION: &str = "append";

/// The head and each participant's version (in the order of the JSON
/// array of ids bound to `?1`), in one read. The head comes on every row,
/// and on a row of its own when there is no participant.
const CHECK: &str = "SELECT h.head, j.key AS ord, \
        (SELECT MAX(e.version) FROM events e WHERE e.stream_id = j.value) AS version \
    FROM (SELECT COALESCE(MAX(global_position), 0) AS head FROM events) h \
    LEFT JOIN json_each(?1) j";

/// The most events one INSERT statement carries (8 parameters each, well
/// within SQLite's limit of 32,766).
const ROWS_PER_INSERT: usize = 500;

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
    let (head, mut versions) = check(tx, &batch, &map).await?;
    if let Some(claim) = batch.idempotency() {
        idempotency::refuse_recorded(tx, claim, &map).await?;
    }
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
    let mut rows = Vec::with_capacity(result.events.capacity());
    for write in order {
        let (stream_id, events) = &mut parts[write];
        let Some(event) = events.next() else { continue };
        versions[write] = versions[write].next();
        let position = GlobalPosition::new(head + rows.len() as u64 + 1);
        result.events.push(AppendedEvent {
            stream_id: stream_id.clone(),
            version: versions[write],
            position,
            event_id: event.metadata().event_id(),
        });
        rows.push((write, event));
    }
    for chunk in result
        .events
        .chunks(ROWS_PER_INSERT)
        .zip(rows.chunks(ROWS_PER_INSERT))
    {
        insert(tx, chunk, &map).await?;
    }
    for ((stream_id, _), version) in parts.into_iter().zip(versions) {
        result.stream_versions.push((stream_id, version));
    }
    if let Some(claim) = claim {
        let first = GlobalPosition::new(head + 1);
        let last = GlobalPosition::new(head + result.events.len() as u64);
        idempotency::insert(tx, &claim, first, last, &map).await?;
    }
    Ok(result)
}

/// The head, and every participant's version checked against what the
/// batch expects: all of them before anything is written.
async fn check(
    tx: &mut SqliteConnection,
    batch: &AppendBatch,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<(u64, Vec<StreamVersion>), StoreError> {
    let ids: Vec<&str> = batch
        .writes()
        .iter()
        .map(|w| w.stream_id().as_str())
        .collect();
    let ids = serde_json::to_string(&ids).map_err(|e| StoreError::backend(OPERATION, e))?;
    let rows = sqlx::query(CHECK)
        .bind(ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?;
    let mut head = 0;
    let mut versions = vec![StreamVersion::INITIAL; batch.writes().len()];
    for row in &rows {
        head = to_u64("the head position", row.try_get("head").map_err(map)?)?;
        let Some(ord) = row.try_get::<Option<i64>, _>("ord").map_err(map)? else {
            continue;
        };
        let version: Option<i64> = row.try_get("version").map_err(map)?;
        if let Some(slot) = usize::try_from(ord).ok().and_then(|i| versions.get_mut(i)) {
            *slot = StreamVersion::new(to_u64("a stream's version", version.unwrap_or(0))?);
        }
    }
    for (write, actual) in batch.writes().iter().zip(&versions) {
        if let ExpectedVersion::Exact(expected) = write.expected()
            && *actual != expected
        {
            return Err(StoreError::VersionConflict {
                stream: write.stream_id().clone(),
                expected,
                actual: *actual,
            });
        }
    }
    Ok((head, versions))
}

/// Inserts `events` (where each lands) with their `rows` (the batch's
/// events) in one statement.
async fn insert(
    tx: &mut SqliteConnection,
    (events, rows): (&[AppendedEvent], &[(usize, NewEvent)]),
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<(), StoreError> {
    let mut sql = String::from(
        "INSERT INTO events (global_position, stream_id, version, event_id, event_type, \
         schema_version, payload, metadata) VALUES ",
    );
    for i in 0..events.len() {
        let p = i * 8;
        let separator = if i == 0 { "" } else { ", " };
        // Writing to a String cannot fail.
        let _ = write!(
            sql,
            "{separator}(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
            p + 1,
            p + 2,
            p + 3,
            p + 4,
            p + 5,
            p + 6,
            p + 7,
            p + 8
        );
    }
    let mut query = sqlx::query(&sql);
    for (appended, (_, event)) in events.iter().zip(rows) {
        let metadata = serde_json::to_string(event.metadata())
            .map_err(|e| StoreError::backend(OPERATION, e))?;
        let serialized = event.event();
        query = query
            .bind(to_i64("GlobalPosition", appended.position.value())?)
            .bind(appended.stream_id.as_str())
            .bind(to_i64("StreamVersion", appended.version.value())?)
            .bind(*appended.event_id.as_uuid())
            .bind(serialized.event_type())
            .bind((!serialized.is_legacy_tagged()).then(|| i64::from(serialized.schema_version())))
            .bind(serialized.payload())
            .bind(metadata);
    }
    query.execute(&mut *tx).await.map_err(map)?;
    Ok(())
}
