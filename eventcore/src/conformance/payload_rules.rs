//! The payloads and metadata no store can keep are refused by every store
//! alike: one rule, one typed error, nothing written.

use serde_json::Value;

use super::support::{ConformanceStore, ScenarioResult, ensure, ensure_eq, event, stream};
use crate::{
    StoreError, StreamId, StreamVersion,
    store::{AppendBatch, ExpectedVersion, NewEvent, SerializedEvent},
    types::EventMetadata,
};

/// Appends a good event and then `bad` to the new stream `id`: the store
/// must refuse the batch with a validation error that names the second
/// event and contains each of `needles`, and write nothing of it.
pub(super) async fn expect_refused<S: ConformanceStore>(
    store: &S,
    id: &StreamId,
    bad: NewEvent,
    needles: &[&str],
) -> ScenarioResult {
    let batch = AppendBatch::single(
        id.clone(),
        ExpectedVersion::NO_STREAM,
        vec![event("Fine", 1), bad],
    );
    match store.append(batch).await {
        Err(StoreError::Validation(e)) => {
            let message = e.to_string();
            let event = format!("event 2 of {id} (Bad)");
            ensure!(
                message.contains(&event) && needles.iter().all(|n| message.contains(n)),
                "the error must name {event} and contain {needles:?}: {message}"
            );
        }
        other => {
            return Err(format!("{needles:?}: must be refused as invalid, got {other:?}").into());
        }
    }
    ensure_eq!(
        store.stream_version(id).await?,
        StreamVersion::INITIAL,
        "nothing of a refused batch is written ({needles:?})"
    );
    Ok(())
}

/// Custom metadata that not every store can keep (a NUL character in a key
/// or a string) is refused by every store alike, naming the event and where
/// in the metadata it is, and nothing of the batch is written.
pub async fn metadata_every_store_cannot_keep_is_refused_alike<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("metadata-rules")?;
    for (metadata, found) in [
        (
            EventMetadata::builder().custom("note", "a\u{0}b").build(),
            "`note`",
        ),
        (
            EventMetadata::builder()
                .custom("tags", serde_json::json!(["fine", "bad\u{0}"]))
                .build(),
            "`tags[1]`",
        ),
        (
            EventMetadata::builder().custom("k\u{0}ey", 1).build(),
            "`k\u{0}ey`",
        ),
    ] {
        let bad = NewEvent::new(SerializedEvent::new("Bad", "{}"), metadata);
        expect_refused(&store, &id, bad, &["NUL", found]).await?;
    }
    let kept = EventMetadata::builder()
        .custom("note", "fine \\u0000 text")
        .build();
    store
        .append(AppendBatch::single(
            id.clone(),
            ExpectedVersion::NO_STREAM,
            vec![NewEvent::new(SerializedEvent::new("Kept", "{}"), kept)],
        ))
        .await?;
    let read = store.read_streams(std::slice::from_ref(&id)).await?;
    let last = read
        .stream(&id)
        .and_then(|s| s.events().last())
        .ok_or("not read back")?;
    ensure_eq!(
        last.metadata().custom().get("note"),
        Some(&Value::from("fine \\u0000 text")),
        "an escaped-looking but harmless string is kept"
    );
    Ok(())
}

/// Every store refuses the same payloads, with the same typed error naming
/// the event, and writes nothing of the batch: text that is not JSON, the
/// `\u0000` escape, and unpaired surrogate escapes. Valid but unusual JSON
/// (a literal backslash before `u0000`, a surrogate pair) is kept as is.
pub async fn payloads_every_store_cannot_keep_are_refused_alike<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("payload-rules")?;
    for (payload, rule) in [
        ("{not json", "must be valid JSON"),
        (r#"{"a":"\u0000"}"#, "\\u0000"),
        (r#"{"a":"\ud800"}"#, "unpaired"),
        (r#"{"a":"\udc00x"}"#, "unpaired"),
        (r#"{"a":"\ud83d\u0041"}"#, "unpaired"),
    ] {
        let bad = NewEvent::new(SerializedEvent::new("Bad", payload), EventMetadata::new());
        expect_refused(&store, &id, bad, &[rule]).await?;
    }
    for payload in [r#"{"a":"\\u0000"}"#, r#"{"a":"\ud83d\ude00"}"#] {
        let kept = NewEvent::new(SerializedEvent::new("Kept", payload), EventMetadata::new());
        let version = store.stream_version(&id).await?;
        store
            .append(AppendBatch::single(
                id.clone(),
                ExpectedVersion::Exact(version),
                vec![kept],
            ))
            .await?;
        let read = store.read_streams(std::slice::from_ref(&id)).await?;
        let last = read
            .stream(&id)
            .and_then(|s| s.events().last())
            .ok_or("not read back")?;
        let value: Value = serde_json::from_str(last.json())?;
        let expected: Value = serde_json::from_str(payload)?;
        ensure_eq!(value, expected, "payload {payload} kept");
    }
    Ok(())
}
