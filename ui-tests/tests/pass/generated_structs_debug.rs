// The generated state and handles structs implement `Debug`: each field
// shows with its own `Debug`, or as `..` when its type has none, so adding
// the derive never fails because a state type is not `Debug`.
use eventcore::{Command, CommandLogic, Fold, RecordedEvent, StreamId};
use eventcore_ui_tests::{Account, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Transfer {
    #[stream(state = Account)]
    from: StreamId,
    #[stream(state = Account)]
    to: StreamId,
    #[stream]
    audit: Vec<StreamId>,
}

impl CommandLogic for Transfer {
    type Error = BankError;

    fn handle(&self, state: TransferState, streams: &mut TransferStreams<'_>) -> Result<(), BankError> {
        let printed = format!("{state:?} {streams:?}");
        assert!(printed.contains("TransferState { from: Account { balance: 0 }"), "{printed}");
        assert!(printed.contains("TransferStreams { from: "), "{printed}");
        streams.to.emit(BankEvent::Deposited { amount: 1 });
        Ok(())
    }
}

/// A state type without `Debug`.
#[derive(Default)]
struct Tally(u64);

impl Fold<BankEvent> for Tally {
    fn fold(&mut self, _: &RecordedEvent<BankEvent>) {
        self.0 += 1;
    }
}

#[derive(Command)]
#[command(event = BankEvent)]
struct Count {
    #[stream(state = Tally)]
    counter: StreamId,
}

fn assert_debug<T: std::fmt::Debug>() {}

fn main() {
    assert_debug::<TransferState>();
    assert_debug::<TransferStreams<'static>>();
    assert_debug::<CountState>();
    let state = CountState { counter: Tally(3) };
    assert_eq!(format!("{state:?}"), "CountState { counter: .. }");
    assert_eq!(state.counter.0, 3);
}
