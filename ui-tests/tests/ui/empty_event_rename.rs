use eventcore::Event;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
enum Bad {
    #[event(rename = "")]
    Empty,
    #[event(rename = "Tab\there")]
    Control,
    #[event(rename = " Padded")]
    Padded,
    Fine,
}

fn main() {}
