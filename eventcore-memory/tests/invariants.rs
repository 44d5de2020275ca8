//! Property tests for three store invariants, on the in-memory store:
//! recorded events never change, stream versions only grow (densely), and
//! the order of events is deterministic.

#![cfg(test)]

use std::future::Future;

use eventcore::{
    EventMetadata, GlobalPosition, SerializedEvent, StreamId, StreamVersion,
    store::{
        AppendBatch, EventFilter, EventStore, ExpectedVersion, NewEvent, StoredEvent, StreamWrite,
    },
};
use eventcore_memory::MemoryStore;
use proptest::prelude::*;

/// One generated append: for each of up to three streams (from a pool of
/// four), how many events to write and how far off the expected version is.
#[derive(Clone, Debug)]
struct Op {
    writes: Vec<(u8, u8, i8)>,
}

fn op() -> impl Strategy<Value = Op> {
    proptest::collection::vec(
        (
            0_u8..4,
            0_u8..4,
            prop_oneof![8 => Just(0_i8), 1 => -1_i8..=1],
        ),
        1..=3,
    )
    .prop_map(|mut writes| {
        writes.sort_by_key(|w| w.0);
        writes.dedup_by_key(|w| w.0);
        Op { writes }
    })
}

fn stream(n: u8) -> StreamId {
    StreamId::with_prefix("inv", n).unwrap()
}

fn new_event(tag: &str) -> NewEvent {
    NewEvent::new(
        SerializedEvent::new("Tagged", serde_json::json!({ "tag": tag }).to_string()),
        EventMetadata::new(),
    )
}

/// Applies `op` (step `step`) and reports whether it committed.
async fn apply(store: &MemoryStore, step: usize, op: &Op) -> bool {
    let mut writes = Vec::new();
    let mut conflict_expected = false;
    for &(s, count, skew) in &op.writes {
        let id = stream(s);
        let current = store.stream_version(&id).await.unwrap().value();
        let expected = current.saturating_add_signed(i64::from(skew));
        conflict_expected |= expected != current;
        let events = (0..count)
            .map(|i| new_event(&format!("{step}.{s}.{i}")))
            .collect();
        writes.push(StreamWrite::new(
            id,
            ExpectedVersion::Exact(StreamVersion::new(expected)),
            events,
        ));
    }
    match store.append(AppendBatch::try_new(writes).unwrap()).await {
        Ok(_) => {
            assert!(
                !conflict_expected,
                "a skewed expected version must conflict"
            );
            true
        }
        Err(e) => {
            assert!(e.is_version_conflict(), "unexpected error {e}");
            assert!(
                conflict_expected,
                "an exact expected version must not conflict"
            );
            false
        }
    }
}

fn fingerprint(events: &[StoredEvent]) -> Vec<(String, u64, u64, String)> {
    events
        .iter()
        .map(|e| {
            (
                e.stream_id().to_string(),
                e.version().value(),
                e.position().value(),
                e.json().to_owned(),
            )
        })
        .collect()
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

async fn everything(store: &MemoryStore) -> Vec<StoredEvent> {
    store
        .read_all(GlobalPosition::START, &EventFilter::all(), usize::MAX)
        .await
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Once read, an event reads back identically after any later appends:
    /// the history seen earlier is always a prefix of the history seen later.
    #[test]
    fn recorded_events_never_change(ops in proptest::collection::vec(op(), 1..25)) {
        block_on(async {
            let store = MemoryStore::new();
            let mut seen: Vec<StoredEvent> = Vec::new();
            for (step, op) in ops.iter().enumerate() {
                apply(&store, step, op).await;
                let now = everything(&store).await;
                assert!(now.len() >= seen.len());
                assert_eq!(&now[..seen.len()], &seen[..], "history changed at step {step}");
                for s in 0..4 {
                    let id = stream(s);
                    let read = store.read_streams(std::slice::from_ref(&id)).await.unwrap();
                    let from_all: Vec<_> = now.iter().filter(|e| e.stream_id() == &id).cloned().collect();
                    assert_eq!(read.streams()[0].events(), &from_all[..], "stream view disagrees with the log");
                }
                seen = now;
            }
        });
    }

    /// Versions only grow: a commit raises each written stream's version by
    /// exactly its event count, a conflict changes nothing, and every stream
    /// ends up with versions 1..=n.
    #[test]
    fn stream_versions_increase_monotonically(ops in proptest::collection::vec(op(), 1..25)) {
        block_on(async {
            let store = MemoryStore::new();
            let mut versions = [0_u64; 4];
            for (step, op) in ops.iter().enumerate() {
                let committed = apply(&store, step, op).await;
                for s in 0..4_u8 {
                    let now = store.stream_version(&stream(s)).await.unwrap().value();
                    let written = op.writes.iter().find(|w| w.0 == s).map_or(0, |w| u64::from(w.1));
                    let want = if committed { versions[usize::from(s)] + written } else { versions[usize::from(s)] };
                    assert_eq!(now, want, "version of stream {s} after step {step}");
                    versions[usize::from(s)] = now;
                }
            }
            for s in 0..4 {
                let read = store.read_streams(&[stream(s)]).await.unwrap();
                let got: Vec<u64> = read.streams()[0].events().iter().map(|e| e.version().value()).collect();
                assert_eq!(got, (1..=versions[usize::from(s)]).collect::<Vec<_>>());
            }
        });
    }

    /// The same appends produce the same order, every time and in every view.
    #[test]
    fn event_order_is_deterministic(ops in proptest::collection::vec(op(), 1..25), page in 1_usize..7) {
        block_on(async {
            let (first, second) = (MemoryStore::new(), MemoryStore::new());
            for (step, op) in ops.iter().enumerate() {
                let a = apply(&first, step, op).await;
                let b = apply(&second, step, op).await;
                assert_eq!(a, b, "same op, different outcome at step {step}");
            }
            let all = everything(&first).await;
            assert_eq!(fingerprint(&all), fingerprint(&everything(&second).await), "two stores disagree");
            assert_eq!(fingerprint(&all), fingerprint(&everything(&first).await), "two reads disagree");
            let mut paged = Vec::new();
            let mut after = GlobalPosition::START;
            loop {
                let chunk = first.read_all(after, &EventFilter::all(), page).await.unwrap();
                let Some(last) = chunk.last() else { break };
                after = last.position();
                paged.extend(chunk);
            }
            assert_eq!(fingerprint(&paged), fingerprint(&all), "paging changes the order");
        });
    }
}
