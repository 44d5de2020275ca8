//! `then_emits` and the outcome list events in the order `handle` emitted
//! them across streams.

#![cfg(test)]

use eventcore::{Command, CommandLogic, CommandState, Event, RecordedEvent, StreamId};
use eventcore_testing::scenario::given_no_events;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Step {
    A,
    B,
    C,
}

/// Emits A to `x`, B to `y`, then C to `x`.
#[derive(Command)]
#[command(event = Step)]
struct Zigzag {
    #[stream]
    x: StreamId,
    #[stream]
    y: StreamId,
}

impl CommandState for Zigzag {
    type State = ();
    fn initial_state(&self) {}
    fn apply(&self, (): &mut (), _: &RecordedEvent<Step>) {}
}

impl CommandLogic for Zigzag {
    type Error = std::convert::Infallible;

    fn handle(&self, (): (), streams: &mut ZigzagStreams<'_>) -> Result<(), Self::Error> {
        streams.x.emit(Step::A);
        streams.y.emit(Step::B);
        streams.x.emit(Step::C);
        Ok(())
    }
}

fn zigzag() -> (Zigzag, StreamId, StreamId) {
    let (x, y) = (
        StreamId::try_new("zig-x").unwrap(),
        StreamId::try_new("zig-y").unwrap(),
    );
    (
        Zigzag {
            x: x.clone(),
            y: y.clone(),
        },
        x,
        y,
    )
}

#[test]
fn then_emits_expects_the_order_handle_emitted_across_streams() {
    let (command, x, y) = zigzag();
    given_no_events()
        .when(command)
        .then_emits([(x.clone(), Step::A), (y, Step::B), (x, Step::C)]);
}

#[test]
#[should_panic(expected = "the same events in another order")]
fn then_emits_rejects_the_events_grouped_stream_by_stream() {
    let (command, x, y) = zigzag();
    given_no_events()
        .when(command)
        .then_emits([(x.clone(), Step::A), (x, Step::C), (y, Step::B)]);
}

#[test]
fn outcome_lists_events_in_emission_order() {
    let (command, x, y) = zigzag();
    let events = given_no_events().when(command).into_result().unwrap();
    assert_eq!(
        events,
        vec![(x.clone(), Step::A), (y, Step::B), (x, Step::C)]
    );
}
