//! Reads. Each read is one statement, so it sees one consistent state of
//! the file; in WAL mode it neither waits for the writer nor holds it up.

use eventcore::{
    GlobalPosition, StoreError, StreamId, StreamVersion,
    store::{EventFilter, StoredEvent, StreamEvents, StreamsRead, UndecodableEvent},
};
use sqlx::Row;

use super::{
    Shared,
    rows::{EVENT_COLUMNS, decode_event, decode_row},
    to_i64, to_u64,
};

/// Each requested stream (first mention counts) with its version and its
/// events above the given version, in one statement: the request travels
/// as one JSON array of `[stream, after]` pairs.
pub(super) async fn streams_after(
    shared: &Shared,
    streams: &[(StreamId, StreamVersion)],
) -> Result<StreamsRead, StoreError> {
    const OPERATION: &str = "read_streams";
    let mut unique: Vec<&(StreamId, StreamVersion)> = Vec::with_capacity(streams.len());
    for entry in streams {
        if !unique.iter().any(|(id, _)| *id == entry.0) {
            unique.push(entry);
        }
    }
    let mut request = Vec::with_capacity(unique.len());
    for (id, after) in &unique {
        request.push(serde_json::json!([
            id.as_str(),
            to_i64("StreamVersion", after.value())?
        ]));
    }
    let sql = format!(
        "WITH req AS (SELECT CAST(key AS INTEGER) AS ord, value->>0 AS stream_id, \
                             value->>1 AS after FROM json_each(?1)) \
         SELECT req.ord, \
                COALESCE((SELECT MAX(v.version) FROM events v WHERE v.stream_id = req.stream_id), 0) \
                    AS current_version, \
                {EVENT_COLUMNS} \
         FROM req \
         LEFT JOIN events e ON e.stream_id = req.stream_id AND e.version > req.after \
         ORDER BY req.ord, e.version"
    );
    let map = shared.errors.on(OPERATION);
    let rows = sqlx::query(&sql)
        .bind(serde_json::Value::Array(request).to_string())
        .fetch_all(&shared.readers)
        .await
        .map_err(&map)?;
    let mut out: Vec<(StreamVersion, Vec<StoredEvent>)> = unique
        .iter()
        .map(|_| (StreamVersion::INITIAL, Vec::new()))
        .collect();
    for row in &rows {
        let ord: i64 = row.try_get("ord").map_err(&map)?;
        let version: i64 = row.try_get("current_version").map_err(&map)?;
        let slot = usize::try_from(ord)
            .ok()
            .and_then(|i| out.get_mut(i))
            .ok_or_else(|| StoreError::Corrupt {
                detail: format!("read_streams returned the unknown request index {ord}"),
            })?;
        slot.0 = StreamVersion::new(to_u64("a stream's version", version)?);
        if let Some(event) = decode_event(row, &map)? {
            slot.1.push(event);
        }
    }
    Ok(StreamsRead::new(
        unique
            .into_iter()
            .zip(out)
            .map(|((id, _), (version, events))| StreamEvents::new(id.clone(), version, events))
            .collect(),
    ))
}

pub(super) async fn stream_version(
    shared: &Shared,
    stream: &StreamId,
) -> Result<StreamVersion, StoreError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM events WHERE stream_id = ?1")
            .bind(stream.as_str())
            .fetch_one(&shared.readers)
            .await
            .map_err(shared.errors.on("stream_version"))?;
    Ok(StreamVersion::new(to_u64(
        "a stream's version",
        version.unwrap_or(0),
    )?))
}

/// Up to `limit` events after `after` matching `filter`, undecodable rows
/// in their places. Positions commit in order (one writer at a time), so
/// every committed event is visible: there are no gaps to wait for.
pub(super) async fn all(
    shared: &Shared,
    after: GlobalPosition,
    filter: &EventFilter,
    limit: usize,
) -> Result<Vec<Result<StoredEvent, UndecodableEvent>>, StoreError> {
    const OPERATION: &str = "read_all";
    if limit == 0 {
        return Ok(Vec::new());
    }
    let types = filter
        .event_types()
        .map(|types| serde_json::json!(types).to_string());
    let prefix = filter.stream_prefix();
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events e \
         WHERE e.global_position > ?1 \
           AND (?2 IS NULL OR substr(e.stream_id, 1, length(?2)) = ?2) \
           AND (?3 IS NULL OR e.event_type IN (SELECT value FROM json_each(?3))) \
         ORDER BY e.global_position LIMIT ?4"
    );
    let map = shared.errors.on(OPERATION);
    let rows = sqlx::query(&sql)
        .bind(to_i64("GlobalPosition", after.value())?)
        .bind(prefix)
        .bind(types)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&shared.readers)
        .await
        .map_err(&map)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        if let Some(entry) = decode_row(row, &map)? {
            out.push(entry);
        }
    }
    Ok(out)
}

pub(super) async fn head(shared: &Shared) -> Result<GlobalPosition, StoreError> {
    let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(global_position), 0) FROM events")
        .fetch_one(&shared.readers)
        .await
        .map_err(shared.errors.on("head_position"))?;
    Ok(GlobalPosition::new(to_u64("the head position", head)?))
}

pub(super) async fn count(
    shared: &Shared,
    after: GlobalPosition,
    up_to: GlobalPosition,
    cap: u64,
) -> Result<u64, StoreError> {
    if up_to <= after || cap == 0 {
        return Ok(0);
    }
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM events \
         WHERE global_position > ?1 AND global_position <= ?2 LIMIT ?3)",
    )
    .bind(to_i64("GlobalPosition", after.value())?)
    .bind(to_i64("GlobalPosition", up_to.value())?)
    .bind(i64::try_from(cap).unwrap_or(i64::MAX))
    .fetch_one(&shared.readers)
    .await
    .map_err(shared.errors.on("count_events"))?;
    to_u64("an event count", count)
}
