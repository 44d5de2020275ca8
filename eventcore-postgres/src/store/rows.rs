//! Conversions between the port's types and column values.

use eventcore::{
    EventId, EventMetadata, GlobalPosition, SerializedEvent, StoreError, StreamId, StreamVersion,
    ValidationError,
    store::{StoredEvent, UndecodableEvent},
};
use sqlx::{Row, postgres::PgRow};
use uuid::Uuid;

use crate::error::SqlxErrors;

pub(crate) fn to_version(stream: &StreamId, value: i64) -> Result<StreamVersion, StoreError> {
    u64::try_from(value)
        .map(StreamVersion::new)
        .map_err(|_| StoreError::Corrupt {
            detail: format!("stream {stream} has the negative version {value}"),
        })
}

pub(crate) fn to_position(value: i64) -> Result<GlobalPosition, StoreError> {
    u64::try_from(value)
        .map(GlobalPosition::new)
        .map_err(|_| StoreError::Corrupt {
            detail: format!("negative global position {value}"),
        })
}

pub(crate) fn position_param(position: GlobalPosition) -> Result<i64, StoreError> {
    i64::try_from(position.value()).map_err(|_| {
        ValidationError::invalid("GlobalPosition", position, "must be at most i64::MAX").into()
    })
}

/// Decodes the event columns of a row: `global_position`, `stream_id`,
/// `version`, `event_type`, `schema_version`, `payload` and `metadata` (both
/// as text). `None`
/// when the row carries no event (a left join found none); a row that does
/// not decode is [`StoreError::Corrupt`] naming it.
pub(crate) fn decode_event(
    row: &PgRow,
    errors: SqlxErrors,
    operation: &'static str,
) -> Result<Option<StoredEvent>, StoreError> {
    match decode_row(row, errors, operation)? {
        Some(decoded) => Ok(Some(decoded?)),
        None => Ok(None),
    }
}

/// Like [`decode_event`], but a row whose values break the library's rules
/// comes back as an [`UndecodableEvent`] (with the row's `event_id` when the
/// query selects it) instead of failing; only a failure to read the columns
/// at all is an error.
pub(crate) fn decode_row(
    row: &PgRow,
    errors: SqlxErrors,
    operation: &'static str,
) -> Result<Option<Result<StoredEvent, UndecodableEvent>>, StoreError> {
    let map = errors.on(operation);
    let Some(position) = row
        .try_get::<Option<i64>, _>("global_position")
        .map_err(&map)?
    else {
        return Ok(None);
    };
    let stream: String = row.try_get("stream_id").map_err(&map)?;
    let version: i64 = row.try_get("version").map_err(&map)?;
    let event_type: String = row.try_get("event_type").map_err(&map)?;
    let payload: String = row.try_get("payload").map_err(&map)?;
    let schema_version: Option<i32> = row.try_get("schema_version").map_err(&map)?;
    let metadata: String = row.try_get("metadata").map_err(&map)?;
    let Ok(global) = to_position(position) else {
        return Err(StoreError::Corrupt {
            detail: format!(
                "an event of stream {stream:?} has the negative global position {position}"
            ),
        });
    };
    let undecodable = |reason: String| {
        let row_id = row
            .try_get::<Option<Uuid>, _>("event_id")
            .ok()
            .flatten()
            .and_then(|id| EventId::try_from_uuid(id).ok());
        let event = UndecodableEvent::new(global, reason)
            .with_stream(stream.as_str())
            .with_event_type(event_type.as_str());
        match row_id {
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
    // NULL: written before schema versions, in serde's tagged form.
    let event = match schema_version.map(u32::try_from) {
        None => SerializedEvent::legacy_tagged(event_type, payload),
        Some(Ok(schema_version)) if schema_version >= 1 => {
            SerializedEvent::new(event_type, payload).with_schema_version(schema_version)
        }
        Some(_) => {
            return Ok(Some(Err(undecodable(format!(
                "the schema version {schema_version:?} of version {version} is below 1"
            )))));
        }
    };
    Ok(Some(Ok(StoredEvent::new(
        stream_id, version, global, metadata, event,
    ))))
}
