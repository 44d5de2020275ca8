use std::rc::Rc;

use eventcore::Event;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
enum Wrapped<T> {
    Happened { value: T },
}

fn assert_event<E: Event>() {}

fn main() {
    assert_event::<Wrapped<Rc<u64>>>();
}
