use serde_json::{Value, json};

use super::support::{
    ConformanceStore, ScenarioResult, append_to, append_writes, ensure, ensure_eq, events,
    payload_n, stream,
};
use crate::{
    GlobalPosition, StreamVersion,
    store::{AppendBatch, EventFilter, NewEvent, SerializedEvent, StreamWrite},
    types::{CausationId, CorrelationId, EventId, EventMetadata, Timestamp, UserId},
};

/// Appended events read back with the same stream, versions, types and payloads.
pub async fn append_and_read_round_trip<S: ConformanceStore>(store: S) -> ScenarioResult {
    let id = stream("round-trip-1")?;
    append_to(&store, &id, 0, events("Opened", 3)).await?;
    let read = store.read_streams(std::slice::from_ref(&id)).await?;
    let got = read
        .stream(&id)
        .ok_or("requested stream missing from the read")?;
    ensure_eq!(
        got.version(),
        StreamVersion::new(3),
        "stream version after 3 events"
    );
    ensure_eq!(got.events().len(), 3, "number of events read");
    for (i, e) in got.events().iter().enumerate() {
        let n = i as u64 + 1;
        ensure_eq!(e.stream_id(), &id, "stream id of event {n}");
        ensure_eq!(e.version(), StreamVersion::new(n), "version of event {n}");
        ensure_eq!(e.event_type(), "Opened", "type of event {n}");
        ensure_eq!(payload_n(e.json()), Some(n), "payload of event {n}");
    }
    Ok(())
}

/// A stream nobody wrote reads as empty at version 0 and does not exist.
pub async fn missing_stream_reads_empty_at_version_zero<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("never-written")?;
    let read = store.read_streams(std::slice::from_ref(&id)).await?;
    let got = read
        .stream(&id)
        .ok_or("a missing stream must still be listed")?;
    ensure_eq!(
        got.version(),
        StreamVersion::INITIAL,
        "version of a missing stream"
    );
    ensure!(got.events().is_empty(), "a missing stream has no events");
    ensure_eq!(
        store.stream_version(&id).await?,
        StreamVersion::INITIAL,
        "stream_version"
    );
    ensure!(
        !store.stream_exists(&id).await?,
        "stream_exists must be false"
    );
    Ok(())
}

/// A fresh store has head position START and `read_all` returns nothing.
pub async fn empty_store_has_start_head_and_no_events<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    ensure_eq!(
        store.head_position().await?,
        GlobalPosition::START,
        "head of an empty store"
    );
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 100)
        .await?;
    ensure!(
        all.is_empty(),
        "read_all on an empty store returned {} events",
        all.len()
    );
    let nothing = store.read_streams(&[]).await?;
    ensure!(
        nothing.streams().is_empty(),
        "reading no streams returns no streams"
    );
    Ok(())
}

/// Asking for the same stream twice returns it once.
pub async fn read_streams_collapses_duplicate_ids<S: ConformanceStore>(store: S) -> ScenarioResult {
    let id = stream("dup-read")?;
    append_to(&store, &id, 0, events("Opened", 2)).await?;
    let read = store
        .read_streams(&[id.clone(), id.clone(), id.clone()])
        .await?;
    ensure_eq!(read.streams().len(), 1, "duplicate ids must collapse");
    ensure_eq!(
        read.version_of(&id),
        StreamVersion::new(2),
        "version of the collapsed stream"
    );
    ensure_eq!(
        read.streams()[0].events().len(),
        2,
        "events are not repeated"
    );
    Ok(())
}

/// Streams come back in the order they were first requested.
pub async fn read_streams_returns_streams_in_request_order<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (a, b, c) = (stream("order-a")?, stream("order-b")?, stream("order-c")?);
    append_to(&store, &a, 0, events("A", 1)).await?;
    append_to(&store, &c, 0, events("C", 2)).await?;
    let read = store
        .read_streams(&[c.clone(), b.clone(), a.clone(), c.clone()])
        .await?;
    let order: Vec<_> = read
        .streams()
        .iter()
        .map(|s| s.stream_id().clone())
        .collect();
    ensure_eq!(order, vec![c.clone(), b.clone(), a.clone()], "stream order");
    ensure_eq!(read.version_of(&a), StreamVersion::new(1), "version of a");
    ensure_eq!(
        read.version_of(&b),
        StreamVersion::INITIAL,
        "version of missing b"
    );
    ensure_eq!(read.version_of(&c), StreamVersion::new(2), "version of c");
    Ok(())
}

/// `stream_version` and `stream_exists` follow appends.
pub async fn stream_version_and_exists_track_appends<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("exists-1")?;
    ensure!(!store.stream_exists(&id).await?, "not yet written");
    append_to(&store, &id, 0, events("E", 1)).await?;
    ensure!(store.stream_exists(&id).await?, "exists after one event");
    ensure_eq!(
        store.stream_version(&id).await?,
        StreamVersion::new(1),
        "version after one"
    );
    append_to(&store, &id, 1, events("E", 4)).await?;
    ensure_eq!(
        store.stream_version(&id).await?,
        StreamVersion::new(5),
        "version after five"
    );
    Ok(())
}

