//! Conversions between the port's types and column values.

use eventcore::{
    EventId, GlobalPosition, StoreError, StreamId, StreamVersion, ValidationError,
    store::{RawEvent, StoredEvent, UndecodableEvent},
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
    let metadata: String = row.try_get("metadata").map_err(&map)?;
    let Ok(position) = to_position(position) else {
        return Err(StoreError::Corrupt {
            detail: format!(
                "an event of stream {stream:?} has the negative global position {position}"
            ),
        });
    };
    let raw = RawEvent {
        position,
        stream_id: &stream,
        version: row.try_get("version").map_err(&map)?,
        event_type: row.try_get("event_type").map_err(&map)?,
        schema_version: row
            .try_get::<Option<i32>, _>("schema_version")
            .map_err(&map)?
            .map(i64::from),
        payload: row.try_get("payload").map_err(&map)?,
        metadata: &metadata,
    };
    Ok(Some(raw.decode(|| {
        row.try_get::<Option<Uuid>, _>("event_id")
            .ok()
            .flatten()
            .and_then(|id| EventId::try_from_uuid(id).ok())
    })))
}
