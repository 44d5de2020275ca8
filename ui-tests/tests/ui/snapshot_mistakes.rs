use eventcore::{Command, Event, Fold, RecordedEvent, StreamId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
enum Tally {
    Added { n: u64 },
}

/// Serializable, but its fold is not annotated with #[eventcore::fold].
#[derive(Default, Serialize, Deserialize)]
struct Unmarked(u64);

impl Fold<Tally> for Unmarked {
    fn fold(&mut self, event: &RecordedEvent<Tally>) {
        let Tally::Added { n } = event.payload();
        self.0 += n;
    }
}

/// Annotated, but not serializable.
#[derive(Default)]
struct Opaque(u64);

#[eventcore::fold]
impl Fold<Tally> for Opaque {
    fn fold(&mut self, event: &RecordedEvent<Tally>) {
        let Tally::Added { n } = event.payload();
        self.0 += n;
    }
}

#[derive(Command)]
#[command(event = Tally)]
struct NoFingerprint {
    #[stream(state = Unmarked, snapshot)]
    tally: StreamId,
}

#[derive(Command)]
#[command(event = Tally)]
struct NotSerializable {
    #[stream(state = Opaque, snapshot)]
    tally: StreamId,
}

#[derive(Command)]
#[command(event = Tally)]
struct NoState {
    #[stream(snapshot)]
    tally: StreamId,
}

#[derive(Command)]
#[command(event = Tally)]
struct Both {
    #[stream(state = Unmarked, snapshot, snapshot_version = 2)]
    tally: StreamId,
}

fn main() {}
