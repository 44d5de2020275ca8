//! Events come back, and get their global positions, in the order the
//! command emitted them across its streams, not stream by stream.

#![cfg(test)]

use eventcore::{
    Command, CommandExecutor, CommandLogic, CommandState, Event, GlobalPosition, RecordedEvent,
    StreamId,
    store::{EventFilter, EventStore},
};
use eventcore_memory::MemoryStore;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Mark {
    Made { label: String },
}

fn mark(label: &str) -> Mark {
    Mark::Made {
        label: label.to_owned(),
    }
}

/// Emits one event per entry of `plan`, to `x` where it says `true` and to
/// `y` where it says `false`, labelled with the entry's index.
#[derive(Command)]
#[command(event = Mark)]
struct Interleave {
    #[stream]
    x: StreamId,
    #[stream]
    y: StreamId,
    plan: Vec<(bool, String)>,
}

impl CommandState for Interleave {
    type State = ();
    fn initial_state(&self) {}
    fn apply(&self, (): &mut (), _: &RecordedEvent<Mark>) {}
}

impl CommandLogic for Interleave {
    type Error = std::convert::Infallible;

    fn handle(&self, (): (), streams: &mut InterleaveStreams<'_>) -> Result<(), Self::Error> {
        for (to_x, label) in &self.plan {
            if *to_x {
                streams.x.emit(mark(label));
            } else {
                streams.y.emit(mark(label));
            }
        }
        Ok(())
    }
}

fn ids() -> (StreamId, StreamId) {
    (
        StreamId::try_new("order-x").unwrap(),
        StreamId::try_new("order-y").unwrap(),
    )
}

fn labelled(events: &[RecordedEvent<Mark>]) -> Vec<(String, String, u64)> {
    events
        .iter()
        .map(|e| {
            let Mark::Made { label } = e.payload();
            (
                e.stream_id().to_string(),
                label.clone(),
                e.version().value(),
            )
        })
        .collect()
}

#[tokio::test]
async fn events_emitted_a_to_x_b_to_y_c_to_x_come_back_as_a_b_c() {
    let store = MemoryStore::new();
    let (x, y) = ids();
    let plan = vec![
        (true, "a".to_owned()),
        (false, "b".to_owned()),
        (true, "c".to_owned()),
    ];
    let done = CommandExecutor::new(store.clone())
        .execute(Interleave { x, y, plan })
        .await
        .unwrap();

    let want = vec![
        ("order-x".to_owned(), "a".to_owned(), 1),
        ("order-y".to_owned(), "b".to_owned(), 1),
        ("order-x".to_owned(), "c".to_owned(), 2),
    ];
    assert_eq!(labelled(&done.events), want);
    let positions: Vec<GlobalPosition> = done.events.iter().map(RecordedEvent::position).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "positions must increase in emission order: {positions:?}"
    );
    let ids: Vec<_> = done
        .events
        .iter()
        .map(|e| e.metadata().event_id())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "event ids (UUIDv7) are made in emission order: {ids:?}"
    );

    // Every reader sees the same order.
    let all = store
        .read_all(GlobalPosition::START, &EventFilter::all(), 10)
        .await
        .unwrap();
    let stored: Vec<_> = all
        .iter()
        .map(|e| (e.metadata().event_id(), e.position()))
        .collect();
    let reported: Vec<_> = done
        .events
        .iter()
        .map(|e| (e.metadata().event_id(), e.position()))
        .collect();
    assert_eq!(stored, reported);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any interleaving across two streams comes back as emitted, with
    /// increasing positions, and each stream's versions stay dense.
    #[test]
    fn random_interleavings_come_back_in_emission_order_with_increasing_positions(
        targets in proptest::collection::vec(any::<bool>(), 1..24),
        earlier in 0_usize..3,
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let store = MemoryStore::new();
            let executor = CommandExecutor::new(store.clone());
            let (x, y) = ids();
            // Some history first, so versions and positions do not start at 1.
            for round in 0..earlier {
                let plan = vec![(round % 2 == 0, format!("before-{round}"))];
                executor
                    .execute(Interleave { x: x.clone(), y: y.clone(), plan })
                    .await
                    .unwrap();
            }
            let head = store.head_position().await.unwrap();
            let plan: Vec<(bool, String)> = targets
                .iter()
                .enumerate()
                .map(|(i, &to_x)| (to_x, format!("e{i}")))
                .collect();
            let done = executor
                .execute(Interleave { x: x.clone(), y: y.clone(), plan: plan.clone() })
                .await
                .unwrap();

            let got: Vec<(bool, String)> = done
                .events
                .iter()
                .map(|e| {
                    let Mark::Made { label } = e.payload();
                    (e.stream_id() == &x, label.clone())
                })
                .collect();
            prop_assert_eq!(&got, &plan);
            prop_assert!(done.events.windows(2).all(|w| w[0].position() < w[1].position()));
            prop_assert!(done.events.first().is_some_and(|e| e.position() > head));

            let all = store.read_all(head, &EventFilter::all(), 100).await.unwrap();
            let read: Vec<_> = all.iter().map(RecordedEvent::position).collect();
            let reported: Vec<_> = done.events.iter().map(RecordedEvent::position).collect();
            prop_assert_eq!(read, reported);

            for id in [&x, &y] {
                let stream = store.read_streams(std::slice::from_ref(id)).await.unwrap();
                let versions: Vec<u64> = stream.streams()[0]
                    .events()
                    .iter()
                    .map(|e| e.version().value())
                    .collect();
                let expected: Vec<u64> = (1..=versions.len() as u64).collect();
                prop_assert_eq!(versions, expected);
            }
            Ok(())
        })?;
    }
}
