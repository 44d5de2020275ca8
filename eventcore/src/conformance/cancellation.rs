//! A dropped append (a timeout, a cancelled task) writes all of its batch
//! or none of it, in every store.

use std::{collections::BTreeMap, time::Duration};

use super::support::{
    ConformanceStore, ScenarioResult, append_writes, ensure, event, payload_n, stream,
};
use crate::{
    StreamId,
    store::{ExpectedVersion, StoredEvent, StreamWrite},
};

const BATCHES: u64 = 60;

/// Each of 60 batches writes two events to each of two streams, and is
/// dropped after a different short time (from before it starts to after it
/// ends). Once nothing is in flight, every batch is in both streams with
/// all four events, or in neither, and versions stay dense.
pub async fn a_dropped_append_writes_all_of_its_batch_or_none<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let from = stream("cancel-from")?;
    let to = stream("cancel-to")?;
    let mut finished = 0;
    for batch in 0..BATCHES {
        let writes = [&from, &to]
            .into_iter()
            .map(|id| {
                StreamWrite::new(
                    id.clone(),
                    ExpectedVersion::Any,
                    vec![event("Moved", batch), event("Moved", batch)],
                )
            })
            .collect();
        // 0 µs to about 3 ms: some appends are dropped before they start,
        // some midway, some after they finished.
        let budget = Duration::from_micros(batch * 53 % 3_000);
        if let Ok(result) = tokio::time::timeout(budget, append_writes(&store, writes)).await {
            result?;
            finished += 1;
        }
    }
    // A dropped append may still be finishing (a commit already sent):
    // wait until nothing holds readers back.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while store.held_back().await?.is_some() {
        ensure!(
            tokio::time::Instant::now() < deadline,
            "appends still in flight after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let read = store.read_streams(&[from.clone(), to.clone()]).await?;
    let mut batches_in: Vec<BTreeMap<u64, u32>> = Vec::new();
    for id in [&from, &to] {
        let events = read.stream(id).map_or(&[][..], |s| s.events());
        for (index, stored) in events.iter().enumerate() {
            ensure!(
                stored.version().value() == index as u64 + 1,
                "{id}: versions are dense, found {} at {}",
                stored.version(),
                index + 1
            );
        }
        batches_in.push(count_batches(id, events.iter().map(StoredEvent::json))?);
    }
    ensure!(
        batches_in[0] == batches_in[1],
        "a batch is in one stream and not the other: {batches_in:?}"
    );
    ensure!(
        batches_in[0].values().all(|count| *count == 2),
        "a batch is in a stream with other than both of its events: {batches_in:?}"
    );
    let written = batches_in[0].len();
    ensure!(
        written >= finished,
        "{finished} appends returned, but only {written} batches are stored"
    );
    Ok(())
}

/// How many events of each batch `events` (payloads) hold.
fn count_batches<'a>(
    id: &StreamId,
    events: impl Iterator<Item = &'a str>,
) -> Result<BTreeMap<u64, u32>, Box<dyn std::error::Error + Send + Sync>> {
    let mut batches = BTreeMap::new();
    for payload in events {
        let batch =
            payload_n(payload).ok_or_else(|| format!("{id}: unexpected payload {payload}"))?;
        *batches.entry(batch).or_insert(0) += 1;
    }
    Ok(batches)
}
