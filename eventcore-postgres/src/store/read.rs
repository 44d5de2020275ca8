//! Reading streams: their events and current versions, in one statement.

use std::collections::HashSet;

use eventcore::{
    StoreError, StreamId, StreamVersion, ValidationError,
    store::{StreamEvents, StreamsRead},
};
use sqlx::{Row, postgres::PgRow};

use super::{
    rows::{decode_event, to_version},
    shared::Shared,
};

/// Every event of each stream (duplicates read once).
pub(super) async fn read_streams(
    shared: &Shared,
    streams: &[StreamId],
) -> Result<StreamsRead, StoreError> {
    let mut seen = HashSet::with_capacity(streams.len());
    let unique: Vec<(&StreamId, i64)> = streams
        .iter()
        .filter(|s| seen.insert(*s))
        .map(|s| (s, 0))
        .collect();
    read_tails(shared, &unique, "read_streams").await
}

/// Each stream's events after the given version (the first mention of a
/// stream counts).
pub(super) async fn read_streams_after(
    shared: &Shared,
    streams: &[(StreamId, StreamVersion)],
) -> Result<StreamsRead, StoreError> {
    read_tails(shared, &unique_after(streams)?, "read_streams_after").await
}

/// The streams to read after their versions, each once (the first mention
/// counts), with the versions as the database's `bigint`.
pub(crate) fn unique_after(
    streams: &[(StreamId, StreamVersion)],
) -> Result<Vec<(&StreamId, i64)>, StoreError> {
    let mut seen = HashSet::with_capacity(streams.len());
    let mut unique: Vec<(&StreamId, i64)> = Vec::with_capacity(streams.len());
    for (id, after) in streams {
        if seen.insert(id) {
            let after = i64::try_from(after.value()).map_err(|_| {
                ValidationError::invalid("StreamVersion", after, "must be at most i64::MAX")
            })?;
            unique.push((id, after));
        }
    }
    Ok(unique)
}

/// Reads each stream's version and its events above the given version,
/// in one statement (one snapshot).
async fn read_tails(
    shared: &Shared,
    streams: &[(&StreamId, i64)],
    operation: &'static str,
) -> Result<StreamsRead, StoreError> {
    if streams.is_empty() {
        return Ok(StreamsRead::default());
    }
    let ids: Vec<&str> = streams.iter().map(|(s, _)| s.as_str()).collect();
    let after: Vec<i64> = streams.iter().map(|(_, a)| *a).collect();
    let map = shared.errors.on(operation);
    let rows = sqlx::query(&shared.sql.read_streams)
        .bind(&ids)
        .bind(&after)
        .fetch_all(shared.pool_for(operation).await?)
        .await
        .map_err(&map)?;
    tails_from_rows(shared, streams, &rows, operation)
}

/// Assembles the streams read by `read_streams.sql` (or the stream rows of
/// `read_streams_keyed.sql`): rows in stream order, `stream_index` counting
/// from 1, at least one row per stream.
pub(crate) fn tails_from_rows(
    shared: &Shared,
    streams: &[(&StreamId, i64)],
    rows: &[PgRow],
    operation: &'static str,
) -> Result<StreamsRead, StoreError> {
    let map = shared.errors.on(operation);
    let mut out: Vec<StreamEvents> = Vec::with_capacity(streams.len());
    let mut rows = rows.iter().peekable();
    for (index, (id, _)) in (1_i64..).zip(streams) {
        let mut version = StreamVersion::INITIAL;
        let mut events = Vec::new();
        while let Some(row) = rows.next_if(|r| {
            r.try_get::<i64, _>("stream_index")
                .is_ok_and(|i| i == index)
        }) {
            version = to_version(id, row.try_get("stream_version").map_err(&map)?)?;
            events.extend(decode_event(row, shared.errors, operation)?);
        }
        out.push(StreamEvents::new((*id).clone(), version, events));
    }
    Ok(StreamsRead::new(out))
}

/// The stream's current version (0 if it does not exist).
pub(super) async fn stream_version(
    shared: &Shared,
    stream: &StreamId,
) -> Result<StreamVersion, StoreError> {
    let version: Option<i64> = sqlx::query_scalar(&shared.sql.stream_version)
        .bind(stream.as_str())
        .fetch_optional(shared.pool_for("stream_version").await?)
        .await
        .map_err(shared.errors.on("stream_version"))?;
    version.map_or(Ok(StreamVersion::INITIAL), |v| to_version(stream, v))
}
