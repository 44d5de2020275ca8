use std::collections::HashSet;

use super::support::{
    ConformanceStore, ScenarioResult, append_to, ensure, ensure_eq, event, stream,
};
use crate::{GlobalPosition, StreamVersion, error::StoreError, store::EventFilter, types::EventId};

const TASKS: u64 = 8;
const APPENDS_PER_TASK: u64 = 200;
const STREAMS: u64 = 5;

/// 8 tasks × 200 appends to 5 overlapping streams, retrying on conflict.
/// Afterwards every stream holds versions 1..n with no duplicates, and every
/// acknowledged write is present exactly once.
pub async fn concurrent_writers_keep_streams_dense<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged: Vec<EventId> = Vec::new();
            let mut conflicts = 0_u64;
            for i in 0..APPENDS_PER_TASK {
                let id = stream(&format!("busy-{}", (task + i) % STREAMS))?;
                loop {
                    let version = store.stream_version(&id).await?.value();
                    let new = event("Bumped", task * 1000 + i);
                    let event_id = new.metadata().event_id();
                    match append_to(&store, &id, version, vec![new]).await {
                        Ok(result) => {
                            if result.events.iter().map(|e| e.event_id).ne([event_id]) {
                                return Err(StoreError::Corrupt {
                                    detail: format!(
                                        "ack for {event_id} reported {:?}",
                                        result.events
                                    ),
                                });
                            }
                            acknowledged.push(event_id);
                            break;
                        }
                        Err(StoreError::VersionConflict { .. }) => conflicts += 1,
                        Err(other) => return Err(other),
                    }
                }
            }
            Ok::<_, StoreError>((acknowledged, conflicts))
        }));
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        let (ids, _conflicts) = task.await??;
        acknowledged.extend(ids);
    }
    ensure_eq!(
        acknowledged.len() as u64,
        TASKS * APPENDS_PER_TASK,
        "acknowledged appends"
    );

    let ids: Vec<_> = (0..STREAMS)
        .map(|s| stream(&format!("busy-{s}")))
        .collect::<Result<_, _>>()?;
    let read = store.read_streams(&ids).await?;
    let mut stored_ids = HashSet::new();
    let mut total = 0;
    for s in read.streams() {
        let versions: Vec<u64> = s.events().iter().map(|e| e.version().value()).collect();
        let n = versions.len() as u64;
        ensure_eq!(
            versions,
            (1..=n).collect::<Vec<_>>(),
            "versions of {}",
            s.stream_id()
        );
        ensure_eq!(
            s.version(),
            StreamVersion::new(n),
            "reported version of {}",
            s.stream_id()
        );
        for e in s.events() {
            ensure!(
                stored_ids.insert(e.metadata().event_id()),
                "event stored twice: {e:?}"
            );
        }
        total += n;
    }
    ensure_eq!(total, TASKS * APPENDS_PER_TASK, "events stored in total");
    for id in &acknowledged {
        ensure!(stored_ids.contains(id), "acknowledged event {id} was lost");
    }
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 10_000)
        .await?;
    ensure_eq!(all.len() as u64, total, "read_all sees every event");
    ensure!(
        all.windows(2).all(|w| w[0].position() < w[1].position()),
        "global positions strictly increase"
    );
    Ok(())
}

/// Many tasks race to create the same stream; exactly one succeeds and the
/// others get a typed conflict.
pub async fn concurrent_creators_of_one_stream_have_one_winner<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let id = stream("contested")?;
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (store, id) = (store.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            append_to(&store, &id, 0, vec![event("Created", task)]).await
        }));
    }
    let mut winners = 0;
    for task in tasks {
        match task.await? {
            Ok(_) => winners += 1,
            Err(StoreError::VersionConflict {
                expected, actual, ..
            }) => {
                ensure_eq!(expected, StreamVersion::INITIAL, "loser's expected version");
                ensure_eq!(
                    actual,
                    StreamVersion::new(1),
                    "loser sees the winner's version"
                );
            }
            Err(other) => return Err(other.into()),
        }
    }
    ensure_eq!(winners, 1, "exactly one creator wins");
    ensure_eq!(
        store.stream_version(&id).await?,
        StreamVersion::new(1),
        "one event stored"
    );
    Ok(())
}
