use std::collections::{HashMap, HashSet};

use super::support::{
    ConformanceStore, ScenarioResult, append_to, append_writes, ensure, ensure_eq, event, events,
    payload_n, stream,
};
use crate::{
    GlobalPosition, StreamVersion,
    store::{EventFilter, StoredEvent, StreamWrite},
};

/// Writes a small mixed history: accounts and orders, several event types.
async fn mixed_history<S: ConformanceStore>(store: &S) -> ScenarioResult {
    let (a1, a2, o1) = (
        stream("account-1")?,
        stream("account-2")?,
        stream("order-1")?,
    );
    append_to(
        store,
        &a1,
        0,
        vec![event("Opened", 1), event("Deposited", 2)],
    )
    .await?;
    append_to(store, &o1, 0, vec![event("Placed", 3)]).await?;
    append_to(store, &a2, 0, vec![event("Opened", 4)]).await?;
    append_to(store, &a1, 2, vec![event("Withdrawn", 5)]).await?;
    append_to(
        store,
        &o1,
        1,
        vec![event("Shipped", 6), event("Deposited", 7)],
    )
    .await?;
    Ok(())
}

fn ns(events: &[StoredEvent]) -> Vec<u64> {
    events.iter().filter_map(|e| payload_n(e.json())).collect()
}

/// A stream's events have versions 1, 2, …, n with no gaps, over many appends.
pub async fn versions_are_dense_from_one<S: ConformanceStore>(store: S) -> ScenarioResult {
    let id = stream("dense-1")?;
    let mut version = 0;
    for size in [1_u64, 3, 1, 5, 2] {
        append_to(&store, &id, version, events("E", size)).await?;
        version += size;
    }
    let read = store.read_streams(std::slice::from_ref(&id)).await?;
    let got: Vec<u64> = read.streams()[0]
        .events()
        .iter()
        .map(|e| e.version().value())
        .collect();
    ensure_eq!(got, (1..=version).collect::<Vec<_>>(), "versions 1..=n");
    Ok(())
}

/// In a multi-stream append each stream gets its own consecutive versions.
pub async fn multi_stream_append_versions_each_stream<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (a, b) = (stream("multi-a")?, stream("multi-b")?);
    append_to(&store, &a, 0, events("E", 2)).await?;
    let result = append_writes(
        &store,
        vec![
            StreamWrite::new(a.clone(), StreamVersion::new(2), events("E", 2)),
            StreamWrite::new(b.clone(), StreamVersion::INITIAL, events("E", 3)),
        ],
    )
    .await?;
    let got: Vec<(String, u64)> = result
        .events
        .iter()
        .map(|e| (e.stream_id.to_string(), e.version.value()))
        .collect();
    let want: Vec<(String, u64)> = [
        ("multi-a", 3),
        ("multi-a", 4),
        ("multi-b", 1),
        ("multi-b", 2),
        ("multi-b", 3),
    ]
    .into_iter()
    .map(|(s, v)| (s.to_owned(), v))
    .collect();
    ensure_eq!(got, want, "per-stream versions");
    let mut versions = result.stream_versions.clone();
    versions.sort();
    ensure_eq!(
        versions,
        vec![(a, StreamVersion::new(4)), (b, StreamVersion::new(3))],
        "stream versions after the append"
    );
    Ok(())
}

/// The append result lists events in batch order with their ids and
/// positions, matching what is then read back.
pub async fn append_result_lists_events_in_batch_order<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (a, b) = (stream("result-a")?, stream("result-b")?);
    let writes = vec![
        StreamWrite::new(b.clone(), StreamVersion::INITIAL, events("B", 2)),
        StreamWrite::new(a.clone(), StreamVersion::INITIAL, events("A", 1)),
    ];
    let sent_ids: Vec<_> = writes
        .iter()
        .flat_map(|w| w.events().iter().map(|e| e.metadata().event_id()))
        .collect();
    let result = append_writes(&store, writes).await?;
    let got_ids: Vec<_> = result.events.iter().map(|e| e.event_id).collect();
    ensure_eq!(got_ids, sent_ids, "event ids in batch order");
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 10)
        .await?;
    let read: Vec<_> = all
        .iter()
        .map(|e| (e.metadata().event_id(), e.position()))
        .collect();
    let reported: Vec<_> = result
        .events
        .iter()
        .map(|e| (e.event_id, e.position))
        .collect();
    ensure_eq!(
        read,
        reported,
        "reported positions match what read_all returns"
    );
    Ok(())
}

