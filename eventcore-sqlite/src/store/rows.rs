//! Decoding event rows.

use eventcore::{
    EventId, EventMetadata, GlobalPosition, SerializedEvent, StoreError, StreamId, StreamVersion,
    store::{StoredEvent, UndecodableEvent},
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
    let version: i64 = row.try_get("version").map_err(map)?;
    let event_type: String = row.try_get("event_type").map_err(map)?;
    let schema_version: Option<i64> = row.try_get("schema_version").map_err(map)?;
    let payload: String = row.try_get("payload").map_err(map)?;
    let metadata: String = row.try_get("metadata").map_err(map)?;
    let Ok(global) = u64::try_from(position).map(GlobalPosition::new) else {
        return Err(StoreError::Corrupt {
            detail: format!(
                "an event of stream {stream:?} has the negative global position {position}"
            ),
        });
    };
    let undecodable = |reason: String| {
        let event = UndecodableEvent::new(global, reason)
            .with_stream(stream.as_str())
            .with_event_type(event_type.as_str());
        match row
            .try_get::<Uuid, _>("event_id")
            .ok()
            .and_then(|id| EventId::try_from_uuid(id).ok())
        {
            Some(id) => event.with_event_id(id),
            None => event,
        }
    };
    let stream_id = match StreamId::try_new(&stream) {
        Ok(id) => id,
        Err(e) => {
            return Ok(Some(Err(undecodable(format!(
                "its stream id is invalid: {e}"
            )))));
        }
    };
    let Ok(version) = u64::try_from(version).map(StreamVersion::new) else {
        return Ok(Some(Err(undecodable(format!(
            "its version {version} is negative"
        )))));
    };
    let metadata: EventMetadata = match serde_json::from_str(&metadata) {
        Ok(metadata) => metadata,
        Err(e) => {
            return Ok(Some(Err(undecodable(format!(
                "the metadata of version {version} does not decode: {e}"
            )))));
        }
    };
    let event = match schema_version.map(u32::try_from) {
        None => SerializedEvent::legacy_tagged(event_type, payload),
        Some(Ok(schema_version)) if schema_version >= 1 => {
            SerializedEvent::new(event_type, payload).with_schema_version(schema_version)
        }
        Some(_) => {
            return Ok(Some(Err(undecodable(format!(
                "the schema version {schema_version:?} of version {version} is out of range"
            )))));
        }
    };
    Ok(Some(Ok(StoredEvent::new(
        stream_id, version, global, metadata, event,
    ))))
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
