//! Gap safety of `read_all`: an append to this store held open holds its
//! readers back until it commits (see also `visibility.rs`).

#[cfg(test)]
mod common;

use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use eventcore::{
    EventId, EventMetadata, GlobalPosition, SerializedEvent, StoreError, StreamId,
    store::{AppendBatch, EventFilter, EventStore, ExpectedVersion, NewEvent, StoredEvent},
};
use eventcore_postgres::PostgresStore;

fn event() -> NewEvent {
    NewEvent::new(SerializedEvent::new("E", "{}"), EventMetadata::new())
}

/// Polls `read_all` in small pages until `stop` is set and nothing is left.
/// Returns everything seen, and whether anything past `held` was seen
/// before `held` itself.
async fn poll_until_stopped(
    store: PostgresStore,
    held: GlobalPosition,
    stop: Arc<AtomicBool>,
) -> Result<(Vec<StoredEvent>, bool), StoreError> {
    let mut seen: Vec<StoredEvent> = Vec::new();
    let mut after = GlobalPosition::START;
    let mut saw_beyond_hold_early = false;
    loop {
        let done = stop.load(Ordering::SeqCst);
        let page = store.read_all(after, &EventFilter::all(), 7).await?;
        if let Some(last) = page.last() {
            after = last.position();
        }
        seen.extend(page);
        if done
            && store
                .read_all(after, &EventFilter::all(), 1)
                .await?
                .is_empty()
        {
            return Ok((seen, saw_beyond_hold_early));
        }
        if !seen.iter().any(|e| e.position() == held) && seen.iter().any(|e| e.position() > held) {
            saw_beyond_hold_early = true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A writer appends inside a transaction it holds open while other writers
/// commit after it. A reader polling `read_all` the whole time must never
/// see past the open transaction's position, and must end up with every
/// event exactly once, in global order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_never_skips_an_event_committed_late_by_an_older_transaction()
-> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let store = common::fresh_store().await?;
    let reader_store = common::other_process(store.schema()).await;

    // The slow writer: its event gets a position before the others below.
    let mut held = store.pool().begin().await?;
    let slow = store
        .append_in(
            &mut held,
            AppendBatch::single(
                StreamId::try_new("slow")?,
                ExpectedVersion::NO_STREAM,
                vec![event()],
            ),
        )
        .await?;
    let held_position = slow.events[0].position;
    let mut expected: HashSet<EventId> = slow.events.iter().map(|e| e.event_id).collect();

    let stop = Arc::new(AtomicBool::new(false));
    let reader = tokio::spawn(poll_until_stopped(
        reader_store,
        held_position,
        Arc::clone(&stop),
    ));

    // Other writers commit while the slow one is open...
    for round in 0..10 {
        let written = store
            .append(AppendBatch::single(
                StreamId::try_new(format!("fast-{round}"))?,
                ExpectedVersion::NO_STREAM,
                vec![event(), event()],
            ))
            .await?;
        for e in &written.events {
            assert!(
                e.position > held_position,
                "later transactions sort after the open one"
            );
            expected.insert(e.event_id);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ...and none of theirs was readable meanwhile.
    let visible = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 1000)
        .await?;
    assert!(
        visible.is_empty(),
        "events past an open older transaction leaked: {}",
        visible.len()
    );

    held.commit().await?;
    for round in 10..15 {
        let written = store
            .append(AppendBatch::single(
                StreamId::try_new(format!("fast-{round}"))?,
                ExpectedVersion::NO_STREAM,
                vec![event()],
            ))
            .await?;
        expected.extend(written.events.iter().map(|e| e.event_id));
    }
    stop.store(true, Ordering::SeqCst);
    let (seen, saw_beyond_hold_early) =
        tokio::time::timeout(Duration::from_secs(20), reader).await???;

    assert!(
        !saw_beyond_hold_early,
        "the reader saw events past the open transaction"
    );
    assert!(
        seen.windows(2).all(|w| w[0].position() < w[1].position()),
        "global order, no duplicates"
    );
    let ids: Vec<EventId> = seen.iter().map(|e| e.metadata().event_id()).collect();
    let unique: HashSet<EventId> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "each event once");
    assert_eq!(unique, expected, "every event, none skipped");
    assert_eq!(
        store.head_position().await?,
        seen.last().map(StoredEvent::position).unwrap_or_default()
    );
    common::drop_schema(&store).await;
    Ok(())
}
