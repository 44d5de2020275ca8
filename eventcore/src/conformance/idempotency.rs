//! Idempotency keys at the port: a batch's claim is recorded with it, and
//! a recorded key refuses a second claim, in every store alike.

use std::time::Duration;

use uuid::Uuid;

use super::support::{
    ConformanceStore, ScenarioResult, ensure, ensure_eq, events, payload_n, stream,
};
use crate::{
    IdempotencyKey, StreamVersion,
    error::StoreError,
    store::{AppendBatch, ExpectedVersion, IdempotencyClaim, KeyedRead, StreamWrite},
};

fn key(name: &str) -> Result<IdempotencyKey, StoreError> {
    Ok(IdempotencyKey::try_new(name)?)
}

fn claim(name: &str) -> Result<IdempotencyClaim, StoreError> {
    Ok(IdempotencyClaim::new(
        key(name)?,
        "Conform",
        Uuid::from_u128(7),
    ))
}

/// A batch that claims a key writes its events, and the key's record names
/// the claim and returns exactly those events, in position order. An
/// unknown key has no record.
pub async fn a_claimed_key_is_recorded_with_its_batch<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (a, b) = (stream("keyed-a")?, stream("keyed-b")?);
    // Another batch first, so that the record's events are not the store's
    // first.
    store
        .append(AppendBatch::single(
            a.clone(),
            ExpectedVersion::NO_STREAM,
            events("Before", 1),
        ))
        .await?;
    let writes = vec![
        StreamWrite::new(a.clone(), StreamVersion::new(1), events("Keyed", 2)),
        StreamWrite::new(b.clone(), ExpectedVersion::NO_STREAM, events("Keyed", 1)),
    ];
    let batch = AppendBatch::try_new(writes)?.with_idempotency(claim("request-1")?);
    let written = store.append(batch).await?;

    let Some(record) = store.idempotency_record(&key("request-1")?).await? else {
        return Err("the claimed key has no record".into());
    };
    ensure_eq!(record.key.as_str(), "request-1", "record key");
    ensure_eq!(record.command.as_str(), "Conform", "record command");
    ensure_eq!(record.fingerprint, Uuid::from_u128(7), "record fingerprint");
    ensure!(
        record.expires_at.is_none(),
        "a claim without retention expired: {record:?}"
    );
    let recorded: Vec<_> = record
        .events
        .iter()
        .map(|e| {
            (
                e.stream_id().clone(),
                e.version(),
                e.position(),
                e.metadata().event_id(),
            )
        })
        .collect();
    let appended: Vec<_> = written
        .events
        .iter()
        .map(|e| (e.stream_id.clone(), e.version, e.position, e.event_id))
        .collect();
    ensure_eq!(recorded, appended, "the record's events are the batch's");
    ensure!(
        record.events.iter().all(|e| e.event_type() == "Keyed"),
        "the record holds another batch's events: {:?}",
        record.events
    );
    ensure!(
        store
            .idempotency_record(&key("request-2")?)
            .await?
            .is_none(),
        "an unknown key has a record"
    );
    Ok(())
}

/// A batch claiming a recorded key writes nothing, even to another stream,
/// and fails with `IdempotencyKeyRecorded`; the first record stays.
pub async fn a_batch_claiming_a_recorded_key_writes_nothing<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (a, b) = (stream("claim-a")?, stream("claim-b")?);
    let first = AppendBatch::single(a.clone(), ExpectedVersion::NO_STREAM, events("First", 1))
        .with_idempotency(claim("once")?);
    store.append(first).await?;
    let second = AppendBatch::single(b.clone(), ExpectedVersion::NO_STREAM, events("Second", 1))
        .with_idempotency(IdempotencyClaim::new(
            key("once")?,
            "Other",
            Uuid::from_u128(9),
        ));
    match store.append(second).await {
        Err(StoreError::IdempotencyKeyRecorded { key }) => {
            ensure_eq!(key.as_str(), "once", "the refused key");
        }
        other => return Err(format!("expected IdempotencyKeyRecorded, got {other:?}").into()),
    }
    ensure_eq!(
        store.stream_version(&b).await?,
        StreamVersion::INITIAL,
        "version of {b}"
    );
    let record = store.idempotency_record(&key("once")?).await?;
    ensure_eq!(
        record.map(|r| (r.command, r.events.len())),
        Some(("Conform".to_owned(), 1)),
        "the first record"
    );
    Ok(())
}

/// A batch that fails its version check records no key: the key can be
/// claimed again by a batch that succeeds.
pub async fn a_conflicting_batch_records_no_key<S: ConformanceStore>(store: S) -> ScenarioResult {
    let a = stream("conflicted")?;
    store
        .append(AppendBatch::single(
            a.clone(),
            ExpectedVersion::NO_STREAM,
            events("E", 1),
        ))
        .await?;
    let stale = AppendBatch::single(a.clone(), ExpectedVersion::NO_STREAM, events("E", 1))
        .with_idempotency(claim("retry-me")?);
    let err = store.append(stale).await.err();
    ensure!(
        err.as_ref().is_some_and(StoreError::is_version_conflict),
        "expected a version conflict, got {err:?}"
    );
    ensure!(
        store.idempotency_record(&key("retry-me")?).await?.is_none(),
        "a failed batch recorded its key"
    );
    let good = AppendBatch::single(a.clone(), StreamVersion::new(1), events("E", 1))
        .with_idempotency(claim("retry-me")?);
    store.append(good).await?;
    let record = store.idempotency_record(&key("retry-me")?).await?;
    ensure_eq!(
        record.map(|r| r
            .events
            .iter()
            .map(|e| e.version().value())
            .collect::<Vec<_>>()),
        Some(vec![2]),
        "the successful batch's record"
    );
    Ok(())
}