/// Global positions strictly increase across appends and within a batch.
pub async fn global_positions_strictly_increase<S: ConformanceStore>(store: S) -> ScenarioResult {
    mixed_history(&store).await?;
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 100)
        .await?;
    ensure_eq!(all.len(), 7, "events in the mixed history");
    ensure!(
        all.windows(2).all(|w| w[0].position() < w[1].position()),
        "positions must strictly increase: {:?}",
        all.iter().map(StoredEvent::position).collect::<Vec<_>>()
    );
    ensure!(
        all[0].position() > GlobalPosition::START,
        "positions start after START"
    );
    ensure_eq!(ns(&all), (1..=7).collect::<Vec<_>>(), "commit order");
    Ok(())
}

/// Within each stream, global order and version order agree.
pub async fn global_order_agrees_with_stream_order<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    mixed_history(&store).await?;
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 100)
        .await?;
    let mut last: HashMap<String, StreamVersion> = HashMap::new();
    for e in &all {
        let previous = last.insert(e.stream_id().to_string(), e.version());
        let want = previous.map_or(StreamVersion::new(1), StreamVersion::next);
        ensure_eq!(
            e.version(),
            want,
            "version of the next event of {} in global order",
            e.stream_id()
        );
    }
    Ok(())
}

/// `read_all(after, ..)` returns only events after `after`.
pub async fn read_all_after_skips_earlier_events<S: ConformanceStore>(store: S) -> ScenarioResult {
    mixed_history(&store).await?;
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 100)
        .await?;
    let third = all[2].position();
    let rest = store.read_all(third, &EventFilter::all(), 100).await?;
    ensure_eq!(ns(&rest), vec![4, 5, 6, 7], "events after the third");
    let head = store.head_position().await?;
    let none = store.read_all(head, &EventFilter::all(), 100).await?;
    ensure!(
        none.is_empty(),
        "nothing after the head, got {}",
        none.len()
    );
    Ok(())
}

/// `limit` caps the number of events returned, keeping the earliest.
pub async fn read_all_respects_limit<S: ConformanceStore>(store: S) -> ScenarioResult {
    mixed_history(&store).await?;
    let first = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 3)
        .await?;
    ensure_eq!(ns(&first), vec![1, 2, 3], "first three");
    let filtered = store
        .read_all(
            GlobalPosition::START,
            &EventFilter::all().with_stream_prefix("account-"),
            2,
        )
        .await?;
    ensure_eq!(ns(&filtered), vec![1, 2], "limit applies after the filter");
    Ok(())
}

/// A limit of zero returns nothing.
pub async fn read_all_with_zero_limit_returns_nothing<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    mixed_history(&store).await?;
    let none = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 0)
        .await?;
    ensure!(none.is_empty(), "limit 0 returned {} events", none.len());
    Ok(())
}

/// The stream-prefix filter keeps only matching streams.
pub async fn read_all_filters_by_stream_prefix<S: ConformanceStore>(store: S) -> ScenarioResult {
    mixed_history(&store).await?;
    let accounts = store
        .read_all(
            GlobalPosition::START,
            &EventFilter::all().with_stream_prefix("account-"),
            100,
        )
        .await?;
    ensure_eq!(ns(&accounts), vec![1, 2, 4, 5], "account events");
    // A prefix with LIKE wildcards must be matched literally.
    let literal = store
        .read_all(
            GlobalPosition::START,
            &EventFilter::all().with_stream_prefix("account%"),
            100,
        )
        .await?;
    ensure!(
        literal.is_empty(),
        "'%' must not act as a wildcard, got {}",
        literal.len()
    );
    let underscore = store
        .read_all(
            GlobalPosition::START,
            &EventFilter::all().with_stream_prefix("order_"),
            100,
        )
        .await?;
    ensure!(
        underscore.is_empty(),
        "'_' must not act as a wildcard, got {}",
        underscore.len()
    );
    Ok(())
}

