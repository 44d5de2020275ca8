// When a generated name is taken, `state_name` and `streams_name` choose
// others.
use eventcore::{Command, CommandLogic};
use eventcore_ui_tests::{Account, AccountId, BankError, BankEvent};

/// The user's own type with the name the derive would generate.
#[allow(dead_code)]
struct OpenState;

#[derive(Command)]
#[command(event = BankEvent, state_name = OpenFolded, streams_name = OpenHandles)]
struct Open {
    #[stream(state = Account)]
    account: AccountId,
}

impl CommandLogic for Open {
    type Error = BankError;

    fn handle(&self, state: OpenFolded, streams: &mut OpenHandles<'_>) -> Result<(), BankError> {
        let _ = state.account.balance;
        streams.account.emit(BankEvent::Deposited { amount: 1 });
        Ok(())
    }
}

fn assert_command<C: CommandLogic>() {}

fn main() {
    assert_command::<Open>();
}