/// A claim on a batch that only checks versions (no events) is recorded,
/// with no events; its check still holds the batch to the versions.
pub async fn a_claim_without_events_is_recorded<S: ConformanceStore>(store: S) -> ScenarioResult {
    let a = stream("checked")?;
    let check = AppendBatch::try_new(vec![StreamWrite::check_only(
        a.clone(),
        StreamVersion::INITIAL,
    )])?
    .with_idempotency(claim("nothing-to-write")?);
    store.append(check).await?;
    let record = store.idempotency_record(&key("nothing-to-write")?).await?;
    ensure_eq!(
        record.map(|r| r.events.len()),
        Some(0),
        "record of a batch without events"
    );
    let stale = AppendBatch::try_new(vec![StreamWrite::check_only(
        a.clone(),
        StreamVersion::new(3),
    )])?
    .with_idempotency(claim("stale-check")?);
    ensure!(
        store
            .append(stale)
            .await
            .is_err_and(|e| e.is_version_conflict()),
        "a stale check with a claim passed"
    );
    ensure!(
        store
            .idempotency_record(&key("stale-check")?)
            .await?
            .is_none(),
        "a failed check recorded its key"
    );
    Ok(())
}

/// A record kept for a retention expires: lookups no longer return it, a
/// new claim on its key succeeds, and a purge deletes expired records
/// only (a record kept for ever stays).
pub async fn an_expired_key_is_forgotten_and_purged<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let a = stream("expiring")?;
    let short = claim("short-lived")?.retained_for(Duration::from_millis(200));
    store
        .append(
            AppendBatch::single(a.clone(), ExpectedVersion::NO_STREAM, events("E", 1))
                .with_idempotency(short),
        )
        .await?;
    store
        .append(
            AppendBatch::single(stream("kept")?, ExpectedVersion::NO_STREAM, events("E", 1))
                .with_idempotency(claim("kept")?),
        )
        .await?;
    let record = store.idempotency_record(&key("short-lived")?).await?;
    ensure!(
        record.as_ref().is_some_and(|r| r.expires_at.is_some()),
        "a record with a retention before it expires: {record:?}"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    ensure!(
        store
            .idempotency_record(&key("short-lived")?)
            .await?
            .is_none(),
        "an expired record is still returned"
    );
    // Another claim on the expired key is taken, and replaces the record.
    store
        .append(
            AppendBatch::single(a.clone(), StreamVersion::new(1), events("Again", 1))
                .with_idempotency(claim("short-lived")?.retained_for(Duration::from_millis(200))),
        )
        .await?;
    let record = store.idempotency_record(&key("short-lived")?).await?;
    ensure_eq!(
        record.map(|r| r
            .events
            .iter()
            .map(|e| payload_n(e.payload().payload()))
            .collect::<Vec<_>>()),
        Some(vec![Some(1)]),
        "the new record's events"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let purged = store.purge_idempotency_records().await?;
    ensure_eq!(purged, 1, "records purged");
    ensure_eq!(
        store.purge_idempotency_records().await?,
        0,
        "records purged twice"
    );
    ensure!(
        store.idempotency_record(&key("kept")?).await?.is_some(),
        "a record kept for ever was purged"
    );
    Ok(())
}

/// The read an idempotent execution starts with: for a key not recorded,
/// exactly what `read_streams_after` returns for the same request
/// (duplicates collapsed, versions, events after each version); for a
/// recorded key, its record, whatever streams were asked for.
pub async fn a_keyed_read_returns_the_record_or_the_streams<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (x, y) = (stream("keyed-read-x")?, stream("keyed-read-y")?);
    store
        .append(AppendBatch::single(
            x.clone(),
            ExpectedVersion::NO_STREAM,
            events("X", 3),
        ))
        .await?;
    let request = [
        (x.clone(), StreamVersion::new(1)),
        (y.clone(), StreamVersion::INITIAL),
        (x.clone(), StreamVersion::INITIAL),
    ];
    let summary = |read: &crate::store::StreamsRead| -> Vec<_> {
        read.streams()
            .iter()
            .map(|s| {
                let positions: Vec<_> = s
                    .events()
                    .iter()
                    .map(crate::store::StoredEvent::position)
                    .collect();
                (s.stream_id().clone(), s.version(), positions)
            })
            .collect()
    };
    let plain = store.read_streams_after(&request).await?;
    match store
        .read_streams_keyed(&request, &key("read-key")?)
        .await?
    {
        KeyedRead::Streams(read) => {
            ensure_eq!(
                summary(&read),
                summary(&plain),
                "keyed read of an unrecorded key"
            );
        }
        KeyedRead::Recorded(record) => {
            return Err(format!("a key never claimed has a record: {record:?}").into());
        }
    }

    let written = store
        .append(
            AppendBatch::single(y.clone(), ExpectedVersion::NO_STREAM, events("Y", 2))
                .with_idempotency(claim("read-key")?),
        )
        .await?;
    match store
        .read_streams_keyed(&[(x.clone(), StreamVersion::INITIAL)], &key("read-key")?)
        .await?
    {
        KeyedRead::Recorded(record) => {
            let positions: Vec<_> = record
                .events
                .iter()
                .map(crate::store::StoredEvent::position)
                .collect();
            let appended: Vec<_> = written.events.iter().map(|e| e.position).collect();
            ensure_eq!(positions, appended, "the recorded events of a keyed read");
            ensure_eq!(record.command.as_str(), "Conform", "record command");
        }
        KeyedRead::Streams(read) => {
            return Err(format!("a recorded key read as streams: {:?}", summary(&read)).into());
        }
    }
    Ok(())
}
