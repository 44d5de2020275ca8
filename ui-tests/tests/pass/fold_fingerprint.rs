//! `#[eventcore::fold]` on plain and generic fold impls: each gets its own
//! fingerprint, and the impl still folds.

use eventcore::{Event, EventMetadata, Fold, FoldFingerprint, GlobalPosition, RecordedEvent};
use eventcore::{StreamId, StreamVersion};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Tally {
    Added { n: u64 },
}

#[derive(Default)]
struct Sum(u64);

#[eventcore::fold]
impl Fold<Tally> for Sum {
    fn fold(&mut self, event: &RecordedEvent<Tally>) {
        let Tally::Added { n } = event.payload();
        self.0 += n;
    }
}

#[derive(Default)]
struct Count(u64);

#[eventcore::fold(crate = ::eventcore)]
impl Fold<Tally> for Count {
    fn fold(&mut self, _: &RecordedEvent<Tally>) {
        self.0 += 1;
    }
}

struct Last<T>(Option<T>);

impl<T> Default for Last<T> {
    fn default() -> Self {
        Self(None)
    }
}

#[eventcore::fold]
impl<T: Clone> Fold<T> for Last<T> {
    fn fold(&mut self, event: &RecordedEvent<T>) {
        self.0 = Some(event.payload().clone());
    }
}

fn main() {
    let sum = <Sum as FoldFingerprint<Tally>>::FOLD_FINGERPRINT;
    let count = <Count as FoldFingerprint<Tally>>::FOLD_FINGERPRINT;
    assert_ne!(sum, count);
    let _ = <Last<Tally> as FoldFingerprint<Tally>>::FOLD_FINGERPRINT;

    let event = RecordedEvent::new(
        StreamId::try_new("tally").unwrap(),
        StreamVersion::new(1),
        GlobalPosition::new(1),
        EventMetadata::new(),
        Tally::Added { n: 5 },
    );
    let mut total = Sum::default();
    total.fold(&event);
    assert_eq!(total.0, 5);
}
