//! Fields whose states are kept in snapshots, of every kind: an id, an
//! option, a collection, by fingerprint and by manual version.

use eventcore::{Command, CommandState, Event, Fold, RecordedEvent, StreamId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
enum Tally {
    Added { n: u64 },
}

#[derive(Default, Serialize, Deserialize)]
struct Sum(u64);

#[eventcore::fold]
impl Fold<Tally> for Sum {
    fn fold(&mut self, event: &RecordedEvent<Tally>) {
        let Tally::Added { n } = event.payload();
        self.0 += n;
    }
}

#[derive(Default, Serialize, Deserialize)]
struct Count(u64);

impl Fold<Tally> for Count {
    fn fold(&mut self, _: &RecordedEvent<Tally>) {
        self.0 += 1;
    }
}

#[derive(Command)]
#[command(event = Tally)]
struct Everything {
    #[stream(state = Sum, snapshot)]
    one: StreamId,
    #[stream(state = Sum, snapshot)]
    maybe: Option<StreamId>,
    #[stream(state = Count, snapshot_version = 3)]
    many: Vec<StreamId>,
    #[stream(state = Sum)]
    whole: StreamId,
}

fn main() {
    let id = |name: &str| StreamId::try_new(name).unwrap();
    let command = Everything {
        one: id("one"),
        maybe: Some(id("maybe")),
        many: vec![id("a"), id("b")],
        whole: id("whole"),
    };
    // Kept: the same kind for the two `Sum` fields; another for `Count`.
    let one = command.snapshot_kind(&id("one")).unwrap();
    assert_eq!(command.snapshot_kind(&id("maybe")), Some(one.clone()));
    let many = command.snapshot_kind(&id("b")).unwrap();
    assert_ne!(one, many);
    // Not kept: a field without `snapshot`, and a stream of no field.
    assert_eq!(command.snapshot_kind(&id("whole")), None);
    assert_eq!(command.snapshot_kind(&id("elsewhere")), None);

    let mut state = command.initial_state();
    let value = serde_json::json!(41);
    command.restore_snapshot(&mut state, &id("b"), &value).unwrap();
    assert_eq!(state.many.get(&id("b")).unwrap().0, 41);
    let captured = command.capture_snapshot(&mut state, &id("b")).unwrap().unwrap();
    assert_eq!(captured, value);
    assert!(command.capture_snapshot(&mut state, &id("whole")).is_none());
}
