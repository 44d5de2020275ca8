//! What the file keeps: a reopened store finds every acknowledged batch,
//! and a batch cut short by a crash is dropped whole.

#![cfg(test)]

use std::{fs::OpenOptions, path::Path};

use eventcore::{
    EventMetadata, GlobalPosition, IdempotencyKey, SerializedEvent, StoreError, StreamId,
    StreamVersion,
    store::{
        AppendBatch, CheckpointStore, EventFilter, EventStore, IdempotencyClaim, NewEvent,
        StreamWrite,
    },
};
use eventcore_skeleton::FileStore;

fn event(n: u32) -> NewEvent {
    NewEvent::new(
        SerializedEvent::new("Moved", format!("{{\"n\":{n},\"text\":\"line\\nbreak\"}}")),
        EventMetadata::new(),
    )
}

fn id(name: &str) -> StreamId {
    StreamId::try_new(name).unwrap()
}

/// One batch of two events to each of `from` and `to`.
fn transfer(n: u32, expected: u64) -> AppendBatch {
    AppendBatch::try_new(vec![
        StreamWrite::new(
            id("from"),
            StreamVersion::new(expected),
            vec![event(n), event(n)],
        ),
        StreamWrite::new(
            id("to"),
            StreamVersion::new(expected),
            vec![event(n), event(n)],
        ),
    ])
    .unwrap()
}

async fn payloads(store: &FileStore) -> Vec<String> {
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 100)
        .await
        .unwrap();
    all.iter().map(|e| e.json().to_owned()).collect()
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

#[tokio::test]
async fn a_reopened_store_finds_its_events_records_and_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let key = IdempotencyKey::try_new("request-1").unwrap();
    let before = {
        let store = FileStore::open(&path).unwrap();
        store.append(transfer(1, 0)).await.unwrap();
        let claim = IdempotencyClaim::new(key.clone(), "Transfer", uuid::Uuid::nil());
        store
            .append(transfer(2, 2).with_idempotency(claim))
            .await
            .unwrap();
        store
            .save_checkpoint("p", GlobalPosition::START, GlobalPosition::new(4), None)
            .await
            .unwrap();
        // A second store on the same file is refused while this one is open.
        assert!(matches!(
            FileStore::open(&path),
            Err(StoreError::Unavailable { .. })
        ));
        payloads(&store).await
    };
    let store = FileStore::open(&path).unwrap();
    assert_eq!(store.dropped_on_open(), 0);
    assert_eq!(payloads(&store).await, before);
    assert_eq!(before.len(), 8);
    assert_eq!(
        store.stream_version(&id("from")).await.unwrap(),
        StreamVersion::new(4)
    );
    assert_eq!(store.head_position().await.unwrap(), GlobalPosition::new(8));
    let record = store.idempotency_record(&key).await.unwrap().unwrap();
    assert_eq!(record.events.len(), 4);
    assert_eq!(
        store.load_checkpoint("p").await.unwrap(),
        Some(GlobalPosition::new(4))
    );
    // Appends carry on from where the file left off.
    let next = store.append(transfer(3, 4)).await.unwrap();
    assert_eq!(next.events[0].position, GlobalPosition::new(9));
}

#[tokio::test]
async fn a_batch_torn_by_a_crash_is_dropped_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (kept, whole) = {
        let store = FileStore::open(&path).unwrap();
        store.append(transfer(1, 0)).await.unwrap();
        store.append(transfer(2, 2)).await.unwrap();
        let kept = (payloads(&store).await, file_len(&path));
        store.append(transfer(3, 4)).await.unwrap();
        (kept, file_len(&path))
    };
    let (kept_payloads, kept_len) = kept;
    // A crash in the middle of writing the third batch: half its line.
    let torn = kept_len + (whole - kept_len) / 2;
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(torn)
        .unwrap();

    let store = FileStore::open(&path).unwrap();
    assert_eq!(store.dropped_on_open(), torn - kept_len);
    assert_eq!(file_len(&path), kept_len, "the torn line is cut off");
    assert_eq!(payloads(&store).await, kept_payloads);
    for stream in ["from", "to"] {
        assert_eq!(
            store.stream_version(&id(stream)).await.unwrap(),
            StreamVersion::new(4),
            "{stream}: both earlier batches, none of the torn one"
        );
    }
    // The torn batch can be written again, at the same versions.
    let again = store.append(transfer(3, 4)).await.unwrap();
    assert_eq!(again.events[0].position, GlobalPosition::new(9));
    drop(store);
    let reopened = FileStore::open(&path).unwrap();
    assert_eq!(reopened.dropped_on_open(), 0);
    assert_eq!(
        reopened.head_position().await.unwrap(),
        GlobalPosition::new(12)
    );
}

#[tokio::test]
async fn a_damaged_line_before_the_end_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    {
        let store = FileStore::open(&path).unwrap();
        store.append(transfer(1, 0)).await.unwrap();
        store.append(transfer(2, 2)).await.unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let damaged = text.replacen("\"position\":2", "\"position\":3", 1);
    std::fs::write(&path, damaged).unwrap();
    let error = FileStore::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
    assert!(error.to_string().contains("entry 1"), "{error}");
}
