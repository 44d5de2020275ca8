//! Conversions between the port's types and column values.

use eventcore::{
    EventMetadata, GlobalPosition, SerializedEvent, StoreError, StreamId, StreamVersion,
    ValidationError, store::StoredEvent,
};
use sqlx::{Row, postgres::PgRow};

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
/// `version`, `event_type`, `payload` and `metadata` (both as text). `None`
/// when the row carries no event (a left join found none).
pub(crate) fn decode_event(
    row: &PgRow,
    errors: SqlxErrors,
    operation: &'static str,
) -> Result<Option<StoredEvent>, StoreError> {
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
    let metadata: String = row.try_get("metadata").map_err(&map)?;
    let stream_id = StreamId::try_new(&stream).map_err(|e| StoreError::Corrupt {
        detail: format!("event at position {position} has an invalid stream id: {e}"),
    })?;
    let version = to_version(&stream_id, version)?;
    let metadata: EventMetadata =
        serde_json::from_str(&metadata).map_err(|e| StoreError::Corrupt {
            detail: format!(
                "metadata of the event at {stream_id} version {version} (position {position}) \
                 does not decode: {e}"
            ),
        })?;
    Ok(Some(StoredEvent::new(
        stream_id,
        version,
        to_position(position)?,
        metadata,
        SerializedEvent::new(event_type, payload),
    )))
}
