//! Every store keeps each event's schema version and the form of its
//! payload, and refuses the schema versions no store can keep.

use serde_json::Value;

use super::{
    payload_rules::expect_refused,
    support::{ConformanceStore, ScenarioResult, ensure_eq, stream},
};
use crate::{
    GlobalPosition,
    store::{AppendBatch, EventFilter, ExpectedVersion, NewEvent, SerializedEvent, StoredEvent},
    types::EventMetadata,
};

/// What a store must give back of an event: its type name, schema version,
/// payload form and payload value (stores may respell the JSON text).
fn kept(event: &SerializedEvent) -> Result<(String, u32, bool, Value), serde_json::Error> {
    Ok((
        event.event_type().to_owned(),
        event.schema_version(),
        event.is_legacy_tagged(),
        serde_json::from_str(event.payload())?,
    ))
}

/// Events at several schema versions, and one in the form stores kept
/// before schema versions, read back with their versions and forms, by
/// `read_streams` and by `read_all` alike.
pub async fn schema_versions_and_payload_forms_round_trip<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("schema-versions")?;
    let written = [
        SerializedEvent::new("Opened", "null"),
        SerializedEvent::new("Deposited", r#"{"cents":5}"#).with_schema_version(2),
        SerializedEvent::new("Renamed", r#"["a",1]"#).with_schema_version(2_147_483_647),
        SerializedEvent::legacy_tagged("Deposited", r#"{"Deposited":{"amount":5}}"#),
    ];
    let batch = AppendBatch::single(
        id.clone(),
        ExpectedVersion::NO_STREAM,
        written
            .iter()
            .map(|event| NewEvent::new(event.clone(), EventMetadata::new()))
            .collect(),
    );
    store.append(batch).await?;
    let expected = written.iter().map(kept).collect::<Result<Vec<_>, _>>()?;
    let read = store.read_streams(std::slice::from_ref(&id)).await?;
    let by_stream = read
        .stream(&id)
        .map_or(&[][..], |s| s.events())
        .iter()
        .map(|e| kept(e.payload()))
        .collect::<Result<Vec<_>, _>>()?;
    ensure_eq!(by_stream, expected, "read_streams keeps versions and forms");
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 100)
        .await?;
    let by_position = all
        .iter()
        .filter(|e| e.stream_id() == &id)
        .map(|e: &StoredEvent| kept(e.payload()))
        .collect::<Result<Vec<_>, _>>()?;
    ensure_eq!(by_position, expected, "read_all keeps versions and forms");
    Ok(())
}

/// A schema version outside 1 to `i32::MAX` is refused by every store
/// alike, naming the event and the range, and nothing is written.
pub async fn schema_versions_every_store_cannot_keep_are_refused_alike<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("schema-version-rules")?;
    for version in [0, 2_147_483_648, u32::MAX] {
        let bad = NewEvent::new(
            SerializedEvent::new("Bad", "{}").with_schema_version(version),
            EventMetadata::new(),
        );
        let shown = format!("schema version {version} is out of range");
        expect_refused(&store, &id, bad, &[&shown, "2147483647"]).await?;
    }
    Ok(())
}
