//! Decoding event rows.

use eventcore::{
    EventId, GlobalPosition, StoreError,
    store::{RawEvent, StoredEvent, UndecodableEvent},
};
use sqlx::{Row, sqlite::SqliteRow};
use uuid::Uuid;

/// The event columns every query that returns events selects, in order.
pub(crate) const EVENT_COLUMNS: &str = "e.global_position, e.stream_id, e.version, e.event_id, \
     e.event_type, e.schema_version, e.payload, e.metadata";

/// Decodes the event columns of a row ([`EVENT_COLUMNS`]). `None` when the
/// row carries no event (a left join found none). A row whose values break
/// the library's rules comes back as an [`UndecodableEvent`]; only a
/// failure to read the columns at all is an error.
pub(crate) fn decode_row(
    row: &SqliteRow,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<Option<Result<StoredEvent, UndecodableEvent>>, StoreError> {
    let Some(position) = row
        .try_get::<Option<i64>, _>("global_position")
        .map_err(map)?
    else {
        return Ok(None);
    };
    let stream: String = row.try_get("stream_id").map_err(map)?;
    let metadata: String = row.try_get("metadata").map_err(map)?;
    let Ok(position) = u64::try_from(position).map(GlobalPosition::new) else {
        return Err(StoreError::Corrupt {
            detail: format!(
                "an event of stream {stream:?} has the negative global position {position}"
            ),
        });
    };
    let raw = RawEvent {
        position,
        stream_id: &stream,
        version: row.try_get("version").map_err(map)?,
        event_type: row.try_get("event_type").map_err(map)?,
        schema_version: row.try_get("schema_version").map_err(map)?,
        payload: row.try_get("payload").map_err(map)?,
        metadata: &metadata,
    };
    Ok(Some(raw.decode(|| {
        row.try_get::<Uuid, _>("event_id")
            .ok()
            .and_then(|id| EventId::try_from_uuid(id).ok())
    })))
}

/// Like [`decode_row`], but an undecodable row is [`StoreError::Corrupt`]
/// naming it.
pub(crate) fn decode_event(
    row: &SqliteRow,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<Option<StoredEvent>, StoreError> {
    match decode_row(row, map)? {
        Some(Ok(event)) => Ok(Some(event)),
        Some(Err(bad)) => Err(StoreError::Corrupt {
            detail: bad.to_string(),
        }),
        None => Ok(None),
    }
}