/// The event-type filter keeps only the listed types.
pub async fn read_all_filters_by_event_type<S: ConformanceStore>(store: S) -> ScenarioResult {
    mixed_history(&store).await?;
    let filter = EventFilter::all().with_event_types(["Deposited", "Withdrawn"]);
    let money = store.read_all(GlobalPosition::START, &filter, 100).await?;
    ensure_eq!(ns(&money), vec![2, 5, 7], "deposits and withdrawals");
    let nothing = EventFilter::all().with_event_types(Vec::<String>::new());
    let none = store.read_all(GlobalPosition::START, &nothing, 100).await?;
    ensure!(
        none.is_empty(),
        "an empty type list matches nothing, got {}",
        none.len()
    );
    Ok(())
}

/// Prefix and type filters combine with AND.
pub async fn read_all_combines_prefix_and_type_filters<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    mixed_history(&store).await?;
    let filter = EventFilter::all()
        .with_stream_prefix("account-")
        .with_event_types(["Deposited"]);
    let got = store.read_all(GlobalPosition::START, &filter, 100).await?;
    ensure_eq!(ns(&got), vec![2], "account deposits only");
    Ok(())
}

/// Paging with `after` = last position seen visits every event exactly once.
pub async fn read_all_pages_through_everything_exactly_once<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    for i in 0..25_u64 {
        let id = stream(&format!("page-{}", i % 4))?;
        let version = store.stream_version(&id).await?.value();
        append_to(&store, &id, version, vec![event("E", i + 1)]).await?;
    }
    let mut after = GlobalPosition::START;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = store.read_all(after, &EventFilter::all(), 4).await?;
        let Some(last) = page.last() else { break };
        after = last.position();
        seen.extend(ns(&page));
        pages += 1;
        ensure!(pages <= 10, "paging does not terminate");
    }
    ensure_eq!(
        seen,
        (1..=25).collect::<Vec<_>>(),
        "every event once, in order"
    );
    let unique: HashSet<_> = seen.iter().collect();
    ensure_eq!(unique.len(), 25, "no duplicates");
    Ok(())
}

/// `head_position` is the position of the newest event.
pub async fn head_position_tracks_newest_event<S: ConformanceStore>(store: S) -> ScenarioResult {
    let id = stream("head-1")?;
    append_to(&store, &id, 0, events("E", 2)).await?;
    let result = append_to(&store, &id, 2, events("E", 3)).await?;
    let newest = result.events.last().ok_or("no events reported")?.position;
    ensure_eq!(store.head_position().await?, newest, "head after appends");
    Ok(())
}

/// Read-your-writes: as soon as an append returns, with nothing else in
/// flight, its events are readable through `head_position` and `read_all`,
/// and the store reports nothing holding readers back.
pub async fn an_append_is_readable_as_soon_as_it_returns<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    ensure_eq!(
        store.held_back().await?,
        None,
        "held back on an empty store"
    );
    let (a, b) = (stream("ryw-a")?, stream("ryw-b")?);
    for round in 0..5_u64 {
        let before = store.head_position().await?;
        let written = append_writes(
            &store,
            vec![
                StreamWrite::new(a.clone(), StreamVersion::new(round), events("E", 1)),
                StreamWrite::new(b.clone(), StreamVersion::new(2 * round), events("E", 2)),
            ],
        )
        .await?;
        let newest = written.events.last().ok_or("no events reported")?.position;
        ensure_eq!(
            store.head_position().await?,
            newest,
            "head right after the append"
        );
        let read = store.read_all(before, &EventFilter::all(), 10).await?;
        ensure_eq!(
            read.iter().map(StoredEvent::position).collect::<Vec<_>>(),
            written
                .events
                .iter()
                .map(|e| e.position)
                .collect::<Vec<_>>(),
            "read_all right after the append"
        );
        ensure_eq!(
            store.held_back().await?,
            None,
            "held back with nothing in flight"
        );
    }
    Ok(())
}
