use super::support::{
    ConformanceStore, ScenarioResult, append_to, append_writes, ensure, ensure_eq, events, stream,
};
use crate::{
    GlobalPosition, StreamVersion,
    error::StoreError,
    store::{AppendBatch, EventFilter, ExpectedVersion, StreamWrite},
    types::StreamId,
};

fn expect_conflict<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    stream: &StreamId,
    expected: u64,
    actual: u64,
) -> Result<(), String> {
    match result {
        Err(StoreError::VersionConflict {
            stream: s,
            expected: e,
            actual: a,
        }) if &s == stream
            && e == StreamVersion::new(expected)
            && a == StreamVersion::new(actual) =>
        {
            Ok(())
        }
        other => Err(format!(
            "expected VersionConflict {{ stream: {stream}, expected: {expected}, actual: {actual} }}, got {other:?}"
        )),
    }
}

/// Expecting events in a stream that has none is a conflict.
pub async fn append_to_missing_stream_expecting_events_conflicts<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("conflict-missing")?;
    expect_conflict(append_to(&store, &id, 2, events("E", 1)).await, &id, 2, 0)?;
    ensure!(
        !store.stream_exists(&id).await?,
        "nothing may be written on a conflict"
    );
    Ok(())
}

/// Two writers both creating a stream: the second one conflicts.
pub async fn creating_an_existing_stream_conflicts<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("conflict-create")?;
    append_to(&store, &id, 0, events("E", 2)).await?;
    expect_conflict(append_to(&store, &id, 0, events("E", 1)).await, &id, 0, 2)?;
    ensure_eq!(
        store.stream_version(&id).await?,
        StreamVersion::new(2),
        "unchanged version"
    );
    Ok(())
}

/// Appending with a version that was current but has moved on conflicts.
pub async fn stale_expected_version_conflicts<S: ConformanceStore>(store: S) -> ScenarioResult {
    let id = stream("conflict-stale")?;
    append_to(&store, &id, 0, events("E", 1)).await?;
    append_to(&store, &id, 1, events("E", 1)).await?;
    expect_conflict(append_to(&store, &id, 1, events("E", 1)).await, &id, 1, 2)?;
    // Expecting a version ahead of the stream is a conflict too.
    expect_conflict(append_to(&store, &id, 7, events("E", 1)).await, &id, 7, 2)?;
    Ok(())
}

/// The conflict error is a typed value naming stream, expected and actual.
pub async fn conflict_reports_stream_expected_and_actual<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (ok, bad) = (stream("report-ok")?, stream("report-bad")?);
    append_to(&store, &bad, 0, events("E", 3)).await?;
    let result = append_writes(
        &store,
        vec![
            StreamWrite::new(ok.clone(), StreamVersion::INITIAL, events("E", 1)),
            StreamWrite::new(bad.clone(), StreamVersion::new(1), events("E", 1)),
        ],
    )
    .await;
    expect_conflict(result, &bad, 1, 3)?;
    Ok(())
}

/// A read-only participant that moved since it was read fails the batch,
/// even though nothing is written to it. This is what prevents write skew.
pub async fn read_only_participant_that_moved_rejects_batch<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (read_only, target) = (stream("ro-guard")?, stream("ro-target")?);
    append_to(&store, &read_only, 0, events("E", 1)).await?;
    // Someone else writes to the guard after "our" read at version 1.
    append_to(&store, &read_only, 1, events("E", 1)).await?;
    let result = append_writes(
        &store,
        vec![
            StreamWrite::check_only(read_only.clone(), StreamVersion::new(1)),
            StreamWrite::new(target.clone(), StreamVersion::INITIAL, events("E", 1)),
        ],
    )
    .await;
    expect_conflict(result, &read_only, 1, 2)?;
    ensure!(
        !store.stream_exists(&target).await?,
        "the written stream must stay empty"
    );
    Ok(())
}

/// A read-only participant still at its expected version lets the batch through.
pub async fn read_only_participant_at_expected_version_passes<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (read_only, target, never) = (
        stream("ro-ok")?,
        stream("ro-ok-target")?,
        stream("ro-none")?,
    );
    append_to(&store, &read_only, 0, events("E", 2)).await?;
    let result = append_writes(
        &store,
        vec![
            StreamWrite::check_only(read_only.clone(), StreamVersion::new(2)),
            StreamWrite::check_only(never.clone(), StreamVersion::INITIAL),
            StreamWrite::new(target.clone(), StreamVersion::INITIAL, events("E", 1)),
        ],
    )
    .await?;
    ensure_eq!(result.events.len(), 1, "one event written");
    ensure_eq!(
        store.stream_version(&read_only).await?,
        StreamVersion::new(2),
        "guard unchanged"
    );
    ensure!(
        !store.stream_exists(&never).await?,
        "a checked missing stream stays missing"
    );
    Ok(())
}

/// When one stream of a multi-stream batch conflicts, no stream is written
/// and no position is consumed visibly.
pub async fn conflicting_multi_stream_append_writes_nothing<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (a, b, c) = (
        stream("atomic-a")?,
        stream("atomic-b")?,
        stream("atomic-c")?,
    );
    append_to(&store, &c, 0, events("E", 1)).await?;
    let head = store.head_position().await?;
    let result = append_writes(
        &store,
        vec![
            StreamWrite::new(a.clone(), StreamVersion::INITIAL, events("E", 3)),
            StreamWrite::new(b.clone(), StreamVersion::INITIAL, events("E", 2)),
            StreamWrite::new(c.clone(), StreamVersion::INITIAL, events("E", 1)),
        ],
    )
    .await;
    expect_conflict(result, &c, 0, 1)?;
    let read = store
        .read_streams(&[a.clone(), b.clone(), c.clone()])
        .await?;
    ensure_eq!(read.version_of(&a), StreamVersion::INITIAL, "a untouched");
    ensure_eq!(read.version_of(&b), StreamVersion::INITIAL, "b untouched");
    ensure_eq!(read.version_of(&c), StreamVersion::new(1), "c untouched");
    ensure_eq!(
        store.head_position().await?,
        head,
        "head unchanged by a failed batch"
    );
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 100)
        .await?;
    ensure_eq!(all.len(), 1, "only the first event exists");
    Ok(())
}

/// `ExpectedVersion::Any` appends whatever the stream's version.
pub async fn expected_any_appends_without_check<S: ConformanceStore>(store: S) -> ScenarioResult {
    let id = stream("any-1")?;
    for round in 1..=3_u64 {
        let batch = AppendBatch::single(id.clone(), ExpectedVersion::Any, events("E", 2));
        let result = store.append(batch).await?;
        let versions: Vec<u64> = result.events.iter().map(|e| e.version.value()).collect();
        ensure_eq!(
            versions,
            vec![round * 2 - 1, round * 2],
            "versions of round {round}"
        );
    }
    ensure_eq!(
        store.stream_version(&id).await?,
        StreamVersion::new(6),
        "final version"
    );
    Ok(())
}