/// Every metadata field survives storage unchanged.
pub async fn metadata_round_trips<S: ConformanceStore>(store: S) -> ScenarioResult {
    let id = stream("meta-1")?;
    let at = Timestamp::now();
    let metadata = EventMetadata::builder()
        .event_id(EventId::new())
        .correlation_id(CorrelationId::new())
        .causation_id(CausationId::from(EventId::new()))
        .actor(UserId::try_new("alice@example.com")?)
        .timestamp(at)
        .custom("tenant", "acme")
        .custom("attempt", 3)
        .custom("tags", json!(["a", "b"]))
        .build();
    let sent = NewEvent::new(SerializedEvent::new("Opened", "{}"), metadata.clone());
    append_to(&store, &id, 0, vec![sent]).await?;
    let read = store.read_streams(std::slice::from_ref(&id)).await?;
    let got = read
        .stream(&id)
        .and_then(|s| s.events().first())
        .ok_or("event missing")?;
    ensure_eq!(got.metadata(), &metadata, "metadata after a round trip");
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 10)
        .await?;
    let via_all = all.first().ok_or("read_all lost the event")?;
    ensure_eq!(via_all.metadata(), &metadata, "metadata through read_all");
    Ok(())
}

/// Nested, unicode and escaped JSON payloads come back equal as JSON.
pub async fn payload_round_trips_nested_unicode_json<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("payload-1")?;
    let value = json!({
        "name": "Zoë \u{1F600} \"quoted\" \\ back",
        "nested": { "list": [1, 2.5, null, true, { "deep": "ß" }] },
        "big": 9_007_199_254_740_993_u64,
        "empty": {}
    });
    let sent = NewEvent::new(
        SerializedEvent::new("Rich", value.to_string()),
        EventMetadata::new(),
    );
    append_to(&store, &id, 0, vec![sent]).await?;
    let read = store.read_streams(std::slice::from_ref(&id)).await?;
    let got = read
        .stream(&id)
        .and_then(|s| s.events().first())
        .ok_or("event missing")?;
    let decoded: Value = serde_json::from_str(got.json())?;
    ensure_eq!(decoded, value, "payload as JSON");
    Ok(())
}

/// Stream ids with unicode, spaces and punctuation round-trip; the longest
/// allowed id works.
pub async fn stream_ids_round_trip_unicode<S: ConformanceStore>(store: S) -> ScenarioResult {
    let odd = stream("kōnto/Ωmega 42_%'\"")?;
    let long = stream(&"é".repeat(crate::StreamId::MAX_CHARS))?;
    append_writes(
        &store,
        vec![
            StreamWrite::new(odd.clone(), StreamVersion::INITIAL, events("E", 1)),
            StreamWrite::new(long.clone(), StreamVersion::INITIAL, events("E", 1)),
        ],
    )
    .await?;
    let read = store.read_streams(&[odd.clone(), long.clone()]).await?;
    ensure_eq!(
        read.version_of(&odd),
        StreamVersion::new(1),
        "odd id version"
    );
    ensure_eq!(
        read.version_of(&long),
        StreamVersion::new(1),
        "255-character id version"
    );
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 10)
        .await?;
    let ids: Vec<_> = all.iter().map(|e| e.stream_id().clone()).collect();
    ensure_eq!(ids, vec![odd, long], "ids through read_all");
    Ok(())
}

/// A batch with no streams, or only empty writes, succeeds and writes nothing.
pub async fn empty_batch_is_a_no_op<S: ConformanceStore>(store: S) -> ScenarioResult {
    let result = store.append(AppendBatch::default()).await?;
    ensure!(
        result.events.is_empty(),
        "an empty batch wrote {:?}",
        result.events
    );
    let id = stream("noop-1")?;
    let result = append_to(&store, &id, 0, Vec::new()).await?;
    ensure!(
        result.events.is_empty(),
        "a batch without events wrote {:?}",
        result.events
    );
    ensure_eq!(
        store.stream_version(&id).await?,
        StreamVersion::INITIAL,
        "stream untouched"
    );
    ensure_eq!(
        store.head_position().await?,
        GlobalPosition::START,
        "head untouched"
    );
    Ok(())
}

/// `read_streams_after` returns each stream's current version and only the
/// events above the given version.
pub async fn read_streams_after_returns_only_newer_events<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (a, b, missing) = (stream("tail-a")?, stream("tail-b")?, stream("tail-none")?);
    append_to(&store, &a, 0, events("E", 5)).await?;
    append_to(&store, &b, 0, events("E", 2)).await?;
    let read = store
        .read_streams_after(&[
            (a.clone(), StreamVersion::new(3)),
            (b.clone(), StreamVersion::INITIAL),
            (missing.clone(), StreamVersion::INITIAL),
            (a.clone(), StreamVersion::new(1)),
        ])
        .await?;
    ensure_eq!(read.streams().len(), 3, "duplicates collapse");
    let versions = |id: &crate::StreamId| -> Vec<u64> {
        read.stream(id)
            .map(|s| s.events().iter().map(|e| e.version().value()).collect())
            .unwrap_or_default()
    };
    ensure_eq!(
        read.version_of(&a),
        StreamVersion::new(5),
        "a's current version"
    );
    ensure_eq!(versions(&a), vec![4, 5], "a's events after version 3");
    ensure_eq!(versions(&b), vec![1, 2], "b's events after version 0");
    ensure_eq!(
        read.version_of(&missing),
        StreamVersion::INITIAL,
        "missing stream"
    );
    let up_to_date = store
        .read_streams_after(&[(a.clone(), StreamVersion::new(5))])
        .await?;
    ensure!(
        up_to_date.streams()[0].events().is_empty(),
        "nothing after the current version"
    );
    ensure_eq!(
        up_to_date.version_of(&a),
        StreamVersion::new(5),
        "version still reported"
    );
    Ok(())
}
