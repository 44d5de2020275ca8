// A defaulted type parameter carries over to the generated structs, so
// `TouchState` and `TouchStreams<'_>` mean the default, as `Touch` does.
use eventcore::{Command, CommandLogic, StreamId};
use eventcore_ui_tests::{Account, BankError, BankEvent};

#[derive(Command)]
#[command(event = BankEvent)]
struct Touch<Id: Send + Sync = StreamId> {
    #[stream(state = Account)]
    target: Id,
}

impl CommandLogic for Touch {
    type Error = BankError;

    fn handle(&self, state: TouchState, streams: &mut TouchStreams<'_>) -> Result<(), BankError> {
        let _ = state.target.balance;
        streams.target.emit(BankEvent::Deposited { amount: 1 });
        Ok(())
    }
}

fn assert_command<C: CommandLogic>() {}

fn main() {
    assert_command::<Touch>();
}
