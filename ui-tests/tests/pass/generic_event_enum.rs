// A generic event enum compiles, and is an event for the type arguments
// that allow it.
use eventcore::Event;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
enum Wrapped<T> {
    Happened { value: T },
}

fn assert_event<E: Event>() {}

fn main() {
    assert_event::<Wrapped<u64>>();
    assert_eq!(Wrapped::Happened { value: 1_u64 }.event_type(), "Happened");
}
