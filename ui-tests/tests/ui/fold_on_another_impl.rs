use eventcore::{Event, RecordedEvent};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
enum Tally {
    Added { n: u64 },
}

struct Sum(u64);

#[eventcore::fold]
impl Default for Sum {
    fn default() -> Self {
        Sum(0)
    }
}

#[eventcore::fold]
struct NotAnImpl;

#[eventcore::fold(version = 2)]
impl eventcore::Fold<Tally> for Sum {
    fn fold(&mut self, _: &RecordedEvent<Tally>) {}
}

fn main() {}
