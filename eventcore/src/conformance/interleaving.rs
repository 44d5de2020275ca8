//! A batch emitted across streams in any interleaving gets its global
//! positions in that order.

use super::support::{
    ConformanceStore, ScenarioResult, append_to, ensure, ensure_eq, event, payload_n, stream,
};
use crate::{
    StoreError, StreamId, StreamVersion,
    store::{AppendBatch, EventFilter, StreamWrite},
};

/// Each stream's payload numbers and versions, in stream order.
async fn payloads_and_versions<S: ConformanceStore>(
    store: &S,
    ids: &[StreamId],
) -> Result<Vec<(Vec<u64>, Vec<u64>)>, StoreError> {
    let read = store.read_streams(ids).await?;
    Ok(read
        .streams()
        .iter()
        .map(|s| {
            (
                s.events()
                    .iter()
                    .filter_map(|e| payload_n(e.json()))
                    .collect(),
                s.events().iter().map(|e| e.version().value()).collect(),
            )
        })
        .collect())
}

/// A batch built with [`AppendBatch::try_interleaved`] gets its global
/// positions in its emission order, not stream by stream: the result and
/// `read_all` list the events as they were emitted, while each stream keeps
/// its own dense versions.
pub async fn interleaved_batch_gets_positions_in_its_order<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (x, y, z) = (
        stream("interleave-x")?,
        stream("interleave-y")?,
        stream("interleave-z")?,
    );
    append_to(&store, &x, 0, vec![event("Before", 100)]).await?;
    let head = store.head_position().await?;
    // Emitted: 1 to x, 2 to y, 3 to x, 4 to y, 5 to x; z is only read.
    let writes = vec![
        StreamWrite::new(
            x.clone(),
            StreamVersion::new(1),
            vec![event("E", 1), event("E", 3), event("E", 5)],
        ),
        StreamWrite::new(
            y.clone(),
            StreamVersion::INITIAL,
            vec![event("E", 2), event("E", 4)],
        ),
        StreamWrite::check_only(z.clone(), StreamVersion::INITIAL),
    ];
    let batch = AppendBatch::try_interleaved(writes, vec![0, 1, 0, 1, 0])?;
    let sent_ids: Vec<_> = batch
        .emitted()
        .map(|e| e.event.metadata().event_id())
        .collect();
    let result = store.append(batch).await?;

    let reported: Vec<(String, u64)> = result
        .events
        .iter()
        .map(|e| (e.stream_id.to_string(), e.version.value()))
        .collect();
    let want: Vec<(String, u64)> = [
        ("interleave-x", 2),
        ("interleave-y", 1),
        ("interleave-x", 3),
        ("interleave-y", 2),
        ("interleave-x", 4),
    ]
    .into_iter()
    .map(|(s, v)| (s.to_owned(), v))
    .collect();
    ensure_eq!(reported, want, "result events in emission order");
    ensure_eq!(
        result.events.iter().map(|e| e.event_id).collect::<Vec<_>>(),
        sent_ids,
        "result event ids in emission order"
    );
    ensure!(
        result
            .events
            .windows(2)
            .all(|w| w[0].position < w[1].position),
        "reported positions must increase in emission order: {:?}",
        result.events.iter().map(|e| e.position).collect::<Vec<_>>()
    );

    let all = store.read_all(head, &EventFilter::all(), 10).await?;
    ensure_eq!(
        all.iter()
            .filter_map(|e| payload_n(e.json()))
            .collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5],
        "read_all in emission order"
    );
    ensure_eq!(
        all.iter()
            .map(|e| (e.metadata().event_id(), e.position()))
            .collect::<Vec<_>>(),
        result
            .events
            .iter()
            .map(|e| (e.event_id, e.position))
            .collect::<Vec<_>>(),
        "read_all positions match the reported ones"
    );

    ensure_eq!(
        payloads_and_versions(&store, &[x.clone(), y.clone()]).await?,
        vec![
            (vec![100, 1, 3, 5], vec![1, 2, 3, 4]),
            (vec![2, 4], vec![1, 2]),
        ],
        "each stream's events and versions"
    );
    let mut versions = result.stream_versions.clone();
    versions.sort();
    ensure_eq!(
        versions,
        vec![
            (x, StreamVersion::new(4)),
            (y, StreamVersion::new(2)),
            (z, StreamVersion::INITIAL),
        ],
        "stream versions after the append"
    );
    Ok(())
}
