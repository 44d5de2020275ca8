// `#[event(compose)]`: each variant wraps one event type, names come from
// the parts, and no two parts may share a type name.
use eventcore::Event;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
enum OrderEvent {
    Placed,
}

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
enum ReturnEvent {
    Placed,
}

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
#[event(compose)]
enum NotWrapping {
    Order(OrderEvent),
    Loose { units: u32 },
    #[event(rename = "Other")]
    Renamed(ReturnEvent),
}

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
#[event(compose)]
enum Clashing {
    Order(OrderEvent),
    Return(ReturnEvent),
}

fn main() {}
